"""The gym sells a 10-pack and a member sees it at booking time (issue 17 items 1 and 5), in a
browser: the admin adds the plan on the plans page and assigns it from the member's memberships
page; the member opens a slot of coach Mia Hahn and the booking sheet says how many credits are
left and until when; after booking, one credit less (on the sheet and the home page).

The admin's pages at 1366 px (a laptop), the member's at 390 px (a phone). Screenshots:
build/screenshots/e2e-membership-plans.png (a 10-pack and an unlimited 2-per-week plan),
e2e-membership-assign.png, e2e-membership-balance.png (the sheet before booking),
e2e-membership-booked.png (after). axe-core finds no violation on the plans page, the member's
memberships page or the sheet.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, _context, log_in
from tests.e2e.live_server import create_user, weekly_hours
from tests.e2e.test_account import axe_violations

pytestmark = pytest.mark.e2e

ADMIN, MIA, UMA = "boss@gym.example.com", "mia@gym.example.com", "uma@gym.example.com"
LAPTOP = {"viewport": {"width": 1366, "height": 768}}  # the admin's pages, as on a laptop


@pytest.fixture(scope="module")
def people(e2e_gym, server):
    """Admin Bo Boss, coach Mia Hahn (every day 07:00–21:00, Berlin) and member Uma Lee."""
    create_user(e2e_gym, ADMIN, "Bo Boss", "admin")
    mia_id = create_user(e2e_gym, MIA, "Mia Hahn", "coach")
    create_user(e2e_gym, UMA, "Uma Lee", "member")
    weekly_hours(server, e2e_gym.shell.token(MIA), mia_id)
    return {"mia_id": mia_id, "password": e2e_gym.password}


def test_admin_sells_a_pack_and_the_member_sees_it_when_booking(browser, server, people, shot):
    admin = _context(browser, server, LAPTOP)
    page = admin.new_page()
    log_in(page, ADMIN, people["password"])
    page.goto("/admin/plans")
    page.get_by_label("Name").fill("10-pack")
    page.get_by_label("Kind").select_option("credits")
    page.get_by_label("Credits").fill("10")
    page.get_by_label("Valid for (days)").fill("90")
    page.get_by_role("button", name="Add plan").click()
    expect(page.get_by_text("Plan 10-pack added")).to_be_visible()
    expect(page.locator("#plan-list")).to_contain_text("10 credits")
    # an unlimited plan of at most 2 sessions a week, for one-to-one sessions only
    page.get_by_label("Name").fill("Unlimited 2/week")
    page.get_by_label("Kind").select_option("unlimited")
    page.get_by_label("Valid for (days)").fill("30")
    page.get_by_label("Sessions per week at most").fill("2")
    page.get_by_label("Covers").select_option(label="One-to-one sessions only")
    page.get_by_role("button", name="Add plan").click()
    expect(page.get_by_text("Plan Unlimited 2/week added")).to_be_visible()
    unlimited = page.locator("#plan-list tr", has_text="Unlimited 2/week")
    expect(unlimited).to_contain_text("30 days")
    expect(unlimited).to_contain_text("2")
    assert axe_violations(page) == []
    shot(page, "membership-plans")

    page.goto("/admin/members")
    page.locator("tr", has_text="Uma Lee").get_by_role("link", name="Memberships").click()
    expect(page.get_by_role("heading", name="Memberships · Uma Lee")).to_be_visible()
    page.get_by_label("Plan").select_option(label="10-pack (10 credits, 90 days)")
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("Uma Lee has 10-pack from")).to_be_visible()
    expect(page.locator("#membership-list")).to_contain_text("10 of 10 left")
    assert axe_violations(page) == []
    shot(page, "membership-assign")
    admin.close()

    member = _context(browser, server, PHONE)
    page = member.new_page()
    log_in(page, UMA, people["password"])
    expect(page.get_by_text("10-pack: 10 of 10 credits left")).to_be_visible()
    berlin = ZoneInfo("Europe/Berlin")
    day = datetime.now(berlin).date() + timedelta(days=3)
    start = datetime(day.year, day.month, day.day, 10, tzinfo=berlin)
    page.goto(f"/book/{people['mia_id']}")
    page.goto(
        f"/book/{people['mia_id']}/slot?start={start.isoformat()}"
        f"&end={(start + timedelta(hours=1)).isoformat()}".replace("+", "%2B")
    )
    balance = page.locator(".sheet-balance")
    expect(balance).to_contain_text("10-pack: 10 of 10 credits left · until")
    assert axe_violations(page) == []
    shot(page, "membership-balance", full_page=False)
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("You're booked")).to_be_visible()
    expect(balance).to_contain_text("10-pack: 9 of 10 credits left")
    shot(page, "membership-booked", full_page=False)
    page.goto("/")
    expect(page.get_by_text("10-pack: 9 of 10 credits left")).to_be_visible()
    member.close()

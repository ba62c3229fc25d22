"""The conflicts page grouped by recurring booking (issue 18 item 4), in a browser.

Coach Cleo Brandt (Berlin) works every day 07:00–21:00; member Ben Okafor has four weekly series
with her (Monday to Thursday 10:00, six sessions each from tomorrow) and one Saturday session.
She stops working Monday to Thursday and blocks that Saturday: 25 conflicts (made through the
services in the gym's ``AppShell``, as the CLI does: a CLI call per step costs seconds each).

- 390 px phone: four group lines and one row: the page stays short (< 4,000 px; one card per
  session was 11,287 px for 25), axe-core finds nothing, every group button is 44 px high.
- 1366 px: "Keep all" settles a six-session series in one click; Undo within its 10 seconds puts
  the six conflicts back. With the keyboard alone: Tab to another series' "Cancel all", Enter,
  the group asks (its "Yes" has the focus), Enter: six sessions cancelled. Moving Wednesday's
  series to Saturday 09:00 first lists what will happen; "No, go back" leaves it as it was.

Screenshots: build/screenshots/e2e-conflicts-390.png, e2e-conflicts-1366.png,
e2e-conflicts-1366-move.png.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, PHONE, _context, log_in
from tests.e2e.test_account import axe_violations

pytestmark = pytest.mark.e2e

COACH = ("cleo.brandt@conflict-groups.example.com", "Cleo Brandt")
MEMBER = ("ben.okafor@conflict-groups.example.com", "Ben Okafor")
WIDE = {"viewport": {"width": 1366, "height": 900}}
WEEKDAYS = (1, 2, 3, 4)  # Monday to Thursday (0 = Sunday)


SEED = f"""
import json
from datetime import datetime, time, timedelta
from wsgi import app
from coachapp.models import utcnow
from coachapp.services import accounts, availability, bookings, coaches, sessions
from coachapp.services.availability import WindowInput
from coachapp.services.bookings import SeriesSpec
with app.app_context():
    cleo = accounts.create_user({COACH[0]!r}, {COACH[1]!r}, "coach", {PASSWORD!r}, "Europe/Berlin")
    ben = accounts.create_user({MEMBER[0]!r}, {MEMBER[1]!r}, "member", {PASSWORD!r})
    for day in range(7):
        availability.replace_weekly_day(cleo, cleo.id, day, [WindowInput("07:00", "21:00", None)])
    tz = coaches.coach_zone(cleo.id)
    tomorrow = utcnow().astimezone(tz).date() + timedelta(days=1)
    series = []
    for day in {WEEKDAYS!r}:
        row, made = bookings.create_recurring(
            cleo, SeriesSpec(cleo.id, day, "10:00", "11:00", tomorrow, None, 1, member_id=ben.id)
        )
        assert len(made) == 6, made
        series.append(row.id)
    saturday = tomorrow + timedelta(days=(5 - tomorrow.weekday()) % 7)
    noon = datetime.combine(saturday, time(12, 0), tzinfo=tz)
    bookings.book_one_time(cleo, cleo.id, noon, noon + timedelta(hours=1), member_id=ben.id)
    for day in {WEEKDAYS!r}:
        availability.replace_weekly_day(cleo, cleo.id, day, [])
    availability.create_blocked_slot(
        cleo, cleo.id, noon - timedelta(hours=12), noon + timedelta(hours=11), "Cup"
    )
    assert len(sessions.list_conflicts(cleo, cleo.id)) == 25
    print(json.dumps(series))
"""


@pytest.fixture(scope="module")
def cleo(e2e_gym, server):
    """Cleo's 25 conflicts, made in the gym's ``AppShell`` (the services the CLI and the API call);
    returns the ids of Ben's four series, Monday first."""
    return json.loads(e2e_gym.shell.python(SEED).strip().splitlines()[-1])


def test_phone_page_is_compact_and_accessible(browser, server, e2e_gym, cleo, shot):
    context = _context(browser, server, PHONE)
    try:
        page = context.new_page()
        log_in(page, COACH[0], PASSWORD)
        page.goto("/coach/conflicts")
        expect(page.locator(".conflict-group")).to_have_count(4)
        expect(page.locator("#conflict-count")).to_have_text("25 open")
        summary = page.locator(f"#series-{cleo[0]} .cg-summary")
        expect(summary).to_contain_text("Ben Okafor · every Monday 10:00 · 6 sessions from")
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 4000, height
        for box in (b.bounding_box() for b in page.locator(".cg-actions button").all()):
            assert box["height"] >= 44, box
        assert axe_violations(page) == []
        shot(page, "conflicts-390")
    finally:
        context.close()


def test_keep_a_series_in_one_click_undo_it_and_cancel_one_by_keyboard(
    browser, server, e2e_gym, cleo, shot
):
    context = _context(browser, server, WIDE)
    try:
        page = context.new_page()
        log_in(page, COACH[0], PASSWORD)
        page.goto("/coach/conflicts")
        monday = page.locator(f"#series-{cleo[0]}")
        expect(monday).to_be_visible()
        shot(page, "conflicts-1366")
        monday.get_by_role("button", name="Keep all").click()
        done = page.locator(".conflict-row.resolved").first
        expect(done).to_contain_text("Kept 6 sessions of the series")
        expect(page.locator("#conflict-count")).to_have_text("19 open")
        done.locator(".undo-button").click()
        expect(done).to_contain_text("Undone")
        # the list reloads itself a few seconds after the undo (the sentence is read first)
        expect(page.locator(f"#series-{cleo[0]} .conflict-row")).to_have_count(6, timeout=10_000)
        expect(page.locator("#conflict-count")).to_have_text("25 open")

        # keyboard only: Tab to Tuesday's "Cancel all", Enter, Enter on the focused "Yes"
        tuesday = page.locator(f"#series-{cleo[1]}")
        target = tuesday.get_by_role("button", name="Cancel all")
        page.locator("body").focus()
        for _ in range(80):
            page.keyboard.press("Tab")
            if target.evaluate("b => b === document.activeElement"):
                break
        else:
            pytest.fail("Tab never reached Tuesday's Cancel all")
        page.keyboard.press("Enter")
        yes = tuesday.get_by_role("button", name="Yes, cancel them")
        expect(yes).to_be_focused()
        expect(tuesday).to_contain_text("Cancel Ben Okafor's 6 conflicting sessions?")
        # Chromium focuses the autofocus button as the step is inserted, htmx wires its form a
        # settle later (20 ms): Enter in between is a plain form post (CI saw it: a 302 and the
        # page without JS). A person is not that quick; the test waits for htmx.
        page.wait_for_function(
            "b => Boolean(b.form && b.form['htmx-internal-data'] && "
            "b.form['htmx-internal-data'].initHash)",
            arg=yes.element_handle(),
        )
        page.keyboard.press("Enter")
        expect(page.locator(".conflict-row.resolved")).to_contain_text(
            "Cancelled 6 sessions of the series"
        )
        expect(page.locator("#conflict-count")).to_have_text("19 open")

        # Wednesday's series to Saturday 09:00: the group lists what will happen first
        wednesday = page.locator(f"#series-{cleo[2]}")
        wednesday.get_by_text("Move the series to another weekly time").click()
        wednesday.get_by_label("Weekday").select_option(label="Saturday")
        wednesday.get_by_label("Time (24 h)").fill("09:00")
        wednesday.get_by_role("button", name="Check the new time").click()
        expect(wednesday).to_contain_text(
            "Move the recurring booking from every Wednesday 10:00 to every Saturday 09:00?"
        )
        shot(page, "conflicts-1366-move", full_page=False)
        wednesday.get_by_role("link", name="No, go back").click()
        expect(wednesday.get_by_role("button", name="Keep all")).to_be_visible()
        expect(page.locator("#conflict-count")).to_have_text("19 open")
    finally:
        context.close()

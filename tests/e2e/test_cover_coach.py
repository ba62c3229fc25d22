"""A coach who is ill gives a member's session to a colleague who is free (issue 17 item 6), on a
390 px phone, with the keyboard alone.

Coaches Ana Ruiz (ill) and Sam Vidal (Berlin) both take one-to-one sessions every day
07:00–21:00 (set through the API with their tokens); Ana books member Kai Lund three days ahead
at 10:00, then blocks that day. On her conflicts page she tabs to "Give to Sam Vidal", presses
Enter: the row asks, naming Kai, the time and Sam, and its Yes button has the focus; Enter again:
the row says it is done and Kai has been told. "No, go back" puts the row back as it was.

Screenshots: build/screenshots/e2e-cover-*.png. axe-core finds no violation on any step; every
button of the row is at least 44 px high.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, _context, log_in
from tests.e2e.live_server import api as _api
from tests.e2e.live_server import create_user, weekly_hours
from tests.e2e.test_account import axe_violations

pytestmark = pytest.mark.e2e

ANA, SAM, KAI = "ana@gym.example.com", "sam.vidal@gym.example.com", "kai@gym.example.com"


@pytest.fixture(scope="module")
def ill_day(e2e_gym, server):
    """Ana's session with Kai three days ahead, 10:00–11:00 Berlin, inside the day she blocked;
    returns the day as the pages write it (``Fri 4 Dec 2026``)."""
    ids = {
        ANA: create_user(e2e_gym, ANA, "Ana Ruiz", "coach"),
        SAM: create_user(e2e_gym, SAM, "Sam Vidal", "coach"),
        KAI: create_user(e2e_gym, KAI, "Kai Lund", "member"),
    }
    tokens = {e: e2e_gym.shell.token(e) for e in (ANA, SAM)}
    for email in (ANA, SAM):
        weekly_hours(server, tokens[email], ids[email])
    day = datetime.now(ZoneInfo("Europe/Berlin")).date() + timedelta(days=3)
    _api(
        server,
        tokens[ANA],
        "POST",
        "/api/v1/bookings",
        {
            "coach_id": ids[ANA],
            "member_id": ids[KAI],
            "start_time": f"{day}T10:00",
            "end_time": f"{day}T11:00",
        },
    )
    _api(
        server,
        tokens[ANA],
        "POST",
        f"/api/v1/coaches/{ids[ANA]}/blocked-slots",
        {"start_time": f"{day}T00:00", "end_time": f"{day}T23:59", "reason": "Ill"},
    )
    return f"{day:%a} {day.day} {day:%b %Y}"


@pytest.fixture
def ana_phone(browser, server, e2e_gym):
    context = _context(browser, server, PHONE)
    page = context.new_page()
    log_in(page, ANA, e2e_gym.password)
    yield page
    context.close()


def _tab_to(page: Page, label: str) -> None:
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == label:
            return
    raise AssertionError(f"{label!r} is not reachable with Tab")


def _tall_enough(locator) -> None:
    for i in range(locator.count()):
        box = locator.nth(i).bounding_box()
        assert box["height"] >= 44, (locator.nth(i).inner_text(), box)


def test_an_ill_coach_gives_a_session_to_a_free_colleague(ana_phone: Page, ill_day, shot):
    page = ana_phone
    page.goto("/coach/conflicts")
    row = page.locator("li.conflict-row").filter(has_text="Kai Lund")
    expect(row).to_contain_text("10:00–11:00")
    give = row.get_by_role("button", name="Give to Sam Vidal")
    expect(give).to_be_visible()
    _tall_enough(row.locator("button, a.button"))
    assert axe_violations(page) == []
    shot(page, "cover-conflicts", full_page=False)

    _tab_to(page, "Give to Sam Vidal")
    page.keyboard.press("Enter")
    question = row.get_by_text("Give Kai Lund's session on")
    expect(question).to_contain_text(f"{ill_day} 10:00–11:00 to Sam Vidal?")
    yes = row.get_by_role("button", name="Yes, give it to Sam Vidal")
    expect(yes).to_be_focused()
    _tall_enough(row.locator("button, a.button"))
    assert axe_violations(page) == []
    shot(page, "cover-confirm", full_page=False)

    # "No, go back" puts the row back as it was; then the same again, to the end
    row.get_by_role("link", name="No, go back").click()
    expect(row.get_by_role("button", name="Give to Sam Vidal")).to_be_visible()
    expect(row.get_by_text("Give Kai Lund's session on")).to_have_count(0)
    _tab_to(page, "Give to Sam Vidal")
    page.keyboard.press("Enter")
    expect(row.get_by_role("button", name="Yes, give it to Sam Vidal")).to_be_focused()
    page.keyboard.press("Enter")
    done = page.locator("li.conflict-row.resolved")
    expect(done).to_contain_text("Given to Sam Vidal; Kai Lund has been told.")
    assert axe_violations(page) == []
    shot(page, "cover-given", full_page=False)

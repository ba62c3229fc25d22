"""A member moves a session on a 390 px phone (issue 16, items 2, 3 and 6), in a real browser.

Coach Mara Lind (Berlin) takes one-to-one sessions every day 07:00–21:00 (set through the API
with her token, as an integration would); member Jon Park, on a phone:

1. books a slot two days ahead: the sheet says until when he can cancel free of charge;
2. books the first slot offered, which starts inside the 24-hour cancellation window: the slot
   list marks it and the sheet says it is a late-cancel booking;
3. on "My sessions", reaches the first session's Move action with the keyboard alone, picks a new
   time with a tap in the slot picker and confirms with the keyboard; the list shows the new time;
   the session inside the window offers no Move and says why.

Screenshots: build/screenshots/e2e-move-*.png. axe-core finds no violation on any step.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, _context, log_in
from tests.e2e.live_server import coach_with_member
from tests.e2e.test_account import axe_violations

pytestmark = pytest.mark.e2e

COACH, MEMBER = "mara@gym.example.com", "jon@gym.example.com"
TOO_LATE = "Too late to move: less than 24 h before the start; you can still cancel (late)."


@pytest.fixture(scope="module")
def mara(e2e_gym, server):
    """Mara, working every day 07:00–21:00 (one-to-one), and member Jon; returns Mara's id."""
    return coach_with_member(e2e_gym, server, (COACH, "Mara Lind"), (MEMBER, "Jon Park"))


@pytest.fixture
def phone(browser, server, e2e_gym):
    context = _context(browser, server, PHONE)
    page = context.new_page()
    log_in(page, MEMBER, e2e_gym.password)
    yield page
    context.close()


def _no_axe_violations(page: Page) -> None:
    assert axe_violations(page) == []


def _open_coach(page: Page, coach_id: int) -> None:
    page.goto(f"/book/{coach_id}")
    expect(page.get_by_role("heading", name="Mara Lind", level=1)).to_be_visible()


def _day_slot(page: Page, index: int):
    """The first slot of the ``index``-th day that has slots in the list."""
    days = page.locator("#slot-list section.day").filter(has=page.locator("a.slot"))
    return days.nth(index).locator("h2").inner_text(), days.nth(index).locator("a.slot").first


def test_a_member_moves_a_session_on_a_phone(phone: Page, mara, shot):
    page = phone
    sheet = page.locator("#sheet")

    # 1. A slot well ahead: the policy line before Confirm.
    _open_coach(page, mara)
    day, slot = _day_slot(page, 2)
    hour = slot.locator("span").first.inner_text()
    slot.click()
    expect(sheet.get_by_role("heading")).to_contain_text(day)
    policy = sheet.get_by_text(re.compile(r"^Free cancellation until \w{3} \d+ \w{3}, \d\d:\d\d"))
    expect(policy).to_be_visible()
    confirm = sheet.get_by_role("button", name="Confirm booking")
    assert policy.bounding_box()["y"] < confirm.bounding_box()["y"], "said before Confirm"
    _no_axe_violations(page)
    shot(page, "move-booking-sheet-policy", full_page=False)
    confirm.click()
    expect(sheet).to_contain_text("You're booked")
    booked = f"{day}, {hour}"
    sheet.get_by_role("link", name="Close").click()
    expect(sheet).to_be_empty()

    # 2. The first slot offered starts within 24 hours: marked in the list and in the sheet.
    first = page.locator("#slot-list a.slot").first
    expect(first).to_have_class(re.compile(r"\bslot-late\b"))
    expect(first).to_contain_text("inside the late-cancel window")
    # Closing the sheet leaves the list scrolled where the booked slot was: show the first days.
    first.evaluate("el => el.scrollIntoView({block: 'center'})")
    shot(page, "move-slot-list-late-mark", full_page=False)
    first.click()
    expect(sheet).to_contain_text("Late-cancel window")
    shot(page, "move-booking-sheet-late", full_page=False)
    sheet.get_by_role("button", name="Confirm booking").click()
    expect(sheet).to_contain_text("You're booked")

    # 3. My sessions: Move by keyboard, a tap in the picker, Confirm by keyboard.
    page.goto("/me/sessions")
    upcoming = page.locator("section.card", has=page.get_by_role("heading", name="Upcoming"))
    rows = upcoming.locator("li.session").filter(has_text="Mara Lind")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(TOO_LATE)
    expect(rows.first.get_by_role("link", name=re.compile("^Move"))).to_have_count(0)
    _no_axe_violations(page)
    shot(page, "move-my-sessions", full_page=False)  # the feed's secret URL stays out of it

    page.keyboard.press("Tab")
    for _ in range(60):
        if page.evaluate("document.activeElement.textContent.trim()").startswith("Move"):
            break
        page.keyboard.press("Tab")
    label = page.evaluate("document.activeElement.textContent.trim()")
    assert label == f"Move {booked}", label
    page.keyboard.press("Enter")
    expect(sheet.get_by_role("heading", level=2)).to_contain_text(f"Move {booked}")
    expect(sheet.locator("a.slot").first).to_be_visible()
    _no_axe_violations(page)
    shot(page, "move-picker", full_page=False)

    target = sheet.locator("section.day").nth(2)
    new_day = target.locator("h3").inner_text()
    new_slot = target.locator("a.slot").last
    new_hour = new_slot.locator("span").first.inner_text()
    new_slot.tap()
    expect(sheet.get_by_role("heading", level=2)).to_contain_text(f"Move to {new_day}, {new_hour}")
    expect(sheet).to_contain_text("Free cancellation until")
    _no_axe_violations(page)
    shot(page, "move-confirm", full_page=False)
    sheet.get_by_role("button", name="Confirm move").focus()
    page.keyboard.press("Enter")
    expect(sheet).to_contain_text(f"Moved to {new_day}, {new_hour}")
    expect(upcoming).to_contain_text(f"{new_day}, {new_hour}")
    expect(upcoming).not_to_contain_text(booked)
    _no_axe_violations(page)
    shot(page, "move-done", full_page=False)

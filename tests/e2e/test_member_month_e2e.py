"""A coach's month calendar (issue 19 item 3), in a real browser.

Coach Mia Monat (Berlin) takes one-to-one sessions every day 07:00–21:00; member Pia Tag:

1. on a 1366 px laptop the month grid stands beside the chosen day's slots; keyboard only she
   tabs into the grid (one tab stop), moves with the arrows to another day with free times,
   Enter: that day's slots appear beside the grid, the address is ``?date=`` of that day and
   focus stays on it; Back returns to the day chosen before; a slot of the day opens the booking
   dialog (Enter), Escape gives focus back to the slot;
2. on a 390 px phone there is no calendar, the day list is as before, and ``?date=`` starts it
   at that day.

axe-core finds no violation at either width. Screenshots: build/screenshots/e2e-member-month-*.png.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, logged_in
from tests.e2e.live_server import coach_with_member
from tests.e2e.test_account import axe_violations

pytestmark = pytest.mark.e2e

COACH, MEMBER = "mia.monat@gym.example.com", "pia.tag@gym.example.com"
LAPTOP = {"viewport": {"width": 1366, "height": 860}}
FOCUSED_DATE = "document.activeElement && document.activeElement.getAttribute('data-date')"


@pytest.fixture(scope="module")
def mia(e2e_gym, server):
    """Mia, working every day 07:00–21:00 (one-to-one), and member Pia; returns Mia's id."""
    return coach_with_member(e2e_gym, server, (COACH, "Mia Monat"), (MEMBER, "Pia Tag"))


def _label(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d:%a} {d.day} {d:%b}"


def _focused_date(page: Page) -> str | None:
    return page.evaluate(FOCUSED_DATE)


def _next_in_month(day: str) -> tuple[str, str]:
    """A key that moves from ``day`` to another day of its month with free times (Mia works every
    day, so every later day up to the horizon has some), and that day."""
    d = date.fromisoformat(day)
    for key, step in (("ArrowDown", 7), ("ArrowRight", 1), ("ArrowUp", -7), ("ArrowLeft", -1)):
        other = d + timedelta(days=step)
        if other.month == d.month and other > d:
            return key, other.isoformat()
    return "PageDown", ""


def test_laptop_picks_a_day_from_the_month_calendar_keyboard_only(
    browser, server, e2e_gym, mia, shot
):
    context, page = logged_in(browser, server, LAPTOP, MEMBER, e2e_gym.password)
    try:
        page.goto(f"/book/{mia}")
        grid = page.get_by_role("grid")
        expect(grid).to_be_visible()
        chosen = page.locator("#slot-list .day-chosen")
        expect(chosen).to_have_count(1)
        expect(page.locator("#slot-list .day:not(.day-chosen)").first).to_be_hidden()
        assert axe_violations(page) == []
        shot(page, "member-month-1366", full_page=False)

        # Tab into the grid: one tab stop, the chosen day.
        for _ in range(40):
            page.keyboard.press("Tab")
            if _focused_date(page):
                break
        start = _focused_date(page)
        assert start, "Tab never reached the month grid"
        assert page.locator(f'#month td[aria-selected="true"] [data-date="{start}"]').count() == 1
        assert grid.locator('[tabindex="0"]').count() == 1

        key, target = _next_in_month(start)
        if key == "PageDown":  # the last day of a month: to the next one first
            page.keyboard.press("PageDown")
            expect(page.get_by_role("link", name="Previous month", exact=False)).to_be_visible()
            page.wait_for_function(f"{FOCUSED_DATE} && {FOCUSED_DATE} !== '{start}'")
            start = _focused_date(page)
            key, target = _next_in_month(start)
        before_url = page.url
        page.keyboard.press(key)
        assert _focused_date(page) == target
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{server.url}/book/{mia}?date={target}")
        expect(chosen.get_by_role("heading", level=2)).to_have_text(_label(target))
        expect(
            page.locator(f'#month td[aria-selected="true"] [data-date="{target}"]')
        ).to_be_focused()
        expect(chosen.locator("a.slot").first).to_be_visible()

        # Back: the day chosen before.
        page.go_back()
        expect(page).to_have_url(before_url)
        expect(
            page.locator(f'#month td[aria-selected="true"] [data-date="{start}"]')
        ).to_have_count(1)
        page.go_forward()
        expect(
            page.locator(f'#month td[aria-selected="true"] [data-date="{target}"]')
        ).to_have_count(1)

        # A slot of the chosen day opens the booking dialog; Escape gives focus back to it.
        page.locator(f'#month [data-date="{target}"]').focus()
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.matches('#slot-list a.slot')"):
                break
        slot = page.evaluate("document.activeElement.getAttribute('hx-get')")
        assert slot and "/slot?start=" in slot
        page.keyboard.press("Enter")
        dialog = page.locator("dialog#sheet")
        expect(dialog.get_by_role("heading", level=2)).to_be_focused()
        expect(dialog.get_by_role("heading", level=2)).to_contain_text(_label(target))
        page.keyboard.press("Escape")
        expect(dialog).to_be_empty()
        assert page.evaluate("document.activeElement.getAttribute('hx-get')") == slot
        assert axe_violations(page) == []

        # The next month by its link (a mouse this time): its first day is chosen.
        title = page.locator("#month-title")
        shown = title.inner_text()
        page.get_by_role("link", name="Next month", exact=False).click()
        expect(title).not_to_have_text(shown)
        assert page.url.endswith("-01")
        expect(page.get_by_role("link", name="Previous month", exact=False)).to_be_visible()
        assert page.evaluate("!!document.activeElement.closest('#month')")  # focus stays there
    finally:
        context.close()


def test_phone_keeps_the_day_list(browser, server, e2e_gym, mia, shot):
    context, page = logged_in(browser, server, PHONE, MEMBER, e2e_gym.password)
    try:
        page.goto(f"/book/{mia}")
        expect(page.locator("#month")).to_be_hidden()
        days = page.locator("#slot-list .day h2")
        expect(days).to_have_count(7)
        for i in range(7):
            expect(days.nth(i)).to_be_visible()
        expect(page.get_by_role("link", name="More days")).to_be_visible()
        assert axe_violations(page) == []
        shot(page, "member-month-390")
        # A deep link starts the list at its day.
        later = page.locator("#month a[data-date]").last.get_attribute("data-date")
        page.goto(f"/book/{mia}?date={later}")
        expect(days.first).to_have_text(_label(later))
        expect(page.locator("#month")).to_be_hidden()
    finally:
        context.close()

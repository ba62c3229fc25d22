"""Picking a time on the coach's week grid and acting on it (issue 18 item 1), in Chromium.

Coach Gil Sander (Berlin, one-to-one and groups every day 07:00–21:00, no sessions) at 1366 px
blocks an afternoon by dragging down a day with the mouse and sees it on the grid, then adds an
hour of availability with the keyboard only (into the grid, arrows, Shift+arrows, Enter, the
choice, the form). At 390 px a tap picks an hour and the popover is a sheet at the bottom;
axe-core finds no violation with it open. Days are two and three days from now (the week shown is
theirs), so the times are always ahead.

Screenshots: build/screenshots/e2e-grid-select-1366.png, e2e-grid-select-390.png.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, _context, log_in
from tests.e2e.live_server import create_user, weekly_hours
from tests.e2e.test_account import axe_violations

pytestmark = pytest.mark.e2e

GIL = "gil.sander.select@gym.example.com"
BERLIN = ZoneInfo("Europe/Berlin")
WIDE = {"viewport": {"width": 1366, "height": 900}}
FIRST_MINUTE = 7 * 60


@pytest.fixture(scope="module")
def gil(e2e_gym, server):
    """Gil, open for one-to-one and groups every day 07:00–21:00 (through the API)."""
    coach = create_user(e2e_gym, GIL, "Gil Sander", "coach")
    weekly_hours(server, e2e_gym.shell.token(GIL), coach, group=True)
    return coach


def _cell(page, day, minute: int):
    """The picker's cell of ``day`` at ``minute`` (the week shown is ``day``'s)."""
    column = (day.weekday()) + 1
    return page.locator(f'#week .pick-row[data-minute="{minute}"] .q:nth-child({column})')


@contextmanager
def _week_of(browser, server, gym, options: dict, days_ahead: int):
    """Gil logged in on his grid of the week of the day ``days_ahead`` from today (Berlin), the
    grid's picker ready: (page, that day)."""
    day = datetime.now(BERLIN).date() + timedelta(days=days_ahead)
    context = _context(browser, server, options)
    try:
        page = context.new_page()
        log_in(page, GIL, gym.password)
        page.goto(f"/coach/week?start={day}")
        expect(page.locator("#week .pick[role=grid]")).to_have_count(1)
        yield page, day
    finally:
        context.close()


def test_drag_to_block_and_keyboard_to_add_at_1366(browser, server, e2e_gym, gil, shot):
    with _week_of(browser, server, e2e_gym, WIDE, days_ahead=2) as (page, day):
        # Drag 14:00 → 16:45 (its quarter ends at 17:00) down the day with the mouse.
        top = _cell(page, day, 14 * 60).bounding_box()
        bottom = _cell(page, day, 16 * 60 + 45).bounding_box()
        page.mouse.move(top["x"] + top["width"] / 2, top["y"] + top["height"] / 2)
        page.mouse.down()
        page.mouse.move(bottom["x"] + bottom["width"] / 2, bottom["y"] + 2, steps=6)
        page.mouse.up()
        popover = page.locator("#grid-popover")
        expect(popover).to_be_visible()
        expect(popover.get_by_role("heading")).to_contain_text("14:00–17:00")
        expect(popover.get_by_role("link", name="Schedule a group class")).to_be_visible()
        expect(page.get_by_role("link", name="Block this time")).to_be_focused()
        expect(popover).to_have_class(re.compile(r"\banchored\b"))
        box, sel = popover.bounding_box(), page.locator("#week .sel").bounding_box()
        assert box["x"] >= sel["x"] + sel["width"] - 1 or box["x"] + box["width"] <= sel["x"] + 1
        assert axe_violations(page) == []
        shot(page, "grid-select-1366", full_page=False)
        page.get_by_role("link", name="Block this time").click()
        expect(popover.get_by_label("From")).to_be_focused()  # the form is in and settled
        popover.get_by_label("Reason (optional)").fill("Physio")
        popover.get_by_role("button", name="Block this time").click()
        expect(popover.get_by_role("status")).to_contain_text("14:00–17:00 (Physio)")
        expect(page.locator('#week .band.blocked[title="14:00–17:00 Physio"]')).to_have_count(1)
        expect(popover.get_by_role("button", name="Done")).to_be_focused()
        page.keyboard.press("Escape")
        expect(popover).to_be_hidden()

        # The keyboard only: into the grid, to 18:00 of the day, an hour, Add availability.
        cursor = page.locator("#week .q[tabindex='0']")
        expect(cursor).to_have_count(1)
        cursor.focus()
        at = cursor.evaluate(
            "c => [Array.prototype.indexOf.call(c.parentNode.children, c), Number(c.parentNode.dataset.minute)]"
        )
        for _ in range(day.weekday() - at[0]):
            page.keyboard.press("ArrowRight")
        for _ in range(day.weekday(), at[0]):
            page.keyboard.press("ArrowLeft")
        rows = (18 * 60 - at[1]) // 15
        for _ in range(abs(rows)):
            page.keyboard.press("ArrowDown" if rows > 0 else "ArrowUp")
        for _ in range(3):
            page.keyboard.press("Shift+ArrowDown")
        expect(page.locator("#week .q[aria-selected=true]")).to_have_count(4)
        page.keyboard.press("Enter")
        expect(popover.get_by_role("heading")).to_contain_text("18:00–19:00")
        expect(page.get_by_role("link", name="Block this time")).to_be_focused()
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Add availability")).to_be_focused()
        page.keyboard.press("Enter")
        expect(popover.get_by_label("From")).to_be_focused()
        page.keyboard.press("Enter")
        expect(popover.get_by_role("status")).to_contain_text("18:00–19:00 as extra availability")
        expect(page.locator('#week .band.addition[title^="18:00–19:00"]')).to_have_count(1)
        expect(popover.get_by_role("button", name="Done")).to_be_focused()
        page.keyboard.press("Escape")
        expect(popover).to_be_hidden()
        expect(page.locator("#week .q[tabindex='0']")).to_be_focused()
        # Another week does not hold the time picked: the popover goes with it.
        page.keyboard.press("Enter")
        expect(popover).to_have_class(re.compile(r"\banchored\b"))
        page.locator("#week a[rel=next]").click()
        expect(popover).to_be_hidden()
        expect(page.locator("#week .sel")).to_have_count(0)


def test_tap_picks_an_hour_in_a_bottom_sheet_at_390(browser, server, e2e_gym, gil, shot):
    with _week_of(browser, server, e2e_gym, PHONE, days_ahead=3) as (page, day):
        page.locator("#week .week-scroll").evaluate("s => { s.scrollLeft = 0; }")
        expect(page.get_by_text("Swipe for more days")).to_be_visible()
        _cell(page, day, 10 * 60).tap()
        popover = page.locator("#grid-popover")
        expect(popover.get_by_role("heading")).to_contain_text("10:00–11:00")
        expect(popover.get_by_role("link", name="Block this time")).to_be_focused()
        sheet = popover.bounding_box()
        assert sheet["x"] <= 1 and sheet["width"] >= 388  # a sheet along the bottom
        assert abs(sheet["y"] + sheet["height"] - 844) <= 2
        for choice in ("Block this time", "Add availability", "Schedule a group class"):
            assert popover.get_by_role("link", name=choice).bounding_box()["height"] >= 44
        assert axe_violations(page) == []
        popover.get_by_role("link", name="Add availability").tap()
        popover.get_by_role("button", name="Add availability").tap()
        expect(popover.get_by_role("status")).to_contain_text("10:00–11:00 as extra availability")
        expect(page.locator('#week .band.addition[title^="10:00–11:00"]')).to_have_count(1)
        shot(page, "grid-select-390", full_page=False)
        popover.get_by_role("button", name="Done").tap()
        expect(popover).to_be_hidden()

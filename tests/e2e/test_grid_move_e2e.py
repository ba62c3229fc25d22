"""Moving sessions on the coach's week grid (issue 18 item 1) in Chromium.

Coach Gil Marek (Berlin, one-to-one every day 07:00–21:00) has Rita's session next Wednesday
10:00–11:00 and has blocked next Thursday 09:00–12:00. At 1366 px: dragging the session to Friday
12:30 moves it (the grid shows it there, also after a reload); dragging it onto the blocked morning
is refused — it goes back and the server's reason is shown; by keyboard, Tab to the session and
Enter opens its popover (focus on its heading), Escape closes it (focus back on the session), and
the popover's arrow-key move puts it on Thursday 13:00 with focus on the moved session, and the
Undo offered with the message puts it back. At 390 px
the popover is a bottom sheet, axe-core finds nothing with it open, and its move form (typed,
Enter) moves the session to Sunday 08:00, closes the sheet and focuses the moved session.

Screenshots: build/screenshots/e2e-grid-move-1366.png, e2e-grid-popover-1366.png,
e2e-grid-popover-390.png.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, _context, log_in
from tests.e2e.live_server import api, coach_with_member
from tests.e2e.test_account import axe_violations

pytestmark = pytest.mark.e2e

COACH = ("gil.marek@grid-move.example.com", "Gil Marek")
MEMBER = ("rita.sand@grid-move.example.com", "Rita Sand")
BERLIN = ZoneInfo("Europe/Berlin")
WIDE = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="module")
def gil(e2e_gym, server):
    """Gil's next week: Rita's session on Wednesday 10:00, Thursday 09:00–12:00 blocked.
    Returns (Monday, session id)."""
    coach_id = coach_with_member(e2e_gym, server, COACH, MEMBER)
    token = e2e_gym.shell.token(COACH[0])
    rita = e2e_gym.shell.token(MEMBER[0])
    rita_id = api(server, rita, "GET", "/api/v1/me")["user"]["id"]
    today = datetime.now(BERLIN).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    wednesday, thursday = monday + timedelta(days=2), monday + timedelta(days=3)
    booked = api(
        server,
        token,
        "POST",
        "/api/v1/bookings",
        {
            "coach_id": coach_id,
            "member_id": rita_id,
            "start_time": f"{wednesday}T10:00",
            "end_time": f"{wednesday}T11:00",
        },
    )
    api(
        server,
        token,
        "POST",
        f"/api/v1/coaches/{coach_id}/blocked-slots",
        {"start_time": f"{thursday}T09:00", "end_time": f"{thursday}T12:00", "reason": "Physio"},
    )
    return monday, booked["session"]["id"]


@contextmanager
def _week(browser, server, gym, options: dict, monday, session_id: str):
    """Gil logged in on his grid of the week of ``monday``: (page, the session's link)."""
    context = _context(browser, server, options)
    page = context.new_page()
    try:
        log_in(page, COACH[0], gym.password)
        page.goto(f"/coach/week?start={monday}")
        session = page.locator(f'#week .event[data-session-id="{session_id}"]')
        session.scroll_into_view_if_needed()
        yield page, session
    finally:
        context.close()


def _drag(page, session, day: int, hhmm: str) -> None:
    """Drag ``session`` by its top quarter hour to day ``day`` (0 = Monday) at ``hhmm``."""
    grid = page.locator(".week-grid")
    hour = grid.locator(".hour").first.bounding_box()
    first = int(grid.locator(".hour").first.inner_text().split(":")[0]) * 60
    quarter = hour["height"] / 4
    head = grid.locator(".day-head").nth(day).bounding_box()
    hours, minutes = map(int, hhmm.split(":"))
    y = hour["y"] + ((hours * 60 + minutes - first) / 15 + 0.5) * quarter
    box = session.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + quarter / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + quarter / 2 + 12, steps=2)
    page.mouse.move(head["x"] + head["width"] / 2, y, steps=4)
    expect(grid.locator(".move-ghost")).to_be_visible()
    page.mouse.up()


def test_drag_keyboard_and_popover_at_1366(browser, server, e2e_gym, gil, shot):
    monday, session_id = gil
    friday, thursday = monday + timedelta(days=4), monday + timedelta(days=3)
    with _week(browser, server, e2e_gym, WIDE, monday, session_id) as (page, session):
        note = page.locator("#move-note")

        # drag to a free time: the grid shows it there, and so does a reload
        _drag(page, session, 4, "12:30")
        expect(note).to_contain_text("Moved to")
        expect(session).to_have_attribute("data-date", friday.isoformat())
        expect(session.locator(".ev-when")).to_contain_text("12:30")
        page.reload()
        expect(session).to_have_attribute("data-date", friday.isoformat())
        expect(session.locator(".ev-when")).to_contain_text("12:30")

        # drag onto blocked time: refused, back where it was, the reason shown and announced
        session.scroll_into_view_if_needed()
        _drag(page, session, 3, "10:00")
        alert = note.get_by_role("alert")
        expect(alert).to_contain_text("Could not move")
        expect(page.locator(".move-ghost")).to_have_count(0)
        expect(session).to_have_attribute("data-date", friday.isoformat())
        expect(session).not_to_have_class("dragging")
        shot(page, "grid-move-1366")

        # the keyboard: Tab to the session, Enter opens its popover beside it
        page.locator(".week-scroll").focus()
        for _ in range(40):
            if session.evaluate("el => el === document.activeElement"):
                break
            page.keyboard.press("Tab")
        expect(session).to_be_focused()
        page.keyboard.press("Enter")
        dialog = page.get_by_role("dialog")
        expect(dialog.locator("h2")).to_be_focused()
        left_of = session.bounding_box()
        popover = page.locator("#panel").bounding_box()
        assert popover["x"] >= left_of["x"] + left_of["width"] or (
            popover["x"] + popover["width"] <= left_of["x"]
        )
        assert popover["y"] >= 0 and popover["y"] + popover["height"] <= 900
        shot(page, "grid-popover-1366", full_page=False)
        page.keyboard.press("Shift+Tab")  # out of the non-modal popover: back to its session
        expect(session).to_be_focused()
        expect(dialog).to_have_count(1)
        page.keyboard.press("Enter")
        expect(dialog.locator("h2")).to_be_focused()
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
        expect(session).to_be_focused()

        # move by keyboard: from Friday 12:30, a day back and half an hour later
        page.keyboard.press("Enter")
        expect(dialog.locator("h2")).to_be_focused()
        dialog.get_by_role("button", name="Move on the grid with the arrow keys").focus()
        page.keyboard.press("Enter")
        expect(page.locator(".move-ghost")).to_be_visible()
        for key in ("ArrowLeft", "ArrowDown", "ArrowDown"):
            page.keyboard.press(key)
        expect(page.locator(".move-ghost")).to_contain_text("13:00")
        page.keyboard.press("Enter")
        expect(session).to_have_attribute("data-date", thursday.isoformat())
        expect(session.locator(".ev-when")).to_contain_text("13:00")
        expect(session).to_be_focused()
        expect(note).to_contain_text("Moved to")

        # Undo, offered with the message, puts it back
        note.get_by_role("button", name="Undo").click()
        expect(note).to_contain_text("Undone")
        expect(session).to_have_attribute("data-date", friday.isoformat())
        expect(session.locator(".ev-when")).to_contain_text("12:30")


def test_popover_is_a_bottom_sheet_at_390(browser, server, e2e_gym, gil, shot):
    monday, session_id = gil
    sunday = monday + timedelta(days=6)
    with _week(browser, server, e2e_gym, PHONE, monday, session_id) as (page, session):
        session.click()
        dialog = page.get_by_role("dialog")
        expect(dialog.locator("h2")).to_be_focused()
        sheet = page.locator("#panel").bounding_box()
        assert sheet["x"] == 0 and sheet["width"] == 390
        assert abs(sheet["y"] + sheet["height"] - 844) <= 1
        assert axe_violations(page) == []
        shot(page, "grid-popover-390", full_page=False)
        dialog.get_by_role("button", name="Close").click()
        expect(dialog).to_have_count(0)
        expect(session).to_be_focused()

        # the popover's own form, by keyboard: the sheet closes, focus is on the moved session
        page.keyboard.press("Enter")
        expect(dialog.locator("h2")).to_be_focused()
        dialog.get_by_label("Date").fill(sunday.isoformat())
        dialog.get_by_label("Start").fill("08:00")
        dialog.get_by_label("Start").press("Enter")
        expect(dialog).to_have_count(0)
        expect(session).to_have_attribute("data-date", sunday.isoformat())
        expect(session).to_be_focused()
        expect(page.locator("#move-note")).to_contain_text("Moved to")

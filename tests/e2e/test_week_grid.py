"""What the coach's week grid shows (issue 18 item 2) in Chromium at 1366 px and 390 px.

Coach Ida Lang (Berlin) takes one-to-one and group sessions every day 07:00–21:00 (set through
the API with her token). Tomorrow: a session of Lia's she cancelled and Max's booked in its place
(08:00), Noa's that Noa cancelled herself (10:00), a Kettlebells class of 2 places with one member
waiting (12:00), and Lia's 15:00 session inside time Ida then blocked (a conflict). The grid shows
the cancelled ones struck through with the words, the class's fill level, the conflict outlined;
"Hide cancelled" swaps the grid without them and keeps ``?cancelled=hide`` in the address; today's
column is shaded and, within the hours drawn, carries the current-time line.

Screenshots: build/screenshots/e2e-week-*.png. axe-core finds no violation at either width.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, _context, log_in
from tests.e2e.live_server import api as _api
from tests.e2e.live_server import create_user, weekly_hours
from tests.e2e.test_account import axe_violations

pytestmark = pytest.mark.e2e

IDA = "ida.lang@gym.example.com"
MEMBERS = {
    "lia@gym.example.com": "Lia Moser",
    "max@gym.example.com": "Max Brandt",
    "noa@gym.example.com": "Noa Vogel",
}
BERLIN = ZoneInfo("Europe/Berlin")
WIDE = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="module")
def ida_week(e2e_gym, server):
    """Ida's day tomorrow, as described above; returns that date."""
    coach = create_user(e2e_gym, IDA, "Ida Lang", "coach")
    me = {email: create_user(e2e_gym, email, name, "member") for email, name in MEMBERS.items()}
    token = {e: e2e_gym.shell.token(e) for e in (IDA, "noa@gym.example.com")}
    weekly_hours(server, token[IDA], coach, group=True)
    day = datetime.now(BERLIN).date() + timedelta(days=1)
    lia, max_, noa = (me[e] for e in MEMBERS)

    def book(member: int, start: str, end: str) -> dict:
        return _api(
            server,
            token[IDA],
            "POST",
            "/api/v1/bookings",
            {
                "coach_id": coach,
                "member_id": member,
                "start_time": f"{day}T{start}",
                "end_time": f"{day}T{end}",
            },
        )

    first = book(lia, "08:00", "09:00")
    _api(server, token[IDA], "POST", f"/api/v1/sessions/{first['session']['id']}/cancel")
    book(max_, "08:00", "09:00")
    own = book(noa, "10:00", "11:00")
    _api(
        server,
        token["noa@gym.example.com"],
        "POST",
        f"/api/v1/bookings/{own['booking']['id']}/cancel",
    )
    group = _api(
        server,
        token[IDA],
        "POST",
        f"/api/v1/coaches/{coach}/group-sessions",
        {
            "title": "Kettlebells",
            "start_time": f"{day}T12:00",
            "end_time": f"{day}T13:00",
            "capacity": 2,
        },
    )["session"]
    for member in (lia, max_, noa):
        _api(
            server,
            token[IDA],
            "POST",
            f"/api/v1/sessions/{group['id']}/places",
            {"member_id": member},
        )
    book(lia, "15:00", "16:00")
    _api(
        server,
        token[IDA],
        "POST",
        f"/api/v1/coaches/{coach}/blocked-slots",
        {"start_time": f"{day}T14:30", "end_time": f"{day}T16:30", "reason": "Physio"},
    )
    return day


@pytest.mark.parametrize("size", ["1366", "390"])
def test_week_grid_shows_today_cancelled_conflicts_and_fill(
    browser, server, e2e_gym, ida_week, shot, size
):
    context = _context(browser, server, WIDE if size == "1366" else PHONE)
    page = context.new_page()
    try:
        log_in(page, IDA, e2e_gym.password)
        page.goto(f"/coach/week?start={ida_week}")
        grid = page.locator(".week-grid")
        struck = grid.locator(".event.struck")
        expect(struck).to_have_count(2)
        expect(struck.filter(has_text="Lia Moser")).to_contain_text("Cancelled")
        expect(struck.filter(has_text="Noa Vogel")).to_contain_text("ancel")
        assert (
            page.evaluate(
                "getComputedStyle(document.querySelector('.event.struck s')).textDecorationLine"
            )
            == "line-through"
        )
        group = grid.locator(".event.group")
        expect(group.locator(".ev-who")).to_have_text("Kettlebells")
        expect(group.locator(".ev-fill")).to_have_text("2/2 · 1 waiting")
        expect(group.locator(".ev-fill")).to_be_visible()
        conflict = grid.locator(".event.conflict")
        expect(conflict).to_have_count(1)
        expect(conflict).to_contain_text("Lia Moser")
        # Max's session and the cancelled one of Lia share 08:00, side by side.
        boxes = [grid.locator(".event.beside").nth(i).bounding_box() for i in range(2)]
        assert boxes[0]["x"] != boxes[1]["x"]
        today = datetime.now(BERLIN)
        same_week = today.date() - timedelta(days=today.weekday()) == ida_week - timedelta(
            days=ida_week.weekday()
        )
        if same_week:
            expect(grid.locator(".today-col")).to_have_count(1)
            if 7 <= today.hour < 21:
                expect(grid.locator(".now-line")).to_be_visible()
        assert axe_violations(page) == []
        shot(page, f"week-{size}")

        page.get_by_role("link", name="Hide cancelled").click()
        monday = ida_week - timedelta(days=ida_week.weekday())
        expect(page).to_have_url(f"{server.url}/coach/week?start={monday}&cancelled=hide")
        expect(page.locator(".week-grid .event.struck")).to_have_count(0)
        expect(page.get_by_role("link", name="Show cancelled (2)")).to_be_visible()
        page.get_by_role("link", name="Next").or_(page.locator("a[rel=next]")).first.click()
        next_monday = monday + timedelta(days=7)
        expect(page).to_have_url(f"{server.url}/coach/week?start={next_monday}&cancelled=hide")
        page.go_back()
        expect(page.locator(".week-grid .event.struck")).to_have_count(0)
        assert axe_violations(page) == []
        shot(page, f"week-hidden-{size}")

        page.goto("/coach/week")
        if 7 <= today.hour < 21:
            expect(page.locator(".week-grid .now-line")).to_be_visible()
        shot(page, f"week-today-{size}", full_page=False)
    finally:
        context.close()

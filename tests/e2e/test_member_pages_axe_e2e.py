"""Every member page has no axe-core violation on a 390 px phone and a 1366 px laptop (issue 19
item 6): home with a notification, the coach list, a coach's page with the booking sheet open, a
group class, My sessions, one session, its cancel and move sheets, the account page, the billing
statement, and the time-zone page where there is one. One browser context (one login) per width.

Coach Lea Sommer and member Ugo Brandt are this file's own, their data made through the API
relative to now: Ugo's one-to-one session 3 days ahead (the session, cancel and move pages), one
4 days ahead that Lea cancels (the notification on home), and Lea's group class 5 days ahead.
Screenshots: build/screenshots/e2e-member-pages-390-*.png (a few).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, _context, log_in
from tests.e2e.live_server import api, coach_with_member
from tests.e2e.test_account import axe_violations

pytestmark = pytest.mark.e2e

COACH, MEMBER = "lea.sommer@gym.example.com", "ugo.brandt@gym.example.com"
BERLIN = ZoneInfo("Europe/Berlin")
WIDTHS = {"390": PHONE, "1366": {"viewport": {"width": 1366, "height": 860}}}
SHOTS = ("home", "coach-sheet", "session", "move", "sessions")


def _at(days: int, hour: int) -> tuple[str, str]:
    day = datetime.now(BERLIN).date() + timedelta(days=days)
    start = datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)
    return start.isoformat(), (start + timedelta(hours=1)).isoformat()


@pytest.fixture(scope="module")
def story(e2e_gym, server):
    """Lea's id, Ugo's session 3 days ahead and Lea's class 5 days ahead."""
    coach = coach_with_member(
        e2e_gym, server, (COACH, "Lea Sommer"), (MEMBER, "Ugo Brandt"), group=True
    )
    coach_token, member_token = e2e_gym.shell.token(COACH), e2e_gym.shell.token(MEMBER)
    sessions = []
    for days in (3, 4):
        start, end = _at(days, 10)
        body = {"coach_id": coach, "start_time": start, "end_time": end}
        sessions.append(api(server, member_token, "POST", "/api/v1/bookings", body)["session"])
    api(server, coach_token, "POST", f"/api/v1/sessions/{sessions[1]['id']}/cancel")
    start, end = _at(5, 18)
    group = {"title": "Mobility", "start_time": start, "end_time": end, "capacity": 6}
    klass = api(server, coach_token, "POST", f"/api/v1/coaches/{coach}/group-sessions", group)
    return {"coach": coach, "session": sessions[0]["id"], "class": klass["session"]["id"]}


def _pages(story) -> list[tuple[str, str]]:
    s = story["session"]
    return [
        ("home", "/"),
        ("book", "/book"),
        ("coach-sheet", f"/book/{story['coach']}"),
        ("class", f"/classes/{story['class']}"),
        ("sessions", "/me/sessions"),
        ("session", f"/me/sessions/{s}"),
        ("cancel", f"/me/sessions/{s}/cancel"),
        ("move", f"/me/sessions/{s}/move"),
        ("account", "/account"),
        ("billing", "/me/billing"),
        ("zone", "/me/zone"),
    ]


def _open_sheet(page: Page) -> None:
    """Open the booking sheet of the coach page's first free time (a modal dialog)."""
    page.locator("#slot-list a.slot, #slot-list [role=button]").first.click()
    dialog = page.locator("dialog#sheet")
    expect(dialog.get_by_role("heading", level=2)).to_be_focused()


def test_every_member_page_has_no_axe_violations_at_390_and_1366(
    browser, server, e2e_gym, story, shot
):
    problems: list[str] = []
    for width, options in WIDTHS.items():
        context = _context(browser, server, options)
        try:
            page = context.new_page()
            log_in(page, MEMBER, e2e_gym.password)
            for name, path in _pages(story):
                response = page.goto(path)
                if name == "zone" and response.status == 404:
                    continue  # no time-zone page (yet)
                assert response.ok, f"{path}: {response.status}"
                if name == "home":
                    expect(page.get_by_text("Lea Sommer").first).to_be_visible()
                if name == "coach-sheet":
                    _open_sheet(page)
                if name in ("cancel", "move"):
                    expect(page.locator("dialog#sheet h2").first).to_be_focused()
                problems += [f"{width} {name} ({path}): {v}" for v in axe_violations(page)]
                if width == "390" and name in SHOTS:
                    shot(
                        page,
                        f"member-pages-390-{name}",
                        full_page=name not in ("coach-sheet", "move"),
                    )
        finally:
            context.close()
    assert problems == [], "\n".join(problems)

"""Home and billing in a real browser (issue 19, items 4 and 5): a member logs in and the home page
tells them their coach cancelled a session; they dismiss everything with the keyboard alone and
hear it (the live region). A coach's month of 20 sessions on a 390 px phone is compact rows (date,
time, member, status and its badge together), the month's total first; axe-core finds nothing at
390 and 1366 px. Screenshots: build/screenshots/e2e-home-*.png, e2e-billing-*.png.

The coach, the member and their sessions are made by a separate Python process on the e2e
database (the way the CLI makes users): a past month of 20 sessions in their final states (a
fixed month, March 2025, opened with ``?month=``), and one session three days ahead that the coach
then cancels through the service, which notifies the member.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PASSWORD, PHONE, _context, log_in
from tests.e2e.live_server import create_user
from tests.e2e.test_account import axe_violations

pytestmark = pytest.mark.e2e

COACH = "ines.vogt@gym.example.com"
MEMBERS = ("kai.lund@gym.example.com", "lou.marsh@gym.example.com", "mia.novak@gym.example.com")
MONTH = "2025-03"
WIDE = {**DESKTOP, "viewport": {"width": 1366, "height": 860}}

SEED = f"""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from sqlalchemy import select
from wsgi import app
from coachapp.extensions import db
from coachapp.models import TrainingSession, User, utcnow
from coachapp.services import sessions
from coachapp.vocab import Canceller, SessionStatus

BERLIN = ZoneInfo("Europe/Berlin")
with app.app_context():
    coach = db.session.scalar(select(User).where(User.email == {COACH!r}))
    members = [db.session.scalar(select(User).where(User.email == e)) for e in {MEMBERS!r}]
    states = [SessionStatus.COMPLETED] * 14 + [SessionStatus.NO_SHOW] * 2 + [SessionStatus.CANCELLED] * 4
    for i, status in enumerate(states):
        start = datetime(2025, 3, 3 + i, 9 + i % 8, 0, tzinfo=BERLIN)
        late = status == SessionStatus.CANCELLED and i % 2 == 0
        by = None if status != SessionStatus.CANCELLED else (Canceller.MEMBER if late else Canceller.COACH)
        db.session.add(TrainingSession(
            coach_id=coach.id, member_id=members[i % 3].id, start_time=start,
            end_time=start + timedelta(hours=1), status=status, cancelled_by=by,
            cancelled_at=None if by is None else start - (timedelta(hours=2) if late else timedelta(days=3)),
        ))
    ahead = (utcnow() + timedelta(days=3)).astimezone(BERLIN).replace(hour=10, minute=0, second=0, microsecond=0)
    coming = TrainingSession(coach_id=coach.id, member_id=members[0].id, start_time=ahead,
                             end_time=ahead + timedelta(hours=1), status=SessionStatus.SCHEDULED)
    db.session.add(coming)
    db.session.commit()
    sessions.cancel_session(coach, coming.id)
"""


@pytest.fixture(scope="module")
def story(e2e_gym):
    """Coach Ines Vogt, members Kai, Lou and Mia; Kai has a session Ines cancelled."""
    create_user(e2e_gym, COACH, "Ines Vogt", "coach", PASSWORD)
    for email, name in zip(MEMBERS, ("Kai Lund", "Lou Marsh", "Mia Novak"), strict=True):
        create_user(e2e_gym, email, name, "member", PASSWORD)
    e2e_gym.shell.python(SEED)
    return e2e_gym


def page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def test_member_sees_the_cancellation_on_home_and_dismisses_all_by_keyboard(
    browser, server, story, shot
):
    for name, options in (("phone", PHONE), ("wide", WIDE)):
        context = _context(browser, server, options)
        try:
            page = context.new_page()
            log_in(page, MEMBERS[0], PASSWORD)
            card = page.locator("#home-notices")
            expect(card.get_by_role("heading", name="What changed")).to_be_visible()
            item = card.get_by_role("listitem").first
            expect(item).to_contain_text("Cancelled")
            expect(item).to_contain_text("coach Ines Vogt")
            expect(item.get_by_role("link")).to_have_attribute(
                "href", re.compile(r"^/me/sessions/\d+$")
            )
            assert axe_violations(page) == []
            shot(page, f"home-{name}")
            if name == "phone":
                context.close()
                continue
            # Keyboard only: Tab from the top of the page to "Dismiss all", then Enter.
            page.keyboard.press("Tab")
            for _ in range(30):
                if page.evaluate("document.activeElement.textContent.trim()") == "Dismiss all":
                    break
                page.keyboard.press("Tab")
            else:
                pytest.fail("Dismiss all was never reached by Tab")
            page.keyboard.press("Enter")
            expect(page.locator("#notices-status")).to_have_text("All notifications dismissed.")
            expect(card).to_contain_text("Nothing new.")
            assert page.evaluate("document.activeElement.id") == "notices-heading"
            assert axe_violations(page) == []
            shot(page, "home-dismissed")
            page.reload()
            expect(page.locator("#home-notices")).to_have_count(0)
        finally:
            context.close()


def test_billing_is_compact_on_a_phone_and_axe_clean_at_both_widths(browser, server, story, shot):
    heights = {}
    for name, options in (("phone", PHONE), ("wide", WIDE)):
        context = _context(browser, server, options)
        try:
            page = context.new_page()
            log_in(page, COACH, PASSWORD)
            page.goto(f"/coach/billing?month={MONTH}")
            expect(page.get_by_role("heading", name="March 2025")).to_be_visible()
            heights[name] = page_height(page)
            if name == "phone":
                # Two short lines per session; "Cancelled" on one line with its badge.
                late = page.locator("tr.billable", has=page.locator(".badge-warn")).first
                assert late.bounding_box()["height"] < 70
                assert late.locator(".status-pair").bounding_box()["height"] < 40
                expect(late.locator(".l-bill")).to_have_text("Billable", use_inner_text=True)
                # Before the compact rows this page was 4,614 px high at 390 px.
                assert heights[name] < 3000, heights
            assert axe_violations(page) == []
            shot(page, f"billing-{name}")
        finally:
            context.close()
    print(f"billing page height: {heights}")

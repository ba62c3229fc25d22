"""Undo after a resolution on the conflicts page (issue 18 item 4), in a real browser.

Coach Uma Veld (Berlin) takes one-to-one sessions every day 07:00–21:00; she books member Noel
Haas three days ahead at 10:00, then blocks that day, so the session is a conflict. She keeps
it: the row says so, and an Undo button counts its seconds down on its face ("Undo (10 s)"),
named for what it undoes. Undo brings the conflict back. Kept again, the button goes once its
seconds are over (the page's clock is moved on; the server's age check is the integration
tests'). axe-core finds no violation; the button is at least 24 px (44 px on phones, CSS).

Screenshots: build/screenshots/e2e-undo-*.png.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, _context, log_in
from tests.e2e.live_server import api, coach_with_member
from tests.e2e.test_account import axe_violations

pytestmark = pytest.mark.e2e

UMA = ("uma.veld@gym.example.com", "Uma Veld")
NOEL = ("noel.haas@gym.example.com", "Noel Haas")


@pytest.fixture(scope="module")
def kept_conflict(e2e_gym, server):
    """Uma's session with Noel three days ahead, 10:00–11:00 Berlin, inside a blocked day."""
    coach_id = coach_with_member(e2e_gym, server, UMA, NOEL)
    token = e2e_gym.shell.token(UMA[0])
    noel_token = e2e_gym.shell.token(NOEL[0])
    noel = api(server, noel_token, "GET", "/api/v1/me")["user"]
    day = datetime.now(ZoneInfo("Europe/Berlin")).date() + timedelta(days=3)
    api(
        server,
        token,
        "POST",
        "/api/v1/bookings",
        {
            "coach_id": coach_id,
            "member_id": noel["id"],
            "start_time": f"{day}T10:00",
            "end_time": f"{day}T11:00",
        },
    )
    api(
        server,
        token,
        "POST",
        f"/api/v1/coaches/{coach_id}/blocked-slots",
        {"start_time": f"{day}T00:00", "end_time": f"{day}T23:59", "reason": "Ill"},
    )


def test_keep_then_undo_then_let_the_undo_run_out(browser, server, e2e_gym, kept_conflict, shot):
    context = _context(browser, server, DESKTOP)
    try:
        page = context.new_page()
        page.clock.install()
        log_in(page, UMA[0], e2e_gym.password)
        page.goto("/coach/conflicts")
        row = page.locator("li.conflict-row").filter(has_text=NOEL[1])
        row.get_by_role("button", name="Keep", exact=True).click()

        done = page.locator("li.conflict-row.resolved").filter(has_text=NOEL[1])
        expect(done.get_by_role("status")).to_contain_text("Kept")
        undo = done.get_by_role("button", name=re.compile(r"^Undo .*Kept .*Noel Haas"))
        expect(undo).to_be_visible()
        expect(done.locator(".undo-count")).to_have_text(re.compile(r"\((10|9) s\)$"))
        box = undo.bounding_box()
        assert box["height"] >= 24 and box["width"] >= 24, box
        assert axe_violations(page) == []
        shot(page, "undo-offered", full_page=False)

        undo.click()
        # the list reloads ('undone'): Noel's conflict is back, with its Keep
        expect(row.get_by_role("button", name="Keep", exact=True)).to_be_visible()
        expect(page.locator("li.conflict-row.resolved")).to_have_count(0)

        row.get_by_role("button", name="Keep", exact=True).click()
        expect(done.locator("form.undo-form")).to_have_count(1)
        page.clock.run_for(4_000)
        expect(done.locator(".undo-count")).to_have_text(re.compile(r"\([56] s\)$"))
        page.clock.run_for(7_000)
        expect(done.locator("form.undo-form")).to_have_count(0)
        expect(done.get_by_role("status")).to_contain_text("Kept")
        assert axe_violations(page) == []
        shot(page, "undo-expired", full_page=False)
    finally:
        context.close()

"""The account page in a real browser: a member changes their password with the keyboard alone on
a phone, creates and revokes an API token on a laptop, and the page has no axe-core violations at
either width. Logging out in one browser ends the login in the other.

axe-core comes from the ``axe-playwright-python`` package (its bundled ``axe.min.js``), loaded with
``page.evaluate``: the app's Content-Security-Policy refuses injected script tags.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, _context, log_in
from tests.e2e.live_server import create_user

pytestmark = pytest.mark.e2e

EMAIL = "sam@gym.example.com"
OLD, NEW = "e2e-pass-2026", "a-longer-pass-2027"
WIDE = {**DESKTOP, "viewport": {"width": 1366, "height": 860}}


def axe_violations(page: Page) -> list[str]:
    """Run axe-core on the page as it is; one line per violation (rule, impact, first target)."""
    import axe_playwright_python

    script = Path(axe_playwright_python.__file__).with_name("axe.min.js").read_text()
    page.evaluate(script)
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => `${v.id} (${v.impact}): ${v.nodes[0].target.join(' ')}`)"
    )
    return list(found)


@contextmanager
def two_browsers(browser, server, email: str, password: str, first: dict, second: dict):
    """Two browsers (``first`` and ``second`` window options) logged in as the same person."""
    contexts = [_context(browser, server, first), _context(browser, server, second)]
    try:
        pages = [context.new_page() for context in contexts]
        for page in pages:
            log_in(page, email, password)
        yield pages
    finally:
        for context in contexts:
            context.close()


@pytest.fixture(scope="module")
def sam(e2e_gym):
    create_user(e2e_gym, EMAIL, "Sam Reyes", "member", OLD)
    return EMAIL


def test_password_change_by_keyboard_on_a_phone_and_no_axe_violations(browser, server, sam, shot):
    with two_browsers(browser, server, sam, OLD, PHONE, WIDE) as (page, other):
        # Keyboard only: from the top of the page to the Account link, then through the form.
        page.keyboard.press("Tab")
        for _ in range(30):
            if page.evaluate("document.activeElement.textContent.trim()") == "Account":
                break
            page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Your account")).to_be_visible()
        assert axe_violations(page) == []
        shot(page, "account-phone")

        page.get_by_label("Current password").focus()
        page.keyboard.type(OLD)
        page.keyboard.press("Tab")
        page.keyboard.type("short")
        page.keyboard.press("Tab")
        page.keyboard.type("short")
        page.keyboard.press("Enter")
        expect(page.get_by_text("New password: use 8 to 200 characters.")).to_be_visible()
        assert axe_violations(page) == []

        page.get_by_label("Current password").fill(OLD)
        page.get_by_label("New password", exact=True).fill(NEW)
        page.get_by_label("Repeat new password").fill(NEW)
        page.get_by_label("Repeat new password").press("Enter")
        expect(page.get_by_text("Your password is changed.")).to_be_visible()

        # This phone stays logged in; the laptop's login has ended.
        page.reload()
        expect(page.get_by_role("heading", name="Your account")).to_be_visible()
        other.goto("/account")
        expect(other).to_have_url(re.compile(r"/login"))


def test_tokens_on_a_laptop_and_logout_ends_the_other_browser(browser, server, sam, shot):
    with two_browsers(browser, server, sam, NEW, WIDE, PHONE) as (page, other):
        page.goto("/account")
        page.get_by_label("Valid for (days)").fill("30")
        page.get_by_role("button", name="Create a token").click()
        token = page.locator("#new-token")
        expect(token).to_have_text(re.compile(r"^ca_\S{20,}$"))
        assert axe_violations(page) == []
        shot(page, "account-token-desktop")

        page.reload()  # shown once
        expect(page.locator("#new-token")).to_have_count(0)
        expect(page.get_by_text("Never used")).to_be_visible()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Revoke").click()
        expect(page.get_by_text("The token is revoked")).to_be_visible()
        expect(page.get_by_text("You have no API tokens.")).to_be_visible()

        # Logging out here ends the login on the phone too.
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(re.compile(r"/login"))
        other.goto("/account")
        expect(other).to_have_url(re.compile(r"/login"))

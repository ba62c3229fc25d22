"""A member books with the keyboard alone (issue 19 item 6, the proof), on a 1366 px laptop, and
what a screen reader is told on the way.

Coach Vera Kluge (Berlin, one-to-one every day 07:00-21:00) and member Wim Roos are this file's
own. No mouse at all: every step is ``page.keyboard`` (the login too).

1. From the home page, Tab to "Book", Enter; Tab to Vera's name, Enter; Tab to a free time.
2. Enter opens the booking sheet as a modal dialog named by its heading (aria-labelledby), focus
   on that heading; Tab keeps going round inside it; Escape closes it, focus back on the slot.
3. Space on the same slot opens it again; Tab to "Confirm booking", Enter: focus on the
   confirmation, a live region (role=status / aria-live) says "booked", the time is gone from
   the list; closing the sheet with the keyboard puts focus back in the list.
4. The slot buttons are named by their time (their accessible name holds HH:MM).

Built on behaviour, not markup (other work reshapes these pages): the controls are found by role
and name, the slots by being role=button links to a slot's page inside the slot list.
Screenshot: build/screenshots/e2e-member-keyboard-1366.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.live_server import coach_with_member
from tests.e2e.test_member_dialog_e2e import _active, _tab_to

pytestmark = pytest.mark.e2e

COACH, MEMBER = "vera.kluge@gym.example.com", "wim.roos@gym.example.com"
LAPTOP = {"viewport": {"width": 1366, "height": 860}}
SLOT = (
    "el.matches('a[role=button], button') && !!el.closest('#slot-list')"
    " && /\\/slot\\?/.test(el.getAttribute('href') || el.getAttribute('hx-get') || '')"
)
IN_DIALOG = "!!el.closest('dialog[open]')"


@pytest.fixture(scope="module")
def vera(e2e_gym, server):
    """Vera's id: one-to-one every day 07:00-21:00; member Wim."""
    return coach_with_member(e2e_gym, server, (COACH, "Vera Kluge"), (MEMBER, "Wim Roos"))


def _named(text: str) -> str:
    """JS: the focused element's visible text is ``text`` (spaces folded)."""
    return f"(el.innerText || el.value || '').trim().replace(/\\s+/g, ' ') === {text!r}"


def _log_in_by_keyboard(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    _tab_to(page, "el.type === 'email' || el.name === 'email'")
    page.keyboard.type(email)
    _tab_to(page, "el.type === 'password'")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: not url.endswith("/login"))


def test_keyboard_only_booking_with_screen_reader_cues(browser, server, e2e_gym, vera, shot):
    context = browser.new_context(
        base_url=server.url, locale="en-GB", timezone_id="Europe/Berlin", **LAPTOP
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        _log_in_by_keyboard(page, MEMBER, e2e_gym.password)

        # 1. Home → Book → Vera → a free time, Tab and Enter only.
        _tab_to(page, _named("Book"), limit=120)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/book$"))
        _tab_to(page, "(el.innerText || '').includes('Vera Kluge')")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"/book/{vera}(\?.*)?$"))
        expect(page.get_by_role("heading", level=1, name="Vera Kluge")).to_be_visible()

        # 4. Slot buttons are named by their time.
        slots = page.locator("#slot-list").get_by_role("button", name=re.compile(r"\d\d:\d\d"))
        expect(slots.first).to_be_visible()
        assert slots.count() >= 5

        _tab_to(page, SLOT, limit=120)
        page.keyboard.press("Tab")  # the second free time: the first one may be too soon later
        assert _active(page, SLOT)
        slot_url = _active(page, "el.getAttribute('hx-get') || el.getAttribute('href')")
        expect(page.locator(":focus")).to_have_accessible_name(re.compile(r"\d\d:\d\d"))

        # 2. Enter opens the modal dialog, named by its heading, focus on the heading.
        page.keyboard.press("Enter")
        dialog = page.locator("dialog#sheet")
        heading = dialog.get_by_role("heading", level=2)
        expect(heading).to_be_focused()
        assert page.evaluate("document.querySelector('dialog#sheet').matches(':modal')")
        labelled = dialog.get_attribute("aria-labelledby")
        assert labelled and page.locator(f"#{labelled}").inner_text() == heading.inner_text()
        title = heading.inner_text()
        expect(page.get_by_role("dialog", name=title)).to_be_visible()
        assert re.search(r"\d\d:\d\d", title)

        # Tab goes round inside: the first control comes back, focus never leaves.
        seen = []
        for _ in range(25):
            page.keyboard.press("Tab")
            assert _active(page, IN_DIALOG), "Tab left the dialog"
            seen.append(_active(page, "el.outerHTML.slice(0, 80)"))
        assert len(set(seen)) < len(seen), "Tab did not cycle"
        for _ in range(10):
            page.keyboard.press("Shift+Tab")
            assert _active(page, IN_DIALOG), "Shift+Tab left the dialog"

        # Escape closes it; focus back on the slot that opened it.
        page.keyboard.press("Escape")
        expect(dialog).not_to_have_attribute("open", "")
        page.wait_for_function(
            "url => document.activeElement && (document.activeElement.getAttribute('hx-get')"
            " || document.activeElement.getAttribute('href')) === url",
            arg=slot_url,
        )

        # 3. Space opens it as well; book with Tab and Enter.
        page.keyboard.press(" ")
        expect(heading).to_be_focused()
        expect(heading).to_have_text(title)
        _tab_to(page, _named("Confirm booking"))
        page.keyboard.press("Enter")
        status = page.locator("[role=status], [aria-live]").filter(
            has_text=re.compile("booked", re.I)
        )
        expect(status.first).to_be_visible()
        # focus on the confirmation: inside the sheet, in the live region that says "booked"
        page.wait_for_function(
            "() => (el => !!el && !!el.closest('dialog[open]') && (s => !!s && /booked/i.test(s.innerText))"
            "(el.closest('[role=status], [aria-live]')))(document.activeElement)"
        )
        expect(page.locator("#slot-list").locator(f'[hx-get="{slot_url}"]')).to_have_count(0)
        shot(page, "member-keyboard-1366", full_page=False)

        # Closing with the keyboard (Tab to Close or Done, Enter): focus back in the list.
        _tab_to(page, "/^(Close|Done)$/.test((el.innerText || '').trim())")
        page.keyboard.press("Enter")
        expect(dialog).not_to_have_attribute("open", "")
        expect(dialog).to_be_empty()
        # (the dialog's "close" event, which gives focus back, comes a task after it closed)
        page.wait_for_function(
            "() => (el => !!el && (!!el.closest('#slot-list') || el.matches('main h1')))"
            "(document.activeElement)"
        )
        assert errors == []
    finally:
        context.close()

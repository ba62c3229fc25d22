"""The booking sheet is a modal dialog (issue 19 items 1 and 6), in a real browser, keyboard only.

Coach Ines Roth (Berlin) takes one-to-one sessions every day 07:00–21:00 (set through the API
with her token); member Ola Berg, on a 390 px phone and on a 1366 px laptop:

1. tabs to a slot; Enter opens the sheet as a modal dialog named by its heading, with focus on
   that heading; Tab and Shift+Tab stay inside; Escape closes it and focus is back on the slot;
2. Space on the same slot opens it again; Tab to "Confirm booking", Enter books: focus is on the
   confirmation ("You're booked", a live status) and the booked time is gone from the list;
   closing the confirmation puts focus back in the slot list;
3. (laptop) a click on the backdrop closes the dialog;
4. (phone) a repeating booking's "Until" date before its start is refused beside the field, and
   the error goes as soon as the date is valid again, on the answer that shows the new dates.

axe-core finds no violation with the dialog open or closed, at both widths. Screenshots:
build/screenshots/e2e-dialog-*.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, logged_in
from tests.e2e.live_server import coach_with_member
from tests.e2e.test_account import axe_violations

pytestmark = pytest.mark.e2e

COACH, MEMBER = "ines@gym.example.com", "ola@gym.example.com"
LAPTOP = {"viewport": {"width": 1366, "height": 820}}
IN_DIALOG = "document.activeElement && document.activeElement.closest('dialog#sheet') !== null"


@pytest.fixture(scope="module")
def ines(e2e_gym, server):
    """Ines, working every day 07:00–21:00 (one-to-one), and member Ola; returns Ines's id."""
    return coach_with_member(e2e_gym, server, (COACH, "Ines Roth"), (MEMBER, "Ola Berg"))


@pytest.fixture(params=[("390", PHONE), ("1366", LAPTOP)], ids=["390", "1366"])
def member(request, browser, server, e2e_gym, ines):
    context, page = logged_in(browser, server, request.param[1], MEMBER, e2e_gym.password)
    page.goto(f"/book/{ines}")
    if request.param[0] == "1366":
        # From 768 px the pane beside the month grid shows one day: take a day after today,
        # whose slots are all ahead (today may have fewer left than the steps need).
        later = page.locator("#month a[data-date]:not([aria-current])")
        nav = page.locator('#month [data-month="next"]')
        page.goto((later.first if later.count() else nav).get_attribute("href"))
    expect(page.get_by_role("heading", name="Ines Roth", level=1)).to_be_visible()
    yield request.param[0], page
    context.close()


def _active(page: Page, script: str):
    return page.evaluate(f"(() => {{ const el = document.activeElement; return {script}; }})()")


def _tab_to(page: Page, test: str, limit: int = 60, key: str = "Tab") -> None:
    """Press ``key`` until the focused element passes ``test`` (JS on ``el``)."""
    for _ in range(limit):
        page.keyboard.press(key)
        if _active(page, f"!!el && ({test})"):
            return
    raise AssertionError(f"no focus on {test} after {limit} presses of {key}")


def _no_axe_violations(page: Page) -> None:
    assert axe_violations(page) == []


def test_keyboard_only_booking_in_a_modal_dialog(member, shot):
    width, page = member
    dialog = page.locator("dialog#sheet")
    expect(dialog).not_to_have_attribute("open", "")
    _no_axe_violations(page)

    # 1. Tab to a slot (the third free time of the list), Enter opens the dialog.
    _tab_to(page, "el.matches('#slot-list a.slot')")
    for _ in range(2):
        page.keyboard.press("Tab")
    slot_url = _active(page, "el.getAttribute('hx-get')")
    assert _active(page, "el.getAttribute('role')") == "button"
    page.keyboard.press("Enter")
    heading = dialog.get_by_role("heading", level=2)
    expect(heading).to_be_focused()
    assert page.evaluate("document.querySelector('dialog#sheet').matches(':modal')")
    title = heading.inner_text()
    expect(page.get_by_role("dialog", name=title)).to_be_visible()
    _no_axe_violations(page)
    shot(page, f"dialog-open-{width}", full_page=False)

    # Tab and Shift+Tab never leave the dialog.
    for key in ["Tab"] * 30 + ["Shift+Tab"] * 30:
        page.keyboard.press(key)
        assert page.evaluate(IN_DIALOG), f"{key} left the dialog"

    # Escape closes it; focus is back on the slot that opened it.
    page.keyboard.press("Escape")
    expect(dialog).to_be_empty()
    assert not page.evaluate("document.querySelector('dialog#sheet').open")
    assert _active(page, "el.getAttribute('hx-get')") == slot_url

    # 2. Space on the slot opens it again; Tab to Confirm; Enter books.
    page.keyboard.press(" ")
    expect(heading).to_be_focused()
    expect(heading).to_have_text(title)
    _tab_to(page, "el.textContent.trim() === 'Confirm booking'")
    page.keyboard.press("Enter")
    booked = dialog.get_by_role("status").filter(has_text="You're booked")
    expect(booked).to_be_focused()
    expect(page.locator(f'#slot-list a.slot[hx-get="{slot_url}"]')).to_have_count(0)
    _no_axe_violations(page)
    shot(page, f"dialog-booked-{width}", full_page=False)
    page.keyboard.press("Escape")
    expect(dialog).to_be_empty()
    assert _active(page, "!!el.closest('#slot-list')")

    if width == "1366":
        # 3. A click on the backdrop closes the dialog.
        page.locator("#slot-list a.slot").first.click()
        expect(heading).to_be_focused()
        page.mouse.click(20, 400)
        expect(dialog).to_be_empty()
        shot(page, f"dialog-closed-{width}", full_page=False)


def test_the_page_of_one_slot_opens_as_the_modal_dialog(browser, server, e2e_gym, ines, shot):
    """A link to one slot's page (as /book's "Next free" and the no-JS path give): the sheet is
    there, made modal, focus on its heading; Escape leaves the coach's slot list."""
    context, page = logged_in(browser, server, PHONE, MEMBER, e2e_gym.password)
    try:
        page.goto(f"/book/{ines}")
        url = page.locator("#slot-list a.slot").nth(3).get_attribute("href")
        page.goto(url)
        dialog = page.locator("dialog#sheet")
        expect(dialog.get_by_role("heading", level=2)).to_be_focused()
        expect(dialog.get_by_role("button", name="Confirm booking")).to_be_visible()
        assert page.evaluate("document.querySelector('dialog#sheet').matches(':modal')")
        page.wait_for_timeout(300)  # the reopening's own "close" event has come and gone
        expect(dialog.get_by_role("button", name="Confirm booking")).to_be_visible()
        page.keyboard.press("Escape")
        expect(dialog).to_be_empty()
        expect(page.locator("#slot-list a.slot").first).to_be_visible()
    finally:
        context.close()


def test_an_until_error_goes_once_the_date_is_valid(browser, server, e2e_gym, ines, shot):
    context, page = logged_in(browser, server, PHONE, MEMBER, e2e_gym.password)
    try:
        page.goto(f"/book/{ines}")
        page.locator("#slot-list a.slot").nth(4).click()
        dialog = page.locator("dialog#sheet")
        expect(dialog.get_by_role("heading", level=2)).to_be_focused()
        dialog.get_by_label("Every week").check()
        until = dialog.get_by_label("Until (optional)")
        starting = dialog.get_by_label("Starting").input_value()
        error = dialog.locator("#end_date-error")
        preview = dialog.locator("#preview")
        until.fill("2020-01-01")
        until.dispatch_event("change")
        expect(error).to_contain_text("The end date must be on or after the start date")
        expect(until).to_have_attribute("aria-invalid", "true")
        shot(page, "dialog-until-error-390", full_page=False)
        year = int(starting[:4]) + 1
        until.fill(f"{year}{starting[4:]}")
        until.dispatch_event("change")
        expect(preview).to_contain_text("First sessions")
        expect(error).to_be_empty()
        expect(until).not_to_have_attribute("aria-invalid", "true")
        _no_axe_violations(page)
        shot(page, "dialog-until-fixed-390", full_page=False)
    finally:
        context.close()

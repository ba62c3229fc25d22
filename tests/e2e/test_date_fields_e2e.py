"""One date format in forms (issues 18/19, "24-hour time inputs and one date format"), in Chromium
under an en-US locale (where a native date field draws "mm/dd/yyyy"): static/js/nav.js turns every
<input type=date> into a text field for YYYY-MM-DD (and <input type=month> into one for YYYY-MM),
the value the server already parses, with a readout in the app's words ("Mon 30 Nov 2026") under
it, named by aria-describedby, and an inline message when the text is no date.

One window, one person after the other, each form filled as a person types it and sent:

- coach Pia Lorenz (her own, every day 07:00-21:00): an extra availability, a blocked day typed as
  eight digits (written out as YYYY-MM-DD when the field is left), a weekly group class with an
  "Until" date; a wrong date shows the message and aria-invalid;
- admin Rex Falk: a membership for member Quinn Abe starting on a date;
- Quinn: a weekly booking "Until" a date, and the billing statement of a month typed as YYYY-MM;
- Pia again: one of those sessions moved to another date on its page.

Screenshots: build/screenshots/e2e-dates-*.png.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in
from tests.e2e.live_server import api, create_user, weekly_hours

pytestmark = pytest.mark.e2e

COACH, MEMBER, ADMIN = (
    "pia.lorenz@gym.example.com",
    "quinn.abe@gym.example.com",
    "rex.falk@gym.example.com",
)
BERLIN = ZoneInfo("Europe/Berlin")
US_LAPTOP = {"viewport": {"width": 1366, "height": 900}}
NATIVE = "input[type=date], input[type=month]"


def words(day: date) -> str:
    """A date as the readout writes it: ``Mon 30 Nov 2026``."""
    return f"{day:%a} {day.day} {day:%b} {day.year}"


@pytest.fixture(scope="module")
def people(e2e_gym, server):
    """Pia's id (one-to-one and group classes every day 07:00-21:00) and admin Rex's API token;
    member Quinn and a plan 'Date pack'."""
    coach_id = create_user(e2e_gym, COACH, "Pia Lorenz", "coach")
    create_user(e2e_gym, MEMBER, "Quinn Abe", "member")
    create_user(e2e_gym, ADMIN, "Rex Falk", "admin")
    token = e2e_gym.shell.token(ADMIN)
    weekly_hours(server, token, coach_id, group=True)
    plan = {
        "name": "Date pack",
        "kind": "credits",
        "credits": 5,
        "valid_days": 60,
        "weekly_limit": None,
    }
    api(server, token, "POST", "/api/v1/membership-plans", plan)
    return coach_id, token


def _iso_field(page: Page, field) -> None:
    """The field is a text field for ISO text, never the locale's widget."""
    expect(field).to_have_attribute("type", "text")
    assert field.get_attribute("inputmode") == "numeric"
    assert field.get_attribute("placeholder") in ("YYYY-MM-DD", "YYYY-MM")
    assert field.get_attribute("pattern")


def _readout(page: Page, field):
    ids = (field.get_attribute("aria-describedby") or "").split()
    readouts = [i for i in ids if i.endswith("-readout")]
    assert readouts, f"no readout in aria-describedby={ids}"
    return page.locator(f"#{readouts[0]}")


def _no_locale_dates(page: Page) -> None:
    expect(page.locator(NATIVE)).to_have_count(0)
    assert "mm/dd/yyyy" not in page.content().lower()


def _type_date(page: Page, field, text: str) -> None:
    field.click()
    field.fill("")
    page.keyboard.type(text)


def _switch(page: Page, email: str, password: str) -> None:
    if page.get_by_role("button", name="Log out").count():
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(re.compile(r"/login"))
    log_in(page, email, password)


def test_dates_are_typed_as_iso_with_a_readout_and_sent(browser, server, e2e_gym, people, shot):
    today = datetime.now(BERLIN).date()
    context = browser.new_context(
        base_url=server.url, locale="en-US", timezone_id="Europe/Berlin", **US_LAPTOP
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        _switch(page, COACH, e2e_gym.password)

        # Coach: an extra availability on a date typed as ISO.
        page.goto("/coach/availability")
        _no_locale_dates(page)
        additions = page.locator("#additions")
        extra = today + timedelta(days=9)
        field = additions.get_by_label("Date")
        _iso_field(page, field)
        readout = _readout(page, field)
        _type_date(page, field, extra.isoformat()[:7])
        expect(readout).to_be_empty()  # a beginning is not wrong yet
        page.keyboard.type(extra.isoformat()[7:])
        expect(readout).to_have_text(words(extra))
        additions.get_by_label("From").fill("21:30")
        additions.get_by_label("To").fill("22:30")
        additions.get_by_role("button", name=re.compile("^Add")).click()
        expect(additions.locator(".flash-success")).to_contain_text(
            f"{extra:%a} {extra.day} {extra:%b}"
        )
        _no_locale_dates(page)

        # A date that does not exist: the message under the field, aria-invalid.
        blocked = page.locator("form.block-form")
        start = blocked.get_by_label("From", exact=True)
        _type_date(page, start, f"{today.year + 1}-02-30")
        start_readout = _readout(page, start)
        expect(start_readout).to_contain_text("Not a date")
        expect(start).to_have_attribute("aria-invalid", "true")
        shot(page, "dates-wrong", full_page=False)
        # Eight digits: written out when the field is left, and the block is saved.
        away = today + timedelta(days=16)
        _type_date(page, start, away.strftime("%Y%m%d"))
        page.keyboard.press("Tab")
        expect(start).to_have_value(away.isoformat())
        expect(start_readout).to_have_text(words(away))
        expect(start).not_to_have_attribute("aria-invalid", "true")
        blocked.get_by_label("Whole days").check()
        blocked.get_by_role("button", name="Block this time").click()
        expect(page.locator("#blocked .exceptions")).to_contain_text(
            f"{away:%a} {away.day} {away:%b} {away.year}"
        )
        shot(page, "dates-coach-availability", full_page=False)

        # A weekly group class from a date until another one.
        page.goto("/coach/week")
        _no_locale_dates(page)
        group = page.locator("#group-form")
        first = today + timedelta(days=11)
        until = first + timedelta(days=14)
        group.get_by_label("Title").fill("Date drill")
        group.get_by_label("Places").fill("4")
        _type_date(page, group.get_by_label(re.compile("^Date")), first.isoformat())
        group.get_by_label("From").fill("19:00")
        group.get_by_label("To").fill("20:00")
        group.get_by_label("Repeat").select_option("weekly")
        until_field = group.get_by_label(re.compile("^Until"))
        _type_date(page, until_field, until.isoformat())
        expect(_readout(page, until_field)).to_have_text(words(until))
        group.get_by_role("button", name="Schedule class").click()
        expect(page.locator("#group-form .flash-success")).to_be_visible()
        expect(page.locator("#group-form .flash-error")).to_have_count(0)

        # Admin: a membership from a date.
        _switch(page, ADMIN, e2e_gym.password)
        page.goto("/admin/members")
        page.locator("tr", has_text="Quinn Abe").get_by_role("link", name="Memberships").click()
        _no_locale_dates(page)
        page.get_by_label("Plan").select_option(label="Date pack (5 credits, 60 days)")
        starts = page.get_by_label("Starts on")
        _iso_field(page, starts)
        _type_date(page, starts, today.isoformat())
        expect(_readout(page, starts)).to_have_text(words(today))
        page.get_by_role("button", name="Assign").click()
        expect(page.get_by_text(re.compile("Quinn Abe has Date pack from"))).to_be_visible()
        shot(page, "dates-admin-membership", full_page=False)

        # Member: a weekly booking until a date.
        _switch(page, MEMBER, e2e_gym.password)
        page.set_viewport_size({"width": 390, "height": 844})  # the sheet as a phone shows it
        coach_id, token = people
        page.goto(f"/book/{coach_id}")
        page.locator("#slot-list a.slot").nth(6).click()
        dialog = page.locator("dialog#sheet")
        dialog.get_by_label("Every week").check()
        day = date.fromisoformat(dialog.get_by_label("Starting").input_value())
        last = day + timedelta(days=21)
        until_field = dialog.get_by_label("Until (optional)")
        _iso_field(page, until_field)
        _type_date(page, until_field, last.isoformat())
        expect(_readout(page, until_field)).to_have_text(words(last))
        page.keyboard.press("Tab")
        expect(dialog.locator("#preview")).to_contain_text(f"until {last:%a} {last.day} {last:%b}")
        _no_locale_dates(page)
        shot(page, "dates-member-until", full_page=False)
        dialog.get_by_role("button", name="Confirm booking").click()
        expect(dialog.get_by_text("You're booked")).to_be_visible()
        expect(dialog).to_contain_text(f"until {last:%a} {last.day} {last:%b} {last.year}")

        # Member: the statement of a month typed as YYYY-MM, sent with Enter.
        page.goto("/me/billing")
        month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        field = page.get_by_role("textbox", name="Month")
        _iso_field(page, field)
        _type_date(page, field, month.strftime("%Y-%m"))
        expect(_readout(page, field)).to_have_text(f"{month:%B %Y}")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=2, name=f"{month:%B %Y}")).to_be_visible()
        assert f"month={month:%Y-%m}" in page.url
        _no_locale_dates(page)
        shot(page, "dates-member-billing", full_page=False)

        # Coach: one of those sessions moved to another date (the session page's move form).
        _switch(page, COACH, e2e_gym.password)
        found = api(server, token, "GET", f"/api/v1/sessions?coach_id={coach_id}&status=scheduled")
        session = found["sessions"][0]
        page.goto(f"/coach/sessions/{session['id']}")
        move = page.locator("form.move-form")
        moved = day + timedelta(days=2)
        field = move.get_by_label("Date")
        _iso_field(page, field)
        _type_date(page, field, moved.isoformat())
        expect(_readout(page, field)).to_have_text(words(moved))
        move.get_by_label("Start").fill("15:00")
        move.get_by_role("button", name="Move").click()
        expect(page.locator(".session-panel").first).to_contain_text(
            f"{moved:%a} {moved.day} {moved:%b}"
        )
        expect(page.locator(".session-panel").first).to_contain_text("15:00")
        shot(page, "dates-coach-move", full_page=False)
        _no_locale_dates(page)
        assert errors == []  # no script error on the way
    finally:
        context.close()

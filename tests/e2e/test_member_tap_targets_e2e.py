"""Member pages on a 390 px phone (issue 19 items 2 and 5): every tap target at least 44 × 44 px
(24 × 24 px at 1280 px), times in the member's zone after they pick it with "Show times in".

A member (Berlin by default) switches to New York time on My sessions; the pages then lead with
New York times and show coach Wren's Berlin time second. Then each member page, its sheets
included, is measured: every visible link, button, form control and focusable element must be
at least 44 × 44 px (WCAG 2.5.5, and the house rule for phones). Exempt, as WCAG 2.5.5 exempts
them: a link inline in a sentence (an inline box inside a block with text of its own around it).
A radio or checkbox counts as its label when the label wraps it (the label is what one taps).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, _context, log_in
from tests.e2e.live_server import coach_with_member

pytestmark = pytest.mark.e2e

COACH = ("wren.atlas@gym.example.com", "Wren Atlas")
MEMBER = ("yuki.tan@gym.example.com", "Yuki Tan")
BERLIN = ZoneInfo("Europe/Berlin")

# The visible tap targets under MIN px either way, as "tag.class "name" WxH" lines.
SMALL_TARGETS = """
(MIN) => {
  const seen = new Set();
  const out = [];
  const targets = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])');
  const visible = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return false;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) return false;   // visually hidden, or not shown
    return !el.closest('dialog:not([open])');
  };
  // a link inside a sentence: an inline box whose block has text of its own (WCAG 2.5.5)
  const inSentence = (el) => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const block = el.parentElement.closest('p, li, dd, td, span, small, div');
    if (!block || ['flex', 'grid', 'inline-flex'].includes(getComputedStyle(block).display)) {
      return false;
    }
    const own = block.textContent.replace(el.textContent, '').trim();
    return own.length > 0;
  };
  for (let el of targets) {
    if (!visible(el) || inSentence(el)) continue;
    let target = el;
    if (el.matches('input[type=radio], input[type=checkbox]') && el.closest('label')) {
      target = el.closest('label');
    }
    if (seen.has(target)) continue;
    seen.add(target);
    const box = target.getBoundingClientRect();
    if (box.width < MIN - 0.5 || box.height < MIN - 0.5) {
      const name = (target.innerText || target.getAttribute('aria-label') || target.name || target.id || '').trim();
      out.push(`${target.tagName.toLowerCase()}${target.className ? '.' + String(target.className).split(' ').join('.') : ''} "${name.slice(0, 40)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return out;
}
"""


def _day(offset: int) -> str:
    """The ISO date ``offset`` days from today in Berlin (the server's clock: the same)."""
    return (datetime.now(UTC).astimezone(BERLIN).date() + timedelta(days=offset)).isoformat()


@pytest.fixture(scope="module")
def yuki(browser, server, e2e_gym):
    """Wren (Berlin, one-to-one every day 07–21) and member Yuki, logged in on a phone."""
    coach_id = coach_with_member(e2e_gym, server, COACH, MEMBER)
    context = _context(browser, server, PHONE)
    page = context.new_page()
    log_in(page, MEMBER[0], e2e_gym.password)
    yield page, coach_id
    context.close()


def small(page, least: int = 44) -> list[str]:
    """The visible tap targets on ``page`` smaller than ``least`` px either way."""
    return page.evaluate(SMALL_TARGETS, least)


def test_member_pages_have_no_tap_target_under_44_px(yuki, shot):
    page, coach_id = yuki
    failures: dict[str, list[str]] = {}

    def measure(label: str) -> None:
        found = small(page)
        if found:
            failures[label] = found

    # Show times in New York: saved and remembered
    page.goto("/me/sessions")
    measure("/me/sessions, empty")
    page.get_by_label("Show times in").select_option("America/New_York")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_text("Times are now shown in New York time.")).to_be_visible()

    # book once (in 3 days) and weekly (from 4 days on), on the phone
    sheet = page.locator("#sheet")
    page.goto(f"/book/{coach_id}?from={_day(3)}")
    measure("the booking page")
    page.locator("#slot-list a.slot").first.click()
    title = sheet.locator("#sheet-title")
    expect(title).to_have_text(re.compile(r"^\w{3} \d+ \w{3}, \d\d:\d\d–"))
    booked_when = title.inner_text().split("–")[0]
    measure("booking sheet")
    sheet.get_by_role("button", name="Confirm booking").click()
    expect(sheet.get_by_text("You're booked")).to_be_visible()
    measure("booked")
    page.goto(f"/book/{coach_id}?from={_day(4)}")
    page.locator("#slot-list a.slot").first.click()
    sheet.get_by_text("Every week").click()
    expect(sheet.get_by_text("First sessions")).to_be_visible()
    measure("booking sheet, weekly")
    sheet.get_by_role("button", name="Confirm booking").click()
    expect(sheet.get_by_text("You're booked")).to_be_visible()

    # My sessions leads with New York time, Wren's Berlin time second
    page.goto("/me/sessions")
    rows = page.locator("#session-list li.session")
    expect(rows.first.locator("a.when")).to_have_text(re.compile("^" + re.escape(booked_when)))
    expect(rows.first).to_contain_text("Berlin time")
    # on a touch screen the zone's offset shows as text (no hover there)
    offset = rows.first.locator(".zone-offset")
    expect(offset).to_have_text(re.compile(r"^ \(UTC\+0[12]:00\)$"))  # Berlin, winter or summer
    expect(offset).to_be_visible()
    shot(page, "member-zone-390-top", full_page=False)
    expect(page.get_by_label("Show times in")).to_have_value("America/New_York")
    shot(page, "member-zone-390")
    measure("/me/sessions")

    # the cancel sheet of a series: the button says what it cancels
    rows.filter(has_text="every week").first.get_by_role("link", name="Cancel", exact=True).click()
    expect(sheet.get_by_role("button", name="Cancel session")).to_be_visible()
    measure("cancel sheet")
    sheet.get_by_text("This and every later session").click()
    expect(sheet.get_by_role("button", name="Cancel all coming sessions")).to_be_visible()
    measure("cancel sheet, series")
    sheet.get_by_role("link", name="Close").click()
    expect(sheet).to_be_empty()

    rows.first.get_by_role("link", name=re.compile("^Move")).click()
    expect(sheet.get_by_role("heading", name=re.compile("^Move "))).to_be_visible()
    measure("move sheet")
    sheet.locator("a.slot").last.click()
    expect(sheet.get_by_role("button", name="Confirm move")).to_be_visible()
    measure("move sheet, confirm")
    sheet.get_by_role("link", name="Close").click()

    rows.first.locator("a.when").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("^" + re.escape(booked_when))
    )
    measure("a session's page")
    for url in ("/", "/book", "/me/zone"):
        page.goto(url)
        measure(url)

    # wider than a phone: at least 24 × 24 px (WCAG 2.5.8)
    page.set_viewport_size({"width": 1280, "height": 860})
    for url in ("/me/sessions", f"/book/{coach_id}", "/book"):
        page.goto(url)
        if found := small(page, 24):
            failures[f"{url} at 1280 px"] = found

    assert not failures, "\n".join(
        f"{where}: {', '.join(found)}" for where, found in failures.items()
    )

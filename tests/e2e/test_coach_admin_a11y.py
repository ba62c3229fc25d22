"""Every coach and admin page on a 390 px phone and a 1366 px laptop, in Chromium, against the demo
gym (``flask seed-demo`` on a fresh database of this module's own: conflicts, series, rooms,
plans and statements to show):

- axe-core finds no violation;
- every link, button, input, select and summary is at least 44 × 44 px on the phone (WCAG 2.5.5)
  and 24 × 24 px on the laptop (2.5.8); the test lists every offender (page, element, size);
- on the phone the main navigation is one "Menu" button (a disclosure: ``aria-expanded``,
  ``aria-controls``) that shows every page, used here with the keyboard only: Enter opens it, Tab
  reaches the links, Escape closes it and gives focus back to the button;
- time inputs show 24-hour times (the page's ``lang`` is en-GB).

Screenshots: build/screenshots/e2e-nav-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, _context, log_in
from tests.e2e.live_server import AppShell, LiveServer
from tests.e2e.test_account import axe_violations

pytestmark = pytest.mark.e2e

PASSWORD = "demo-a11y-2026"
WIDE = {**DESKTOP, "viewport": {"width": 1366, "height": 860}}
COACH_PAGES = [
    "/coach/week",
    "/coach/availability",
    "/coach/conflicts",
    "/coach/settings",
    "/coach/billing",
]
ADMIN_PAGES = [
    "/admin/coaches",
    "/admin/members",
    "/admin/rooms",
    "/admin/plans",
    "/admin/billing",
    "/coach/week",
]

TARGETS = """(least) => {
  const named = el => {
    const text = (el.getAttribute('aria-label') || el.innerText || el.value || el.name || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 30);
    return `${el.tagName.toLowerCase()}${el.type ? '[' + el.type + ']' : ''} "${text}"`;
  };
  const small = [];
  for (const el of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    // a checkbox or radio is tapped through its label too: measure the two together
    let box = el.getBoundingClientRect();
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      for (const label of el.labels) {
        const b = label.getBoundingClientRect();
        const left = Math.min(box.left, b.left), top = Math.min(box.top, b.top);
        box = {left, top, width: Math.max(box.right, b.right) - left,
               height: Math.max(box.bottom, b.bottom) - top,
               right: Math.max(box.right, b.right), bottom: Math.max(box.bottom, b.bottom)};
      }
    }
    const style = getComputedStyle(el);
    if (box.width <= 1 || box.height <= 1 || style.visibility === 'hidden') continue;
    if (box.width < least || box.height < least)
      small.push(`${named(el)} ${Math.round(box.width)}x${Math.round(box.height)}`);
  }
  return small;
}"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo gym in a fresh SQLite file, served by its own gunicorn; (server, coach, admin)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('a11y-db') / 'demo.sqlite3'}"
    with AppShell(url) as shell:
        shell.flask("db", "upgrade")
        logins = shell.flask("seed-demo", "--password", PASSWORD)
    coach = re.search(r"coach\s+(\S+@\S+)", logins).group(1)
    admin = re.search(r"admin\s+(\S+@\S+)", logins).group(1)
    live = LiveServer(url, workers=1)
    live.start()
    yield live, coach, admin
    live.stop()


@pytest.fixture(params=["phone", "wide"])
def width(request):
    return request.param


def _page(browser, demo, who: str, width: str):
    server, coach, admin = demo
    context = _context(browser, server, PHONE if width == "phone" else WIDE)
    page = context.new_page()
    log_in(page, coach if who == "coach" else admin, PASSWORD)
    return context, page


def _pages_of(page: Page, paths: list[str]) -> list[str]:
    """The role's pages, and the first session / memberships page their links lead to."""
    found = list(paths)
    page.goto(paths[0])
    for pattern in (r"/coach/sessions/\d+$", r"/admin/members/\d+/memberships$"):
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.pathname)"):
            if re.search(pattern, href):
                found.append(href)
                break
    return found


def _check(page: Page, paths: list[str], width: str, who: str, shot) -> list[str]:
    least = 44 if width == "phone" else 24
    problems = []
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == "en-GB"
        problems += [f"{path} axe {v}" for v in axe_violations(page)]
        problems += [f"{path} {small}" for small in page.evaluate(TARGETS, least)]
        name = path.strip("/").replace("/", "-")
        name = re.sub(r"-\d+", "", name)
        shot(page, f"nav-{who}-{width}-{name}", full_page=False)
    return problems


@pytest.mark.parametrize("who", ["coach", "admin"])
def test_pages_have_big_targets_and_no_axe_violations(browser, demo, who, width, shot):
    context, page = _page(browser, demo, who, width)
    try:
        if who == "coach":
            pages = _pages_of(page, COACH_PAGES)
        else:
            pages = _pages_of(page, ["/admin/members", *ADMIN_PAGES[:1], *ADMIN_PAGES[2:]])
        problems = _check(page, pages, width, who, shot)
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("who", ["coach", "admin"])
def test_phone_menu_by_keyboard_only(browser, demo, who, shot):
    context, page = _page(browser, demo, who, "phone")
    try:
        page.goto("/coach/availability" if who == "coach" else "/admin/rooms")
        button = page.get_by_role("button", name="Menu")
        expect(button).to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "false")
        menu = page.locator("#" + button.get_attribute("aria-controls"))
        expect(menu).to_be_hidden()
        # the whole nav fits: nothing scrolls sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        for _ in range(12):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent.trim()") == "Menu":
                break
        else:
            raise AssertionError("the Menu button is not reachable with Tab")
        page.keyboard.press("Enter")
        expect(button).to_have_attribute("aria-expanded", "true")
        expect(menu).to_be_visible()
        expected = (
            ["Week", "Availability", "Conflicts", "Settings", "Billing"]
            if who == "coach"
            else ["Coaches", "Members", "Rooms", "Plans", "Billing", "Coaches' weeks"]
        )
        for label in expected:
            link = menu.get_by_role("link", name=re.compile(rf"^{re.escape(label)}( \d+)?$"))
            expect(link).to_be_visible()
            box = link.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (label, box)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('nav') !== null")
        shot(page, f"nav-{who}-menu-open", full_page=False)
        page.keyboard.press("Escape")
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(menu).to_be_hidden()
        assert page.evaluate("document.activeElement.textContent.trim()") == "Menu"
        # Space opens it as well, and following a link goes there with the menu closed
        page.keyboard.press("Space")
        expect(menu).to_be_visible()
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_load_state("networkidle")
        expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")
    finally:
        context.close()


def test_laptop_shows_the_nav_without_a_menu_button(browser, demo):
    context, page = _page(browser, demo, "admin", "wide")
    try:
        page.goto("/admin/rooms")
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Plans")).to_be_visible()
        expect(nav.get_by_role("link", name="Coaches' weeks")).to_be_visible()
    finally:
        context.close()


def test_time_inputs_are_24_hour(browser, demo, shot):
    """Chromium draws <input type=time> in the browser's locale whatever the page's lang ("05:30
    PM" under en-US), so nav.js makes each a 24-hour HH:MM text field; the day editor saves one."""
    context, page = _page(browser, demo, "coach", "phone")
    try:
        page.goto("/coach/availability")
        page.locator("#day-1").get_by_role("link", name=re.compile("^Edit")).click()
        editor = page.locator("form#day-1")
        field = editor.get_by_label("To").first
        expect(field).to_be_visible()
        # htmx:load (after the swap settles) turns the new editor's fields
        expect(page.locator("input[type=time]")).to_have_count(0)
        expect(field).to_have_attribute("type", "text")
        assert field.get_attribute("inputmode") == "numeric"
        assert re.fullmatch(r"\d\d:\d\d", field.input_value())
        field.fill("17:30")
        assert field.input_value() == "17:30"
        assert field.bounding_box()["height"] >= 44
        shot(page, "nav-coach-time-24h", full_page=False)
        field.fill("7 pm")
        assert page.evaluate("el => el.validity.patternMismatch", field.element_handle())
    finally:
        context.close()

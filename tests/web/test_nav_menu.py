"""The main navigation (issue 18 item 5): one nav for every role, in base.html, whose links sit in a
disclosure the phone folds under a "Menu" button (static/js/nav.js; the CSS shows the button only
under 600 px and only with JavaScript), and which lists every page of the role, the admin's
Plans included. The page's language is en-GB (24-hour times, day-month dates)."""

from __future__ import annotations

import re

import pytest


def text(response) -> str:
    return response.get_data(as_text=True)


def _nav(html: str) -> str:
    return re.search(r'<nav class="nav" aria-label="Main">(.*?)</nav>', html, re.S).group(1)


@pytest.mark.parametrize(
    ("who", "path", "pages"),
    [
        (
            "admin",
            "/admin/rooms",
            [
                "/admin/coaches",
                "/admin/members",
                "/admin/rooms",
                "/admin/plans",
                "/admin/billing",
                "/coach/week",
            ],
        ),
        (
            "coach",
            "/coach/week",
            [
                "/coach/week",
                "/coach/availability",
                "/coach/conflicts",
                "/coach/settings",
                "/coach/billing",
            ],
        ),
        ("member", "/me/sessions", ["/book", "/me/sessions", "/me/billing"]),
    ],
)
def test_the_menu_button_discloses_every_page_of_the_role(client, login, gym, who, path, pages):
    login(getattr(gym, who))
    html = text(client.get(path))
    assert '<html lang="en-GB">' in html
    nav = _nav(html)
    button = re.search(r"<button[^>]*class=\"menu-button\"[^>]*>Menu</button>", nav).group(0)
    assert 'type="button"' in button
    assert 'aria-expanded="false"' in button
    assert 'aria-controls="main-menu"' in button
    menu = nav.split('<div class="menu" id="main-menu">', 1)[1]
    links = re.findall(r'<a href="([^"?]+)', menu)
    assert links == ["/", *pages]
    assert 'aria-current="page"' in menu


def test_the_admin_nav_names_the_plans_page(client, login, gym):
    login(gym.admin)
    nav = _nav(text(client.get("/admin/members")))
    assert re.search(r'<a href="/admin/plans"[^>]*>Plans</a>', nav)
    plans = _nav(text(client.get("/admin/plans")))
    assert re.search(r'<a href="/admin/plans" aria-current="page">Plans</a>', plans)


def test_the_menu_script_is_a_file_under_the_csp(client, login, gym):
    """nav.js is loaded from static/ (the CSP allows no inline script) and the page has no inline
    script or handler for the menu."""
    login(gym.coach)
    response = client.get("/coach/week")
    html = text(response)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert re.search(r'<script src="/static/js/nav[.\w]*\.js" defer></script>', html)
    assert not re.search(r"<script>(?!</script>)", html)
    assert "onclick" not in html
    script = client.get(re.search(r'src="(/static/js/nav[.\w]*\.js)"', html).group(1))
    assert script.status_code == 200
    body = text(script)
    assert "aria-expanded" in body and "Escape" in body


def test_date_fields_stay_native_without_javascript_and_nav_js_makes_them_iso(client, login, gym):
    """The server sends <input type=date> (the no-JS field, same ISO value); nav.js makes it a
    YYYY-MM-DD text field with a readout (tests/e2e/test_date_fields_e2e.py drives it)."""
    login(gym.coach)
    html = text(client.get("/coach/availability"))
    assert re.search(r'<input id="addition-date" type="date" name="date"', html)
    body = text(client.get("/static/js/nav.js"))
    assert "input[type=date], input[type=month]" in body
    assert '"YYYY-MM-DD"' in body and "aria-describedby" in body

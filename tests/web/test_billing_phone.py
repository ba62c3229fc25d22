"""The billing statement's markup for the compact phone rows (issue 19, item 5): each line's cells
carry the classes static/css/billing.css lays out in two short lines, a status stays together with
its badge ("Cancelled" + "late cancel"), the month's total comes before the tables, and the page
links billing.css. The layout itself is measured in Chromium (tests/e2e/test_home_billing.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from test_billing_pages import add_session

from coachapp.vocab import Canceller, SessionStatus


@pytest.fixture
def gym(make_user, clock):
    from types import SimpleNamespace

    g = SimpleNamespace(
        carla=make_user("coach", name="Carla Coach"), zoe=make_user("member", name="Zoë Müller")
    )
    g.held = add_session(g.carla, g.zoe, "2027-03-02 10:00")
    g.late = add_session(
        g.carla,
        g.zoe,
        "2027-03-04 10:00",
        SessionStatus.CANCELLED,
        Canceller.MEMBER,
        timedelta(hours=3),
    )
    return g


def line(html: str, session_id: int) -> str:
    found = re.search(rf'<tr id="line-{session_id}".*?</tr>', html, re.S)
    assert found, session_id
    return found.group(0)


@pytest.mark.parametrize(("role", "url"), [("carla", "/coach/billing"), ("zoe", "/me/billing")])
def test_lines_carry_the_compact_row_cells_and_keep_status_with_its_badge(
    client, login, gym, role, url
):
    login(getattr(gym, role))
    html = client.get(f"{url}?month=2027-03").get_data(as_text=True)
    assert re.search(r'href="/static/css/billing\.[0-9a-f]{12}\.css"', html)
    late = line(html, gym.late.id)
    for cell in ("l-date", "l-time", "l-type", "l-status", "l-bill"):
        assert f'class="{cell}"' in late
    assert re.search(
        r'<span class="status-pair">Cancelled <span class="badge badge-warn">late cancel</span></span>',
        late,
    )
    assert '<span class="l-bill-word">Billable</span><span class="l-bill-short">Yes</span>' in late
    if role == "carla":
        assert 'class="l-who"' not in late and 'class="table lines no-who"' in html
    else:
        assert '<td class="l-who" data-label="Coach">Carla Coach</td>' in late


def test_the_months_total_comes_before_the_tables(client, login, gym):
    login(gym.carla)
    html = client.get("/coach/billing?month=2027-03").get_data(as_text=True)
    total = html.index('<p class="summary">')
    assert re.search(r"<strong>2</strong> sessions,\s*<strong>2</strong> billable", html)
    assert total < html.index("<table")


def test_the_fragment_keeps_the_compact_markup(client, login, gym):
    login(gym.carla)
    html = client.get("/coach/billing?month=2027-03", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert html.lstrip().startswith('<section id="billing"')
    assert 'class="l-status"' in html

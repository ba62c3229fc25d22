"""The coach's week grid: page vs fragment, navigation, what is drawn where, DST weeks, access."""

from __future__ import annotations

import re

import pytest
from coach_helpers import (
    BOOSTED,
    HX,
    SeparateClient,
    block,
    book,
    is_fragment,
    is_page,
    weekly,
)
from sqlalchemy import event

from coachapp.extensions import db

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now


def _row_of_hour(body: str, label: str) -> str:
    found = re.search(rf'class="hour gc-1 (gr-\d+) gs-4">{label}</div>', body)
    assert found, f"no {label} row"
    return found[1]


def _card(body: str, session_id: int) -> str:
    found = re.search(rf'<a class="event ([^"]*)"\s+href="/coach/sessions/{session_id}"', body)
    assert found, f"no card for session {session_id}"
    return found[1]


def test_week_page_and_fragment(client, login, coach_gym):
    session = book(coach_gym, "2027-03-24")
    login(coach_gym.coach)
    page = client.get("/coach/week?start=2027-03-24")
    assert page.status_code == 200 and is_page(page)
    assert "HX-Request" in page.headers["Vary"]
    body = page.get_data(as_text=True)
    assert "22 Mar – 28 Mar 2027" in body and "Ava Schulz" in body
    assert 'id="panel"' in body
    fragment = client.get("/coach/week?start=2027-03-24", headers=HX)
    assert fragment.status_code == 200 and is_fragment(fragment)
    text = fragment.get_data(as_text=True)
    assert (
        text.lstrip().startswith('<section id="week"') and f"/coach/sessions/{session.id}" in text
    )
    # A boosted navigation (nav link) and a history restore get the whole page.
    assert is_page(client.get("/coach/week?start=2027-03-24", headers=BOOSTED))
    restore = {**HX, "HX-History-Restore-Request": "true"}
    assert is_page(client.get("/coach/week?start=2027-03-24", headers=restore))


def test_week_navigation_swaps_the_grid_and_works_as_links(client, login, coach_gym):
    login(coach_gym.coach)
    body = client.get("/coach/week?start=2027-03-24").get_data(as_text=True)
    for label, start in [("prev", "2027-03-15"), ("next", "2027-03-29")]:
        link = re.search(
            rf'<a class="button" href="([^"]+)" hx-get="([^"]+)" hx-target="#week"'
            rf' hx-swap="outerHTML" hx-push-url="true" rel="{label}"',
            body,
        )
        assert link and link[1] == link[2] == f"/coach/week?start={start}"
    today = re.search(r'href="(/coach/week)" hx-get="/coach/week" hx-target="#week"', body)
    assert today
    assert "15 Mar – 21 Mar 2027" in client.get("/coach/week", headers=HX).get_data(as_text=True)
    assert "29 Mar – 4 Apr 2027" in client.get("/coach/week?start=2027-04-04").get_data(
        as_text=True
    )
    assert client.get("/coach/week?start=2027-13-01").status_code == 404


def test_grid_draws_template_exceptions_and_sessions(client, login, coach_gym):
    from coach_helpers import at

    from coachapp.extensions import db
    from coachapp.models import Booking, TrainingSession
    from coachapp.services import availability

    one = book(coach_gym, "2027-03-23", "10:00", "11:00")
    availability.create_addition(
        coach_gym.admin,
        coach_gym.coach.id,
        at("2027-03-24", "14:00"),
        at("2027-03-24", "16:00"),
        None,
        "Extra",
    )
    block(coach_gym, "2027-03-26", "2027-03-27", "Dentist")
    group = TrainingSession(
        coach_id=coach_gym.coach.id,
        start_time=at("2027-03-25", "09:00"),
        end_time=at("2027-03-25", "10:00"),
        type="GROUP",
        title="Bootcamp",
        capacity=8,
        status="scheduled",
    )
    db.session.add(group)
    db.session.flush()
    db.session.add_all(
        [Booking(session_id=group.id, member_id=m.id) for m in (coach_gym.ava, coach_gym.ben)]
    )
    db.session.commit()
    login(coach_gym.coach)
    body = client.get("/coach/week?start=2027-03-22").get_data(as_text=True)
    nine, ten, two = (_row_of_hour(body, h) for h in ("09:00", "10:00", "14:00"))
    # Tuesday (column 3) 10:00–11:00: four quarter-hour rows.
    assert _card(body, one.id).split()[:3] == ["gc-3", ten, "gs-4"]
    assert f"band window gc-2 {nine} gs-12" in body  # Monday 09:00–12:00
    assert f"band addition gc-4 {two} gs-8" in body and ">Extra<" in body
    assert "band blocked gc-6" in body and ">Dentist<" in body
    assert "Bootcamp · 2/8" in body and "Group" in body
    assert '<span class="dow">Mon</span>' in body


def test_conflicts_are_marked_on_the_grid_and_counted(client, login, coach_gym):
    session = book(coach_gym, "2027-03-24")
    block(coach_gym, "2027-03-24", "2027-03-25")
    login(coach_gym.coach)
    body = client.get("/coach/week?start=2027-03-22").get_data(as_text=True)
    assert "conflict" in _card(body, session.id).split()
    assert "1 open conflict" in body
    badge = re.search(r'id="conflicts-badge".*?</span>\s*</a>', body, re.S)
    assert badge and 'hx-trigger="conflicts-changed from:body"' in badge[0]
    assert '<span class="nav-count"' in badge[0] and ">1</span>" in badge[0]


@pytest.mark.parametrize(
    ("week", "days"),
    [
        ("2027-03-22", ["2027-03-27", "2027-03-28"]),  # clocks go forward on Sunday 28 March
        ("2027-03-29", ["2027-03-29", "2027-04-02"]),
        ("2027-10-25", ["2027-10-30", "2027-10-31"]),  # clocks go back on Sunday 31 October
    ],
)
def test_dst_week_places_a_ten_oclock_session_in_the_ten_oclock_row(
    client, login, coach_gym, week, days
):
    made = [book(coach_gym, day, "10:00", "11:00") for day in days]
    login(coach_gym.coach)
    body = client.get(f"/coach/week?start={week}").get_data(as_text=True)
    ten = _row_of_hour(body, "10:00")
    for session in made:
        classes = _card(body, session.id).split()
        assert classes[1] == ten and classes[2] == "gs-4"
    assert "Clocks go" in body if week != "2027-03-29" else "Clocks go" not in body


def test_week_reads_the_same_number_of_queries_for_one_or_many_sessions(client, login, coach_gym):
    login(coach_gym.coach)
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    def queries() -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/coach/week?start=2027-03-22").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    book(coach_gym, "2027-03-22")
    one = queries()
    for day in ("2027-03-23", "2027-03-24", "2027-03-25", "2027-03-26"):
        book(coach_gym, day, member=coach_gym.ben)
    weekly(coach_gym, 6, "2027-03-27", "09:00", "10:00")
    assert queries() == one


def test_members_and_other_coaches_are_kept_out(app, client, login, coach_gym):
    session = book(coach_gym, "2027-03-24")
    member = SeparateClient(app, coach_gym.ava)
    assert member.get("/coach/week").status_code == 403
    assert member.get(f"/coach/sessions/{session.id}").status_code == 403
    other = SeparateClient(app, coach_gym.other)
    assert other.get(f"/coach/week?coach={coach_gym.coach.id}").status_code == 403
    assert other.get(f"/coach/sessions/{session.id}").status_code == 404
    own = other.get("/coach/week?start=2027-03-22").get_data(as_text=True)
    assert "Ava Schulz" not in own
    assert client.get("/coach/week").status_code == 302  # anonymous: to the login page


def test_admin_opens_any_coach_week(app, coach_gym):
    book(coach_gym, "2027-03-24")
    admin = SeparateClient(app, coach_gym.admin)
    picker = admin.get("/coach/week").get_data(as_text=True)
    assert f"/coach/week?coach={coach_gym.coach.id}" in picker and "Otto Other" in picker
    body = admin.get(f"/coach/week?coach={coach_gym.coach.id}&start=2027-03-22").get_data(
        as_text=True
    )
    assert "Ava Schulz" in body and "Lena Hoffmann" in body
    assert f"start=2027-03-29&amp;coach={coach_gym.coach.id}" in body
    assert admin.get(f"/coach/week?coach={coach_gym.ava.id}").status_code == 404

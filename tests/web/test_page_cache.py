"""The pages' cache (coachapp.cache): a repeat view is served from it, and nothing a user changes,
from any process, is ever shown stale."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from coach_helpers import SeparateClient, at, block, book
from member_helpers import book_data
from sqlalchemy import event, update

from coachapp.extensions import db
from coachapp.models import User

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now


def _statements(client, path: str) -> tuple[int, str]:
    """``(SQL statements issued, body)`` of one GET of ``path``."""
    seen: list[str] = []

    def count(*args):
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.status_code
    return len(seen), response.get_data(as_text=True)


def test_a_repeat_view_of_the_week_costs_one_query_and_shows_the_same(app, coach_gym):
    book(coach_gym, "2027-03-17")
    coach = SeparateClient(app, coach_gym.coach)
    coach.get("/")  # the welcome flash is shown once
    first, body = _statements(coach, "/coach/week?start=2027-03-17")
    again, repeat = _statements(coach, "/coach/week?start=2027-03-17")
    assert again == 1  # the logged-in user and the data version, in one statement
    assert first > again
    assert repeat == body and "Ava Schulz" in repeat


def test_a_repeat_view_of_a_coachs_slots_costs_one_query(app, coach_gym):
    member = SeparateClient(app, coach_gym.ava)
    member.get("/")  # the welcome flash is shown once
    first, body = _statements(member, f"/book/{coach_gym.coach.id}")
    again, repeat = _statements(member, f"/book/{coach_gym.coach.id}")
    assert first > again == 1
    # the same page, but for its CSRF tokens: they carry the second they were signed in
    assert _no_csrf(repeat) == _no_csrf(body) and "09:00" in repeat


def _no_csrf(html: str) -> str:
    """``html`` with each signed token (payload.timestamp.signature) blanked."""
    return re.sub(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}", "TOKEN", html)


def test_a_members_booking_shows_at_once_on_the_coachs_week(app, coach_gym):
    coach = SeparateClient(app, coach_gym.coach)
    member = SeparateClient(app, coach_gym.ben)
    before = coach.get("/coach/week?start=2027-03-17").get_data(as_text=True)
    assert "Ben Okafor" not in before
    done = member.post(
        f"/book/{coach_gym.coach.id}/slot",
        data=book_data(at("2027-03-17", "10:00"), at("2027-03-17", "11:00")),
    )
    assert done.status_code == 303, done.get_data(as_text=True)[:300]
    after = coach.get("/coach/week?start=2027-03-17").get_data(as_text=True)
    assert "Ben Okafor" in after


def test_a_slot_taken_by_another_member_leaves_the_cached_list(app, coach_gym):
    ava = SeparateClient(app, coach_gym.ava)
    ben = SeparateClient(app, coach_gym.ben)
    slot = "start=2027-03-17T10:00"
    path = f"/book/{coach_gym.coach.id}"
    assert slot in ava.get(path).get_data(as_text=True)
    ben.post(path + "/slot", data=book_data(at("2027-03-17", "10:00"), at("2027-03-17", "11:00")))
    assert slot not in ava.get(path).get_data(as_text=True)


def test_a_write_from_another_process_shows_at_once(app, coach_gym):
    """The nightly job, the CLI or a psql session write through their own connections: the
    version is raised by the engine's commit, not by the page that shows the data."""
    book(coach_gym, "2027-03-17")
    coach = SeparateClient(app, coach_gym.coach)
    assert "Ava Schulz" in coach.get("/coach/week?start=2027-03-17").get_data(as_text=True)
    with db.engine.begin() as conn:
        conn.execute(update(User).where(User.id == coach_gym.ava.id).values(name="Ava Berger"))
    body = coach.get("/coach/week?start=2027-03-17").get_data(as_text=True)
    assert "Ava Berger" in body and "Ava Schulz" not in body


def test_a_new_block_turns_a_cached_week_into_a_conflict_at_once(app, coach_gym):
    book(coach_gym, "2027-03-17")
    coach = SeparateClient(app, coach_gym.coach)
    assert "0 open conflicts" in coach.get("/coach/week?start=2027-03-17").get_data(as_text=True)
    block(coach_gym, "2027-03-17", "2027-03-18")
    assert "1 open conflict" in coach.get("/coach/week?start=2027-03-17").get_data(as_text=True)


def test_the_admin_and_the_coach_each_get_their_own_links(app, coach_gym):
    coach = SeparateClient(app, coach_gym.coach)
    admin = SeparateClient(app, coach_gym.admin)
    path = "/coach/week?start=2027-03-17"
    assert "coach=" not in coach.get(path).get_data(as_text=True).split('id="week"')[1]
    admin_body = admin.get(f"{path}&coach={coach_gym.coach.id}").get_data(as_text=True)
    assert f"coach={coach_gym.coach.id}" in admin_body.split('id="week"')[1]
    assert "coach=" not in coach.get(path).get_data(as_text=True).split('id="week"')[1]


def test_time_passing_is_part_of_the_key(app, coach_gym):
    """A conflict that has started is no longer open: the next minute's page says so."""
    book(coach_gym, "2027-03-16")
    block(coach_gym, "2027-03-16", "2027-03-17")
    coach = SeparateClient(app, coach_gym.coach)
    assert "1 open conflict" in coach.get("/coach/week?start=2027-03-16").get_data(as_text=True)
    coach_gym.clock.set(datetime(2027, 3, 16, 9, 30, tzinfo=UTC))  # 10:30 in Berlin
    assert "0 open conflicts" in coach.get("/coach/week?start=2027-03-16").get_data(as_text=True)


def test_cache_size_zero_turns_it_off(app, coach_gym):
    from coachapp import cache

    store = app.extensions[cache.EXTENSION]
    app.extensions[cache.EXTENSION] = None
    try:
        coach = SeparateClient(app, coach_gym.coach)
        first, _ = _statements(coach, "/coach/week?start=2027-03-17")
        again, _ = _statements(coach, "/coach/week?start=2027-03-17")
        assert again == first > 1
    finally:
        app.extensions[cache.EXTENSION] = store

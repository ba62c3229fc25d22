"""The SQL statements of the API's booking posts, counted (issue 16, item 5: the booking rush, 500
members at one class within seconds): POST /sessions/{id}/places and POST /bookings.

Each answers from the rows its service committed (``db.kept_after_commit``) and, for a place,
the class's places as counted under its lock: nothing is read after the booking's commit. The token check is one read; the first use of a token
in a minute adds its ``last_used_at`` write, which leaves the data version (the pages' caches)
alone and the token and user loaded. On PostgreSQL the place was 12 statements (14 on a token's
first use in a minute, as every request of a rush is) and the one-time booking 14 before: the
commits expired the booking, the class, the coach's settings and the user, read again to answer.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from coachapp.extensions import db
from coachapp.models import DataVersion

BOOK_PLACE = {"postgresql": 6, "sqlite": 8}
"""A token used within the minute. PostgreSQL: the token with its user; under the class's lock
the class, its confirmed and waiting places with the member's own, the coach's settings (booking
rules), the member's valid memberships (a confirmed place draws a credit), the insert. SQLite:
also ``BEGIN IMMEDIATE`` and the user read again after the rollback before it."""
BOOK_PLACE_FIRST_USE = {"postgresql": 8, "sqlite": 8}
"""A token's first use in a minute: its ``last_used_at`` write (on PostgreSQL after ``SET LOCAL
synchronous_commit``), committed before the booking; on SQLite nothing is then rolled back
before ``BEGIN IMMEDIATE``, so the user is not read again."""
BOOK_ONE_TIME = {"postgresql": 11, "sqlite": 14}
"""POST /bookings, a token used within the minute; nothing of the booking is read after its
commit (SQLite: ``BEGIN IMMEDIATE``, the coach's settings and the user read again after the
rollback before it)."""
MONDAY = 1
COMMIT = "<commit>"


def statements(api, user, path: str, body: dict) -> list[str]:
    """The statements (and commits) of one POST of ``body`` to ``path``; asserts 201."""
    api.headers_for(user)  # the token is made before counting
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split())[:120])

    def committed(conn):
        seen.append(COMMIT)

    event.listen(db.engine, "before_cursor_execute", record)
    event.listen(db.engine, "commit", committed)
    try:
        response = api.post(path, user, json=body)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        event.remove(db.engine, "commit", committed)
    assert response.status_code == 201, response.get_json()
    return seen


def counted(seen: list[str]) -> int:
    return sum(1 for s in seen if s != COMMIT)


def after_last_commit(seen: list[str]) -> list[str]:
    return seen[len(seen) - seen[::-1].index(COMMIT) :]


def dialect() -> str:
    return db.engine.dialect.name


def version() -> int:
    return db.session.scalar(select(DataVersion.value).where(DataVersion.id == 1)) or 0


@pytest.fixture
def setup(api, gym, clock):
    """Coach (Berlin) works Mondays 09:00–12:00 one-to-one and 17:00–20:00 with groups in Studio A;
    a class of 2 places on Monday 22 March, 18:00; the clock is 2027-03-15 12:00 UTC."""
    response = api.put(
        f"/api/v1/coaches/{gym.coach.id}/weekly-availability/{MONDAY}",
        gym.coach,
        json={
            "windows": [
                {"start_time": "09:00", "end_time": "12:00", "room_id": str(gym.room.id)},
                {
                    "start_time": "17:00",
                    "end_time": "20:00",
                    "room_id": str(gym.room.id),
                    "is_individual": False,
                    "is_group": True,
                },
            ]
        },
    )
    assert response.status_code == 200
    response = api.post(
        f"/api/v1/coaches/{gym.coach.id}/group-sessions",
        gym.coach,
        json={
            "start_time": "2027-03-22T18:00",
            "end_time": "2027-03-22T19:00",
            "title": "Kettlebells",
            "capacity": 2,
        },
    )
    gym.class_id = response.get_json()["session"]["id"]
    return gym


def test_book_place_within_budget_and_reads_nothing_after_its_commit(api, setup):
    api.get("/api/v1/classes", setup.member)  # the token's first use in this minute
    seen = statements(api, setup.member, f"/api/v1/sessions/{setup.class_id}/places", {})
    assert seen.count(COMMIT) == 1, "\n".join(seen)
    assert after_last_commit(seen) == [], "\n".join(seen)
    assert counted(seen) == BOOK_PLACE[dialect()], "\n".join(seen)


def test_book_place_first_use_of_a_token_writes_it_apart_and_keeps_the_data_version(api, setup):
    before = version()
    seen = statements(api, setup.member, f"/api/v1/sessions/{setup.class_id}/places", {})
    assert seen.count(COMMIT) == 2, "\n".join(seen)
    write = next(i for i, s in enumerate(seen) if s.startswith("UPDATE api_tokens"))
    assert seen[write + 1] == COMMIT, "\n".join(seen)
    assert after_last_commit(seen) == [], "\n".join(seen)
    assert counted(seen) == BOOK_PLACE_FIRST_USE[dialect()], "\n".join(seen)
    assert version() == before + 1  # the place only, not the token's bookkeeping


def test_the_answer_is_what_was_committed(api, setup, make_user):
    """Built without reading the booking and the class again: the same as a later GET gives."""
    path = f"/api/v1/sessions/{setup.class_id}/places"
    api.post(path, setup.member, json={})
    body = api.post(path, setup.member2, json={}).get_json()
    third = make_user("member", email="member3@gym.example.com")
    waiting = api.post(path, third, json={}).get_json()
    assert (body["session"]["booked"], body["session"]["places_left"]) == (2, 0)
    assert (waiting["booking"]["status"], waiting["session"]["waitlist_count"]) == ("WAITLISTED", 1)
    booking = api.get(f"/api/v1/bookings/{body['booking']['id']}", setup.member2).get_json()
    assert booking["booking"] == body["booking"]
    assert booking["booking"]["created_at"] == "2027-03-15T13:00:00+01:00"
    listed = api.get("/api/v1/classes?from=2027-03-22&to=2027-03-22", setup.member).get_json()
    assert listed["classes"] == [waiting["session"]]


def test_book_one_time_within_budget_and_reads_no_booking_after_its_commit(api, setup):
    api.get("/api/v1/classes", setup.member)
    body = {
        "coach_id": str(setup.coach.id),
        "start_time": "2027-03-29T10:00",
        "end_time": "2027-03-29T11:00",
    }
    seen = statements(api, setup.member, "/api/v1/bookings", body)
    after = after_last_commit(seen)
    assert not [s for s in after if "bookings" in s or "training_sessions" in s], "\n".join(seen)
    assert counted(seen) == BOOK_ONE_TIME[dialect()], "\n".join(seen)

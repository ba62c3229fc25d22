"""``Idempotency-Key`` on POST /api/v1/bookings and /recurring-bookings: a client that lost the
answer to a dropped connection retries and gets its booking, not a 409 on itself."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import Booking, IdempotentRequest, RecurringBooking, TrainingSession
from tests.conftest import ON_POSTGRES

MONDAY = 1
KEY = "9f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"


@pytest.fixture
def setup(mondays_gym):
    """Coach (Berlin) works Mondays 09:00–12:00 in Studio A; the clock is 2027-03-15 12:00 UTC."""
    return mondays_gym


def _booking(gym, day="2027-03-29", start="10:00", end="11:00", **extra) -> dict:
    return {"coach_id": str(gym.coach.id), "start_time": f"{day}T{start}",
            "end_time": f"{day}T{end}", **extra}


def _series(gym, **extra) -> dict:
    return {"coach_id": str(gym.coach.id), "day_of_week": MONDAY, "start_time": "10:00",
            "end_time": "11:00", "start_date": "2027-03-22", "end_date": None, "frequency": 1,
            **extra}


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _key(value: str = KEY) -> dict:
    return {"Idempotency-Key": value}


def test_a_retried_booking_answers_the_first_response_and_books_nothing_new(api, setup):
    first = api.post("/api/v1/bookings", setup.member, json=_booking(setup), headers=_key())
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    again = api.post("/api/v1/bookings", setup.member, json=_booking(setup), headers=_key())
    assert again.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.mimetype == "application/json"
    assert (_count(Booking), _count(TrainingSession)) == (1, 1)
    sessions = api.get("/api/v1/sessions?from=2027-03-29&to=2027-03-29", setup.member)
    assert len(sessions.get_json()["sessions"]) == 1
    # what a client without the header gets: its own booking blocks its retry
    unkeyed = api.post("/api/v1/bookings", setup.member, json=_booking(setup))
    assert unkeyed.status_code == 409


def test_a_retried_series_answers_the_first_response(api, setup):
    first = api.post("/api/v1/recurring-bookings", setup.member, json=_series(setup),
                     headers=_key())
    assert first.status_code == 201
    made = _count(TrainingSession)
    assert made >= 6
    again = api.post("/api/v1/recurring-bookings", setup.member, json=_series(setup),
                     headers=_key())
    assert (again.status_code, again.get_data()) == (201, first.get_data())
    assert _count(RecurringBooking) == 1 and _count(TrainingSession) == made


def test_the_same_body_in_another_key_order_or_spacing_is_the_same_request(api, setup):
    body = _booking(setup)
    first = api.post("/api/v1/bookings", setup.member, json=body, headers=_key())
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
    again = api.post("/api/v1/bookings", setup.member, data=reordered,
                     content_type="application/json", headers=_key())
    assert (again.status_code, again.get_data()) == (201, first.get_data())


def test_the_same_key_with_another_body_is_422_naming_the_header(api, setup):
    assert api.post("/api/v1/bookings", setup.member, json=_booking(setup),
                    headers=_key()).status_code == 201
    other = api.post("/api/v1/bookings", setup.member,
                     json=_booking(setup, start="11:00", end="12:00"), headers=_key())
    assert other.status_code == 422
    error = other.get_json()["error"]
    assert error["code"] == "validation_error" and error["field"] == "Idempotency-Key"
    assert "Idempotency-Key" in error["message"]
    elsewhere = api.post("/api/v1/recurring-bookings", setup.member, json=_series(setup),
                         headers=_key())
    assert elsewhere.status_code == 422
    assert elsewhere.get_json()["error"]["field"] == "Idempotency-Key"
    assert _count(TrainingSession) == 1 and _count(RecurringBooking) == 0


def test_keys_belong_to_their_user(api, setup):
    """Another member sending the same key is another request: it is not given the first
    member's booking (here the slot is taken, so it is refused)."""
    mine = api.post("/api/v1/bookings", setup.member, json=_booking(setup), headers=_key())
    assert mine.status_code == 201
    mine_again = api.post("/api/v1/bookings", setup.member, json=_booking(setup), headers=_key())
    assert (mine_again.status_code, mine_again.get_data()) == (201, mine.get_data())
    theirs = api.post("/api/v1/bookings", setup.member2, json=_booking(setup), headers=_key())
    assert theirs.status_code == 409
    assert theirs.get_data() != mine.get_data()


def test_a_refused_request_keeps_no_answer(api, setup):
    """A 4xx made nothing, so the key is free again: the client may correct the body and send it
    with the same key."""
    outside = api.post("/api/v1/bookings", setup.member,
                       json=_booking(setup, start="13:00", end="14:00"), headers=_key())
    assert outside.status_code == 409
    invalid = api.post("/api/v1/bookings", setup.member,
                       json=_booking(setup, start="11:00", end="10:00"), headers=_key())
    assert invalid.status_code == 422 and invalid.get_json()["error"]["field"] != "Idempotency-Key"
    fixed = api.post("/api/v1/bookings", setup.member, json=_booking(setup), headers=_key())
    assert fixed.status_code == 201
    assert _count(IdempotentRequest) == 1


def test_a_request_that_fails_frees_its_key(api, setup, monkeypatch):
    """A 500 leaves nothing behind either: the retry runs and books."""
    from coachapp.services import bookings

    real = bookings.book_one_time

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(bookings, "book_one_time", broken)
    failed = api.client.post("/api/v1/bookings", json=_booking(setup),
                             headers={**api.headers_for(setup.member), **_key()})
    assert failed.status_code == 500
    assert _count(IdempotentRequest) == 0
    monkeypatch.setattr(bookings, "book_one_time", real)
    retry = api.post("/api/v1/bookings", setup.member, json=_booking(setup), headers=_key())
    assert retry.status_code == 201
    again = api.post("/api/v1/bookings", setup.member, json=_booking(setup), headers=_key())
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (201, "true")


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\there", "caf\u00e9"])
def test_a_bad_key_is_422_naming_the_header(api, setup, key):
    response = api.post("/api/v1/bookings", setup.member, json=_booking(setup),
                        headers=_key(key))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "Idempotency-Key"
    assert _count(TrainingSession) == 0


def test_a_key_of_255_characters_is_fine(api, setup):
    key = "k" * 255
    first = api.post("/api/v1/bookings", setup.member, json=_booking(setup), headers=_key(key))
    again = api.post("/api/v1/bookings", setup.member, json=_booking(setup), headers=_key(key))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"


def test_keys_are_forgotten_after_24_hours_and_pruned(api, setup, clock):
    assert api.post("/api/v1/bookings", setup.member, json=_booking(setup),
                    headers=_key()).status_code == 201
    clock.set(clock.now + timedelta(hours=23, minutes=59))
    other = _booking(setup, start="11:00", end="12:00")
    assert api.post("/api/v1/bookings", setup.member, json=other,
                    headers=_key()).status_code == 422
    clock.set(clock.now + timedelta(minutes=2))
    fresh = api.post("/api/v1/bookings", setup.member, json=other, headers=_key())
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers
    assert _count(TrainingSession) == 2
    # one more day: storing an answer deletes the expired rows
    clock.set(clock.now + timedelta(hours=25))
    assert api.post("/api/v1/bookings", setup.member, json=_booking(setup, day="2027-04-05"),
                    headers=_key("another-key")).status_code == 201
    keys = db.session.scalars(select(IdempotentRequest.key)).all()
    assert keys == ["another-key"]


def _reserve(user, key: str, created_at, body: dict) -> None:
    """An unfinished first request with ``key``, as a running (or dead) worker leaves it."""
    from coachapp.services import idempotency

    db.session.add(IdempotentRequest(
        user_id=user.id, key=key, endpoint="POST /api/v1/bookings",
        request_hash=idempotency.request_hash(json.dumps(body).encode()),
        status_code=idempotency.IN_PROGRESS, response_body="", created_at=created_at))
    db.session.commit()


def test_a_retry_while_the_first_is_running_is_409_in_progress(api, setup, clock):
    _reserve(setup.member, KEY, clock.now - timedelta(seconds=5), _booking(setup))
    response = api.post("/api/v1/bookings", setup.member, json=_booking(setup), headers=_key())
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "request_in_progress"
    assert response.headers["Retry-After"] == "1"
    assert _count(TrainingSession) == 0


def test_a_reservation_left_by_a_dead_worker_is_taken_over(api, setup, clock):
    _reserve(setup.member, KEY, clock.now - timedelta(minutes=2), _booking(setup))
    response = api.post("/api/v1/bookings", setup.member, json=_booking(setup), headers=_key())
    assert response.status_code == 201
    again = api.post("/api/v1/bookings", setup.member, json=_booking(setup), headers=_key())
    assert (again.status_code, again.get_data()) == (201, response.get_data())
    assert _count(IdempotentRequest) == 1 and _count(TrainingSession) == 1


def test_openapi_describes_the_header(api):
    doc = api.client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/bookings", "/api/v1/recurring-bookings"):
        op = doc["paths"][path]["post"]
        (param,) = [p for p in op.get("parameters", []) if p["name"] == "Idempotency-Key"]
        assert param["in"] == "header" and param["schema"]["maxLength"] == 255
        assert "request_in_progress" in op["responses"]["409"]["description"]
    codes = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
    assert "request_in_progress" in codes["enum"]


@pytest.mark.postgres
def test_racing_retries_with_one_key_make_one_booking(api, setup, app):
    """Eight copies of one request with one key, released at once, five times over: each time
    exactly one booking; every copy answers that booking's 201 or 409 request_in_progress, never
    slot_taken (the unique (user_id, key) decides, not the overlap constraint)."""
    _race(api, setup, app)


@pytest.mark.skipif(ON_POSTGRES, reason="the PostgreSQL pass runs the test above")
def test_racing_retries_with_one_key_make_one_booking_on_sqlite(api, setup, app):
    """The same race on SQLite, where writers take turns (BEGIN IMMEDIATE)."""
    _race(api, setup, app)


def _race(api, setup, app) -> None:
    auth = api.headers_for(setup.member)
    copies, outcomes = 8, {}
    for week in range(5):
        day = (date(2027, 3, 22) + timedelta(weeks=week)).isoformat()
        body, key = _booking(setup, day=day), f"race-{week}"
        barrier = threading.Barrier(copies)
        answers: list = []

        def send(body=body, key=key, barrier=barrier, answers=answers):
            client = app.test_client()
            barrier.wait()
            response = client.post("/api/v1/bookings", json=body,
                                   headers={**auth, "Idempotency-Key": key})
            answers.append((response.status_code, response.get_json()))

        threads = [threading.Thread(target=send) for _ in range(copies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(answers) == copies
        created = [body for status, body in answers if status == 201]
        waiting = [body for status, body in answers if status == 409]
        assert created and len(created) + len(waiting) == copies, answers
        assert all(b == created[0] for b in created)
        assert all(b["error"]["code"] == "request_in_progress" for b in waiting), waiting
        for status, _body in answers:
            outcomes[status] = outcomes.get(status, 0) + 1
        final = api.post("/api/v1/bookings", setup.member, json=body, headers=_key(key))
        assert final.status_code == 201 and final.get_json() == created[0]
    assert _count(Booking) == 5 and _count(TrainingSession) == 5
    print("race outcomes (status: answers):", outcomes)

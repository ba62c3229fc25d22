"""Races on PostgreSQL: many requests for the same time at once, each on its own connection.

Exactly one wins; every other gets a domain error (never a 500), and the table holds no overlap.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import RecurringBooking, TrainingSession, User
from coachapp.services import bookings
from coachapp.services.bookings import SeriesSpec
from coachapp.services.errors import DomainError
from tests.integration.service_helpers import NOW, TODAY, at

pytestmark = pytest.mark.postgres


def race(app, attempts, work):
    """Run ``work(i)`` in ``attempts`` threads released together; count outcomes by name."""
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []
    messages: list[str] = []
    lock = threading.Lock()

    def run(i):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                work(i)
                outcome = "ok"
            except DomainError as exc:
                db.session.rollback()
                outcome = type(exc).__name__
                messages.append(exc.message)
            except Exception as exc:  # noqa: BLE001  (reported, and fails the test below)
                outcome = f"unexpected {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    print(f"\n{attempts} attempts: {dict(Counter(outcomes))}; messages: {dict(Counter(messages))}")
    return Counter(outcomes)


def members(make_user, n):
    return [make_user("member").id for _ in range(n)]


def test_thirty_members_race_for_one_slot(app, gym, make_user):
    ids = members(make_user, 30)
    coach_id = gym.coach.id

    def work(i):
        actor = db.session.get(User, ids[i])
        bookings.book_one_time(
            actor, coach_id, at("2027-03-02", "10:00"), at("2027-03-02", "11:00"), now=NOW
        )

    outcomes = race(app, 30, work)
    assert outcomes == Counter({"ok": 1, "SlotTaken": 29}), outcomes
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(TrainingSession)
            .where(TrainingSession.status == "scheduled")
        )
        == 1
    )


def test_ten_members_race_for_one_weekly_series(app, gym, make_user):
    ids = members(make_user, 10)
    coach_id = gym.coach.id

    def work(i):
        actor = db.session.get(User, ids[i])
        bookings.create_recurring(
            actor, SeriesSpec(coach_id, 1, "10:00", "11:00", date(2027, 3, 1), None, 1), today=TODAY
        )

    outcomes = race(app, 10, work)
    assert outcomes["ok"] == 1, outcomes
    assert outcomes["Overlap"] + outcomes["SlotTaken"] == 9, outcomes
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(RecurringBooking)) == 1
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 6


def test_a_series_with_every_occurrence_blocked_still_cannot_be_booked_twice(app, gym, make_user):
    """No session is made to collide on, so only the per-coach lock keeps the second series out."""
    from coachapp.services import availability

    availability.create_blocked_slot(
        gym.coach, gym.coach.id, at("2027-03-01", "00:00"), at("2027-04-13", "00:00"), None, now=NOW
    )
    ids = members(make_user, 10)
    coach_id = gym.coach.id

    def work(i):
        actor = db.session.get(User, ids[i])
        bookings.create_recurring(
            actor, SeriesSpec(coach_id, 1, "10:00", "11:00", date(2027, 3, 1), None, 1), today=TODAY
        )

    outcomes = race(app, 10, work)
    assert outcomes == Counter({"ok": 1, "Overlap": 9}), outcomes
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(RecurringBooking)) == 1
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 0


def test_nightly_jobs_running_at_once_make_each_session_once(app, gym, make_user):
    from coachapp.services import sessions

    for i, member_id in enumerate(members(make_user, 3)):
        actor = db.session.get(User, member_id)
        bookings.create_recurring(
            actor,
            SeriesSpec(gym.coach.id, 1 + i, "10:00", "11:00", date(2027, 3, 1), None, 1),
            today=TODAY,
        )
    created: list[int] = []

    def work(i):
        created.append(sessions.materialize(date(2027, 3, 29)).created)

    outcomes = race(app, 4, work)
    assert outcomes == Counter({"ok": 4}), outcomes
    assert sum(created) == 3 * 4  # four new weeks for each of three series, made once
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 3 * 10

"""Nothing may start more than 2 years ahead, and a session far ahead costs a coach nothing.

A member once booked a session in 2999: the coach's conflicts, settings and availability pages
took 5–6 s each; one in 8999 killed the worker. The services now refuse any start later than
``now + 730 days`` (``services.horizon``) with a 422 naming the field, never make a series
occurrence beyond it, and the conflict check lays the weekly template out only around the
sessions it checks, whatever lies between (counted in dates laid out, not timed).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from coachapp.extensions import db
from coachapp.models import TrainingSession
from coachapp.scheduling import day_of_week
from coachapp.scheduling import weekly as weekly_module
from coachapp.services import (
    availability,
    bookings,
    coach_calendar,
    group_classes,
    moves,
    sessions,
    slots,
)
from coachapp.services.bookings import SeriesSpec
from coachapp.services.errors import ValidationFailed
from tests.integration.service_helpers import BERLIN, at

NOW = at("2027-03-01", "09:00")  # a Monday; two years on is Wednesday 28 Feb 2029, 09:00
LATEST = NOW + timedelta(days=730)


def refused(field: str, call) -> ValidationFailed:
    """Run ``call``; it must be refused as invalid input naming ``field``."""
    with pytest.raises(ValidationFailed) as caught:
        call()
    assert caught.value.field == field, caught.value.message
    assert "2 years" in caught.value.message
    return caught.value


def test_the_horizon_is_730_days_from_now_and_said_in_one_place():
    from coachapp.services import horizon

    assert horizon.latest_start(NOW) == LATEST == at("2029-02-28", "09:00")
    assert horizon.last_day(BERLIN, NOW) == date(2029, 2, 28)


def test_a_booking_may_start_at_the_horizon_but_not_a_minute_later(gym):
    _, session = bookings.book_one_time(
        gym.admin, gym.coach.id, LATEST, LATEST + timedelta(hours=1), gym.member.id, now=NOW
    )
    assert session.start_time == LATEST
    later = LATEST + timedelta(hours=1, minutes=1)
    message = refused(
        "start_time",
        lambda: bookings.book_one_time(
            gym.admin, gym.coach.id, later, later + timedelta(hours=1), gym.member.id, now=NOW
        ),
    )
    assert "Wed 28 Feb 2029 09:00" in message.message
    far = at("2999-03-04", "10:00")
    refused(
        "start_time",
        lambda: bookings.book_one_time(
            gym.member, gym.coach.id, far, far + timedelta(hours=1), now=NOW
        ),
    )


def test_group_classes_moves_blocks_and_additions_obey_the_same_rule(gym):
    far = at("2029-03-05", "10:00")  # a Monday inside the weekly window, 5 days too far
    refused(
        "start_time",
        lambda: group_classes.schedule_group_session(
            gym.coach, gym.coach.id, far, far + timedelta(hours=1), "Yoga", 8, now=NOW
        ),
    )
    _, session = bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-08", "10:00"), at("2027-03-08", "11:00"), now=NOW
    )
    refused("start_time", lambda: moves.move_session(gym.coach, session.id, far, now=NOW))
    refused(
        "start_time",
        lambda: availability.create_blocked_slot(
            gym.coach, gym.coach.id, far, far + timedelta(days=1), "Sabbatical", now=NOW
        ),
    )
    refused(
        "start_time",
        lambda: availability.preview_blocked_slot(
            gym.coach.id, far, far + timedelta(days=1), now=NOW
        ),
    )
    # A blocked slot may start within reach and last beyond it (a long leave).
    availability.create_blocked_slot(
        gym.coach, gym.coach.id, at("2029-02-01", "00:00"), far, "Leave", now=NOW
    )
    # Additions take no ``now``: they are judged by the real clock.
    real_far = datetime.now(UTC) + timedelta(days=731)
    refused(
        "start_time",
        lambda: availability.create_addition(
            gym.coach, gym.coach.id, real_far, real_far + timedelta(hours=1), None, None
        ),
    )


def test_a_series_must_begin_within_reach_but_may_end_beyond_it(gym):
    monday = 1
    refused(
        "start_date",
        lambda: bookings.create_recurring(
            gym.member,
            SeriesSpec(gym.coach.id, monday, "10:00", "11:00", date(2029, 3, 1), None, 1),
            now=NOW,
        ),
    )
    # Starting a week before the horizon: only the occurrence within reach is made now. (The
    # coach books it for the member: a member could not start a series past the coach's own
    # 8-week booking horizon; the 2-year limit binds everyone.)
    series, made = bookings.create_recurring(
        gym.coach,
        SeriesSpec(
            gym.coach.id,
            monday,
            "10:00",
            "11:00",
            date(2029, 2, 20),
            date(2030, 1, 1),
            1,
            member_id=gym.member.id,
        ),
        now=NOW,
    )
    assert series.end_date == date(2030, 1, 1)
    assert [s.start_time for s in made] == [at("2029-02-26", "10:00")]


def test_the_nightly_job_never_makes_an_occurrence_beyond_the_horizon(gym, monkeypatch):
    monkeypatch.setattr(sessions, "utcnow", lambda: NOW)
    series, _ = bookings.create_recurring(
        gym.member,
        SeriesSpec(gym.coach.id, 1, "10:00", "11:00", date(2027, 3, 8), None, 1),
        now=NOW,
    )
    result = sessions.materialize(date(2027, 3, 1), weeks=520)
    made = db.session.scalars(
        select(TrainingSession.start_time).where(TrainingSession.recurring_booking_id == series.id)
    ).all()
    assert result.created > 90
    assert max(made) <= LATEST
    assert max(made) == at("2029-02-26", "10:00")


def test_slot_search_starts_within_reach_and_offers_nothing_beyond_it(gym):
    refused(
        "from",
        lambda: slots.bookable_slots(gym.coach.id, date(2029, 3, 1), date(2029, 3, 5), now=NOW),
    )
    found = slots.bookable_slots(gym.coach.id, date(2029, 2, 26), date(2029, 3, 9), now=NOW)
    assert found and max(s.start for s in found) <= LATEST
    assert max(s.start for s in found).date() == date(2029, 2, 28)


def far_session(gym, start: datetime) -> TrainingSession:
    """A session stored directly (as before the rule, or by hand), bypassing the services."""
    session = TrainingSession(
        coach_id=gym.coach.id,
        member_id=gym.member.id,
        start_time=start,
        end_time=start + timedelta(hours=1),
        type="ONE_TO_ONE",
        status="scheduled",
        capacity=1,
    )
    db.session.add(session)
    db.session.commit()
    return session


def days_laid_out(monkeypatch) -> list[int]:
    """Count the local dates the weekly template is laid out on (each passes ``day_of_week``)."""
    seen = [0]

    def counting(day: date) -> int:
        seen[0] += 1
        return day_of_week(day)

    monkeypatch.setattr(weekly_module, "day_of_week", counting)
    return seen


@pytest.mark.parametrize("year", [2029, 2999, 8999])
def test_a_session_stored_far_ahead_does_not_make_the_conflict_check_grow(gym, monkeypatch, year):
    near = [
        bookings.book_one_time(
            gym.member, gym.coach.id, at(day, "10:00"), at(day, "11:00"), now=NOW
        )[1]
        for day in ("2027-03-02", "2027-03-03", "2027-03-10")
    ]
    seen = days_laid_out(monkeypatch)
    assert coach_calendar.conflict_count(gym.coach, gym.coach.id, now=NOW) == 0
    without = seen[0]

    far = far_session(gym, datetime(year, 3, 6, 9, 0, tzinfo=UTC))  # a weekday, 10:00 Berlin
    outside = far_session(gym, datetime(year, 3, 6, 13, 0, tzinfo=UTC))  # 14:00: no window
    seen[0] = 0
    rows = coach_calendar.conflict_rows(gym.coach, gym.coach.id, now=NOW)
    assert [r.session.id for r in rows] == [outside.id]
    assert coach_calendar.conflict_count(gym.coach, gym.coach.id, now=NOW) == 1
    assert seen[0] <= 2 * (without + 6), (without, seen[0])
    assert far.id not in {r.session.id for r in rows} and near

"""The database itself refuses what must never happen, whatever code path writes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, text, update
from sqlalchemy.exc import IntegrityError

from coachapp.extensions import db
from coachapp.models import (
    AvailabilityAddition,
    BlockedSlot,
    Booking,
    CoachSettings,
    RecurringBooking,
    Room,
    TrainingSession,
    User,
    WeeklyAvailability,
)

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def people(make_user):
    """Two coaches, a member and two rooms."""
    coach = make_user("coach")
    other = make_user("coach")
    member = make_user("member")
    rooms = [Room(name="Studio A"), Room(name="Studio B")]
    db.session.add_all(rooms)
    db.session.commit()
    return coach, other, member, rooms


def session_row(coach, start=T0, minutes=60, room=None, status="scheduled", **extra):
    return TrainingSession(
        coach_id=coach.id,
        start_time=start,
        end_time=start + timedelta(minutes=minutes),
        room_id=room.id if room else None,
        status=status,
        **extra,
    )


def refused(*rows) -> None:
    """Adding ``rows`` must fail with an integrity error; the session is rolled back."""
    db.session.add_all(rows)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_end_must_follow_start_everywhere(people):
    coach, _, _, _ = people
    refused(session_row(coach, minutes=0))
    refused(BlockedSlot(coach_id=coach.id, start_time=T0, end_time=T0))
    refused(AvailabilityAddition(coach_id=coach.id, start_time=T0, end_time=T0 - timedelta(1)))
    refused(
        WeeklyAvailability(coach_id=coach.id, day_of_week=1, start_time="12:00", end_time="09:00")
    )


@pytest.mark.parametrize(
    "field,value",
    [
        ("day_of_week", 7),
        ("day_of_week", -1),
        ("frequency", 3),
        ("status", "PAUSED"),
        ("start_time", "9:00"),
        ("end_time", "25:00"),
    ],
)
def test_recurring_booking_fields_are_checked(people, field, value):
    coach, _, member, _ = people
    values = dict(
        member_id=member.id,
        coach_id=coach.id,
        day_of_week=2,
        start_time="10:00",
        end_time="11:00",
        start_date=date(2027, 3, 2),
        frequency=1,
        status="ACTIVE",
    )
    values[field] = value
    refused(RecurringBooking(**values))


def test_recurring_end_date_not_before_start_date(people):
    coach, _, member, _ = people
    refused(
        RecurringBooking(
            member_id=member.id,
            coach_id=coach.id,
            day_of_week=2,
            start_time="10:00",
            end_time="11:00",
            start_date=date(2027, 3, 2),
            end_date=date(2027, 3, 1),
        )
    )


@pytest.mark.parametrize("field,value", [("status", "done"), ("type", "PAIR"), ("capacity", 0)])
def test_session_enumerations_and_capacity(people, field, value):
    coach, _, _, _ = people
    refused(session_row(coach, **{field: value}))


def test_booking_status_is_enumerated(people):
    coach, _, member, _ = people
    s = session_row(coach)
    db.session.add(s)
    db.session.commit()
    refused(Booking(session_id=s.id, member_id=member.id, status="MAYBE"))


def test_users_roles_and_unique_email(people):
    refused(User(email="x@example.com", name="X", role="owner", password_hash="h"))
    refused(User(email=people[0].email, name="Dup", role="member", password_hash="h"))


def test_coach_settings_duration_is_sane(people):
    coach, _, _, _ = people
    db.session.execute(
        update(CoachSettings).where(CoachSettings.coach_id == coach.id).values(default_duration=60)
    )
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(update(CoachSettings).values(default_duration=0))
        db.session.commit()
    db.session.rollback()


def test_one_session_per_recurring_occurrence(people):
    coach, other, member, _ = people
    series = RecurringBooking(
        member_id=member.id,
        coach_id=coach.id,
        day_of_week=1,
        start_time="09:00",
        end_time="10:00",
        start_date=date(2027, 3, 1),
    )
    db.session.add(series)
    db.session.commit()
    db.session.add(session_row(coach, recurring_booking_id=series.id, status="cancelled"))
    db.session.commit()
    # even with the first one cancelled, the occurrence cannot be materialized a second time
    refused(session_row(other, recurring_booking_id=series.id))


def test_overlapping_scheduled_sessions_of_one_coach_are_refused(people):
    coach, other, _, _ = people
    db.session.add(session_row(coach))
    db.session.commit()
    refused(session_row(coach, start=T0 + timedelta(minutes=30)))
    refused(session_row(coach, start=T0 - timedelta(minutes=59)))


def test_back_to_back_other_coach_and_cancelled_are_accepted(people):
    coach, other, _, _ = people
    db.session.add(session_row(coach))
    db.session.commit()
    db.session.add_all(
        [
            session_row(coach, start=T0 + timedelta(minutes=60)),
            session_row(coach, start=T0 - timedelta(minutes=60)),
            session_row(other, start=T0),
            session_row(coach, start=T0 + timedelta(minutes=15), status="cancelled"),
        ]
    )
    db.session.commit()
    assert db.session.scalar(text("SELECT count(*) FROM training_sessions")) == 5


def test_a_room_holds_one_scheduled_session_at_a_time(people):
    coach, other, _, (room_a, room_b) = people
    db.session.add(session_row(coach, room=room_a))
    db.session.commit()
    refused(session_row(other, room=room_a, start=T0 + timedelta(minutes=45)))
    db.session.add(session_row(other, room=room_b, start=T0 + timedelta(minutes=45)))
    db.session.commit()


def test_reactivating_a_cancelled_session_into_an_overlap_is_refused(people):
    coach, _, _, _ = people
    cancelled = session_row(coach, status="cancelled")
    db.session.add_all([cancelled, session_row(coach, start=T0 + timedelta(minutes=30))])
    db.session.commit()
    cancelled.status = "scheduled"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_instants_come_back_aware_in_utc(people):
    coach, _, _, _ = people
    from zoneinfo import ZoneInfo

    start = datetime(2027, 3, 28, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    db.session.add(session_row(coach, start=start))
    db.session.commit()
    db.session.expire_all()
    row = db.session.scalars(db.select(TrainingSession)).one()
    assert row.start_time == start
    assert row.start_time.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused_before_reaching_the_database(people):
    coach, _, _, _ = people
    with pytest.raises(Exception, match="naive datetime"):
        db.session.execute(
            insert(BlockedSlot).values(
                coach_id=coach.id, start_time=datetime(2027, 1, 1), end_time=datetime(2027, 1, 2)
            )
        )
    db.session.rollback()


@pytest.mark.postgres
def test_postgres_has_the_exclusion_constraints(app):
    names = set(db.session.scalars(text("SELECT conname FROM pg_constraint WHERE contype = 'x'")))
    assert names == {"ex_training_sessions_coach_overlap", "ex_training_sessions_room_overlap"}


def test_a_member_holds_one_active_booking_per_session(people):
    coach, _, member, _ = people
    group = session_row(coach, type="GROUP", capacity=5)
    db.session.add(group)
    db.session.commit()
    db.session.add(Booking(session_id=group.id, member_id=member.id, status="CONFIRMED"))
    db.session.commit()
    refused(Booking(session_id=group.id, member_id=member.id, status="WAITLISTED"))
    # a cancelled booking does not count: the member may book again
    db.session.add(Booking(session_id=group.id, member_id=member.id, status="CANCELLED_BY_MEMBER"))
    db.session.commit()


def test_only_group_series_may_have_no_member(people):
    coach, _, _, _ = people
    values = dict(
        coach_id=coach.id,
        day_of_week=3,
        start_time="18:00",
        end_time="19:00",
        start_date=date(2027, 3, 3),
    )
    refused(RecurringBooking(member_id=None, **values))
    db.session.add(
        RecurringBooking(member_id=None, session_type="GROUP", title="Spin", capacity=12, **values)
    )
    db.session.commit()
    refused(RecurringBooking(member_id=None, session_type="GROUP", capacity=0, **values))

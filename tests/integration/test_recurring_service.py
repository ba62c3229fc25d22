"""Recurring bookings: validation, collisions, generated sessions, DST, cancellation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import Notification, RecurringBooking, TrainingSession
from coachapp.services import availability, bookings, sessions
from coachapp.services.bookings import SeriesSpec
from coachapp.services.errors import (
    AlreadyCancelled,
    Forbidden,
    InPast,
    NotFound,
    Overlap,
    SlotUnavailable,
    ValidationFailed,
)
from tests.integration.service_helpers import BERLIN, NOW, TODAY, at


def series(
    gym,
    actor=None,
    day=1,
    start="10:00",
    end="11:00",
    start_date=date(2027, 3, 1),
    end_date=None,
    frequency=1,
    member_id=None,
    today=TODAY,
):
    return bookings.create_recurring(
        actor or gym.member,
        SeriesSpec(
            gym.coach.id, day, start, end, start_date, end_date, frequency, member_id=member_id
        ),
        today=today,
    )


def local_starts(rows):
    return [s.start_time.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M") for s in rows]


def test_weekly_series_makes_six_weeks_of_sessions(gym):
    row, made = series(gym)
    assert (row.status, row.frequency, row.start_time, row.room_id) == (
        "ACTIVE",
        1,
        "10:00",
        gym.studio_a.id,
    )
    assert row.member_id == gym.member.id
    assert local_starts(made) == [
        "2027-03-01 10:00",
        "2027-03-08 10:00",
        "2027-03-15 10:00",
        "2027-03-22 10:00",
        "2027-03-29 10:00",
        "2027-04-05 10:00",
    ]
    assert all(s.recurring_booking_id == row.id and s.member_id == gym.member.id for s in made)
    assert all(s.room_id == gym.studio_a.id and s.one_time_booking_id is None for s in made)
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 6


def test_series_keeps_ten_oclock_across_the_spring_change(gym):
    _, made = series(gym, start_date=date(2027, 3, 15), today=date(2027, 3, 10))
    assert local_starts(made)[:4] == [
        "2027-03-15 10:00",
        "2027-03-22 10:00",
        "2027-03-29 10:00",
        "2027-04-05 10:00",
    ]
    utc_hours = [s.start_time.astimezone(BERLIN).utcoffset() for s in made]
    assert utc_hours[1] == timedelta(hours=1) and utc_hours[2] == timedelta(hours=2)
    assert made[2].start_time - made[1].start_time == timedelta(days=7) - timedelta(hours=1)


def test_generation_starts_at_the_later_of_today_and_the_start_date(gym):
    _, made = series(gym, start_date=date(2027, 3, 3), day=3, today=TODAY)
    assert local_starts(made)[0] == "2027-03-03 10:00"
    _, made = series(gym, day=4, start_date=date(2027, 3, 4), today=date(2027, 3, 4))
    assert local_starts(made)[0] == "2027-03-04 10:00"


def test_series_with_an_end_date_stops_there(gym):
    _, made = series(gym, end_date=date(2027, 3, 15))
    assert local_starts(made) == ["2027-03-01 10:00", "2027-03-08 10:00", "2027-03-15 10:00"]


def test_a_biweekly_pair_on_alternating_weeks_is_accepted(gym):
    first, made_a = series(gym, frequency=2, start_date=date(2027, 3, 1))
    second, made_b = series(gym, actor=gym.other_member, frequency=2, start_date=date(2027, 3, 8))
    assert local_starts(made_a) == ["2027-03-01 10:00", "2027-03-15 10:00", "2027-03-29 10:00"]
    assert local_starts(made_b) == ["2027-03-08 10:00", "2027-03-22 10:00", "2027-04-05 10:00"]
    assert first.status == second.status == "ACTIVE"
    with pytest.raises(Overlap) as caught:
        series(
            gym,
            actor=gym.other_member,
            frequency=1,
            start_date=date(2027, 3, 1),
            start="10:30",
            end="11:30",
        )
    assert "2027-03-01" in caught.value.message and "2027-03-08" in caught.value.message


def test_a_series_colliding_beyond_the_horizon_is_refused(gym):
    # The coach starts it for the member: September is past a member's own booking horizon.
    series(gym, actor=gym.coach, member_id=gym.member.id, start_date=date(2027, 9, 6))
    with pytest.raises(Overlap) as caught:
        series(gym, actor=gym.other_member, start_date=date(2027, 3, 1))
    assert "2027-09-06" in caught.value.message
    assert db.session.scalar(select(func.count()).select_from(RecurringBooking)) == 1


def test_a_series_colliding_with_a_booked_session_is_refused_naming_the_date(gym):
    bookings.book_one_time(
        gym.other_member,
        gym.coach.id,
        at("2027-03-22", "10:30"),
        at("2027-03-22", "11:30"),
        now=NOW,
    )
    with pytest.raises(Overlap) as caught:
        series(gym)
    assert "2027-03-22" in caught.value.message
    assert db.session.scalar(select(func.count()).select_from(RecurringBooking)) == 0
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 1


def test_blocked_occurrences_are_skipped_unless_an_addition_reopens_them(gym):
    availability.create_blocked_slot(
        gym.coach,
        gym.coach.id,
        at("2027-03-08", "00:00"),
        at("2027-03-16", "00:00"),
        "Holiday",
        now=NOW,
    )
    availability.create_addition(
        gym.coach, gym.coach.id, at("2027-03-15", "09:00"), at("2027-03-15", "12:00"), None, None
    )
    _, made = series(gym)
    assert "2027-03-08 10:00" not in local_starts(made)
    assert "2027-03-15 10:00" in local_starts(made)
    assert len(made) == 5
    preview = bookings.preview_recurring(
        gym.other_member,
        SeriesSpec(gym.coach.id, 2, "10:00", "11:00", date(2027, 3, 1), None, 1),
        today=TODAY,
    )
    assert preview.skipped_blocked == [date(2027, 3, 9)]
    assert len(preview.sessions) == 5 and preview.colliding_dates == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"day": 7}, "day_of_week"),
        ({"start": "25:00"}, "start_time"),
        ({"end": "09:00"}, "end_time"),
        ({"frequency": 3}, "frequency"),
        ({"end_date": date(2027, 2, 1)}, "end_date"),
        ({"start_date": date(2027, 2, 1)}, "start_date"),
        ({"start_date": date(2027, 3, 2), "end_date": date(2027, 3, 5)}, "end_date"),
    ],
)
def test_invalid_series_are_refused_naming_the_field(gym, kwargs, field):
    with pytest.raises(ValidationFailed) as caught:
        series(gym, **kwargs)
    assert caught.value.field == field


def test_a_series_must_lie_inside_a_one_to_one_window(gym):
    with pytest.raises(SlotUnavailable):
        series(gym, start="11:30", end="12:30")
    with pytest.raises(SlotUnavailable):
        series(gym, day=6)
    availability.replace_weekly_day(
        gym.coach,
        gym.coach.id,
        1,
        [availability.WindowInput("09:00", "12:00", is_individual=False, is_group=True)],
        now=NOW,
    )
    with pytest.raises(SlotUnavailable):
        series(gym)


def test_who_may_book_a_series(gym):
    with pytest.raises(Forbidden):
        series(gym, member_id=gym.other_member.id)
    row, _ = series(gym, actor=gym.coach, member_id=gym.other_member.id)
    assert row.member_id == gym.other_member.id


def test_cancelling_a_series_from_a_date_keeps_earlier_sessions(gym):
    row, made = series(gym)
    bookings.cancel_recurring(gym.member, row.id, from_date=date(2027, 3, 15), today=TODAY)
    assert row.status == "CANCELLED"
    assert [s.status for s in made] == ["scheduled", "scheduled"] + ["cancelled"] * 4
    assert {s.cancelled_by for s in made[2:]} == {"MEMBER"}
    with pytest.raises(AlreadyCancelled):
        bookings.cancel_recurring(gym.member, row.id, today=TODAY)
    assert sessions.materialize(date(2027, 3, 8)).created == 0


def test_a_coach_cancelling_a_series_tells_the_member(gym):
    row, made = series(gym)
    bookings.cancel_recurring(gym.coach, row.id, today=date(2027, 3, 2))
    assert [s.status for s in made] == ["scheduled"] + ["cancelled"] * 5
    assert {s.cancelled_by for s in made[1:]} == {"COACH"}
    note = db.session.scalars(select(Notification)).one()
    assert note.user_id == gym.member.id and "cancelled by your coach" in note.message


def test_series_visibility(gym):
    row, _ = series(gym)
    with pytest.raises(NotFound):
        bookings.cancel_recurring(gym.other_member, row.id, today=TODAY)
    with pytest.raises(NotFound):
        bookings.get_recurring(gym.other_coach, row.id)
    assert bookings.get_recurring(gym.admin, row.id).id == row.id


def test_cancelling_one_occurrence_keeps_the_series(gym):
    row, made = series(gym)
    sessions.cancel_session(gym.member, made[1].id, now=NOW)
    assert (made[1].status, made[1].cancelled_by) == ("cancelled", "MEMBER")
    assert row.status == "ACTIVE"
    with pytest.raises(AlreadyCancelled):
        sessions.cancel_session(gym.member, made[1].id, now=NOW)
    with pytest.raises(InPast):
        sessions.cancel_session(gym.member, made[0].id, now=at("2027-03-01", "10:00"))
    with pytest.raises(NotFound):
        sessions.cancel_session(gym.other_member, made[2].id, now=NOW)
    # the nightly job does not bring the cancelled occurrence back
    result = sessions.materialize(TODAY)
    assert result.created == 0 and result.skipped_existing == 6


def test_ending_a_series_beyond_the_nightly_horizon_keeps_the_weeks_before_it(gym):
    row, made = bookings.create_recurring(
        gym.member,
        SeriesSpec(gym.coach.id, 1, "10:00", "11:00", TODAY, None, 1),
        today=TODAY,
        now=NOW,
    )
    assert len(made) == 6
    bookings.cancel_recurring(gym.member, row.id, date(2027, 6, 7), today=TODAY, now=NOW)
    starts = sorted(
        db.session.scalars(
            select(TrainingSession.start_time).where(
                TrainingSession.recurring_booking_id == row.id,
                TrainingSession.status == "scheduled",
            )
        )
    )
    # every Monday from 1 March to 31 May 2027: 14 sessions, all at 10:00 Berlin (DST included)
    assert len(starts) == 14
    assert starts[0] == at("2027-03-01", "10:00") and starts[-1] == at("2027-05-31", "10:00")
    assert {s.astimezone(BERLIN).hour for s in starts} == {10}
    assert db.session.get(RecurringBooking, row.id).status == "CANCELLED"
    assert sessions.materialize(TODAY).created == 0


def test_ending_a_series_more_than_a_year_ahead_is_refused(gym):
    row, _ = bookings.create_recurring(
        gym.member,
        SeriesSpec(gym.coach.id, 1, "10:00", "11:00", TODAY, None, 1),
        today=TODAY,
        now=NOW,
    )
    with pytest.raises(ValidationFailed) as refused:
        bookings.cancel_recurring(gym.member, row.id, date(2028, 6, 5), today=TODAY, now=NOW)
    assert refused.value.field == "from_date"
    assert db.session.get(RecurringBooking, row.id).status == "ACTIVE"

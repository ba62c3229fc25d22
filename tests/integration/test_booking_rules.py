"""A coach's booking rules on the services: members are bound by the booking horizon (409
``beyond_horizon``) and the minimum notice (409 ``too_soon``); the coach and admins are not.

Carla (gym fixture; named "Coach Carla", so the messages call her by her first word, "Coach")
works Mon–Fri 09:00–12:00 in Berlin with the defaults: 56 days ahead, 120
minutes' notice. ``NOW`` is Monday 1 March 2027, 07:00, so her last bookable day is 26 April.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from coachapp.extensions import db
from coachapp.models import CoachSettings, TrainingSession
from coachapp.services import (
    availability,
    booking_rules,
    bookings,
    coach_settings,
    group_classes,
    sessions,
    slots,
)
from coachapp.services.availability import WindowInput
from coachapp.services.bookings import SeriesSpec
from coachapp.services.errors import BeyondHorizon, TooSoon, ValidationFailed
from tests.integration.service_helpers import NOW, at

EIGHT = "08:00"
MONDAY, TUESDAY = 1, 2


def _rules(gym, horizon_days: int, notice: int) -> None:
    row = db.session.get(CoachSettings, gym.coach.coach_settings.id)
    row.booking_horizon_days, row.min_notice_minutes = horizon_days, notice
    db.session.commit()


def test_existing_coaches_have_the_defaults(gym):
    row = db.session.get(CoachSettings, gym.coach.coach_settings.id)
    assert (row.booking_horizon_days, row.min_notice_minutes) == (56, 120)


def test_a_member_booking_sooner_than_the_notice_is_too_soon(gym):
    now = at("2027-03-01", EIGHT)
    with pytest.raises(TooSoon) as caught:
        bookings.book_one_time(
            gym.member, gym.coach.id, at("2027-03-01", "09:00"), at("2027-03-01", "10:00"), now=now
        )
    assert caught.value.code == "too_soon" and caught.value.status == 409
    assert caught.value.message == (
        "Coach needs 2 hours' notice; the earliest you can book is 10:00."
    )
    # Exactly the notice is enough.
    _, session = bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-01", "10:00"), at("2027-03-01", "11:00"), now=now
    )
    assert session.member_id == gym.member.id


def test_the_earliest_time_names_the_day_when_it_is_not_today(gym):
    _rules(gym, 56, 24 * 60)
    with pytest.raises(TooSoon) as caught:
        bookings.book_one_time(
            gym.member,
            gym.coach.id,
            at("2027-03-02", "09:00"),
            at("2027-03-02", "10:00"),
            now=at("2027-03-01", "11:30"),
        )
    assert caught.value.message == (
        "Coach needs 1 day's notice; the earliest you can book is Tue 2 Mar, 11:30."
    )


def test_a_member_booking_beyond_the_horizon_is_refused(gym):
    with pytest.raises(BeyondHorizon) as caught:
        bookings.book_one_time(
            gym.member, gym.coach.id, at("2027-04-27", "10:00"), at("2027-04-27", "11:00"), now=NOW
        )
    assert caught.value.code == "beyond_horizon" and caught.value.status == 409
    assert caught.value.message.startswith("Coach takes bookings up to 8 weeks ahead")
    assert "Mon 26 Apr 2027" in caught.value.message
    # The last day of the horizon is still bookable, at any time of that day.
    _, session = bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-04-26", "11:00"), at("2027-04-26", "12:00"), now=NOW
    )
    assert session.start_time == at("2027-04-26", "11:00")


@pytest.mark.parametrize("who", ["coach", "admin"])
def test_coaches_and_admins_booking_for_a_member_are_not_bound(gym, who):
    actor = getattr(gym, who)
    now = at("2027-03-01", EIGHT)
    soon = bookings.book_one_time(
        actor,
        gym.coach.id,
        at("2027-03-01", "09:00"),
        at("2027-03-01", "10:00"),
        member_id=gym.member.id,
        now=now,
    )[1]
    far = bookings.book_one_time(
        actor,
        gym.coach.id,
        at("2027-06-01", "09:00"),
        at("2027-06-01", "10:00"),
        member_id=gym.member.id,
        now=now,
    )[1]
    assert {soon.member_id, far.member_id} == {gym.member.id}
    series, _ = bookings.create_recurring(
        actor,
        SeriesSpec(
            gym.coach.id,
            TUESDAY,
            "10:00",
            "11:00",
            date(2027, 9, 7),
            None,
            1,
            member_id=gym.member.id,
        ),
        now=now,
    )
    assert series.start_date == date(2027, 9, 7)


def test_a_series_start_obeys_the_horizon_but_the_series_may_run_beyond_it(gym):
    with pytest.raises(BeyondHorizon) as caught:
        bookings.create_recurring(
            gym.member,
            SeriesSpec(gym.coach.id, TUESDAY, "10:00", "11:00", date(2027, 4, 27), None, 1),
            now=NOW,
        )
    assert caught.value.field == "start_date"
    series, made = bookings.create_recurring(
        gym.member,
        SeriesSpec(
            gym.coach.id, MONDAY, "10:00", "11:00", date(2027, 4, 26), date(2027, 12, 27), 1
        ),
        now=NOW,
    )
    assert series.end_date == date(2027, 12, 27)
    assert made and min(s.start_time for s in made) == at("2027-04-26", "10:00")
    # The nightly job goes on making its weeks, unbound by the member's rules.
    sessions.materialize(date(2027, 5, 20))
    made_later = db.session.scalars(
        select(TrainingSession.start_time).where(TrainingSession.recurring_booking_id == series.id)
    ).all()
    assert max(made_later) >= at("2027-06-28", "10:00")


def test_a_series_whose_first_session_is_too_soon_is_refused(gym):
    with pytest.raises(TooSoon) as caught:
        bookings.create_recurring(
            gym.member,
            SeriesSpec(gym.coach.id, MONDAY, "09:00", "10:00", date(2027, 3, 1), None, 1),
            now=at("2027-03-01", EIGHT),
        )
    assert caught.value.field == "start_date"
    # A first date whose time has passed is skipped as before: next Monday is judged, and is fine.
    series, made = bookings.create_recurring(
        gym.member,
        SeriesSpec(gym.coach.id, MONDAY, "09:00", "10:00", date(2027, 3, 1), None, 1),
        now=at("2027-03-01", "09:30"),
    )
    assert min(s.start_time for s in made) == at("2027-03-08", "09:00")


@pytest.fixture
def group_class(gym):
    """A Tuesday evening class of Carla's on 2 March, 17:00 (a group window besides her 1:1)."""
    availability.replace_weekly_day(
        gym.coach,
        gym.coach.id,
        TUESDAY,
        [
            WindowInput("09:00", "12:00", gym.studio_a.id),
            WindowInput("17:00", "20:00", gym.studio_b.id, is_individual=False, is_group=True),
        ],
        now=NOW,
    )
    return group_classes.schedule_group_session(
        gym.coach,
        gym.coach.id,
        at("2027-03-02", "17:00"),
        at("2027-03-02", "18:00"),
        "Kettlebells",
        1,
        now=NOW,
    )


def test_a_group_place_obeys_the_same_rules_for_a_member(gym, group_class):
    with pytest.raises(TooSoon):
        group_classes.book_place(gym.member, group_class.id, now=at("2027-03-02", "15:30"))
    _rules(gym, 1, 120)
    with pytest.raises(BeyondHorizon) as caught:
        group_classes.book_place(gym.member, group_class.id, now=at("2027-02-28", "23:59"))
    assert "up to 1 day ahead" in caught.value.message
    # Booking opens at 00:00 on the class's date minus the horizon.
    opens = booking_rules.rules_of(gym.coach.coach_settings).opens_at(date(2027, 3, 2))
    assert opens == at("2027-03-01", "00:00")
    place = group_classes.book_place(gym.member, group_class.id, now=opens)
    assert place.status == "CONFIRMED"
    # The waitlist obeys them too; the coach may still add a member at any time.
    with pytest.raises(TooSoon):
        group_classes.book_place(gym.other_member, group_class.id, now=at("2027-03-02", "16:00"))
    added = group_classes.book_place(
        gym.coach, group_class.id, member_id=gym.other_member.id, now=at("2027-03-02", "16:00")
    )
    assert added.status == "WAITLISTED"


def test_slots_for_a_member_leave_out_what_they_may_not_book(gym):
    rules = booking_rules.rules_of(gym.coach.coach_settings)
    now = at("2027-03-01", EIGHT)
    everyone = slots.bookable_slots(gym.coach.id, date(2027, 3, 1), date(2027, 3, 1), now=now)
    member = slots.bookable_slots(
        gym.coach.id, date(2027, 3, 1), date(2027, 3, 1), now=now, rules=rules
    )
    assert [s.start.strftime("%H:%M") for s in everyone] == ["09:00", "10:00", "11:00"]
    assert [s.start.strftime("%H:%M") for s in member] == ["10:00", "11:00"]
    late = slots.bookable_slots(
        gym.coach.id, date(2027, 4, 26), date(2027, 4, 30), now=now, rules=rules
    )
    assert {s.start.date() for s in late} == {date(2027, 4, 26)}
    assert (
        slots.bookable_slots(
            gym.coach.id, date(2027, 4, 27), date(2027, 4, 30), now=now, rules=rules
        )
        == []
    )


@pytest.mark.parametrize(
    "field, value",
    [
        ("booking_horizon_days", 0),
        ("booking_horizon_days", 731),
        ("min_notice_minutes", -1),
        ("min_notice_minutes", 10081),
        ("min_notice_minutes", "2"),
    ],
)
def test_settings_refuse_rules_out_of_range_naming_the_field(gym, field, value):
    with pytest.raises(ValidationFailed) as caught:
        coach_settings.update_settings(
            gym.coach, gym.coach.id, None, 60, "Europe/Berlin", 24, now=NOW, **{field: value}
        )
    assert caught.value.field == field


def test_settings_store_the_rules(gym):
    saved, _ = coach_settings.update_settings(
        gym.coach,
        gym.coach.id,
        None,
        60,
        "Europe/Berlin",
        24,
        now=NOW,
        booking_horizon_days=730,
        min_notice_minutes=0,
    )
    assert (saved.booking_horizon_days, saved.min_notice_minutes) == (730, 0)
    kept, _ = coach_settings.update_settings(gym.coach, gym.coach.id, None, 60, "Europe/Berlin", 24)
    assert (kept.booking_horizon_days, kept.min_notice_minutes) == (730, 0)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    minutes=st.integers(min_value=0, max_value=60 * 24 * 70),
    horizon_days=st.integers(min_value=1, max_value=60),
    notice=st.integers(min_value=0, max_value=3 * 24 * 60),
    pick=st.integers(min_value=0, max_value=10_000),
)
def test_a_slot_offered_to_a_member_is_bookable_by_that_member_then(
    gym, minutes, horizon_days, notice, pick
):
    _rules(gym, horizon_days, notice)
    now = NOW + timedelta(minutes=minutes)
    rules = booking_rules.rules_of(gym.coach.coach_settings)
    today = now.astimezone(rules.tz).date()
    offered = slots.bookable_slots(
        gym.coach.id, today, today + timedelta(days=60), now=now, rules=rules
    )
    assert all(rules.allows(s.start, now) for s in offered)
    if not offered:
        return
    slot = offered[pick % len(offered)]
    booking, session = bookings.book_one_time(
        gym.member, gym.coach.id, slot.start, slot.end, now=now
    )
    assert session.start_time == slot.start
    bookings.cancel_booking(gym.admin, booking.id, now=now)


@pytest.mark.parametrize(
    "values",
    [
        {"booking_horizon_days": 0},
        {"booking_horizon_days": 731},
        {"min_notice_minutes": -1},
        {"min_notice_minutes": 10081},
    ],
)
def test_the_database_refuses_rules_out_of_range(gym, values):
    with pytest.raises(IntegrityError):
        db.session.execute(
            update(CoachSettings).where(CoachSettings.coach_id == gym.coach.id).values(**values)
        )
        db.session.flush()
    db.session.rollback()

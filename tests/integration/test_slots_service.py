"""Bookable slots on real rows: template, blocked slots, additions, sessions, the clock, DST."""

from __future__ import annotations

from datetime import date

import pytest

from coachapp.extensions import db
from coachapp.models import CoachSettings
from coachapp.services import availability, bookings, slots
from coachapp.services.errors import NotFound, ValidationFailed
from tests.integration.service_helpers import NOW, at


def starts(found):
    return [(s.start.strftime("%Y-%m-%d %H:%M"), s.room_id) for s in found]


def test_slots_step_by_the_default_duration_in_the_windows_room(gym):
    found = slots.bookable_slots(gym.coach.id, date(2027, 3, 2), date(2027, 3, 2), now=NOW)
    assert starts(found) == [
        ("2027-03-02 09:00", gym.studio_a.id),
        ("2027-03-02 10:00", gym.studio_a.id),
        ("2027-03-02 11:00", gym.studio_a.id),
    ]
    assert all(s.start.utcoffset() == s.end.utcoffset() for s in found)
    assert found[0].start.tzinfo is not None


def test_booked_blocked_and_past_times_are_not_offered(gym):
    bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-02", "10:00"), at("2027-03-02", "11:00"), now=NOW
    )
    availability.create_blocked_slot(
        gym.coach, gym.coach.id, at("2027-03-03", "09:00"), at("2027-03-03", "10:00"), None, now=NOW
    )
    found = slots.bookable_slots(gym.coach.id, date(2027, 3, 1), date(2027, 3, 3), now=NOW)
    assert [s for s, _ in starts(found)] == [
        "2027-03-01 09:00", "2027-03-01 10:00", "2027-03-01 11:00",
        "2027-03-02 09:00", "2027-03-02 11:00",
        "2027-03-03 10:00", "2027-03-03 11:00",
    ]
    later = slots.bookable_slots(
        gym.coach.id, date(2027, 3, 1), date(2027, 3, 1), now=at("2027-03-01", "09:30")
    )
    assert [s for s, _ in starts(later)] == ["2027-03-01 10:00", "2027-03-01 11:00"]


def test_additions_offer_slots_in_their_room_or_the_default_room(gym):
    availability.create_addition(
        gym.coach, gym.coach.id, at("2027-03-06", "14:00"), at("2027-03-06", "16:00"), None, None
    )
    found = slots.bookable_slots(gym.coach.id, date(2027, 3, 6), date(2027, 3, 7), now=NOW)
    assert starts(found) == [
        ("2027-03-06 14:00", gym.studio_b.id),
        ("2027-03-06 15:00", gym.studio_b.id),
    ]


def test_slots_keep_wall_clock_time_across_the_spring_change(gym):
    found = slots.bookable_slots(gym.coach.id, date(2027, 3, 26), date(2027, 3, 29), now=NOW)
    assert [s for s, _ in starts(found)] == [
        "2027-03-26 09:00", "2027-03-26 10:00", "2027-03-26 11:00",
        "2027-03-29 09:00", "2027-03-29 10:00", "2027-03-29 11:00",
    ]
    assert found[0].start.utcoffset().total_seconds() == 3600
    assert found[-1].start.utcoffset().total_seconds() == 7200


def test_duration_follows_the_coach_settings(gym):
    settings = db.session.get(CoachSettings, gym.coach.coach_settings.id)
    settings.default_duration = 90
    db.session.commit()
    found = slots.bookable_slots(gym.coach.id, date(2027, 3, 2), date(2027, 3, 2), now=NOW)
    assert [(s.start.strftime("%H:%M"), s.end.strftime("%H:%M")) for s in found] == [
        ("09:00", "10:30"),
        ("10:30", "12:00"),
    ]


def test_bad_ranges_and_unknown_coaches_are_refused(gym):
    with pytest.raises(ValidationFailed) as caught:
        slots.bookable_slots(gym.coach.id, date(2027, 3, 5), date(2027, 3, 4), now=NOW)
    assert caught.value.field == "to"
    with pytest.raises(ValidationFailed):
        slots.bookable_slots(gym.coach.id, date(2027, 1, 1), date(2027, 12, 31), now=NOW)
    with pytest.raises(NotFound):
        slots.bookable_slots(gym.member.id, date(2027, 3, 1), date(2027, 3, 2), now=NOW)

"""Slots honour rooms: a time whose room another coach's session holds is not offered, unless
another room the coach may use (their default room) is free then; a booking refused for the room
says which room, never that someone booked the time."""

from __future__ import annotations

from datetime import date

import pytest

from coachapp.extensions import db
from coachapp.models import CoachSettings
from coachapp.services import availability, bookings, member_views, moves, slots
from coachapp.services.bookings import SeriesSpec
from coachapp.services.errors import RoomTaken
from tests.integration.service_helpers import NOW, at

TUESDAY = "2027-03-02"


@pytest.fixture
def shared(gym):
    """Coach Otto also works Tuesdays 09:00–12:00 in Studio A (no default room), and Carla has a
    session 10:00–11:00 in Studio A that Tuesday (booked by Mia)."""
    availability.replace_weekly_day(
        gym.other_coach,
        gym.other_coach.id,
        2,
        [availability.WindowInput("09:00", "12:00", gym.studio_a.id)],
        now=NOW,
    )
    bookings.book_one_time(
        gym.member, gym.coach.id, at(TUESDAY, "10:00"), at(TUESDAY, "11:00"), now=NOW
    )
    return gym


def otto_default_room(gym, room) -> None:
    settings = db.session.get(CoachSettings, gym.other_coach.coach_settings.id)
    settings.default_room_id = room.id
    db.session.commit()


def otto_slots(gym, day=TUESDAY):
    d = date.fromisoformat(day)
    return [(s.start, s.room_id) for s in slots.bookable_slots(gym.other_coach.id, d, d, now=NOW)]


def test_a_slot_whose_only_room_is_held_by_another_coach_is_not_offered(shared):
    assert otto_slots(shared) == [
        (at(TUESDAY, "09:00"), shared.studio_a.id),
        (at(TUESDAY, "11:00"), shared.studio_a.id),
    ]


def test_another_free_room_the_coach_may_use_is_offered_instead(shared):
    otto_default_room(shared, shared.studio_b)
    assert otto_slots(shared) == [
        (at(TUESDAY, "09:00"), shared.studio_a.id),
        (at(TUESDAY, "10:00"), shared.studio_b.id),
        (at(TUESDAY, "11:00"), shared.studio_a.id),
    ]
    _, session = bookings.book_one_time(
        shared.other_member,
        shared.other_coach.id,
        at(TUESDAY, "10:00"),
        at(TUESDAY, "11:00"),
        now=NOW,
    )
    assert session.room_id == shared.studio_b.id


def test_a_room_held_only_partly_hides_every_slot_it_overlaps(shared):
    # Carla's second session 11:30–12:00 in Studio A: Otto's 11:00 slot overlaps it.
    availability.replace_weekly_day(
        shared.coach,
        shared.coach.id,
        2,
        [availability.WindowInput("09:00", "12:30", shared.studio_a.id)],
        now=NOW,
    )
    bookings.book_one_time(
        shared.other_member, shared.coach.id, at(TUESDAY, "11:30"), at(TUESDAY, "12:00"), now=NOW
    )
    assert [start for start, _ in otto_slots(shared)] == [at(TUESDAY, "09:00")]


def test_cancelled_sessions_do_not_hold_a_room(shared):
    held = bookings.book_one_time(
        shared.other_member, shared.coach.id, at(TUESDAY, "11:00"), at(TUESDAY, "12:00"), now=NOW
    )[0]
    assert at(TUESDAY, "11:00") not in [s for s, _ in otto_slots(shared)]
    bookings.cancel_booking(shared.other_member, held.id, now=NOW)
    assert at(TUESDAY, "11:00") in [s for s, _ in otto_slots(shared)]


def test_booking_a_held_room_is_refused_naming_the_room(shared):
    with pytest.raises(RoomTaken) as caught:
        bookings.book_one_time(
            shared.other_member,
            shared.other_coach.id,
            at(TUESDAY, "10:00"),
            at(TUESDAY, "11:00"),
            now=NOW,
        )
    assert caught.value.code == "slot_taken"
    assert caught.value.message.startswith("Studio A is taken then (Tue 2 Mar 2027 10:00–11:00)")
    assert "book" not in caught.value.message


def test_when_every_room_is_held_the_slot_is_gone_and_the_first_room_named(shared, make_user):
    otto_default_room(shared, shared.studio_b)
    tia = make_user("coach", name="Coach Tia", timezone="Europe/Berlin")
    availability.replace_weekly_day(
        tia, tia.id, 2, [availability.WindowInput("09:00", "12:00", shared.studio_b.id)], now=NOW
    )
    bookings.book_one_time(
        shared.other_member, tia.id, at(TUESDAY, "10:00"), at(TUESDAY, "11:00"), now=NOW
    )
    assert at(TUESDAY, "10:00") not in [s for s, _ in otto_slots(shared)]
    with pytest.raises(RoomTaken) as caught:
        bookings.book_one_time(
            shared.other_member,
            shared.other_coach.id,
            at(TUESDAY, "10:00"),
            at(TUESDAY, "11:00"),
            now=NOW,
        )
    assert caught.value.details["room"] == "Studio A"


def test_the_next_free_slot_of_every_coach_skips_held_rooms(shared):
    offers = {o.coach.id: o for o in member_views.coach_offers(now=NOW)}
    # Otto's first Tuesday slot 09:00 is free; book it for Max, then 10:00 is held by Carla's.
    assert offers[shared.other_coach.id].next_slot.start == at(TUESDAY, "09:00")
    bookings.book_one_time(
        shared.other_member,
        shared.other_coach.id,
        at(TUESDAY, "09:00"),
        at(TUESDAY, "10:00"),
        now=NOW,
    )
    offers = {o.coach.id: o for o in member_views.coach_offers(now=NOW)}
    assert offers[shared.other_coach.id].next_slot.start == at(TUESDAY, "11:00")


def test_nearest_free_times_leave_out_held_rooms(shared):
    near = member_views.nearest_free_slots(
        shared.other_coach.id, at(TUESDAY, "10:00"), count=2, now=NOW
    )
    assert [s.start for s in near] == [at(TUESDAY, "09:00"), at(TUESDAY, "11:00")]


def weekly_for_max(gym, start_date):
    """Max's weekly Tuesday 10:00 series with the other coach: (actor, spec)."""
    return gym.other_member, SeriesSpec(
        coach_id=gym.other_coach.id,
        day_of_week=2,
        start_time="10:00",
        end_time="11:00",
        start_date=start_date,
    )


def test_a_series_preview_names_the_dates_its_room_is_held(shared):
    preview = bookings.preview_recurring(*weekly_for_max(shared, date(2027, 3, 1)), now=NOW)
    assert preview.room_taken_dates == [date(2027, 3, 2)]
    assert preview.room == "Studio A"
    assert preview.colliding_dates == []
    clear = bookings.preview_recurring(*weekly_for_max(shared, date(2027, 3, 3)), now=NOW)
    assert clear.room_taken_dates == [] and clear.room is None


def test_a_series_whose_room_is_held_is_refused_naming_room_and_date(shared):
    with pytest.raises(RoomTaken) as caught:
        bookings.create_recurring(*weekly_for_max(shared, date(2027, 3, 1)), now=NOW)
    assert caught.value.message.startswith("Studio A is taken then on 2027-03-02")
    _, made = bookings.create_recurring(*weekly_for_max(shared, date(2027, 3, 3)), now=NOW)
    assert len(made) == 6 and {s.room_id for s in made} == {shared.studio_a.id}


def test_moving_into_a_held_room_is_refused_naming_the_room(shared):
    _, session = bookings.book_one_time(
        shared.other_member,
        shared.other_coach.id,
        at(TUESDAY, "11:00"),
        at(TUESDAY, "12:00"),
        now=NOW,
    )
    with pytest.raises(RoomTaken, match="Studio A is taken then"):
        moves.move_session(shared.other_coach, session.id, at(TUESDAY, "10:00"), now=NOW)
    # Its own room does not stand in its way: 11:00-12:00 -> 11:30-12:30 overlaps only itself.
    availability.replace_weekly_day(
        shared.other_coach,
        shared.other_coach.id,
        2,
        [availability.WindowInput("09:00", "13:00", shared.studio_a.id)],
        now=NOW,
    )
    moved = moves.move_session(shared.other_coach, session.id, at(TUESDAY, "11:30"), now=NOW)
    assert (moved.start_time, moved.room_id) == (at(TUESDAY, "11:30"), shared.studio_a.id)
    suggested = moves.suggest_moves(shared.other_coach, [moved], now=NOW)[moved.id]
    assert suggested and at(TUESDAY, "10:00") not in [s.start for s in suggested]

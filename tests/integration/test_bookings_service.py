"""One-time bookings: made in one transaction, refused for every reason the contract names."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import Booking, Notification, TrainingSession
from coachapp.services import availability, bookings
from coachapp.services.errors import (
    AlreadyCancelled,
    Forbidden,
    InPast,
    NotFound,
    SlotTaken,
    SlotUnavailable,
    ValidationFailed,
)
from tests.integration.service_helpers import NOW, at


def book(gym, actor, day, start, end, member_id=None, now=NOW):
    return bookings.book_one_time(
        actor, gym.coach.id, at(day, start), at(day, end), member_id=member_id, now=now
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_booking_makes_a_linked_session_and_booking(gym):
    booking, session = book(gym, gym.member, "2027-03-02", "10:00", "11:00")
    assert booking.status == "CONFIRMED"
    assert booking.member_id == gym.member.id
    assert booking.session_id == session.id
    assert session.one_time_booking_id == booking.id
    assert session.recurring_booking_id is None
    assert (session.type, session.capacity, session.status) == ("ONE_TO_ONE", 1, "scheduled")
    assert session.member_id == gym.member.id
    assert session.room_id == gym.studio_a.id
    assert session.start_time == at("2027-03-02", "10:00")
    db.session.expire_all()
    stored = db.session.get(TrainingSession, session.id)
    assert stored.one_time_booking_id == booking.id


def test_any_time_inside_availability_may_be_booked_not_only_slots(gym):
    _, session = book(gym, gym.member, "2027-03-02", "09:30", "10:15")
    assert session.end_time - session.start_time == at("2027-03-02", "10:15") - at("2027-03-02", "09:30")


def test_an_addition_makes_time_bookable_in_its_room(gym):
    availability.create_addition(
        gym.coach, gym.coach.id, at("2027-03-06", "10:00"), at("2027-03-06", "12:00"),
        gym.studio_a.id, None,
    )
    _, session = book(gym, gym.member, "2027-03-06", "10:00", "11:00")
    assert session.room_id == gym.studio_a.id


def test_a_coach_or_an_admin_books_for_a_member(gym):
    booking, _ = book(gym, gym.coach, "2027-03-02", "09:00", "10:00", member_id=gym.member.id)
    assert booking.member_id == gym.member.id
    booking, _ = book(gym, gym.admin, "2027-03-02", "10:00", "11:00", member_id=gym.other_member.id)
    assert booking.member_id == gym.other_member.id


def test_who_may_book_for_whom(gym):
    with pytest.raises(Forbidden):
        book(gym, gym.member, "2027-03-02", "10:00", "11:00", member_id=gym.other_member.id)
    with pytest.raises(Forbidden):
        bookings.book_one_time(
            gym.other_coach, gym.coach.id, at("2027-03-02", "10:00"), at("2027-03-02", "11:00"),
            member_id=gym.member.id, now=NOW,
        )
    with pytest.raises(ValidationFailed) as caught:
        book(gym, gym.coach, "2027-03-02", "10:00", "11:00")
    assert caught.value.field == "member_id"
    with pytest.raises(ValidationFailed) as caught:
        book(gym, gym.coach, "2027-03-02", "10:00", "11:00", member_id=gym.other_coach.id)
    assert caught.value.field == "member_id"
    with pytest.raises(NotFound):
        bookings.book_one_time(
            gym.member, gym.member.id, at("2027-03-02", "10:00"), at("2027-03-02", "11:00"), now=NOW
        )
    assert count(TrainingSession) == 0


@pytest.mark.parametrize(
    ("day", "start", "end", "error"),
    [
        ("2027-03-01", "06:00", "07:00", InPast),
        ("2027-03-01", "07:00", "08:00", InPast),
        ("2027-03-02", "11:30", "12:30", SlotUnavailable),
        ("2027-03-06", "10:00", "11:00", SlotUnavailable),
        ("2027-03-02", "11:00", "11:00", ValidationFailed),
        ("2027-03-02", "11:00", "10:00", ValidationFailed),
    ],
)
def test_refusals(gym, day, start, end, error):
    with pytest.raises(error):
        book(gym, gym.member, day, start, end)
    assert count(TrainingSession) == 0
    assert count(Booking) == 0


def test_blocked_time_is_unavailable_unless_an_addition_reopens_it(gym):
    availability.create_blocked_slot(
        gym.coach, gym.coach.id, at("2027-03-02", "00:00"), at("2027-03-03", "00:00"), None, now=NOW
    )
    with pytest.raises(SlotUnavailable):
        book(gym, gym.member, "2027-03-02", "10:00", "11:00")
    availability.create_addition(
        gym.coach, gym.coach.id, at("2027-03-02", "10:00"), at("2027-03-02", "11:00"), None, None
    )
    _, session = book(gym, gym.member, "2027-03-02", "10:00", "11:00")
    assert session.room_id == gym.studio_a.id  # the addition names no room: the window's


def test_a_held_or_overlapping_time_is_taken(gym):
    book(gym, gym.member, "2027-03-02", "10:00", "11:00")
    with pytest.raises(SlotTaken) as exact:
        book(gym, gym.other_member, "2027-03-02", "10:00", "11:00")
    assert "already booked" in exact.value.message
    with pytest.raises(SlotTaken) as overlap:
        book(gym, gym.other_member, "2027-03-02", "10:30", "11:30")
    assert "overlaps" in overlap.value.message
    book(gym, gym.other_member, "2027-03-02", "11:00", "12:00")  # touching is fine
    assert count(TrainingSession) == 2


def test_a_room_in_use_by_another_coach_is_taken(gym):
    availability.replace_weekly_day(
        gym.other_coach, gym.other_coach.id, 2,
        [availability.WindowInput("09:00", "12:00", gym.studio_a.id)], now=NOW,
    )
    book(gym, gym.member, "2027-03-02", "10:00", "11:00")
    with pytest.raises(SlotTaken) as caught:
        bookings.book_one_time(
            gym.other_member, gym.other_coach.id, at("2027-03-02", "10:00"),
            at("2027-03-02", "11:00"), now=NOW,
        )
    assert caught.value.message.startswith("Studio A is taken then")
    assert caught.value.details["room"] == "Studio A"
    assert count(TrainingSession) == 1


def test_member_cancels_in_time_and_late(gym):
    early, _ = book(gym, gym.member, "2027-03-03", "10:00", "11:00")
    late, late_session = book(gym, gym.member, "2027-03-02", "10:00", "11:00")
    bookings.cancel_booking(gym.member, early.id, now=NOW)
    bookings.cancel_booking(gym.member, late.id, now=at("2027-03-01", "12:00"))
    assert (early.status, early.late_cancel) == ("CANCELLED_BY_MEMBER", False)
    assert (late.status, late.late_cancel) == ("CANCELLED_BY_MEMBER", True)
    assert late.cancelled_at == at("2027-03-01", "12:00")
    assert (late_session.status, late_session.cancelled_by) == ("cancelled", "MEMBER")
    assert count(Notification) == 0
    # the time is free again
    book(gym, gym.other_member, "2027-03-02", "10:00", "11:00")


def test_coach_cancels_and_the_member_is_told(gym):
    booking, session = book(gym, gym.member, "2027-03-02", "10:00", "11:00")
    bookings.cancel_booking(gym.coach, booking.id, now=NOW)
    assert booking.status == "CANCELLED_BY_COACH"
    assert (session.status, session.cancelled_by) == ("cancelled", "COACH")
    note = db.session.scalars(select(Notification)).one()
    assert note.user_id == gym.member.id
    assert "cancelled by your coach" in note.message
    with pytest.raises(AlreadyCancelled):
        bookings.cancel_booking(gym.coach, booking.id, now=NOW)


def test_cancel_refusals(gym):
    booking, _ = book(gym, gym.member, "2027-03-02", "10:00", "11:00")
    with pytest.raises(NotFound):
        bookings.cancel_booking(gym.other_member, booking.id, now=NOW)
    with pytest.raises(NotFound):
        bookings.cancel_booking(gym.other_coach, booking.id, now=NOW)
    with pytest.raises(NotFound):
        bookings.cancel_booking(gym.member, 98765, now=NOW)
    with pytest.raises(InPast):
        bookings.cancel_booking(gym.member, booking.id, now=at("2027-03-02", "10:00"))
    assert bookings.get_booking(gym.member, booking.id).status == "CONFIRMED"
    bookings.cancel_booking(gym.admin, booking.id, now=NOW)
    assert booking.status == "CANCELLED_BY_COACH"

"""Weekly availability, blocked slots and additions through the availability service."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import AvailabilityAddition, BlockedSlot, WeeklyAvailability
from coachapp.services import availability, bookings
from coachapp.services.availability import WindowInput
from coachapp.services.errors import Forbidden, NotFound, ValidationFailed
from tests.integration.service_helpers import NOW, at


def test_replace_weekly_day_stores_the_days_windows_in_order(gym):
    rows, conflicts = availability.replace_weekly_day(
        gym.coach,
        gym.coach.id,
        6,
        [WindowInput("14:00", "16:00"), WindowInput("8:30", "10:00", gym.studio_a.id)],
        now=NOW,
    )
    assert [(r.start_time, r.end_time, r.room_id) for r in rows] == [
        ("08:30", "10:00", gym.studio_a.id),
        ("14:00", "16:00", None),
    ]
    assert conflicts == []
    saturday = [w for w in availability.list_weekly(gym.coach.id) if w.day_of_week == 6]
    assert [(w.start_time, w.end_time) for w in saturday] == [("08:30", "10:00"), ("14:00", "16:00")]
    # replacing again replaces, it does not add
    availability.replace_weekly_day(gym.coach, gym.coach.id, 6, [], now=NOW)
    assert not [w for w in availability.list_weekly(gym.coach.id) if w.day_of_week == 6]


@pytest.mark.parametrize(
    ("windows", "field"),
    [
        ([WindowInput("09:00", "25:00")], "windows[0].end_time"),
        ([WindowInput("9am", "10:00")], "windows[0].start_time"),
        ([WindowInput("11:00", "10:00")], "windows[0].end_time"),
        ([WindowInput("09:00", "12:00"), WindowInput("11:00", "13:00")], "windows[1].start_time"),
        ([WindowInput("09:00", "10:00", room_id=999)], "windows[0].room_id"),
        ([WindowInput("09:00", "10:00", is_individual=False)], "windows[0].is_individual"),
    ],
)
def test_bad_windows_are_refused_naming_the_field(gym, windows, field):
    with pytest.raises(ValidationFailed) as caught:
        availability.replace_weekly_day(gym.coach, gym.coach.id, 1, windows, now=NOW)
    assert caught.value.field == field
    # nothing changed
    monday = [w for w in availability.list_weekly(gym.coach.id) if w.day_of_week == 1]
    assert [(w.start_time, w.end_time) for w in monday] == [("09:00", "12:00")]


def test_day_of_week_must_be_0_to_6(gym):
    with pytest.raises(ValidationFailed) as caught:
        availability.replace_weekly_day(gym.coach, gym.coach.id, 7, [], now=NOW)
    assert caught.value.field == "day_of_week"


def test_only_the_coach_or_an_admin_changes_availability(gym):
    with pytest.raises(Forbidden):
        availability.replace_weekly_day(gym.other_coach, gym.coach.id, 1, [], now=NOW)
    with pytest.raises(Forbidden):
        availability.replace_weekly_day(gym.member, gym.coach.id, 1, [], now=NOW)
    with pytest.raises(NotFound):
        availability.replace_weekly_day(gym.admin, gym.member.id, 1, [], now=NOW)
    rows, _ = availability.replace_weekly_day(
        gym.admin, gym.coach.id, 0, [WindowInput("10:00", "11:00")], now=NOW
    )
    assert rows[0].coach_id == gym.coach.id


def test_removing_a_weekday_reports_its_sessions_as_conflicts(gym):
    _, tuesday = bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-02", "10:00"), at("2027-03-02", "11:00"), now=NOW
    )
    _, wednesday = bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-03", "10:00"), at("2027-03-03", "11:00"), now=NOW
    )
    _, conflicts = availability.replace_weekly_day(gym.coach, gym.coach.id, 2, [], now=NOW)
    assert [(c.session.id, c.reason) for c in conflicts] == [
        (tuesday.id, "outside_weekly_template")
    ]
    # shortening a window strands only what no longer fits
    _, conflicts = availability.replace_weekly_day(
        gym.coach, gym.coach.id, 3, [WindowInput("09:00", "10:30")], now=NOW
    )
    assert {c.session.id for c in conflicts} == {tuesday.id, wednesday.id}


def test_blocked_slot_returns_the_sessions_it_puts_in_conflict(gym):
    _, inside = bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-02", "10:00"), at("2027-03-02", "11:00"), now=NOW
    )
    bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-04", "10:00"), at("2027-03-04", "11:00"), now=NOW
    )
    preview = availability.preview_blocked_slot(
        gym.coach.id, at("2027-03-02", "00:00"), at("2027-03-03", "00:00"), now=NOW
    )
    assert [s.id for s in preview] == [inside.id]
    assert db.session.scalar(select(func.count()).select_from(BlockedSlot)) == 0

    slot, conflicts = availability.create_blocked_slot(
        gym.coach, gym.coach.id, at("2027-03-02", "00:00"), at("2027-03-03", "00:00"), " Dentist ",
        now=NOW,
    )
    assert slot.reason == "Dentist"
    assert [(c.session.id, c.reason) for c in conflicts] == [(inside.id, "in_blocked_slot")]
    assert inside.status == "scheduled"  # flagged, not cancelled

    availability.delete_blocked_slot(gym.coach, slot.id)
    assert db.session.get(BlockedSlot, slot.id) is None


def test_blocked_slot_and_addition_refuse_end_before_start(gym):
    with pytest.raises(ValidationFailed) as caught:
        availability.create_blocked_slot(
            gym.coach, gym.coach.id, at("2027-03-02", "12:00"), at("2027-03-02", "10:00"), None,
            now=NOW,
        )
    assert caught.value.field == "end_time"
    with pytest.raises(ValidationFailed) as caught:
        availability.create_addition(
            gym.coach, gym.coach.id, at("2027-03-02", "12:00"), at("2027-03-02", "12:00"), None, None
        )
    assert caught.value.field == "end_time"
    with pytest.raises(ValidationFailed) as caught:
        availability.create_addition(
            gym.coach, gym.coach.id, at("2027-03-06", "10:00"), at("2027-03-06", "12:00"), 999, None
        )
    assert caught.value.field == "room_id"


def test_additions_open_time_and_deleting_them_closes_it(gym):
    saturday = (at("2027-03-06", "10:00"), at("2027-03-06", "11:00"))
    addition = availability.create_addition(
        gym.coach, gym.coach.id, at("2027-03-06", "10:00"), at("2027-03-06", "12:00"),
        gym.studio_a.id, "Extra Saturday",
    )
    assert [a.id for a in availability.list_additions(gym.coach, gym.coach.id, *saturday)] == [addition.id]
    availability.delete_addition(gym.coach, addition.id)
    assert db.session.get(AvailabilityAddition, addition.id) is None
    assert availability.list_additions(gym.coach, gym.coach.id, *saturday) == []


def test_blocked_and_additions_belong_to_their_coach(gym):
    slot, _ = availability.create_blocked_slot(
        gym.coach, gym.coach.id, at("2027-03-02", "09:00"), at("2027-03-02", "10:00"), None, now=NOW
    )
    with pytest.raises(Forbidden):
        availability.delete_blocked_slot(gym.other_coach, slot.id)
    with pytest.raises(Forbidden):
        availability.create_blocked_slot(
            gym.member, gym.coach.id, at("2027-03-02", "09:00"), at("2027-03-02", "10:00"), None
        )
    with pytest.raises(NotFound):
        availability.delete_blocked_slot(gym.coach, 12345)
    with pytest.raises(NotFound):
        availability.delete_addition(gym.coach, 12345)
    availability.delete_blocked_slot(gym.admin, slot.id)
    assert availability.list_blocked(
        gym.coach, gym.coach.id, at("2027-03-01", "00:00"), at("2027-03-08", "00:00")
    ) == []
    with pytest.raises(Forbidden):
        availability.list_blocked(
            gym.other_coach, gym.coach.id, at("2027-03-01", "00:00"), at("2027-03-08", "00:00")
        )
    with pytest.raises(Forbidden):
        availability.list_additions(
            gym.member, gym.coach.id, at("2027-03-01", "00:00"), at("2027-03-08", "00:00")
        )
    assert db.session.scalar(select(func.count()).select_from(WeeklyAvailability)) == 5

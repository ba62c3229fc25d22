"""Blocked slots and availability additions refuse repeats and overlaps (docs/rules.md), and the
previews of an availability change compute the would-be conflicts without writing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import AvailabilityAddition, BlockedSlot, CoachSettings, WeeklyAvailability
from coachapp.services import availability, bookings, coach_settings
from coachapp.services.availability import AlreadyThere, WindowInput
from coachapp.services.errors import ValidationFailed
from tests.integration.service_helpers import NOW, at


def _block(gym, day, start, end, reason=None, coach=None):
    coach = coach or gym.coach
    return availability.create_blocked_slot(
        coach, coach.id, at(day, start), at(day, end), reason, now=NOW
    )[0]


def _add(gym, day, start, end, reason=None, coach=None):
    coach = coach or gym.coach
    return availability.create_addition(coach, coach.id, at(day, start), at(day, end), None, reason)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_exact_duplicate_blocked_slot_is_refused_naming_the_existing_one(gym):
    first = _block(gym, "2027-03-06", "14:00", "16:00", "Dentist")
    with pytest.raises(AlreadyThere) as caught:
        _block(gym, "2027-03-06", "14:00", "16:00", "Dentist")
    assert isinstance(caught.value, ValidationFailed)  # 422 validation_error in the API
    assert caught.value.field == "start_time"
    assert caught.value.message == "already blocked: Sat 6 Mar 14:00–16:00 (Dentist)."
    assert caught.value.existing.id == first.id
    assert _count(BlockedSlot) == 1


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("14:30", "15:30", "already blocked: Sat 6 Mar 14:00–16:00 (Dentist)."),
        (
            "15:00",
            "17:00",
            "overlaps blocked time Sat 6 Mar 14:00–16:00 (Dentist): delete that one",
        ),
        (
            "13:00",
            "17:00",
            "overlaps blocked time Sat 6 Mar 14:00–16:00 (Dentist): delete that one",
        ),
    ],
)
def test_a_blocked_slot_inside_or_overlapping_another_is_refused(gym, start, end, message):
    _block(gym, "2027-03-06", "14:00", "16:00", "Dentist")
    with pytest.raises(AlreadyThere) as caught:
        _block(gym, "2027-03-06", start, end)
    assert caught.value.message.startswith(message)
    assert _count(BlockedSlot) == 1


def test_adjacent_blocks_and_another_coachs_same_block_are_allowed(gym):
    _block(gym, "2027-03-06", "14:00", "16:00", "Dentist")
    _block(gym, "2027-03-06", "16:00", "17:00")
    _block(gym, "2027-03-06", "12:00", "14:00")
    _block(gym, "2027-03-06", "14:00", "16:00", coach=gym.other_coach)
    assert _count(BlockedSlot) == 4


def test_a_whole_day_block_names_both_midnights(gym):
    availability.create_blocked_slot(
        gym.coach,
        gym.coach.id,
        at("2027-03-06", "00:00"),
        at("2027-03-08", "00:00"),
        "Trip",
        now=NOW,
    )
    with pytest.raises(AlreadyThere) as caught:
        _block(gym, "2027-03-07", "10:00", "11:00")
    assert caught.value.message == "already blocked: Sat 6 Mar 00:00 – Mon 8 Mar 00:00 (Trip)."


def test_additions_refuse_duplicates_and_overlaps_but_not_neighbours(gym):
    _add(gym, "2027-03-06", "14:00", "16:00")
    with pytest.raises(AlreadyThere) as caught:
        _add(gym, "2027-03-06", "14:00", "16:00")
    assert caught.value.message == "already extra availability: Sat 6 Mar 14:00–16:00."
    with pytest.raises(AlreadyThere) as caught:
        _add(gym, "2027-03-06", "15:00", "18:00")
    assert caught.value.message.startswith("overlaps extra availability Sat 6 Mar 14:00–16:00")
    _add(gym, "2027-03-06", "16:00", "18:00")
    _add(gym, "2027-03-06", "14:00", "16:00", coach=gym.other_coach)
    assert _count(AvailabilityAddition) == 3


def test_a_block_over_an_addition_is_allowed(gym):
    """Blocks and additions are different things: only like overlaps like is refused."""
    _add(gym, "2027-03-06", "14:00", "16:00")
    _block(gym, "2027-03-06", "14:00", "16:00")
    assert (_count(AvailabilityAddition), _count(BlockedSlot)) == (1, 1)


def test_the_block_preview_refuses_a_duplicate_too(gym):
    _block(gym, "2027-03-06", "14:00", "16:00", "Dentist")
    with pytest.raises(AlreadyThere):
        availability.preview_blocked_slot(
            gym.coach.id, at("2027-03-06", "14:00"), at("2027-03-06", "16:00"), now=NOW
        )


def _book(gym, day, start, end):
    return bookings.book_one_time(
        gym.admin, gym.coach.id, at(day, start), at(day, end), member_id=gym.member.id, now=NOW
    )[1]


def test_the_day_preview_lists_only_new_conflicts_and_writes_nothing(gym):
    early = _book(gym, "2027-03-08", "09:00", "10:00")  # Monday
    late = _book(gym, "2027-03-15", "11:00", "12:00")  # Monday
    _book(gym, "2027-03-09", "09:00", "10:00")  # Tuesday: not touched
    # already a conflict before the change: outside the new hours too, but not new
    availability.replace_weekly_day(
        gym.coach, gym.coach.id, 1, [WindowInput("09:00", "11:00", gym.studio_a.id)], now=NOW
    )
    windows_before = _count(WeeklyAvailability)
    would = availability.preview_weekly_day(gym.coach.id, 1, [WindowInput("10:00", "11:00")], NOW)
    assert [s.id for s in would] == [early.id]
    assert _count(WeeklyAvailability) == windows_before
    monday = [w for w in availability.list_weekly(gym.coach.id) if w.day_of_week == 1]
    assert [(w.start_time, w.end_time) for w in monday] == [("09:00", "11:00")]
    assert late.id not in {s.id for s in would}
    # widening the day puts nothing in conflict
    assert (
        availability.preview_weekly_day(gym.coach.id, 1, [WindowInput("08:00", "13:00")], NOW) == []
    )


def test_the_day_preview_refuses_bad_windows_as_the_save_would(gym):
    with pytest.raises(ValidationFailed) as caught:
        availability.preview_weekly_day(gym.coach.id, 1, [WindowInput("11:00", "10:00")], NOW)
    assert caught.value.field == "windows[0].end_time"


def test_the_zone_preview_lists_the_sessions_a_new_zone_strands_without_saving(gym):
    session = _book(gym, "2027-03-08", "09:00", "10:00")
    would = coach_settings.preview_zone_change(gym.coach.id, "Asia/Tokyo", now=NOW)
    assert [s.id for s in would] == [session.id]
    assert db.session.get(CoachSettings, gym.coach.coach_settings.id).timezone == "Europe/Berlin"
    assert coach_settings.preview_zone_change(gym.coach.id, "Europe/Berlin", now=NOW) == []
    assert coach_settings.preview_zone_change(gym.coach.id, "Europe/Paris", now=NOW) == []
    with pytest.raises(ValidationFailed) as caught:
        coach_settings.preview_zone_change(gym.coach.id, "Mars/Olympus", now=NOW)
    assert caught.value.field == "timezone"

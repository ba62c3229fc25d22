"""Bookable slots: the one-to-one times a member can pick from, per coach and date range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..models import utcnow
from ..scheduling import bookable_slots as core_slots
from ..scheduling import expand_weekly_windows, open_time
from . import coaches, horizon
from .errors import ValidationFailed

MAX_DAYS = 92
"""The longest range asked at once (about a quarter): enough for any calendar view."""


@dataclass(frozen=True)
class Slot:
    """A time a member can book: ``[start, end)`` in the coach's zone, and the room it would use."""

    start: datetime
    end: datetime
    room_id: int | None


def bookable_slots(
    coach_id: int, first_day: date, last_day: date, now: datetime | None = None
) -> list[Slot]:
    """A coach's bookable one-to-one slots on the local dates ``[first_day, last_day]``, in order.

    Slots step by the coach's default duration from the start of each stretch of availability
    (one-to-one weekly windows minus blocked slots, plus additions), overlap none of the coach's
    scheduled sessions and have not started. The room is the window's or addition's, else the
    coach's default room.
    """
    settings = coaches.get_settings(coach_id)
    tz = coaches.zone_of(settings)
    coaches.check_date(first_day, "from")
    coaches.check_date(last_day, "to")
    if last_day < first_day:
        raise ValidationFailed("to: the last day must not be before the first.", field="to")
    if (last_day - first_day).days >= MAX_DAYS:
        raise ValidationFailed(f"to: ask for at most {MAX_DAYS} days at once.", field="to")
    now = now or utcnow()
    # Nothing is offered beyond the 2-year horizon; a range may reach past it, its start may not.
    horizon.check_day(first_day, "from", tz, now)
    last_day = min(last_day, horizon.last_day(tz, now))
    lo, hi = coaches.day_bounds(first_day, last_day, tz)
    # One day either side, so that a stretch crossing midnight is seen whole.
    before, after = first_day - timedelta(days=1), last_day + timedelta(days=1)
    wide_lo, wide_hi = coaches.day_bounds(before, after, tz)
    windows = coaches.core_windows(coaches.weekly_rows(coach_id))
    blocked = coaches.blocked_in(coach_id, wide_lo, wide_hi)
    additions = coaches.additions_in(coach_id, wide_lo, wide_hi)
    busy = coaches.scheduled_in(coach_id, wide_lo, wide_hi)
    placed = expand_weekly_windows(windows, tz, before, after)
    free = open_time(
        placed,
        [coaches.interval(b) for b in blocked],
        [coaches.interval(a) for a in additions],
    )
    found = core_slots(
        free,
        [coaches.interval(s) for s in busy],
        timedelta(minutes=settings.default_duration),
        now,
        window_start=lo,
        window_end=hi,
    )
    room_of = coaches.room_finder(placed, additions, settings.default_room_id)
    return [
        Slot(start=slot.start.astimezone(tz), end=slot.end.astimezone(tz), room_id=room_of(slot))
        for slot in found
    ]

"""Bookable slots: the one-to-one times a member can pick from, per coach and date range."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..models import AvailabilityAddition, CoachSettings, WeeklyAvailability, utcnow
from ..scheduling import Timeline, expand_weekly_windows, open_time
from ..scheduling import bookable_slots as core_slots
from ..scheduling.booking_rules import BookingRules
from . import coach_calendar, coaches, horizon
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
    coach_id: int,
    first_day: date,
    last_day: date,
    now: datetime | None = None,
    rules: BookingRules | None = None,
) -> list[Slot]:
    """A coach's bookable one-to-one slots on the local dates ``[first_day, last_day]``, in order.

    The coach's calendar is read once (``coach_calendar.load``: the availability, and the
    sessions with those holding the coach's rooms, in two statements). Slots step by the coach's
    default duration from the start of each stretch of availability (one-to-one weekly windows
    minus blocked slots, plus additions), overlap none of the coach's scheduled sessions and have
    not started. The room is the first of the addition's, the window's
    and the coach's default room that no other session (of any coach) holds then; a slot whose
    rooms are all held is not offered. With ``rules`` (a member's: ``booking_rules.for_actor``),
    only slots that caller may book now: not sooner than the notice, not beyond the horizon.
    """
    settings = coach_calendar.settings_of(coach_id)
    tz = coaches.zone_of(settings)
    coaches.check_date(first_day, "from")
    coaches.check_date(last_day, "to")
    if last_day < first_day:
        raise ValidationFailed("the last day must not be before the first.", field="to")
    if (last_day - first_day).days >= MAX_DAYS:
        raise ValidationFailed(f"ask for at most {MAX_DAYS} days at once.", field="to")
    now = now or utcnow()
    # Nothing is offered beyond the 2-year horizon; a range may reach past it, its start may not.
    horizon.check_day(first_day, "from", tz, now)
    last_day = min(last_day, horizon.last_day(tz, now))
    if rules is not None:
        last_day = min(last_day, rules.last_day(now))
        if last_day < first_day:
            return []  # the whole range lies beyond the coach's booking horizon
    # One day either side, so that a stretch crossing midnight is seen whole.
    wide_lo, wide_hi = coaches.day_bounds(
        first_day - timedelta(days=1), last_day + timedelta(days=1), tz
    )
    calendar = coach_calendar.load(coach_id, wide_lo, wide_hi, now, rooms=True)
    return slots_from(
        settings,
        calendar.windows,
        calendar.blocked,
        calendar.additions,
        calendar.scheduled_in(wide_lo, wide_hi),
        first_day,
        last_day,
        now,
        held=calendar.held,
        rules=rules,
    )


def slots_from(
    settings: CoachSettings,
    weekly: Iterable[WeeklyAvailability],
    blocked: Iterable,
    additions: Iterable[AvailabilityAddition],
    busy: Iterable,
    first_day: date,
    last_day: date,
    now: datetime,
    held: Mapping[int, Timeline] | None = None,
    limit: int | None = None,
    rules: BookingRules | None = None,
) -> list[Slot]:
    """The bookable slots of one coach from rows already loaded (their weekly windows, and the
    blocked slots, additions and scheduled sessions around ``[first_day, last_day]`` with a day
    to spare either side): ``bookable_slots`` for one coach, ``member_views`` for all at once.

    A slot whose every usable room is held by another session then is left out; ``held``
    (``coaches.rooms_held``) is read here when not given. ``limit``: stop after that many.
    ``rules``: leave out what the caller (a member) may not book at ``now``.
    """
    tz = coaches.zone_of(settings)
    lo, hi = coaches.day_bounds(first_day, last_day, tz)
    before, after = first_day - timedelta(days=1), last_day + timedelta(days=1)
    placed = expand_weekly_windows(coaches.core_windows(weekly), tz, before, after)
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
    if held is None:
        rooms = coaches.room_ids_of(placed, additions, settings.default_room_id)
        held = coaches.rooms_held(rooms, lo, hi) if found else {}
    room_of = coaches.room_finder(placed, additions, settings.default_room_id, held)
    out: list[Slot] = []
    latest = horizon.latest_start(now)
    for slot in found:
        if slot.start_utc > latest:
            break  # nothing is offered beyond the 2-year horizon
        if rules is not None and not rules.allows(slot.start_utc, now):
            continue  # too soon, or beyond the coach's horizon, for this member
        pick = room_of(slot)
        if pick.taken is not None:
            continue
        out.append(Slot(slot.start.astimezone(tz), slot.end.astimezone(tz), pick.room_id))
        if limit is not None and len(out) >= limit:
            break
    return out

"""The nightly plan: which sessions of recurring bookings to create for the weeks ahead."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from .clock import UTC, local_datetime
from .intervals import Interval, Timeline, as_interval, to_utc
from .recurrence import Occurrence, RecurringSeries, occurrence_dates

HORIZON_WEEKS = 6


@dataclass(frozen=True, slots=True)
class PlannedSession:
    """A session the plan would create for one occurrence of a series."""

    series_id: str
    coach_id: str
    member_id: str | None
    room_id: str | None
    interval: Interval
    local_date: date


@dataclass(frozen=True, slots=True)
class MaterializationPlan:
    """What one run of the nightly job decides, occurrence by occurrence.

    ``create`` is what to insert; the rest explains what was left out and why: inside a blocked
    slot, already materialized (in any status, so a cancelled session is not brought back), or in
    ``collisions``, overlapping another scheduled session of the coach.
    """

    create: tuple[PlannedSession, ...]
    skipped_blocked: tuple[Occurrence, ...]
    skipped_existing: tuple[Occurrence, ...]
    collisions: tuple[Occurrence, ...]


@dataclass(frozen=True, slots=True)
class CoachCalendar:
    """Everything the planner needs to know about one coach, read by the caller beforehand.

    ``busy`` holds the coach's scheduled sessions in the horizon, whatever their origin;
    ``existing_keys`` the ``(series id, start instant)`` of every session already created from a
    series, in any status. Instants may be given in any zone; they are kept in UTC.
    """

    coach_id: str
    tz: tzinfo
    blocked: tuple[Interval, ...] = ()
    additions: tuple[Interval, ...] = ()
    busy: tuple[Interval, ...] = ()
    existing_keys: frozenset[tuple[str, datetime]] = frozenset()
    default_room_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "blocked", tuple(as_interval(i) for i in self.blocked))
        object.__setattr__(self, "additions", tuple(as_interval(i) for i in self.additions))
        object.__setattr__(self, "busy", tuple(as_interval(i) for i in self.busy))
        keys = frozenset(
            (key, to_utc(start, "existing session start")) for key, start in self.existing_keys
        )
        object.__setattr__(self, "existing_keys", keys)


class _WallClock:
    """``local_datetime`` remembered per (date, minute): many series share their times."""

    __slots__ = ("tz", "memo")

    def __init__(self, tz: tzinfo):
        self.tz = tz
        self.memo: dict[tuple[date, int], tuple[datetime, datetime]] = {}

    def at(self, day: date, minute: int) -> tuple[datetime, datetime]:
        key = (day, minute)
        found = self.memo.get(key)
        if found is None:
            local = local_datetime(day, minute, self.tz)
            found = self.memo[key] = (local, local.astimezone(UTC))
        return found


def _planned_sort_key(item: PlannedSession | Occurrence) -> tuple[datetime, str, str]:
    return item.interval.start_utc, item.coach_id, item.series_id


def plan_materialization(
    series: Iterable[RecurringSeries],
    calendars: Mapping[str, CoachCalendar],
    today: date,
    weeks: int = HORIZON_WEEKS,
) -> MaterializationPlan:
    """Decide which sessions to create for the series' occurrences on local dates in
    ``[today, today + 7 * weeks)``, each coach's dates and times read in that coach's zone.

    An occurrence is skipped when it was already materialized (its ``(series id, start)`` is in
    the calendar's ``existing_keys``), or when it overlaps a blocked slot that no availability
    addition covers wholly. It is a collision, reported and not created, when it overlaps one of
    the coach's scheduled sessions or an occurrence this plan already accepted: series earlier in
    ``series`` win. The room is the series' room, else the coach's default room. Running the plan
    again on what it created finds nothing new, which is what keeps the nightly job idempotent.
    """
    last_day = today + timedelta(days=7 * weeks - 1)
    by_coach: dict[str, list[RecurringSeries]] = {}
    for item in series:
        by_coach.setdefault(item.coach_id, []).append(item)

    create: list[PlannedSession] = []
    skipped_blocked: list[Occurrence] = []
    skipped_existing: list[Occurrence] = []
    collisions: list[Occurrence] = []
    clocks: dict[tzinfo, _WallClock] = {}

    for coach_id, coach_series in by_coach.items():
        calendar = calendars[coach_id]
        blocked = Timeline(calendar.blocked)
        additions = Timeline(calendar.additions)
        busy = Timeline(calendar.busy)
        existing = calendar.existing_keys
        seen: set[tuple[str, datetime]] = set()
        taken_starts: list[datetime] = []
        taken_ends: list[datetime] = []
        clock = clocks.get(calendar.tz)
        if clock is None:
            clock = clocks[calendar.tz] = _WallClock(calendar.tz)

        for item in coach_series:
            room_id = item.room_id or calendar.default_room_id
            for day in occurrence_dates(item, today, last_day):
                start, start_utc = clock.at(day, item.start_minute)
                end, end_utc = clock.at(day, item.end_minute)
                if not start_utc < end_utc:
                    continue
                interval = Interval._trusted(start, end, start_utc, end_utc)
                key = (item.id, start_utc)
                if key in existing or key in seen:
                    skipped_existing.append(Occurrence(item.id, coach_id, day, interval))
                    continue
                if blocked.overlaps(start_utc, end_utc) and not additions.covers(
                    start_utc, end_utc
                ):
                    skipped_blocked.append(Occurrence(item.id, coach_id, day, interval))
                    continue
                slot = bisect_right(taken_starts, start_utc)
                clash = busy.overlaps(start_utc, end_utc) or (
                    (slot > 0 and taken_ends[slot - 1] > start_utc)
                    or (slot < len(taken_starts) and taken_starts[slot] < end_utc)
                )
                if clash:
                    collisions.append(Occurrence(item.id, coach_id, day, interval))
                    continue
                seen.add(key)
                taken_starts.insert(slot, start_utc)
                taken_ends.insert(slot, end_utc)
                create.append(
                    PlannedSession(item.id, coach_id, item.member_id, room_id, interval, day)
                )

    create.sort(key=_planned_sort_key)
    skipped_blocked.sort(key=_planned_sort_key)
    skipped_existing.sort(key=_planned_sort_key)
    collisions.sort(key=_planned_sort_key)
    return MaterializationPlan(
        tuple(create), tuple(skipped_blocked), tuple(skipped_existing), tuple(collisions)
    )

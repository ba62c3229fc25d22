"""The nightly plan: which sessions of recurring bookings to create for the weeks ahead."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from operator import attrgetter

from .clock import UTC, local_datetime
from .intervals import Interval, Timeline, as_interval, to_utc
from .recurrence import Occurrence, RecurringSeries, occurrence_ordinals

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
            key if _is_utc(key[1]) else (key[0], to_utc(key[1], "existing session start"))
            for key in self.existing_keys
        )
        object.__setattr__(self, "existing_keys", keys)


_MISSING = object()


def _is_utc(instant: object) -> bool:
    """Whether ``instant`` is a datetime in UTC already, as the database hands them back."""
    return type(instant) is datetime and instant.tzinfo is UTC


class _WallClock:
    """The instants of wall-clock spans in one zone, remembered per (local date, start, end):
    many series share their times, so each is worked out once per run.

    Dates are proleptic ordinals (``date.toordinal``); ``interval`` is None when a spring gap
    swallows the whole span, so no session takes place that day.
    """

    __slots__ = ("tz", "spans", "days")

    def __init__(self, tz: tzinfo):
        self.tz = tz
        self.spans: dict[tuple[int, int, int], Interval | None] = {}
        self.days: dict[int, date] = {}

    def day(self, ordinal: int) -> date:
        found = self.days.get(ordinal)
        if found is None:
            found = self.days[ordinal] = date.fromordinal(ordinal)
        return found

    def interval(self, ordinal: int, start_minute: int, end_minute: int) -> Interval | None:
        key = (ordinal, start_minute, end_minute)
        found = self.spans.get(key, _MISSING)
        if found is _MISSING:
            day = self.day(ordinal)
            start = local_datetime(day, start_minute, self.tz)
            end = local_datetime(day, end_minute, self.tz)
            start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
            found = (
                Interval._trusted(start, end, start_utc, end_utc) if start_utc < end_utc else None
            )
            self.spans[key] = found
        return found


_planned_sort_key = attrgetter("interval.start_utc", "coach_id", "series_id")
"""Plan items in start order, then by coach and series: ``(start_utc, coach_id, series_id)``."""


def _by_coach(series: Iterable[RecurringSeries]) -> dict[str, list[RecurringSeries]]:
    by_coach: dict[str, list[RecurringSeries]] = {}
    for item in series:
        found = by_coach.get(item.coach_id)
        if found is None:
            by_coach[item.coach_id] = [item]
        else:
            found.append(item)
    return by_coach


def _horizon(today: date, weeks: int) -> tuple[int, int]:
    """The first and last local dates of the horizon, as ordinals."""
    first = today.toordinal()
    return first, first + 7 * weeks - 1


@dataclass(frozen=True, slots=True)
class Unfinished:
    """What is left to plan once the series already wholly materialized are set aside.

    ``series`` are those with at least one occurrence in the horizon not made yet, in the order
    given; ``done`` counts the occurrences of the others (each one made already); ``since`` is the
    earliest start of an occurrence not made yet (None when ``series`` is empty): the plan looks at
    no instant before it, so busy time, blocks and additions are needed only from there on.
    """

    series: tuple[RecurringSeries, ...]
    done: int
    since: datetime | None


def unfinished_series(
    series: Iterable[RecurringSeries],
    calendars: Mapping[str, CoachCalendar],
    today: date,
    weeks: int = HORIZON_WEEKS,
) -> Unfinished:
    """Set aside the series whose every occurrence in the horizon is already materialized.

    An occurrence already made takes no part in the plan's decisions (it is skipped before blocks
    and collisions are looked at, and reserves nothing), so planning only ``series`` of the answer
    with the same calendars gives the same ``create``, ``skipped_blocked`` and ``collisions`` as
    planning them all; ``skipped_existing`` merely lacks the ``done`` ones. Only ``tz`` and
    ``existing_keys`` of the calendars are read, so a caller can leave out the rest for coaches
    none of whose series is unfinished. Cheap: one set lookup per occurrence, on wall-clock spans
    shared between series, stopping at a series' first occurrence not made.
    """
    first_day, last_day = _horizon(today, weeks)
    unfinished: list[RecurringSeries] = []
    done = 0
    since: datetime | None = None
    clocks: dict[tzinfo, _WallClock] = {}
    for item in series:
        calendar = calendars[item.coach_id]
        existing = calendar.existing_keys
        clock = clocks.get(calendar.tz)
        if clock is None:
            clock = clocks[calendar.tz] = _WallClock(calendar.tz)
        spans = clock.spans
        series_id, start_minute, end_minute = item.id, item.start_minute, item.end_minute
        made = 0
        for ordinal in occurrence_ordinals(item, first_day, last_day):
            interval = spans.get((ordinal, start_minute, end_minute), _MISSING)
            if interval is _MISSING:
                interval = clock.interval(ordinal, start_minute, end_minute)
            if interval is None:
                continue
            if (series_id, interval.start_utc) not in existing:
                unfinished.append(item)
                if since is None or interval.start_utc < since:
                    since = interval.start_utc
                break
            made += 1
        else:
            done += made
    return Unfinished(tuple(unfinished), done, since)


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
    first_day, last_day = _horizon(today, weeks)
    create: list[PlannedSession] = []
    skipped_blocked: list[Occurrence] = []
    skipped_existing: list[Occurrence] = []
    collisions: list[Occurrence] = []
    clocks: dict[tzinfo, _WallClock] = {}

    for coach_id, coach_series in _by_coach(series).items():
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
            for ordinal in occurrence_ordinals(item, first_day, last_day):
                interval = clock.interval(ordinal, item.start_minute, item.end_minute)
                if interval is None:
                    continue
                start_utc, end_utc = interval.start_utc, interval.end_utc
                key = (item.id, start_utc)
                if key in existing or key in seen:
                    skipped_existing.append(
                        Occurrence(item.id, coach_id, clock.day(ordinal), interval)
                    )
                    continue
                if blocked.overlaps(start_utc, end_utc) and not additions.covers(
                    start_utc, end_utc
                ):
                    skipped_blocked.append(
                        Occurrence(item.id, coach_id, clock.day(ordinal), interval)
                    )
                    continue
                slot = bisect_right(taken_starts, start_utc)
                clash = busy.overlaps(start_utc, end_utc) or (
                    (slot > 0 and taken_ends[slot - 1] > start_utc)
                    or (slot < len(taken_starts) and taken_starts[slot] < end_utc)
                )
                if clash:
                    collisions.append(Occurrence(item.id, coach_id, clock.day(ordinal), interval))
                    continue
                seen.add(key)
                taken_starts.insert(slot, start_utc)
                taken_ends.insert(slot, end_utc)
                create.append(
                    PlannedSession(
                        item.id, coach_id, item.member_id, room_id, interval, clock.day(ordinal)
                    )
                )

    create.sort(key=_planned_sort_key)
    skipped_blocked.sort(key=_planned_sort_key)
    skipped_existing.sort(key=_planned_sort_key)
    collisions.sort(key=_planned_sort_key)
    return MaterializationPlan(
        tuple(create), tuple(skipped_blocked), tuple(skipped_existing), tuple(collisions)
    )

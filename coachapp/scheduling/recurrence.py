"""Recurring bookings: which local dates a series falls on, and when two series collide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from math import lcm

from .clock import MINUTES_PER_DAY, day_of_week, gap_days, is_gap_day, local_datetime
from .errors import ValidationError
from .intervals import Interval

RULES_SETTLE_YEAR = 2038
"""From this year on, every zone's offsets follow its fixed yearly rule (the tz database's table
ends by 2037), so the pattern of gap days repeats every 400 years, and on a two-week grid every
800 years."""

_PERIOD_YEARS = 800
_MAX_ORDINAL = date.max.toordinal()


@dataclass(frozen=True, slots=True)
class RecurringSeries:
    """A member's standing booking: every ``frequency`` weeks on one weekday, wall-clock times.

    ``day_of_week`` counts from 0 = Sunday. The first session is on the first matching weekday on
    or after ``start_date``; the last on or before ``end_date`` (inclusive; None = indefinite).
    """

    id: str
    coach_id: str
    day_of_week: int
    start_minute: int
    end_minute: int
    start_date: date
    end_date: date | None
    frequency: int
    member_id: str | None = None
    room_id: str | None = None


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One session of a series: its local date and the instants it takes on that date."""

    series_id: str
    coach_id: str
    local_date: date
    interval: Interval


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_series(series: RecurringSeries) -> None:
    """Refuse a recurring booking that cannot be laid out on a calendar.

    The weekday is 0 (Sunday) to 6, the times lie within one day with the start before the end,
    the frequency is 1 (weekly) or 2 (every other week), and the end date, if any, is not before
    the start date. Raises ``ValidationError`` naming the field at fault.
    """
    if not _is_int(series.day_of_week) or not 0 <= series.day_of_week <= 6:
        raise ValidationError(
            f"Day of week must be 0 (Sunday) to 6 (Saturday), not {series.day_of_week!r}.",
            "day_of_week",
        )
    start, end = series.start_minute, series.end_minute
    if not _is_int(start) or not 0 <= start < MINUTES_PER_DAY:
        raise ValidationError("The start time must be between 00:00 and 23:59.", "start_time")
    if not _is_int(end) or not start < end <= MINUTES_PER_DAY:
        raise ValidationError(
            "The end time must be after the start time, on the same day (24:00 at the latest).",
            "end_time",
        )
    if series.frequency not in (1, 2) or isinstance(series.frequency, bool):
        raise ValidationError(
            "Frequency must be 1 (every week) or 2 (every other week).", "frequency"
        )
    if not isinstance(series.start_date, date):
        raise ValidationError("The start date must be a date.", "start_date")
    if series.end_date is not None:
        if not isinstance(series.end_date, date):
            raise ValidationError("The end date must be a date.", "end_date")
        if series.end_date < series.start_date:
            raise ValidationError("The end date must not be before the start date.", "end_date")


def _step_days(series: RecurringSeries) -> int:
    if not _is_int(series.frequency) or series.frequency < 1:
        raise ValidationError(
            "Frequency must be 1 (every week) or 2 (every other week).", "frequency"
        )
    return 7 * series.frequency


def first_occurrence_date(series: RecurringSeries) -> date | None:
    """The date of a series' first session: its weekday on or after ``start_date``.

    None when that day is already past ``end_date``, so the series never takes place.
    """
    offset = (series.day_of_week - day_of_week(series.start_date)) % 7
    first = series.start_date + timedelta(days=offset)
    if series.end_date is not None and first > series.end_date:
        return None
    return first


def occurrence_ordinals(series: RecurringSeries, first_day: int, last_day: int) -> range:
    """``occurrence_dates`` as proleptic ordinals (``date.toordinal``), for loops over many series.

    Plain integer arithmetic: a date's ordinal modulo 7 is its day of week counted from Sunday, so
    the first occurrence and the first one in range are found without building any date.
    """
    start = series.start_date.toordinal()
    first = start + (series.day_of_week - start) % 7
    if first > _MAX_ORDINAL:
        raise OverflowError("date value out of range")
    last = last_day
    if series.end_date is not None:
        end = series.end_date.toordinal()
        if first > end:
            return range(0)
        last = min(last, end)
    step = _step_days(series)
    if first < first_day:
        first += -((first - first_day) // step) * step
    return range(first, last + 1, step)


def occurrence_dates(series: RecurringSeries, first_day: date, last_day: date) -> list[date]:
    """The local dates in ``[first_day, last_day]`` on which the series has a session.

    Every ``frequency`` weeks counted from the first occurrence (not from ``first_day``), so a
    bi-weekly series keeps its own weeks whatever range is asked for; none after ``end_date``.
    """
    days = occurrence_ordinals(series, first_day.toordinal(), last_day.toordinal())
    return [date.fromordinal(day) for day in days]


def occurrence_interval(series: RecurringSeries, day: date, tz: tzinfo) -> Interval | None:
    """The instants of the series' session on local date ``day`` in ``tz``.

    Wall-clock start and end in the coach's zone (see ``local_datetime``); None when a spring gap
    swallows the whole session, so it does not take place that day.
    """
    start = local_datetime(day, series.start_minute, tz)
    end = local_datetime(day, series.end_minute, tz)
    if not start < end:
        return None
    return Interval(start, end)


def occurrences(
    series: RecurringSeries, tz: tzinfo, first_day: date, last_day: date
) -> list[Occurrence]:
    """The sessions of a series on the local dates ``[first_day, last_day]``, in date order.

    Each keeps the series' wall-clock times in ``tz`` across daylight-saving changes.
    """
    out: list[Occurrence] = []
    for day in occurrence_dates(series, first_day, last_day):
        interval = occurrence_interval(series, day, tz)
        if interval is not None:
            out.append(Occurrence(series.id, series.coach_id, day, interval))
    return out


def _common_dates(a: RecurringSeries, b: RecurringSeries) -> tuple[date, int] | None:
    """The first date both series fall on and the step (days) of all their common dates.

    Two week progressions meet on an arithmetic progression with the least common multiple of
    their steps, or never (a bi-weekly pair on alternating weeks).
    """
    if a.day_of_week != b.day_of_week:
        return None
    first_a, first_b = first_occurrence_date(a), first_occurrence_date(b)
    if first_a is None or first_b is None:
        return None
    step_a, step_b = _step_days(a), _step_days(b)
    if step_a < step_b:
        first_a, first_b, step_a, step_b = first_b, first_a, step_b, step_a
    common_step = lcm(step_a, step_b)
    begin = max(first_a, first_b)
    candidate = first_a + timedelta(days=-((first_a - begin).days // step_a) * step_a)
    for _ in range(common_step // step_a):
        if (candidate - first_b).days % step_b == 0:
            return candidate, common_step
        candidate += timedelta(days=step_a)
    return None


def _collide_on(a: RecurringSeries, b: RecurringSeries, day: date, tz: tzinfo) -> bool:
    first = occurrence_interval(a, day, tz)
    second = occurrence_interval(b, day, tz)
    return first is not None and second is not None and first.overlaps(second)


def series_collision_dates(
    a: RecurringSeries, b: RecurringSeries, tz: tzinfo, limit: int = 5
) -> list[date]:
    """The first ``limit`` local dates on which both series have a session and the two overlap.

    Exact: only dates where both take place count (a bi-weekly pair on alternating weeks, or two
    series whose date ranges do not meet, never collide), and times are compared as instants in
    ``tz``, so a spring gap that shifts one session onto the other counts, and one that swallows a
    session does not. The common dates of two series are an arithmetic progression, so the answer
    for indefinite series is found without walking years of dates: on an ordinary day wall-clock
    overlap decides, and only the zone's spring-gap days need a closer look.
    """
    if limit <= 0:
        return []
    common = _common_dates(a, b)
    if common is None:
        return []
    day, step = common
    ends = [s.end_date for s in (a, b) if s.end_date is not None]
    last = min(ends) if ends else None
    if last is not None and day > last:
        return []
    found: list[date] = []
    if a.start_minute < b.end_minute and b.start_minute < a.end_minute:
        stride = timedelta(days=step)
        while last is None or day <= last:
            if not is_gap_day(day, tz) or _collide_on(a, b, day, tz):
                found.append(day)
                if len(found) >= limit:
                    break
            try:
                day += stride
            except OverflowError:
                break
        return found
    return _gap_day_collisions(a, b, tz, day, step, last, limit)


def _gap_day_collisions(
    a: RecurringSeries,
    b: RecurringSeries,
    tz: tzinfo,
    first: date,
    step: int,
    last: date | None,
    limit: int,
) -> list[date]:
    """Collisions of two series whose wall-clock times do not overlap: only on spring-gap days.

    Whether they collide on a gap day depends only on which wall-clock minutes the gap skips.
    Every kind of gap the zone will ever have shows up by the year after ``RULES_SETTLE_YEAR``, so
    each kind is tried once on a sample day, and dates are searched only if one of them collides.
    """
    settle = max(first.year, RULES_SETTLE_YEAR) + 1
    probe_end = settle if last is None else min(last.year, settle)
    samples: dict[tuple[int, int], date] = {}
    for year in range(first.year, probe_end + 1):
        for gap_day, lo, hi in gap_days(tz, year):
            if day_of_week(gap_day) == a.day_of_week:
                samples.setdefault((lo, hi), gap_day)
    colliding = {shape for shape, sample in samples.items() if _collide_on(a, b, sample, tz)}
    if not colliding:
        return []
    final_year = min(9998, settle + _PERIOD_YEARS) if last is None else last.year
    found: list[date] = []
    for year in range(first.year, final_year + 1):
        for gap_day, lo, hi in gap_days(tz, year):
            if gap_day < first or (last is not None and gap_day > last):
                continue
            if (gap_day - first).days % step == 0 and (lo, hi) in colliding:
                found.append(gap_day)
                if len(found) >= limit:
                    return found
    return found


def series_collide(a: RecurringSeries, b: RecurringSeries, tz: tzinfo) -> bool:
    """Whether two series of one coach would ever put two sessions on the coach at once."""
    return bool(series_collision_dates(a, b, tz, limit=1))

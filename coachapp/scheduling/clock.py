"""Wall-clock time: ``HH:MM`` times of day and local dates turned into instants in a zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache

from .errors import ValidationError

MINUTES_PER_DAY = 1440
DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")

_HHMM = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_ONE_DAY = timedelta(days=1)
_SAMPLE_STEP = timedelta(days=14)


def parse_hhmm(s: str, field: str | None = None) -> int:
    """Read a wall-clock time ``H:MM`` or ``HH:MM`` as minutes since local midnight.

    ``"24:00"`` is the end of the day (1440) so that a window can run to midnight; anything later,
    and any other ``24:xx``, is refused, as are seconds and 12-hour forms. Surrounding spaces are
    ignored. Errors are ``ValidationError`` naming ``field``.
    """
    if not isinstance(s, str):
        raise ValidationError("A time of day must be text such as 09:30.", field)
    match = _HHMM.fullmatch(s.strip())
    if match is None:
        raise ValidationError(f"{s!r} is not a time of day; use HH:MM, e.g. 09:30.", field)
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValidationError(f"{s.strip()} is not a time between 00:00 and 24:00.", field)
    return hours * 60 + minutes


def format_hhmm(minutes: int) -> str:
    """Write minutes since local midnight as ``HH:MM``; 1440 is ``24:00``, the end of the day."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ValidationError(f"{minutes!r} is not a number of minutes.")
    if not 0 <= minutes <= MINUTES_PER_DAY:
        raise ValidationError(f"{minutes} minutes is not a time between 00:00 and 24:00.")
    hours, rest = divmod(minutes, 60)
    return f"{hours:02d}:{rest:02d}"


def describe_minute(minutes: object) -> str:
    """``HH:MM`` for a valid minute, else the raw value: for messages about bad input."""
    try:
        return format_hhmm(minutes)  # type: ignore[arg-type]
    except ValidationError:
        return repr(minutes)


def day_of_week(day: date) -> int:
    """The spec's day number of a date: 0 = Sunday … 6 = Saturday (Python counts from Monday)."""
    return (day.weekday() + 1) % 7


def local_datetime(day: date, minute: int, tz: tzinfo) -> datetime:
    """The instant at which the wall clock in ``tz`` shows ``minute`` on local date ``day``.

    A weekly time is a wall-clock time, so it is built from the local date, never by adding hours
    to an instant. Minute 1440 is the next day's midnight. A time that does not exist (the spring
    gap) moves forward by the length of the gap, as RFC 5545 says: 02:30 on a day the clock jumps
    from 02:00 to 03:00 is 03:30. A time that happens twice (the autumn fold) is the first one.
    """
    if isinstance(minute, bool) or not isinstance(minute, int):
        raise ValidationError(f"{minute!r} is not a number of minutes.")
    if not 0 <= minute <= MINUTES_PER_DAY:
        raise ValidationError(f"{minute} minutes is not a time between 00:00 and 24:00.")
    if minute == MINUTES_PER_DAY:
        day, minute = day + _ONE_DAY, 0
    hours, minutes = divmod(minute, 60)
    wall = datetime(day.year, day.month, day.day, hours, minutes, tzinfo=tz)
    return wall.astimezone(UTC).astimezone(tz)


def is_gap_day(day: date, tz: tzinfo) -> bool:
    """Whether the clocks in ``tz`` jump forward during local date ``day`` (a spring-gap day).

    Only on such a day can two wall-clock ranges that do not overlap become overlapping instants,
    or a range become empty; on every other day later wall-clock times are later instants.
    """
    before = datetime(day.year, day.month, day.day, tzinfo=tz).utcoffset()
    after_day = day + _ONE_DAY
    after = datetime(after_day.year, after_day.month, after_day.day, tzinfo=tz).utcoffset()
    return after is not None and before is not None and after > before


@lru_cache(maxsize=16384)
def gap_days(tz: tzinfo, year: int) -> tuple[tuple[date, int, int], ...]:
    """The spring-gap days of ``tz`` in ``year``, each with the skipped wall-clock minutes.

    Each entry is ``(local date, first skipped minute, first minute after the gap)``. Offsets are
    sampled two weeks apart, so two changes of offset within two weeks that cancel out are not
    seen; no zone's rules do that.
    """
    found: list[tuple[date, int, int]] = []
    end = date(year + 1, 1, 1) if year < 9999 else date(9999, 12, 30)
    chunk = date(year, 1, 1)
    offset = _midnight_offset(chunk, tz)
    while chunk < end:
        nxt = min(chunk + _SAMPLE_STEP, end)
        nxt_offset = _midnight_offset(nxt, tz)
        if nxt_offset != offset:
            lo, hi = 0, (nxt - chunk).days
            while lo < hi:
                mid = (lo + hi) // 2
                if _midnight_offset(chunk + timedelta(days=mid), tz) == offset:
                    lo = mid + 1
                else:
                    hi = mid
            changed = chunk + timedelta(days=lo)
            if _midnight_offset(changed, tz) != nxt_offset:
                days = range((nxt - chunk).days)
                found.extend(
                    (day, *_gap_minutes(day, tz))
                    for day in (chunk + timedelta(days=i) for i in days)
                    if is_gap_day(day, tz)
                )
            elif is_gap_day(changed - _ONE_DAY, tz):
                found.append((changed - _ONE_DAY, *_gap_minutes(changed - _ONE_DAY, tz)))
        chunk, offset = nxt, nxt_offset
    return tuple(found)


def _midnight_offset(day: date, tz: tzinfo) -> timedelta | None:
    return datetime(day.year, day.month, day.day, tzinfo=tz).utcoffset()


def _gap_minutes(day: date, tz: tzinfo) -> tuple[int, int]:
    """The wall-clock minutes ``[first skipped, first existing after)`` of the gap on ``day``."""
    midnight = datetime(day.year, day.month, day.day)
    before = midnight.replace(tzinfo=tz).utcoffset()
    lo, hi = 0, MINUTES_PER_DAY
    while lo < hi:
        mid = (lo + hi) // 2
        if (midnight + timedelta(minutes=mid)).replace(tzinfo=tz).utcoffset() == before:
            lo = mid + 1
        else:
            hi = mid
    after = (midnight + timedelta(minutes=lo)).replace(tzinfo=tz).utcoffset()
    known = after is not None and before is not None  # a zero offset (UTC, GMT) is known too
    length = int((after - before).total_seconds() // 60) if known else 0
    return max(lo - length, 0), lo

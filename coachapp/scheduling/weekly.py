"""The weekly template: windows on days of the week, laid out on real dates in a coach's zone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from .clock import DAY_NAMES, MINUTES_PER_DAY, day_of_week, describe_minute, local_datetime
from .errors import ValidationError
from .intervals import Interval, IntervalLike, normalize, subtract, union


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """A coach's regular opening on one day of the week, in wall-clock minutes of their zone.

    ``day_of_week`` counts as the spec does, 0 = Sunday … 6 = Saturday. A window lies within one
    day (``0 <= start_minute < end_minute <= 1440``); one that runs to midnight ends at 1440.
    """

    day_of_week: int
    start_minute: int
    end_minute: int
    room_id: str | None = None
    is_individual: bool = True
    is_group: bool = False


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _span(window: WeeklyWindow) -> str:
    return f"{describe_minute(window.start_minute)}–{describe_minute(window.end_minute)}"


def validate_windows(windows: Iterable[WeeklyWindow]) -> None:
    """Refuse a weekly template a coach could not mean.

    Each window needs a day 0–6 and a start before its end within the day (00:00–24:00); two
    windows on the same day may touch but not overlap, because one hour cannot be offered twice.
    Raises ``ValidationError`` on field ``"windows"`` naming the times and the day.
    """
    by_day: dict[int, list[WeeklyWindow]] = {}
    for window in windows:
        day = window.day_of_week
        if not _is_int(day) or not 0 <= day <= 6:
            raise ValidationError(
                f"Day of week must be 0 (Sunday) to 6 (Saturday), not {day!r}.", "windows"
            )
        start, end = window.start_minute, window.end_minute
        if not (_is_int(start) and _is_int(end) and 0 <= start < end <= MINUTES_PER_DAY):
            raise ValidationError(
                f"The window {_span(window)} on {DAY_NAMES[day]} must start before it ends, "
                "within 00:00–24:00.",
                "windows",
            )
        by_day.setdefault(day, []).append(window)
    for day, day_windows in sorted(by_day.items()):
        day_windows.sort(key=lambda w: (w.start_minute, w.end_minute))
        for earlier, later in zip(day_windows, day_windows[1:], strict=False):
            if later.start_minute < earlier.end_minute:
                raise ValidationError(
                    f"{_span(earlier)} overlaps {_span(later)} on {DAY_NAMES[day]}.", "windows"
                )


def _window_interval(window: WeeklyWindow, day: date, tz: tzinfo) -> Interval | None:
    """The window on local date ``day``; None when the clock skips all of it that day."""
    start = local_datetime(day, window.start_minute, tz)
    end = local_datetime(day, window.end_minute, tz)
    if not start < end:
        return None
    return Interval(start, end)


def _dates(first_day: date, last_day: date) -> Iterable[date]:
    day = first_day
    one = timedelta(days=1)
    while day <= last_day:
        yield day
        day += one


def expand_weekly_windows(
    windows: Iterable[WeeklyWindow], tz: tzinfo, first_day: date, last_day: date
) -> list[tuple[WeeklyWindow, Interval]]:
    """Each window on each matching local date in ``[first_day, last_day]``, with its window.

    The interval is built from the local date and the wall-clock times, so a window keeps its
    clock time across daylight-saving changes (09:00 stays 09:00). Keeping the window lets a caller
    find the room of a slot. Sorted by start. A window wholly inside a spring gap has no instants
    on that day and is left out.
    """
    by_day: dict[int, list[WeeklyWindow]] = {}
    for window in windows:
        by_day.setdefault(window.day_of_week, []).append(window)
    out: list[tuple[WeeklyWindow, Interval]] = []
    for day in _dates(first_day, last_day):
        for window in by_day.get(day_of_week(day), ()):
            interval = _window_interval(window, day, tz)
            if interval is not None:
                out.append((window, interval))
    out.sort(key=lambda pair: (pair[1].start_utc, pair[1].end_utc))
    return out


def expand_weekly(
    windows: Iterable[WeeklyWindow], tz: tzinfo, first_day: date, last_day: date
) -> tuple[Interval, ...]:
    """The weekly template as instants over the local dates ``[first_day, last_day]``, normalized.

    Back-to-back windows (also 22:00–24:00 followed by the next day's 00:00–02:00) merge into one
    interval.
    """
    pairs = expand_weekly_windows(windows, tz, first_day, last_day)
    return normalize(interval for _, interval in pairs)


def availability(
    windows: Iterable[WeeklyWindow],
    tz: tzinfo,
    first_day: date,
    last_day: date,
    blocked: Iterable[IntervalLike] = (),
    additions: Iterable[IntervalLike] = (),
) -> tuple[Interval, ...]:
    """When the coach can be booked: (weekly template − blocked slots) ∪ availability additions.

    The template is laid out over the local dates ``[first_day, last_day]``; additions count as
    given, even outside those dates, because a coach who adds a slot means that slot. An addition
    wins over a blocked slot that covers the same time.
    """
    return open_time(expand_weekly_windows(windows, tz, first_day, last_day), blocked, additions)


def open_time(
    placed: Iterable[tuple[WeeklyWindow, Interval]],
    blocked: Iterable[IntervalLike] = (),
    additions: Iterable[IntervalLike] = (),
) -> tuple[Interval, ...]:
    """``availability`` from windows already laid out by ``expand_weekly_windows`` (a caller that
    also needs each window's room lays them out once)."""
    template = normalize(interval for _, interval in placed)
    return union(subtract(template, blocked), additions)

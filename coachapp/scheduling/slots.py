"""Bookable slots: where a session of a given length can still start."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .errors import ValidationError
from .intervals import Interval, IntervalLike, Timeline, in_zone, merged, to_utc


def _ceil_steps(span: timedelta, step: timedelta) -> int:
    """The smallest ``k`` with ``k * step >= span``."""
    return -((-span) // step)


def bookable_slots(
    available: Iterable[IntervalLike],
    busy: Iterable[IntervalLike],
    duration: timedelta,
    now: datetime,
    window_start: datetime | None = None,
    window_end: datetime | None = None,
) -> list[Interval]:
    """The slots a member may book, in order of start.

    Slots follow a fixed grid: they start at the beginning of each availability interval and step
    by ``duration``, so a coach's day reads 09:00, 10:00, 11:00 rather than starting wherever a
    gap happens to open. A slot is offered when it lies wholly inside that interval, overlaps no
    ``busy`` interval (the coach's scheduled sessions) and has not started (``start > now``).
    Steps are real time, so every slot lasts exactly ``duration``, also across an autumn fold.
    With ``window_start``/``window_end``, only slots starting in ``[window_start, window_end)``.
    Slots are shown in the zone of the availability interval they come from.
    """
    if not isinstance(duration, timedelta) or duration <= timedelta(0):
        raise ValidationError("The session length must be a positive duration.", "duration")
    now_utc = to_utc(now, "current time")
    lower = to_utc(window_start, "window start", "from") if window_start is not None else None
    upper = to_utc(window_end, "window end", "to") if window_end is not None else None
    timeline = Timeline(busy)
    busy_starts, busy_ends = timeline.starts, timeline.ends
    n_busy = len(busy_starts)
    slots: list[Interval] = []
    i = 0
    for piece in merged(available):
        origin, piece_end = piece.start_utc, piece.end_utc
        zone = piece.start.tzinfo
        steps = 0
        if now_utc >= origin:
            steps = (now_utc - origin) // duration + 1
        if lower is not None and lower > origin:
            steps = max(steps, _ceil_steps(lower - origin, duration))
        start = origin + steps * duration
        last_start = piece_end - duration
        if upper is not None and upper <= last_start:
            last_start = upper - timedelta.resolution
        while start <= last_start:
            end = start + duration
            while i < n_busy and busy_ends[i] <= start:
                i += 1
            if i < n_busy and busy_starts[i] < end:
                start = origin + _ceil_steps(busy_ends[i] - origin, duration) * duration
                continue
            slots.append(Interval._trusted(in_zone(start, zone), in_zone(end, zone), start, end))
            start = end
    return slots

"""Conflicts: scheduled sessions that no longer fit the coach's availability."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta, tzinfo

from .intervals import Interval, IntervalLike, Timeline, subtract
from .weekly import WeeklyWindow, availability

IN_BLOCKED_SLOT = "in_blocked_slot"
OUTSIDE_WEEKLY_TEMPLATE = "outside_weekly_template"


@dataclass(frozen=True, slots=True)
class SessionSpan:
    """A scheduled session to check: its id and the instants it takes."""

    session_id: str
    interval: Interval


@dataclass(frozen=True, slots=True)
class Conflict:
    """A session outside availability, and why.

    ``reason`` is ``in_blocked_slot`` or ``outside_weekly_template``.
    """

    session_id: str
    reason: str


def find_conflicts(
    sessions: Iterable[SessionSpan],
    windows: Iterable[WeeklyWindow],
    tz: tzinfo,
    blocked: Iterable[IntervalLike] = (),
    additions: Iterable[IntervalLike] = (),
) -> list[Conflict]:
    """The sessions that do not lie wholly inside availability, in the order given.

    A session the coach can no longer give is flagged rather than cancelled, so the coach decides.
    The reason is ``in_blocked_slot`` when part of it falls in a blocked slot that no addition
    re-opens, else ``outside_weekly_template``. The caller passes the scheduled future sessions of
    one coach; availability is laid out once over the local dates they span.
    """
    spans = list(sessions)
    if not spans:
        return []
    first = min(span.interval.start_utc for span in spans).astimezone(tz).date()
    last = max(span.interval.end_utc for span in spans).astimezone(tz).date()
    blocked = tuple(blocked)
    additions = tuple(additions)
    windows = tuple(windows)
    one_day = timedelta(days=1)
    open_time = Timeline(
        availability(windows, tz, first - one_day, last + one_day, blocked, additions)
    )
    closed = Timeline(subtract(blocked, additions))
    out: list[Conflict] = []
    for span in spans:
        start, end = span.interval.start_utc, span.interval.end_utc
        if open_time.covers(start, end):
            continue
        reason = IN_BLOCKED_SLOT if closed.overlaps(start, end) else OUTSIDE_WEEKLY_TEMPLATE
        out.append(Conflict(span.session_id, reason))
    return out

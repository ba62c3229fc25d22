"""Conflicts: scheduled sessions that no longer fit the coach's availability."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from .intervals import Interval, IntervalLike, Timeline, subtract
from .weekly import WeeklyWindow, expand_weekly_windows, open_time

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
    one coach; the weekly template is laid out only on the local dates around each session
    (``_date_runs``), so the cost follows the sessions checked, not how far apart they lie.
    """
    spans = list(sessions)
    if not spans:
        return []
    blocked = tuple(blocked)
    additions = tuple(additions)
    windows = tuple(windows)
    placed = []
    for first, last in _date_runs(spans, tz):
        placed.extend(expand_weekly_windows(windows, tz, first, last))
    open_now = Timeline(open_time(placed, blocked, additions))
    closed = Timeline(subtract(blocked, additions))
    out: list[Conflict] = []
    for span in spans:
        start, end = span.interval.start_utc, span.interval.end_utc
        if open_now.covers(start, end):
            continue
        reason = IN_BLOCKED_SLOT if closed.overlaps(start, end) else OUTSIDE_WEEKLY_TEMPLATE
        out.append(Conflict(span.session_id, reason))
    return out


def _date_runs(spans: Iterable[SessionSpan], tz: tzinfo) -> list[tuple[date, date]]:
    """The local dates the template must be laid out on to judge ``spans``, as ``(first, last)``
    runs of consecutive dates: each session's own dates and one day either side (a window of the
    evening before can run past midnight, and a session may span two back-to-back windows). A
    session next week and one two years later make two short runs, not two years of dates."""
    one_day = timedelta(days=1)
    wanted = sorted(
        (
            span.interval.start_utc.astimezone(tz).date() - one_day,
            span.interval.end_utc.astimezone(tz).date() + one_day,
        )
        for span in spans
    )
    runs: list[tuple[date, date]] = []
    for first, last in wanted:
        if runs and first <= runs[-1][1] + one_day:
            if last > runs[-1][1]:
                runs[-1] = (runs[-1][0], last)
        else:
            runs.append((first, last))
    return runs

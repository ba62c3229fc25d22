"""Laying out a coach's week on a grid: seven day columns × quarter-hour rows of the coach's hours.

Everything is placed by LOCAL wall-clock time of its day in the coach's zone, so a 10:00 session is
in the 10:00 row on both sides of a daylight-saving change. Positions become CSS classes
(``gc-`` column, ``gr-`` row, ``gs-`` row span) because the pages' Content-Security-Policy allows no
inline styles. Presentation only: which sessions are conflicts is the services' answer.

What a day shows depends on when it is (in the coach's zone): today's column is shaded and
carries the current-time line; a day before today draws what happened — its sessions (cancelled
ones struck through) — and not the weekly template, which describes the coach's hours from now on
(a template edit must not rewrite history). Blocked slots and additions are dated and shown on
every day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo

from ..scheduling import day_of_week
from ..services.coach_calendar import SessionRow, WeekData
from ..services.sessions import is_late_cancel
from ..vocab import Canceller, SessionStatus, SessionType
from .forms import KIND_LABELS, WindowRow

STEP = 15
"""Minutes per grid row."""
DEFAULT_HOURS = (8, 18)
"""The hours shown when a coach has no windows or sessions yet."""
HEADER_ROWS = 1
LATE_CANCEL = "late cancel"
"""How a cancelled session reads on the grid when its member cancelled too late."""


@dataclass(frozen=True)
class Day:
    """A column head: the local date, whether it is today and any clock change that day."""

    date: date
    column: int
    today: bool
    clock_change: str | None


@dataclass(frozen=True)
class Hour:
    """A row label: ``HH:00`` and its first grid row."""

    label: str
    row: int


@dataclass(frozen=True)
class Item:
    """Something placed on the grid: a template window, addition, blocked slot, session or
    cancelled session (kind ``struck``; ``state``: how it was cancelled, ``cancel_state``;
    ``beside``: it shares its time with another session, each takes half the column; ``fill``: a
    group class's places, ``fill_level``, on a line of its own)."""

    kind: str
    column: int
    row: int
    span: int
    start: str
    end: str
    label: str
    obj: object = None
    state: str = ""
    beside: bool = False
    fill: str = ""


@dataclass(frozen=True)
class NowLine:
    """The current-time line on today's column: the grid row of the quarter hour it falls in and
    the minutes into that quarter (``offset``, 0–14, a CSS class), the local ``minute`` of the
    day and the grid's first and last minutes (for coach.js, which moves it each minute)."""

    column: int
    row: int
    offset: int
    minute: int
    label: str


@dataclass(frozen=True)
class Grid:
    """The laid-out week."""

    days: list[Day]
    hours: list[Hour]
    items: list[Item]
    first_minute: int
    last_minute: int
    now_line: NowLine | None = None
    cancelled_count: int = 0

    def row_of(self, minute: int) -> int:
        """The grid row of a local minute of the day."""
        return HEADER_ROWS + 1 + (minute - self.first_minute) // STEP

    @property
    def columns(self) -> range:
        """The day columns' indexes (column 1 holds the hour labels)."""
        return range(2, 9)

    @property
    def row_count(self) -> int:
        """How many quarter-hour rows the hours take."""
        return (self.last_minute - self.first_minute) // STEP

    @property
    def today(self) -> Day | None:
        """Today's column head, when today is in this week."""
        return next((day for day in self.days if day.today), None)


def _minute_of(instant: datetime, day: date, tz: tzinfo) -> int:
    """Minutes since local midnight of ``day`` at ``instant``, clamped to the day (0–1440)."""
    local = instant.astimezone(tz)
    if local.date() < day:
        return 0
    if local.date() > day:
        return 1440
    return local.hour * 60 + local.minute


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _clock_change(day: date, tz: tzinfo) -> str | None:
    before = datetime(day.year, day.month, day.day, 12, tzinfo=tz) - timedelta(hours=12)
    after = datetime(day.year, day.month, day.day, 12, tzinfo=tz) + timedelta(hours=12)
    offset_before, offset_after = (
        before.astimezone(tz).utcoffset(),
        after.astimezone(tz).utcoffset(),
    )
    if offset_before is None or offset_after is None or offset_before == offset_after:
        return None
    return "Clocks go forward" if offset_after > offset_before else "Clocks go back"


def _spans_of(start: datetime, end: datetime, days: list[date], tz: tzinfo):
    """The parts of ``[start, end)`` on each local day of the week: (column index, from, to)."""
    for index, day in enumerate(days):
        lo, hi = _minute_of(start, day, tz), _minute_of(end, day, tz)
        if hi > lo:
            yield index, lo, hi


def fill_level(data: WeekData, session) -> str:
    """A group class's places: "6/8", and "6/8 · 2 waiting" with a waitlist."""
    level = f"{data.booked.get(session.id, 0)}/{session.capacity}"
    waiting = data.waiting.get(session.id, 0)
    return f"{level} · {waiting} waiting" if waiting else level


def session_label(data: WeekData, session) -> str:
    """Who a session is for: the member's name, or a group's title and fill level."""
    if session.type == SessionType.GROUP:
        return f"{session.title} · {fill_level(data, session)}"
    return data.member_names.get(session.member_id) or session.title


def cancel_state(data: WeekData, session: SessionRow) -> str:
    """How a cancelled session is named on the grid: "late cancel" when its member cancelled
    inside the coach's cancellation window (the billable rule, ``sessions.is_late_cancel``),
    else the session's status (cancelled)."""
    late = (
        session.cancelled_by == Canceller.MEMBER
        and session.cancelled_at is not None
        and is_late_cancel(
            session.start_time, data.settings.cancellation_window_hours, session.cancelled_at
        )
    )
    return LATE_CANCEL if late else SessionStatus.CANCELLED.value


def _session_part(session: SessionRow, days: list[date], monday: date, tz: tzinfo):
    """A session's column index and local minutes on its start day (None outside the week)."""
    index = (session.start_time.astimezone(tz).date() - monday).days
    if not 0 <= index < 7:
        return None
    day = days[index]
    lo = _minute_of(session.start_time, day, tz)
    hi = max(_minute_of(session.end_time, day, tz), lo + STEP)
    return index, lo, min(hi, 1440)


def build(
    data: WeekData, today: date, *, now: datetime | None = None, show_cancelled: bool = True
) -> Grid:
    """Lay out ``data`` on the grid; ``today`` is the coach's local date (shaded, with the
    current-time line at ``now`` when given). Days before ``today`` draw no weekly template.
    ``show_cancelled``: strike cancelled sessions through (else leave them out)."""
    tz = data.tz
    days = data.days
    raw: list[tuple[str, int, int, int, str, object]] = []
    for index, day in enumerate(days):
        if day < today:
            continue  # the past is drawn from what happened, not from today's template
        for window in data.windows:
            if window.day_of_week != day_of_week(day):
                continue
            start = int(window.start_time[:2]) * 60 + int(window.start_time[3:])
            end = int(window.end_time[:2]) * 60 + int(window.end_time[3:])
            row = WindowRow.of(window)
            room = data.rooms.get(window.room_id, "")
            label = " · ".join(p for p in (KIND_LABELS[row.kind], room) if p)
            raw.append(("window", index, start, end, label, window))
    for addition in data.additions:
        for index, lo, hi in _spans_of(addition.start_time, addition.end_time, days, tz):
            raw.append(
                ("addition", index, lo, hi, addition.reason or "Extra availability", addition)
            )
    for blocked in data.blocked:
        for index, lo, hi in _spans_of(blocked.start_time, blocked.end_time, days, tz):
            raw.append(("blocked", index, lo, hi, blocked.reason or "Blocked", blocked))

    def placed(kind: str, rows) -> list[tuple[int, int, int]]:
        """Put ``rows`` (sessions) on the grid as ``kind``; their (day, from, to) parts."""
        parts = []
        for session in rows:
            part = _session_part(session, days, data.monday, tz)
            if part is not None:
                parts.append(part)
                raw.append((kind, *part, session_label(data, session), session))
        return parts

    live = placed("session", data.sessions)
    struck = placed("struck", data.cancelled if show_cancelled else [])

    def shares(part: tuple[int, int, int], others: list[tuple[int, int, int]]) -> bool:
        index, lo, hi = part
        return any(i == index and a < hi and b > lo for i, a, b in others)

    shaping = [r for r in raw if r[0] != "blocked"]
    if shaping:
        first = min(r[2] for r in shaping) // 60 * 60
        last = -(-max(r[3] for r in shaping) // 60) * 60
    else:
        first, last = DEFAULT_HOURS[0] * 60, DEFAULT_HOURS[1] * 60
    last = max(last, first + 60)

    grid = Grid(
        days=[
            Day(day, index + 2, day == today, _clock_change(day, tz))
            for index, day in enumerate(days)
        ],
        hours=[],
        items=[],
        first_minute=first,
        last_minute=last,
    )
    for minute in range(first, last, 60):
        grid.hours.append(Hour(_hhmm(minute), grid.row_of(minute)))
    order = {
        "window": 0,
        "blocked": 1,
        "addition": 2,
        "struck": 3,
        "session": 4,
    }  # additions re-open blocked time
    for kind, index, lo, hi, label, obj in sorted(raw, key=lambda r: (order[r[0]], r[1], r[2])):
        top, bottom = max(lo, first), min(hi, last)
        if bottom <= top:
            continue
        row = grid.row_of(top)
        aligned = top - (top - first) % STEP
        span = max(1, -(-(bottom - aligned) // STEP))
        state, beside, fill = "", False, ""
        if kind in ("session", "struck") and obj.type == SessionType.GROUP:
            fill = fill_level(data, obj)
        if kind == "struck":
            state, beside = cancel_state(data, obj), shares((index, lo, hi), live)
        elif kind == "session":
            beside = shares((index, lo, hi), struck)
        grid.items.append(
            Item(kind, index + 2, row, span, _hhmm(lo), _hhmm(hi), label, obj, state, beside, fill)
        )
    now_line = None
    if today in days and now is not None:
        minute = _minute_of(now, today, tz)
        if first <= minute < last:
            now_line = NowLine(
                column=days.index(today) + 2,
                row=grid.row_of(minute),
                offset=(minute - first) % STEP,
                minute=minute,
                label=_hhmm(minute),
            )
    return replace(grid, now_line=now_line, cancelled_count=len(data.cancelled))

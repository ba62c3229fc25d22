"""How far ahead anything may start: the one rule for sessions, bookings, series, blocked slots and
additions (api-v1.md, second wave: "no … may start more than 2 years after now").

A start later than ``now + MAX_AHEAD`` is refused with ``ValidationFailed`` naming the field
(422 ``validation_error`` on the API, an inline message on the pages). A date (a series' start, the
first day of a slot search) is judged by the same instant: a local date is too far when it begins
after ``latest_start`` in the coach's zone. A series may end later than that, but no occurrence is
ever made beyond it; the nightly job makes each one once it comes within reach. Without the rule, a
booking in year 8999 made every page that checks a coach's conflicts lay out seven thousand years
of weekly windows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import TypeVar

from ..models import utcnow
from .errors import ValidationFailed

MAX_AHEAD_DAYS = 730
"""Two years, counted as 730 days of 24 hours from the instant of the request."""
MAX_AHEAD = timedelta(days=MAX_AHEAD_DAYS)

T = TypeVar("T")


def latest_start(now: datetime | None = None) -> datetime:
    """The latest instant anything may start at, seen from ``now`` (default: the clock)."""
    return (now or utcnow()) + MAX_AHEAD


def last_day(tz: tzinfo, now: datetime | None = None) -> date:
    """The last local date in ``tz`` on which something may still start."""
    return latest_start(now).astimezone(tz).date()


def too_far(field: str, tz: tzinfo, now: datetime | None = None) -> ValidationFailed:
    """The refusal, naming ``field`` and the latest start in the coach's zone."""
    latest = latest_start(now).astimezone(tz)
    return ValidationFailed(
        "nothing can start more than 2 years ahead; the latest start is "
        f"{latest:%a} {latest.day} {latest:%b %Y %H:%M}.",
        field=field,
    )


def check_start(start: datetime, field: str, tz: tzinfo, now: datetime | None = None) -> None:
    """Refuse an instant ``start`` later than ``latest_start(now)``."""
    if start > latest_start(now):
        raise too_far(field, tz, now)


def check_day(day: date, field: str, tz: tzinfo, now: datetime | None = None) -> None:
    """Refuse a local date in ``tz`` that begins after ``latest_start(now)``."""
    if day > last_day(tz, now):
        raise too_far(field, tz, now)


def within(planned: Iterable[T], now: datetime | None = None) -> list[T]:
    """The planned occurrences (``.interval.start_utc``) that start within reach of ``now``: what
    may be materialized; the rest waits for a later night."""
    latest = latest_start(now)
    return [p for p in planned if p.interval.start_utc <= latest]


__all__ = [
    "MAX_AHEAD",
    "MAX_AHEAD_DAYS",
    "check_day",
    "check_start",
    "last_day",
    "latest_start",
    "too_far",
    "within",
]

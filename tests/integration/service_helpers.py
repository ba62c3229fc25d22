"""Shared constants and helpers of the service tests (dates in 2027, Berlin wall-clock times)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 3, 1, 7, 0, tzinfo=BERLIN)  # Monday 1 March 2027, 07:00 in Berlin
TODAY = NOW.date()


def at(day: str, hhmm: str, tz: ZoneInfo = BERLIN) -> datetime:
    """An aware instant: local date ``YYYY-MM-DD`` and wall-clock ``HH:MM`` in ``tz``."""
    d = date.fromisoformat(day)
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(d.year, d.month, d.day, hours, minutes, tzinfo=tz)


def book(gym, member, day: str, start: str, end: str, coach=None):
    """A one-time session on ``day`` from ``start`` to ``end`` (Berlin) for ``member`` with
    ``coach`` (default the gym's coach Carla), booked by the admin at NOW."""
    from coachapp.services import bookings

    coach_id = (coach or gym.coach).id
    return bookings.book_one_time(
        gym.admin, coach_id, at(day, start), at(day, end), member_id=member.id, now=NOW
    )[1]

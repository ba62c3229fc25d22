"""A coach's booking rules for members: how far ahead (the booking horizon, in days) and how soon
(the minimum notice, in minutes) a member may book.

The horizon counts local dates in the coach's zone: with 56 days, a session on the coach's local
date D may be booked from 00:00 on D − 56 days (so a whole day's sessions open at once, as gyms
announce "booking opens Monday 00:00"). The notice is real time: a start at least
``min_notice_minutes`` after now. Coaches and admins are not bound; the services decide who is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from .clock import local_datetime

TOO_SOON = "too_soon"
BEYOND_HORIZON = "beyond_horizon"


@dataclass(frozen=True)
class BookingRules:
    """One coach's limits for a member, in the coach's zone ``tz``."""

    horizon_days: int
    min_notice_minutes: int
    tz: tzinfo

    def earliest_start(self, now: datetime) -> datetime:
        """The first instant a session may start at when booked at ``now``."""
        return now + timedelta(minutes=self.min_notice_minutes)

    def last_day(self, now: datetime) -> date:
        """The last local date (coach's zone) on which a session may be booked at ``now``."""
        return now.astimezone(self.tz).date() + timedelta(days=self.horizon_days)

    def opens_at(self, day: date) -> datetime:
        """When booking opens for sessions on the local date ``day``: 00:00 of ``day`` − horizon."""
        return local_datetime(day - timedelta(days=self.horizon_days), 0, self.tz)

    def refusal(self, start: datetime, now: datetime) -> str | None:
        """Why a session starting at ``start`` may not be booked at ``now`` (``TOO_SOON`` or
        ``BEYOND_HORIZON``), or None when it may."""
        if start < self.earliest_start(now):
            return TOO_SOON
        if start.astimezone(self.tz).date() > self.last_day(now):
            return BEYOND_HORIZON
        return None

    def allows(self, start: datetime, now: datetime) -> bool:
        """True when a session starting at ``start`` may be booked at ``now``."""
        return self.refusal(start, now) is None


def horizon_words(days: int) -> str:
    """The horizon as a member reads it: "8 weeks" for 56 days, "10 days" for 10, "1 day"."""
    if days % 7 == 0:
        weeks = days // 7
        return f"{weeks} week{'s' if weeks != 1 else ''}"
    return f"{days} day{'s' if days != 1 else ''}"


def notice_words(minutes: int) -> str:
    """The notice as a member reads it: "2 hours", "90 minutes", "1 day", "1 hour 30 minutes"."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if mins or not parts:
        parts.append(f"{mins} minute{'s' if mins != 1 else ''}")
    return " ".join(parts)


__all__ = ["BEYOND_HORIZON", "TOO_SOON", "BookingRules", "horizon_words", "notice_words"]

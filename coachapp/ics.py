"""iCalendar files ("add to calendar") and calendar feeds for training sessions.

Times are written in the coach's zone (``DTSTART;TZID=Europe/Berlin:…``) with that zone's
VTIMEZONE, so a calendar shows the wall-clock time the coach set, across DST changes. The UID is
stable per session (``session-<id>@coachapp``): importing the file again, or the next refresh of a
subscribed feed, updates the same event; a cancelled session stays in with ``STATUS:CANCELLED``.
The single-session file and the feed write the same VEVENT, SEQUENCE and LAST-MODIFIED included
(``services.feeds``), so a calendar that imported the file before a cancellation or a move replaces
its copy when the file is imported again (RFC 5545: same UID, higher SEQUENCE wins).

A feed (and a reminder mail's file) gives each confirmed event of a scheduled session a ``VALARM``
at the reminder offset (``COACHAPP_REMINDER_HOURS`` before its start, ``TRIGGER:-PT24H`` by
default), the same moment the app's reminder is sent; cancelled events and waitlist places get none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vDuration

from .models import TrainingSession
from .vocab import EventStatus, SessionStatus

PRODID = "-//coachapp//member pages//EN"
FEED_PRODID = "-//coachapp//calendar feed//EN"
FEED_REFRESH = timedelta(hours=1)
"""How often a subscribed calendar is asked to fetch the feed again (a hint; clients decide)."""


@dataclass(frozen=True)
class FeedEvent:
    """One session as a feed shows it to one person.

    ``status`` is the iCalendar STATUS (``CONFIRMED``, ``TENTATIVE`` for a waitlist place,
    ``CANCELLED``); ``sequence`` and ``last_modified`` grow whenever the session (or the person's
    place in it) changes, so calendars replace their copy.
    """

    session: TrainingSession
    zone: ZoneInfo
    summary: str
    status: str
    sequence: int
    last_modified: datetime
    location: str | None = None
    description: str | None = None


def session_uid(session: TrainingSession) -> str:
    """The stable iCalendar UID of a session."""
    return f"session-{session.id}@coachapp"


class ExactDuration(vDuration):
    """A duration written in hours and minutes (``-PT24H``), never in days: RFC 5545 reads
    ``-P1D`` as a calendar day, which across a DST change is 23 or 25 hours, while the reminder
    goes out exactly ``COACHAPP_REMINDER_HOURS`` before the start."""

    def to_ical(self) -> bytes:
        seconds = int(self.td.total_seconds())
        hours, rest = divmod(abs(seconds), 3600)
        minutes = f"{rest // 60}M" if rest // 60 else ""
        return f"{'-' if seconds < 0 else ''}PT{hours}H{minutes}".encode()


def reminder_alarm(summary: str, before: timedelta) -> Alarm:
    """A ``VALARM`` that shows ``summary`` ``before`` the event starts (``TRIGGER:-PT24H``)."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Reminder: {summary}")
    alarm["TRIGGER"] = ExactDuration(-before)
    return alarm


def _vevent(item: FeedEvent, stamp: datetime, alarm: timedelta | None = None) -> Event:
    """The VEVENT of one session as ``item`` describes it (``stamp``: DTSTAMP, in UTC), with a
    reminder ``alarm`` before its start when given and the event is a confirmed place in a
    scheduled session."""
    session = item.session
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", stamp)
    event.add("created", session.created_at.astimezone(UTC))
    event.add("last-modified", item.last_modified.astimezone(UTC))
    event.add("sequence", item.sequence)
    event.add("dtstart", session.start_time.astimezone(item.zone))
    event.add("dtend", session.end_time.astimezone(item.zone))
    event.add("summary", item.summary)
    if item.location:
        event.add("location", item.location)
    if item.description:
        event.add("description", item.description)
    event.add("status", item.status)
    event.add("transp", "TRANSPARENT" if item.status == EventStatus.CANCELLED else "OPAQUE")
    if (
        alarm is not None
        and item.status == EventStatus.CONFIRMED
        and session.status == SessionStatus.SCHEDULED
    ):
        event.add_component(reminder_alarm(item.summary, alarm))
    return event


def session_calendar(
    item: FeedEvent, stamp: datetime | None = None, alarm: timedelta | None = None
) -> bytes:
    """A VCALENDAR with one VEVENT for ``item``'s session, in its coach's zone, as bytes.

    The event is the one the person's feed shows (same UID, SEQUENCE, STATUS): a cancelled
    session is ``STATUS:CANCELLED`` with a higher SEQUENCE, so re-importing the file replaces the
    earlier import instead of being ignored as stale. ``alarm``: a reminder that long before.
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add_component(_vevent(item, (stamp or datetime.now(UTC)).astimezone(UTC), alarm))
    day = item.session.start_time.astimezone(item.zone).date()
    # Only the zone's rules around the session: a small file that is still right for it.
    cal.add_missing_timezones(
        first_date=day - timedelta(days=366), last_date=day + timedelta(days=366)
    )
    return cal.to_ical()


def feed_calendar(
    events: Iterable[FeedEvent],
    name: str,
    zone: ZoneInfo,
    stamp: datetime | None = None,
    alarm: timedelta | None = None,
) -> bytes:
    """A subscribable VCALENDAR of ``events`` named ``name`` (``zone``: the calendar's default
    zone), with a VTIMEZONE for every zone an event uses, as bytes; ``alarm``: a reminder that
    long before each confirmed event of a scheduled session."""
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    cal = Calendar()
    cal.add("prodid", FEED_PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", zone.key)
    cal.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(FEED_REFRESH).to_ical().decode())
    days = []
    for item in events:
        cal.add_component(_vevent(item, stamp, alarm))
        days.append(item.session.start_time.astimezone(item.zone).date())
    if days:
        cal.add_missing_timezones(
            first_date=min(days) - timedelta(days=366), last_date=max(days) + timedelta(days=366)
        )
    return cal.to_ical()


__all__ = [
    "FEED_PRODID",
    "PRODID",
    "FeedEvent",
    "feed_calendar",
    "reminder_alarm",
    "session_calendar",
    "session_uid",
]

"""iCalendar files ("add to calendar") for training sessions.

Times are written in the coach's zone (``DTSTART;TZID=Europe/Berlin:…``) with that zone's
VTIMEZONE, so a calendar shows the wall-clock time the coach set, across DST changes. The UID is
stable per session (``session-<id>@coachapp``): importing the file again updates the same event.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from .models import TrainingSession

PRODID = "-//coachapp//member pages//EN"


def session_uid(session: TrainingSession) -> str:
    """The stable iCalendar UID of a session."""
    return f"session-{session.id}@coachapp"


def session_calendar(
    session: TrainingSession,
    zone: ZoneInfo,
    coach_name: str,
    room_name: str | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """A VCALENDAR with one VEVENT for ``session``, in ``zone`` (the coach's), as bytes.

    A cancelled session is written ``STATUS:CANCELLED`` so a re-import removes it from view.
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", session.start_time.astimezone(zone))
    event.add("dtend", session.end_time.astimezone(zone))
    event.add("summary", f"{session.title} with {coach_name}")
    if room_name:
        event.add("location", room_name)
    event.add("status", "CANCELLED" if session.status == "cancelled" else "CONFIRMED")
    cal.add_component(event)
    day = session.start_time.astimezone(zone).date()
    # Only the zone's rules around the session: a small file that is still right for it.
    cal.add_missing_timezones(
        first_date=day - timedelta(days=366), last_date=day + timedelta(days=366)
    )
    return cal.to_ical()


__all__ = ["PRODID", "session_calendar", "session_uid"]

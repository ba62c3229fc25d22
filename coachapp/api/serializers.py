"""Rows to the contract's JSON: ids as strings, instants as ISO 8601 in the coach's time zone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import (
    AvailabilityAddition,
    BlockedSlot,
    Booking,
    CoachSettings,
    Notification,
    RecurringBooking,
    Room,
    TrainingSession,
    User,
    WeeklyAvailability,
)


def sid(value: int | None) -> str | None:
    """An id as the API shows it: a string, or null."""
    return None if value is None else str(value)


def instant(value: datetime | None, zone: tzinfo) -> str | None:
    """An instant as ISO 8601 with the offset of ``zone``, to the second."""
    if value is None:
        return None
    return value.astimezone(zone).isoformat(timespec="seconds")


def day(value: date | None) -> str | None:
    """A date as ``YYYY-MM-DD``, or null."""
    return None if value is None else value.isoformat()


def gym_zone() -> ZoneInfo:
    """The gym's own zone (``COACHAPP_TIMEZONE``): for dates in queries not tied to one coach."""
    return ZoneInfo(current_app.config["COACHAPP_TIMEZONE"])


class Zones:
    """Coach time zones, loaded once per request for all the coaches a response mentions."""

    def __init__(self, coach_ids: Iterable[int] = ()):
        self._zones: dict[int, ZoneInfo] = {}
        self.load(coach_ids)

    def load(self, coach_ids: Iterable[int]) -> None:
        """Fetch the zones of ``coach_ids`` not yet known, in one query."""
        wanted = {c for c in coach_ids if c is not None and c not in self._zones}
        if not wanted:
            return
        rows = db.session.execute(
            select(CoachSettings.coach_id, CoachSettings.timezone).where(
                CoachSettings.coach_id.in_(wanted)
            )
        )
        for coach_id, name in rows:
            self._zones[coach_id] = _zone(name)

    def __getitem__(self, coach_id: int) -> ZoneInfo:
        if coach_id not in self._zones:
            self.load([coach_id])
        return self._zones.get(coach_id) or gym_zone()


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else gym_zone()
    except (ValueError, KeyError, OSError):
        return gym_zone()


def coach_json(user: User, settings: CoachSettings | None) -> dict:
    """A coach as ``GET /coaches`` lists it."""
    return {
        "id": sid(user.id),
        "name": user.name,
        "timezone": settings.timezone if settings else current_app.config["COACHAPP_TIMEZONE"],
        "default_duration": settings.default_duration if settings else 60,
        "default_room_id": sid(settings.default_room_id) if settings else None,
        "booking_horizon_days": settings.booking_horizon_days if settings else 56,
        "min_notice_minutes": settings.min_notice_minutes if settings else 120,
    }


def settings_json(settings: CoachSettings) -> dict:
    """A coach's settings (``PATCH /coaches/{id}/settings``)."""
    return {
        "coach_id": sid(settings.coach_id),
        "timezone": settings.timezone,
        "default_duration": settings.default_duration,
        "default_room_id": sid(settings.default_room_id),
        "cancellation_window_hours": settings.cancellation_window_hours,
        "booking_horizon_days": settings.booking_horizon_days,
        "min_notice_minutes": settings.min_notice_minutes,
    }


def notification_json(row: Notification, user: User) -> dict:
    """A notification, its times in the user's zone (else the gym's)."""
    zone = _zone(user.timezone)
    return {
        "id": sid(row.id),
        "kind": row.kind,
        "message": row.message,
        "session_id": sid(row.session_id),
        "created_at": instant(row.created_at, zone),
        "read_at": instant(row.read_at, zone),
    }


def user_json(user: User) -> dict:
    """The caller's own account (``GET /me``)."""
    return {
        "id": sid(user.id),
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "timezone": user.timezone,
    }


def room_json(room: Room) -> dict:
    """A room."""
    return {"id": sid(room.id), "name": room.name}


def window_json(window: WeeklyAvailability) -> dict:
    """A weekly availability window: weekday and wall-clock times in the coach's zone."""
    return {
        "id": sid(window.id),
        "day_of_week": window.day_of_week,
        "start_time": window.start_time,
        "end_time": window.end_time,
        "room_id": sid(window.room_id),
        "is_individual": bool(window.is_individual),
        "is_group": bool(window.is_group),
    }


def session_json(
    session: TrainingSession, zone: tzinfo, conflict_reason: str | None = None
) -> dict:
    """The contract's ``session`` object, plus ``title`` (and ``conflict_reason`` for conflicts)."""
    body = {
        "id": sid(session.id),
        "coach_id": sid(session.coach_id),
        "member_id": sid(session.member_id),
        "room_id": sid(session.room_id),
        "start_time": instant(session.start_time, zone),
        "end_time": instant(session.end_time, zone),
        "type": session.type,
        "status": session.status,
        "recurring_booking_id": sid(session.recurring_booking_id),
        "one_time_booking_id": sid(session.one_time_booking_id),
        "capacity": session.capacity,
        "title": session.title,
    }
    if conflict_reason is not None:
        body["conflict_reason"] = conflict_reason
    return body


def sessions_json(sessions: Iterable[TrainingSession], zones: Zones | None = None) -> list[dict]:
    """Many sessions, each in its own coach's zone."""
    sessions = list(sessions)
    zones = zones or Zones()
    zones.load(s.coach_id for s in sessions)
    return [session_json(s, zones[s.coach_id]) for s in sessions]


def conflicts_json(conflicts: Iterable, zones: Zones | None = None) -> list[dict]:
    """Conflict views (``.session``, ``.reason``) as sessions with ``conflict_reason``."""
    conflicts = list(conflicts)
    zones = zones or Zones()
    zones.load(c.session.coach_id for c in conflicts)
    return [
        session_json(c.session, zones[c.session.coach_id], getattr(c, "reason", None))
        for c in conflicts
    ]


def blocked_slot_json(slot: BlockedSlot, zone: tzinfo) -> dict:
    """A blocked slot."""
    return {
        "id": sid(slot.id),
        "coach_id": sid(slot.coach_id),
        "start_time": instant(slot.start_time, zone),
        "end_time": instant(slot.end_time, zone),
        "reason": slot.reason,
    }


def addition_json(addition: AvailabilityAddition, zone: tzinfo) -> dict:
    """An availability addition."""
    return {
        "id": sid(addition.id),
        "coach_id": sid(addition.coach_id),
        "start_time": instant(addition.start_time, zone),
        "end_time": instant(addition.end_time, zone),
        "room_id": sid(addition.room_id),
        "reason": addition.reason,
    }


def slot_json(slot, zone: tzinfo) -> dict:
    """A bookable slot (``.start``, ``.end``, ``.room_id``)."""
    return {
        "start_time": instant(slot.start, zone),
        "end_time": instant(slot.end, zone),
        "room_id": sid(slot.room_id),
    }


def booking_json(booking: Booking, session: TrainingSession | None, zone: tzinfo) -> dict:
    """A one-time booking; ``coach_id`` comes from its session."""
    return {
        "id": sid(booking.id),
        "status": booking.status,
        "member_id": sid(booking.member_id),
        "session_id": sid(booking.session_id),
        "coach_id": sid(session.coach_id) if session is not None else None,
        "late_cancel": bool(booking.late_cancel),
        "created_at": instant(booking.created_at, zone),
        "cancelled_at": instant(booking.cancelled_at, zone),
    }


def class_json(item, zone: tzinfo) -> dict:
    """A group class (``group_classes.GroupClass``): its session plus ``booked`` (confirmed
    places), ``places_left`` and ``waitlist_count``."""
    return {
        **session_json(item.session, zone),
        "booked": item.booked,
        "places_left": item.places_left,
        "waitlist_count": item.waitlisted,
    }


def classes_json(items: Iterable, zones: Zones | None = None) -> list[dict]:
    """Many group classes, each in its own coach's zone."""
    items = list(items)
    zones = zones or Zones()
    zones.load(i.session.coach_id for i in items)
    return [class_json(i, zones[i.session.coach_id]) for i in items]


def recurring_json(series: RecurringBooking, zone: tzinfo) -> dict:
    """A recurring booking (a series): a member's, or a coach's group class series (``session_type``
    ``GROUP``, no member, with ``title`` and ``capacity``)."""
    return {
        "id": sid(series.id),
        "coach_id": sid(series.coach_id),
        "member_id": sid(series.member_id),
        "session_type": series.session_type,
        "title": series.title,
        "capacity": series.capacity,
        "day_of_week": series.day_of_week,
        "start_time": series.start_time,
        "end_time": series.end_time,
        "start_date": day(series.start_date),
        "end_date": day(series.end_date),
        "frequency": series.frequency,
        "status": series.status,
        "room_id": sid(series.room_id),
        "created_at": instant(series.created_at, zone),
        "cancelled_at": instant(series.cancelled_at, zone),
    }


def statements_json(statements: Iterable) -> list[dict]:
    """Billing statements; each line's times in its coach's zone."""
    statements = list(statements)
    zones = Zones(line.coach_id for st in statements for line in st.lines)
    return [
        {
            "member_id": sid(st.member_id),
            "member_name": st.member_name,
            "month": st.month,
            "lines": [
                {
                    "session_id": sid(line.session_id),
                    "date": day(line.date),
                    "start_time": instant(line.start_time, zones[line.coach_id]),
                    "end_time": instant(line.end_time, zones[line.coach_id]),
                    "coach_id": sid(line.coach_id),
                    "coach_name": line.coach_name,
                    "type": line.type,
                    "status": line.status,
                    "billable": line.billable,
                    "note": line.note,
                }
                for line in st.lines
            ],
            "billable_count": st.billable_count,
        }
        for st in statements
    ]


def token_json(token) -> dict:
    """An API token without its secret: when it was made, expires (null: never) and was last
    used (to the minute; null: never), in the gym's zone."""
    zone = gym_zone()
    return {
        "id": sid(token.id),
        "created_at": instant(token.created_at, zone),
        "expires_at": instant(token.expires_at, zone),
        "last_used_at": instant(token.last_used_at, zone),
    }

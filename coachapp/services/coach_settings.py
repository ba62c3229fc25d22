"""A coach's settings: default room and session length, time zone, cancellation window, and the
booking rules members are bound by (booking horizon, minimum notice)."""

from __future__ import annotations

from datetime import datetime

from ..extensions import db
from ..models import CoachSettings, Room, TrainingSession, User, utcnow
from . import availability, coach_calendar, coaches
from .db import transaction, write_lock
from .errors import ValidationFailed
from .sessions import ConflictView, conflicts_among, future_scheduled
from .zones import check_zone

MIN_DURATION, MAX_DURATION = 5, 720
MAX_WINDOW_HOURS = 24 * 30
MIN_HORIZON_DAYS, MAX_HORIZON_DAYS = 1, 730
MAX_NOTICE_MINUTES = 7 * 24 * 60


def list_rooms() -> list[Room]:
    """The gym's rooms by name, to choose a default or a window's room from (read once per
    request: ``coach_calendar.rooms``)."""
    return coach_calendar.rooms()


def _whole_number(value: object, field: str, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationFailed(f"{what} must be a whole number from {low} to {high}.", field=field)
    return value


def update_settings(
    actor: User,
    coach_id: int,
    default_room_id: int | None,
    default_duration: int,
    timezone: str,
    cancellation_window_hours: int,
    now: datetime | None = None,
    booking_horizon_days: int | None = None,
    min_notice_minutes: int | None = None,
) -> tuple[CoachSettings, list[ConflictView]]:
    """Change a coach's settings (the coach themself or an admin); a booking rule given as None
    keeps its value.

    The weekly template stays in wall-clock times, so a new time zone moves it in real time: the
    result lists every future session that is now a conflict. The coach's account zone follows the
    settings' zone, so the pages show the coach's times in it.
    """
    settings = coaches.get_settings(coach_id)
    coaches.require_manager(actor, coach_id)
    room_id = coaches.check_room(default_room_id, "default_room_id")
    duration = _whole_number(
        default_duration, "default_duration", MIN_DURATION, MAX_DURATION, "The default duration"
    )
    hours = _whole_number(
        cancellation_window_hours,
        "cancellation_window_hours",
        0,
        MAX_WINDOW_HOURS,
        "The cancellation window",
    )
    if booking_horizon_days is not None:
        booking_horizon_days = _whole_number(
            booking_horizon_days,
            "booking_horizon_days",
            MIN_HORIZON_DAYS,
            MAX_HORIZON_DAYS,
            "The booking horizon (days ahead)",
        )
    if min_notice_minutes is not None:
        min_notice_minutes = _whole_number(
            min_notice_minutes,
            "min_notice_minutes",
            0,
            MAX_NOTICE_MINUTES,
            "The minimum notice (minutes)",
        )
    zone = check_zone(timezone).key
    now = now or utcnow()
    with transaction():
        write_lock()
        settings = coaches.get_settings(coach_id)
        settings.default_room_id = room_id
        settings.default_duration = duration
        settings.cancellation_window_hours = hours
        if booking_horizon_days is not None:
            settings.booking_horizon_days = booking_horizon_days
        if min_notice_minutes is not None:
            settings.min_notice_minutes = min_notice_minutes
        settings.timezone = zone
        coach = db.session.get(User, coach_id)
        coach.timezone = zone
        db.session.flush()
        conflicts = conflicts_among(settings, future_scheduled(coach_id, now))
    return settings, conflicts


def preview_zone_change(
    coach_id: int, timezone: object, now: datetime | None = None
) -> list[TrainingSession]:
    """The future sessions a change of the coach's time zone to ``timezone`` would newly put in
    conflict (the weekly template keeps its wall-clock times, so it moves in real time), without
    writing; none when the zone stays. Refuses an unknown zone as ``update_settings`` does."""
    settings = coaches.get_settings(coach_id)
    zone = check_zone(timezone)
    if zone.key == settings.timezone:
        return []
    sessions = future_scheduled(coach_id, now or utcnow())
    return availability.newly_in_conflict(settings, sessions, tz=zone)


__all__ = ["list_rooms", "preview_zone_change", "update_settings"]

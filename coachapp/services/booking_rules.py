"""A coach's booking rules applied to the person booking: members are bound by the coach's
booking horizon and minimum notice (409 ``beyond_horizon`` / ``too_soon``); coaches and admins
booking for a member are not. The rules themselves are pure (``scheduling.booking_rules``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..extensions import db
from ..models import CoachSettings, User
from ..scheduling.booking_rules import (
    BEYOND_HORIZON,
    TOO_SOON,
    BookingRules,
    horizon_words,
    notice_words,
)
from ..vocab import Role
from . import coaches
from .errors import BeyondHorizon, TooSoon
from .notifications import local_when, recipient_zone


def rules_of(settings: CoachSettings) -> BookingRules:
    """The coach's rules, in the coach's zone."""
    return BookingRules(
        settings.booking_horizon_days, settings.min_notice_minutes, coaches.zone_of(settings)
    )


def for_actor(actor: User | None, settings: CoachSettings) -> BookingRules | None:
    """The rules ``actor`` is bound by when booking with this coach: a member's, else None."""
    if actor is None or actor.role != Role.MEMBER:
        return None
    return rules_of(settings)


def _coach_name(settings: CoachSettings) -> str:
    """The coach's first name, as the member pages call them ("Lena takes bookings …")."""
    coach = db.session.get(User, settings.coach_id)
    words = coach.name.split() if coach is not None else []
    return words[0] if words else "This coach"


def horizon_message(settings: CoachSettings) -> str:
    """Why nothing further ahead is offered: "Lena takes bookings up to 8 weeks ahead"."""
    return (
        f"{_coach_name(settings)} takes bookings up to "
        f"{horizon_words(settings.booking_horizon_days)} ahead"
    )


def _earliest_text(earliest: datetime, user_id: int, now: datetime) -> str:
    zone = recipient_zone(user_id)
    # Round up to the minute: the earliest bookable start, never a second before it.
    earliest = earliest.replace(second=0, microsecond=0) + (
        timedelta(minutes=1) if earliest.second or earliest.microsecond else timedelta(0)
    )
    local, today = earliest.astimezone(zone), now.astimezone(zone).date()
    return f"{local:%H:%M}" if local.date() == today else local_when(earliest, zone, now)


def check(
    actor: User,
    settings: CoachSettings,
    start: datetime,
    now: datetime,
    field: str = "start_time",
) -> None:
    """Refuse a member's booking of a session starting at ``start`` (a one-time session, a series'
    first session, a group place) that breaks the coach's rules; coaches and admins pass."""
    rules = for_actor(actor, settings)
    if rules is None:
        return
    why = rules.refusal(start, now)
    if why == TOO_SOON:
        earliest = _earliest_text(rules.earliest_start(now), actor.id, now)
        words = notice_words(rules.min_notice_minutes)
        words += "'" if words.endswith("s") else "'s"  # 2 hours' notice, 1 day's notice
        raise TooSoon(
            f"{_coach_name(settings)} needs {words} notice; "
            f"the earliest you can book is {earliest}.",
            field=field,
        )
    if why == BEYOND_HORIZON:
        last = rules.last_day(now)
        raise BeyondHorizon(
            f"{horizon_message(settings)}; the last day you can book now is "
            f"{last:%a} {last.day} {last:%b %Y}.",
            field=field,
        )


__all__ = ["BEYOND_HORIZON", "TOO_SOON", "check", "for_actor", "horizon_message", "rules_of"]

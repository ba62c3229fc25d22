"""What every member page shares: the date and time wording, the clock, the cancellation
policy line, the membership balance and the 'ask the gym' link, the days of slots asked for
(``from``, ``days``), the coach's card and window, and the ``HX-Trigger`` events the pages send
each other (the parts listening refresh themselves)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import request
from flask_login import current_user

from .. import cache, inputs
from ..models import utcnow
from ..services import (
    coach_calendar,
    member_views,
    memberships,
    moves,
)
from ..services.sessions import free_cancellation_until, is_late_cancel
from ..services.zones import utc_offset, zone_choices, zone_name, zone_offset
from . import bp

DAYS_STEP = 7
"""Days of slots shown at first, and added by "More days"."""

MAX_DAYS = 91
"""The most days the slot list grows to (the slot service answers at most 92 at once)."""

PREVIEW_PROMPT = "Check the first dates below, then confirm."

CLASSES_CHANGED = ("classes-changed",)
SLOTS_CHANGED = ("slots-changed",)
SESSIONS_CHANGED = ("sessions-changed",)
"""The ``HX-Trigger`` events the member pages send: the parts listening refresh themselves."""


def day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def when(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{day_label(local.date())}, {local:%H:%M}"


def hm(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%H:%M")


# Zone names and offsets for every template, macros included (the home page names zones too).
for _helper in (zone_name, zone_offset, utc_offset):
    bp.add_app_template_global(_helper)


def zone_option(key: str, at: datetime | None, full: bool = False) -> str:
    """A zone as the "Show times in" list offers it: "New York time (UTC-05:00)", its offset at
    ``at`` (None: now), with its IANA name (``full``, the list of every zone, where several
    cities share a name)."""
    zone = ZoneInfo(key)
    text = f"{zone_name(zone)} ({utc_offset(zone, at or now_utc())})"
    return f"{text} · {key}" if full and "/" in key else text


@bp.context_processor
def formatting():
    """Date and time helpers for the member templates (zones passed explicitly)."""
    return {
        "day_label": day_label,
        "when": when,
        "hm": hm,
        "too_late_to_move": moves.too_late_message,
        "zone_groups": zone_choices,
        "zone_option": zone_option,
    }


def now_utc() -> datetime:
    return utcnow()


def cancel_policy(start: datetime, window_hours: int, now: datetime) -> dict:
    """The coach's cancellation policy for a session starting at ``start``, as the member reads it
    before committing: until when cancelling is free (``free_until``), or that it already starts
    inside the window (``late``: cancelling would be a late cancel, ``sessions.is_late_cancel``)."""
    return {
        "window_hours": window_hours,
        "free_until": free_cancellation_until(start, window_hours),
        "late": is_late_cancel(start, window_hours, now),
    }


def balance_on(start: datetime):
    """The member's membership balance on the gym's date of ``start`` (None: no valid one)."""
    return memberships.balance(current_user.id, memberships.local_date(start))


def ask_gym(exc: Exception) -> str | None:
    """For a required membership's refusal: the link to ask the gym (``memberships.ask_gym_for``)."""
    return memberships.ask_gym_for(exc, current_user.name)


def booking_opens_note(rules, day: date, tz: ZoneInfo, reader: ZoneInfo | None = None) -> str:
    """When booking opens for the coach's local date ``day`` (past the horizon now): "Booking
    opens Tue 16 Mar, 00:00" on the coach's clock, or on the ``reader``'s (the member's), named
    when it is not the coach's: "Booking opens Mon 15 Mar, 19:00 New York time"."""
    shown = reader or tz
    opens = rules.opens_at(day).astimezone(shown)
    named = f" {zone_name(shown)}" if shown.key != tz.key else ""
    return f"Booking opens {day_label(opens.date())}, {opens:%H:%M}{named}"


def asked_range(tz: ZoneInfo, now: datetime) -> tuple[date, int]:
    """The first day (``from``, not before today) and number of days (``days``) asked for."""
    today = now.astimezone(tz).date()
    first_day = max(inputs.parse_date(request.args.get("from", "")) or today, today)
    days = inputs.parse_int(request.args.get("days", ""))
    return first_day, DAYS_STEP if days is None else min(max(days, 1), MAX_DAYS)


def coach_and_window(coach_id: int) -> tuple[member_views.CoachCard, int]:
    """The coach's card and cancellation window, kept per data version (``coachapp.cache``), like
    the slots: the window is read with the card's settings, no statement of its own."""
    return cache.cached(
        "coach card and window",
        (coach_id,),
        lambda: (
            member_views.coach_card(coach_id),
            coach_calendar.settings_of(coach_id).cancellation_window_hours,
        ),
    )


def form_errors(form) -> str:
    return " ".join(dict.fromkeys(e for errors in form.errors.values() for e in errors))

"""Moving one of my one-to-one sessions (from My sessions): the coach's free times that fit the
session's length, the confirmation, the move itself (``services.moves.member_move``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from .. import cache
from ..errors import sentence
from ..services import (
    horizon,
    member_views,
    moves,
)
from ..services.errors import (
    Conflict,
    TooLateToChange,
    ValidationFailed,
)
from ..web import page, wants_fragment
from . import bp
from .common import (
    DAYS_STEP,
    MAX_DAYS,
    SESSIONS_CHANGED,
    SLOTS_CHANGED,
    asked_range,
    cancel_policy,
    coach_and_window,
    form_errors,
    hm,
    now_utc,
    when,
)
from .forms import PICK_AGAIN, MoveForm, parse_instant
from .session_pages import sessions_context


@dataclass(frozen=True)
class MoveOption:
    """A time the picker offers: the new ``[start, end)`` of the session (its length kept)."""

    start: datetime
    end: datetime


def _movable_item(session_id: int, now: datetime) -> member_views.SessionItem:
    """One of my one-to-one sessions (a class, or anyone else's session: 404)."""
    item = member_views.session_item(current_user, session_id, now=now)
    if item.is_class or item.session.member_id != current_user.id:
        abort(404)
    return item


def _move_sheet(item, now: datetime, state: str = "pick", **extra) -> dict:
    """The move sheet: ``pick`` (the coach's free times that fit the session's length, from the
    booking page's slot lists), ``confirm`` (``start``/``end`` picked), ``done``, or ``closed``
    (the session can no longer move: started, cancelled, or inside the cancellation window)."""
    session = item.session
    coach, window_hours = coach_and_window(session.coach_id)
    tz = ZoneInfo(coach.timezone)
    mz = member_views.member_zone(current_user)
    sheet = {
        "kind": "move",
        "state": state,
        "session": session,
        "zone": tz,
        "coach_name": coach.name,
        "show_member_time": mz.key != tz.key,
        "window_hours": window_hours,
        "error": None,
        "message": None,
    }
    sheet.update(extra)
    if state in ("pick", "confirm"):
        if not item.cancellable(now):
            sheet["state"], sheet["error"] = "closed", "This session can no longer be moved."
        elif moves.too_late_to_move(session, window_hours, now):
            sheet["state"], sheet["error"] = "closed", moves.too_late_message(window_hours)
    if sheet["state"] == "confirm":
        sheet["policy"] = cancel_policy(sheet["start"], window_hours, now)
    elif sheet["state"] == "pick":
        sheet.update(_move_picker(item, coach, window_hours, tz, now))
    return sheet


def _move_picker(item, coach, window_hours: int, tz: ZoneInfo, now: datetime) -> dict:
    """The picker's days: the slots a member may book with the coach (the booking page's list,
    kept under the same key), as new starts for the session where its whole length fits."""
    session = item.session
    first_day, days = asked_range(tz, now)
    rules = coach.rules
    day_slots = []
    if first_day <= horizon.last_day(tz, now):
        day_slots = cache.cached(
            "slots",
            (session.coach_id, first_day, days, rules),
            lambda: member_views.slot_days(session.coach_id, first_day, days, now=now, rules=rules),
        )
    length = session.end_time - session.start_time
    free = [slot for day in day_slots for slot in day.slots]
    fitting = {slot.start for slot in moves.starts_fitting(free, length)}
    more = days + DAYS_STEP if days + DAYS_STEP <= MAX_DAYS else None
    horizon_note = None
    if first_day + timedelta(days=days - 1) > rules.last_day(now):
        horizon_note, more = coach.horizon_message + ".", None
    args = {"session_id": session.id, "from": first_day.isoformat()}
    return {
        "days": [
            member_views.DaySlots(
                day.day,
                [MoveOption(s.start, s.start + length) for s in day.slots if s.start in fitting],
            )
            for day in day_slots
        ],
        "minutes": int(length.total_seconds() // 60),
        "late_before": now + timedelta(hours=window_hours) if window_hours else None,
        "horizon_note": horizon_note,
        "more_url": url_for("member.move_sheet", days=more, **args) if more else None,
    }


def _move_page(sheet: dict, status: int = 200, events=()):
    """The sessions page with the move sheet open, or (htmx) only the sheet."""
    if wants_fragment():
        context = {"sheet": sheet, "member_zone": member_views.member_zone(current_user)}
    else:
        context = sessions_context(now_utc())
        context["sheet"] = sheet
    return page("member/sessions.html", "sheet", status, events, **context)


@bp.get("/me/sessions/<int:session_id>/move")
def move_sheet(session_id: int):
    """Move one of my one-to-one sessions: the coach's free times (``from``, ``days`` as on the
    booking page), or (``start``, optional ``end``) the confirmation of one of them. Inside the
    coach's cancellation window the sheet says why it can no longer move."""
    now = now_utc()
    item = _movable_item(session_id, now)
    if "start" not in request.args:
        return _move_page(_move_sheet(item, now))
    form = MoveForm(formdata=request.args, meta={"csrf": False})
    if not form.validate():
        return _move_page(_move_sheet(item, now, error=form_errors(form)), status=422)
    start = parse_instant(form.start.data)
    length = item.session.end_time - item.session.start_time
    end = parse_instant(form.end.data) or start + length  # no end (or blank): the same length
    if end <= start:
        return _move_page(_move_sheet(item, now, error=PICK_AGAIN), status=422)
    sheet = _move_sheet(item, now, state="confirm", start=start, end=end)
    return _move_page(sheet, status=409 if sheet["state"] == "closed" else 200)


@bp.post("/me/sessions/<int:session_id>/move")
def move(session_id: int):
    """Move the session to the confirmed time (``services.moves.member_move``: the rules of a new
    booking, the coach told). Done: htmx gets the sheet saying so and the list refreshes; a plain
    post is redirected to my sessions. Refused: the reason in the sheet, with the free times again
    (409; 422 for a time that is not one)."""
    now = now_utc()
    item = _movable_item(session_id, now)
    form = MoveForm()
    if not form.validate():
        return _move_page(_move_sheet(item, now, error=form_errors(form)), status=422)
    start = parse_instant(form.start.data)
    end = parse_instant(form.end.data)  # no end (or blank): the same length
    try:
        moved = moves.member_move(session_id, current_user, start, end, now)
    except TooLateToChange as exc:
        sheet = _move_sheet(item, now, state="closed", error=sentence(exc))
        return _move_page(sheet, status=409, events=SESSIONS_CHANGED)
    except ValidationFailed as exc:
        return _move_page(_move_sheet(item, now, error=sentence(exc)), status=422)
    except Conflict as exc:
        return _move_page(_move_sheet(item, now, error=sentence(exc)), status=409)
    mz = member_views.member_zone(current_user)  # the member's time first, as on the sheet
    done = f"Moved to {when(moved.start_time, mz)}–{hm(moved.end_time, mz)}."
    if not wants_fragment():
        flash(done, "success")
        return redirect(url_for("member.my_sessions"), 303)
    sheet = _move_sheet(item, now, state="done", message=done)
    return _move_page(sheet, events=SESSIONS_CHANGED + SLOTS_CHANGED)

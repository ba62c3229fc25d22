"""JSON API v1 routes: parse the request, call one service, serialize the answer.

Views never decide a rule or commit: the services do both and raise DomainErrors, which the app's
error handler turns into the contract's JSON. Parsing (``schemas``) and output (``serializers``)
are shared by every route so that all endpoints treat input and ids the same way.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import g, jsonify

from ..errors import json_error
from ..models import SESSION_STATUSES, utcnow
from ..scheduling import ValidationError as CoreValidationError
from ..services import (
    availability,
    billing,
    booking_rules,
    bookings,
    coach_settings,
    coaches,
    group_classes,
    moves,
    notifications,
    sessions,
    slots,
)
from ..services.errors import NotFound
from . import bp
from . import schemas as p
from . import serializers as out
from .idempotency import idempotent
from .openapi import document

MAX_SLOT_DAYS = 62
"""The longest range of dates one slots request may ask for."""

MAX_CLASS_DAYS = 92
"""The longest range one classes request may span."""

_DAY_IN_PATH = re.compile(r"-?[0-9]{1,9}")


@bp.errorhandler(CoreValidationError)
def core_validation_error(exc: CoreValidationError):
    """A scheduling-core refusal that a service let through is still the contract's 422."""
    message = f"{exc.field}: {exc.message}" if exc.field else exc.message
    return json_error(422, "validation_error", message, exc.field)


def _actor():
    return g.api_user


def _created(body: dict):
    response = jsonify(body)
    response.status_code = 201
    return response


def _no_content():
    return "", 204


def _coach(id: str):
    """The coach named by a path id and their zone; 404 unless it names a coach."""
    coach_id = p.to_id(id)
    return coach_id, coaches.zone_of(coaches.get_settings(coach_id))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API (public)."""
    return jsonify(document())


@bp.get("/me")
def me():
    """The account the token belongs to."""
    return {"user": out.user_json(_actor())}


@bp.get("/rooms")
def list_rooms():
    """The gym's rooms, by name (to pick a ``room_id``)."""
    return {"rooms": [out.room_json(r) for r in coach_settings.list_rooms()]}


@bp.get("/coaches")
def list_coaches():
    """Every active coach with their time zone and defaults."""
    return {"coaches": [out.coach_json(u, s) for u, s in coaches.list_coaches()]}


@bp.get("/coaches/<id>")
def get_coach(id: str):
    """One coach."""
    coach_id = p.to_id(id)
    user = coaches.get_coach(coach_id)
    return {"coach": out.coach_json(user, coaches.get_settings(coach_id))}


@bp.patch("/coaches/<id>/settings")
def update_settings(id: str):
    """Change a coach's defaults and time zone; fields left out keep their value.

    Answers the settings and every future session that the change (a new zone moves the weekly
    template in real time) leaves outside availability.
    """
    coach_id = p.to_id(id)
    current = coaches.get_settings(coach_id)
    body = p.json_object()
    for name in ("default_duration", "cancellation_window_hours", "timezone",
                 "booking_horizon_days", "min_notice_minutes"):
        if name in body and body[name] is None:
            raise p.invalid(name, "must not be null; leave it out to keep the current value")
    room_id = p.get_id(body, "default_room_id") if "default_room_id" in body else (
        current.default_room_id)
    duration = p.get_int(body, "default_duration", default=current.default_duration,
                         minimum=coach_settings.MIN_DURATION, maximum=coach_settings.MAX_DURATION)
    window = p.get_int(body, "cancellation_window_hours",
                       default=current.cancellation_window_hours, minimum=0,
                       maximum=coach_settings.MAX_WINDOW_HOURS)
    horizon_days = p.get_int(body, "booking_horizon_days",
                             default=current.booking_horizon_days,
                             minimum=coach_settings.MIN_HORIZON_DAYS,
                             maximum=coach_settings.MAX_HORIZON_DAYS)
    notice = p.get_int(body, "min_notice_minutes", default=current.min_notice_minutes,
                       minimum=0, maximum=coach_settings.MAX_NOTICE_MINUTES)
    zone = p.get_str(body, "timezone", max_length=64)
    settings, conflicts = coach_settings.update_settings(
        _actor(), coach_id, room_id, duration, current.timezone if zone is None else zone, window,
        booking_horizon_days=horizon_days, min_notice_minutes=notice,
    )
    return {"settings": out.settings_json(settings), "conflicts": out.conflicts_json(conflicts)}


@bp.get("/coaches/<id>/weekly-availability")
def list_weekly(id: str):
    """A coach's weekly template, by day and start."""
    coach_id = p.to_id(id)
    return {"windows": [out.window_json(w) for w in availability.list_weekly(coach_id)]}


def _day_of_week(raw: str) -> int:
    """The weekday in the path: not a number is 404, a number outside 0–6 is 422."""
    if not _DAY_IN_PATH.fullmatch(raw):
        raise NotFound(f"day_of_week: {raw[:20]!r} is not a day of the week.", field="day_of_week")
    day = int(raw)
    if not 0 <= day <= 6:
        raise p.invalid("day_of_week", "must be between 0 (Sunday) and 6 (Saturday)")
    return day


def _window_input(item, prefix: str) -> availability.WindowInput:
    if not isinstance(item, dict):
        raise p.wrong_type(prefix, "an object")
    start = p.parse_hhmm(p.get_str(item, "start_time", prefix, required=True),
                         p.path(prefix, "start_time"))
    end = p.parse_hhmm(p.get_str(item, "end_time", prefix, required=True),
                       p.path(prefix, "end_time"))
    p.check_order(start, end, prefix)
    room_id = p.get_id(item, "room_id", prefix)
    is_individual = p.get_bool(item, "is_individual", prefix, default=True)
    is_group = p.get_bool(item, "is_group", prefix, default=False)
    if not (is_individual or is_group):
        raise p.invalid(p.path(prefix, "is_individual"),
                        "a window is for individual sessions, group sessions or both")
    return availability.WindowInput(
        start_time=start, end_time=end, room_id=room_id,
        is_individual=is_individual, is_group=is_group,
    )


@bp.put("/coaches/<id>/weekly-availability/<day_of_week>")
def replace_weekly_day(id: str, day_of_week: str):
    """Replace one weekday's windows; answer the new windows and the coach's conflicts."""
    coach_id = p.to_id(id)
    day = _day_of_week(day_of_week)
    body = p.json_object()
    items = p.get_list(body, "windows", required=True)
    windows = [_window_input(item, f"windows[{i}]") for i, item in enumerate(items)]
    rows, conflicts = availability.replace_weekly_day(_actor(), coach_id, day, windows)
    return {
        "windows": [out.window_json(w) for w in rows],
        "conflicts": out.conflicts_json(conflicts),
    }


def _span(body: dict, zone):
    start = p.parse_datetime(p.get_str(body, "start_time", required=True), "start_time", zone)
    end = p.parse_datetime(p.get_str(body, "end_time", required=True), "end_time", zone)
    p.check_order(start, end)
    return start, end


def _range(zone, default_days: int | None = None):
    """``from``/``to`` query bounds (dates inclusive, or datetimes); 422 when ``to`` < ``from``.

    With ``default_days``, a missing bound is filled in: ``default_days`` from the other one, or
    from the start of today (in ``zone``) when both are missing.
    """
    start = p.query_bound("from", zone, end=False)
    end = p.query_bound("to", zone, end=True)
    if default_days is not None:
        span = timedelta(days=default_days)
        if start is None and end is not None:
            start = end - span
        if start is None:
            today = utcnow().astimezone(zone).date()
            start = p.local_instant(datetime(today.year, today.month, today.day), zone)
        if end is None:
            end = start + span
    if start is not None and end is not None and end < start:
        raise p.invalid("to", "must not be before from")
    return start, end


@bp.get("/coaches/<id>/blocked-slots")
def list_blocked(id: str):
    """A coach's blocked slots overlapping ``from``–``to`` (the coach or an admin)."""
    coach_id, zone = _coach(id)
    start, end = _range(zone, default_days=MAX_SLOT_DAYS)
    rows = availability.list_blocked(_actor(), coach_id, start, end)
    return {"blocked_slots": [out.blocked_slot_json(r, zone) for r in rows]}


@bp.post("/coaches/<id>/blocked-slots")
def create_blocked_slot(id: str):
    """Block a span of a coach's time; answer it and the sessions it puts in conflict."""
    coach_id, zone = _coach(id)
    body = p.json_object()
    start, end = _span(body, zone)
    reason = p.get_str(body, "reason")
    slot, conflicts = availability.create_blocked_slot(_actor(), coach_id, start, end, reason)
    return _created({
        "blocked_slot": out.blocked_slot_json(slot, zone),
        "conflicts": out.conflicts_json(conflicts),
    })


@bp.delete("/blocked-slots/<id>")
def delete_blocked_slot(id: str):
    """Remove a blocked slot."""
    availability.delete_blocked_slot(_actor(), p.to_id(id))
    return _no_content()


@bp.get("/coaches/<id>/availability-additions")
def list_additions(id: str):
    """A coach's availability additions overlapping ``from``–``to`` (the coach or an admin)."""
    coach_id, zone = _coach(id)
    start, end = _range(zone, default_days=MAX_SLOT_DAYS)
    rows = availability.list_additions(_actor(), coach_id, start, end)
    return {"availability_additions": [out.addition_json(r, zone) for r in rows]}


@bp.post("/coaches/<id>/availability-additions")
def create_addition(id: str):
    """Add a one-time span of availability."""
    coach_id, zone = _coach(id)
    body = p.json_object()
    start, end = _span(body, zone)
    room_id = p.get_id(body, "room_id")
    reason = p.get_str(body, "reason")
    row = availability.create_addition(_actor(), coach_id, start, end, room_id, reason)
    return _created({"availability_addition": out.addition_json(row, zone)})


@bp.delete("/availability-additions/<id>")
def delete_addition(id: str):
    """Remove an availability addition."""
    availability.delete_addition(_actor(), p.to_id(id))
    return _no_content()


@bp.get("/coaches/<id>/slots")
def list_slots(id: str):
    """Bookable one-to-one slots between two inclusive dates in the coach's zone."""
    coach_id, zone = _coach(id)
    first = p.query_date("from", required=True)
    last = p.query_date("to", required=True)
    if last < first:
        raise p.invalid("to", "must not be before from")
    if (last - first).days + 1 > MAX_SLOT_DAYS:
        raise p.invalid("to", f"ask for at most {MAX_SLOT_DAYS} days at a time")
    # A member is offered only what they may book (the coach's horizon and notice).
    rules = booking_rules.for_actor(_actor(), coaches.get_settings(coach_id))
    found = slots.bookable_slots(coach_id, first, last, rules=rules)
    return {"slots": [out.slot_json(s, zone) for s in found]}


@bp.get("/coaches/<id>/conflicts")
def list_conflicts(id: str):
    """A coach's future scheduled sessions that lie outside their availability."""
    coach_id = p.to_id(id)
    return {"conflicts": out.conflicts_json(sessions.list_conflicts(_actor(), coach_id))}


@bp.post("/bookings")
@idempotent
def create_booking():
    """Book a one-time session (for oneself, or for a member as their coach or an admin)."""
    body = p.json_object()
    coach_id = p.get_id(body, "coach_id", required=True)
    settings = coaches.get_settings(coach_id)
    zone = coaches.zone_of(settings)
    start, end = _span(body, zone)
    member_id = p.get_id(body, "member_id")
    booking, session = bookings.book_one_time(_actor(), coach_id, start, end, member_id=member_id)
    return _created({
        "booking": out.booking_json(booking, session, zone),
        "session": out.session_json(session, zone),
    })


def _booking_body(booking):
    session = booking.session
    zones = out.Zones()
    zone = zones[session.coach_id] if session is not None else out.gym_zone()
    body = {"booking": out.booking_json(booking, session, zone)}
    if session is not None:
        body["session"] = out.session_json(session, zone)
    return body


@bp.get("/bookings/<id>")
def get_booking(id: str):
    """One booking with its session."""
    return _booking_body(bookings.get_booking(_actor(), p.to_id(id)))


@bp.post("/bookings/<id>/cancel")
def cancel_booking(id: str):
    """Cancel a booking (by the member, or by the coach or an admin); a place in a group class is
    given up and the first member on its waitlist moves up."""
    return _booking_body(bookings.cancel_booking(_actor(), p.to_id(id)))


def _class_fields(body: dict) -> tuple[str, int, int | None]:
    title = p.get_str(body, "title", required=True)
    capacity = p.get_int(body, "capacity", required=True, minimum=1,
                         maximum=group_classes.MAX_CAPACITY)
    return title, capacity, p.get_id(body, "room_id")


@bp.get("/classes")
def list_classes():
    """Group classes (not cancelled) overlapping ``from``–``to``, with places left and the
    waitlist's length; anyone signed in may list them (members choose a class here)."""
    coach_id = p.query_id("coach_id")
    zone = out.gym_zone()
    if coach_id is not None:
        zone = coaches.zone_of(coaches.get_settings(coach_id))
    start, end = _range(zone, default_days=MAX_SLOT_DAYS)
    if end - start > timedelta(days=MAX_CLASS_DAYS):
        raise p.invalid("to", f"ask for at most {MAX_CLASS_DAYS} days at a time")
    found = group_classes.group_sessions(coach_id, start, end)
    return {"classes": out.classes_json(found)}


@bp.post("/coaches/<id>/group-sessions")
def create_group_session(id: str):
    """Schedule a one-off group class (the coach themself or an admin)."""
    coach_id, zone = _coach(id)
    body = p.json_object()
    start, end = _span(body, zone)
    title, capacity, room_id = _class_fields(body)
    session = group_classes.schedule_group_session(
        _actor(), coach_id, start, end, title, capacity, room_id
    )
    return _created({"session": out.class_json(group_classes.with_counts([session])[0], zone)})


@bp.post("/coaches/<id>/group-series")
def create_group_series(id: str):
    """Schedule a weekly or bi-weekly group class; answer the series and the classes made now."""
    coach_id, zone = _coach(id)
    body = p.json_object()
    day = p.get_int(body, "day_of_week", required=True, minimum=0, maximum=6)
    start = p.parse_hhmm(p.get_str(body, "start_time", required=True), "start_time")
    end = p.parse_hhmm(p.get_str(body, "end_time", required=True), "end_time")
    p.check_order(start, end)
    start_date = p.parse_date(p.get_str(body, "start_date", required=True), "start_date")
    raw_end = p.get_str(body, "end_date")
    end_date = None if raw_end is None else p.parse_date(raw_end, "end_date")
    if end_date is not None and end_date < start_date:
        raise p.invalid("end_date", "must not be before start_date")
    frequency = p.get_int(body, "frequency", default=1, minimum=1, maximum=2)
    title, capacity, room_id = _class_fields(body)
    series, created = group_classes.create_group_series(
        _actor(), coach_id, day, start, end, start_date, end_date, frequency, title, capacity,
        room_id,
    )
    return _created({
        "recurring_booking": out.recurring_json(series, zone),
        "sessions": out.sessions_json(created),
    })


@bp.post("/sessions/<id>/places")
def book_place(id: str):
    """Book a place in a group class: CONFIRMED while places are left, else WAITLISTED (or 409
    ``capacity_full`` with ``"waitlist": false``)."""
    session_id = p.to_id(id)
    body = p.json_object(optional=True)
    member_id = p.get_id(body, "member_id")
    waitlist = p.get_bool(body, "waitlist", default=True)
    booking = group_classes.book_place(_actor(), session_id, member_id=member_id, waitlist=waitlist)
    session = booking.session
    zone = coaches.coach_zone(session.coach_id)
    return _created({
        "booking": out.booking_json(booking, session, zone),
        "session": out.class_json(group_classes.with_counts([session])[0], zone),
    })


@bp.post("/recurring-bookings")
@idempotent
def create_recurring():
    """Book a weekly or bi-weekly series; answer it and the sessions generated now."""
    body = p.json_object()
    coach_id = p.get_id(body, "coach_id", required=True)
    settings = coaches.get_settings(coach_id)
    zone = coaches.zone_of(settings)
    day = p.get_int(body, "day_of_week", required=True, minimum=0, maximum=6)
    start = p.parse_hhmm(p.get_str(body, "start_time", required=True), "start_time")
    end = p.parse_hhmm(p.get_str(body, "end_time", required=True), "end_time")
    p.check_order(start, end)
    start_date = p.parse_date(p.get_str(body, "start_date", required=True), "start_date")
    raw_end = p.get_str(body, "end_date")
    end_date = None if raw_end is None else p.parse_date(raw_end, "end_date")
    if end_date is not None and end_date < start_date:
        raise p.invalid("end_date", "must not be before start_date")
    frequency = p.get_int(body, "frequency", default=1, minimum=1, maximum=2)
    member_id = p.get_id(body, "member_id")
    series, created = bookings.create_recurring(
        _actor(), coach_id, day, start, end, start_date, end_date, frequency, member_id=member_id
    )
    return _created({
        "recurring_booking": out.recurring_json(series, zone),
        "sessions": out.sessions_json(created),
    })


@bp.get("/recurring-bookings/<id>")
def get_recurring(id: str):
    """One series."""
    series = bookings.get_recurring(_actor(), p.to_id(id))
    return {"recurring_booking": out.recurring_json(series, out.Zones()[series.coach_id])}


@bp.post("/recurring-bookings/<id>/cancel")
def cancel_recurring(id: str):
    """Cancel a series from ``from_date`` (default: today) on."""
    series_id = p.to_id(id)
    body = p.json_object(optional=True)
    raw = p.get_str(body, "from_date")
    from_date = None if raw is None else p.parse_date(raw, "from_date")
    series = bookings.cancel_recurring(_actor(), series_id, from_date)
    return {"recurring_booking": out.recurring_json(series, out.Zones()[series.coach_id])}


@bp.post("/recurring-bookings/<id>/resolve")
def resolve_series(id: str):
    """Settle every conflicting future occurrence of a series at once: ``cancel`` or ``keep``."""
    series_id = p.to_id(id)
    action = _action(p.json_object())
    settled = moves.resolve_series(_actor(), series_id, action)
    return {"sessions": out.sessions_json(settled)}


def _action(body: dict) -> str:
    action = p.get_str(body, "action", required=True)
    if action not in sessions.RESOLVE_ACTIONS:
        raise p.invalid("action", "must be 'cancel' or 'keep'")
    return action


@bp.get("/sessions")
def list_sessions():
    """Sessions in start order, filtered; a member sees only their own."""
    coach_id = p.query_id("coach_id")
    member_id = p.query_id("member_id")
    zone = out.gym_zone()
    if coach_id is not None:
        zone = coaches.zone_of(coaches.get_settings(coach_id))
    start, end = _range(zone)
    status = p.query_arg("status")
    if status is not None and status not in SESSION_STATUSES:
        raise p.invalid("status", f"must be one of {', '.join(SESSION_STATUSES)}")
    found = sessions.list_sessions(
        _actor(), coach_id=coach_id, member_id=member_id, start=start, end=end, status=status
    )
    return {"sessions": out.sessions_json(found)}


@bp.get("/sessions/<id>")
def get_session(id: str):
    """One session."""
    session = sessions.get_session(_actor(), p.to_id(id))
    return {"session": out.sessions_json([session])[0]}


@bp.post("/sessions/<id>/cancel")
def cancel_session(id: str):
    """Cancel one session (e.g. one occurrence of a series); the series stays active."""
    session = sessions.cancel_session(_actor(), p.to_id(id))
    return {"session": out.sessions_json([session])[0]}


@bp.post("/sessions/<id>/move")
def move_session(id: str):
    """Move a session that has not started to another free time (the coach or an admin)."""
    session_id = p.to_id(id)
    current = sessions.get_session(_actor(), session_id)
    zone = coaches.coach_zone(current.coach_id)
    body = p.json_object()
    start = p.parse_datetime(p.get_str(body, "start_time", required=True), "start_time", zone)
    raw_end = p.get_str(body, "end_time")
    end = None if raw_end is None else p.parse_datetime(raw_end, "end_time", zone)
    if end is not None:
        p.check_order(start, end)
    session = moves.move_session(_actor(), session_id, start, end)
    return {"session": out.sessions_json([session])[0]}


@bp.post("/sessions/<id>/resolve")
def resolve_conflict(id: str):
    """Resolve a conflict: ``cancel`` the session or ``keep`` it (an addition covers its slot)."""
    session_id = p.to_id(id)
    action = _action(p.json_object())
    session = sessions.resolve_conflict(_actor(), session_id, action)
    return {"session": out.sessions_json([session])[0]}


@bp.post("/sessions/<id>/no-show")
def mark_no_show(id: str):
    """Mark a started session as a no-show."""
    session = sessions.mark_no_show(_actor(), p.to_id(id))
    return {"session": out.sessions_json([session])[0]}


@bp.get("/billing/statements")
def list_statements():
    """Monthly statements: one per member (admins all, a member their own)."""
    raw = p.query_arg("month")
    if raw is None:
        raise p.invalid("month", "is required (YYYY-MM)")
    month = p.parse_month(raw, "month")
    member_id = p.query_id("member_id")
    found = billing.statements(_actor(), month, member_id=member_id)
    return {"statements": out.statements_json(found)}


@bp.get("/notifications")
def list_notifications():
    """The caller's notifications, newest first: unread ones, or all with ``?all=true``."""
    raw = p.query_arg("all")
    if raw not in (None, "true", "false"):
        raise p.invalid("all", "must be true or false")
    rows = notifications.list_for(_actor(), unread_only=raw != "true")
    return {"notifications": [out.notification_json(n, _actor()) for n in rows]}


@bp.post("/notifications/<id>/dismiss")
def dismiss_notification(id: str):
    """Mark one of the caller's notifications read."""
    row = notifications.dismiss(_actor(), p.to_id(id))
    return {"notification": out.notification_json(row, _actor())}

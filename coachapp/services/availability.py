"""A coach's availability: the weekly template, blocked slots and availability additions.

Changing availability never cancels a session: the sessions that no longer fit come back as
conflicts (see ``sessions.list_conflicts``) for the coach to keep or cancel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import delete, select

from ..extensions import db
from ..models import (
    AvailabilityAddition,
    BlockedSlot,
    Room,
    TrainingSession,
    User,
    WeeklyAvailability,
    utcnow,
)
from ..scheduling import (
    SessionSpan,
    ValidationError,
    WeeklyWindow,
    find_conflicts,
    format_hhmm,
    parse_hhmm,
    validate_windows,
)
from ..vocab import SessionType
from . import coaches, horizon
from .db import transaction, visible_row, write_lock
from .errors import ValidationFailed
from .sessions import ConflictView, conflicts_among, future_scheduled

REASON_MAX = 200


class AlreadyThere(ValidationFailed):
    """A blocked slot or addition that repeats or overlaps one the coach has: 422
    ``validation_error`` naming the existing one (``existing``: its row)."""

    def __init__(self, message: str, field: str, existing) -> None:
        super().__init__(message, field=field)
        self.existing = existing


@dataclass(frozen=True)
class WindowInput:
    """One weekly window as a coach enters it: wall-clock ``HH:MM`` times in the coach's zone."""

    start_time: str
    end_time: str
    room_id: int | None = None
    is_individual: bool = True
    is_group: bool = False


def list_weekly(coach_id: int) -> list[WeeklyAvailability]:
    """A coach's weekly template, by day and start (NotFound unless ``coach_id`` is a coach)."""
    coaches.get_settings(coach_id)
    return coaches.weekly_rows(coach_id)


def _validation(exc: ValidationError, field: str) -> ValidationFailed:
    return ValidationFailed(exc.message, field=field)


def _check_windows(day_of_week: object, windows: object) -> list[WeeklyWindow]:
    """Turn the input into core windows, naming the field at fault (``windows[1].end_time``)."""
    if (
        isinstance(day_of_week, bool)
        or not isinstance(day_of_week, int)
        or not 0 <= day_of_week <= 6
    ):
        raise ValidationFailed(
            f"use 0 (Sunday) to 6 (Saturday), not {day_of_week!r}.",
            field="day_of_week",
        )
    if not isinstance(windows, list | tuple):
        raise ValidationFailed("give a list of windows.", field="windows")
    room_ids = {
        w.room_id for w in windows if isinstance(w, WindowInput) and coaches.is_id(w.room_id)
    }
    known_rooms = (
        set(db.session.scalars(select(Room.id).where(Room.id.in_(room_ids)))) if room_ids else set()
    )
    out: list[WeeklyWindow] = []
    for i, window in enumerate(windows):
        prefix = f"windows[{i}]"
        if not isinstance(window, WindowInput):
            raise ValidationFailed("not a window.", field=prefix)
        try:
            start = parse_hhmm(window.start_time, f"{prefix}.start_time")
            end = parse_hhmm(window.end_time, f"{prefix}.end_time")
        except ValidationError as exc:
            raise _validation(exc, exc.field or prefix) from exc
        if not (window.is_individual or window.is_group):
            raise ValidationFailed(
                "a window is for one-to-one sessions, group sessions or both.",
                field=f"{prefix}.is_individual",
            )
        room = window.room_id
        if room is not None and (not coaches.is_id(room) or room not in known_rooms):
            raise ValidationFailed(f"there is no room with id {room}.", field=f"{prefix}.room_id")
        core = WeeklyWindow(
            day_of_week=day_of_week,
            start_minute=start,
            end_minute=end,
            room_id=None if room is None else str(room),
            is_individual=bool(window.is_individual),
            is_group=bool(window.is_group),
        )
        try:
            validate_windows([core])
        except ValidationError as exc:
            raise _validation(exc, f"{prefix}.end_time") from exc
        try:
            validate_windows([*out, core])
        except ValidationError as exc:
            raise _validation(exc, f"{prefix}.start_time") from exc
        out.append(core)
    return out


def replace_weekly_day(
    actor: User,
    coach_id: int,
    day_of_week: int,
    windows: list[WindowInput],
    now: datetime | None = None,
) -> tuple[list[WeeklyAvailability], list[ConflictView]]:
    """Replace one weekday's windows of a coach's weekly template.

    Returns the day's new windows and every future scheduled session of the coach that is now a
    conflict (outside availability), so the coach sees at once what the change left stranded.
    """
    settings = coaches.get_settings(coach_id)
    coaches.require_manager(actor, coach_id)
    core = _check_windows(day_of_week, windows)
    now = now or utcnow()
    with transaction():
        write_lock()
        db.session.execute(
            delete(WeeklyAvailability).where(
                WeeklyAvailability.coach_id == coach_id,
                WeeklyAvailability.day_of_week == day_of_week,
            )
        )
        rows = [
            WeeklyAvailability(
                coach_id=coach_id,
                day_of_week=day_of_week,
                start_time=format_hhmm(w.start_minute),
                end_time=format_hhmm(w.end_minute),
                room_id=None if w.room_id is None else int(w.room_id),
                is_individual=w.is_individual,
                is_group=w.is_group,
            )
            for w in sorted(core, key=lambda w: w.start_minute)
        ]
        db.session.add_all(rows)
        db.session.flush()
        conflicts = conflicts_among(settings, future_scheduled(coach_id, now))
    return rows, conflicts


def preview_weekly_day(
    coach_id: int,
    day_of_week: int,
    windows: list[WindowInput],
    now: datetime | None = None,
) -> list[TrainingSession]:
    """The future sessions that replacing one weekday's windows would newly put in conflict
    (those already in conflict are not counted), without writing: the scheduling core decides on
    the template as it would be. Refuses the windows as ``replace_weekly_day`` would."""
    settings = coaches.get_settings(coach_id)
    core = _check_windows(day_of_week, windows)
    kept = [
        coaches.to_window(r) for r in coaches.weekly_rows(coach_id) if r.day_of_week != day_of_week
    ]
    return newly_in_conflict(settings, future_scheduled(coach_id, now or utcnow()), [*kept, *core])


def newly_in_conflict(
    settings,
    sessions: list[TrainingSession],
    weekly: list[WeeklyWindow] | None = None,
    tz: tzinfo | None = None,
) -> list[TrainingSession]:
    """Which of a coach's ``sessions`` would be in conflict with the weekly template ``weekly``
    (default: the stored one) read in zone ``tz`` (default: the coach's) and are not in conflict
    now, in start order. Pure computation on what is stored: 3 statements (template, blocked
    slots, additions), nothing written."""
    if not sessions:
        return []
    current_tz = coaches.zone_of(settings)
    lo = min(s.start_time for s in sessions)
    hi = max(s.end_time for s in sessions)
    stored = [coaches.to_window(r) for r in coaches.weekly_rows(settings.coach_id)]
    blocked = [coaches.interval(b) for b in coaches.blocked_in(settings.coach_id, lo, hi)]
    additions = [coaches.interval(a) for a in coaches.additions_in(settings.coach_id, lo, hi)]

    def conflicting(windows: list[WeeklyWindow], zone: tzinfo) -> set[str]:
        out: set[str] = set()
        for kind in (SessionType.ONE_TO_ONE, SessionType.GROUP):
            spans = [
                SessionSpan(str(s.id), coaches.interval(s)) for s in sessions if s.type == kind
            ]
            if not spans:
                continue
            usable = [
                w for w in windows if (w.is_group if kind == SessionType.GROUP else w.is_individual)
            ]
            out.update(
                c.session_id for c in find_conflicts(spans, usable, zone, blocked, additions)
            )
        return out

    after = conflicting(stored if weekly is None else weekly, tz or current_tz)
    if not after:
        return []
    after -= conflicting(stored, current_tz)
    return [s for s in sessions if str(s.id) in after]


def _reason(reason: object) -> str | None:
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise ValidationFailed("give the reason as text.", field="reason")
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"use at most {REASON_MAX} characters.", field="reason")
    return reason or None


def create_blocked_slot(
    actor: User,
    coach_id: int,
    start: datetime,
    end: datetime,
    reason: str | None,
    now: datetime | None = None,
) -> tuple[BlockedSlot, list[ConflictView]]:
    """Block ``[start, end)`` of a coach's time (vacation, appointment).

    Returns the slot and the future scheduled sessions it puts in conflict: they are not
    cancelled, the coach decides about each.
    """
    settings = coaches.get_settings(coach_id)
    coaches.require_manager(actor, coach_id)
    tz = coaches.zone_of(settings)
    start, end = coaches.span(start, end, tz)
    reason = _reason(reason)
    now = now or utcnow()
    horizon.check_start(start, "start_time", tz, now)
    with transaction():
        write_lock()
        _refuse_overlap(BlockedSlot, coach_id, start, end, tz)
        row = BlockedSlot(coach_id=coach_id, start_time=start, end_time=end, reason=reason)
        db.session.add(row)
        db.session.flush()
        conflicts = _conflicts_in(settings, start, end, now)
    return row, conflicts


def preview_blocked_slot(
    coach_id: int, start: datetime, end: datetime, now: datetime | None = None
) -> list[TrainingSession]:
    """The future sessions a blocked slot ``[start, end)`` would put in conflict, without writing.

    For the coach's confirmation step before blocking time; refuses a slot that repeats or
    overlaps a stored one as ``create_blocked_slot`` would (``AlreadyThere``).
    """
    settings = coaches.get_settings(coach_id)
    tz = coaches.zone_of(settings)
    start, end = coaches.span(start, end, tz)
    now = now or utcnow()
    horizon.check_start(start, "start_time", tz, now)
    _refuse_overlap(BlockedSlot, coach_id, start, end, tz)
    sessions = [
        s for s in future_scheduled(coach_id, now) if s.start_time < end and s.end_time > start
    ]
    extra = BlockedSlot(coach_id=coach_id, start_time=start, end_time=end)
    return [c.session for c in conflicts_among(settings, sessions, extra_blocked=[extra])]


def span_label(start: datetime, end: datetime, tz: tzinfo, reason: str | None = None) -> str:
    """A stored span as messages name it: ``Sat 5 Dec 14:00–16:00 (Dentist)``; a span over
    several days names both ends."""
    a, b = start.astimezone(tz), end.astimezone(tz)
    text = f"{a:%a} {a.day} {a:%b %H:%M}"
    same_day = a.date() == b.date() or (b.hour == b.minute == 0 and (b - a).days < 1)
    text += f"–{b:%H:%M}" if same_day else f" – {b:%a} {b.day} {b:%b %H:%M}"
    return f"{text} ({reason})" if reason else text


def _refuse_overlap(model, coach_id: int, start: datetime, end: datetime, tz: tzinfo) -> None:
    """Blocked slots never overlap one another, nor do additions (docs/rules.md): a new one that
    repeats, lies inside or overlaps a stored one is refused naming it (under the write lock,
    so two concurrent requests cannot both pass)."""
    found = db.session.scalars(
        select(model)
        .where(model.coach_id == coach_id, model.start_time < end, model.end_time > start)
        .order_by(model.start_time, model.id)
        .limit(1)
    ).first()
    if found is None:
        return
    label = span_label(found.start_time, found.end_time, tz, found.reason)
    blocked = model is BlockedSlot
    if found.start_time <= start and end <= found.end_time:
        what = "already blocked" if blocked else "already extra availability"
        raise AlreadyThere(f"{what}: {label}.", "start_time", found)
    what = "blocked time" if blocked else "extra availability"
    raise AlreadyThere(
        f"overlaps {what} {label}: delete that one first, or choose only the time outside it.",
        "start_time",
        found,
    )


def _conflicts_in(settings, start: datetime, end: datetime, now: datetime) -> list[ConflictView]:
    sessions = [
        s
        for s in coaches.scheduled_in(settings.coach_id, max(start, now), end)
        if s.start_time > now
    ]
    return conflicts_among(settings, sessions)


def delete_blocked_slot(actor: User, blocked_slot_id: int) -> None:
    """Remove a blocked slot: the time it covered is available again."""
    row = _owned(actor, BlockedSlot, blocked_slot_id, "blocked slot")
    with transaction():
        write_lock()
        db.session.execute(delete(BlockedSlot).where(BlockedSlot.id == row.id))


def create_addition(
    actor: User,
    coach_id: int,
    start: datetime,
    end: datetime,
    room_id: int | None,
    reason: str | None,
) -> AvailabilityAddition:
    """Open ``[start, end)`` for booking outside the weekly template (it also re-opens blocked time)."""
    settings = coaches.get_settings(coach_id)
    coaches.require_manager(actor, coach_id)
    tz = coaches.zone_of(settings)
    start, end = coaches.span(start, end, tz)
    horizon.check_start(start, "start_time", tz)
    reason = _reason(reason)
    room_id = coaches.check_room(room_id)
    with transaction():
        write_lock()
        _refuse_overlap(AvailabilityAddition, coach_id, start, end, tz)
        row = AvailabilityAddition(
            coach_id=coach_id, start_time=start, end_time=end, room_id=room_id, reason=reason
        )
        db.session.add(row)
    return row


def delete_addition(actor: User, addition_id: int) -> None:
    """Remove an availability addition; sessions inside it may become conflicts."""
    row = _owned(actor, AvailabilityAddition, addition_id, "availability addition")
    with transaction():
        write_lock()
        db.session.execute(delete(AvailabilityAddition).where(AvailabilityAddition.id == row.id))


def list_blocked(actor: User, coach_id: int, start: datetime, end: datetime) -> list[BlockedSlot]:
    """A coach's blocked slots overlapping ``[start, end)``, in start order; only the coach or an
    admin may read them (Forbidden otherwise)."""
    settings = coaches.get_settings(coach_id)
    coaches.require_manager(actor, coach_id)
    start, end = coaches.span(start, end, coaches.zone_of(settings))
    return coaches.blocked_in(coach_id, start, end)


def list_additions(
    actor: User, coach_id: int, start: datetime, end: datetime
) -> list[AvailabilityAddition]:
    """A coach's availability additions overlapping ``[start, end)``, in start order; only the
    coach or an admin may read them (Forbidden otherwise)."""
    settings = coaches.get_settings(coach_id)
    coaches.require_manager(actor, coach_id)
    start, end = coaches.span(start, end, coaches.zone_of(settings))
    return coaches.additions_in(coach_id, start, end)


def _owned(actor: User, model, row_id: object, what: str):
    row = visible_row(model, row_id, what)
    coaches.require_manager(actor, row.coach_id)
    return row

"""Moving a member's recurring booking to another weekly time from a date on.

How: the old series ends the day before ``from_date`` (or, if it had not begun by then, is
cancelled) and its scheduled sessions from that date on are cancelled (their credits given back);
a new series for the same member, coach, length and frequency starts on ``from_date`` at the new
weekday and time, and its sessions of the next weeks are made now, as for a new booking.

Why not change the weekday and time of the row in place: every made session is keyed by its
series and its ``occurrence_start`` (the nightly materializer in ``services.sessions`` skips an
occurrence whose key exists). Rewriting the row would leave the old keys on the sessions before
``from_date`` and on the moved ones, so the materializer would see the new times as never made,
or the moved sessions would need keys that never were occurrences of the row. Ending one series
and starting another keeps every key an occurrence of its own series: the old series makes
nothing from ``from_date`` on (its end date), the new one nothing before it.

The new time is checked like a new series (``bookings.series_request``: a one-to-one window on
that weekday, the horizon; then overlaps with the coach's other series and sessions, the room),
with the old series' sessions out of the way. A refusal names the dates. The member is told once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import RecurringBooking, TrainingSession, User, utcnow
from ..scheduling import DAY_NAMES, ValidationError, format_hhmm, local_datetime, parse_hhmm
from ..vocab import Canceller, NotificationKind, Role, SeriesStatus, SessionStatus, SessionType
from . import bookings, coaches, memberships, undo
from .bookings import SeriesSpec, taken_error
from .db import coach_lock, locked_row, transaction
from .errors import (
    AlreadyCancelled,
    AlreadyUndone,
    NotFound,
    ValidationFailed,
)
from .notifications import notify, when_for
from .zones import zone_name


@dataclass(frozen=True)
class SeriesMove:
    """What a series move did (or, previewed, would do): plain values, safe after a rollback.

    ``cancelled`` are the old series' sessions from ``from_date`` on (ids, start instants),
    ``made`` the new series' session starts, ``skipped_blocked`` the new weekday's dates left out
    because the coach blocked them. ``old_end_date``/``old_status`` are the old row's values
    before the move (what an undo puts back)."""

    old_series_id: int
    new_series_id: int | None
    member_id: int
    from_date: date
    old_when: str
    new_when: str
    cancelled: tuple[int, ...]
    cancelled_starts: tuple[datetime, ...]
    made: tuple[datetime, ...]
    skipped_blocked: tuple[date, ...]
    old_end_date: date | None
    old_status: str


class _DryRun(Exception):
    def __init__(self, result: SeriesMove) -> None:
        self.result = result


def weekly_when(day_of_week: int, start: str, frequency: int = 1) -> str:
    """``every Monday 16:00`` (``every other Monday 16:00`` for a bi-weekly series)."""
    other = "other " if frequency == 2 else ""
    return f"every {other}{DAY_NAMES[day_of_week]} {start}"


def _dates(days) -> str:
    return ", ".join(f"{d:%a %-d %b %Y}" for d in days)


def _own_series(actor: User, series_id: int) -> RecurringBooking:
    """The series, locked, if ``actor`` is its coach or an admin (NotFound for anyone else)."""
    row = locked_row(RecurringBooking, series_id)
    if row is None or not (
        actor.role == Role.ADMIN or (actor.role == Role.COACH and actor.id == row.coach_id)
    ):
        raise NotFound(f"There is no recurring booking with id {series_id}.")
    return row


def _spec(row: RecurringBooking, day_of_week: int, start: str, from_date: date) -> SeriesSpec:
    """The new series as a booking request: the old one's member, length, frequency and end."""
    try:
        start_minute = parse_hhmm(start, "time")
    except ValidationError as exc:
        raise ValidationFailed(exc.message, field="time") from exc
    length = parse_hhmm(row.end_time) - parse_hhmm(row.start_time)
    if start_minute + length > 24 * 60:
        raise ValidationFailed(
            "the session would end after midnight; pick an earlier time.", field="time"
        )
    end_date = row.end_date
    if end_date is not None and end_date < from_date:
        raise ValidationFailed("the recurring booking ends before that date.", field="from_date")
    return SeriesSpec(
        coach_id=row.coach_id,
        day_of_week=day_of_week,
        start_time=format_hhmm(start_minute),
        end_time=format_hhmm(start_minute + length),
        start_date=from_date,
        end_date=end_date,
        frequency=row.frequency,
        member_id=row.member_id,
    )


def _end_coming(series_id: int, since: datetime, now: datetime) -> list[TrainingSession]:
    """Cancel (by the coach, credits back, nobody told here) the series' scheduled sessions that
    start after ``since`` and have not started; return them in start order."""
    found = list(
        db.session.scalars(
            select(TrainingSession)
            .where(
                TrainingSession.recurring_booking_id == series_id,
                TrainingSession.status == SessionStatus.SCHEDULED,
                TrainingSession.start_time >= since,
                TrainingSession.start_time > now,
            )
            .order_by(TrainingSession.start_time)
            .with_for_update()
        )
    )
    for session in found:
        session.status = SessionStatus.CANCELLED
        session.cancelled_by = Canceller.COACH
        session.cancelled_at = now
        memberships.give_back(session)
    return found


def _check_day(day_of_week: object) -> int:
    if (
        isinstance(day_of_week, bool)
        or not isinstance(day_of_week, int)
        or not 0 <= day_of_week <= 6
    ):
        raise ValidationFailed("pick a weekday.", field="day_of_week")
    return day_of_week


def move_series(
    actor: User,
    series_id: int,
    day_of_week: int,
    start: str,
    from_date: date,
    now: datetime | None = None,
    dry_run: bool = False,
) -> SeriesMove:
    """Move a member's active recurring booking to ``day_of_week`` (0 = Sunday) at ``start``
    (``HH:MM``, coach's zone, same length) from ``from_date`` on (see the module's docstring).

    The coach of the series or an admin may (NotFound otherwise). Refused: a group class series or
    one that has ended (ValidationFailed / AlreadyCancelled), the same time, a time outside the
    coach's one-to-one windows (SlotUnavailable), dates where it would overlap another series or
    session (Overlap) or where its room is taken (RoomTaken), each naming the dates. With
    ``dry_run`` the same checks run and nothing is stored (the confirmation step's preview)."""
    now = now or utcnow()
    day_of_week = _check_day(day_of_week)
    coaches.check_date(from_date, "from_date")
    row = db.session.get(RecurringBooking, series_id) if coaches.is_id(series_id) else None
    if row is None or not coaches.is_party(actor, row.coach_id, None):
        raise NotFound(f"There is no recurring booking with id {series_id}.")
    spec = _spec(row, day_of_week, start, from_date)
    # Read-only validation first (the write lock below starts the transaction afresh).
    request = bookings.series_request(actor, spec, now=now)
    try:
        with transaction():
            coach_lock(spec.coach_id)
            result = _move(actor, series_id, spec, request, now)
            if dry_run:
                raise _DryRun(result)
    except _DryRun as done:
        return done.result
    except IntegrityError as exc:
        raise taken_error(exc) from exc
    return result


def _move(actor: User, series_id: int, spec: SeriesSpec, request, now: datetime) -> SeriesMove:
    row = _own_series(actor, series_id)
    if row.status != SeriesStatus.ACTIVE:
        raise AlreadyCancelled("This recurring booking has ended; it cannot be moved.")
    if row.session_type != SessionType.ONE_TO_ONE:
        raise ValidationFailed(
            "a group class series is moved from its class page, not here.", field="series_id"
        )
    if row.day_of_week == spec.day_of_week and row.start_time == spec.start_time:
        raise ValidationFailed("the recurring booking is already at that time.", field="time")
    settings = request.settings
    tz = coaches.zone_of(settings)
    old_when = weekly_when(row.day_of_week, row.start_time, row.frequency)
    new_when = weekly_when(spec.day_of_week, spec.start_time, row.frequency)
    old_end, old_status = row.end_date, row.status
    cutoff = local_datetime(spec.start_date, 0, tz)
    old_sessions = _end_coming(row.id, cutoff, now)
    if spec.start_date > row.start_date:
        row.end_date = spec.start_date - timedelta(days=1)
    else:
        row.status = SeriesStatus.CANCELLED
        row.cancelled_at = now
    db.session.flush()
    refusals = bookings.SeriesRefusals(
        overlap=f"At {new_when} it would overlap another recurring booking on {{dates}}; "
        "pick another time.",
        taken=f"At {new_when} the coach already has a session on {{dates}}; pick another time.",
        room=f"{{room}} is taken at {new_when} on {{dates}}; pick another time.",
        dates=_dates,
    )
    new, made, plan = bookings.store_series(request, refusals=refusals, require_first=False)
    coach = db.session.get(User, row.coach_id)
    first = min((s.start_time for s in made), default=None)
    since = when_for(row.member_id, first, now) if first else f"{spec.start_date:%-d %b %Y}"
    notify(
        row.member_id,
        NotificationKind.SESSION_MOVED,
        f"Your sessions {old_when} with {coach.name} were moved by your coach to {new_when} "
        f"{zone_name(tz)}, from {since} on.",
        session_id=made[0].id if made else None,
    )
    return SeriesMove(
        old_series_id=row.id,
        new_series_id=new.id,
        member_id=row.member_id,
        from_date=spec.start_date,
        old_when=old_when,
        new_when=new_when,
        cancelled=tuple(s.id for s in old_sessions),
        cancelled_starts=tuple(s.start_time for s in old_sessions),
        made=tuple(sorted(s.start_time for s in made)),
        skipped_blocked=tuple(o.local_date for o in plan.skipped_blocked),
        old_end_date=old_end,
        old_status=old_status,
    )


def offer_undo(actor: User, done: SeriesMove) -> str:
    """The Undo token of a series move (``series_move_back`` with what it changed)."""
    return undo.offer(
        actor,
        "series_move_back",
        old_series_id=done.old_series_id,
        new_series_id=done.new_series_id,
        session_ids=list(done.cancelled),
        end_date=None if done.old_end_date is None else done.old_end_date.isoformat(),
        status=done.old_status,
    )


@undo.reversal("series_move_back")
def move_back(
    actor: User,
    now: datetime,
    old_series_id: int,
    new_series_id: int,
    session_ids: list[int],
    end_date: str | None,
    status: str,
) -> str:
    """Undo a series move: the new series ends (its sessions not yet begun are cancelled, credits
    back), the old one gets its end date and status back and its cancelled sessions not yet begun
    are scheduled again (each draws its credit again; a time taken meanwhile refuses it all). The
    member is told once."""
    try:
        with transaction():
            new = _own_series(actor, new_series_id)
            coach_lock(new.coach_id)
            if new.status != SeriesStatus.ACTIVE:
                raise AlreadyUndone("That move has been undone already.")
            old = _own_series(actor, old_series_id)
            _end_coming(new.id, now, now)
            new.status, new.cancelled_at = SeriesStatus.CANCELLED, now
            old.status = status
            old.end_date = None if end_date is None else date.fromisoformat(end_date)
            if status == SeriesStatus.ACTIVE:
                old.cancelled_at = None
            db.session.flush()
            back = db.session.scalars(
                select(TrainingSession)
                .where(
                    TrainingSession.id.in_([int(i) for i in session_ids]),
                    TrainingSession.recurring_booking_id == old.id,
                    TrainingSession.status == SessionStatus.CANCELLED,
                    TrainingSession.start_time > now,
                )
                .order_by(TrainingSession.start_time)
            )
            for session in back:
                session.status = SessionStatus.SCHEDULED
                session.cancelled_by = None
                session.cancelled_at = None
                held = memberships.draw(
                    session.member_id,
                    SessionType.ONE_TO_ONE,
                    memberships.local_date(session.start_time),
                    now,
                )
                session.membership_id = None if held is None else held.id
                db.session.flush()
            old_when = weekly_when(old.day_of_week, old.start_time, old.frequency)
            new_when = weekly_when(new.day_of_week, new.start_time, new.frequency)
            coach = db.session.get(User, old.coach_id)
            notify(
                old.member_id,
                NotificationKind.SESSION_MOVED,
                f"Your sessions with {coach.name} are {old_when} again (not {new_when}): "
                "your coach undid the change.",
            )
    except IntegrityError as exc:
        raise taken_error(exc) from exc
    return f"Undone: the sessions are {old_when} again."


__all__ = ["SeriesMove", "move_back", "move_series", "offer_undo", "weekly_when"]

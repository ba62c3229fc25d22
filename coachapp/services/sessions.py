"""Sessions: listing, conflicts with availability, cancellation, no-shows and the nightly job."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    AvailabilityAddition,
    BlockedSlot,
    Booking,
    CoachSettings,
    RecurringBooking,
    TrainingSession,
    User,
    utcnow,
)
from ..scheduling import (
    CoachCalendar,
    Interval,
    RecurringSeries,
    SessionSpan,
    find_conflicts,
    local_datetime,
    parse_hhmm,
    plan_materialization,
)
from ..scheduling.materialize import unfinished_series
from ..vocab import (
    ACTIVE_BOOKING_STATUSES,
    BookingStatus,
    Canceller,
    NotificationKind,
    Role,
    SeriesStatus,
    SessionStatus,
    SessionType,
    values,
)
from . import coaches, horizon, memberships
from .db import is_postgres, locked_row, transaction, write_lock
from .errors import (
    AlreadyCancelled,
    Conflict,
    Forbidden,
    InPast,
    NotFound,
    NotStarted,
    ValidationFailed,
)
from .notifications import notify, when_for

RESOLVE_ACTIONS = ("cancel", "keep")
KEPT_REASON = "Kept conflicting session"
INSERT_CHUNK = 5000
MATERIALIZE_LOCK_NAMESPACE = 7462  # pg_advisory_xact_lock(namespace, 0): one nightly run at a time


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConflictView:
    """A future scheduled session outside the coach's availability, and why
    (``in_blocked_slot`` or ``outside_weekly_template``)."""

    session: TrainingSession
    reason: str


@dataclass(frozen=True)
class MaterializeResult:
    """What one run of the nightly job did."""

    created: int = 0
    skipped_blocked: int = 0
    skipped_existing: int = 0
    collisions: int = 0
    completed: int = 0
    invalid: int = 0  # series skipped because their stored data no longer makes sense (logged)
    # occurrences not made: no valid membership or credit (COACHAPP_REQUIRE_MEMBERSHIP)
    skipped_no_membership: int = 0

    def summary(self) -> str:
        """The one line the CLI prints."""
        return (
            f"created {self.created}, skipped as blocked {self.skipped_blocked}, "
            f"skipped as existing {self.skipped_existing}, collisions {self.collisions}, "
            f"completed {self.completed}, skipped_no_membership {self.skipped_no_membership}"
        ) + (f", skipped as invalid {self.invalid}" if self.invalid else "")


def list_sessions(
    actor: User,
    coach_id: int | None = None,
    member_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    status: str | None = None,
) -> list[TrainingSession]:
    """Sessions overlapping ``[start, end)``, filtered, in start order.

    A member sees only the sessions they attend (their one-to-one sessions and the group classes
    they hold or held a place in), a coach only their own; asking for someone else's is
    Forbidden. An admin sees everything.
    """
    if actor.role == Role.MEMBER:
        if member_id is not None and member_id != actor.id:
            raise Forbidden("Members see only their own sessions.")
        member_id = actor.id
    elif actor.role == Role.COACH:
        if coach_id is not None and coach_id != actor.id:
            raise Forbidden("Coaches see only their own sessions.")
        coach_id = actor.id
    elif actor.role != Role.ADMIN:
        raise Forbidden("You may not list sessions.")
    if status is not None and status not in values(SessionStatus):
        raise ValidationFailed(f"use one of {', '.join(SessionStatus)}.", field="status")
    gym = _gym_zone()
    if start is not None:
        start = coaches.aware(start, gym, "from")
    if end is not None:
        end = coaches.aware(end, gym, "to")
    if start is not None and end is not None and end <= start:
        raise ValidationFailed("the end of the range must be after its start.", field="to")

    for value in (coach_id, member_id):
        if value is not None and not coaches.is_id(value):
            return []
    query = select(TrainingSession)
    if coach_id is not None:
        query = query.where(TrainingSession.coach_id == coach_id)
    if member_id is not None:
        places = select(Booking.session_id).where(Booking.member_id == member_id)
        query = query.where(
            (TrainingSession.member_id == member_id)
            | ((TrainingSession.type == SessionType.GROUP) & TrainingSession.id.in_(places))
        )
    if status is not None:
        query = query.where(TrainingSession.status == status)
    if start is not None:
        query = query.where(
            TrainingSession.end_time > start,
            TrainingSession.start_time >= start - coaches.MAX_SESSION,
        )
    if end is not None:
        query = query.where(TrainingSession.start_time < end)
    query = query.options(
        selectinload(TrainingSession.coach),
        selectinload(TrainingSession.member),
        selectinload(TrainingSession.room),
    ).order_by(TrainingSession.start_time, TrainingSession.id)
    return list(db.session.scalars(query))


def get_session(actor: User, session_id: int) -> TrainingSession:
    """One session the actor may see (else NotFound)."""
    session = None
    if coaches.is_id(session_id):
        session = db.session.get(TrainingSession, session_id)
    if session is None or not coaches.can_see_session(actor, session):
        raise NotFound(f"There is no session with id {session_id}.")
    return session


def future_scheduled(coach_id: int, now: datetime) -> list[TrainingSession]:
    """A coach's scheduled sessions that have not started, in start order."""
    return list(
        db.session.scalars(
            select(TrainingSession)
            .where(
                TrainingSession.coach_id == coach_id,
                TrainingSession.status == SessionStatus.SCHEDULED,
                TrainingSession.start_time > now,
            )
            .order_by(TrainingSession.start_time, TrainingSession.id)
        )
    )


def conflicts_among(
    settings: CoachSettings,
    sessions: Sequence[TrainingSession],
    extra_blocked: Iterable[BlockedSlot] = (),
) -> list[ConflictView]:
    """Which of a coach's ``sessions`` lie outside availability (the core decides), in start order.

    One-to-one sessions are checked against one-to-one windows, group sessions against group
    windows. ``extra_blocked`` adds blocked slots not yet stored (for previews).
    """
    if not sessions:
        return []
    tz = coaches.zone_of(settings)
    lo = min(s.start_time for s in sessions)
    hi = max(s.end_time for s in sessions)
    rows = coaches.weekly_rows(settings.coach_id)
    blocked = [coaches.interval(b) for b in coaches.blocked_in(settings.coach_id, lo, hi)]
    blocked += [coaches.interval(b) for b in extra_blocked]
    additions = [coaches.interval(a) for a in coaches.additions_in(settings.coach_id, lo, hi)]
    by_id = {s.id: s for s in sessions}
    out: list[ConflictView] = []
    for kind in (SessionType.ONE_TO_ONE, SessionType.GROUP):
        spans = [SessionSpan(str(s.id), coaches.interval(s)) for s in sessions if s.type == kind]
        if not spans:
            continue
        windows = coaches.core_windows(rows, kind)
        for found in find_conflicts(spans, windows, tz, blocked, additions):
            out.append(ConflictView(by_id[int(found.session_id)], found.reason))
    out.sort(key=lambda c: (c.session.start_time, c.session.id))
    return out


def list_conflicts(actor: User, coach_id: int, now: datetime | None = None) -> list[ConflictView]:
    """A coach's future scheduled sessions that no longer fit availability, with the reason."""
    settings = coaches.get_settings(coach_id)
    coaches.require_manager(actor, coach_id)
    now = now or utcnow()
    return conflicts_among(settings, future_scheduled(coach_id, now))


def count_conflicts(actor: User, coach_id: int, now: datetime | None = None) -> int:
    """How many of a coach's future sessions are conflicts (the badge): the same rule as
    ``list_conflicts``, reading four columns instead of whole sessions."""
    settings = coaches.get_settings(coach_id)
    coaches.require_manager(actor, coach_id)
    now = now or utcnow()
    rows = db.session.execute(
        select(
            TrainingSession.id,
            TrainingSession.start_time,
            TrainingSession.end_time,
            TrainingSession.type,
        ).where(
            TrainingSession.coach_id == coach_id,
            TrainingSession.status == SessionStatus.SCHEDULED,
            TrainingSession.start_time > now,
        )
    ).all()
    return len(conflicts_among(settings, rows))


def locked_session(actor: User, session_id: int) -> TrainingSession:
    """Take the write lock, then load the session (row-locked on PostgreSQL) if the actor sees it."""
    write_lock()
    session = locked_row(TrainingSession, session_id)
    if session is None or not coaches.can_see_session(actor, session):
        raise NotFound(f"There is no session with id {session_id}.")
    return session


def canceller(actor: User) -> str:
    """``MEMBER`` when a member cancels, ``COACH`` when a coach or an admin does."""
    return Canceller.MEMBER if actor.role == Role.MEMBER else Canceller.COACH


def free_cancellation_until(start: datetime, window_hours: int) -> datetime:
    """The last instant a session starting at ``start`` can be cancelled free of charge: the start
    minus the coach's cancellation window (the policy the booking sheet shows before Confirm)."""
    return start - timedelta(hours=window_hours)


def is_late_cancel(start: datetime, window_hours: int, when: datetime) -> bool:
    """Whether cancelling at ``when`` a session that starts at ``start`` is a late cancel: inside
    the coach's cancellation window, i.e. less than ``window_hours`` before the start. Exactly
    ``window_hours`` before is still in time. The one rule the services, billing and the member
    pages apply."""
    return when > free_cancellation_until(start, window_hours)


def cancel_one(
    session: TrainingSession,
    by: str,
    now: datetime,
    settings: CoachSettings | None = None,
    coach: User | None = None,
) -> None:
    """Cancel a scheduled session and its active bookings; tell its members when the coach did.

    A member's cancellation within the coach's cancellation window before the start is late (and
    billable): the booking records it, and the session keeps its membership credit; otherwise
    the credits (the session's, or each place's) are given back. Cancelling a group class
    cancels every confirmed and waitlisted place (``CANCELLED_BY_COACH``) and notifies each of
    those members.
    """
    session.status = SessionStatus.CANCELLED
    session.cancelled_by = by
    session.cancelled_at = now
    settings = settings or coaches.get_settings(session.coach_id)
    late = is_late_cancel(session.start_time, settings.cancellation_window_hours, now)
    bookings = list(
        db.session.scalars(
            select(Booking)
            .where(Booking.session_id == session.id, Booking.status.in_(ACTIVE_BOOKING_STATUSES))
            .order_by(Booking.created_at, Booking.id)
        )
    )
    told = [] if session.member_id is None else [session.member_id]
    for booking in bookings:
        was_confirmed = booking.status == BookingStatus.CONFIRMED
        booking.status = (
            BookingStatus.CANCELLED_BY_MEMBER
            if by == Canceller.MEMBER
            else BookingStatus.CANCELLED_BY_COACH
        )
        booking.cancelled_at = now
        booking.late_cancel = by == Canceller.MEMBER and late and was_confirmed
        if booking.member_id not in told:
            told.append(booking.member_id)
    if by == Canceller.COACH or not late:
        # A coach's or an in-time cancel gives the credits back; a late one keeps them used.
        for holder in bookings if session.type == SessionType.GROUP else [session]:
            memberships.give_back(holder)
    if by == Canceller.COACH and told:
        coach = coach or db.session.get(User, session.coach_id)
        what = (
            f"Your {session.title} class" if session.type == SessionType.GROUP else "Your session"
        )
        for member_id in told:
            when = when_for(member_id, session.start_time, now)
            notify(
                member_id,
                NotificationKind.SESSION_CANCELLED,
                f"{what} on {when} with {coach.name} was cancelled by your coach.",
                session_id=session.id,
            )


def _check_cancellable(session: TrainingSession, now: datetime) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise AlreadyCancelled("This session is cancelled already.")
    if session.start_time <= now or session.status != SessionStatus.SCHEDULED:
        raise InPast("This session has already started; it can no longer be cancelled.")


def cancel_session(actor: User, session_id: int, now: datetime | None = None) -> TrainingSession:
    """Cancel one session (e.g. one occurrence of a recurring booking) before it starts.

    The member it is for, its coach or an admin may; the series itself stays active. A member
    asking this of a group class gives up their place in it (``group_classes.leave_session``);
    the class goes on.
    """
    now = now or utcnow()
    if actor.role == Role.MEMBER and coaches.is_id(session_id):
        found = db.session.get(TrainingSession, session_id)
        if found is not None and found.type == SessionType.GROUP:
            from .group_classes import leave_session

            return leave_session(actor, session_id, now=now).session
    with transaction():
        session = locked_session(actor, session_id)
        _check_cancellable(session, now)
        cancel_one(session, canceller(actor), now)
    return session


def resolve_conflict(
    actor: User, session_id: int, action: str, now: datetime | None = None
) -> TrainingSession:
    """Settle a conflict: ``keep`` whitelists exactly the session's slot with an availability
    addition; ``cancel`` cancels it (booking ``CANCELLED_BY_COACH``) and notifies the member."""
    if action not in RESOLVE_ACTIONS:
        raise ValidationFailed("use 'cancel' or 'keep'.", field="action")
    now = now or utcnow()
    with transaction():
        session = locked_session(actor, session_id)
        coaches.require_manager(actor, session.coach_id)
        _check_cancellable(session, now)
        settings = coaches.get_settings(session.coach_id)
        if not conflicts_among(settings, [session]):
            raise Conflict(
                "This session fits the coach's availability; there is no conflict to resolve."
            )
        if action == "keep":
            keep(session)
        else:
            cancel_one(session, Canceller.COACH, now, settings)
    return session


def keep(session: TrainingSession) -> None:
    """Whitelist a conflicting session: an availability addition for exactly its slot and room."""
    db.session.add(
        AvailabilityAddition(
            coach_id=session.coach_id,
            start_time=session.start_time,
            end_time=session.end_time,
            room_id=session.room_id,
            reason=KEPT_REASON,
        )
    )


def mark_no_show(actor: User, session_id: int, now: datetime | None = None) -> TrainingSession:
    """Record that the member did not come (billable); only once the session has started."""
    now = now or utcnow()
    with transaction():
        session = locked_session(actor, session_id)
        coaches.require_manager(actor, session.coach_id)
        if session.status == SessionStatus.CANCELLED:
            raise AlreadyCancelled("This session was cancelled; it cannot be a no-show.")
        if session.start_time > now:
            raise NotStarted("The session has not started yet; mark a no-show once it has.")
        session.status = SessionStatus.NO_SHOW
        bookings = db.session.scalars(
            select(Booking).where(
                Booking.session_id == session.id, Booking.status == BookingStatus.CONFIRMED
            )
        )
        for booking in bookings:
            booking.status = BookingStatus.NO_SHOW
    return session


_SERIES_TABLE = RecurringBooking.__table__
_SESSIONS_TABLE = TrainingSession.__table__
_SERIES_COLUMNS = tuple(
    _SERIES_TABLE.c[name]
    for name in (
        "id",
        "coach_id",
        "day_of_week",
        "start_time",
        "end_time",
        "start_date",
        "end_date",
        "frequency",
        "member_id",
        "room_id",
    )
)


_minute_of = lru_cache(maxsize=2048)(parse_hhmm)
"""``parse_hhmm`` remembered: thousands of series share a few dozen times of day."""


def _str_or_none(value: int | None) -> str | None:
    return None if value is None else str(value)


def to_series(row, series_id: str | None = None) -> RecurringSeries:
    """A recurring_bookings row (entity or row of its columns) as the core's RecurringSeries."""
    return _series_of(
        (
            series_id or row.id,
            row.coach_id,
            row.day_of_week,
            row.start_time,
            row.end_time,
            row.start_date,
            row.end_date,
            row.frequency,
            row.member_id,
            row.room_id,
        )
    )


def _series_of(values: Sequence) -> RecurringSeries:
    """The values of ``_SERIES_COLUMNS``, in that order, as the core's RecurringSeries (a row
    read by position: cheaper than by name when there are thousands)."""
    series_id, coach_id, day, start, end, start_date, end_date, frequency, member, room = values
    return RecurringSeries(
        str(series_id),
        str(coach_id),
        day,
        _minute_of(start),
        _minute_of(end),
        start_date,
        end_date,
        frequency,
        _str_or_none(member),
        _str_or_none(room),
    )


def session_row(planned, now: datetime) -> dict:
    """The training_sessions values for one planned occurrence of a series."""
    return {
        "coach_id": int(planned.coach_id),
        "member_id": None if planned.member_id is None else int(planned.member_id),
        "room_id": None if planned.room_id is None else int(planned.room_id),
        "start_time": planned.interval.start_utc,
        "end_time": planned.interval.end_utc,
        "occurrence_start": planned.interval.start_utc,
        "type": SessionType.ONE_TO_ONE,
        "status": SessionStatus.SCHEDULED,
        "recurring_booking_id": int(planned.series_id),
        "title": "Training session",
        "capacity": 1,
        "created_at": now,
        "membership_id": None,
    }


def with_group_fields(rows: list[dict]) -> list[dict]:
    """``session_row`` values made group classes where their series is one (``GROUP``): type,
    title and capacity from the series, no member. Reads the active group series once (few)."""
    groups = {
        series_id: (title, capacity)
        for series_id, title, capacity in db.session.execute(
            select(_SERIES_TABLE.c.id, _SERIES_TABLE.c.title, _SERIES_TABLE.c.capacity).where(
                _SERIES_TABLE.c.session_type == SessionType.GROUP,
                _SERIES_TABLE.c.status == SeriesStatus.ACTIVE,
            )
        ).all()
    }
    for row in rows if groups else ():
        found = groups.get(row["recurring_booking_id"])
        if found is not None:
            row.update(type=SessionType.GROUP, title=found[0] or "Group class", capacity=found[1])
            row["member_id"] = None
    return rows


_SESSION_COLUMNS = {
    "coach_id": "integer[]",
    "member_id": "integer[]",
    "room_id": "integer[]",
    "start_time": "timestamptz[]",
    "end_time": "timestamptz[]",
    "occurrence_start": "timestamptz[]",
    "type": "varchar[]",
    "status": "varchar[]",
    "recurring_booking_id": "integer[]",
    "title": "varchar[]",
    "capacity": "integer[]",
    "created_at": "timestamptz[]",
    "membership_id": "integer[]",
}
_PG_INSERT = (
    "WITH inserted AS (INSERT INTO training_sessions ({cols}) SELECT * FROM unnest({arrays}) "
    "{conflict}RETURNING 1) SELECT count(*) FROM inserted"
)
_PG_ARGS = {
    "cols": ", ".join(_SESSION_COLUMNS),
    "arrays": ", ".join(f"CAST(:{c} AS {t})" for c, t in _SESSION_COLUMNS.items()),
}
_PG_BULK_INSERT = text(_PG_INSERT.format(conflict="", **_PG_ARGS))
_PG_BULK_INSERT_SKIPPING = text(_PG_INSERT.format(conflict="ON CONFLICT DO NOTHING ", **_PG_ARGS))


def insert_ignoring_duplicates(rows: list[dict]) -> tuple[int, int]:
    """Insert session rows in chunks, skipping any another writer made first; returns
    ``(inserted, refused)``.

    PostgreSQL: one ``INSERT … SELECT FROM unnest(arrays)`` per chunk (a short statement with one
    array per column, cheap to send). Should another writer have made one of the rows first, the
    chunk is sent again with ``ON CONFLICT DO NOTHING``, which also skips rows the exclusion
    constraints refuse, so two workers at once never make a second session. SQLite:
    ``INSERT … ON CONFLICT DO NOTHING`` as an executemany; its overlap triggers abort a
    statement instead, and then that chunk goes row by row.
    """
    if not rows:
        return 0, 0
    inserted = refused = 0
    if is_postgres():
        for i in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[i : i + INSERT_CHUNK]
            arrays = {c: [row.get(c) for row in chunk] for c in _SESSION_COLUMNS}
            try:
                with db.session.begin_nested():
                    done = db.session.execute(_PG_BULK_INSERT, arrays).scalar_one()
            except IntegrityError:
                done = db.session.execute(_PG_BULK_INSERT_SKIPPING, arrays).scalar_one()
            inserted += done
            refused += len(chunk) - done
        return inserted, refused
    stmt = sqlite.insert(_SESSIONS_TABLE).on_conflict_do_nothing().returning(_SESSIONS_TABLE.c.id)
    for i in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[i : i + INSERT_CHUNK]
        try:
            with db.session.begin_nested():
                done = len(db.session.execute(stmt, chunk).all())
            inserted += done
            refused += len(chunk) - done
            continue
        except IntegrityError:
            pass
        for row in chunk:
            try:
                with db.session.begin_nested():
                    done = len(db.session.execute(stmt, [row]).all())
            except IntegrityError:
                done = 0
            inserted += done
            refused += 1 - done
    return inserted, refused


def _active_series(today: date, horizon_end: date) -> list:
    """The recurring_bookings rows (columns only) active somewhere in ``[today, horizon_end)``."""
    return db.session.execute(
        select(*_SERIES_COLUMNS)
        .where(
            _SERIES_TABLE.c.status == SeriesStatus.ACTIVE,
            _SERIES_TABLE.c.start_date < horizon_end,
            _SERIES_TABLE.c.end_date.is_(None) | (_SERIES_TABLE.c.end_date >= today),
        )
        .order_by(_SERIES_TABLE.c.id)
    ).all()


def _made_keys(coach_ids: list[int], lo: datetime, hi: datetime) -> dict[int, list]:
    """Per coach, the ``(series id, occurrence start)`` of the sessions made from the coach's
    series (in any status, moved or not, and whoever coaches them now: an occurrence handed to a
    cover coach stays made) whose occurrence starts in ``[lo, hi)``: the occurrences already
    materialized. One statement, three plain columns, fetched at once (iterating a result would
    ask the driver row by row)."""
    keys: dict[int, list] = {c: [] for c in coach_ids}
    rows = db.session.execute(
        select(
            _SERIES_TABLE.c.coach_id,
            _SESSIONS_TABLE.c.recurring_booking_id,
            _SESSIONS_TABLE.c.occurrence_start,
        )
        .join(_SERIES_TABLE, _SERIES_TABLE.c.id == _SESSIONS_TABLE.c.recurring_booking_id)
        .where(
            _SERIES_TABLE.c.coach_id.in_(coach_ids),
            _SESSIONS_TABLE.c.occurrence_start >= lo,
            _SESSIONS_TABLE.c.occurrence_start < hi,
        )
    ).all()
    for coach_id, series_id, start in rows:
        keys[coach_id].append((str(series_id), start))
    return keys


def _busy_between(coach_ids: list[int], lo: datetime, hi: datetime) -> dict[int, list]:
    """Per coach, the intervals of the scheduled sessions overlapping ``[lo, hi)``."""
    busy: dict[int, list] = {c: [] for c in coach_ids}
    rows = db.session.execute(
        select(
            _SESSIONS_TABLE.c.coach_id, _SESSIONS_TABLE.c.start_time, _SESSIONS_TABLE.c.end_time
        ).where(
            _SESSIONS_TABLE.c.coach_id.in_(coach_ids),
            _SESSIONS_TABLE.c.status == SessionStatus.SCHEDULED,
            _SESSIONS_TABLE.c.start_time >= lo - coaches.MAX_SESSION,
            _SESSIONS_TABLE.c.start_time < hi,
            _SESSIONS_TABLE.c.end_time > lo,
        )
    ).all()
    for coach_id, start, end in rows:
        busy[coach_id].append(Interval.from_utc(start, end, UTC))
    return busy


def _intervals_between(model, coach_ids: list[int], lo: datetime, hi: datetime) -> dict[int, list]:
    """Per coach, the intervals of ``model`` rows (blocked slots, additions) overlapping
    ``[lo, hi)``."""
    found: dict[int, list] = {c: [] for c in coach_ids}
    table = model.__table__
    rows = db.session.execute(
        select(table.c.coach_id, table.c.start_time, table.c.end_time).where(
            table.c.coach_id.in_(coach_ids), table.c.start_time < hi, table.c.end_time > lo
        )
    ).all()
    for coach_id, start, end in rows:
        found[coach_id].append(Interval(start, end))
    return found


def _zone_or_none(settings: CoachSettings | None) -> ZoneInfo | None:
    """The coach's zone, or None when the settings are missing or name a zone no longer known."""
    try:
        return ZoneInfo(settings.timezone) if settings is not None else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def materialize(today: date, weeks: int = 6) -> MaterializeResult:
    """Create the sessions of every active recurring booking for local dates
    ``[today, today + 7 * weeks)`` (each coach's dates in their zone).

    Idempotent: occurrences already made (in any status) are skipped, as are those inside a blocked
    slot (unless an addition re-opens it) and those that would overlap another scheduled session
    (counted as collisions). Reads each kind of row once for all coaches and inserts in chunks.
    First the ``(series, start)`` keys of the sessions already made are read and the series all
    of whose occurrences exist are set aside (``unfinished_series``); busy time, blocked slots and
    additions are then read only for the coaches of the others, and busy time only from the first
    occurrence still to make. So a run with nothing to do reads three columns of the sessions and
    plans nothing. ``completed`` stays 0 here; ``run_nightly`` also completes ended sessions.
    """
    coaches.check_date(today, "today")
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= 520:
        raise ValidationFailed("materialize 1 to 520 weeks.", field="weeks")
    horizon_end = today + timedelta(days=7 * weeks)
    now = utcnow()
    with transaction():
        write_lock()
        if is_postgres():
            # One run at a time: an occurrence's membership credit is drawn before it is
            # inserted, so two runs planning the same occurrence would draw it twice.
            db.session.execute(
                text("SELECT pg_advisory_xact_lock(:ns, 0)"), {"ns": MATERIALIZE_LOCK_NAMESPACE}
            )
        series_rows = _active_series(today, horizon_end)
        if not series_rows:
            return MaterializeResult()
        coach_ids = sorted({r.coach_id for r in series_rows})
        settings = {
            s.coach_id: s
            for s in db.session.scalars(
                select(CoachSettings).where(CoachSettings.coach_id.in_(coach_ids))
            )
        }
        # Local dates of every zone fit between these instants (offsets stay within ±1 day).
        lo = datetime(today.year, today.month, today.day, tzinfo=UTC) - timedelta(days=1)
        hi = datetime(horizon_end.year, horizon_end.month, horizon_end.day, tzinfo=UTC) + timedelta(
            days=1
        )
        keys = _made_keys(coach_ids, lo, hi)
        made = {}
        for c in coach_ids:
            zone = _zone_or_none(settings.get(c))
            if zone is None:
                log.error("nightly: coach %s has no usable time zone; their series are skipped", c)
                continue
            made[str(c)] = CoachCalendar(str(c), zone, existing_keys=keys[c])
        series, invalid = [], 0
        for r in series_rows:
            try:
                if str(r.coach_id) not in made:
                    raise ValueError("the coach's time zone is unknown")
                series.append(_series_of(r))
            except ValueError as exc:  # old or hand-edited data: skip it, never the whole night
                invalid += 1
                log.error("nightly: recurring booking %s skipped: %s", r.id, exc)
        left = unfinished_series(series, made, today, weeks)
        if not left.series:
            return MaterializeResult(skipped_existing=left.done, invalid=invalid)
        pending = sorted({int(s.coach_id) for s in left.series})
        busy = _busy_between(pending, left.since, hi)
        blocked = _intervals_between(BlockedSlot, pending, lo, hi)
        additions = _intervals_between(AvailabilityAddition, pending, lo, hi)
        calendars = {
            str(c): replace(
                made[str(c)],
                blocked=tuple(blocked[c]),
                additions=tuple(additions[c]),
                busy=tuple(busy[c]),
                default_room_id=_str_or_none(settings[c].default_room_id),
            )
            for c in pending
        }
        plan = plan_materialization(left.series, calendars, today, weeks)
        # Occurrences beyond the 2-year horizon are made by a later night, once within reach.
        drawn = memberships.draw_for_occurrences(
            with_group_fields([session_row(p, now) for p in horizon.within(plan.create, now)])
        )
        created, refused = insert_ignoring_duplicates(drawn.rows)
        if refused:
            return_unmade_credits(drawn.rows)
        memberships.note_gaps(drawn.rows, drawn.skipped)
    return MaterializeResult(
        created=created,
        skipped_blocked=len(plan.skipped_blocked),
        skipped_existing=left.done + len(plan.skipped_existing),
        collisions=len(plan.collisions) + refused,
        invalid=invalid,
        skipped_no_membership=len(drawn.skipped),
    )


def return_unmade_credits(rows: list[dict]) -> None:
    """Give back the credits drawn for planned occurrences the insert refused (a session booked
    meanwhile took the time): those whose (series, occurrence) key is not in the table."""
    drawn = [r for r in rows if r.get("membership_id") is not None]
    if not drawn:
        return
    present = set(
        db.session.execute(
            select(
                _SESSIONS_TABLE.c.recurring_booking_id, _SESSIONS_TABLE.c.occurrence_start
            ).where(
                _SESSIONS_TABLE.c.recurring_booking_id.in_(
                    {r["recurring_booking_id"] for r in drawn}
                ),
                _SESSIONS_TABLE.c.occurrence_start >= min(r["occurrence_start"] for r in drawn),
                _SESSIONS_TABLE.c.occurrence_start <= max(r["occurrence_start"] for r in drawn),
            )
        ).all()
    )
    counts: dict[int, int] = {}
    for row in drawn:
        if (row["recurring_booking_id"], row["occurrence_start"]) not in present:
            counts[row["membership_id"]] = counts.get(row["membership_id"], 0) + 1
    memberships.return_credits(counts)


def complete_ended(now: datetime | None = None) -> int:
    """Mark every scheduled session that has ended by ``now`` completed; returns how many."""
    now = now or utcnow()
    with transaction():
        write_lock()
        result = db.session.execute(
            update(_SESSIONS_TABLE)
            .where(
                _SESSIONS_TABLE.c.status == SessionStatus.SCHEDULED,
                _SESSIONS_TABLE.c.end_time <= now,
            )
            .values(status=SessionStatus.COMPLETED)
        )
        count = result.rowcount or 0
    return count


def run_nightly(
    today: date | None = None, now: datetime | None = None, weeks: int | None = None
) -> MaterializeResult:
    """The nightly job: materialize the weeks ahead, then complete the sessions that ended.

    ``today`` defaults to today in the gym's zone; ``now`` defaults to the real clock, or, when only
    ``today`` is given, to the start of that day in the gym's zone (so ``--today`` runs as that day).
    """
    gym = _gym_zone()
    if today is not None:
        coaches.check_date(today, "today")
    if now is None:
        # api-v1.md: `--today` sets the day the job runs as, also for what counts as ended.
        now = utcnow() if today is None else local_datetime(today, 0, gym)
    if today is None:
        today = now.astimezone(gym).date()
    weeks = weeks or int(current_app.config.get("MATERIALIZE_WEEKS", 6))
    result = materialize(today, weeks)
    return replace(result, completed=complete_ended(now))


def _gym_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["COACHAPP_TIMEZONE"])

"""Moving a session to another time, and settling all of a series' conflicts at once.

Both are what a coach does on the conflicts page instead of cancelling one row at a time: keep or
cancel every conflicting occurrence of a recurring booking, or move one session to a free time
nearby (the member is told). The rules (availability, overlaps) come from the scheduling core and
the database constraints, as for a booking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    Booking,
    RecurringBooking,
    TrainingSession,
    User,
    utcnow,
)
from ..scheduling import Interval
from ..vocab import (
    ACTIVE_BOOKING_STATUSES,
    BookingStatus,
    Canceller,
    NotificationKind,
    Role,
    SessionStatus,
    SessionType,
)
from . import booking_rules, coaches, horizon, memberships
from .bookings import cancel_recurring, check_open
from .db import constraint_name, transaction, write_lock
from .errors import (
    AlreadyCancelled,
    Conflict,
    InPast,
    NotFound,
    SlotTaken,
    TooLateToChange,
    ValidationFailed,
)
from .notifications import local_when, named_when, notify, recipient_zone
from .sessions import (
    RESOLVE_ACTIONS,
    cancel_one,
    conflicts_among,
    is_late_cancel,
    keep,
    locked_session,
)
from .slots import Slot, bookable_slots


def _recipients(session: TrainingSession) -> list[int]:
    """Everyone concerned by a session: its member and the members of its confirmed and
    waitlisted bookings."""
    ids = set(
        db.session.scalars(
            select(Booking.member_id).where(
                Booking.session_id == session.id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            )
        )
    )
    if session.member_id is not None:
        ids.add(session.member_id)
    return sorted(ids)


def move_session(
    actor: User,
    session_id: int,
    start: datetime,
    end: datetime | None = None,
    now: datetime | None = None,
) -> TrainingSession:
    """Move a scheduled session that has not started to ``[start, end)`` (default: same length).

    The new time must lie wholly inside the coach's availability for the session's type (else
    SlotUnavailable) and overlap none of the coach's other scheduled sessions (else SlotTaken; the
    database's overlap constraints decide races). The room becomes that of the window or addition
    the new time lies in, else the coach's default room. Everyone attending is notified.

    An occurrence of a recurring booking keeps its series and its occurrence key
    (``occurrence_start``), so the nightly job does not make that occurrence again at the old time.
    """
    now = now or utcnow()
    with _race_refused():
        with transaction():
            session = locked_session(actor, session_id)
            coaches.require_manager(actor, session.coach_id)
            old = _reschedule(actor, session, start, end, now)
            coach = db.session.get(User, session.coach_id)
            for member_id in _recipients(session):
                zone = recipient_zone(member_id)
                message = (
                    f"Your session on {local_when(old.start, zone, now)} with {coach.name} was "
                    f"moved to {named_when(session.start_time, zone, now, session.end_time)} "
                    "by your coach."
                )
                notify(member_id, NotificationKind.SESSION_MOVED, message, session_id=session.id)
    return session


def resolve_series(
    actor: User, series_id: int, action: str, now: datetime | None = None
) -> list[TrainingSession]:
    """Settle every conflicting future occurrence of a recurring booking at once.

    ``keep`` adds one availability addition per conflicting occurrence (exactly its slot);
    ``cancel`` cancels each (bookings ``CANCELLED_BY_COACH``) and notifies the member. The series
    itself stays active. Returns the sessions settled, in start order; Conflict when none of the
    series' sessions is in conflict.
    """
    if action not in RESOLVE_ACTIONS:
        raise ValidationFailed("use 'cancel' or 'keep'.", field="action")
    now = now or utcnow()
    with transaction():
        write_lock()
        series = db.session.get(RecurringBooking, series_id) if coaches.is_id(series_id) else None
        if series is None or not (
            actor.role == Role.ADMIN or (actor.role == Role.COACH and actor.id == series.coach_id)
        ):
            raise NotFound(f"There is no recurring booking with id {series_id}.")
        settings = coaches.get_settings(series.coach_id)
        sessions = list(
            db.session.execute(
                select(TrainingSession)
                .where(
                    TrainingSession.recurring_booking_id == series.id,
                    # an occurrence handed to a cover coach is theirs now, not the series'
                    TrainingSession.coach_id == series.coach_id,
                    TrainingSession.status == SessionStatus.SCHEDULED,
                    TrainingSession.start_time > now,
                )
                .order_by(TrainingSession.start_time, TrainingSession.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).scalars()
        )
        found = conflicts_among(settings, sessions)
        if not found:
            raise Conflict("No session of this recurring booking is in conflict.")
        coach = db.session.get(User, series.coach_id)
        for conflict in found:
            session = conflict.session
            if action == "keep":
                keep(session)
            else:
                cancel_one(session, Canceller.COACH, now, settings, coach)
    return [c.session for c in found]


def place_counts(session_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Per group class, how many members hold a place and how many wait (one query): whom
    cancelling it notifies."""
    ids = list(session_ids)
    found: dict[int, tuple[int, int]] = {i: (0, 0) for i in ids}
    if not ids:
        return found
    rows = db.session.execute(
        select(Booking.session_id, Booking.status, func.count(Booking.id))
        .where(Booking.session_id.in_(ids), Booking.status.in_(ACTIVE_BOOKING_STATUSES))
        .group_by(Booking.session_id, Booking.status)
    )
    for session_id, status, count in rows:
        booked, waiting = found[session_id]
        if status == BookingStatus.WAITLISTED:
            waiting += count
        else:
            booked += count
        found[session_id] = (booked, waiting)
    return found


def end_series(
    actor: User, series_id: int, now: datetime | None = None
) -> tuple[RecurringBooking, list[int]]:
    """End a recurring booking from today (``bookings.cancel_recurring``) and return it with the
    ids of the sessions that ended with it (what an undo schedules again)."""
    now = now or utcnow()
    coming = (
        list(
            db.session.scalars(
                select(TrainingSession.id)
                .where(
                    TrainingSession.recurring_booking_id == series_id,
                    TrainingSession.status == SessionStatus.SCHEDULED,
                    TrainingSession.start_time > now,
                )
                .order_by(TrainingSession.start_time)
            )
        )
        if coaches.is_id(series_id)
        else []
    )
    row = cancel_recurring(actor, series_id, now=now)
    ended = (
        set(
            db.session.scalars(
                select(TrainingSession.id).where(
                    TrainingSession.id.in_(coming),
                    TrainingSession.status == SessionStatus.CANCELLED,
                )
            )
        )
        if coming
        else set()
    )
    ids = [i for i in coming if i in ended]
    return row, ids


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def suggest_moves(
    actor: User,
    sessions: Iterable[TrainingSession],
    limit: int = 3,
    now: datetime | None = None,
) -> dict[int, list[Slot]]:
    """Up to ``limit`` free times near each one-to-one session, in the same week (Monday–Sunday,
    coach's zone), closest first and then listed in time order.

    A time is offered when the coach's bookable slots cover the session's whole length from it.
    Reads the slots once per coach and week, however many sessions are asked about.
    """
    now = now or utcnow()
    wanted = [s for s in sessions if s.type == SessionType.ONE_TO_ONE]
    zones: dict[int, object] = {}
    weeks: dict[tuple[int, date], list[TrainingSession]] = defaultdict(list)
    for session in wanted:
        if session.coach_id not in zones:
            coaches.require_manager(actor, session.coach_id)
            zones[session.coach_id] = coaches.coach_zone(session.coach_id)
        monday = _monday(coaches.local_day(session.start_time, zones[session.coach_id]))
        weeks[(session.coach_id, monday)].append(session)
    out: dict[int, list[Slot]] = {}
    free_by_week = _free_weeks(
        {key for key in weeks if key[1] <= horizon.last_day(zones[key[0]], now)}, zones, now
    )
    for (coach_id, monday), members in weeks.items():
        if (coach_id, monday) not in free_by_week:
            continue  # a session stored beyond the horizon (before the rule) cannot move there
        free = free_by_week[(coach_id, monday)]
        runs = _runs(free)
        for session in members:
            length = session.end_time - session.start_time
            fits = [
                slot
                for slot in free
                if slot.start + length <= runs[slot.start] and slot.start != session.start_time
            ]
            fits.sort(key=lambda s: (abs(s.start - session.start_time), s.start))
            out[session.id] = sorted(fits[:limit], key=lambda s: s.start)
    return out


SUGGESTION_SPAN_WEEKS = 8
"""The free times of at most this many consecutive weeks are read at once (two statements), so
the conflicts page reads a number of statements bounded by the weeks its conflicts span / 8,
never one read per conflict or per week."""


def _free_weeks(
    wanted: set[tuple[int, date]], zones: dict, now: datetime
) -> dict[tuple[int, date], list[Slot]]:
    """The bookable slots of each wanted (coach, Monday) week, read per coach in spans of at most
    ``SUGGESTION_SPAN_WEEKS`` weeks from the first wanted Monday on."""
    found: dict[tuple[int, date], list[Slot]] = {key: [] for key in wanted}
    by_coach: dict[int, list[date]] = defaultdict(list)
    for coach_id, monday in wanted:
        by_coach[coach_id].append(monday)
    for coach_id, mondays in by_coach.items():
        mondays.sort()
        i = 0
        while i < len(mondays):
            first = mondays[i]
            last = first + timedelta(weeks=SUGGESTION_SPAN_WEEKS - 1)
            span = [m for m in mondays[i:] if m <= last]
            i += len(span)
            tz = zones[coach_id]
            for slot in bookable_slots(coach_id, first, span[-1] + timedelta(days=6), now):
                key = (coach_id, _monday(coaches.local_day(slot.start, tz)))
                if key in found:
                    found[key].append(slot)
    return found


def _runs(free: list[Slot]) -> dict[datetime, datetime]:
    """For each slot start, the end of the stretch of back-to-back free slots it begins in."""
    ends: dict[datetime, datetime] = {}
    run_end: datetime | None = None
    next_start: datetime | None = None
    for slot in reversed(free):
        if run_end is None or slot.end != next_start:
            run_end = slot.end
        ends[slot.start] = run_end
        next_start = slot.start
    return ends


@contextmanager
def _race_refused() -> Iterator[None]:
    """Turn the database's refusal of a move (another session or the room took the time after the
    checks passed) into SlotTaken."""
    try:
        yield
    except IntegrityError as exc:
        if "room_overlap" in constraint_name(exc):
            raise SlotTaken("The room is taken by another session at that time.") from exc
        raise SlotTaken("Another session has just taken that time; pick another.") from exc


def _reschedule(
    actor: User, session: TrainingSession, start: datetime, end: datetime | None, now: datetime
) -> Interval:
    """Move the locked ``session`` to ``[start, end)`` (default: same length) under the rules
    ``actor`` is bound by, and return its old time. The coach's move and the member's share it.

    The session must be scheduled and not started; the new time in the future, within the 2-year
    horizon and, for a member, within the coach's booking rules (``booking_rules.check``); wholly
    inside the coach's availability for the session's type, overlapping none of the coach's other
    sessions, with a free room. Call it inside the write transaction.
    """
    if session.status == SessionStatus.CANCELLED:
        raise AlreadyCancelled("This session is cancelled; it cannot be moved.")
    if session.status != SessionStatus.SCHEDULED or session.start_time <= now:
        raise InPast("This session has already started; it can no longer be moved.")
    settings = coaches.get_settings(session.coach_id)
    tz = coaches.zone_of(settings)
    start = coaches.aware(start, tz, "start_time")
    if end is None:
        end = start + (session.end_time - session.start_time)
    start, end = coaches.span(start, end, tz)
    if end - start > coaches.MAX_SESSION:
        raise ValidationFailed("a session lasts at most 12 hours.", field="end_time")
    if start <= now:
        raise InPast("That time has already started; pick a time in the future.")
    horizon.check_start(start, "start_time", tz, now)
    booking_rules.check(actor, settings, start, now)
    if start == session.start_time and end == session.end_time:
        raise ValidationFailed("the session is already at that time.", field="start_time")
    old = Interval(session.start_time, session.end_time)
    room_id = check_open(settings, Interval(start, end), session.type, ignore_session_id=session.id)
    # A series occurrence keeps its key (occurrence_start): the nightly job will not make it
    # again at the old time.
    session.start_time, session.end_time, session.room_id = start, end, room_id
    db.session.flush()
    memberships.follow_move(session, old.start)  # its credit must be valid on the new date
    return old


def too_late_to_move(session: TrainingSession, window_hours: int, now: datetime) -> bool:
    """Whether a member may no longer move ``session`` at ``now``: it starts inside the coach's
    cancellation window (the late-cancel rule, ``sessions.is_late_cancel``)."""
    return is_late_cancel(session.start_time, window_hours, now)


def too_late_message(window_hours: int) -> str:
    """Why a member may not move a session inside the window (the page and the API say it)."""
    return (
        f"Too late to move: less than {window_hours} h before the start; "
        "you can still cancel (late)."
    )


def member_move(
    session_id: int, member: User, start: datetime, end: datetime | None, now: datetime
) -> TrainingSession:
    """A member moves their own one-to-one session (one-time or one occurrence of a series) to
    ``[start, end)`` (default: same length) with the same coach.

    The same rules as a new booking bind the new time (the coach's minimum notice and booking
    horizon, availability, overlaps, rooms); the session keeps its bookings, its series and its
    occurrence key. Inside the coach's cancellation window it is refused (TooLateToChange): the
    member may still cancel, late. Another member's session, or a group class, is NotFound. The
    coach is notified.
    """
    with _race_refused():
        with transaction():
            session = locked_session(member, session_id)
            if session.type != SessionType.ONE_TO_ONE or session.member_id != member.id:
                raise NotFound(f"There is no one-to-one session of yours with id {session_id}.")
            if session.status == SessionStatus.SCHEDULED and session.start_time > now:
                window = coaches.get_settings(session.coach_id).cancellation_window_hours
                if too_late_to_move(session, window, now):
                    raise TooLateToChange(too_late_message(window), field="start_time")
            old = _reschedule(member, session, start, end, now)
            zone = recipient_zone(session.coach_id)
            notify(
                session.coach_id,
                NotificationKind.SESSION_MOVED,
                f"{member.name} moved their session on {local_when(old.start, zone, now)} to "
                f"{named_when(session.start_time, zone, now, session.end_time)}.",
                session_id=session.id,
            )
    return session


def starts_fitting(free: list[Slot], length: timedelta) -> list[Slot]:
    """The free slots (in time order) from which back-to-back free slots cover ``length``: where a
    session of that length may move to (the member's slot picker offers these)."""
    runs = _runs(free)
    return [slot for slot in free if slot.start + length <= runs[slot.start]]


__all__ = [
    "end_series",
    "member_move",
    "place_counts",
    "move_session",
    "resolve_series",
    "starts_fitting",
    "suggest_moves",
    "too_late_message",
    "too_late_to_move",
]

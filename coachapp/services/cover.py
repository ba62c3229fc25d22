"""Cover coaches: handing a session to a colleague who is available and free then, the third way
to settle a conflict (besides keeping and cancelling it).

A coach *covers* a session when their availability for the session's type covers its whole time
(weekly template − blocked slots ∪ additions, in their zone), none of their scheduled sessions
overlaps it, and a room is usable: the session's own room if no other session holds it then,
else the room the coach would get for a booking at that time (``coaches.room_finder``: their
addition's, their window's, their default room). The offer and the hand-over apply the same
rule (``_Board.verdict``), read in a fixed number of statements whatever the number of coaches
and sessions asked about.

A session handed over stays the same row: it keeps its bookings and the membership credit it
holds (``membership_id``). A series occurrence also keeps its series and its occurrence key
(``occurrence_start``): the nightly job counts it as made for the series (it reads the keys by
the series' coach; the unique key would refuse a second one anyway), and the old coach's "keep
or cancel them all" leaves it alone. The series itself stays with its coach; only that occurrence
is the cover coach's. ``give_series`` hands over every conflicting occurrence of one series at
once, to a coach who covers each of them.

Races: SQLite serializes writers (``write_lock``), so the check sees what the other writer
committed; on PostgreSQL the exclusion constraints (coach overlap, room overlap) refuse the
second of two concurrent hand-overs and it becomes ``SlotUnavailable`` (409 ``slot_unavailable``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    AvailabilityAddition,
    BlockedSlot,
    Booking,
    RecurringBooking,
    TrainingSession,
    User,
    WeeklyAvailability,
    utcnow,
)
from ..scheduling import Interval, Timeline, covers, expand_weekly_windows, open_time
from ..vocab import ACTIVE_BOOKING_STATUSES, NotificationKind, Role, SessionStatus, SessionType
from . import availability, bookings, coach_calendar, coaches, slots
from .db import constraint_name, transaction, write_lock
from .errors import AlreadyCancelled, Conflict, InPast, NotFound, SlotUnavailable, ValidationFailed
from .notifications import notify, when_for
from .sessions import conflicts_among, get_session, locked_session


@dataclass(frozen=True)
class Cover:
    """A coach who can take a session (or every conflicting session of a series)."""

    id: int
    name: str


@dataclass(frozen=True)
class Verdict:
    """Whether one coach covers one session: ``room_id`` is the room it would use with them
    (None: no room), ``refusal`` why not (None when they do)."""

    room_id: int | None = None
    refusal: str | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True)
class _Busy:
    """A scheduled session's id, coach, room and time (what makes a coach busy, a room held)."""

    id: int
    coach_id: int
    room_id: int | None
    start_time: datetime
    end_time: datetime


class _Board:
    """What the cover rule needs for some sessions, read at once: every active coach with their
    settings, weekly windows, blocked slots and additions, and the scheduled sessions (any coach,
    any room) overlapping the sessions' times. Five statements, whatever their number."""

    def __init__(self, sessions: Sequence[TrainingSession]) -> None:
        self.coaches = {user.id: (user, settings) for user, settings in coaches.list_coaches()}
        ids = sorted(self.coaches)
        lo = min(s.start_time for s in sessions) - timedelta(days=1)
        hi = max(s.end_time for s in sessions) + timedelta(days=1)
        self.windows: dict[int, list[WeeklyAvailability]] = {c: [] for c in ids}
        self.blocked: dict[int, list[BlockedSlot]] = {c: [] for c in ids}
        self.additions: dict[int, list[AvailabilityAddition]] = {c: [] for c in ids}
        if ids:
            for row in db.session.scalars(
                select(WeeklyAvailability).where(WeeklyAvailability.coach_id.in_(ids))
            ):
                self.windows[row.coach_id].append(row)
            for model, found in (
                (BlockedSlot, self.blocked),
                (AvailabilityAddition, self.additions),
            ):
                for row in db.session.scalars(
                    select(model).where(
                        model.coach_id.in_(ids), model.start_time < hi, model.end_time > lo
                    )
                ):
                    found[row.coach_id].append(row)
        ts = TrainingSession
        near = [
            and_(
                ts.start_time >= span.start_utc - coaches.MAX_SESSION,
                ts.start_time < span.end_utc,
                ts.end_time > span.start_utc,
            )
            for span in _merged(sessions)
        ]
        self.busy = [
            _Busy(*row)
            for row in db.session.execute(
                select(ts.id, ts.coach_id, ts.room_id, ts.start_time, ts.end_time).where(
                    ts.status == SessionStatus.SCHEDULED, or_(*near)
                )
            )
        ]

    def candidates(self, session: TrainingSession) -> list[int]:
        """The active coaches other than the session's, by name (``list_coaches``' order)."""
        return [c for c in self.coaches if c != session.coach_id]

    def verdict(self, session: TrainingSession, coach_id: int, ignore: frozenset[int]) -> Verdict:
        """Whether ``coach_id`` covers ``session`` (see the module's rule). ``ignore``: sessions
        that leave their time as this one moves (itself; a series' other occurrences)."""
        user, settings = self.coaches[coach_id]
        tz = coaches.zone_of(settings)
        wanted = Interval(session.start_time, session.end_time)
        first_day = coaches.local_day(wanted.start, tz) - timedelta(days=1)
        last_day = coaches.local_day(wanted.end, tz) + timedelta(days=1)
        placed = expand_weekly_windows(
            coaches.core_windows(self.windows[coach_id], session.type), tz, first_day, last_day
        )
        blocked = [b for b in self.blocked[coach_id] if _overlaps(b, wanted)]
        additions = [a for a in self.additions[coach_id] if _overlaps(a, wanted)]
        opened = open_time(
            placed, [coaches.interval(b) for b in blocked], [coaches.interval(a) for a in additions]
        )
        when = f"{coaches.describe(wanted.start, tz)}–{wanted.end.astimezone(tz):%H:%M}"
        if not covers(opened, wanted):
            return Verdict(refusal=f"{user.name} is not available on {when}.")
        if any(
            b.coach_id == coach_id and b.id not in ignore and _overlaps(b, wanted)
            for b in self.busy
        ):
            return Verdict(refusal=f"{user.name} has another session on {when}.")
        held = {
            b.room_id
            for b in self.busy
            if b.room_id is not None and b.id not in ignore and _overlaps(b, wanted)
        }
        if session.room_id is not None and session.room_id not in held:
            return Verdict(room_id=session.room_id)
        timelines = {room: Timeline([wanted]) for room in held}
        pick = coaches.room_finder(placed, additions, settings.default_room_id, timelines)(wanted)
        if pick.taken is not None:
            return Verdict(refusal=f"No room is free for {user.name} on {when}.")
        return Verdict(room_id=pick.room_id)


def _merged(sessions: Iterable[TrainingSession]) -> list[Interval]:
    """The sessions' times as disjoint spans (for one range condition each)."""
    return list(Timeline(coaches.interval(s) for s in sessions).intervals)


def _overlaps(row, wanted: Interval) -> bool:
    """Whether a row with ``start_time``/``end_time`` shares an instant with ``wanted``."""
    return row.start_time < wanted.end_utc and row.end_time > wanted.start_utc


def _open_to_cover(session: TrainingSession, now: datetime) -> bool:
    return session.status == SessionStatus.SCHEDULED and session.start_time > now


def _require_manager_of(actor: User, session: TrainingSession) -> None:
    """The session's coach or an admin (another coach does not see it: NotFound before this;
    its member sees it but may not hand it over: Forbidden)."""
    coaches.require_manager(actor, session.coach_id)


def covers_for(
    actor: User, sessions: Sequence[TrainingSession], now: datetime | None = None
) -> dict[int, list[Cover]]:
    """For each of ``sessions`` (scheduled, not started; others get no one), the coaches who can
    take it, by name. The sessions must be the actor's to manage (the conflicts page's rows);
    five statements for all of them."""
    now = now or utcnow()
    wanted = [s for s in sessions if _open_to_cover(s, now)]
    for session in wanted:
        _require_manager_of(actor, session)
    out: dict[int, list[Cover]] = {s.id: [] for s in sessions}
    if not wanted:
        return out
    board = _Board(wanted)
    for session in wanted:
        for coach_id in board.candidates(session):
            if board.verdict(session, coach_id, frozenset({session.id})).ok:
                out[session.id].append(Cover(coach_id, board.coaches[coach_id][0].name))
    return out


def cover_coaches(actor: User, session_id: int, now: datetime | None = None) -> list[Cover]:
    """The coaches who can take one session now (``GET /sessions/{id}/cover-coaches``): the
    session's coach or an admin may ask (another coach: NotFound; its member: Forbidden). A
    session that is cancelled, over or started has no one to cover it."""
    session = get_session(actor, session_id)
    _require_manager_of(actor, session)
    return covers_for(actor, [session], now)[session.id]


def _target(coach_id: object, session_coach_id: int) -> User:
    """The active coach ``coach_id`` names (ValidationFailed naming ``coach_id`` otherwise)."""
    user = db.session.get(User, coach_id) if coaches.is_id(coach_id) else None
    if user is None or user.role != Role.COACH or not user.active:
        raise ValidationFailed(f"there is no coach with id {coach_id}.", field="coach_id")
    if user.id == session_coach_id:
        raise ValidationFailed("this is already that coach's session.", field="coach_id")
    return user


def _race_lost(exc: IntegrityError, name: str) -> SlotUnavailable:
    """The database refused the hand-over (the coach or the room was taken after the check, by a
    concurrent writer on PostgreSQL): SlotUnavailable, saying which."""
    if "room_overlap" in constraint_name(exc):
        return SlotUnavailable(
            f"The room has just been taken at that time, so {name} cannot take it now."
        )
    return SlotUnavailable(
        f"{name} has just been given another session at that time; pick someone else."
    )


def _members_of(sessions: Sequence[TrainingSession]) -> dict[int, list[int]]:
    """Per session, everyone attending it: its member and the members of its active bookings
    (one statement)."""
    out = {s.id: ([] if s.member_id is None else [s.member_id]) for s in sessions}
    rows = db.session.execute(
        select(Booking.session_id, Booking.member_id).where(
            Booking.session_id.in_(list(out)), Booking.status.in_(ACTIVE_BOOKING_STATUSES)
        )
    )
    for session_id, member_id in rows:
        if member_id not in out[session_id]:
            out[session_id].append(member_id)
    return out


def tell_hand_over(
    actor: User,
    sessions: Sequence[TrainingSession],
    to: User,
    away_from: Sequence[User],
    now: datetime,
    *,
    undone: bool = False,
    attending: dict[int, list[int]] | None = None,
) -> None:
    """Tell everyone a hand-over concerns, once each: the members (each about their own
    sessions), the coach the sessions go ``to`` and the coach(es) they leave (``away_from``),
    but not whoever did it. The one wording for both directions: a session given to a cover
    coach (``reassign``, ``give_series``) and given back by an Undo (``undo.give_back``,
    ``undone``). ``sessions`` are in start order; ``attending`` (per session, its members) is
    read when not given."""
    attending = _members_of(sessions) if attending is None else attending
    everyone = sorted({m for ids in attending.values() for m in ids})
    left = " and ".join(sorted(c.name for c in away_from))
    first = sessions[0]

    def times(user_id: int, chosen: Sequence[TrainingSession]) -> str:
        return "; ".join(when_for(user_id, s.start_time, now, s.end_time) for s in chosen)

    change = "again, not" if undone else "instead of"
    for member_id in everyone:
        theirs = [s for s in sessions if member_id in attending[s.id]]
        noun = "session" if len(theirs) == 1 else "sessions"
        notify(
            member_id,
            NotificationKind.SESSION_REASSIGNED,
            f"Your {noun} on {times(member_id, theirs)} will be with {to.name} {change} {left}.",
            session_id=theirs[0].id,
        )
    noun = "a session" if len(sessions) == 1 else f"{len(sessions)} sessions"
    names = {u.id: u.name for u in coach_calendar.users_by_id(everyone).values()}
    who = ", ".join(sorted(names.get(m, "a member") for m in everyone)) or "no member yet"
    if undone:  # back to their coach ``to``, from the cover coach(es)
        to_message = f"{actor.name} gave you back {noun} with {who} (undone)"
        if actor.id == to.id:
            away_message = f"{actor.name} took back {noun} with {who} (undone)"
        else:
            away_message = f"{actor.name} gave {noun} with {who} back to {to.name} (undone)"
    else:
        to_message = f"{actor.name} gave you {noun} with {who}"
        away_message = f"{actor.name} gave {noun} of yours with {who} to {to.name}"
    if actor.id != to.id:
        notify(
            to.id,
            NotificationKind.SESSION_REASSIGNED,
            f"{to_message}: {times(to.id, sessions)}.",
            session_id=first.id,
        )
    for old in sorted((c for c in away_from if c.id != actor.id), key=lambda c: c.id):
        notify(
            old.id,
            NotificationKind.SESSION_REASSIGNED,
            f"{away_message}: {times(old.id, sessions)}.",
            session_id=first.id,
        )


def _hand_over(
    actor: User,
    sessions: Sequence[TrainingSession],
    coach: User,
    now: datetime,
) -> None:
    """Check that ``coach`` covers each of the locked ``sessions`` (all of one coach) and give
    them all to them, with the room each keeps or takes; everyone concerned is told. Inside the
    write transaction."""
    old = db.session.get(User, sessions[0].coach_id)
    board = _Board(sessions)
    if coach.id not in board.coaches:
        raise ValidationFailed(f"there is no coach with id {coach.id}.", field="coach_id")
    moving = frozenset(s.id for s in sessions)
    rooms = {}
    for session in sessions:
        verdict = board.verdict(session, coach.id, moving)
        if not verdict.ok:
            raise SlotUnavailable(verdict.refusal)
        rooms[session.id] = verdict.room_id
    for session in sessions:
        session.coach_id = coach.id
        session.room_id = rooms[session.id]
    db.session.flush()
    tell_hand_over(actor, sessions, coach, [old], now)


def reassign(
    actor: User, session_id: int, coach_id: int, now: datetime | None = None
) -> TrainingSession:
    """Give one scheduled session that has not started to ``coach_id`` (``resolve`` with
    ``reassign``): the session's coach or an admin; the session and its bookings move, the room
    is kept if free, else the new coach's room for that time. The members, the new coach and
    (when an admin did it) the old coach are told. SlotUnavailable when that coach does not
    cover it (any more)."""
    now = now or utcnow()
    named = ["That coach"]
    try:
        with transaction():
            session = locked_session(actor, session_id)
            _require_manager_of(actor, session)
            _check_open(session, now)
            coach = _target(coach_id, session.coach_id)
            named[0] = coach.name
            _hand_over(actor, [session], coach, now)
    except IntegrityError as exc:
        raise _race_lost(exc, named[0]) from exc
    return session


def _check_open(session: TrainingSession, now: datetime) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise AlreadyCancelled("This session is cancelled; it cannot be handed over.")
    if not _open_to_cover(session, now):
        raise InPast("This session has already started; it can no longer be handed over.")


@dataclass(frozen=True)
class SeriesCover:
    """A series' conflicting future occurrences (start order) and who can take every one."""

    series: RecurringBooking
    sessions: list[TrainingSession]
    coaches: list[Cover]


def _series(actor: User, series_id: int) -> RecurringBooking:
    """A series its coach or an admin may settle (NotFound for anyone else, as ``resolve``)."""
    series = db.session.get(RecurringBooking, series_id) if coaches.is_id(series_id) else None
    if series is None or not (
        actor.role == Role.ADMIN or (actor.role == Role.COACH and actor.id == series.coach_id)
    ):
        raise NotFound(f"There is no recurring booking with id {series_id}.")
    return series


def _series_conflicts(
    series: RecurringBooking, now: datetime, lock: bool = False
) -> list[TrainingSession]:
    """The series' scheduled future occurrences still with its coach that lie outside that
    coach's availability, in start order (row-locked with ``lock``)."""
    query = (
        select(TrainingSession)
        .where(
            TrainingSession.recurring_booking_id == series.id,
            TrainingSession.coach_id == series.coach_id,
            TrainingSession.status == SessionStatus.SCHEDULED,
            TrainingSession.start_time > now,
        )
        .order_by(TrainingSession.start_time, TrainingSession.id)
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = list(db.session.scalars(query))
    settings = coaches.get_settings(series.coach_id)
    return [c.session for c in conflicts_among(settings, found)]


def series_cover_coaches(actor: User, series_id: int, now: datetime | None = None) -> SeriesCover:
    """Who can take every conflicting occurrence of a series (none when it has no conflict)."""
    now = now or utcnow()
    series = _series(actor, series_id)
    sessions = _series_conflicts(series, now)
    if not sessions:
        return SeriesCover(series, [], [])
    board = _Board(sessions)
    moving = frozenset(s.id for s in sessions)
    found = [
        Cover(coach_id, board.coaches[coach_id][0].name)
        for coach_id in board.candidates(sessions[0])
        if all(board.verdict(s, coach_id, moving).ok for s in sessions)
    ]
    return SeriesCover(series, sessions, found)


def give_series(
    actor: User, series_id: int, coach_id: int, now: datetime | None = None
) -> list[TrainingSession]:
    """Give every conflicting future occurrence of a series to ``coach_id`` at once (each keeps
    its room if free, else takes the coach's); the series stays with its coach. All or none:
    SlotUnavailable naming the first occurrence that coach cannot take; Conflict when the series
    has no conflict left."""
    now = now or utcnow()
    named = ["That coach"]
    try:
        with transaction():
            write_lock()
            series = _series(actor, series_id)
            sessions = _series_conflicts(series, now, lock=True)
            if not sessions:
                raise Conflict("No session of this recurring booking is in conflict.")
            coach = _target(coach_id, series.coach_id)
            named[0] = coach.name
            _hand_over(actor, sessions, coach, now)
    except IntegrityError as exc:
        raise _race_lost(exc, named[0]) from exc
    return sessions


def stage_cover_conflict(
    actor: User,
    coach_id: int,
    member_id: int,
    now: datetime | None = None,
    days: int = 14,
    reason: str = "Ill",
) -> tuple[TrainingSession, list[Cover]] | None:
    """Demo data (``coachapp.demo``) and tests: a conflict a cover coach can take. Books
    ``member_id`` with ``coach_id`` into the first of the coach's bookable slots from tomorrow
    on (``days`` days, coach's dates) that another coach covers, then blocks exactly that time
    of the coach (``reason``), so the conflicts page offers "Give to …". Returns the session and
    its cover coaches, or None when no slot in reach has a cover. ``actor``: an admin (or the
    coach). Reads the slots and their covers in a fixed number of statements."""
    now = now or utcnow()
    tz = coaches.coach_zone(coach_id)
    tomorrow = coaches.local_day(now, tz) + timedelta(days=1)
    free = slots.bookable_slots(coach_id, tomorrow, tomorrow + timedelta(days=days - 1), now)
    if not free:
        return None
    # each free slot as the session it would be (never added to the database)
    drafts = [
        TrainingSession(
            id=-(i + 1),
            coach_id=coach_id,
            member_id=member_id,
            room_id=slot.room_id,
            start_time=slot.start,
            end_time=slot.end,
            type=SessionType.ONE_TO_ONE,
            status=SessionStatus.SCHEDULED,
        )
        for i, slot in enumerate(free)
    ]
    offers = covers_for(actor, drafts, now)
    chosen = next((d for d in drafts if offers[d.id]), None)
    if chosen is None:
        return None
    _, session = bookings.book_one_time(
        actor, coach_id, chosen.start_time, chosen.end_time, member_id=member_id, now=now
    )
    availability.create_blocked_slot(
        actor, coach_id, chosen.start_time, chosen.end_time, reason, now=now
    )
    return session, offers[chosen.id]


__all__ = [
    "Cover",
    "SeriesCover",
    "Verdict",
    "cover_coaches",
    "covers_for",
    "give_series",
    "reassign",
    "series_cover_coaches",
    "stage_cover_conflict",
    "tell_hand_over",
]

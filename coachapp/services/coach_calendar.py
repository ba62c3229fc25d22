"""What the coach pages show: a coach's week, their conflicts and one session, read in few queries.

Read-only use cases for the HTML face. Each loads one kind of row per query (members and bookings
batched by id), so a page costs the same number of queries whether it shows one session or fifty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    AvailabilityAddition,
    BlockedSlot,
    Booking,
    CoachSettings,
    RecurringBooking,
    Room,
    TrainingSession,
    User,
    WeeklyAvailability,
    utcnow,
)
from . import coaches
from .errors import NotFound
from .sessions import conflicts_among, count_conflicts, get_session, list_conflicts

UPCOMING_DAYS = 366
"""How far ahead the availability page lists blocked slots and additions."""


@dataclass(frozen=True)
class WeekData:
    """Everything the week grid shows for one coach and one Monday-to-Sunday week (coach's zone).

    ``sessions`` are the week's sessions that are not cancelled; ``booked`` counts each session's
    confirmed bookings; ``conflicts`` maps the ids of the week's conflicting sessions to the reason.
    """

    coach: User
    settings: CoachSettings
    tz: ZoneInfo
    monday: date
    windows: list[WeeklyAvailability]
    blocked: list[BlockedSlot]
    additions: list[AvailabilityAddition]
    sessions: list[TrainingSession]
    booked: dict[int, int]
    members: dict[int, User]
    rooms: dict[int, str]
    conflicts: dict[int, str]

    @property
    def days(self) -> list[date]:
        """The seven local dates, Monday first."""
        return [self.monday + timedelta(days=i) for i in range(7)]


@dataclass(frozen=True)
class ConflictRow:
    """One line of the conflicts page: the session, why, who it is for and its series, if any."""

    session: TrainingSession
    reason: str
    member: User | None
    series: RecurringBooking | None


@dataclass(frozen=True)
class SessionDetail:
    """One session as its panel shows it: attendees, bookings, series, room and conflict.

    For a group class, ``roster`` holds the confirmed places and ``waitlist`` the members waiting,
    each first come first (bookings with their member loaded).
    """

    session: TrainingSession
    settings: CoachSettings
    tz: ZoneInfo
    coach: User
    attendees: list[User] = field(default_factory=list)
    booked: int = 0
    series: RecurringBooking | None = None
    room: Room | None = None
    conflict: str | None = None
    roster: list[Booking] = field(default_factory=list)
    waitlist: list[Booking] = field(default_factory=list)


def monday_of(day: date) -> date:
    """The Monday of the week ``day`` is in."""
    return day - timedelta(days=day.weekday())


def users_by_id(ids: Iterable[int | None]) -> dict[int, User]:
    """The users with these ids, in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def booked_counts(session_ids: Iterable[int]) -> dict[int, int]:
    """How many confirmed bookings each session has, in one query."""
    ids = list(session_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Booking.session_id, func.count(Booking.id))
        .where(Booking.session_id.in_(ids), Booking.status == "CONFIRMED")
        .group_by(Booking.session_id)
    )
    return {session_id: count for session_id, count in rows}


def room_names() -> dict[int, str]:
    """Every room's name by id."""
    return {room_id: name for room_id, name in db.session.execute(select(Room.id, Room.name))}


def week(actor: User, coach_id: int, monday: date, now: datetime | None = None) -> WeekData:
    """A coach's week from ``monday`` (coach's local dates): template, exceptions and sessions.

    Only the coach themself or an admin may see it (Forbidden otherwise).
    """
    settings = coaches.get_settings(coach_id)
    coaches.require_manager(actor, coach_id)
    coaches.check_date(monday, "start")
    monday = monday_of(monday)
    tz = coaches.zone_of(settings)
    now = now or utcnow()
    lo, hi = coaches.day_bounds(monday, monday + timedelta(days=6), tz)
    sessions = list(
        db.session.scalars(
            select(TrainingSession)
            .where(
                TrainingSession.coach_id == coach_id,
                TrainingSession.status != "cancelled",
                TrainingSession.start_time >= lo - coaches.MAX_SESSION,
                TrainingSession.start_time < hi,
                TrainingSession.end_time > lo,
            )
            .order_by(TrainingSession.start_time, TrainingSession.id)
        )
    )
    upcoming = [s for s in sessions if s.status == "scheduled" and s.start_time > now]
    return WeekData(
        coach=db.session.get(User, coach_id),
        settings=settings,
        tz=tz,
        monday=monday,
        windows=coaches.weekly_rows(coach_id),
        blocked=coaches.blocked_in(coach_id, lo, hi),
        additions=coaches.additions_in(coach_id, lo, hi),
        sessions=sessions,
        booked=booked_counts(s.id for s in sessions),
        members=users_by_id(s.member_id for s in sessions),
        rooms=room_names(),
        conflicts={c.session.id: c.reason for c in conflicts_among(settings, upcoming)},
    )


def conflict_rows(actor: User, coach_id: int, now: datetime | None = None) -> list[ConflictRow]:
    """A coach's conflicts with their members and series loaded in one query each."""
    found = list_conflicts(actor, coach_id, now)
    members = users_by_id(c.session.member_id for c in found)
    series_ids = {c.session.recurring_booking_id for c in found} - {None}
    series = {}
    if series_ids:
        series = {
            r.id: r
            for r in db.session.scalars(
                select(RecurringBooking).where(RecurringBooking.id.in_(series_ids))
            )
        }
    return [
        ConflictRow(
            session=c.session,
            reason=c.reason,
            member=members.get(c.session.member_id),
            series=series.get(c.session.recurring_booking_id),
        )
        for c in found
    ]


def conflict_count(actor: User, coach_id: int, now: datetime | None = None) -> int:
    """How many of a coach's future sessions are in conflict (for the badge)."""
    return count_conflicts(actor, coach_id, now)


def session_detail(actor: User, session_id: int, now: datetime | None = None) -> SessionDetail:
    """One session with who attends it, for its coach or an admin (NotFound for anyone else)."""
    session = get_session(actor, session_id)
    if actor.role not in ("coach", "admin"):
        raise NotFound(f"There is no session with id {session_id}.")
    settings = coaches.get_settings(session.coach_id)
    now = now or utcnow()
    places = list(
        db.session.scalars(
            select(Booking)
            .where(
                Booking.session_id == session.id,
                Booking.status.in_(("CONFIRMED", "WAITLISTED")),
            )
            .options(selectinload(Booking.member))
            .order_by(Booking.created_at, Booking.id)
        )
    )
    roster = [b for b in places if b.status == "CONFIRMED"]
    member_ids = {b.member_id for b in roster}
    booked = len(member_ids)
    if session.member_id is not None:
        member_ids.add(session.member_id)
    people = users_by_id(member_ids)
    conflict = None
    if session.status == "scheduled" and session.start_time > now:
        found = conflicts_among(settings, [session])
        conflict = found[0].reason if found else None
    return SessionDetail(
        session=session,
        settings=settings,
        tz=coaches.zone_of(settings),
        coach=db.session.get(User, session.coach_id),
        attendees=sorted(people.values(), key=lambda u: u.name),
        booked=booked,
        series=(
            db.session.get(RecurringBooking, session.recurring_booking_id)
            if session.recurring_booking_id
            else None
        ),
        room=db.session.get(Room, session.room_id) if session.room_id else None,
        conflict=conflict,
        roster=roster,
        waitlist=[b for b in places if b.status == "WAITLISTED"],
    )


def member_names(sessions: Iterable[TrainingSession]) -> dict[int, str]:
    """The names of the members of ``sessions`` by id, in one query."""
    return {i: u.name for i, u in users_by_id(s.member_id for s in sessions).items()}


def upcoming_exceptions(
    coach_id: int, now: datetime | None = None
) -> tuple[list[BlockedSlot], list[AvailabilityAddition]]:
    """A coach's blocked slots and additions that have not ended, for about a year ahead."""
    now = now or utcnow()
    hi = now + timedelta(days=UPCOMING_DAYS)
    return coaches.blocked_in(coach_id, now, hi), coaches.additions_in(coach_id, now, hi)


__all__ = [
    "ConflictRow",
    "SessionDetail",
    "WeekData",
    "booked_counts",
    "conflict_count",
    "conflict_rows",
    "member_names",
    "monday_of",
    "room_names",
    "session_detail",
    "upcoming_exceptions",
    "users_by_id",
    "week",
]

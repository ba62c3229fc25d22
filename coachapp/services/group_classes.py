"""Group classes: a coach's sessions with a title and a capacity, on which members book places.

A class is a ``training_sessions`` row of type ``GROUP`` (no member of its own); each member's
place is a ``bookings`` row on it, ``CONFIRMED`` while places are left and ``WAITLISTED`` after
that. When a confirmed place is given up, the first member waiting moves up and is told: the
waitlist is in the order the server accepted the bookings, which is the order of their ids (a
place is inserted under the class's lock, so ids rise in lock order; ``created_at`` is the
request's clock, read before the lock, and two requests can read it in the other order). Capacity holds under concurrency because every writer of a class's places
locks the class's row first (``SELECT … FOR UPDATE`` on PostgreSQL, ``write_lock()`` on SQLite)
and counts the confirmed places only then.

Classes are scheduled once, or weekly/bi-weekly as a ``GROUP`` recurring booking whose sessions
are materialized like a member's series (``bookings.series_request`` / ``bookings.make_series``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

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
from .bookings import (
    SeriesSpec,
    can_see_booking,
    check_open,
    make_series,
    series_request,
    taken_error,
)
from .db import constraint_name, locked_row, transaction, visible_row, write_lock
from .errors import (
    AlreadyCancelled,
    CapacityFull,
    Conflict,
    InPast,
    NoCredits,
    NoMembership,
    NotFound,
    ValidationFailed,
    WeeklyLimit,
)
from .notifications import notify, when_for
from .sessions import canceller, is_late_cancel

TITLE_MAX = 200
MAX_CAPACITY = 500
"""The largest class the services accept (a sanity bound, not a business rule)."""
CANCELLED_PLACE = (BookingStatus.CANCELLED_BY_MEMBER, BookingStatus.CANCELLED_BY_COACH)


@dataclass(frozen=True)
class GroupClass:
    """A group session with its confirmed places (``booked``) and waiting members (``waitlisted``)."""

    session: TrainingSession
    booked: int
    waitlisted: int

    @property
    def places_left(self) -> int:
        """Places still free (0 when full; never negative)."""
        return max(0, self.session.capacity - self.booked)

    @property
    def full(self) -> bool:
        """Whether a new booking would go on the waitlist."""
        return self.places_left == 0


@dataclass(frozen=True)
class Roster:
    """Who is in a class: confirmed places and the waitlist, each first come first."""

    confirmed: list[Booking]
    waitlist: list[Booking]


def _title(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed("give the class a title.", field="title")
    value = value.strip()
    if len(value) > TITLE_MAX:
        raise ValidationFailed(f"use at most {TITLE_MAX} characters.", field="title")
    return value


def _capacity(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CAPACITY:
        raise ValidationFailed(
            f"a class holds a whole number of places from 1 to {MAX_CAPACITY}.",
            field="capacity",
        )
    return value


def schedule_group_session(
    actor: User,
    coach_id: int,
    start: datetime,
    end: datetime,
    title: str,
    capacity: int,
    room_id: int | None = None,
    now: datetime | None = None,
) -> TrainingSession:
    """Schedule a one-off group class ``[start, end)`` (the coach themself or an admin).

    It must lie wholly inside the coach's group availability (group windows − blocked slots ∪
    additions; else SlotUnavailable) and overlap no scheduled session of the coach; the room is
    ``room_id``, else the window's or addition's, else the coach's default room, and must be free
    (the database's exclusion constraints keep coach and room free under races: SlotTaken).
    """
    settings = coaches.get_settings(coach_id)
    coaches.require_manager(actor, coach_id)
    tz = coaches.zone_of(settings)
    title = _title(title)
    capacity = _capacity(capacity)
    room_id = coaches.check_room(room_id)
    start, end = coaches.span(start, end, tz)
    if end - start > coaches.MAX_SESSION:
        raise ValidationFailed("a session lasts at most 12 hours.", field="end_time")
    now = now or utcnow()
    if start <= now:
        raise InPast("That time has already started; pick a time in the future.")
    horizon.check_start(start, "start_time", tz, now)
    try:
        with transaction():
            write_lock()
            room_id = check_open(settings, Interval(start, end), SessionType.GROUP, room_id=room_id)
            session = TrainingSession(
                coach_id=coach_id,
                member_id=None,
                room_id=room_id,
                start_time=start,
                end_time=end,
                type=SessionType.GROUP,
                status=SessionStatus.SCHEDULED,
                title=title,
                capacity=capacity,
                created_at=now,
            )
            db.session.add(session)
            db.session.flush()
    except IntegrityError as exc:
        raise taken_error(exc) from exc
    return session


def create_group_series(
    actor: User,
    coach_id: int,
    day_of_week: int,
    start_time: str,
    end_time: str,
    start_date: date,
    end_date: date | None,
    frequency: int,
    title: str,
    capacity: int,
    room_id: int | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> tuple[RecurringBooking, list[TrainingSession]]:
    """Schedule a weekly (1) or bi-weekly (2) group class and make its classes of the next 6 weeks.

    The same rules as a member's series (``bookings.create_recurring``): the weekday and times
    must lie inside one of the coach's group windows (its room, unless ``room_id`` is given),
    occurrences inside blocked slots are skipped, and an overlap with another series or session of
    the coach is refused (Overlap). The series has no member; its classes are ``GROUP`` sessions
    with the title and capacity, and the nightly job keeps making them.
    """
    title = _title(title)
    capacity = _capacity(capacity)
    spec = SeriesSpec(
        coach_id,
        day_of_week,
        start_time,
        end_time,
        start_date,
        end_date,
        frequency,
        session_type=SessionType.GROUP,
        room_id=room_id,
    )
    request = series_request(actor, spec, today, now)
    return make_series(
        request,
        row_fields={"session_type": SessionType.GROUP, "title": title, "capacity": capacity},
        session_fields={
            "type": SessionType.GROUP,
            "title": title,
            "capacity": capacity,
            "member_id": None,
        },
    )


def _can_see_class(actor: User, session: TrainingSession) -> bool:
    """Members see every group class (to book one); coaches their own; admins all."""
    if session.type != SessionType.GROUP:
        return False
    if actor.role == Role.COACH:
        return session.coach_id == actor.id
    return actor.role in (Role.ADMIN, Role.MEMBER)


def _locked_class(actor: User | None, session_id: object) -> TrainingSession:
    """The class row, locked until the transaction ends (PostgreSQL ``FOR UPDATE``; call
    ``write_lock()`` first for SQLite), if ``actor`` may see it (None: already checked).

    Every writer of a class's places goes through here before counting them, which is what keeps
    the capacity under concurrency.
    """
    session = locked_row(TrainingSession, session_id)
    visible = session is not None and (
        actor is None or _can_see_class(actor, session) or coaches.can_see_session(actor, session)
    )
    if not visible:
        raise NotFound(f"There is no session with id {session_id}.")
    if session.type != SessionType.GROUP:
        raise Conflict("This is a one-to-one session, not a group class; it has no places to book.")
    return session


def _confirmed_count(session_id: int) -> int:
    return db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.session_id == session_id, Booking.status == BookingStatus.CONFIRMED
        )
    )


def get_class(actor: User, session_id: int) -> GroupClass:
    """One group class with its counts, for anyone who may book it or runs it (else NotFound)."""
    session = visible_row(
        TrainingSession, session_id, "group class", lambda s: _can_see_class(actor, s)
    )
    return with_counts([session])[0]


def book_place(
    actor: User,
    session_id: int,
    member_id: int | None = None,
    waitlist: bool = True,
    now: datetime | None = None,
) -> Booking:
    """Book a place in a group class: ``CONFIRMED`` while places are left, else ``WAITLISTED``
    (when ``waitlist``) or CapacityFull.

    A member books for themself; the class's coach or an admin for the member named by
    ``member_id``. A member is bound by the coach's booking horizon and minimum notice
    (``booking_rules``). One active place (confirmed or waiting) per member and class. The class's row
    is locked before the confirmed places are counted, so concurrent bookings never exceed the
    capacity.
    """
    return book_place_with_counts(actor, session_id, member_id, waitlist, now)[0]


def book_place_with_counts(
    actor: User,
    session_id: int,
    member_id: int | None = None,
    waitlist: bool = True,
    now: datetime | None = None,
) -> tuple[Booking, GroupClass]:
    """``book_place``, and the class as the new place leaves it: its places were counted under
    the class's lock, so an answer needs no read after the commit."""
    now = now or utcnow()
    try:
        with transaction():
            write_lock()
            session = _locked_class(actor, session_id)
            member = coaches.resolve_member(actor, session.coach_id, member_id)
            if session.status == SessionStatus.CANCELLED:
                raise AlreadyCancelled("This class has been cancelled.")
            if session.status != SessionStatus.SCHEDULED or session.start_time <= now:
                raise InPast("This class has already started; it can no longer be booked.")
            booked, waiting, mine = _places(session.id, member)
            if mine is not None:
                raise _already(mine)
            # A member taking a place (or a waitlist place) obeys the coach's booking rules.
            booking_rules.check(
                actor, coaches.get_settings(session.coach_id), session.start_time, now
            )
            if booked < session.capacity:
                status = BookingStatus.CONFIRMED
            elif waitlist:
                status = BookingStatus.WAITLISTED
            else:
                raise CapacityFull(
                    f"{session.title} is full ({session.capacity} places); join the waitlist to "
                    "get the next free place."
                )
            # A confirmed place takes its membership credit now, a waitlisted one when it is
            # confirmed (with COACHAPP_REQUIRE_MEMBERSHIP, joining the waitlist checks that one
            # would cover it).
            day = memberships.local_date(session.start_time)
            held = None
            if status == BookingStatus.CONFIRMED:
                held = memberships.draw(member, SessionType.GROUP, day)
            elif memberships.required():
                memberships.check(member, SessionType.GROUP, day)
            booking = Booking(
                session=session,  # the returned place holds its class (no reload after commit)
                member_id=member,
                status=status,
                created_at=now,
                membership_id=None if held is None else held.id,
            )
            db.session.add(booking)
            db.session.flush()
    except IntegrityError as exc:
        if "uq_bookings_active_member" in constraint_name(exc):
            raise Conflict("This member already has a place in this class.") from exc
        raise
    confirmed = status == BookingStatus.CONFIRMED
    return booking, GroupClass(session, booked + confirmed, waiting + (not confirmed))


def _places(session_id: int, member_id: int) -> tuple[int, int, str | None]:
    """A class's confirmed and waiting places and the status of ``member_id``'s own active one
    (None: they hold none), in one statement."""
    row = db.session.execute(
        select(
            func.count(Booking.id).filter(Booking.status == BookingStatus.CONFIRMED),
            func.count(Booking.id).filter(Booking.status == BookingStatus.WAITLISTED),
            func.max(Booking.status).filter(Booking.member_id == member_id),
        ).where(Booking.session_id == session_id, Booking.status.in_(ACTIVE_BOOKING_STATUSES))
    ).one()
    return int(row[0]), int(row[1]), row[2]


def _already(status: str) -> Conflict:
    if status == BookingStatus.WAITLISTED:
        return Conflict("This member is already on the waitlist of this class.")
    return Conflict("This member already has a place in this class.")


def cancel_place(actor: User, booking_id: int, now: datetime | None = None) -> Booking:
    """Give up a place (or a waitlist entry) in a group class before it starts.

    A member's own is ``CANCELLED_BY_MEMBER``; a confirmed place given up inside the coach's
    cancellation window is marked late (billable), a waitlist entry never is. The coach's or an
    admin's is ``CANCELLED_BY_COACH`` and the member is told. When a confirmed place frees up, the
    first member on the waitlist gets it and is notified.
    """
    now = now or utcnow()
    with transaction():
        write_lock()
        found = visible_row(Booking, booking_id, "booking", lambda b: can_see_booking(actor, b))
        session = _locked_class(None, found.session_id)
        booking = locked_row(Booking, found.id)
        _cancel_place(actor, session, booking, now)
    return booking


def leave_session(
    actor: User, session_id: int, member_id: int | None = None, now: datetime | None = None
) -> Booking:
    """Give up a place (or waitlist entry) in a group class by the class's id: ``cancel_place``
    for the member's latest booking on it (NotFound when they hold none).

    A member leaves for themself; the class's coach or an admin takes out the member named by
    ``member_id``.
    """
    now = now or utcnow()
    if actor.role == Role.MEMBER:
        if member_id is not None and member_id != actor.id:
            raise NotFound(f"There is no session with id {session_id}.")
        member_id = actor.id
    elif member_id is None:
        raise ValidationFailed("say which member to take out.", field="member_id")
    with transaction():
        write_lock()
        session = _locked_class(actor, session_id)
        if actor.role != Role.MEMBER:
            coaches.require_manager(actor, session.coach_id)
        booking = db.session.execute(
            select(Booking)
            .where(Booking.session_id == session.id, Booking.member_id == member_id)
            .order_by(Booking.created_at.desc(), Booking.id.desc())
            .limit(1)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if booking is None:
            raise NotFound("There is no place of that member in this class.")
        _cancel_place(actor, session, booking, now)
    return booking


def _cancel_place(actor: User, session: TrainingSession, booking: Booking, now: datetime) -> None:
    if booking.status in CANCELLED_PLACE:
        raise AlreadyCancelled("This place is cancelled already.")
    if session.status == SessionStatus.CANCELLED:
        raise AlreadyCancelled("This class has been cancelled.")
    if (
        booking.status == BookingStatus.NO_SHOW
        or session.status != SessionStatus.SCHEDULED
        or session.start_time <= now
    ):
        raise InPast("This class has already started; the place can no longer be cancelled.")
    settings = coaches.get_settings(session.coach_id)
    by = canceller(actor)
    was_confirmed = booking.status == BookingStatus.CONFIRMED
    booking.status = (
        BookingStatus.CANCELLED_BY_MEMBER
        if by == Canceller.MEMBER
        else BookingStatus.CANCELLED_BY_COACH
    )
    booking.cancelled_at = now
    booking.late_cancel = (
        by == Canceller.MEMBER
        and was_confirmed
        and is_late_cancel(session.start_time, settings.cancellation_window_hours, now)
    )
    if not booking.late_cancel:
        memberships.give_back(booking)  # a late cancel keeps the credit used
    coach = db.session.get(User, session.coach_id)
    if by == Canceller.COACH:
        when = when_for(booking.member_id, session.start_time, now)
        notify(
            booking.member_id,
            NotificationKind.PLACE_CANCELLED,
            f"Your place in {session.title} on {when} with {coach.name} was cancelled by your "
            "coach.",
            session_id=session.id,
        )
    db.session.flush()
    if was_confirmed:
        _promote(session, now, coach)


def _promote(session: TrainingSession, now: datetime, coach: User) -> list[Booking]:
    """Give the free places of a (locked) class to the first members waiting, and tell them.

    Each promoted place takes its membership credit then. With COACHAPP_REQUIRE_MEMBERSHIP a
    member whose memberships no longer cover the class is passed over (their place keeps
    waiting) and the next one moves up."""
    free = session.capacity - _confirmed_count(session.id)
    if free <= 0:
        return []
    strict = memberships.required()
    query = (
        select(Booking)
        .where(Booking.session_id == session.id, Booking.status == BookingStatus.WAITLISTED)
        .order_by(Booking.id)
        .with_for_update()
    )
    day = memberships.local_date(session.start_time)
    waiting = []
    for booking in db.session.scalars(query if strict else query.limit(free)).all():
        if len(waiting) == free:
            break
        try:
            held = memberships.draw(booking.member_id, SessionType.GROUP, day)
        except (NoMembership, NoCredits, WeeklyLimit):
            continue
        booking.membership_id = None if held is None else held.id
        waiting.append(booking)
    for booking in waiting:
        booking.status = BookingStatus.CONFIRMED
        when = when_for(booking.member_id, session.start_time, now)
        notify(
            booking.member_id,
            NotificationKind.PLACE_CONFIRMED,
            f"A place freed up in {session.title} on {when} with {coach.name}: you are booked.",
            session_id=session.id,
        )
    db.session.flush()
    return waiting


def _counts_query():
    """Confirmed and waitlisted places per session, as a subquery (one GROUP BY)."""
    return (
        select(
            Booking.session_id.label("session_id"),
            func.sum(case((Booking.status == BookingStatus.CONFIRMED, 1), else_=0)).label("booked"),
            func.sum(case((Booking.status == BookingStatus.WAITLISTED, 1), else_=0)).label(
                "waitlisted"
            ),
        )
        .where(Booking.status.in_(ACTIVE_BOOKING_STATUSES))
        .group_by(Booking.session_id)
        .subquery()
    )


def with_counts(sessions: list[TrainingSession]) -> list[GroupClass]:
    """These group sessions with their confirmed and waitlisted places (one grouped query)."""
    if not sessions:
        return []
    counts = _counts_query()
    rows = db.session.execute(
        select(counts.c.session_id, counts.c.booked, counts.c.waitlisted).where(
            counts.c.session_id.in_([s.id for s in sessions])
        )
    ).all()
    by_id = {r.session_id: (int(r.booked or 0), int(r.waitlisted or 0)) for r in rows}
    return [GroupClass(s, *by_id.get(s.id, (0, 0))) for s in sessions]


def group_sessions(
    coach_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    include_cancelled: bool = False,
) -> list[GroupClass]:
    """Group classes overlapping ``[start, end)`` (of one coach, or all), in start order, each
    with its confirmed and waitlisted places: the sessions and their counts in one grouped query.

    Only scheduled, completed and no-show classes unless ``include_cancelled``.
    """
    if coach_id is not None and not coaches.is_id(coach_id):
        return []
    counts = _counts_query()
    query = (
        select(TrainingSession, counts.c.booked, counts.c.waitlisted)
        .outerjoin(counts, counts.c.session_id == TrainingSession.id)
        .where(TrainingSession.type == SessionType.GROUP)
    )
    if coach_id is not None:
        query = query.where(TrainingSession.coach_id == coach_id)
    if not include_cancelled:
        query = query.where(TrainingSession.status != SessionStatus.CANCELLED)
    if start is not None:
        query = query.where(
            TrainingSession.end_time > start,
            TrainingSession.start_time >= start - coaches.MAX_SESSION,
        )
    if end is not None:
        query = query.where(TrainingSession.start_time < end)
    query = query.options(
        selectinload(TrainingSession.coach), selectinload(TrainingSession.room)
    ).order_by(TrainingSession.start_time, TrainingSession.id)
    return [
        GroupClass(session, int(booked or 0), int(waitlisted or 0))
        for session, booked, waitlisted in db.session.execute(query).all()
    ]


def upcoming_classes(
    now: datetime | None = None, days: int = 28, coach_id: int | None = None
) -> list[GroupClass]:
    """Scheduled group classes that have not started, over the next ``days`` days: what members
    can book."""
    now = now or utcnow()
    found = group_sessions(coach_id, now, now + timedelta(days=days))
    return [
        c
        for c in found
        if c.session.status == SessionStatus.SCHEDULED and c.session.start_time > now
    ]


def places_left(session_id: int) -> int:
    """How many places of a group class are still free (0 when full or not a class)."""
    session = db.session.get(TrainingSession, session_id) if coaches.is_id(session_id) else None
    if session is None or session.type != SessionType.GROUP:
        return 0
    return max(0, session.capacity - _confirmed_count(session.id))


def roster(actor: User, session_id: int) -> Roster:
    """Who holds a place in a class and who waits, first come first (its coach or an admin)."""
    session = db.session.get(TrainingSession, session_id) if coaches.is_id(session_id) else None
    if session is None or actor.role == Role.MEMBER or not coaches.can_see_session(actor, session):
        raise NotFound(f"There is no session with id {session_id}.")
    rows = list(
        db.session.scalars(
            select(Booking)
            .where(
                Booking.session_id == session.id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            )
            .options(selectinload(Booking.member))
            .order_by(Booking.id)
        )
    )
    return Roster(
        confirmed=[b for b in rows if b.status == BookingStatus.CONFIRMED],
        waitlist=[b for b in rows if b.status == BookingStatus.WAITLISTED],
    )


def member_places(member_id: int, session_ids: Iterable[int]) -> dict[int, Booking]:
    """A member's booking in each of these classes (the latest one when there were several), in
    one query."""
    ids = list(set(session_ids))
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Booking)
        .where(Booking.member_id == member_id, Booking.session_id.in_(ids))
        .order_by(Booking.created_at, Booking.id)
    )
    return {b.session_id: b for b in rows}


def waitlist_positions(bookings: Iterable[Booking]) -> dict[int, int]:
    """The place in the queue (1 = next to move up) of each waitlisted booking, by booking id:
    one query for all their classes, numbering each class's waitlist in accept (id) order."""
    wanted = {b.id: b.session_id for b in bookings if b.status == BookingStatus.WAITLISTED}
    if not wanted:
        return {}
    position = func.row_number().over(partition_by=Booking.session_id, order_by=Booking.id)
    rows = db.session.execute(
        select(Booking.id, position).where(
            Booking.session_id.in_(set(wanted.values())),
            Booking.status == BookingStatus.WAITLISTED,
        )
    )
    return {booking_id: place for booking_id, place in rows if booking_id in wanted}


__all__ = [
    "GroupClass",
    "Roster",
    "book_place",
    "cancel_place",
    "create_group_series",
    "get_class",
    "group_sessions",
    "leave_session",
    "member_places",
    "places_left",
    "roster",
    "schedule_group_session",
    "upcoming_classes",
    "waitlist_positions",
    "with_counts",
]

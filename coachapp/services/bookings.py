"""Bookings: one-time sessions and recurring series, made and cancelled.

A one-time booking makes its training_sessions row and its bookings row in one transaction; a
recurring booking makes its series row and the sessions of the next weeks in one transaction. The
database's overlap constraints are the guarantee against double booking; the checks here come first
so that the refusal says what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Booking, CoachSettings, RecurringBooking, Room, TrainingSession, User, utcnow
from ..scheduling import (
    DAY_NAMES,
    HORIZON_WEEKS,
    Interval,
    MaterializationPlan,
    RecurringSeries,
    ValidationError,
    availability,
    covers,
    expand_weekly_windows,
    first_occurrence_date,
    format_hhmm,
    local_datetime,
    parse_hhmm,
    plan_materialization,
    series_collision_dates,
    validate_series,
)
from ..vocab import (
    BookingStatus,
    Canceller,
    NotificationKind,
    SeriesStatus,
    SessionStatus,
    SessionType,
)
from . import booking_rules, coach_calendar, coaches, horizon, memberships
from .db import coach_lock, constraint_name, locked_row, transaction, visible_row, write_lock
from .errors import (
    AlreadyCancelled,
    Conflict,
    InPast,
    NotFound,
    Overlap,
    RoomTaken,
    SlotTaken,
    SlotUnavailable,
    ValidationFailed,
)
from .notifications import notify, recipient_zone, when_for
from .sessions import cancel_one, canceller, session_row, to_series

CANCELLED_BOOKING = (BookingStatus.CANCELLED_BY_MEMBER, BookingStatus.CANCELLED_BY_COACH)


def taken_error(exc: IntegrityError) -> Conflict:
    """The domain error for a write the database refused (lost a race, room in use)."""
    name = constraint_name(exc)
    if "room_overlap" in name:
        return SlotTaken("The room is taken by another session at that time; pick another time.")
    if "coach_overlap" in name or "uq_training_sessions_occurrence" in name:
        return SlotTaken("Someone else has just booked this time; pick another slot.")
    return Conflict("The booking could not be saved; reload and try again.")


def _dates(days: list[date]) -> str:
    return ", ".join(d.isoformat() for d in days)


def book_one_time(
    actor: User,
    coach_id: int,
    start: datetime,
    end: datetime,
    member_id: int | None = None,
    now: datetime | None = None,
) -> tuple[Booking, TrainingSession]:
    """Book ``[start, end)`` with a coach: a one-to-one session and its confirmed booking.

    The time need not be one of the offered slots, but it must lie wholly inside the coach's
    one-to-one availability and overlap none of the coach's scheduled sessions. A member books
    for themself; the coach (own sessions) or an admin books for the member named by
    ``member_id``. The room is that of the window or addition the time lies in, else the coach's
    default room.
    """
    settings = coaches.get_settings(coach_id)
    tz = coaches.zone_of(settings)
    member = coaches.resolve_member(actor, coach_id, member_id)
    start, end = coaches.span(start, end, tz)
    if end - start > coaches.MAX_SESSION:
        raise ValidationFailed("a session lasts at most 12 hours.", field="end_time")
    now = now or utcnow()
    if start <= now:
        raise InPast("That time has already started; pick a time in the future.")
    horizon.check_start(start, "start_time", tz, now)
    booking_rules.check(actor, settings, start, now)
    try:
        with transaction():
            write_lock()
            booking, session = _book(settings, member, Interval(start, end))
    except IntegrityError as exc:
        raise taken_error(exc) from exc
    return booking, session


def _book(
    settings: CoachSettings, member_id: int, wanted: Interval
) -> tuple[Booking, TrainingSession]:
    room_id = check_open(settings, wanted, SessionType.ONE_TO_ONE)
    # One credit of the member's membership valid that day (the first to expire), if any; with
    # COACHAPP_REQUIRE_MEMBERSHIP none is refused here (NoMembership / NoCredits / WeeklyLimit).
    held = memberships.draw(member_id, SessionType.ONE_TO_ONE, memberships.local_date(wanted.start))
    membership_id = None if held is None else held.id
    session = TrainingSession(
        coach_id=settings.coach_id,
        member_id=member_id,
        room_id=room_id,
        start_time=wanted.start,
        end_time=wanted.end,
        type=SessionType.ONE_TO_ONE,
        status=SessionStatus.SCHEDULED,
        capacity=1,
        membership_id=membership_id,
    )
    db.session.add(session)
    db.session.flush()
    booking = Booking(
        session_id=session.id,
        member_id=member_id,
        status=BookingStatus.CONFIRMED,
        membership_id=membership_id,
    )
    db.session.add(booking)
    db.session.flush()
    session.one_time_booking_id = booking.id
    db.session.flush()
    return booking, session


def kind_label(session_type: str) -> str:
    """How messages name a kind of session: ``one-to-one`` or ``group``."""
    return "group" if session_type == SessionType.GROUP else "one-to-one"


def check_open(
    settings: CoachSettings,
    wanted: Interval,
    session_type: str,
    ignore_session_id: int | None = None,
    room_id: int | None = None,
) -> int | None:
    """Refuse ``wanted`` unless it lies wholly inside the coach's availability for
    ``session_type`` (its weekly windows − blocked slots ∪ additions) and overlaps none of the
    coach's scheduled sessions (but ``ignore_session_id``, the session being moved); return the
    room it would use: ``room_id`` when given, else the first of the addition's, the window's and
    the coach's default room that no other session holds then (RoomTaken when all are held).
    Call it inside the write transaction."""
    coach_id = settings.coach_id
    tz = coaches.zone_of(settings)
    first_day = coaches.local_day(wanted.start, tz) - timedelta(days=1)
    last_day = coaches.local_day(wanted.end, tz) + timedelta(days=1)
    windows = coaches.core_windows(coaches.weekly_rows(coach_id), session_type)
    blocked = coaches.blocked_in(coach_id, wanted.start, wanted.end)
    additions = coaches.additions_in(coach_id, wanted.start, wanted.end)
    open_time = availability(
        windows,
        tz,
        first_day,
        last_day,
        [coaches.interval(b) for b in blocked],
        [coaches.interval(a) for a in additions],
    )
    when = f"{coaches.describe(wanted.start, tz)}–{wanted.end.astimezone(tz):%H:%M}"
    if not covers(open_time, wanted):
        raise SlotUnavailable(
            f"The coach is not available for {kind_label(session_type)} sessions on {when}."
        )
    taken = [
        s
        for s in coaches.scheduled_in(coach_id, wanted.start, wanted.end)
        if s.id != ignore_session_id
    ]
    if taken:
        other = taken[0]
        if other.start_time == wanted.start and other.end_time == wanted.end:
            raise SlotTaken(f"{when} is already booked; pick another slot.")
        raise SlotTaken(
            f"{when} overlaps another session from {coaches.describe(other.start_time, tz)} to "
            f"{other.end_time.astimezone(tz):%H:%M}; pick another time."
        )
    if room_id is not None:
        held = coaches.rooms_held([room_id], wanted.start, wanted.end, ignore_session_id)
        if held:
            raise room_taken(room_id, when)
        return room_id
    placed = expand_weekly_windows(windows, tz, first_day, last_day)
    rooms = coaches.room_ids_of(placed, additions, settings.default_room_id)
    held = coaches.rooms_held(rooms, wanted.start, wanted.end, ignore_session_id)
    pick = coaches.room_at(wanted, placed, additions, settings.default_room_id, held)
    if pick.taken is not None:
        raise room_taken(pick.taken, when)
    return pick.room_id


def room_taken(room_id: int, when: str) -> RoomTaken:
    """The refusal for a time whose room another session holds: it names the room, not a person."""
    name = _room_name(room_id)
    return RoomTaken(f"{name} is taken then ({when}); pick another time.", room=name)


def get_booking(actor: User, booking_id: int) -> Booking:
    """A booking the actor may see: their own (member), of their sessions (coach), any (admin)."""
    return visible_row(Booking, booking_id, "booking", lambda b: can_see_booking(actor, b))


def can_see_booking(actor: User, booking: Booking) -> bool:
    """A member sees their own bookings, a coach those of their sessions, an admin all
    (``coaches.is_party``)."""
    return coaches.is_party(actor, booking.session.coach_id, booking.member_id)


def cancel_booking(actor: User, booking_id: int, now: datetime | None = None) -> Booking:
    """Cancel a booking and its session before it starts.

    A member's cancellation is ``CANCELLED_BY_MEMBER`` (late, and billable, within the coach's
    cancellation window); a coach's or an admin's is ``CANCELLED_BY_COACH`` and the member is told.
    A place in a group class is given up instead (``group_classes.cancel_place``): the class goes
    on and the first member on its waitlist moves up.
    """
    now = now or utcnow()
    if coaches.is_id(booking_id):
        found = db.session.get(Booking, booking_id)
        if found is not None and found.session.type == SessionType.GROUP:
            from .group_classes import cancel_place

            return cancel_place(actor, booking_id, now=now)
    with transaction():
        write_lock()
        found = visible_row(Booking, booking_id, "booking", lambda b: can_see_booking(actor, b))
        # The session's row first, then the booking's: the order cancel_session locks them in
        # (the other order deadlocked a booking's and its session's cancel racing each other).
        session = locked_row(TrainingSession, found.session_id)
        booking = locked_row(Booking, found.id)
        if booking.status in CANCELLED_BOOKING:
            raise AlreadyCancelled("This booking is cancelled already.")
        if session.start_time <= now or booking.status == BookingStatus.NO_SHOW:
            raise InPast("This session has already started; it can no longer be cancelled.")
        cancel_one(session, canceller(actor), now)
    return booking


@dataclass(frozen=True)
class RecurringPreview:
    """What a recurring booking would do, for the member's confirmation step.

    ``sessions`` are the ``(start, end)`` instants it would create now; ``skipped_blocked`` the
    dates left out because the coach blocked them; ``colliding_dates`` the dates on which it
    collides with another series or session of the coach (then it would be refused);
    ``room_taken_dates`` those on which ``room``, the series' room, is held by another session
    (also refused).
    """

    sessions: list[tuple[datetime, datetime]]
    skipped_blocked: list[date]
    colliding_dates: list[date]
    room_taken_dates: list[date] = field(default_factory=list)
    room: str | None = None


@dataclass(frozen=True)
class SeriesSpec:
    """A recurring booking as it is asked for: the coach, a weekday (0 = Sunday) and wall-clock
    ``HH:MM`` times in the coach's zone, the first and (optional) last date, every 1 or 2 weeks,
    and whose it is — a member's one-to-one series (``member_id``; a member books for
    themselves) or a coach's ``GROUP`` class (no member; ``room_id`` replaces the window's room).
    Who asks and when (``actor``, ``today``, ``now``) are not part of it."""

    coach_id: int
    day_of_week: int
    start_time: str
    end_time: str
    start_date: date
    end_date: date | None = None
    frequency: int = 1
    member_id: int | None = None
    session_type: str = SessionType.ONE_TO_ONE
    room_id: int | None = None


@dataclass(frozen=True)
class _SeriesRequest:
    settings: CoachSettings
    member_id: int | None
    series: RecurringSeries
    room_id: int | None
    today: date
    now: datetime


def _validation(exc: ValidationError, field: str) -> ValidationFailed:
    field = exc.field or field
    return ValidationFailed(exc.message, field=field)


def series_request(
    actor: User, spec: SeriesSpec, today: date | None = None, now: datetime | None = None
) -> _SeriesRequest:
    """Validate a recurring booking request (no writes) and find its window's room.

    A one-to-one series is a member's (``resolve_member``); a ``GROUP`` series is the coach's own
    class (the coach or an admin, no member) and must lie inside a group window. ``room_id``, when
    given, replaces the window's room.
    """
    coach_id, day_of_week, session_type = spec.coach_id, spec.day_of_week, spec.session_type
    start_date, end_date, frequency = spec.start_date, spec.end_date, spec.frequency
    settings = coaches.get_settings(coach_id)
    tz = coaches.zone_of(settings)
    room_id = spec.room_id
    if session_type == SessionType.GROUP:
        coaches.require_manager(actor, coach_id)
        member = None
        room_id = coaches.check_room(room_id)
    else:
        member = coaches.resolve_member(actor, coach_id, spec.member_id)
    if today is not None:
        coaches.check_date(today, "today")
    if now is None:
        now = utcnow() if today is None else local_datetime(today, 0, tz)
    today = today or now.astimezone(tz).date()
    try:
        start_minute = parse_hhmm(spec.start_time, "start_time")
        end_minute = parse_hhmm(spec.end_time, "end_time")
    except ValidationError as exc:
        raise _validation(exc, "start_time") from exc
    coaches.check_date(start_date, "start_date")
    coaches.check_date(end_date, "end_date", optional=True)
    series = RecurringSeries(
        id="new",
        coach_id=str(coach_id),
        day_of_week=day_of_week,
        start_minute=start_minute,
        end_minute=end_minute,
        start_date=start_date,
        end_date=end_date,
        frequency=frequency,
        member_id=None if member is None else str(member),
    )
    try:
        validate_series(series)
    except ValidationError as exc:
        raise _validation(exc, "day_of_week") from exc
    if start_date < today:
        raise ValidationFailed(
            f"{start_date.isoformat()} is in the past; start today or later.",
            field="start_date",
        )
    first_date = first_occurrence_date(series)
    if first_date is None:
        raise ValidationFailed(
            f"there is no {DAY_NAMES[day_of_week]} between the start and the end date.",
            field="end_date",
        )
    # The series may end later, but it must begin within reach (its later dates wait for it).
    first_start = local_datetime(first_date, start_minute, tz)
    horizon.check_start(first_start, "start_date", tz, now)
    # A member's series starts within the coach's horizon and notice; it may run beyond them. A
    # first date whose time has passed today is skipped (as below), so the next one is judged.
    if first_start <= now:
        first_start = local_datetime(first_date + timedelta(weeks=frequency), start_minute, tz)
    booking_rules.check(actor, settings, first_start, now, field="start_date")
    windows = [
        w
        for w in coaches.core_windows(coaches.weekly_rows(coach_id), session_type)
        if w.day_of_week == day_of_week
        and w.start_minute <= start_minute
        and end_minute <= w.end_minute
    ]
    if not windows:
        raise SlotUnavailable(
            f"The coach has no {kind_label(session_type)} availability on "
            f"{DAY_NAMES[day_of_week]}s from {format_hhmm(start_minute)} to "
            f"{format_hhmm(end_minute)}."
        )
    if room_id is None:
        room_id = None if windows[0].room_id is None else int(windows[0].room_id)
    series = RecurringSeries(
        **{**_fields(series), "room_id": None if room_id is None else str(room_id)}
    )
    return _SeriesRequest(settings, member, series, room_id, today, now)


def _fields(series: RecurringSeries) -> dict:
    return {name: getattr(series, name) for name in RecurringSeries.__dataclass_fields__}


def _series_collisions(request: _SeriesRequest) -> list[date]:
    """The first dates on which the series collides with an active series of the same coach."""
    tz = coaches.zone_of(request.settings)
    found: set[date] = set()
    others = db.session.scalars(
        select(RecurringBooking).where(
            RecurringBooking.coach_id == request.settings.coach_id,
            RecurringBooking.status == SeriesStatus.ACTIVE,
        )
    )
    for other in others:
        found.update(series_collision_dates(request.series, to_series(other), tz, limit=5))
    return sorted(found)[:5]


def _plan(request: _SeriesRequest, series: RecurringSeries) -> MaterializationPlan:
    """The sessions the series makes now: 6 weeks from max(today, start date)."""
    settings = request.settings
    tz = coaches.zone_of(settings)
    first = max(request.today, series.start_date)
    lo, hi = coaches.day_bounds(first, first + timedelta(days=7 * HORIZON_WEEKS), tz)
    coach_id = settings.coach_id
    calendar = coach_calendar.load(coach_id, lo, hi, request.now).core()
    plan = plan_materialization([series], {str(coach_id): calendar}, first, HORIZON_WEEKS)
    upcoming = tuple(
        p for p in horizon.within(plan.create, request.now) if p.interval.start_utc > request.now
    )
    return MaterializationPlan(
        upcoming, plan.skipped_blocked, plan.skipped_existing, plan.collisions
    )


def preview_recurring(
    actor: User,
    spec: SeriesSpec,
    today: date | None = None,
    now: datetime | None = None,
) -> RecurringPreview:
    """What ``create_recurring`` with the same ``spec`` would make, without writing anything."""
    request = series_request(actor, spec, today, now)
    plan = _plan(request, request.series)
    colliding = sorted(set(_series_collisions(request)) | {o.local_date for o in plan.collisions})
    room_dates = _room_clashes(request, plan)
    return RecurringPreview(
        sessions=[(p.interval.start, p.interval.end) for p in plan.create],
        skipped_blocked=[o.local_date for o in plan.skipped_blocked],
        colliding_dates=colliding[:5],
        room_taken_dates=room_dates[:5],
        room=_room_name(request.room_id) if room_dates else None,
    )


def _room_clashes(request: _SeriesRequest, plan: MaterializationPlan) -> list[date]:
    """The local dates of the sessions ``plan`` makes whose room another session holds then."""
    if request.room_id is None or not plan.create:
        return []
    lo = min(p.interval.start_utc for p in plan.create)
    hi = max(p.interval.end_utc for p in plan.create)
    held = coaches.rooms_held([request.room_id], lo, hi).get(request.room_id)
    if held is None:
        return []
    return sorted(
        {
            p.local_date
            for p in plan.create
            if held.overlaps(p.interval.start_utc, p.interval.end_utc)
        }
    )


def _room_name(room_id: int) -> str:
    room = db.session.get(Room, room_id)
    return room.name if room is not None else "The room"


def create_recurring(
    actor: User,
    spec: SeriesSpec,
    today: date | None = None,
    now: datetime | None = None,
) -> tuple[RecurringBooking, list[TrainingSession]]:
    """Book the series ``spec`` asks for, weekly (1) or bi-weekly (2), and make its sessions of
    the next 6 weeks.

    The weekday and times must lie inside one of the coach's one-to-one weekly windows (its room
    becomes the series' room). Refused with Overlap when it would put two sessions on the coach at
    once: with an active series (on dates both really occur) or with a scheduled session in the
    weeks made now. Occurrences inside blocked slots are skipped (the nightly job keeps going).
    """
    request = series_request(actor, spec, today, now)
    return make_series(request)


def make_series(
    request: _SeriesRequest, row_fields: dict | None = None, session_fields: dict | None = None
) -> tuple[RecurringBooking, list[TrainingSession]]:
    """Store a validated series (``series_request``) and its sessions of the next 6 weeks, in one
    transaction under the coach's lock; ``row_fields``/``session_fields`` add to the
    recurring_bookings row and to each session (a group class's type, title and capacity).

    Refused with Overlap when it would put two sessions on the coach at once, with an active
    series (on dates both really occur) or a scheduled session in the weeks made now.
    """
    try:
        with transaction():
            coach_lock(request.settings.coach_id)
            row, sessions, _ = store_series(request, row_fields, session_fields)
    except IntegrityError as exc:
        raise taken_error(exc) from exc
    return row, sessions


class SeriesRefusals(NamedTuple):
    """How ``store_series`` words its refusals (``{dates}``, ``{room}``; ``dates`` writes the
    list): a new series asks for another time or start date, a series being moved names the weekly
    time it was moved to."""

    overlap: str = "This overlaps another recurring booking with the coach on {dates}; pick another time."
    taken: str = (
        "The coach already has a session at that time on {dates}; pick another time or start date."
    )
    room: str = "{room} is taken then on {dates}; pick another time or start date."
    dates: Callable[[list[date]], str] = _dates


NEW_SERIES = SeriesRefusals()


def store_series(
    request: _SeriesRequest,
    row_fields: dict | None = None,
    session_fields: dict | None = None,
    refusals: SeriesRefusals = NEW_SERIES,
    require_first: bool = True,
) -> tuple[RecurringBooking, list[TrainingSession], MaterializationPlan]:
    """Inside the caller's transaction and coach lock: add the recurring_bookings row of a
    validated series and its sessions of the next 6 weeks (each drawing a membership credit);
    returns them with the plan (which dates were skipped, blocked).

    Refused with Overlap when it would put two sessions on the coach at once (an active series on
    dates both really occur, a scheduled session in the weeks made now) and RoomTaken when its room
    is. With ``require_first`` (a new booking) a series whose first session finds no membership is
    refused; otherwise an occurrence without one is left to the nightly job, as always."""
    series = request.series
    colliding = _series_collisions(request)
    if colliding:
        raise Overlap(refusals.overlap.format(dates=refusals.dates(colliding)))
    row = RecurringBooking(
        member_id=request.member_id,
        coach_id=request.settings.coach_id,
        day_of_week=series.day_of_week,
        start_time=format_hhmm(series.start_minute),
        end_time=format_hhmm(series.end_minute),
        start_date=series.start_date,
        end_date=series.end_date,
        frequency=series.frequency,
        status=SeriesStatus.ACTIVE,
        room_id=request.room_id,
        created_at=request.now,
        **(row_fields or {}),
    )
    db.session.add(row)
    db.session.flush()
    plan = _plan(request, to_series(row))
    if plan.collisions:
        days = sorted({o.local_date for o in plan.collisions})[:5]
        raise Overlap(refusals.taken.format(dates=refusals.dates(days)))
    room_dates = _room_clashes(request, plan)
    if room_dates:
        name = _room_name(request.room_id)
        raise RoomTaken(
            refusals.room.format(room=name, dates=refusals.dates(room_dates[:5])), room=name
        )
    # Each occurrence takes a membership credit; with COACHAPP_REQUIRE_MEMBERSHIP one without is
    # not made (the nightly job makes it once the member has one).
    drawn = memberships.draw_for_occurrences(
        [{**session_row(p, request.now), **(session_fields or {})} for p in plan.create]
    )
    if require_first and drawn.skipped and (not drawn.rows or drawn.skipped[0] is _first(drawn)):
        raise drawn.refusal
    sessions = [TrainingSession(**values) for values in drawn.rows]
    db.session.add_all(sessions)
    db.session.flush()
    memberships.note_gaps(drawn.rows, drawn.skipped)
    return row, sessions, plan


def _first(drawn: memberships.Occurrences) -> dict:
    """The earliest occurrence planned, made or skipped."""
    return min(drawn.rows + drawn.skipped, key=lambda r: r["start_time"])


MAX_FILL_DAYS = 366


def _fill_until(
    row: RecurringBooking, settings: CoachSettings, today: date, until: date, now: datetime
) -> None:
    """Make the series' sessions on local dates ``[today, until)`` that do not exist yet, so
    ending a series from a date beyond the nightly horizon keeps the sessions before that date.
    Occurrences blocked or colliding are skipped, as the nightly job would."""
    if (until - today).days > MAX_FILL_DAYS:
        raise ValidationFailed(
            "end a series at most a year ahead (or set its end date).",
            field="from_date",
        )
    tz = coaches.zone_of(settings)
    lo, hi = coaches.day_bounds(today, until, tz)
    coach_id = settings.coach_id
    existing = db.session.execute(
        select(TrainingSession.occurrence_start).where(
            TrainingSession.recurring_booking_id == row.id,
            TrainingSession.occurrence_start >= lo,
            TrainingSession.occurrence_start < hi,
        )
    ).scalars()
    calendar = coach_calendar.load(coach_id, lo, hi, now).core(
        existing_keys=frozenset((str(row.id), start) for start in existing)
    )
    weeks = -(-(until - today).days // 7)
    plan = plan_materialization([to_series(row)], {str(coach_id): calendar}, today, weeks)
    group = (
        {
            "type": SessionType.GROUP,
            "title": row.title or "Group class",
            "capacity": row.capacity,
            "member_id": None,
        }
        if row.session_type == SessionType.GROUP
        else {}
    )
    cutoff = local_datetime(until, 0, tz)
    drawn = memberships.draw_for_occurrences(
        [
            {**session_row(p, now), **group}
            for p in horizon.within(plan.create, now)
            if now < p.interval.start_utc < cutoff
        ]
    )
    db.session.add_all(TrainingSession(**values) for values in drawn.rows)
    db.session.flush()


def get_recurring(actor: User, series_id: int) -> RecurringBooking:
    """A recurring booking the actor may see (member own, coach own, admin any)."""
    return visible_row(
        RecurringBooking, series_id, "recurring booking", lambda r: _can_see_series(actor, r)
    )


def _can_see_series(actor: User, row: RecurringBooking) -> bool:
    """A member sees their own series, a coach theirs (group classes too), an admin all."""
    return coaches.is_party(actor, row.coach_id, row.member_id)


def cancel_recurring(
    actor: User,
    recurring_booking_id: int,
    from_date: date | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> RecurringBooking:
    """End a recurring booking: the series becomes CANCELLED (no more sessions are made) and its
    scheduled sessions on or after ``from_date`` (default today, coach's dates) that have not
    started are cancelled. Sessions before ``from_date`` stay. A coach's cancellation tells the member;
    ending a group class series cancels the places in its classes and tells each member.
    """
    coaches.check_date(from_date, "from_date", optional=True)
    if today is not None:
        coaches.check_date(today, "today")
    with transaction():
        write_lock()
        row = locked_row(RecurringBooking, recurring_booking_id)
        if row is None or not _can_see_series(actor, row):
            raise NotFound(f"There is no recurring booking with id {recurring_booking_id}.")
        if row.status == SeriesStatus.CANCELLED:
            raise AlreadyCancelled("This recurring booking is cancelled already.")
        settings = coaches.get_settings(row.coach_id)
        tz = coaches.zone_of(settings)
        if now is None:
            now = utcnow() if today is None else local_datetime(today, 0, tz)
        today = today or now.astimezone(tz).date()
        cutoff = local_datetime(from_date or today, 0, tz)
        sessions = list(
            db.session.scalars(
                select(TrainingSession)
                .where(
                    TrainingSession.recurring_booking_id == row.id,
                    TrainingSession.status == SessionStatus.SCHEDULED,
                    TrainingSession.start_time >= cutoff,
                    TrainingSession.start_time > now,
                )
                .order_by(TrainingSession.start_time)
            )
        )
        if from_date is not None and from_date > today + timedelta(days=7 * HORIZON_WEEKS):
            # The nightly job stops with the series: make the occurrences before from_date now.
            _fill_until(row, settings, today, from_date, now)
        by = canceller(actor)
        row.status = SeriesStatus.CANCELLED
        row.cancelled_at = now
        if row.session_type == SessionType.GROUP:
            # Each class had its own members: cancel their places and tell each of them.
            coach = db.session.get(User, row.coach_id)
            for session in sessions:
                cancel_one(session, Canceller.COACH, now, settings, coach)
            return row
        for session in sessions:
            session.status = SessionStatus.CANCELLED
            session.cancelled_by = by
            session.cancelled_at = now
            memberships.give_back(session)  # ending a series is never a late cancel
        if by == Canceller.COACH and sessions:
            coach = db.session.get(User, row.coach_id)
            first = sessions[0].start_time.astimezone(recipient_zone(row.member_id))
            notify(
                row.member_id,
                NotificationKind.SERIES_CANCELLED,
                f"Your {first:%A} {first:%H:%M} sessions with {coach.name} were cancelled by your "
                f"coach from {when_for(row.member_id, first, now)} on.",
                session_id=sessions[0].id,
            )
    return row


__all__ = [
    "RecurringPreview",
    "book_one_time",
    "cancel_booking",
    "cancel_recurring",
    "can_see_booking",
    "check_open",
    "create_recurring",
    "get_booking",
    "get_recurring",
    "make_series",
    "preview_recurring",
    "series_request",
    "SeriesSpec",
]

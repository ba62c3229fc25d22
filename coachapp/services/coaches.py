"""Coaches: lookup, settings and time zone, who may act for a coach, and loading a coach's calendar.

The loaders here are shared by the availability, slot, booking and session use cases: each reads
one kind of row for one coach and a span of time (range-filtered on the ``(coach_id, start_time)``
indexes) and turns rows into the scheduling core's dataclasses.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import g, has_app_context
from sqlalchemy import select

from ..extensions import db
from ..models import (
    AvailabilityAddition,
    BlockedSlot,
    Booking,
    CoachSettings,
    Room,
    TrainingSession,
    User,
    WeeklyAvailability,
)
from ..scheduling import Interval, Timeline, WeeklyWindow, local_datetime, parse_hhmm
from ..vocab import Role, SessionStatus, SessionType
from .db import visible_row
from .errors import Forbidden, NotFound, ValidationFailed

MAX_SESSION = timedelta(hours=12)
"""The longest session the services create; lets range queries bound ``start_time`` from below."""

FIRST_YEAR, LAST_YEAR = 1900, 9000
"""Dates and instants outside these years are refused: date arithmetic near year 1 or 9999
overflows, and no booking means them."""


def is_id(value: object) -> bool:
    """Whether ``value`` can be a row id (a positive int the databases can hold); else NotFound."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def get_coach(coach_id: int) -> User:
    """The coach with ``coach_id``; NotFound when there is no such user or they are not a coach."""
    return visible_row(User, coach_id, "coach", _is_coach)


def _is_coach(user: User) -> bool:
    return user.role == Role.COACH


def get_settings(coach_id: int) -> CoachSettings:
    """A coach's settings (zone, duration, default room); NotFound unless ``coach_id`` is a coach."""
    if not is_id(coach_id):
        raise NotFound(f"There is no coach with id {coach_id}.")
    # One read per request: pages ask for a coach's settings from several services.
    cache = g.setdefault("_coach_settings", {}) if has_app_context() else {}
    row = cache.get(int(coach_id))
    if row is not None and row in db.session:
        return row
    row = db.session.execute(
        select(CoachSettings)
        .join(User, User.id == CoachSettings.coach_id)
        .where(CoachSettings.coach_id == coach_id, User.role == Role.COACH)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"There is no coach with id {coach_id}.")
    cache[int(coach_id)] = row
    return row


def list_coaches() -> list[tuple[User, CoachSettings]]:
    """Every active coach with their settings, by name: what members choose from."""
    rows = db.session.execute(
        select(User, CoachSettings)
        .join(CoachSettings, CoachSettings.coach_id == User.id)
        .where(User.role == Role.COACH, User.active.is_(True))
        .order_by(User.name, User.id)
    ).all()
    return [(user, settings) for user, settings in rows]


def coach_zone(coach_id: int) -> ZoneInfo:
    """The IANA zone a coach's weekly times are read in."""
    return ZoneInfo(get_settings(coach_id).timezone)


def zone_of(settings: CoachSettings) -> ZoneInfo:
    """The zone of already-loaded settings."""
    return ZoneInfo(settings.timezone)


def require_manager(actor: User, coach_id: int) -> None:
    """Allow only the coach themself or an admin to change a coach's availability or sessions."""
    if actor.role == Role.ADMIN or (actor.role == Role.COACH and actor.id == coach_id):
        return
    raise Forbidden("Only the coach themself or an admin may do this.")


def is_party(actor: User, coach_id: int | None, member_id: int | None) -> bool:
    """The one visibility rule of the gym's rows: an admin sees every one, a coach those of their
    own (``coach_id``), a member their own (``member_id``): a booking, a series, a session."""
    if actor.role == Role.ADMIN:
        return True
    if actor.role == Role.COACH:
        return coach_id == actor.id
    return actor.role == Role.MEMBER and member_id == actor.id


def can_see_session(actor: User, session: TrainingSession) -> bool:
    """``is_party`` for a session, and a member also sees a group class once they have, or had,
    a place or a waitlist entry in it."""
    if is_party(actor, session.coach_id, session.member_id):
        return True
    if actor.role != Role.MEMBER:
        return False
    if session.type != SessionType.GROUP:
        return False
    return (
        db.session.scalar(
            select(Booking.id)
            .where(Booking.session_id == session.id, Booking.member_id == actor.id)
            .limit(1)
        )
        is not None
    )


def require_member(member_id: object, field: str = "member_id") -> User:
    """The active member with ``member_id``, or ValidationFailed naming ``field``."""
    user = None
    if is_id(member_id):
        user = db.session.get(User, member_id)
    if user is None or user.role != Role.MEMBER or not user.active:
        raise ValidationFailed(f"there is no member with id {member_id}.", field=field)
    return user


def resolve_member(actor: User, coach_id: int, member_id: int | None) -> int:
    """Who a booking is for: a member books for themself; a coach (own) or admin for a member."""
    if actor.role == Role.MEMBER:
        if member_id is not None and member_id != actor.id:
            raise Forbidden("Members book only for themselves.")
        return actor.id
    if actor.role == Role.COACH and actor.id != coach_id:
        raise Forbidden("A coach books only their own sessions.")
    if actor.role not in (Role.COACH, Role.ADMIN):
        raise Forbidden("You may not book sessions.")
    if member_id is None:
        raise ValidationFailed("say which member this booking is for.", field="member_id")
    return require_member(member_id).id


def check_room(room_id: object, field: str = "room_id") -> int | None:
    """``room_id`` if it names a room (None passes); ValidationFailed naming ``field`` otherwise."""
    if room_id is None:
        return None
    if not is_id(room_id) or db.session.get(Room, room_id) is None:
        raise ValidationFailed(f"there is no room with id {room_id}.", field=field)
    return room_id


def aware(value: object, tz: tzinfo, field: str) -> datetime:
    """An aware instant; a naive datetime is read in ``tz`` (the coach's zone), as the API does."""
    if not isinstance(value, datetime):
        raise ValidationFailed("give a date and time.", field=field)
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=tz)
    check_year(value, field)
    return value


def check_date(value: object, field: str, optional: bool = False) -> date | None:
    """``value`` if it is a plain date in the supported years (None passes when ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationFailed("give a date (YYYY-MM-DD).", field=field)
    check_year(value, field)
    return value


def check_year(value: date, field: str) -> None:
    """Refuse dates and instants outside ``FIRST_YEAR``–``LAST_YEAR``."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationFailed(f"use a date between {FIRST_YEAR} and {LAST_YEAR}.", field=field)


def span(start: object, end: object, tz: tzinfo) -> tuple[datetime, datetime]:
    """Validate a ``[start, end)`` request: aware instants, end after start."""
    start = aware(start, tz, "start_time")
    end = aware(end, tz, "end_time")
    if end <= start:
        raise ValidationFailed("the end must be after the start.", field="end_time")
    return start, end


def day_bounds(first_day: date, last_day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The instants from local midnight of ``first_day`` to the midnight after ``last_day``."""
    return local_datetime(first_day, 0, tz), local_datetime(last_day + timedelta(days=1), 0, tz)


def local_day(instant: datetime, tz: tzinfo) -> date:
    """The local date of an instant in ``tz``."""
    return instant.astimezone(tz).date()


def describe(instant: datetime, tz: tzinfo) -> str:
    """An instant as people read it in messages: ``Tue 30 Mar 2027 10:00``."""
    local = instant.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def weekly_rows(coach_id: int) -> list[WeeklyAvailability]:
    """All of a coach's weekly windows, by day and start."""
    return list(
        db.session.scalars(
            select(WeeklyAvailability)
            .where(WeeklyAvailability.coach_id == coach_id)
            .order_by(WeeklyAvailability.day_of_week, WeeklyAvailability.start_time)
        )
    )


def to_window(row: WeeklyAvailability) -> WeeklyWindow:
    """A weekly_availability row as the core's WeeklyWindow (ids as strings)."""
    return WeeklyWindow(
        day_of_week=row.day_of_week,
        start_minute=parse_hhmm(row.start_time),
        end_minute=parse_hhmm(row.end_time),
        room_id=None if row.room_id is None else str(row.room_id),
        is_individual=bool(row.is_individual),
        is_group=bool(row.is_group),
    )


def core_windows(
    rows: Iterable[WeeklyAvailability], session_type: str = SessionType.ONE_TO_ONE
) -> list[WeeklyWindow]:
    """The windows that admit ``session_type``: one-to-one windows, or group windows."""
    if session_type == SessionType.GROUP:
        return [to_window(r) for r in rows if r.is_group]
    return [to_window(r) for r in rows if r.is_individual]


def interval(row) -> Interval:
    """A row with start_time/end_time instants as the core's Interval."""
    return Interval(row.start_time, row.end_time)


def blocked_in(coach_id: int, start: datetime, end: datetime) -> list[BlockedSlot]:
    """A coach's blocked slots overlapping ``[start, end)``."""
    return list(
        db.session.scalars(
            select(BlockedSlot)
            .where(
                BlockedSlot.coach_id == coach_id,
                BlockedSlot.start_time < end,
                BlockedSlot.end_time > start,
            )
            .order_by(BlockedSlot.start_time, BlockedSlot.id)
        )
    )


def additions_in(coach_id: int, start: datetime, end: datetime) -> list[AvailabilityAddition]:
    """A coach's availability additions overlapping ``[start, end)``."""
    return list(
        db.session.scalars(
            select(AvailabilityAddition)
            .where(
                AvailabilityAddition.coach_id == coach_id,
                AvailabilityAddition.start_time < end,
                AvailabilityAddition.end_time > start,
            )
            .order_by(AvailabilityAddition.start_time, AvailabilityAddition.id)
        )
    )


def scheduled_in(coach_id: int, start: datetime, end: datetime) -> list[TrainingSession]:
    """A coach's scheduled sessions overlapping ``[start, end)``, in start order."""
    return list(
        db.session.scalars(
            select(TrainingSession)
            .where(
                TrainingSession.coach_id == coach_id,
                TrainingSession.status == SessionStatus.SCHEDULED,
                TrainingSession.start_time >= start - MAX_SESSION,
                TrainingSession.start_time < end,
                TrainingSession.end_time > start,
            )
            .order_by(TrainingSession.start_time, TrainingSession.id)
        )
    )


class RoomPick(NamedTuple):
    """The room a slot would use: ``room_id`` (None when the coach uses no room there), or, when
    every room the coach may use then is held by another session, ``taken`` (the room it would
    have used) and ``room_id`` None."""

    room_id: int | None
    taken: int | None = None


def rooms_held(
    room_ids: Iterable[int | None],
    start: datetime,
    end: datetime,
    ignore_session_id: int | None = None,
) -> dict[int, Timeline]:
    """Per room, when it is held by a scheduled session of any coach within ``[start, end)``
    (but ``ignore_session_id``, the session being moved); rooms held by nothing are left out."""
    ids = sorted({int(r) for r in room_ids if r is not None})
    if not ids:
        return {}
    query = select(
        TrainingSession.room_id, TrainingSession.start_time, TrainingSession.end_time
    ).where(
        TrainingSession.room_id.in_(ids),
        TrainingSession.status == SessionStatus.SCHEDULED,
        TrainingSession.start_time >= start - MAX_SESSION,
        TrainingSession.start_time < end,
        TrainingSession.end_time > start,
    )
    if ignore_session_id is not None:
        query = query.where(TrainingSession.id != ignore_session_id)
    spans: dict[int, list[Interval]] = {}
    for room_id, s_start, s_end in db.session.execute(query):
        spans.setdefault(room_id, []).append(Interval(s_start, s_end))
    return {room_id: Timeline(found) for room_id, found in spans.items()}


def room_ids_of(
    placed_windows: Iterable[tuple[WeeklyWindow, Interval]],
    additions: Iterable[AvailabilityAddition],
    default_room_id: int | None,
) -> set[int]:
    """Every room a coach may use in the laid-out windows and additions (for ``rooms_held``)."""
    found = {int(w.room_id) for w, _ in placed_windows if w.room_id is not None}
    found.update(a.room_id for a in additions if a.room_id is not None)
    if default_room_id is not None:
        found.add(default_room_id)
    return found


def room_at(
    slot: Interval,
    placed_windows: Iterable[tuple[WeeklyWindow, Interval]],
    additions: Iterable[AvailabilityAddition],
    default_room_id: int | None,
    held: Mapping[int, Timeline] | None = None,
) -> RoomPick:
    """The room of a slot (see ``room_finder``)."""
    return room_finder(placed_windows, additions, default_room_id, held)(slot)


def room_finder(
    placed_windows: Iterable[tuple[WeeklyWindow, Interval]],
    additions: Iterable[AvailabilityAddition],
    default_room_id: int | None,
    held: Mapping[int, Timeline] | None = None,
) -> Callable[[Interval], RoomPick]:
    """The room each slot of one search would use: the rooms the coach may use there, in order
    (that of an addition the slot lies in, then of the weekly window it lies or starts in, then
    the coach's default room), the first one not ``held`` by another session then. Windows and
    additions are indexed once, and each slot costs a bisection. Instants are compared in UTC
    (a fold's two 02:30s differ)."""
    held = held or {}
    with_room = [(a.start_time, a.end_time, a.room_id) for a in additions if a.room_id is not None]
    windows = sorted(
        (placed.start_utc, placed.end_utc, int(window.room_id))
        for window, placed in placed_windows
        if window.room_id is not None
    )
    starts = [w[0] for w in windows]

    def candidates(start: datetime, end: datetime) -> list[int]:
        found = [room for a_start, a_end, room in with_room if a_start <= start and end <= a_end]
        # windows of a coach never overlap: the one holding the slot's start is the only candidate
        i = bisect_right(starts, start)
        if i:
            w_start, w_end, room = windows[i - 1]
            if w_start <= start < w_end:
                found.append(room)
        if default_room_id is not None:
            found.append(default_room_id)
        return found

    def find(slot: Interval) -> RoomPick:
        start, end = slot.start_utc, slot.end_utc
        wanted = candidates(start, end)
        if not wanted:
            return RoomPick(None)
        for room in wanted:
            busy = held.get(room)
            if busy is None or not busy.overlaps(start, end):
                return RoomPick(room)
        return RoomPick(None, wanted[0])

    return find

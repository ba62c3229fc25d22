"""Gym set-up by an admin: coaches, members and rooms — list, create, deactivate, reactivate.

Accounts and rooms are created through ``accounts`` (one place for the rules on emails, passwords
and zones); this module adds what the admin pages need on top: the lists with what they show, a
coach's default room, switching an account off and on, and removing a room nobody uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    AvailabilityAddition,
    CoachSettings,
    RecurringBooking,
    Room,
    TrainingSession,
    User,
    WeeklyAvailability,
)
from ..vocab import Role
from . import accounts
from .coaches import is_id
from .db import locked_row, transaction, visible_row, write_lock
from .errors import Conflict, Forbidden, NotFound, ValidationFailed

MANAGED_ROLES = (Role.COACH, Role.MEMBER)


@dataclass(frozen=True)
class RoomView:
    """A room and how many rows refer to it (sessions, windows, additions, series, coach defaults)."""

    room: Room
    uses: int

    @property
    def in_use(self) -> bool:
        """Whether removing the room would take it out of something that refers to it."""
        return self.uses > 0


def require_admin(actor: User) -> None:
    """Refuse anyone but an admin (the pages check the role too; this keeps the rule in one place)."""
    if actor is None or getattr(actor, "role", None) != Role.ADMIN:
        raise Forbidden("Only an admin may manage the gym's accounts and rooms.")


def list_users(actor: User, role: str) -> list[User]:
    """Coaches or members, active ones first, by name; coaches with settings and default room loaded."""
    require_admin(actor)
    if role not in MANAGED_ROLES:
        raise ValidationFailed(f"admins manage {' and '.join(MANAGED_ROLES)}s", field="role")
    query = (
        select(User)
        .where(User.role == role)
        .order_by(User.active.desc(), func.lower(User.name), User.id)
    )
    if role == Role.COACH:
        query = query.options(
            selectinload(User.coach_settings).selectinload(CoachSettings.default_room)
        )
    return list(db.session.scalars(query))


def get_user(actor: User, user_id: object) -> User:
    """A coach or member by id, for the admin pages; NotFound otherwise."""
    require_admin(actor)
    return visible_row(User, user_id, "coach or member", lambda u: u.role in MANAGED_ROLES)


def get_room(actor: User, room_id: object) -> RoomView:
    """A room by id with its use count; NotFound otherwise."""
    require_admin(actor)
    room = visible_row(Room, room_id, "room")
    return RoomView(room, _room_uses(room.id).get(room.id, 0))


def list_rooms(actor: User) -> list[RoomView]:
    """Every room by name, with how many rows refer to it (a handful of grouped counts, no N+1)."""
    require_admin(actor)
    rooms = list(db.session.scalars(select(Room).order_by(func.lower(Room.name), Room.id)))
    uses = _room_uses()
    return [RoomView(room, uses.get(room.id, 0)) for room in rooms]


def _room_uses(room_id: int | None = None) -> dict[int, int]:
    """Per room id, how many rows refer to it (only ``room_id`` when given)."""
    uses: dict[int, int] = {}
    for column in (
        TrainingSession.room_id,
        WeeklyAvailability.room_id,
        AvailabilityAddition.room_id,
        RecurringBooking.room_id,
        CoachSettings.default_room_id,
    ):
        query = select(column, func.count()).where(column.is_not(None)).group_by(column)
        if room_id is not None:
            query = query.where(column == room_id)
        for found, count in db.session.execute(query).all():
            uses[found] = uses.get(found, 0) + count
    return uses


def _check_room_choice(room_id: object) -> int | None:
    if room_id in (None, ""):
        return None
    if not is_id(room_id) or db.session.get(Room, room_id) is None:
        raise ValidationFailed(f"there is no room with id {room_id}", field="default_room_id")
    return room_id  # type: ignore[return-value]


def create_coach(
    actor: User,
    email: str,
    name: str,
    password: str,
    timezone: str,
    default_room_id: int | None = None,
) -> User:
    """A new coach with settings in ``timezone`` (60-minute sessions) and, if given, a default room."""
    require_admin(actor)
    room_id = _check_room_choice(default_room_id)
    if not timezone:
        raise ValidationFailed("choose the coach's time zone", field="timezone")
    coach = accounts.create_user(email, name, Role.COACH, password, timezone)
    if room_id is not None:
        with transaction():
            coach.coach_settings.default_room_id = room_id
    return coach


def create_member(
    actor: User, email: str, name: str, password: str, timezone: str | None = None
) -> User:
    """A new member; without ``timezone`` they see times in the gym's zone."""
    require_admin(actor)
    return accounts.create_user(email, name, Role.MEMBER, password, timezone or None)


def create_room(actor: User, name: str) -> Room:
    """A new room with a unique name."""
    require_admin(actor)
    return accounts.create_room(name)


def set_active(actor: User, user_id: object, active: bool) -> User:
    """Deactivate (cannot log in or use API tokens) or reactivate a coach or member.

    An admin cannot deactivate themself. Sessions and series stay as they are: deactivating is
    about access, and what the person booked or taught still has to be billed or cancelled.
    Deactivating also ends the person's logins (a new ``auth_version``): a browser logged in
    before is logged out at its next request, and stays out after a reactivation.
    """
    require_admin(actor)
    if not active and is_id(user_id) and user_id == actor.id:
        raise Conflict("You cannot deactivate your own account.")
    user = get_user(actor, user_id)
    with transaction():
        if user.active and not active:
            user.auth_version = User.auth_version + 1
        user.active = bool(active)
    return user


def delete_room(actor: User, room_id: object) -> str:
    """Remove a room nothing refers to; returns its name. A room in use is refused (Conflict):
    removing it would silently take it out of sessions, availability windows and coach defaults.
    """
    require_admin(actor)
    with transaction():
        write_lock()
        # FOR UPDATE conflicts with the key-share lock a concurrent insert referring to the room
        # takes (PostgreSQL); SQLite has one writer at a time anyway.
        room = locked_row(Room, room_id)
        if room is None:
            raise NotFound(f"There is no room with id {room_id}.")
        uses = _room_uses(room.id).get(room.id, 0)
        if uses:
            raise Conflict(
                f"{room.name} is in use ({uses} session(s), availability window(s), series or "
                "coach default(s)) and cannot be removed."
            )
        name = room.name
        db.session.delete(room)
    return name


__all__ = [
    "MANAGED_ROLES",
    "RoomView",
    "create_coach",
    "create_member",
    "create_room",
    "delete_room",
    "get_room",
    "get_user",
    "list_rooms",
    "list_users",
    "require_admin",
    "set_active",
]

"""In-app notifications: a row per message to a user (a job may mail them later).

A message names times in its recipient's zone (``users.timezone``, else the gym's
``COACHAPP_TIMEZONE``) and says which zone that is as people say it, e.g. ``Sat 5 Dec, 16:00
Berlin time`` (``zones.named_when``): the same text is shown in the app, returned by the API and
mailed. It is written
when the change happens, so it keeps naming the zone it was written in if the person later moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Notification, TrainingSession, User, utcnow
from .coaches import is_id
from .db import transaction
from .errors import NotFound
from .zones import local_when, named_when  # noqa: F401  (local_when: read here by moves, booking_rules, home)

PENDING_DELIVERY = "coachapp.notifications_to_deliver"


def recipient_zone(user_id: int) -> ZoneInfo:
    """The zone a notification to ``user_id`` names times in: theirs, else the gym's."""
    user = db.session.get(User, user_id)
    return ZoneInfo((user.timezone if user else None) or current_app.config["COACHAPP_TIMEZONE"])


def when_for(user_id: int, instant: datetime, now: datetime, end: datetime | None = None) -> str:
    """``instant`` as the message to ``user_id`` says it: ``Sat 5 Dec, 16:00 Berlin time`` in
    their zone, named, so a member abroad never has to guess."""
    return named_when(instant, recipient_zone(user_id), now, end)


def notify(user_id: int, kind: str, message: str, session_id: int | None = None) -> Notification:
    """Add a notification in the caller's transaction (the caller commits), so it exists iff the
    change it reports does."""
    row = Notification(user_id=user_id, kind=kind, message=message, session_id=session_id)
    db.session.add(row)
    db.session.info.setdefault(PENDING_DELIVERY, []).append(row)
    return row


def list_for(user: User, unread_only: bool = True) -> list[Notification]:
    """A user's notifications, newest first (only unread ones unless asked)."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(
        db.session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc()))
    )


@dataclass(frozen=True)
class Unread:
    """A user's newest unread notifications, each with its session and that session's coach (or
    None when the notification names no session, or it is gone), and how many unread there are."""

    items: list[tuple[Notification, TrainingSession | None, User | None]]
    total: int

    @property
    def more(self) -> int:
        """How many unread notifications are not in ``items``."""
        return self.total - len(self.items)

    @property
    def newest_id(self) -> int | None:
        """The highest id among ``items`` (what "dismiss all" may mark, no later one)."""
        return max((row[0].id for row in self.items), default=None)


def unread(user: User, limit: int = 20) -> Unread:
    """The ``limit`` newest of ``user``'s unread notifications with their sessions and coaches,
    and the unread total, in one statement (the total is a window count over the same rows)."""
    coach = aliased(User)
    rows = db.session.execute(
        select(Notification, TrainingSession, coach, func.count().over())
        .outerjoin(TrainingSession, TrainingSession.id == Notification.session_id)
        .outerjoin(coach, coach.id == TrainingSession.coach_id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ).all()
    return Unread(items=[(row[0], row[1], row[2]) for row in rows], total=rows[0][3] if rows else 0)


def dismiss(actor: User, notification_id: int) -> Notification:
    """Mark one of the actor's notifications read; someone else's is NotFound."""
    row = db.session.get(Notification, notification_id) if is_id(notification_id) else None
    if row is None or row.user_id != actor.id:
        raise NotFound(f"There is no notification with id {notification_id}.")
    with transaction():
        if row.read_at is None:
            row.read_at = utcnow()
    return row


def dismiss_all(actor: User, up_to: int | None = None) -> int:
    """Mark all the actor's unread notifications read, as ``dismiss`` marks one (``read_at``);
    with ``up_to``, only those with an id up to it (the ones the page showed, not one that
    arrived since). Returns how many were marked."""
    query = (
        update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if up_to is not None:
        query = query.where(Notification.id <= up_to)
    with transaction():
        marked = db.session.execute(query).rowcount
    return marked

"""In-app notifications: a row per message to a user (a job may mail them later)."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Notification, User, utcnow
from .coaches import is_id
from .db import transaction
from .errors import NotFound

PENDING_DELIVERY = "coachapp.notifications_to_deliver"


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
    return list(db.session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())))


def dismiss(actor: User, notification_id: int) -> Notification:
    """Mark one of the actor's notifications read; someone else's is NotFound."""
    row = db.session.get(Notification, notification_id) if is_id(notification_id) else None
    if row is None or row.user_id != actor.id:
        raise NotFound(f"There is no notification with id {notification_id}.")
    with transaction():
        if row.read_at is None:
            row.read_at = utcnow()
    return row

"""Accounts, API tokens and rooms."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..config import ConfigError, check_timezone
from ..extensions import db
from ..models import ROLES, ApiToken, CoachSettings, Room, User
from .db import transaction
from .errors import NotFound, ValidationFailed


def _normalize_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(f"email: {exc}", field="email") from exc


def create_user(
    email: str,
    name: str,
    role: str,
    password: str,
    timezone: str | None = None,
) -> User:
    """Create an account; a coach also gets coach_settings (60 min, no room, their time zone)."""
    email = _normalize_email(email)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("name: a name is required", field="name")
    if role not in ROLES:
        raise ValidationFailed(f"role: {role!r} is not one of {', '.join(ROLES)}", field="role")
    if not password or len(password) < 8:
        raise ValidationFailed("password: use at least 8 characters", field="password")
    zone = timezone or current_app.config["COACHAPP_TIMEZONE"]
    try:
        check_timezone(zone, "timezone")
    except ConfigError as exc:
        raise ValidationFailed(str(exc), field="timezone") from exc

    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise ValidationFailed(f"email: an account for {email} already exists", field="email")
    user = User(email=email, name=name, role=role, timezone=zone if timezone else None)
    user.set_password(password)
    if role == "coach":
        user.coach_settings = CoachSettings(timezone=zone, default_duration=60)
    try:
        with transaction():
            db.session.add(user)
    except IntegrityError as exc:
        raise ValidationFailed(
            f"email: an account for {email} already exists", field="email"
        ) from exc
    return user


def issue_token(email: str) -> str:
    """A new API token for the account with ``email`` (earlier tokens stay valid)."""
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        raise NotFound(f"email: no account for {email}", field="email")
    row, token = ApiToken.issue(user)
    with transaction():
        db.session.add(row)
    return token


def create_room(name: str) -> Room:
    """A new room with a unique name."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("name: a room needs a name", field="name")
    if db.session.scalar(select(Room.id).where(func.lower(Room.name) == name.lower())) is not None:
        raise ValidationFailed(f"name: a room called {name!r} already exists", field="name")
    room = Room(name=name)
    try:
        with transaction():
            db.session.add(room)
    except IntegrityError as exc:
        raise ValidationFailed(
            f"name: a room called {name!r} already exists", field="name"
        ) from exc
    return room

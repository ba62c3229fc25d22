"""Accounts, API tokens and rooms."""

from __future__ import annotations

import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import CoachSettings, Room, User
from ..vocab import Role, values
from . import tokens
from .db import transaction
from .errors import ValidationFailed
from .zones import check_zone

MIN_PASSWORD = 8
"""The shortest password an account may have."""

MAX_PASSWORD = 200
"""The longest (the login form takes no more)."""


def _normalize_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(str(exc), field="email") from exc


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
        raise ValidationFailed("a name is required", field="name")
    if role not in values(Role):
        raise ValidationFailed(f"{role!r} is not one of {', '.join(Role)}", field="role")
    if not password or len(password) < MIN_PASSWORD:
        raise ValidationFailed(f"use at least {MIN_PASSWORD} characters", field="password")
    zone = check_zone(timezone).key if timezone else current_app.config["COACHAPP_TIMEZONE"]

    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise ValidationFailed(f"an account for {email} already exists", field="email")
    user = User(email=email, name=name, role=role, timezone=zone if timezone else None)
    user.set_password(password)
    if role == Role.COACH:
        user.coach_settings = CoachSettings(timezone=zone, default_duration=60)
    try:
        with transaction():
            db.session.add(user)
    except IntegrityError as exc:
        raise ValidationFailed(f"an account for {email} already exists", field="email") from exc
    return user


def issue_token(email: str, expires_days: int = tokens.DEFAULT_DAYS) -> str:
    """A new API token for the account with ``email``, lasting ``expires_days`` days (earlier
    tokens stay valid)."""
    return tokens.issue_for_email(email, expires_days)


_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash of a random password made with the configured method, to check a password against
    when no account has the email: an unknown email then costs what a wrong password costs."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _DUMMY_HASHES[method]


def check_login(email: str, password: str) -> User | None:
    """The account with ``email`` if ``password`` is its password, else None; always checks one
    password hash, so the answer takes as long whether the email is known or not."""
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if user.check_password(password) else None


def log_out_everywhere(user: User) -> None:
    """End every session and remembered login of ``user``: their cookies carry the old
    ``auth_version`` and are refused from now on."""
    with transaction():
        db.session.execute(
            update(User).where(User.id == user.id).values(auth_version=User.auth_version + 1)
        )
    db.session.expire(user)


def change_password(user: User, current: str, new: str, again: str) -> None:
    """Set ``user``'s password to ``new`` after checking ``current``; every other session and
    remembered login of the account ends (the caller logs its own session in again)."""
    if not current or not user.check_password(current):
        raise ValidationFailed("this is not your current password.", field="current_password")
    if not new or len(new) < MIN_PASSWORD:
        raise ValidationFailed(f"use at least {MIN_PASSWORD} characters.", field="new_password")
    if len(new) > MAX_PASSWORD:
        raise ValidationFailed(f"use at most {MAX_PASSWORD} characters.", field="new_password")
    if new != again:
        raise ValidationFailed("the two new passwords differ.", field="new_password_again")
    if new == current:
        raise ValidationFailed(
            "choose one that differs from the current password.",
            field="new_password",
        )
    with transaction():
        user.set_password(new)
        user.auth_version = User.auth_version + 1
    db.session.refresh(user)


def create_room(name: str) -> Room:
    """A new room with a unique name."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("a room needs a name", field="name")
    if db.session.scalar(select(Room.id).where(func.lower(Room.name) == name.lower())) is not None:
        raise ValidationFailed(f"a room called {name!r} already exists", field="name")
    room = Room(name=name)
    try:
        with transaction():
            db.session.add(room)
    except IntegrityError as exc:
        raise ValidationFailed(f"a room called {name!r} already exists", field="name") from exc
    return room

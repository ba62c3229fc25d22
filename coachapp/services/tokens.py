"""API tokens: issue one with an expiry, check one on each API request, list and revoke them.

Only a token's SHA-256 is stored; the token itself is shown once, when it is made. Revoking deletes
the row, so a revoked token is simply unknown. ``last_used_at`` is written at most once a minute
per token (``LAST_USED_EVERY``): a client polling the API costs one read per request, not a write.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import ApiToken, User, utcnow
from .db import is_postgres, kept_after_commit, transaction, visible_row
from .errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)

DEFAULT_DAYS = 90
"""How long a new token lasts unless asked otherwise."""

MAX_DAYS = 730
"""The longest a token may last (two years, the app's horizon for anything ahead)."""

LAST_USED_EVERY = timedelta(minutes=1)
"""``last_used_at`` is at most this stale: a use within it of the recorded one writes nothing."""


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of checking a bearer token: the user it acts for, or why it is refused."""

    user: User | None
    refusal: str = ""


def _days(value: object) -> int:
    """A token lifetime in whole days, 1 to MAX_DAYS, or ValidationFailed naming expires_days."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        raise ValidationFailed(f"a token lasts from 1 to {MAX_DAYS} days", field="expires_days")
    return value


def issue(user: User, days: int = DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """A new token for ``user`` lasting ``days`` days: its row and the clear text, shown once."""
    lifetime = _days(days)
    row, token = ApiToken.issue(user)
    row.created_at = utcnow()
    row.expires_at = row.created_at + timedelta(days=lifetime)
    with transaction():
        db.session.add(row)
    return row, token


def issue_for_email(email: str, days: int = DEFAULT_DAYS) -> str:
    """A new token for the account with ``email`` (earlier tokens stay valid); the clear text."""
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        raise NotFound(f"no account for {email}", field="email")
    return issue(user, days)[1]


def authenticate(token: str) -> TokenCheck:
    """The user a bearer token acts for, or why it is refused (unknown, revoked, expired, or
    the account is deactivated); records the use in ``last_used_at``."""
    row = db.session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == ApiToken.hash(token))
    ).first()
    if row is None or not row.User.is_active:
        return TokenCheck(None, "The API token is not valid.")
    now = utcnow()
    if row.ApiToken.expires_at is not None and row.ApiToken.expires_at <= now:
        return TokenCheck(None, "The API token has expired; ask for a new one.")
    last = row.ApiToken.last_used_at
    if last is None or now - last >= LAST_USED_EVERY:
        _record_use(row.ApiToken, now)
    return TokenCheck(row.User)


def _record_use(token: ApiToken, now) -> None:
    """Set ``last_used_at`` unless another request did within the last minute. Best effort: a
    busy database never fails the request over this bookkeeping.

    Its own short transaction, committed before the request's work, that leaves the token and its
    user as loaded (the request goes on with them: no second read) and the data version alone
    (``api_tokens`` is a table no cached page shows, ``cache.UNTRACKED``). On PostgreSQL its
    commit does not wait for the disk (``synchronous_commit`` off for this transaction only): a
    crash may lose the last minute of ``last_used_at``, never gym data, and the request saves a
    WAL flush (1–2 ms here; every request of a booking rush is its token's first in a minute).
    """
    token_id = token.id
    try:
        with kept_after_commit(), transaction():
            if is_postgres():
                db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            written = db.session.execute(
                update(ApiToken)
                .where(
                    ApiToken.id == token_id,
                    or_(
                        ApiToken.last_used_at.is_(None),
                        ApiToken.last_used_at <= now - LAST_USED_EVERY,
                    ),
                )
                .values(last_used_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
    except SQLAlchemyError:
        log.warning("could not record the use of API token %s", token_id, exc_info=True)
        return
    if written:
        set_committed_value(token, "last_used_at", now)
    else:  # another request wrote it a moment ago
        db.session.expire(token, ["last_used_at"])


def list_tokens(user: User) -> list[ApiToken]:
    """``user``'s tokens, newest first (expired ones too, until revoked)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke(user: User, token_id: object) -> None:
    """Delete one of ``user``'s tokens; another user's token or an unknown id is NotFound."""
    with transaction():
        db.session.delete(own_token(user, token_id))


def is_expired(token: ApiToken) -> bool:
    """Whether ``token`` can no longer be used (for showing it)."""
    return token.expires_at is not None and token.expires_at <= utcnow()


def own_token(user: User, token_id: object) -> ApiToken:
    """One of ``user``'s tokens; another user's token or an unknown id is NotFound."""
    return visible_row(ApiToken, token_id, "API token", lambda r: r.user_id == user.id)

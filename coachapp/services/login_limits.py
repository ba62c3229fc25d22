"""Failed logins counted in the database (table ``login_failures``).

This is the login limit when no Redis is configured: Flask-Limiter's memory storage would count
per web process, so with 4 gunicorn workers an attacker would get 4 times the tries. The
database is shared by every worker. The rules are those of Flask-Limiter's with Redis (see
``docs/rules.md``): failures per address, and failures per account *and* address, so that a
stranger's failures from elsewhere never lock the owner out. Each window slides: it holds the
failures of the last ``seconds``.

Check-then-record is not atomic: requests racing from one address may each pass the check before
any records its failure, so a burst can exceed a limit by the number of requests in flight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from limits import parse
from sqlalchemy import delete, select

from ..extensions import db
from ..models import LoginFailure, utcnow
from .db import transaction

MAX_EMAIL = 254
MAX_ADDRESS = 64


@dataclass(frozen=True)
class Rule:
    """At most ``amount`` failures within any ``seconds``."""

    amount: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rule:
        """A rule from Flask-Limiter's notation, e.g. ``"5 per minute"`` (the same settings)."""
        item = parse(text)
        return cls(item.amount, item.get_expiry())


def _key(email: str, address: str | None) -> tuple[str, str]:
    return (email or "").strip().lower()[:MAX_EMAIL], (address or "unknown")[:MAX_ADDRESS]


def wait_seconds(
    email: str,
    address: str | None,
    per_address: Rule,
    per_account: Rule,
    now: datetime | None = None,
) -> int:
    """0 if a login from ``address`` naming ``email`` may be tried now, else the seconds until
    it may: the oldest failure that fills a window has left it."""
    email, address = _key(email, address)
    now = now or utcnow()
    waits = [0]
    for rule, conditions in (
        (per_address, (LoginFailure.address == address,)),
        (per_account, (LoginFailure.email == email, LoginFailure.address == address)),
    ):
        window = timedelta(seconds=rule.seconds)
        # the rule.amount-th most recent failure in the window: while it is there, it is full
        filling = db.session.scalar(
            select(LoginFailure.at)
            .where(*conditions, LoginFailure.at > now - window)
            .order_by(LoginFailure.at.desc())
            .offset(rule.amount - 1)
            .limit(1)
        )
        if filling is not None:
            waits.append(max(1, math.ceil((filling + window - now).total_seconds())))
    return max(waits)


def record_failure(
    email: str, address: str | None, keep_seconds: int, now: datetime | None = None
) -> None:
    """Count a failed login; forget failures older than ``keep_seconds`` (the longest window),
    so the table holds only what a window can still see."""
    email, address = _key(email, address)
    now = now or utcnow()
    with transaction():
        db.session.execute(
            delete(LoginFailure).where(LoginFailure.at < now - timedelta(seconds=keep_seconds))
        )
        db.session.add(LoginFailure(email=email, address=address, at=now))

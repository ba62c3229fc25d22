"""Idempotent API requests: the first answer to a POST sent with an ``Idempotency-Key``.

A client whose connection dropped before it saw the answer sends the same request again with the
same key; it gets the first answer (same status and body) and nothing is made twice.

How it holds under concurrency: before the request runs, its key is *reserved* by inserting the
``idempotent_requests`` row (status 0, "in progress") in a transaction of its own. The unique
``(user_id, key)`` decides a race: on PostgreSQL a second insert of the same key waits for the
first transaction and then fails, on SQLite writers take turns. The loser reads the row: an
answer is there → it is replayed; still in progress → ``request_in_progress`` (409, retry in a
moment). When the request ends, a 2xx answer is stored in the row; anything else (a refusal, an
error) removes the reservation, since it made nothing that a retry could duplicate.

A reservation left in progress longer than ``STALE_AFTER`` belongs to a request whose worker died
(gunicorn kills a request after 30 s); the next retry takes it over and runs the request again.
Rows live 24 hours (``KEEP_FOR``): an older key is forgotten, and each stored answer deletes up to
``PRUNE_BATCH`` expired rows, so the table holds about one day of keyed requests.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import IdempotentRequest, utcnow
from .db import write_lock
from .errors import Conflict, ValidationFailed

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)
STALE_AFTER = timedelta(seconds=60)
PRUNE_BATCH = 100
IN_PROGRESS = 0
MAX_KEY_LENGTH = 255


class RequestInProgress(Conflict):
    """The first request with this Idempotency-Key has not finished yet."""

    code = "request_in_progress"


@dataclass(frozen=True)
class Answer:
    """A stored first answer, to send again."""

    status_code: int
    body: str


def check_key(key: str) -> str:
    """``key`` if it is 1–255 printable ASCII characters without spaces; 422 naming the header."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all("!" <= c <= "~" for c in key):
        raise ValidationFailed(
            f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters without spaces "
            "(a UUID is a good key)",
            field=HEADER,
        )
    return key


def request_hash(body: bytes) -> str:
    """SHA-256 of the body; a JSON body is hashed in a canonical form, so the same object sent
    with another key order or spacing is the same request."""
    try:
        canonical = json.dumps(
            json.loads(body.decode("utf-8")), sort_keys=True, separators=(",", ":")
        ).encode()
    except (ValueError, RecursionError):
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def begin(user_id: int, key: str, endpoint: str, digest: str) -> tuple[int | None, Answer | None]:
    """Reserve ``key`` for this request: ``(reservation_id, None)`` means run it, then call
    ``finish`` or ``release``; ``(None, answer)`` means send ``answer`` again.

    422 ``validation_error`` when the key was used for another request (path or body);
    409 ``request_in_progress`` while the first request with the key is still running.
    """
    for _attempt in range(3):
        write_lock()
        now = utcnow()
        db.session.add(
            IdempotentRequest(
                user_id=user_id,
                key=key,
                endpoint=endpoint,
                request_hash=digest,
                status_code=IN_PROGRESS,
                response_body="",
                created_at=now,
            )
        )
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
        else:
            return _reservation(user_id, key), None
        row = db.session.execute(  # plain values: they must not reload after the rollback
            select(
                IdempotentRequest.id,
                IdempotentRequest.endpoint,
                IdempotentRequest.request_hash,
                IdempotentRequest.status_code,
                IdempotentRequest.response_body,
                IdempotentRequest.created_at,
            ).where(IdempotentRequest.user_id == user_id, IdempotentRequest.key == key)
        ).one_or_none()
        db.session.rollback()
        if row is None:
            continue  # released between our insert and this read: try again
        expired = row.created_at <= now - KEEP_FOR
        if expired or (row.status_code == IN_PROGRESS and row.created_at <= now - STALE_AFTER):
            if _take_over(row, endpoint, digest, now):
                return row.id, None
            continue
        if row.endpoint != endpoint or row.request_hash != digest:
            raise ValidationFailed(
                f"this key was already used for another request ({row.endpoint} with "
                "another body) in the last 24 hours; send a new key for a new request",
                field=HEADER,
            )
        if row.status_code == IN_PROGRESS:
            raise RequestInProgress(
                f"The first request with this {HEADER} is still being processed; "
                "retry in a moment to get its answer.",
                field=HEADER,
            )
        return None, Answer(row.status_code, row.response_body)
    raise RequestInProgress(
        f"The first request with this {HEADER} is still being processed; retry in a moment.",
        field=HEADER,
    )


def _reservation(user_id: int, key: str) -> int:
    return db.session.execute(
        select(IdempotentRequest.id).where(
            IdempotentRequest.user_id == user_id, IdempotentRequest.key == key
        )
    ).scalar_one()


def _take_over(row, endpoint: str, digest: str, now) -> bool:
    """Make an expired or abandoned row this request's reservation; False when another request
    changed it first (the condition on ``created_at`` lets only one retry win)."""
    write_lock()
    taken = db.session.execute(
        update(IdempotentRequest)
        .where(
            IdempotentRequest.id == row.id,
            IdempotentRequest.created_at == row.created_at,
            IdempotentRequest.status_code == row.status_code,
        )
        .values(
            endpoint=endpoint,
            request_hash=digest,
            status_code=IN_PROGRESS,
            response_body="",
            created_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return taken == 1


def finish(reservation_id: int, status_code: int, body: str) -> None:
    """Store the answer of the reserved request, and delete a batch of expired rows."""
    write_lock()
    try:
        db.session.execute(
            update(IdempotentRequest)
            .where(IdempotentRequest.id == reservation_id)
            .values(status_code=status_code, response_body=body)
            .execution_options(synchronize_session=False)
        )
        expired = (
            select(IdempotentRequest.id)
            .where(IdempotentRequest.created_at < utcnow() - KEEP_FOR)
            .order_by(IdempotentRequest.created_at)
            .limit(PRUNE_BATCH)
        )
        db.session.execute(
            delete(IdempotentRequest)
            .where(IdempotentRequest.id.in_(expired.scalar_subquery()))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def release(reservation_id: int) -> None:
    """Remove the reservation of a request that made nothing (refused or failed)."""
    db.session.rollback()
    write_lock()
    try:
        db.session.execute(
            delete(IdempotentRequest)
            .where(
                IdempotentRequest.id == reservation_id, IdempotentRequest.status_code == IN_PROGRESS
            )
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise

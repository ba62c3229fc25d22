"""Transaction helpers shared by the services."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from ..extensions import db

log = logging.getLogger(__name__)


def write_lock() -> None:
    """Serialize writers on SQLite (``BEGIN IMMEDIATE``) so check-then-insert cannot race.

    PostgreSQL needs nothing here: its constraints (exclusion, unique) decide races, and the services
    turn their IntegrityError into a domain error.
    """
    session = db.session()  # the request's Session (the scoped proxy has no in_transaction)
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        # Anything read so far in this request is only reads; start over inside the write lock.
        session.rollback()
    session.connection().exec_driver_sql("BEGIN IMMEDIATE")


COACH_LOCK_NAMESPACE = 7461  # first key of pg_advisory_xact_lock(namespace, coach_id)


def is_postgres() -> bool:
    """Whether the session is bound to PostgreSQL (else SQLite)."""
    return db.session.get_bind().dialect.name == "postgresql"


def coach_lock(coach_id: int) -> None:
    """Serialize the writers of one coach's bookings until the transaction ends.

    SQLite: ``write_lock()`` (one writer at a time anyway). PostgreSQL: a transaction-scoped
    advisory lock per coach, so that check-then-insert of a recurring series cannot race (a series
    whose first occurrences are all blocked would slip past the exclusion constraint). Call it
    first in the transaction, before reading what is checked.
    """
    write_lock()
    if is_postgres():
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :key)"),
            {"ns": COACH_LOCK_NAMESPACE, "key": int(coach_id)},
        )


def locked_row(model, row_id: object):
    """The ``model`` row with primary key ``row_id``, read afresh and locked until the transaction
    ends (``FOR UPDATE`` on PostgreSQL; on SQLite ``write_lock()`` already serializes writers);
    None when there is no such row or ``row_id`` cannot be an id."""
    from .coaches import is_id

    if not is_id(row_id):
        return None
    return db.session.execute(
        select(model)
        .where(model.id == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def visible_row(model, row_id: object, what: str, allowed=None):
    """The ``model`` row with primary key ``row_id`` if ``allowed(row)`` (default: any row);
    NotFound "There is no {what} with id {row_id}." otherwise, so a row the caller may not see
    looks the same as a missing one."""
    from .coaches import is_id
    from .errors import NotFound

    row = db.session.get(model, row_id) if is_id(row_id) else None
    if row is None or (allowed is not None and not allowed(row)):
        raise NotFound(f"There is no {what} with id {row_id}.")
    return row


SAVED_HOOKS = "coachapp.notifications_saved"
"""``app.extensions`` key of the functions called with the ids of the notifications a
transaction saved, once it has committed."""


def when_notifications_saved(app: Flask, hook: Callable[[list[int]], object]) -> None:
    """Have ``hook(ids)`` called after every transaction that saved notifications commits.

    The jobs layer registers its delivery hand-off here (``jobs.init_app``), so the services know
    nothing of queues or mail: the dependency runs one way, jobs → services. Registering the same
    hook again changes nothing.
    """
    hooks = app.extensions.setdefault(SAVED_HOOKS, [])
    if hook not in hooks:
        hooks.append(hook)


@contextmanager
def transaction() -> Iterator[None]:
    """Commit the session when the block succeeds, roll back on any error and re-raise it.

    Notifications added in the block are handed to the ``when_notifications_saved`` hooks after
    the commit (the delivery job), so a notification is mailed only if the change it reports was
    saved, and the request never waits for (or fails with) the mail server.
    """
    from .notifications import PENDING_DELIVERY

    try:
        yield
        pending = db.session.info.pop(PENDING_DELIVERY, [])
        if pending:
            db.session.flush()
        ids = [row.id for row in pending]
        db.session.commit()
    except BaseException:
        db.session.info.pop(PENDING_DELIVERY, None)
        db.session.rollback()
        raise
    if ids:
        _notifications_saved(ids)


@contextmanager
def kept_after_commit() -> Iterator[None]:
    """Commits inside the block leave the rows the session has loaded as they are instead of
    expiring them (``expire_on_commit``), so nothing is read again to answer.

    For a request that answers with what its service just committed (the rows hold what the
    database now holds) or does bookkeeping of its own before the real work (the token check's
    ``last_used_at``). A rollback still expires everything.
    """
    session = db.session()  # the request's Session: the scoped proxy has no expire_on_commit
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = keep


def _notifications_saved(ids: list[int]) -> None:
    for hook in current_app.extensions.get(SAVED_HOOKS, ()):
        try:
            hook(ids)
        except Exception:  # delivery is best effort here; deliver_pending picks up what is left
            log.exception("could not hand notifications %s to %s", ids, hook)


def constraint_name(error: IntegrityError) -> str:
    """The name of the violated constraint (PostgreSQL diag, or the message on SQLite)."""
    orig = getattr(error, "orig", None)
    diag = getattr(orig, "diag", None)
    name = getattr(diag, "constraint_name", None) if diag is not None else None
    return name or str(orig or error)


__all__ = [
    "coach_lock",
    "constraint_name",
    "is_postgres",
    "kept_after_commit",
    "locked_row",
    "transaction",
    "when_notifications_saved",
    "write_lock",
]

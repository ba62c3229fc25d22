"""Transaction helpers shared by the services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from ..extensions import db


def write_lock() -> None:
    """Serialize writers on SQLite (``BEGIN IMMEDIATE``) so check-then-insert cannot race.

    PostgreSQL needs nothing here: its constraints (exclusion, unique) decide races, and the services
    turn their IntegrityError into a domain error.
    """
    session = db.session
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        # Anything read so far in this request is only reads; start over inside the write lock.
        session.rollback()
    session.connection().exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def transaction() -> Iterator[None]:
    """Commit the session when the block succeeds, roll back on any error and re-raise it."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def constraint_name(error: IntegrityError) -> str:
    """The name of the violated constraint (PostgreSQL diag, or the message on SQLite)."""
    orig = getattr(error, "orig", None)
    diag = getattr(orig, "diag", None)
    name = getattr(diag, "constraint_name", None) if diag is not None else None
    return name or str(orig or error)


__all__ = ["constraint_name", "transaction", "write_lock"]

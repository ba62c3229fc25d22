"""Rendered parts of pages kept in each web process, keyed by the version of the data they show.

The rule that makes it safe: every transaction that writes to the gym's data raises one counter,
``data_version.value``, in the same transaction, just before it commits. It is done by SQLAlchemy
connection events on the engine, below every service, so no write path can forget it: any
INSERT, UPDATE, DELETE or other statement that is not a read (on a table other than the few no
cached part shows) marks the connection, and its commit first runs ``bump()``. A page reads the
counter first, in the same statement as its logged-in user (``auth.load_user``), and keys what it
keeps by it; whatever it reads after that is at least as new as that version, so a kept part can
be newer than its key but never older. After a write of its own the request forgets the version
and computes the rest afresh.

Keys also hold the current minute, because pages depend on now (today's column, which sessions
are still upcoming, which slots can still be booked; the booking itself always checks afresh).

The store is an LRU of ``CACHE_SIZE`` entries per process (``cachetools``); ``CACHE_SIZE = 0``
turns caching off. Everything kept is plain data or HTML strings, never ORM objects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from cachetools import LRUCache
from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import models

T = TypeVar("T")

EXTENSION = "coachapp.cache"
WROTE = "coachapp.wrote"
HAS_TABLE = "coachapp.has_data_version"
READS = frozenset(
    {"SELECT", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SHOW", "SET", "PRAGMA",
     "EXPLAIN", "VALUES"}
)
"""First keywords of statements that change no data."""
UNTRACKED = frozenset(
    {"data_version", "notifications", "api_tokens", "alembic_version", "idempotent_requests",
     "login_failures"}
)
"""Tables no cached part shows: writing only these leaves the version alone."""
BUMP = (
    "INSERT INTO data_version (id, value) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET value = data_version.value + 1"
)
_MISSING = object()


def is_write(statement: str) -> bool:
    """Whether ``statement`` may change data a cached part shows (when unsure: yes)."""
    words = statement[:200].split(None, 3)  # the head is enough; bulk inserts run to megabytes
    if not words or words[0].upper() in READS:
        return False
    first = words[0].upper()
    if first in ("INSERT", "DELETE") and len(words) > 2:
        table = words[2]
    elif first == "UPDATE" and len(words) > 1:
        table = words[1]
    else:
        return True
    return table.strip('"').lower() not in UNTRACKED


class PageCache:
    """A thread-safe LRU of ``size`` entries; ``get_or_make`` computes outside the lock."""

    def __init__(self, size: int) -> None:
        self._data: LRUCache = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            found = self._data.get(key, _MISSING)
        if found is not _MISSING:
            return found
        value = make()
        with self._lock:
            self._data[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def _mark_writes(conn, cursor, statement, parameters, context, executemany) -> None:
    if is_write(statement):
        conn.info[WROTE] = True
        if statement[:200].lstrip()[:4].upper() in ("DROP", "ALTE", "CREA"):
            conn.info.pop(HAS_TABLE, None)  # a migration may have made or dropped data_version


def _has_table(conn, dbapi_connection) -> bool:
    """Whether ``data_version`` exists (a database before migration 0005 has none); a yes is
    remembered by the connection until it runs DDL."""
    if conn.info.get(HAS_TABLE):
        return True
    if conn.dialect.name == "postgresql":
        sql = "SELECT to_regclass('data_version') IS NOT NULL"
    else:
        sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'data_version'"
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(sql)
        found = bool(cursor.fetchone()[0])
    finally:
        cursor.close()
    if found:
        conn.info[HAS_TABLE] = True
    return found


def _bump_before_commit(conn) -> None:
    if not conn.info.pop(WROTE, False):
        return
    dbapi_connection = conn.connection.dbapi_connection
    if not _has_table(conn, dbapi_connection):
        return
    # Straight on the driver's cursor: we are inside SQLAlchemy's commit.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(BUMP)
    finally:
        cursor.close()
    if has_app_context():
        g.pop("data_version", None)


def _forget_writes(conn) -> None:
    conn.info.pop(WROTE, None)


def _forget_on_checkin(dbapi_connection, record) -> None:
    record.info.pop(WROTE, None)


def watch(engine: Engine) -> None:
    """Raise the version in every committing transaction of ``engine`` that wrote data."""
    if event.contains(engine, "commit", _bump_before_commit):
        return
    event.listen(engine, "before_cursor_execute", _mark_writes)
    event.listen(engine, "commit", _bump_before_commit)
    event.listen(engine, "rollback", _forget_writes)
    event.listen(engine.pool, "checkin", _forget_on_checkin)


def init_app(app: Flask) -> None:
    """The process's store (``CACHE_SIZE`` entries, 0: off) and the write watch on the engine."""
    from .extensions import db

    size = int(app.config.get("CACHE_SIZE", 512))
    app.extensions[EXTENSION] = PageCache(size) if size > 0 else None
    with app.app_context():
        for engine in db.engines.values():
            watch(engine)


def remember_version(value: int | None) -> None:
    """Note the data version this request read first (``auth.load_user``)."""
    g.data_version = value


def cached(name: str, key: tuple, make: Callable[[], T]) -> T:
    """``make()``, or what it returned for the same ``name``, ``key``, data version and minute.

    Without a version read first in this request (or after its own write), always ``make()``.
    """
    store = current_app.extensions.get(EXTENSION)
    version = g.get("data_version")
    if store is None or version is None:
        return make()
    minute = models.utcnow().replace(second=0, microsecond=0)
    return store.get_or_make((name, version, minute, *key), make)


def clear(app: Flask) -> None:
    """Forget everything kept (tests, after emptying the tables)."""
    store = app.extensions.get(EXTENSION)
    if store is not None:
        store.clear()

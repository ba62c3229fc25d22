"""The data version (coachapp.cache): raised by every committed write, by nothing else."""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import insert, select, text, update

from coachapp import cache
from coachapp.extensions import db
from coachapp.models import DataVersion, Notification, Room, User
from coachapp.services import bookings
from tests.integration.service_helpers import NOW, at


def version() -> int:
    with db.engine.connect() as conn:
        return conn.execute(select(DataVersion.value).where(DataVersion.id == 1)).scalar() or 0


@pytest.mark.parametrize(
    ("statement", "writes"),
    [
        ("SELECT users.id FROM users", False),
        ("SELECT pg_advisory_xact_lock(7461, 2)", False),
        ("BEGIN IMMEDIATE", False),
        ("SAVEPOINT sa_savepoint_1", False),
        ("INSERT INTO training_sessions (coach_id) VALUES (%(c)s)", True),
        ("UPDATE users SET name=%(name)s WHERE users.id = %(id)s", True),
        ("DELETE FROM blocked_slots WHERE id = 1", True),
        ("TRUNCATE users, rooms RESTART IDENTITY CASCADE", True),
        ("WITH x AS (SELECT 1) UPDATE rooms SET name = 'a'", True),
        ("INSERT INTO notifications (user_id) VALUES (1)", False),
        ('UPDATE "api_tokens" SET last_used_at = now()', False),
        ("insert into data_version (id, value) values (1, 1)", False),
    ],
)
def test_which_statements_count_as_writes(statement, writes):
    assert cache.is_write(statement) is writes


def test_each_committed_write_raises_the_version_once(app, gym):
    start = version()
    db.session.add(Room(name="Studio C"))
    db.session.commit()
    assert version() == start + 1
    bookings.book_one_time(gym.admin, gym.coach.id, at("2027-03-16", "09:00"),
                           at("2027-03-16", "10:00"), member_id=gym.member.id, now=NOW)
    assert version() == start + 2
    with db.engine.begin() as conn:  # Core, on a connection of its own (a job, the CLI, psql)
        conn.execute(update(User).where(User.id == gym.member.id).values(name="Mia Meyer"))
    assert version() == start + 3


def test_reads_rollbacks_and_notifications_leave_it_alone(app, gym):
    start = version()
    db.session.scalars(select(User)).all()
    db.session.commit()
    db.session.add(Room(name="Never saved"))
    db.session.flush()
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(insert(Notification).values(user_id=gym.member.id, kind="note", message="Hi"))
        conn.execute(text("SELECT 1"))
    assert version() == start


def test_a_request_that_writes_forgets_the_version_it_read(app, gym, monkeypatch):
    import coachapp.models

    # Kept parts are keyed by the minute too: hold the clock so none turns during the test.
    monkeypatch.setattr(coachapp.models, "utcnow", lambda: NOW)
    made: list[int] = []

    def make() -> int:
        made.append(1)
        return len(made)

    with app.test_request_context("/"):
        cache.remember_version(version())
        assert cache.cached("probe", (), make) == 1
        assert cache.cached("probe", (), make) == 1  # kept
        db.session.add(Room(name="Studio D"))
        db.session.commit()
        assert g.get("data_version") is None
        assert cache.cached("probe", (), make) == 2  # made afresh after the write
        assert cache.cached("probe", (), make) == 3  # and not kept under a stale version


@pytest.mark.postgres
def test_concurrent_writers_each_raise_it_without_deadlock(app, gym):
    """Twelve transactions writing at once (each its own connection): every commit counts, none
    waits forever on the counter's row (it is taken last, just before COMMIT)."""
    import threading

    start = version()
    member_id = gym.member.id  # read here: the fixture's objects belong to this thread's session
    barrier = threading.Barrier(12)
    errors: list[str] = []

    def work(i: int) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                db.session.add(Room(name=f"Race room {i}"))
                db.session.flush()
                db.session.execute(
                    update(User).where(User.id == member_id).values(name=f"Mia {i}")
                )
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert version() == start + 12

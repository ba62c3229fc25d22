"""The background jobs on the database alone: the nightly run (idempotent, safe to run twice at once
or to kill), when it is due across daylight-saving changes, and notification delivery (logged, by
SMTP, failing SMTP, Redis down) — nothing is lost and nothing raises into the caller."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time as clock
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from coachapp import jobs
from coachapp.extensions import db
from coachapp.models import Notification, RecurringBooking, TrainingSession, utcnow
from tests.integration.service_helpers import NOW, TODAY

ROOT = Path(__file__).resolve().parents[2]
MAIL_ENV = (
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_FROM",
)
CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


def seed_series(make_user, coaches: int, per_coach: int) -> int:
    """``coaches`` Berlin coaches with ``per_coach`` weekly series each (distinct weekday/hour, so
    none collide), all starting on TODAY (a Monday); returns how many sessions six weeks make."""
    member = make_user("member")
    rows = []
    for _ in range(coaches):
        coach = make_user("coach", timezone="Europe/Berlin")
        for k in range(per_coach):
            hour = 6 + k // 7
            rows.append(
                {
                    "member_id": member.id,
                    "coach_id": coach.id,
                    "day_of_week": k % 7,
                    "start_time": f"{hour:02d}:00",
                    "end_time": f"{hour + 1:02d}:00",
                    "start_date": TODAY,
                    "end_date": None,
                    "frequency": 1,
                    "status": "ACTIVE",
                    "created_at": utcnow(),
                }
            )
    db.session.execute(insert(RecurringBooking), rows)
    db.session.commit()
    return len(rows) * 6


def session_keys() -> list[tuple]:
    """Every session as (series, start, end, status), sorted; duplicates would show twice."""
    db.session.rollback()
    rows = db.session.execute(
        select(
            TrainingSession.recurring_booking_id,
            TrainingSession.start_time,
            TrainingSession.end_time,
            TrainingSession.status,
        )
    ).all()
    return sorted(tuple(r) for r in rows)


def test_nightly_run_twice_gives_the_same_sessions(app, make_user):
    """A second run (tomorrow's cron, a retry) creates nothing and changes nothing."""
    expected = seed_series(make_user, coaches=2, per_coach=5)
    first = jobs.run_nightly(today=TODAY, now=NOW)
    after_first = session_keys()
    second = jobs.run_nightly(today=TODAY, now=NOW)

    assert first.as_dict()["created"] == expected == len(after_first)
    assert second.as_dict()["created"] == 0
    assert second.as_dict()["skipped_existing"] == expected
    assert session_keys() == after_first
    assert len(set(after_first)) == len(after_first)


def test_nightly_run_completes_ended_sessions_and_reports_progress(app, make_user):
    """Sessions that have ended are marked completed; the CLI gets one line per step."""
    seed_series(make_user, coaches=1, per_coach=2)  # Sundays and Mondays 06:00-07:00
    jobs.run_nightly(today=TODAY, now=NOW)  # Monday 07:00: that morning's session has ended
    lines: list[str] = []
    later = NOW + timedelta(days=8)  # the next Sunday's and Monday's have ended too
    report = jobs.run_nightly(today=later.date(), now=later, progress=lines.append)

    def count(status):
        return db.session.scalar(select(func.count()).where(TrainingSession.status == status))

    assert report.completed == 2
    assert count("completed") == 3
    assert count("scheduled") == 12 - 3 + report.as_dict()["created"]
    assert any("completed 2" in line for line in lines) and len(lines) == 3


@pytest.mark.postgres
def test_two_materializers_at_once_make_no_duplicates(app, make_user):
    """Two nightly runs racing on PostgreSQL (e.g. cron and a manual run) make each session once."""
    from coachapp.services import sessions

    expected = seed_series(make_user, coaches=4, per_coach=25)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def materialize():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(sessions.materialize(TODAY))
                db.session.remove()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=materialize) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not errors
    keys = session_keys()
    assert len(keys) == expected
    assert len({(k[0], k[1]) for k in keys}) == expected
    assert sum(r.created for r in results) == expected


def _subprocess_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in MAIL_ENV and k != "COACHAPP_ENV"}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="test-secret",
        COACHAPP_TIMEZONE="Europe/Berlin",
        PYTHONPATH=str(ROOT),
    )
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


# The nightly run in a process of its own that SIGKILLs itself right after its first INSERT into
# training_sessions: a crash in the middle of the run, at the same point on every machine.
KILLED_RUN = """
import os, signal, sys
from datetime import date
from sqlalchemy import event
from coachapp import create_app, jobs
from coachapp.extensions import db

app = create_app()
with app.app_context():
    def die_after_first_insert(conn, cursor, statement, *args):
        if "insert into training_sessions" in statement.lower():
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(db.engine, "after_cursor_execute", die_after_first_insert)
    jobs.run_nightly(today=date.fromisoformat(sys.argv[1]))
"""


def test_a_run_killed_midway_is_completed_by_the_next(app, make_user, database_url):
    """SIGKILL during the nightly run (a dyno restart) leaves no half-made duplicates: the next run
    creates exactly the missing sessions."""
    expected = seed_series(make_user, coaches=4, per_coach=50)
    db.session.commit()
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, TODAY.isoformat()],
        cwd=ROOT,
        env=_subprocess_env(database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    partial = len(session_keys())
    assert partial < expected
    report = jobs.run_nightly(today=TODAY, now=NOW)
    keys = session_keys()
    assert len(keys) == expected
    assert len({(k[0], k[1]) for k in keys}) == expected
    assert report.as_dict()["created"] == expected - partial


@pytest.mark.parametrize(
    ("now", "zone", "due"),
    [
        # Berlin springs forward on Sunday 28 March 2027 at 02:00: that 02:00 does not exist and
        # is moved forward by the gap (RFC 5545) to 03:00 CEST; the next night is 02:00 CEST again
        ("2027-03-27T12:00+01:00", "Europe/Berlin", "2027-03-28T01:00Z"),
        ("2027-03-28T01:00:30Z", "Europe/Berlin", "2027-03-29T00:00Z"),
        # Berlin falls back on 31 October 2027: 02:00 happens twice, it runs at the first only
        ("2027-10-30T12:00+02:00", "Europe/Berlin", "2027-10-31T00:00Z"),
        ("2027-10-31T00:00:30Z", "Europe/Berlin", "2027-11-01T01:00Z"),
        # New York: 02:00 is skipped on 14 March 2027 (runs 03:00 EDT); on 7 November 2027 the
        # fold is 01:00-02:00, so 02:00 EST is unambiguous, 25 hours after the night before
        ("2027-03-13T12:00-05:00", "America/New_York", "2027-03-14T07:00Z"),
        ("2027-11-06T06:00:30Z", "America/New_York", "2027-11-07T07:00Z"),
        # exactly at 02:00 the run is the next night's, never the same instant again
        ("2027-06-01T02:00+02:00", "Europe/Berlin", "2027-06-02T00:00Z"),
    ],
)
def test_next_run_is_two_oclock_local_across_dst(now, zone, due):
    """The nightly run stays at 02:00 on the gym's wall clock whatever the UTC offset does."""
    expected = datetime.fromisoformat(due)
    assert jobs.next_run(datetime.fromisoformat(now), ZoneInfo(zone)) == expected
    assert expected.astimezone(ZoneInfo(zone)).hour in (2, 3)


@pytest.fixture
def no_mail_env(monkeypatch):
    """No MAIL_* settings from the developer's shell leak into a test."""
    for name in MAIL_ENV:
        monkeypatch.delenv(name, raising=False)


def _notifications(make_user, count: int) -> list[int]:
    from coachapp.services.notifications import notify

    member = make_user("member", name="Mia Member")
    rows = [
        notify(member.id, "session_cancelled", f"Session {i} was cancelled.") for i in range(count)
    ]
    db.session.commit()
    return [r.id for r in rows]


def _undelivered() -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.delivered_at.is_(None))
    )


def test_without_mail_server_notifications_are_logged_and_marked_delivered(
    app, make_user, no_mail_env, caplog
):
    """No SMTP settings (a laptop): the message goes to the log, inline, and counts as delivered."""
    ids = _notifications(make_user, 2)
    with caplog.at_level(logging.INFO, logger="coachapp.mail"):
        assert jobs.enqueue_delivery(ids) is None  # no REDIS_URL: ran inline
    assert "Session 0 was cancelled." in caplog.text and "Session 1 was cancelled." in caplog.text
    assert "member" in caplog.text and "@example.com" in caplog.text
    assert _undelivered() == 0


class _Sink:
    """An SMTP server on a free local port that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.port = _free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        """Keep the message and accept it."""
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_sink(app, monkeypatch, no_mail_env):
    """A local SMTP server the app is configured to send through."""
    sink = _Sink()
    sink.controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", sink.port)
    monkeypatch.setitem(app.config, "MAIL_FROM", "gym@example.com")
    yield sink
    sink.controller.stop()


def test_notifications_are_mailed_once_each(app, make_user, smtp_sink):
    """One email per notification, to the member, from MAIL_FROM (named after the gym); delivering
    again sends nothing."""
    ids = _notifications(make_user, 3)
    jobs.enqueue_delivery(ids)
    jobs.enqueue_delivery(ids)
    assert jobs.deliver_pending() == 0

    assert len(smtp_sink.messages) == 3
    recipients = {tuple(r) for r, _ in smtp_sink.messages}
    assert len(recipients) == 1 and next(iter(recipients))[0].endswith("@example.com")
    bodies = sorted(m.get_body(("plain",)).get_content() for _, m in smtp_sink.messages)
    assert [b.count("was cancelled") for b in bodies] == [1, 1, 1]
    assert {m["From"] for _, m in smtp_sink.messages} == {"coachapp <gym@example.com>"}
    assert _undelivered() == 0


def test_two_deliverers_at_once_send_each_notification_once(app, make_user, smtp_sink):
    """The sweep and a delivery job racing over the same rows send every email exactly once."""
    _notifications(make_user, 6)
    barrier = threading.Barrier(2)
    counts, errors = [], []

    def deliver():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                counts.append(jobs.deliver_pending())
                db.session.remove()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert not errors
    assert sum(counts) == 6
    assert len(smtp_sink.messages) == 6
    assert _undelivered() == 0


def test_failing_smtp_leaves_notifications_pending_without_raising(
    app, make_user, monkeypatch, no_mail_env, caplog
):
    """A mail server that is down costs the caller nothing; the job raises (so RQ retries) and a
    later deliver_pending sends everything once the server is back."""
    ids = _notifications(make_user, 2)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", _free_port())  # nothing listens there

    with caplog.at_level(logging.WARNING):
        assert jobs.enqueue_delivery(ids) is None
    assert "not delivered" in caplog.text
    assert _undelivered() == 2
    with pytest.raises(jobs.DeliveryFailed):
        jobs.deliver_notifications(ids)
    assert jobs.deliver_pending() == 0
    assert _undelivered() == 2

    sink = _Sink()
    sink.controller.start()
    try:
        monkeypatch.setitem(app.config, "MAIL_PORT", sink.port)
        assert jobs.deliver_pending() == 2
    finally:
        sink.controller.stop()
    assert len(sink.messages) == 2
    assert _undelivered() == 0


def test_redis_down_loses_nothing(app, gym, monkeypatch, no_mail_env):
    """With Redis unreachable, booking and cancelling work, enqueueing returns None instead of
    raising, and the stored notification is delivered by deliver_pending later."""
    from coachapp.services import bookings, sessions
    from tests.integration.service_helpers import at

    monkeypatch.setitem(app.config, "REDIS_URL", CLOSED_PORT_REDIS)
    _, session = bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-02", "09:00"), at("2027-03-02", "10:00"), now=NOW
    )
    started = clock.monotonic()
    sessions.cancel_session(gym.coach, session.id, now=NOW)
    ids = list(db.session.scalars(select(Notification.id)))
    assert len(ids) == 1
    assert jobs.enqueue_delivery(ids) is None
    assert jobs.enqueue(jobs.deliver_pending) is None
    assert clock.monotonic() - started < 5

    assert _undelivered() == 1
    assert jobs.deliver_pending() == 1
    assert _undelivered() == 0


def test_nightly_statements_do_not_grow_with_the_series(app, make_user):
    """The materialization reads each kind of row in one statement for all series: a full run and
    a run with nothing to do issue as many statements for 3 series as for 60."""
    from sqlalchemy import delete, event

    from coachapp.services import sessions

    statements: list[str] = []

    def counted(conn, cursor, statement, *args):
        statements.append(statement)

    def runs() -> tuple[int, int]:
        db.session.execute(delete(TrainingSession))
        db.session.commit()
        found = []
        for _ in range(2):
            statements.clear()
            sessions.materialize(TODAY)
            found.append(len(statements))
        return found[0], found[1]

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        seed_series(make_user, coaches=1, per_coach=3)
        few = runs()
        seed_series(make_user, coaches=3, per_coach=19)
        many = runs()
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    assert few == many
    assert many[1] < many[0]

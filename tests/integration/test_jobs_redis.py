"""The jobs with a real Redis: what the app enqueues a real worker process runs, the scheduler keeps
exactly one nightly job due at 02:00 in the gym's zone, and failed deliveries are retried by RQ.

The worker and the scheduler run as subprocesses (``python -m coachapp.worker --burst`` …) against
this run's database file or PostgreSQL database, as they do in production.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest
from redis import Redis
from rq.job import Job, JobStatus
from rq_scheduler import Scheduler
from sqlalchemy import func, select

from coachapp import jobs, reminders_cli
from coachapp.extensions import db
from coachapp.models import RecurringBooking, TrainingSession, utcnow
from tests.integration.service_helpers import BERLIN
from tests.integration.test_jobs import (
    ROOT,
    _free_port,
    _notifications,
    _subprocess_env,
    _undelivered,
    seed_series,
)

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url(app, monkeypatch):
    """The test Redis database (REDIS_URL, e.g. redis://127.0.0.1:6379/15), emptied before and
    after; the app enqueues there."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    connection = Redis.from_url(url)
    connection.flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    yield url
    connection.flushdb()
    connection.close()


def run_process(module: str, database_url: str, redis_url: str, *args: str, **env: str):
    """Run ``python -m module --burst`` like a Procfile process; fail the test if it fails."""
    db.session.commit()  # nothing of the test's may hold the database
    result = subprocess.run(
        [sys.executable, "-m", module, "--burst", *args],
        cwd=ROOT,
        env=_subprocess_env(database_url, REDIS_URL=redis_url, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_enqueued_jobs_are_run_by_the_worker_process(app, make_user, database_url, redis_url):
    """A delivery and a nightly run enqueued by the app are done by ``python -m coachapp.worker``:
    the notification is marked delivered and the sessions exist."""
    expected = seed_series(make_user, coaches=1, per_coach=3)
    ids = _notifications(make_user, 1)
    delivery = jobs.enqueue_delivery(ids)
    nightly = jobs.enqueue(jobs.run_nightly, date(2027, 3, 1))
    assert delivery is not None and nightly is not None
    assert _undelivered() == 1

    run_process("coachapp.worker", database_url, redis_url, "--no-catch-up")

    assert delivery.get_status(refresh=True) == JobStatus.FINISHED
    assert nightly.get_status(refresh=True) == JobStatus.FINISHED
    assert _undelivered() == 0
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == expected


def test_worker_start_delivers_what_was_left_pending(app, make_user, database_url, redis_url):
    """Notifications stored while Redis was unreachable go out when a worker starts."""
    _notifications(make_user, 2)  # committed, never enqueued
    run_process("coachapp.worker", database_url, redis_url)
    assert _undelivered() == 0


def test_a_failing_delivery_is_retried_by_rq(app, make_user, database_url, redis_url):
    """With the mail server down the job fails, RQ schedules a retry, the row stays pending."""
    ids = _notifications(make_user, 1)
    job = jobs.enqueue_delivery(ids)
    run_process(
        "coachapp.worker",
        database_url,
        redis_url,
        "--no-catch-up",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(_free_port()),
    )
    job.refresh()
    assert job.get_status() == JobStatus.SCHEDULED
    assert job.retries_left == len(jobs.DELIVERY_RETRY_INTERVALS) - 1
    assert _undelivered() == 1


def _scheduled(connection: Redis) -> dict[str, datetime]:
    scheduler = Scheduler(queue_name=jobs.QUEUE_NAME, connection=connection)
    return {job.id: at for job, at in scheduler.get_jobs(with_times=True)}


def test_registering_the_schedule_again_keeps_one_nightly_job(app, redis_url):
    """Restarting the scheduler five times leaves one nightly job, due at the next 02:00 in the
    gym's zone (here the night Berlin's clocks jump from 02:00 to 03:00)."""
    connection = Redis.from_url(redis_url)
    scheduler = jobs.ZonedScheduler(queue_name=jobs.QUEUE_NAME, connection=connection)
    now = datetime(2027, 3, 27, 12, 0, tzinfo=BERLIN)
    for _ in range(5):
        jobs.register_schedule(scheduler, now=now)

    scheduled = _scheduled(connection)
    assert sorted(scheduled) == sorted([jobs.NIGHTLY_JOB_ID, jobs.SWEEP_JOB_ID])
    # rq-scheduler reports naive UTC; 03:00 CEST on 28 March 2027 is 01:00 UTC
    assert scheduled[jobs.NIGHTLY_JOB_ID] == datetime(2027, 3, 28, 1, 0)


def test_scheduler_process_registers_once_and_runs_a_missed_night(
    app, make_user, database_url, redis_url
):
    """``python -m coachapp.scheduler`` started twice keeps one nightly job; a night it missed
    (due in the past) is handed to the worker at once, which materializes the sessions, and the
    following 02:00 Berlin is registered."""
    connection = Redis.from_url(redis_url)
    scheduler = jobs.ZonedScheduler(queue_name=jobs.QUEUE_NAME, connection=connection)
    two_days_ago = utcnow() - timedelta(days=2)
    jobs.register_nightly(scheduler, now=two_days_ago)
    missed = _scheduled(connection)[jobs.NIGHTLY_JOB_ID]
    assert missed < utcnow().replace(tzinfo=None)

    today = jobs.gym_today()
    expected = seed_series(make_user, coaches=1, per_coach=2)
    db.session.execute(RecurringBooking.__table__.update().values(start_date=today))
    db.session.commit()

    def assert_next_night_registered():
        scheduled = _scheduled(connection)
        assert sorted(scheduled) == sorted(
            [jobs.NIGHTLY_JOB_ID, jobs.SWEEP_JOB_ID, reminders_cli.JOB_ID]
        )
        next_night = jobs.next_run(utcnow(), BERLIN).replace(tzinfo=None)
        assert abs(scheduled[jobs.NIGHTLY_JOB_ID] - next_night) < timedelta(minutes=1)

    handed = run_process("coachapp.scheduler", database_url, redis_url)  # hands over the missed run
    assert len(jobs.get_queue(connection)) == 1
    logged = [json.loads(line) for line in handed.stderr.splitlines() if line.startswith("{")]
    assert any(
        line.get("job_id") == jobs.NIGHTLY_JOB_ID and "duration_ms" in line for line in logged
    ), handed.stderr
    assert_next_night_registered()  # by the scheduler, as it handed the job over
    run_process("coachapp.scheduler", database_url, redis_url)  # a restart: nothing to hand over
    assert len(jobs.get_queue(connection)) == 1
    assert_next_night_registered()

    # a scheduler without the re-registration hook: the job registers the next night itself
    connection.zrem(Scheduler.scheduled_jobs_key, jobs.NIGHTLY_JOB_ID)
    run_process("coachapp.worker", database_url, redis_url, "--no-catch-up")
    db.session.rollback()
    created = db.session.scalar(select(func.count()).select_from(TrainingSession))
    assert created == expected
    assert Job.fetch(jobs.NIGHTLY_JOB_ID, connection=connection).get_status() == JobStatus.FINISHED
    assert_next_night_registered()  # and the job itself survives for the next night


@pytest.mark.parametrize("module", ["coachapp.worker", "coachapp.scheduler"])
def test_processes_stop_cleanly_on_sigterm(app, database_url, redis_url, module):
    """Heroku stops a dyno with SIGTERM and kills it 30 s later: an idle worker or scheduler
    exits at once with status 0."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=_subprocess_env(database_url, REDIS_URL=redis_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready = "Listening on" if module.endswith("worker") else "Registering birth"
    try:
        for line in proc.stderr:
            if ready in line:
                break
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

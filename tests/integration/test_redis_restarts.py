"""The worker and the scheduler outlive Redis: started before it is up, they wait (one JSON log
line per attempt, backing off) and then work; when it restarts under them (empty, as a Redis
without persistence comes back) they reconnect, the worker consumes again and the scheduler
registers its schedule again. SIGTERM still stops them with status 0 while they wait.

Each test runs its own throwaway ``redis-server`` on a free port (the binary must be installed;
CI has it), so stopping it disturbs nobody else's Redis.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest
from redis import Redis
from redis.exceptions import RedisError
from rq.job import Job, JobStatus
from rq_scheduler import Scheduler

from coachapp import jobs, reminders_cli
from coachapp.extensions import db
from tests.integration.test_jobs import (
    ROOT,
    _free_port,
    _notifications,
    _subprocess_env,
    _undelivered,
)

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


class ThrowawayRedis:
    """``redis-server`` on ``port`` without persistence, started and stopped at will."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = Redis.from_url(self.url, socket_connect_timeout=0.2)
        wait_until(lambda: _pings(client), "redis-server to answer")
        client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def _pings(client: Redis) -> bool:
    try:
        return bool(client.ping())
    except RedisError:
        return False


def wait_until(condition: Callable[[], object], what: str, timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Process:
    """A Procfile process (``python -m module``) whose stderr lines are collected as they come."""

    def __init__(self, module: str, database_url: str, redis_url: str, *args: str) -> None:
        db.session.commit()  # nothing of the test's may hold the database
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=_subprocess_env(database_url, REDIS_URL=redis_url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line)

    def records(self) -> list[dict]:
        """The JSON lines so far (a library's raw traceback lines are skipped)."""
        found = []
        for line in list(self.lines):
            if line.startswith("{"):
                found.append(json.loads(line))
        return found

    def count(self, event: str) -> int:
        return sum(1 for r in self.records() if r.get("event") == event)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=15)
        finally:
            self.reader.join(timeout=5)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def throwaway_redis():
    server = ThrowawayRedis(_free_port())
    yield server
    server.stop()


def _delivered_by_worker(server: ThrowawayRedis, notification_ids: list[int]) -> Job:
    connection = Redis.from_url(server.url)
    job = jobs.get_queue(connection).enqueue(jobs.deliver_notifications, notification_ids)
    wait_until(
        lambda: job.get_status(refresh=True) in (JobStatus.FINISHED, JobStatus.FAILED),
        f"job {job.id} to be done",
    )
    assert job.get_status() == JobStatus.FINISHED
    connection.close()
    return job


def test_worker_started_before_redis_consumes_once_it_is_up_and_after_a_restart(
    app, make_user, database_url, throwaway_redis
):
    first, second = _notifications(make_user, 2)
    worker = Process("coachapp.worker", database_url, throwaway_redis.url, "--no-catch-up")
    try:
        wait_until(
            lambda: worker.proc.poll() is not None or worker.count("redis_unreachable") >= 2,
            "two failed attempts",
        )
        assert worker.proc.poll() is None, "".join(worker.lines)  # waiting, not crashed
        attempts = [r for r in worker.records() if r.get("event") == "redis_unreachable"]
        assert [r["attempt"] for r in attempts[:2]] == [1, 2]
        assert [r["retry_in_s"] for r in attempts[:2]] == [1.0, 2.0]  # backing off
        assert attempts[0]["level"] == "warning" and "unreachable" in attempts[0]["message"]
        assert attempts[0]["logger"] == "coachapp.worker"

        throwaway_redis.start()
        job = _delivered_by_worker(throwaway_redis, [first])
        wait_until(lambda: _undelivered() == 1, "the first notification delivered")

        # Redis restarts under the running worker, empty (no persistence): it carries on
        throwaway_redis.stop()
        time.sleep(1.5)
        throwaway_redis.start()
        _delivered_by_worker(throwaway_redis, [second])
        wait_until(lambda: _undelivered() == 0, "the second notification delivered")
        assert worker.proc.poll() is None

        # one line per job, with its id and duration; the mail itself in the log (no MAIL_SERVER)
        done = [r for r in worker.records() if r.get("job_id") == job.id and "duration_ms" in r]
        assert len(done) == 1 and done[0]["outcome"] == "finished"
        assert done[0]["logger"] == "coachapp.worker"
        assert done[0]["duration_ms"] > 0
        mails = [r for r in worker.records() if r["logger"] == "coachapp.mail"]
        assert any("Session 0 was cancelled." in r["message"] for r in mails)

        # Redis gone again: SIGTERM still stops the worker cleanly
        throwaway_redis.stop()
        assert worker.stop() == 0
        plain = [line for line in worker.lines if line.strip() and not line.startswith("{")]
        assert plain == [], "every line the worker wrote is JSON, through two Redis outages"
    finally:
        worker.kill()


def _registered(server: ThrowawayRedis) -> set[str]:
    client = Redis.from_url(server.url, socket_connect_timeout=0.5)
    try:
        return {m.decode() for m in client.zrange(Scheduler.scheduled_jobs_key, 0, -1)}
    except RedisError:
        return set()
    finally:
        client.close()


def test_scheduler_started_before_redis_registers_its_schedule_and_again_after_a_restart(
    app, database_url, throwaway_redis
):
    expected = {jobs.NIGHTLY_JOB_ID, jobs.SWEEP_JOB_ID, reminders_cli.JOB_ID}
    scheduler = Process(
        "coachapp.scheduler", database_url, throwaway_redis.url, "--interval", "1"
    )
    try:
        wait_until(
            lambda: scheduler.proc.poll() is not None or scheduler.count("redis_unreachable") >= 2,
            "two failed attempts",
        )
        assert scheduler.proc.poll() is None, "".join(scheduler.lines)
        assert _registered(throwaway_redis) == set()

        throwaway_redis.start()
        wait_until(lambda: _registered(throwaway_redis) == expected, "the schedule registered")

        throwaway_redis.stop()
        time.sleep(1.5)
        throwaway_redis.start()
        assert _registered(throwaway_redis) == set()  # a new, empty Redis
        wait_until(lambda: _registered(throwaway_redis) == expected, "registered again")
        assert scheduler.count("redis_lost") >= 1
        assert scheduler.proc.poll() is None

        throwaway_redis.stop()
        wait_until(lambda: scheduler.count("redis_unreachable") >= 3, "waiting again")
        assert scheduler.stop() == 0
        plain = [line for line in scheduler.lines if line.strip() and not line.startswith("{")]
        assert plain == [], "every line the scheduler wrote is JSON"
    finally:
        scheduler.kill()

"""``python -m coachapp.scheduler``: the process that starts scheduled jobs (Procfile ``scheduler:``).

It registers the app's schedule (the nightly run at 02:00 in the gym's zone, the sweep of pending
notifications, the reminders every 10 minutes) under fixed job ids, so restarting it never adds a
second copy, then runs rq-scheduler, which moves due jobs onto the queue for the worker. Run one of it; a second one
would only wait for the first one's lock. SIGTERM/SIGINT stop it at once (it holds no work).

Redis unreachable at start, or lost later, is waited for (a PING after 1, 2, 4 … 30 s, one log
line per attempt); once it answers, the schedule is registered again (a restarted Redis without
persistence has lost it) and the loop goes on.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from . import create_app, jobs
from . import reminders_cli as reminders
from .models import utcnow

log = logging.getLogger("coachapp.scheduler")  # also when run as __main__

REDIS_RETRY_FIRST_SECONDS = 1.0
REDIS_RETRY_MAX_SECONDS = 30.0
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
"""What an unreachable or restarting Redis raises (BusyLoadingError, while it loads its data,
is a ConnectionError)."""


def stop_on_sigterm() -> None:
    """Until the loop installs its own handlers, SIGTERM/SIGINT end the process with status 0."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: sys.exit(0))


def redis_address(connection: Redis) -> str:
    """``host:port/db`` of a client, for log lines (never the password)."""
    kwargs = connection.connection_pool.connection_kwargs
    where = kwargs.get("path") or f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"
    return f"{where}/{kwargs.get('db', 0)}"


def wait_for_redis(
    connection: Redis,
    process: str,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Return once Redis answers a PING, trying again after 1, 2, 4 … seconds (at most 30)
    while it does not, with one log line per failed attempt; returns the number of attempts.
    SIGTERM still ends the process while it waits (``stop_on_sigterm``)."""
    process_log = logging.getLogger(f"coachapp.{process}")
    delay = REDIS_RETRY_FIRST_SECONDS
    attempt = 0
    while True:
        attempt += 1
        try:
            connection.ping()
        except REDIS_DOWN as exc:
            process_log.warning(
                "%s: Redis at %s unreachable (attempt %d: %s); next try in %.0f s",
                process,
                redis_address(connection),
                attempt,
                exc,
                delay,
                extra={"event": "redis_unreachable", "attempt": attempt, "retry_in_s": delay},
            )
            sleep(delay)
            delay = min(delay * 2, REDIS_RETRY_MAX_SECONDS)
            continue
        if attempt > 1:
            process_log.info(
                "%s: Redis at %s reachable after %d attempts",
                process,
                redis_address(connection),
                attempt,
                extra={"event": "redis_reachable", "attempt": attempt},
            )
        return attempt


def register_reminders(scheduler, now: datetime | None = None) -> datetime:
    """Register the reminder run (``reminders_cli.reminders_job``) every 10 minutes under a
    fixed id, replacing any earlier registration (idempotent); returns when it is first due. Two
    runs at once (a slow one overtaken) are harmless: each reminder is sent once."""
    due = (now or utcnow()) + timedelta(seconds=30)
    scheduler.cancel(reminders.JOB_ID)
    scheduler.schedule(
        scheduled_time=due,
        func=reminders.reminders_job,
        id=reminders.JOB_ID,
        queue_name=jobs.QUEUE_NAME,
        interval=reminders.INTERVAL_SECONDS,
        timeout=reminders.INTERVAL_SECONDS,
        result_ttl=-1,
        description="send the reminders due before sessions",
    )
    return due


def register_all(scheduler, now: datetime | None = None) -> dict[str, datetime]:
    """The app's whole schedule: ``jobs.register_schedule`` and the reminders."""
    registered = jobs.register_schedule(scheduler, now)
    registered[reminders.JOB_ID] = register_reminders(scheduler, now)
    return registered


class ResilientScheduler(jobs.ZonedScheduler):
    """The scheduler whose goodbyes (removing its lock, registering its death) do not fail when
    Redis is gone: the reason it stopped (SIGTERM, or Redis lost mid-run) is what comes out of
    ``run``, not a second connection error from its ``finally``. Both keys expire by themselves.
    It logs each job it hands to the queue (``job_id``) and how long that pass took."""

    def enqueue_jobs(self):
        started = time.perf_counter()
        self._handed: list = []
        result = super().enqueue_jobs()  # a spent generator: the jobs are noted by enqueue_job
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        for job in self._handed:
            log.info(
                "scheduler: %s handed to the queue",
                job.id,
                extra={"job_id": job.id, "job": job.func_name, "duration_ms": duration_ms},
            )
        return result

    def enqueue_job(self, job) -> None:
        super().enqueue_job(job)
        if isinstance(getattr(self, "_handed", None), list):
            self._handed.append(job)

    def register_death(self) -> None:
        try:
            super().register_death()
        except REDIS_DOWN as exc:
            log.info("scheduler: could not register its death (%s); its key expires", exc)

    def remove_lock(self) -> None:
        try:
            super().remove_lock()
        except REDIS_DOWN as exc:
            self._lock_acquired = False
            log.info("scheduler: could not remove its lock (%s); it expires", exc)


def main(argv: list[str] | None = None) -> int:
    """Register the schedule and run the scheduler loop (``--burst``: one pass, then exit)."""
    parser = argparse.ArgumentParser(prog="python -m coachapp.scheduler", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="enqueue what is due, then exit")
    parser.add_argument(
        "--interval", type=float, default=30, help="seconds between checks (default 30)"
    )
    args = parser.parse_args(argv)
    stop_on_sigterm()

    app = create_app()  # logs JSON lines at LOG_LEVEL (coachapp.logs)
    url = app.config.get("REDIS_URL")
    if not url:
        print(
            "REDIS_URL is not set: there is no queue to schedule on. Without Redis, run "
            "`flask --app wsgi sessions generate` nightly from the system's cron instead "
            "(docs/operations.md).",
            file=sys.stderr,
        )
        return 2
    connection = jobs.redis_connection(url)
    while True:
        # Redis may be down at start or go away later (a restart, a failover, a new instance
        # without our keys): wait for it, register the schedule again (idempotent), go on.
        wait_for_redis(connection, "scheduler")
        try:
            scheduler = ResilientScheduler(
                queue_name=jobs.QUEUE_NAME, connection=connection, interval=args.interval
            )
            with app.app_context():
                for job_id, due in register_all(scheduler).items():
                    log.info(
                        "registered %s, next run %s",
                        job_id,
                        due.isoformat(),
                        extra={"job_id": job_id, "due": due.isoformat()},
                    )
            scheduler.run(burst=args.burst)
            return 0
        except REDIS_DOWN as exc:
            log.warning(
                "scheduler: lost Redis at %s (%s); waiting for it",
                redis_address(connection),
                exc,
                extra={"event": "redis_lost"},
            )
            stop_on_sigterm()


if __name__ == "__main__":
    sys.exit(main())

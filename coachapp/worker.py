"""``python -m coachapp.worker``: the RQ worker for the app's queue (Procfile ``worker:``).

It builds the app once (jobs run inside its app context), queues a ``deliver_pending`` so that
notifications left undelivered while it was down go out, and works the queue. Each job runs in a
forked child; on SIGTERM (Heroku gives 30 s) the worker stops taking jobs and the running one is
interrupted after a few seconds (RQ's HerokuWorker) and fails, to be retried or picked up by the
next nightly run: every job here is idempotent. Retries with a delay need RQ's scheduler, which
this worker runs alongside.

Redis unreachable at start is waited for (a PING after 1, 2, 4 … 30 s, one log line per attempt);
Redis lost while it runs is retried by RQ while the worker waits for jobs, and anywhere else
ends RQ's loop, after which a new worker starts once Redis answers again. Each job writes one
log line with its id, outcome and duration.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time

from rq import scheduler as rq_scheduler
from rq.exceptions import StopRequested
from rq.worker import HerokuWorker

from . import create_app, jobs
from .extensions import db
from .scheduler import REDIS_DOWN, redis_address, stop_on_sigterm, wait_for_redis

log = logging.getLogger("coachapp.worker")  # also when run as __main__

RESTART_PAUSE_SECONDS = 1.0
RESTART_PAUSE_MAX_SECONDS = 30.0
STOP_DEADLINE_SECONDS = 10.0
"""After SIGTERM the worker is gone within this many seconds, whatever RQ's shutdown waits on
(Heroku sends SIGKILL 30 s after SIGTERM). Once, under load with Redis gone, a clean stop hung
past 15 s; the suspect is RQ joining its scheduler child without a timeout."""


def exit_after(seconds: float, child_pids=lambda: ()) -> threading.Timer:
    """Start the stop deadline: after ``seconds`` log why and end the process (status 0, it was
    asked to stop), killing ``child_pids()`` first so none is left behind."""

    def give_up() -> None:
        log.error(
            "worker: still stopping %.0f s after SIGTERM; exiting now", seconds,
            extra={"event": "stop_deadline"},
        )
        for pid in child_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        os._exit(0)

    timer = threading.Timer(seconds, give_up)
    timer.daemon = True
    timer.start()
    return timer


def _run_rq_scheduler(scheduler) -> None:
    """The body of RQ's scheduler process (delayed retries), which logs its error itself: on a
    lost Redis the process ends without multiprocessing's second, plain-text traceback. The
    worker's maintenance pass starts a new one."""
    try:
        rq_scheduler.run(scheduler)
    except REDIS_DOWN:
        os._exit(1)


class _RQScheduler(rq_scheduler.RQScheduler):
    """RQ's scheduler process, started with ``_run_rq_scheduler``."""

    def start(self):
        self._status = self.Status.STARTED
        self._connection = None  # a Redis client cannot cross the fork (as RQ does)
        self._process = rq_scheduler.ForkProcess(
            target=_run_rq_scheduler, args=(self,), name="Scheduler"
        )
        self._process.start()
        return self._process


class LoggingWorker(HerokuWorker):
    """HerokuWorker that writes one line per job with its id, function, outcome and duration
    (in the job's own process, as JSON like every other line), and remembers a stop request
    (RQ only records one that arrives during a job)."""

    stop_was_requested = False

    def _start_scheduler(self, burst=False, logging_level="INFO", *args, **kwargs):
        """RQ's own, with ``_RQScheduler`` (see ``_run_rq_scheduler``)."""
        self.scheduler = _RQScheduler(
            self.queues,
            connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            serializer=self.serializer,
        )
        self.scheduler.acquire_locks()
        if self.scheduler.acquired_locks:
            if burst:
                try:
                    self.scheduler.register_birth()
                    self.scheduler.enqueue_scheduled_jobs()
                finally:
                    self.scheduler.release_locks()
                    self.scheduler.register_death()
            else:
                self.scheduler.start()

    def request_stop(self, signum, frame):
        if not self.stop_was_requested:
            exit_after(STOP_DEADLINE_SECONDS, self._children)
        self.stop_was_requested = True
        try:
            super().request_stop(signum, frame)
        except REDIS_DOWN as exc:
            # RQ asks Redis whether a job is running; with Redis gone none can be: stop now
            # (raised as is, RQ's wait for Redis would swallow the error and the stop with it)
            raise StopRequested() from exc

    def _children(self) -> list[int]:
        """The processes this worker forked that still run: the job's horse, RQ's scheduler."""
        process = getattr(getattr(self, "scheduler", None), "_process", None)
        pids = [getattr(self, "horse_pid", 0), getattr(process, "pid", 0)]
        return [pid for pid in pids if pid]

    def perform_job(self, job, queue, *args, **kwargs) -> bool:
        started = time.perf_counter()
        succeeded = False
        try:
            succeeded = super().perform_job(job, queue, *args, **kwargs)
            return succeeded
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            outcome = "finished" if succeeded else "failed"
            log.log(
                logging.INFO if succeeded else logging.WARNING,
                "job %s %s %s in %.1f ms",
                job.id,
                job.func_name,
                outcome,
                duration_ms,
                extra={
                    "job_id": job.id,
                    "job": job.func_name,
                    "outcome": outcome,
                    "duration_ms": duration_ms,
                },
            )


def _forget_inherited_connections(app) -> None:
    """In a forked job: drop the parent's pooled database connections without closing them."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def main(argv: list[str] | None = None) -> int:
    """Run the worker (``--burst``: until the queue is empty, then exit)."""
    parser = argparse.ArgumentParser(prog="python -m coachapp.worker", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="exit once the queue is empty")
    parser.add_argument(
        "--no-catch-up", action="store_true", help="do not queue deliver_pending at start"
    )
    args = parser.parse_args(argv)
    stop_on_sigterm()

    app = create_app()  # logs JSON lines at LOG_LEVEL (coachapp.logs)
    url = app.config.get("REDIS_URL")
    if not url:
        print(
            "REDIS_URL is not set: jobs run inline in the web process and cron runs "
            "`flask --app wsgi sessions generate`; no worker is needed (docs/operations.md).",
            file=sys.stderr,
        )
        return 2
    jobs.set_app(app)
    os.register_at_fork(after_in_child=lambda: _forget_inherited_connections(app))
    connection = jobs.redis_connection(url)
    queue = jobs.get_queue(connection)
    catch_up = not args.no_catch_up
    pause = RESTART_PAUSE_SECONDS
    while True:
        # Redis down at start, or lost in a way RQ's own loop does not retry (it retries a lost
        # connection while it waits for a job, but quits on one elsewhere): wait for Redis, then
        # start a fresh worker.
        wait_for_redis(connection, "worker")
        started = time.monotonic()
        worker = None
        try:
            if catch_up:
                queue.enqueue(jobs.deliver_pending, job_timeout=jobs.DELIVERY_TIMEOUT_SECONDS)
                catch_up = False
            worker = LoggingWorker([queue], connection=connection)
            worker.work(
                burst=args.burst, with_scheduler=True, logging_level=app.config["LOG_LEVEL"]
            )
        except REDIS_DOWN as exc:
            if worker is not None and worker.stop_was_requested:
                return 0  # stopped while Redis was gone (its goodbye to Redis failed)
            log.warning(
                "worker: lost Redis at %s (%s)",
                redis_address(connection),
                exc,
                extra={"event": "redis_lost"},
            )
        else:
            if args.burst or worker.stop_was_requested:
                return 0
            log.warning(
                "worker: RQ's loop ended without a stop request; restarting it",
                extra={"event": "worker_restart"},
            )
        stop_on_sigterm()  # the worker's own handlers point at the worker that ended
        pause = RESTART_PAUSE_SECONDS if time.monotonic() - started > 60 else pause
        time.sleep(pause)
        pause = min(pause * 2, RESTART_PAUSE_MAX_SECONDS)


if __name__ == "__main__":
    sys.exit(main())

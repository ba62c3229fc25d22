"""``python -m coachapp.scheduler``: the process that starts scheduled jobs (Procfile ``scheduler:``).

It registers the app's schedule (the nightly run at 02:00 in the gym's zone, the sweep of pending
notifications) under fixed job ids, so restarting it never adds a second copy, then runs
rq-scheduler, which moves due jobs onto the queue for the worker. Run one of it; a second one
would only wait for the first one's lock. SIGTERM/SIGINT stop it at once (it holds no work).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from . import create_app, jobs


def stop_on_sigterm() -> None:
    """Until the loop installs its own handlers, SIGTERM/SIGINT end the process with status 0."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: sys.exit(0))


def main(argv: list[str] | None = None) -> int:
    """Register the schedule and run the scheduler loop (``--burst``: one pass, then exit)."""
    parser = argparse.ArgumentParser(prog="python -m coachapp.scheduler", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="enqueue what is due, then exit")
    parser.add_argument(
        "--interval", type=float, default=30, help="seconds between checks (default 30)"
    )
    args = parser.parse_args(argv)
    stop_on_sigterm()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    app = create_app()
    url = app.config.get("REDIS_URL")
    if not url:
        print(
            "REDIS_URL is not set: there is no queue to schedule on. Without Redis, run "
            "`flask --app wsgi sessions generate` nightly from the system's cron instead "
            "(docs/operations.md).",
            file=sys.stderr,
        )
        return 2
    scheduler = jobs.ZonedScheduler(
        queue_name=jobs.QUEUE_NAME, connection=jobs.redis_connection(url), interval=args.interval
    )
    with app.app_context():
        for job_id, due in jobs.register_schedule(scheduler).items():
            logging.getLogger(__name__).info("registered %s, next run %s", job_id, due.isoformat())
    scheduler.run(burst=args.burst)
    return 0


if __name__ == "__main__":
    sys.exit(main())

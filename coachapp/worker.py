"""``python -m coachapp.worker``: the RQ worker for the app's queue (Procfile ``worker:``).

It builds the app once (jobs run inside its app context), queues a ``deliver_pending`` so that
notifications left undelivered while it was down go out, and works the queue. Each job runs in a
forked child; on SIGTERM (Heroku gives 30 s) the worker stops taking jobs and the running one is
interrupted after a few seconds (RQ's HerokuWorker) and fails, to be retried or picked up by the
next nightly run: every job here is idempotent. Retries with a delay need RQ's scheduler, which
this worker runs alongside.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from rq.worker import HerokuWorker

from . import create_app, jobs
from .extensions import db
from .scheduler import stop_on_sigterm


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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    app = create_app()
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
    if not args.no_catch_up:
        queue.enqueue(jobs.deliver_pending, job_timeout=jobs.DELIVERY_TIMEOUT_SECONDS)
    worker = HerokuWorker([queue], connection=connection)
    worker.work(burst=args.burst, with_scheduler=True, logging_level="INFO")
    return 0


if __name__ == "__main__":
    sys.exit(main())

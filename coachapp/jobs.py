"""Background jobs: the nightly session run, notification delivery, and their schedule.

The work itself lives in the services (``services.sessions.materialize`` / ``complete_ended``) and
in ``coachapp.mail``; this module says when and where it runs:

- With ``REDIS_URL`` set, ``enqueue`` puts a job on the RQ queue ``coachapp`` for the worker
  (``python -m coachapp.worker``); ``python -m coachapp.scheduler`` runs rq-scheduler, which starts
  the nightly job at 02:00 in the gym's zone (``COACHAPP_TIMEZONE``) and a sweep of undelivered
  notifications every few minutes.
- Without ``REDIS_URL`` a job runs at once, in the process that enqueues it, and the operator runs
  ``flask --app wsgi sessions generate`` from the system's cron (see docs/operations.md).

Whichever way, a job never raises into the request that enqueued it: a notification whose delivery
failed, or could not be enqueued because Redis is down, stays stored with ``delivered_at`` NULL and
is sent by ``deliver_pending`` (run by the nightly job, the sweep, and each worker at start).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Job, get_current_job
from rq_scheduler import Scheduler
from rq_scheduler.utils import to_unix
from sqlalchemy import select

from . import mail, notice_mail
from .extensions import db
from .models import Notification, User, utcnow
from .scheduling.clock import local_datetime

log = logging.getLogger(__name__)

QUEUE_NAME = "coachapp"
NIGHTLY_JOB_ID = "coachapp-nightly"
SWEEP_JOB_ID = "coachapp-deliver-pending"
NIGHTLY_AT = time(2, 0)
SWEEP_INTERVAL_SECONDS = 10 * 60
NIGHTLY_TIMEOUT_SECONDS = 60 * 60
DELIVERY_TIMEOUT_SECONDS = 5 * 60
DELIVERY_RETRY_INTERVALS = (30, 120, 600, 1800)

_app: Flask | None = None
_redis_clients: dict[str, Redis] = {}


class DeliveryFailed(RuntimeError):
    """Some notifications could not be mailed; raised so that RQ retries the job."""


def init_app(app: Flask) -> None:
    """Hand the notifications every committed service transaction saved to the delivery job
    (the services call the hook, never this module)."""
    from .services.db import when_notifications_saved

    when_notifications_saved(app, enqueue_delivery)


def set_app(app: Flask) -> None:
    """Use ``app`` for jobs that run outside an app context (the worker sets its own app here)."""
    global _app
    _app = app


@contextmanager
def app_context() -> Iterator[Flask]:
    """The current app, or (in a worker, where jobs start bare) an app built from the environment."""
    if has_app_context():
        yield current_app._get_current_object()  # type: ignore[attr-defined]
        return
    global _app
    if _app is None:
        from . import create_app

        _app = create_app()
    with _app.app_context():
        yield _app


def redis_connection(url: str, *, for_requests: bool = False) -> Redis:
    """A Redis client for ``url``; ``for_requests`` adds short timeouts so a dead server costs a
    request at most a couple of seconds (the worker's blocking reads must not time out)."""
    if not for_requests:
        return Redis.from_url(url)
    client = _redis_clients.get(url)
    if client is None:
        client = Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
        )
        _redis_clients[url] = client
    return client


def get_queue(connection: Redis) -> Queue:
    """The app's RQ queue on ``connection``."""
    return Queue(QUEUE_NAME, connection=connection)


def enqueue(
    func: Callable[..., Any],
    *args: Any,
    job_id: str | None = None,
    retry: Retry | None = None,
    timeout: int | None = None,
    **kwargs: Any,
) -> Job | None:
    """Run ``func(*args, **kwargs)`` in the background and never raise into the caller.

    With REDIS_URL set the call goes on the queue and the Job is returned; if Redis cannot be
    reached the failure is logged and None returned (what the job was for must be recoverable, as
    notifications are by ``deliver_pending``). Without REDIS_URL the function runs now, inline;
    an exception it raises is logged, not propagated.
    """
    url = current_app.config.get("REDIS_URL")
    if not url:
        try:
            func(*args, **kwargs)
        except DeliveryFailed as exc:
            log.warning("%s; they stay pending for deliver_pending", exc)
        except Exception:
            db.session.rollback()
            log.exception("inline job %s failed", getattr(func, "__name__", func))
        return None
    try:
        return get_queue(redis_connection(url, for_requests=True)).enqueue_call(
            func, args=args, kwargs=kwargs, job_id=job_id, retry=retry, timeout=timeout
        )
    except RedisError as exc:
        log.warning(
            "could not enqueue %s (Redis unreachable: %s); it will be caught up later",
            getattr(func, "__name__", func),
            exc,
        )
        return None


def delivery_retry() -> Retry:
    """How a failed delivery job is retried: four more times over about 40 minutes."""
    return Retry(max=len(DELIVERY_RETRY_INTERVALS), interval=list(DELIVERY_RETRY_INTERVALS))


def enqueue_delivery(notification_ids: Iterable[int]) -> Job | None:
    """Deliver these notifications (mail them) in the background; call it after the commit.

    Never raises and never blocks on a failing mail server: the rows stay stored and undelivered
    until a delivery succeeds, here, on a retry, or in a later ``deliver_pending``. Called inline
    (no REDIS_URL) with uncommitted changes in the session, it leaves delivery to the next sweep
    rather than touch the caller's transaction.
    """
    ids = sorted({int(i) for i in notification_ids})
    if not ids:
        return None
    if not current_app.config.get("REDIS_URL"):
        session = db.session
        if session.new or session.dirty or session.deleted:
            log.warning("enqueue_delivery called before commit; notifications %s left pending", ids)
            return None
    return enqueue(
        deliver_notifications, ids, retry=delivery_retry(), timeout=DELIVERY_TIMEOUT_SECONDS
    )


def _deliver_one(mailer: mail.Mailer, notification_id: int) -> bool:
    """Mail one notification unless someone has already; True if this call delivered it.

    The row is locked while it is sent (PostgreSQL: FOR UPDATE SKIP LOCKED, so a concurrent
    deliverer moves on; SQLite: the write lock), so two deliverers never send it twice; if the
    process dies after sending and before the commit, it is sent again later (at least once).
    """
    from .services.db import is_postgres, write_lock

    session = db.session
    write_lock()
    query = (
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.id == notification_id, Notification.delivered_at.is_(None))
    )
    if is_postgres():
        query = query.with_for_update(of=Notification, skip_locked=True)
    row = session.execute(query).first()
    if row is None:
        session.rollback()
        return False
    notification, user = row
    try:
        composed = notice_mail.compose(notification, user)
        mailer.send(
            user.email,
            composed.subject,
            composed.text,
            composed.html,
            attachments=composed.attachments,
        )
    except BaseException:
        session.rollback()
        raise
    notification.delivered_at = utcnow()
    session.commit()
    return True


def _deliver(ids: list[int] | None) -> tuple[int, list[int]]:
    """Deliver the undelivered ones among ``ids`` (None: all); (delivered, failed ids)."""
    session = db.session
    query = select(Notification.id).where(Notification.delivered_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    candidates = list(session.scalars(query.order_by(Notification.id)))
    session.rollback()  # end the read; each delivery is its own transaction
    delivered = 0
    failed: list[int] = []
    with mail.mailer() as mailer:
        for position, notification_id in enumerate(candidates):
            try:
                delivered += _deliver_one(mailer, notification_id)
            except mail.MailError as exc:
                log.warning("notification %s not delivered: %s", notification_id, exc)
                if not exc.this_message_only:
                    # the server is unreachable or refusing: the rest would fail the same way
                    return delivered, failed + candidates[position:]
                failed.append(notification_id)
    return delivered, failed


def deliver_notifications(notification_ids: list[int]) -> int:
    """Job: mail these notifications and mark them delivered; how many this run delivered.

    Raises DeliveryFailed when some could not be sent, so that RQ retries the job; those already
    sent are not sent again.
    """
    with app_context():
        delivered, failed = _deliver([int(i) for i in notification_ids])
    if failed:
        raise DeliveryFailed(f"{len(failed)} notification(s) not delivered yet: {failed}")
    return delivered


def deliver_pending() -> int:
    """Job: mail every notification not delivered yet (missed enqueues, exhausted retries).

    Failures are logged and the rows stay pending for the next sweep; returns how many were sent.
    """
    with app_context():
        delivered, failed = _deliver(None)
    if failed:
        log.warning("%d notification(s) still undelivered; the next sweep retries", len(failed))
    if delivered:
        log.info("delivered %d pending notification(s)", delivered)
    return delivered


def gym_zone() -> ZoneInfo:
    """The gym's time zone (COACHAPP_TIMEZONE), in which the nightly run is planned."""
    return ZoneInfo(current_app.config["COACHAPP_TIMEZONE"])


def gym_today(now: datetime | None = None) -> date:
    """Today's date on the gym's wall clock."""
    return (now or utcnow()).astimezone(gym_zone()).date()


@dataclass(frozen=True)
class NightlyReport:
    """What one nightly run did: the materialization result, sessions completed, mails sent."""

    today: date
    materialized: Any
    completed: int
    delivered: int

    def as_dict(self) -> dict[str, Any]:
        """A plain mapping (kept as the RQ job's result and printed by the CLI)."""
        result = self.materialized
        fields = (
            "created",
            "skipped_blocked",
            "skipped_existing",
            "collisions",
            "skipped_no_membership",
        )
        counts = {f: _count(getattr(result, f, 0)) for f in fields}
        return dict(
            today=self.today.isoformat(),
            **counts,
            completed=self.completed,
            delivered=self.delivered,
        )


def _count(value: Any) -> int:
    return value if isinstance(value, int) else len(value)


def run_nightly(
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
    now: datetime | None = None,
) -> NightlyReport:
    """The nightly run (spec, Flow 4): create the sessions of every active recurring booking for
    the next MATERIALIZE_WEEKS weeks from ``today`` (the gym's date), mark ended sessions
    completed, and deliver pending notifications. Idempotent; ``progress`` receives one line per
    step (the CLI echoes them)."""
    from .services import sessions

    say = progress or log.info
    with app_context():
        run_today = today or gym_today(now)
        say(f"materializing sessions from {run_today}; completing ended sessions")
        result = sessions.run_nightly(today=today, now=now)
        today = run_today
        say(result.summary())
        completed = result.completed
        delivered = deliver_pending()
        say(f"delivered {delivered} pending notification(s)")
    return NightlyReport(today=today, materialized=result, completed=completed, delivered=delivered)


def nightly_job() -> dict[str, Any]:
    """Job: the nightly run, started by the scheduler at 02:00 in the gym's zone.

    When it runs as the scheduled job it makes sure the following night is registered too (the
    scheduler does so when it enqueues it; this covers a scheduler started without that hook).
    """
    try:
        return run_nightly().as_dict()
    finally:
        job = get_current_job()
        if job is not None and job.id == NIGHTLY_JOB_ID:
            with app_context():
                tz = gym_zone()
            job.connection.zadd(
                Scheduler.scheduled_jobs_key,
                {NIGHTLY_JOB_ID: to_unix(next_run(utcnow(), tz))},
                nx=True,
            )


def next_run(now: datetime, tz: tzinfo, at: time = NIGHTLY_AT) -> datetime:
    """The first instant after ``now`` at which the wall clock in ``tz`` shows ``at``, in UTC.

    Computed per local date, so the run stays at 02:00 local across daylight-saving changes. As in
    RFC 5545, a time that does not exist that day (the spring gap) moves forward by the length of
    the gap (02:00 becomes 03:00), and a time that occurs twice (the autumn fold) is the first.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    minute = at.hour * 60 + at.minute
    day = now.astimezone(tz).date()
    while True:
        candidate = local_datetime(day, minute, tz)
        if candidate > now:
            return candidate.astimezone(UTC)
        day += timedelta(days=1)


class ZonedScheduler(Scheduler):
    """rq-scheduler that re-registers the nightly job at the next 02:00 in the gym's zone each time
    it hands the job to the queue (rq-scheduler's cron knows only UTC or the machine's zone)."""

    def enqueue_job(self, job: Job) -> None:
        """Move ``job`` to its queue; for the nightly job, schedule the following night."""
        super().enqueue_job(job)
        zone = job.meta.get("timezone")
        if job.id == NIGHTLY_JOB_ID and zone:
            at = time.fromisoformat(job.meta.get("local_time", "02:00"))
            due = next_run(utcnow(), ZoneInfo(zone), at)
            self.connection.zadd(self.scheduled_jobs_key, {job.id: to_unix(due)})
            self.log.info("nightly run rescheduled for %s (%s %s)", due.isoformat(), zone, at)


def _scheduled_at(scheduler: Scheduler, job_id: str) -> datetime | None:
    score = scheduler.connection.zscore(scheduler.scheduled_jobs_key, job_id)
    return None if score is None else datetime.fromtimestamp(score, UTC)


def register_nightly(scheduler: Scheduler, now: datetime | None = None) -> datetime:
    """Register the nightly job under its fixed id, replacing any earlier registration; returns
    when it is due: the next 02:00 in the gym's zone, or now if a registered run was missed (the
    scheduler was down at 02:00). Registering again changes nothing: there is one nightly job."""
    now = now or utcnow()
    tz = gym_zone()
    due = next_run(now, tz)
    previous = _scheduled_at(scheduler, NIGHTLY_JOB_ID)
    if previous is not None and previous <= now:
        due = previous
    scheduler.cancel(NIGHTLY_JOB_ID)
    scheduler.schedule(
        scheduled_time=due,
        func=nightly_job,
        id=NIGHTLY_JOB_ID,
        queue_name=QUEUE_NAME,
        timeout=NIGHTLY_TIMEOUT_SECONDS,
        result_ttl=-1,  # the job hash is reused night after night: it must not expire
        description="nightly: materialize sessions, complete ended ones, deliver notifications",
        meta={"timezone": tz.key, "local_time": NIGHTLY_AT.strftime("%H:%M")},
    )
    return due


def register_sweep(scheduler: Scheduler, now: datetime | None = None) -> datetime:
    """Register ``deliver_pending`` every SWEEP_INTERVAL_SECONDS under a fixed id (idempotent), so
    a notification whose enqueue was lost goes out within minutes, not at night."""
    due = (now or utcnow()) + timedelta(seconds=60)
    scheduler.cancel(SWEEP_JOB_ID)
    scheduler.schedule(
        scheduled_time=due,
        func=deliver_pending,
        id=SWEEP_JOB_ID,
        queue_name=QUEUE_NAME,
        interval=SWEEP_INTERVAL_SECONDS,
        timeout=DELIVERY_TIMEOUT_SECONDS,
        result_ttl=-1,
        description="deliver notifications not delivered yet",
    )
    return due


def register_schedule(scheduler: Scheduler, now: datetime | None = None) -> dict[str, datetime]:
    """All of the app's scheduled jobs, registered idempotently (called at scheduler start)."""
    return {
        NIGHTLY_JOB_ID: register_nightly(scheduler, now),
        SWEEP_JOB_ID: register_sweep(scheduler, now),
    }


__all__ = [
    "NIGHTLY_JOB_ID",
    "QUEUE_NAME",
    "SWEEP_JOB_ID",
    "DeliveryFailed",
    "NightlyReport",
    "ZonedScheduler",
    "app_context",
    "deliver_notifications",
    "deliver_pending",
    "enqueue",
    "enqueue_delivery",
    "get_queue",
    "gym_today",
    "init_app",
    "next_run",
    "nightly_job",
    "redis_connection",
    "register_nightly",
    "register_schedule",
    "register_sweep",
    "run_nightly",
    "set_app",
]

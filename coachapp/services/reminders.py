"""Reminders before each session: one per scheduled session and member, once.

``send_due(now)`` (``flask --app wsgi reminders send``, and the scheduler every 10 minutes) finds
every member due a reminder: the member of a one-to-one session and each confirmed place of a group
class (a waitlist place gets none), for a scheduled session starting within
``COACHAPP_REMINDER_HOURS`` after ``now`` (a cancelled session gets none; one already under way
neither). Each gets an in-app notification (``kind`` ``reminder``), mailed with the session's
``.ics`` unless the member turned reminder mails off on their account page.

"Once" is the database's work, not a check: each reminder is a row in ``reminders_sent`` under a
unique key (session, member, kind, start instant), inserted with ``ON CONFLICT DO NOTHING`` and
``RETURNING``; only the rows this run inserted get a notification. Two runs at once (two workers,
a manual run beside the scheduled one) therefore send each reminder exactly once: on PostgreSQL the
second insert of a key waits for the first transaction and then inserts nothing; on SQLite writers
take turns (``BEGIN IMMEDIATE``). The key holds the start instant, so a session moved after its
reminder gets a new one for its new time.

The work is a fixed number of statements whatever the number of sessions: one query for the due
(session, member) pairs with what the message needs, one insert (in chunks of 1,000 rows), one
insert of their notifications (each mail is then one delivery job's work, as every notification's).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, insert, literal, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Booking, Notification, ReminderSent, TrainingSession, User, utcnow
from ..vocab import BookingStatus, NotificationKind, SessionStatus, SessionType
from .db import is_postgres, transaction, write_lock
from .notifications import PENDING_DELIVERY
from .zones import named_when

log = logging.getLogger(__name__)

INSERT_CHUNK = 1000


@dataclass(frozen=True)
class DueReminder:
    """One member due a reminder of one session, with what the message says."""

    session_id: int
    member_id: int
    starts_at: datetime
    ends_at: datetime
    title: str
    coach_name: str
    member_zone: str | None
    mails: bool


@dataclass(frozen=True)
class _Saved:
    """A notification inserted in bulk, as the transaction's delivery hand-off sees it (an id)."""

    id: int


@dataclass(frozen=True)
class ReminderReport:
    """What a run did: reminders sent (in-app), how many of those were mailed, over how many
    sessions, and how many due ones an earlier (or concurrent) run had sent already."""

    now: datetime
    window_end: datetime
    sent: int
    mailed: int
    sessions: int
    already_sent: int

    def summary(self) -> str:
        """One line for the CLI and the job's log."""
        return (
            f"reminders: sent {self.sent} ({self.mailed} mailed, {self.sent - self.mailed} "
            f"in-app only) for {self.sessions} session(s) starting by "
            f"{self.window_end.isoformat(timespec='minutes')}; "
            f"{self.already_sent} due were sent before"
        )


def reminder_hours() -> int:
    """``COACHAPP_REMINDER_HOURS``: how long before a session its reminder is sent."""
    return int(current_app.config.get("COACHAPP_REMINDER_HOURS") or 24)


def _due(now: datetime, window_end: datetime) -> list[tuple[DueReminder, bool]]:
    """Every (session, member) due a reminder at ``now``, each with whether it was sent before;
    one query, in (session, member) order (the order the keys are inserted in, so two
    concurrent runs wait on each other's rows in the same order and never deadlock)."""
    session = TrainingSession
    due_window = and_(
        session.status == SessionStatus.SCHEDULED,
        session.start_time > now,
        session.start_time <= window_end,
    )
    one_to_one = select(session.id.label("session_id"), session.member_id.label("member_id")).where(
        due_window, session.type == SessionType.ONE_TO_ONE, session.member_id.is_not(None)
    )
    places = (
        select(session.id.label("session_id"), Booking.member_id.label("member_id"))
        .join(Booking, Booking.session_id == session.id)
        .where(
            due_window,
            session.type == SessionType.GROUP,
            Booking.status == BookingStatus.CONFIRMED,
        )
    )
    pairs = union_all(one_to_one, places).subquery("pairs")
    member = aliased(User, name="member")
    coach = aliased(User, name="coach")
    sent = aliased(ReminderSent, name="sent")
    rows = db.session.execute(
        select(
            pairs.c.session_id,
            pairs.c.member_id,
            session.start_time,
            session.end_time,
            session.title,
            coach.name,
            member.timezone,
            member.reminder_mails,
            sent.id.is_not(None),
        )
        .select_from(pairs)
        .join(session, session.id == pairs.c.session_id)
        .join(member, member.id == pairs.c.member_id)
        .join(coach, coach.id == session.coach_id)
        .outerjoin(
            sent,
            and_(
                sent.session_id == pairs.c.session_id,
                sent.member_id == pairs.c.member_id,
                sent.kind == literal(NotificationKind.REMINDER.value),
                sent.starts_at == session.start_time,
            ),
        )
        .where(member.active.is_(True))
        .order_by(pairs.c.session_id, pairs.c.member_id)
    ).all()
    return [
        (
            DueReminder(
                session_id=row[0],
                member_id=row[1],
                starts_at=row[2],
                ends_at=row[3],
                title=row[4],
                coach_name=row[5],
                member_zone=row[6],
                mails=bool(row[7]),
            ),
            bool(row[8]),
        )
        for row in rows
    ]


def _claim(due: list[DueReminder], now: datetime) -> set[tuple[int, int]]:
    """Insert the reminders' keys, skipping any another run holds; the (session, member) pairs
    this run inserted, i.e. the reminders it must send."""
    dialect_insert = pg_insert if is_postgres() else sqlite_insert
    claimed: set[tuple[int, int]] = set()
    for first in range(0, len(due), INSERT_CHUNK):
        chunk = due[first : first + INSERT_CHUNK]
        statement = (
            dialect_insert(ReminderSent)
            .values(
                [
                    {
                        "session_id": item.session_id,
                        "member_id": item.member_id,
                        "kind": NotificationKind.REMINDER.value,
                        "starts_at": item.starts_at,
                        "created_at": now,
                    }
                    for item in chunk
                ]
            )
            .on_conflict_do_nothing(index_elements=["session_id", "member_id", "kind", "starts_at"])
            .returning(ReminderSent.session_id, ReminderSent.member_id)
        )
        claimed.update((row[0], row[1]) for row in db.session.execute(statement))
    return claimed


def _notify(sent: list[DueReminder], now: datetime) -> list[int]:
    """The reminders' in-app notifications, inserted in one statement per 1,000 (the ORM's
    ``notify`` row by row would cost one INSERT each on SQLite); the ids of those to mail. A
    member who turned reminder mails off gets the notification already marked delivered, so
    the delivery job has nothing to send them."""
    created = utcnow()
    to_mail: list[int] = []
    for first in range(0, len(sent), INSERT_CHUNK):
        chunk = sent[first : first + INSERT_CHUNK]
        rows = db.session.execute(
            insert(Notification)
            .values(
                [
                    {
                        "user_id": item.member_id,
                        "kind": NotificationKind.REMINDER.value,
                        "message": message_for(item, now),
                        "session_id": item.session_id,
                        "created_at": created,
                        "delivered_at": None if item.mails else created,
                    }
                    for item in chunk
                ]
            )
            .returning(Notification.id, Notification.delivered_at)
        )
        to_mail.extend(row_id for row_id, delivered in rows if delivered is None)
    return sorted(to_mail)


def message_for(item: DueReminder, now: datetime) -> str:
    """The reminder's text, its times on the member's clock with the zone named."""
    zone = ZoneInfo(item.member_zone or current_app.config["COACHAPP_TIMEZONE"])
    when = named_when(item.starts_at, zone, now, item.ends_at)
    return f"Reminder: {item.title} with {item.coach_name}, {when}."


def send_due(now: datetime | None = None) -> ReminderReport:
    """Send every reminder due at ``now`` (default: the current instant) that no run has sent;
    the notifications are committed with their keys and mailed after the commit."""
    now = now or utcnow()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("send_due needs an aware datetime")
    window_end = now + timedelta(hours=reminder_hours())
    with transaction():
        write_lock()
        found = _due(now, window_end)
        fresh = [item for item, sent_before in found if not sent_before]
        claimed = _claim(fresh, now) if fresh else set()
        sent = [item for item in fresh if (item.session_id, item.member_id) in claimed]
        # handed to the delivery job after the commit, as ``notifications.notify``'s rows are
        db.session.info.setdefault(PENDING_DELIVERY, []).extend(
            _Saved(row_id) for row_id in _notify(sent, now)
        )
    report = ReminderReport(
        now=now,
        window_end=window_end,
        sent=len(sent),
        mailed=sum(item.mails for item in sent),
        sessions=len({item.session_id for item in sent}),
        already_sent=len(found) - len(sent),
    )
    if report.sent:
        log.info(report.summary(), extra={"event": "reminders_sent", "sent": report.sent})
    return report


def set_reminder_mails(member: User, on: bool) -> None:
    """Turn ``member``'s reminder mails on or off (the in-app reminders stay)."""
    with transaction():
        db.session.execute(update(User).where(User.id == member.id).values(reminder_mails=bool(on)))
    db.session.refresh(member)


__all__ = [
    "DueReminder",
    "ReminderReport",
    "message_for",
    "reminder_hours",
    "send_due",
    "set_reminder_mails",
]

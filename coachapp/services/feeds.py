"""Calendar feeds: a secret URL per coach and per member that calendar apps subscribe to.

The URL carries ``users.feed_token`` (made on first use, regenerable: the old URL then stops
working). The feed lists the person's sessions from 30 days back to 6 weeks ahead as iCalendar
(``coachapp.ics``): a coach's own sessions, a member's one-to-one sessions and their places in
group classes (a waitlist place is ``TENTATIVE``, a place given up or a cancelled class
``CANCELLED``), each in its coach's zone with a stable UID.

There is no "updated at" column on sessions, so SEQUENCE and LAST-MODIFIED are derived from what
is stored: a session's creation and cancellation, the person's booking, and the notifications
that report changes (a move, a cancellation, a place that came free). Each such change raises
SEQUENCE by one and moves LAST-MODIFIED forward.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from .. import ics
from ..extensions import db
from ..models import Notification, TrainingSession, User, utcnow
from ..vocab import BookingStatus, EventStatus, NotificationKind, Role, SessionStatus, SessionType
from . import coaches, group_classes, member_views, sessions
from .db import transaction, write_lock

PAST = timedelta(days=30)
AHEAD = timedelta(weeks=6)
TOKEN_BYTES = 32
"""``secrets.token_urlsafe(32)``: 43 characters, 256 bits."""
FEED_ROLES = (Role.COACH, Role.MEMBER)
CHANGE_KINDS = (
    NotificationKind.SESSION_MOVED,
    NotificationKind.SESSION_CANCELLED,
    NotificationKind.PLACE_CONFIRMED,
    NotificationKind.PLACE_CANCELLED,
)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def feed_token_for(user: User) -> str:
    """The user's feed token, made now if they have none yet (two first uses at once agree on
    one: only a NULL token is ever filled in)."""
    if user.feed_token:
        return user.feed_token
    with transaction():
        write_lock()
        db.session.execute(
            update(User)
            .where(User.id == user.id, User.feed_token.is_(None))
            .values(feed_token=secrets.token_urlsafe(TOKEN_BYTES))
        )
    return db.session.scalar(select(User.feed_token).where(User.id == user.id))


def regenerate(actor: User) -> str:
    """Give the actor a new feed token; the URL with the old one answers 404 from now on."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction():
        write_lock()
        db.session.execute(update(User).where(User.id == actor.id).values(feed_token=token))
    return token


def user_for_token(token: str) -> User | None:
    """The active coach or member whose feed token this is, else None."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    user = db.session.scalar(select(User).where(User.feed_token == token))
    if user is None or not user.is_active or user.role not in FEED_ROLES:
        return None
    return user


def sessions_for_feed(user: User, now: datetime | None = None) -> list[TrainingSession]:
    """The sessions in ``user``'s feed, in start order, every status: from 30 days before ``now``
    to 6 weeks after. A coach's own sessions; a member's one-to-one sessions and the group
    classes they hold or held a place in (waitlist included)."""
    now = now or utcnow()
    start, end = now - PAST, now + AHEAD
    if user.role == Role.COACH:
        return sessions.list_sessions(user, coach_id=user.id, start=start, end=end)
    if user.role == Role.MEMBER:
        return sessions.list_sessions(user, member_id=user.id, start=start, end=end)
    return []


def _changes(session_ids: list[int]) -> tuple[dict, dict]:
    """Per session, the instants it was moved; per (session, user), the ``(kind, instant)`` of the
    changes they were told about. One query."""
    moves: dict[int, set[datetime]] = defaultdict(set)
    told: dict[tuple[int, int], list[tuple[str, datetime]]] = defaultdict(list)
    if not session_ids:
        return moves, told
    rows = db.session.execute(
        select(
            Notification.session_id,
            Notification.user_id,
            Notification.kind,
            Notification.created_at,
        ).where(Notification.session_id.in_(session_ids), Notification.kind.in_(CHANGE_KINDS))
    ).all()
    for session_id, user_id, kind, created in rows:
        if kind == NotificationKind.SESSION_MOVED:
            moves[session_id].add(created.replace(microsecond=0))
        told[(session_id, user_id)].append((kind, created))
    return moves, told


def _latest(*instants: datetime | None) -> datetime:
    return max(i for i in instants if i is not None)


def feed_events(user: User, now: datetime | None = None) -> list[ics.FeedEvent]:
    """``user``'s feed as events: what each session is called and its status, for them.

    SEQUENCE counts the changes: each move, a cancellation (of the session or of the member's
    place) and a waitlist place that became a confirmed one.
    """
    return _events(user, sessions_for_feed(user, now))


def session_event(user: User, session: TrainingSession) -> ics.FeedEvent:
    """One session as ``user``'s feed shows it (same summary, STATUS and SEQUENCE), for the
    single-session ``.ics`` download: a file imported again after a change replaces the first."""
    return _events(user, [session])[0]


def _events(user: User, found: list[TrainingSession]) -> list[ics.FeedEvent]:
    zones = {coach.id: coaches.zone_of(settings) for coach, settings in coaches.list_coaches()}
    for session in found:
        if session.coach_id not in zones:
            zones[session.coach_id] = coaches.coach_zone(session.coach_id)
    moves, told = _changes([s.id for s in found])
    if user.role == Role.COACH:
        return [_coach_event(s, zones[s.coach_id], moves[s.id]) for s in found]
    places = group_classes.member_places(
        user.id, [s.id for s in found if s.type == SessionType.GROUP]
    )
    positions = group_classes.waitlist_positions(places.values())
    out = []
    for session in found:
        place = places.get(session.id)
        news = told[(session.id, user.id)]
        summary = f"{session.title} with {session.coach.name}"
        cancelled = session.status == SessionStatus.CANCELLED or (
            place is not None
            and place.status
            in (BookingStatus.CANCELLED_BY_MEMBER, BookingStatus.CANCELLED_BY_COACH)
        )
        status = EventStatus.CANCELLED if cancelled else EventStatus.CONFIRMED
        if not cancelled and place is not None and place.status == BookingStatus.WAITLISTED:
            status = EventStatus.TENTATIVE
            summary = f"Waitlist #{positions.get(place.id, 1)}: {summary}"
        promoted = any(kind == NotificationKind.PLACE_CONFIRMED for kind, _ in news)
        changed = [
            session.created_at,
            session.cancelled_at,
            *moves[session.id],
            *(when for _, when in news),
        ]
        if place is not None:
            changed += [place.created_at, place.cancelled_at]
        out.append(
            ics.FeedEvent(
                session=session,
                zone=zones[session.coach_id],
                summary=summary,
                status=status,
                sequence=len(moves[session.id]) + cancelled + promoted,
                last_modified=_latest(*changed),
                location=session.room.name if session.room else None,
            )
        )
    return out


def _coach_event(session: TrainingSession, zone: ZoneInfo, moved: set[datetime]) -> ics.FeedEvent:
    cancelled = session.status == SessionStatus.CANCELLED
    if session.type == SessionType.GROUP:
        summary = f"{session.title} (group class)"
    else:
        summary = f"{session.title}: {session.member.name}" if session.member else session.title
    return ics.FeedEvent(
        session=session,
        zone=zone,
        summary=summary,
        status=EventStatus.CANCELLED if cancelled else EventStatus.CONFIRMED,
        sequence=len(moved) + cancelled,
        last_modified=_latest(session.created_at, session.cancelled_at, *moved),
        location=session.room.name if session.room else None,
    )


def render_feed(token: str, now: datetime | None = None) -> bytes | None:
    """The iCalendar body of the feed with ``token``, or None when no feed has that token; each
    confirmed event of a scheduled session rings a VALARM when its reminder is sent."""
    from ..notice_mail import reminder_offset

    user = user_for_token(token)
    if user is None:
        return None
    if user.role == Role.COACH:
        zone = coaches.coach_zone(user.id)
    else:
        zone = member_views.member_zone(user)
    now = now or utcnow()
    return ics.feed_calendar(
        feed_events(user, now), f"coachapp · {user.name}", zone, stamp=now, alarm=reminder_offset()
    )


__all__ = [
    "feed_events",
    "session_event",
    "feed_token_for",
    "regenerate",
    "render_feed",
    "sessions_for_feed",
    "user_for_token",
]

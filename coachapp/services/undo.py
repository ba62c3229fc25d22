"""Undo: every resolution on the conflicts page can be taken back for a few seconds.

A resolution that can be undone asks for a token (``offer``): the operation that reverses it and
its arguments, with who may use it and when it was made, signed with the app's secret (salt
``undo``). Undo posts the token back (``apply``): after checking the signature, its age (at most
``UNDO_SECONDS``, plus ``GRACE_SECONDS`` for the network) and that it is the same person's, the
registered reversal runs: a real change through the services, in one transaction, re-checking
that the actor manages the sessions and letting the database's constraints decide races (a time
taken meanwhile refuses the whole undo). Nothing is postponed: the resolution happened, and the
undo is a second change.

A reversal reads the state before it changes anything: when its change has been made already
(a second click, two tabs) it raises ``AlreadyUndone``, which ``apply`` answers with a sentence
saying so, and nothing is done twice.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date, datetime

from flask import current_app
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from ..extensions import db
from ..models import (
    AvailabilityAddition,
    Booking,
    RecurringBooking,
    TrainingSession,
    User,
    utcnow,
)
from ..vocab import (
    ACTIVE_BOOKING_STATUSES,
    BookingStatus,
    Canceller,
    NotificationKind,
    SeriesStatus,
    SessionStatus,
    SessionType,
)
from . import coaches, memberships
from .coach_calendar import users_by_id
from .cover import tell_hand_over
from .db import constraint_name, locked_row, transaction, write_lock
from .errors import (
    AlreadyUndone,
    Conflict,
    Forbidden,
    InPast,
    NoCredits,
    NoMembership,
    NotFound,
    RoomTaken,
    SlotTaken,
    UndoExpired,
    WeeklyLimit,
)
from .notifications import notify, when_for
from .sessions import KEPT_REASON

UNDO_SECONDS = 10
"""How long the conflicts page offers Undo after a resolution."""
GRACE_SECONDS = 5
"""Extra seconds a token stays good: the click travels over the network (and clocks differ)."""
SALT = "undo"
RACE_LOST = ("40P01", "40001")
"""PostgreSQL's deadlock and serialization failures: a concurrent writer won the race."""

Reversal = Callable[..., str]
_REVERSALS: dict[str, Reversal] = {}


def reversal(op: str) -> Callable[[Reversal], Reversal]:
    """Register ``fn(actor, now, **args) -> str`` as the reversal named ``op``: it makes the change
    back (one transaction), re-checking the actor's rights, and returns the sentence for the
    coach; it raises ``AlreadyUndone`` when there is nothing left to reverse."""

    def register(fn: Reversal) -> Reversal:
        _REVERSALS[op] = fn
        return fn

    return register


class _ClockSigner(TimestampSigner):
    """A timestamp from the app's clock (``utcnow``), so a test that pins it pins the age."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=_ClockSigner)


def offer(actor: User, op: str, **args) -> str:
    """A signed token that lets ``actor`` (only them) run reversal ``op`` with ``args`` (JSON
    values: ids, ISO instants and dates) within ``UNDO_SECONDS``. ``op`` must be registered and
    take those arguments (else ValueError / TypeError: a bug of the caller)."""
    if op not in _REVERSALS:
        raise ValueError(f"no reversal named {op!r}")
    # arguments the reversal does not take are the caller's bug: say so now, not at Undo
    inspect.signature(_REVERSALS[op]).bind(actor, None, **args)
    return _serializer().dumps({"a": actor.id, "op": op, "args": args})


def _read(token: object, now: datetime) -> dict:
    """The token's contents if it is ours and young enough."""
    if not isinstance(token, str) or not token or len(token) > 8000:
        raise Forbidden("This Undo is not valid.", field="token")
    try:
        data, signed_at = _serializer().loads(token, return_timestamp=True)
    except BadData as exc:
        raise Forbidden("This Undo is not valid.", field="token") from exc
    age = (now - signed_at).total_seconds()
    if age > UNDO_SECONDS + GRACE_SECONDS or age < -GRACE_SECONDS:
        raise UndoExpired(
            f"Too late to undo: Undo lasts {UNDO_SECONDS} seconds. Change it back by hand.",
            field="token",
        )
    if not isinstance(data, dict) or not isinstance(data.get("args"), dict):
        raise Forbidden("This Undo is not valid.", field="token")
    return data


def apply(actor: User, token: str, now: datetime | None = None) -> str:
    """Undo what ``token`` names, for ``actor``: the reversal's sentence ("Undone: …"), or one
    saying it was undone already. Forbidden for a token that is not ours or someone else's,
    UndoExpired once its seconds are over; a reversal the state refuses raises its own error and
    changes nothing."""
    now = now or utcnow()
    data = _read(token, now)
    if data.get("a") != actor.id:
        raise Forbidden("This Undo belongs to someone else.", field="token")
    fn = _REVERSALS.get(data.get("op"))
    if fn is None:
        raise Forbidden("This Undo is not valid.", field="token")
    try:
        return fn(actor, now, **data["args"])
    except AlreadyUndone as exc:
        return exc.message
    except OperationalError as exc:
        # PostgreSQL broke a deadlock with a concurrent change of the same time: it won
        if getattr(exc.orig, "sqlstate", None) in RACE_LOST:
            raise SlotTaken(
                "Another change to that time got in first; nothing was undone."
            ) from exc
        raise


MAX_SESSIONS = 1000
"""The most sessions one token may name (a series' conflicts are far fewer)."""


def _ids(value: object) -> list[int]:
    """The session ids a token carries (signed by us: a bad one is a bug, said plainly)."""
    if (
        not isinstance(value, list)
        or not 0 < len(value) <= MAX_SESSIONS
        or not all(coaches.is_id(v) for v in value)
    ):
        raise Forbidden("This Undo is not valid.", field="token")
    return sorted(set(value))


def _instant(value: object) -> datetime:
    try:
        instant = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise Forbidden("This Undo is not valid.", field="token") from exc
    if instant.tzinfo is None:
        raise Forbidden("This Undo is not valid.", field="token")
    return instant


def _locked(
    actor: User, session_ids: object, manager_of: int | None = None, locked: bool = False
) -> list[TrainingSession]:
    """Take the write lock (unless the transaction holds it: ``locked``), then the sessions
    (row-locked), in start order. Each must be one the actor sees and manages, or, with
    ``manager_of``, the actor must manage that coach (a session given to a cover coach is no
    longer the giver's to see)."""
    ids = _ids(session_ids)
    if not locked:
        write_lock()
    rows = list(
        db.session.scalars(
            select(TrainingSession)
            .where(TrainingSession.id.in_(ids))
            .order_by(TrainingSession.start_time, TrainingSession.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    found = {s.id for s in rows}
    for session_id in ids:
        if session_id not in found:
            raise NotFound(f"There is no session with id {session_id}.")
    if manager_of is not None:
        coaches.require_manager(actor, manager_of)
        return rows
    for session in rows:
        if not coaches.can_see_session(actor, session):
            raise NotFound(f"There is no session with id {session.id}.")
        coaches.require_manager(actor, session.coach_id)
    return rows


def _attending(sessions: list[TrainingSession]) -> dict[int, list[int]]:
    """Per session, its member and the members of its active bookings (one statement)."""
    out = {s.id: ([] if s.member_id is None else [s.member_id]) for s in sessions}
    rows = db.session.execute(
        select(Booking.session_id, Booking.member_id)
        .where(Booking.session_id.in_(list(out)), Booking.status.in_(ACTIVE_BOOKING_STATUSES))
        .order_by(Booking.created_at, Booking.id)
    )
    for session_id, member_id in rows:
        if member_id not in out[session_id]:
            out[session_id].append(member_id)
    return out


def _names(user_ids: list[int]) -> list[str]:
    if not user_ids:
        return []
    return sorted(db.session.scalars(select(User.name).where(User.id.in_(user_ids))))


def _when(session: TrainingSession, start: datetime | None = None) -> str:
    """A session's time on its coach's clock (``Tue 2 Mar 2027 10:00``)."""
    return coaches.describe(start or session.start_time, coaches.coach_zone(session.coach_id))


def _summary(sessions: list[TrainingSession], attending: dict[int, list[int]]) -> tuple[str, str]:
    """What the coach's sentence calls the sessions (``Ben Okafor's 6 sessions``, ``the session
    on Tue 2 Mar 2027 10:00``) and who was told (``; Ben Okafor was told``)."""
    members = sorted({m for ids in attending.values() for m in ids})
    names = _names(members)
    n = len(sessions)
    kind = f"{sessions[0].title} class" if sessions[0].type == SessionType.GROUP else "session"
    what = f"{kind} on {_when(sessions[0])}" if n == 1 else f"{n} sessions"
    if len(names) == 1:
        return f"{names[0]}'s {what}", f"; {names[0]} was told"
    if not names:
        return f"the {what}", ""
    if len(names) > 3:
        who = f"{', '.join(names[:3])} and {len(names) - 3} more"
    else:
        who = f"{', '.join(names[:-1])} and {names[-1]}"
    return f"the {what}", f"; {who} were told"


def _is_are(sessions: list) -> str:
    return "is" if len(sessions) == 1 else "are"


def _clash(
    session: TrainingSession, coach_id: int, start: datetime, end: datetime, room_id, ignore
) -> str | None:
    """Why ``session`` cannot be scheduled at ``[start, end)`` with ``coach_id`` in ``room_id``:
    another scheduled session of that coach, or in that room, then (the check before the
    database's own constraints, for a message that says which)."""
    overlapping = select(TrainingSession.coach_id, TrainingSession.room_id).where(
        TrainingSession.status == SessionStatus.SCHEDULED,
        TrainingSession.start_time < end,
        TrainingSession.end_time > start,
        TrainingSession.id.not_in(list(ignore)),
    )
    for other_coach, other_room in db.session.execute(overlapping):
        if other_coach == coach_id:
            return f"{_when(session, start)} has been taken by another session meanwhile"
        if room_id is not None and other_room == room_id:
            return f"the room is taken on {_when(session, start)} by another session meanwhile"
    return None


def _flush(refusal: str) -> None:
    """Write the changes now: the database's overlap constraints decide a race (PostgreSQL),
    and a refusal undoes nothing."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        if "room_overlap" in constraint_name(exc):
            raise RoomTaken(f"The room has just been taken; {refusal}") from exc
        raise SlotTaken(f"That time has just been taken; {refusal}") from exc


def _draw(member_id: int, session: TrainingSession) -> int | None:
    """A credit for ``member_id``'s session or place again (the cancel gave it back), as a
    booking draws it; refused in the coach's words when none is left."""
    try:
        held = memberships.draw(member_id, session.type, memberships.local_date(session.start_time))
    except (NoMembership, NoCredits, WeeklyLimit) as exc:
        name = _names([member_id])[0]
        raise Conflict(
            f"{name} has no membership credit for {_when(session)} any more; nothing was undone."
        ) from exc
    return None if held is None else held.id


def _restore(actor: User, sessions: list[TrainingSession], now: datetime) -> list[TrainingSession]:
    """Put the coach-cancelled ``sessions`` (locked) back on, with the places their cancel
    cancelled, the credits drawn again, and their members told; returns the ones brought back.
    AlreadyUndone when none is cancelled any more. All or nothing."""
    cancelled = [s for s in sessions if s.status == SessionStatus.CANCELLED]
    if not cancelled:
        if all(s.status == SessionStatus.SCHEDULED for s in sessions):
            raise AlreadyUndone("Already undone: those sessions are back on.")
        raise Conflict("Those sessions have taken place; there is nothing to undo.")
    ignore = {s.id for s in sessions}
    for session in cancelled:
        if session.cancelled_by != Canceller.COACH:
            raise Conflict(
                f"The member cancelled {_when(session)} themself; it stays cancelled. "
                "Nothing was undone."
            )
        if session.start_time <= now:
            raise InPast(f"{_when(session)} has started; nothing was undone.")
        why = _clash(
            session, session.coach_id, session.start_time, session.end_time, session.room_id, ignore
        )
        if why is not None:
            raise SlotTaken(f"Cannot undo: {why}. Nothing was changed.")
    places = {s.id: [] for s in cancelled}
    for booking in db.session.scalars(
        select(Booking)
        .where(
            Booking.session_id.in_(list(places)),
            Booking.status == BookingStatus.CANCELLED_BY_COACH,
        )
        .order_by(Booking.created_at, Booking.id)
    ):
        places[booking.session_id].append(booking)
    # The credits are drawn first and each row is then written once: a session row written
    # twice would meet a concurrent booking of its time in the overlap constraint twice, each
    # waiting for the other (a deadlock on PostgreSQL) instead of one of them being refused.
    plan = []
    for session in cancelled:
        seats = session.capacity if session.type == SessionType.GROUP else 1
        back = []
        for booking in places[session.id]:
            if booking.cancelled_at != session.cancelled_at:
                continue  # cancelled before, on its own: it stays so
            # first come, first placed: the places the class had, then its waitlist
            back.append(
                (booking, BookingStatus.CONFIRMED if seats > 0 else BookingStatus.WAITLISTED)
            )
            seats -= 1
        held, credits = None, {}
        if session.type == SessionType.GROUP:
            for booking, status in back:
                if status == BookingStatus.CONFIRMED and booking.membership_id is None:
                    credits[booking.id] = _draw(booking.member_id, session)
        elif session.member_id is not None and session.membership_id is None:
            held = _draw(session.member_id, session)
            credits = {booking.id: held for booking, _ in back}  # the one-time booking's copy
        plan.append((session, back, held, credits))
    for session, back, held, credits in plan:
        session.status = SessionStatus.SCHEDULED
        session.cancelled_by = None
        session.cancelled_at = None
        if held is not None:
            session.membership_id = held
        for booking, status in back:
            booking.status = status
            booking.cancelled_at = None
            booking.late_cancel = False
            if credits.get(booking.id) is not None:
                booking.membership_id = credits[booking.id]
    _flush("nothing was undone.")
    _tell_back_on(cancelled, _attending(cancelled), now)
    return cancelled


def _tell_back_on(
    sessions: list[TrainingSession], attending: dict[int, list[int]], now: datetime
) -> None:
    """Tell each member once that their sessions are back on."""
    members = sorted({m for ids in attending.values() for m in ids})
    coach_names = dict(
        db.session.execute(
            select(User.id, User.name).where(User.id.in_({s.coach_id for s in sessions}))
        ).all()
    )
    for member_id in members:
        theirs = [s for s in sessions if member_id in attending[s.id]]
        first = theirs[0]
        what = f"Your {first.title} class" if first.type == SessionType.GROUP else "Your session"
        with_whom = coach_names[first.coach_id]
        if len(theirs) == 1:
            message = (
                f"{what} on {when_for(member_id, first.start_time, now)} with {with_whom} is back "
                "on: your coach undid its cancellation."
            )
        else:
            message = (
                f"Your {len(theirs)} sessions with {with_whom} from "
                f"{when_for(member_id, first.start_time, now)} on are back on: your coach undid "
                "their cancellation."
            )
        notify(member_id, NotificationKind.SESSION_RESTORED, message, session_id=first.id)


@reversal("uncancel")
def uncancel(actor: User, now: datetime, session_ids: list[int]) -> str:
    """Sessions the coach cancelled (a conflict's Cancel, a series' Cancel all) go back on, with
    their places and credits; their members are told. Refused, and nothing changed, when one of
    their times has been taken meanwhile (the overlap constraints decide races)."""
    with transaction():
        restored = _restore(actor, _locked(actor, session_ids), now)
        subject, told = _summary(restored, _attending(restored))
    return f"Undone: {subject} {_is_are(restored)} back on{told}."


@reversal("unkeep")
def unkeep(actor: User, now: datetime, session_ids: list[int]) -> str:
    """Remove the additions ``sessions.keep`` made for exactly these sessions (their slot, room
    and reason), so they are conflicts again. Nobody was told of the keep, so nobody is told."""
    with transaction():
        sessions = _locked(actor, session_ids)
        removed = []
        for session in sessions:
            room = AvailabilityAddition.room_id
            addition = db.session.scalars(
                select(AvailabilityAddition)
                .where(
                    AvailabilityAddition.coach_id == session.coach_id,
                    AvailabilityAddition.start_time == session.start_time,
                    AvailabilityAddition.end_time == session.end_time,
                    AvailabilityAddition.reason == KEPT_REASON,
                    room.is_(None) if session.room_id is None else room == session.room_id,
                )
                .order_by(AvailabilityAddition.id.desc())
                .limit(1)
            ).first()
            if addition is not None:
                db.session.delete(addition)
                removed.append(session)
        if not removed:
            raise AlreadyUndone("Already undone: those sessions are conflicts again.")
        subject, _ = _summary(removed, _attending(removed))
    noun = "a conflict" if len(removed) == 1 else "conflicts"
    return f"Undone: {subject} {_is_are(removed)} {noun} again (the extra slot is gone)."


@reversal("move_back")
def move_back(
    actor: User, now: datetime, session_id: int, start: str, end: str, room_id: int | None = None
) -> str:
    """Move a session back to the time it had (``start``/``end``, ISO instants), whether or not
    the coach's availability covers it (it was a conflict there), in ``room_id`` (its room
    before the move) when free, else the room it has now, else the coach's default room; the
    credit follows the date (``memberships.follow_move``) and its members are told."""
    old_start, old_end = _instant(start), _instant(end)
    if old_end <= old_start:
        raise Forbidden("This Undo is not valid.", field="token")
    with transaction():
        (session,) = _locked(actor, [session_id])
        if (session.start_time, session.end_time) == (old_start, old_end):
            raise AlreadyUndone("Already undone: the session is back at its old time.")
        if session.status != SessionStatus.SCHEDULED:
            raise Conflict("This session is no longer scheduled; it cannot be moved back.")
        if session.start_time <= now or old_start <= now:
            raise InPast("Too late to move it back: the session or its old time has started.")
        default_room = coaches.get_settings(session.coach_id).default_room_id
        rooms = [r for r in (room_id, session.room_id, default_room) if r is not None] or [None]
        why = None
        for room in rooms:
            why = _clash(session, session.coach_id, old_start, old_end, room, {session.id})
            if why is None:
                break
        if why is not None:
            raise SlotTaken(f"Cannot undo: {why}. Nothing was changed.")
        moved_from = session.start_time
        session.start_time, session.end_time, session.room_id = old_start, old_end, room
        _flush("the session stays where it is.")
        try:
            memberships.follow_move(session, moved_from)
        except (NoMembership, NoCredits, WeeklyLimit) as exc:
            raise Conflict(
                "The member has no membership credit for the old date any more; nothing was undone."
            ) from exc
        attending = _attending([session])
        coach = db.session.get(User, session.coach_id)
        for member_id in attending[session.id]:
            notify(
                member_id,
                NotificationKind.SESSION_MOVED,
                f"Your session on {when_for(member_id, moved_from, now)} with {coach.name} was "
                f"moved back to {when_for(member_id, old_start, now, old_end)} by your coach.",
                session_id=session.id,
            )
        names = _names(attending[session.id])
        whose = f"{names[0]}'s session" if len(names) == 1 else "the session"
        told = f"; {', '.join(names)} {'was' if len(names) == 1 else 'were'} told" if names else ""
        when = _when(session)
    return f"Undone: {whose} is back on {when}{told}."


@reversal("unend")
def unend(
    actor: User,
    now: datetime,
    series_id: int,
    ends_on: str | None = None,
    session_ids: list[int] | None = None,
) -> str:
    """A recurring booking that was ended runs again: its end date as it was (``ends_on``, ISO
    date or None), active, and the sessions the end cancelled (``session_ids``) back on."""
    until = None
    if ends_on is not None:
        try:
            until = date.fromisoformat(str(ends_on))
        except ValueError as exc:
            raise Forbidden("This Undo is not valid.", field="token") from exc
    with transaction():
        write_lock()
        series = locked_row(RecurringBooking, series_id)
        if series is None or not coaches.is_party(actor, series.coach_id, series.member_id):
            raise NotFound(f"There is no recurring booking with id {series_id}.")
        coaches.require_manager(actor, series.coach_id)
        sessions = _locked(actor, session_ids, locked=True) if session_ids else []
        if (
            series.status == SeriesStatus.ACTIVE
            and series.end_date == until
            and all(s.status == SessionStatus.SCHEDULED for s in sessions)
        ):
            raise AlreadyUndone("Already undone: the recurring booking runs again.")
        series.status = SeriesStatus.ACTIVE
        series.cancelled_at = None
        series.end_date = until
        restored = []
        if any(s.status == SessionStatus.CANCELLED for s in sessions):
            restored = _restore(actor, sessions, now)
        _flush("nothing was undone.")
        attending = _attending(restored)
        subject, told = _summary(restored, attending) if restored else ("", "")
    runs = "runs again" + (f" until {until:%-d %b %Y}" if until else "")
    back = f"; {subject} {_is_are(restored)} back on{told}" if restored else ""
    return f"Undone: the recurring booking {runs}{back}."


@reversal("give_back")
def give_back(actor: User, now: datetime, session_ids: list[int], coach_id: int) -> str:
    """Sessions given to a cover coach go back to ``coach_id`` (their coach before), whether or
    not that coach's availability covers them (they were conflicts there); each keeps its room.
    The members, the cover coach and (when someone else undoes it) the coach are told. The
    sessions are no longer ``coach_id``'s to see: that they were (the hand-over this undoes) is
    what the signed token, minted for this actor right after it, vouches for; the actor must
    still manage ``coach_id``."""
    original = coaches.get_coach(coach_id)
    with transaction():
        sessions = _locked(actor, session_ids, manager_of=original.id)
        away = [s for s in sessions if s.coach_id != original.id]
        if not away:
            raise AlreadyUndone(f"Already undone: those sessions are {original.name}'s again.")
        ignore = {s.id for s in sessions}
        for session in away:
            if session.status != SessionStatus.SCHEDULED or session.start_time <= now:
                raise Conflict(
                    f"{_when(session)} is no longer scheduled ahead; nothing was undone."
                )
            why = _clash(session, original.id, session.start_time, session.end_time, None, ignore)
            if why is not None:
                raise SlotTaken(
                    f"Cannot undo: {original.name} has another session on {_when(session)}. "
                    "Nothing was changed."
                )
        covers = list(users_by_id({s.coach_id for s in away}).values())
        for session in away:
            session.coach_id = original.id
        _flush("nothing was undone.")
        attending = _attending(away)
        tell_hand_over(actor, away, original, covers, now, undone=True, attending=attending)
        subject, told = _summary(away, attending)
    return f"Undone: {subject} {_is_are(away)} {original.name}'s again{told}."


__all__ = ["GRACE_SECONDS", "UNDO_SECONDS", "apply", "offer", "reversal"]

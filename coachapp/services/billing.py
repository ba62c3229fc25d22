"""Monthly statements: per member, each session of the month and whether it is billable.

A line a membership covers (the session or place holds one of its credits: ``membership_id``) is
not charged per session: it is not billable, whatever its status, and the statement counts it
among the credits used instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Booking, CoachSettings, TrainingSession, User
from ..scheduling import local_datetime
from ..vocab import BookingStatus, Canceller, Role, SessionStatus, SessionType
from .coaches import FIRST_YEAR, LAST_YEAR, is_id
from .errors import Forbidden, ValidationFailed
from .sessions import is_late_cancel

_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class StatementLine:
    """One session on a statement. ``note`` explains the status (``late cancel`` …);
    ``membership_id`` names the membership whose credit covers it (then it is not billable)."""

    session_id: int
    date: date
    start_time: datetime
    end_time: datetime
    coach_id: int
    coach_name: str
    type: str
    status: str
    billable: bool
    note: str | None
    membership_id: int | None = None

    @property
    def covered(self) -> bool:
        """Whether a membership's credit pays for this line."""
        return self.membership_id is not None


@dataclass(frozen=True)
class Statement:
    """A member's sessions of one month, how many of them are billable (charged per session),
    and how many a membership covers (``credits_used``)."""

    member_id: int
    member_name: str
    month: str
    lines: list[StatementLine]
    billable_count: int

    @property
    def credits_used(self) -> int:
        """How many of the month's lines hold a membership's credit."""
        return sum(1 for line in self.lines if line.covered)


def month_bounds(month: object, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants from the first of ``month`` ("YYYY-MM") to the first of the next, in ``tz``."""
    match = _MONTH.fullmatch(month.strip()) if isinstance(month, str) else None
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ValidationFailed("give a month as YYYY-MM, e.g. 2027-03.", field="month")
    year, number = int(match[1]), int(match[2])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(f"use a month between {FIRST_YEAR} and {LAST_YEAR}.", field="month")
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return local_datetime(first, 0, tz), local_datetime(following, 0, tz)


def _billing(
    session: TrainingSession, booking: Booking | None, window_hours: int
) -> tuple[bool, str | None]:
    """Whether a session is billable, and why: held and no-shows are, late member cancellations too."""
    if session.status == SessionStatus.COMPLETED:
        return True, None
    if session.status == SessionStatus.NO_SHOW:
        return True, "no-show"
    if session.status == SessionStatus.SCHEDULED:
        return False, SessionStatus.SCHEDULED
    if session.cancelled_by == Canceller.MEMBER:
        if booking is not None:
            late = bool(booking.late_cancel)
        else:
            cancelled = session.cancelled_at or session.start_time
            late = is_late_cancel(session.start_time, window_hours, cancelled)
        return (True, "late cancel") if late else (False, "cancelled in time")
    return False, "cancelled by coach"


def _place_billing(session: TrainingSession, booking: Booking) -> tuple[str, bool, str | None]:
    """A member's place in a group class as a statement sees it: the status for that member
    (their own cancellation or no-show, else the class's), whether it is billable, and why."""
    if booking.status == BookingStatus.NO_SHOW or (
        session.status == SessionStatus.NO_SHOW and booking.status == BookingStatus.CONFIRMED
    ):
        return SessionStatus.NO_SHOW, True, "no-show"
    if booking.status == BookingStatus.CANCELLED_BY_MEMBER:
        if booking.late_cancel:
            return SessionStatus.CANCELLED, True, "late cancel"
        return SessionStatus.CANCELLED, False, "cancelled in time"
    if (
        booking.status == BookingStatus.CANCELLED_BY_COACH
        or session.status == SessionStatus.CANCELLED
    ):
        return SessionStatus.CANCELLED, False, "cancelled by coach"
    if session.status == SessionStatus.COMPLETED:
        return SessionStatus.COMPLETED, True, None
    return session.status, False, SessionStatus.SCHEDULED


def _places(
    start: datetime, end: datetime, member_id: int | None, coach_id: int | None
) -> list[tuple[Booking, TrainingSession]]:
    """Members' places in the group classes of the month (never a waitlist entry that was not
    promoted and is still waiting), each with its class; one query."""
    query = (
        select(Booking, TrainingSession)
        .join(TrainingSession, TrainingSession.id == Booking.session_id)
        .where(
            TrainingSession.type == SessionType.GROUP,
            TrainingSession.start_time >= start,
            TrainingSession.start_time < end,
            Booking.status != BookingStatus.WAITLISTED,
        )
        .options(selectinload(Booking.member), selectinload(TrainingSession.coach))
    )
    if member_id is not None:
        query = query.where(Booking.member_id == member_id)
    if coach_id is not None:
        query = query.where(TrainingSession.coach_id == coach_id)
    return [(b, s) for b, s in db.session.execute(query).all()]


def statements(actor: User, month: str, member_id: int | None = None) -> list[Statement]:
    """Per member, the one-to-one sessions and group class places of ``month`` (the gym's zone)
    with what is billable: completed sessions, no-shows and late cancellations by the member; not
    coach cancellations, not timely ones, not sessions still to come, not waitlist entries, not
    what a membership's credit covers. A
    member gets only their own statement, a coach the statements of their own sessions, an admin
    everyone's.
    """
    tz = ZoneInfo(current_app.config["COACHAPP_TIMEZONE"])
    start, end = month_bounds(month, tz)
    query = select(TrainingSession).where(
        TrainingSession.start_time >= start,
        TrainingSession.start_time < end,
        TrainingSession.member_id.is_not(None),
    )
    if actor.role == Role.MEMBER:
        if member_id is not None and member_id != actor.id:
            raise Forbidden("Members see only their own statement.")
        member_id = actor.id
    elif actor.role == Role.COACH:
        query = query.where(TrainingSession.coach_id == actor.id)
    elif actor.role != Role.ADMIN:
        raise Forbidden("You may not see statements.")
    if member_id is not None:
        if not is_id(member_id):
            return []
        query = query.where(TrainingSession.member_id == member_id)
    sessions = list(
        db.session.scalars(
            query.options(
                selectinload(TrainingSession.coach), selectinload(TrainingSession.member)
            ).order_by(TrainingSession.member_id, TrainingSession.start_time, TrainingSession.id)
        )
    )
    places = _places(start, end, member_id, actor.id if actor.role == Role.COACH else None)
    if not sessions and not places:
        return []
    booking_ids = {s.one_time_booking_id for s in sessions if s.one_time_booking_id is not None}
    bookings = (
        {b.id: b for b in db.session.scalars(select(Booking).where(Booking.id.in_(booking_ids)))}
        if booking_ids
        else {}
    )
    coach_ids = {s.coach_id for s in sessions} | {s.coach_id for _, s in places}
    windows = dict(
        db.session.execute(
            select(CoachSettings.coach_id, CoachSettings.cancellation_window_hours).where(
                CoachSettings.coach_id.in_(coach_ids)
            )
        ).all()
    )
    by_member: dict[int, list[StatementLine]] = {}
    names: dict[int, str] = {}
    for session in sessions:
        booking = bookings.get(session.one_time_booking_id)
        billable, note = _billing(session, booking, windows.get(session.coach_id, 24))
        membership_id = session.membership_id or (booking.membership_id if booking else None)
        names[session.member_id] = session.member.name if session.member else ""
        by_member.setdefault(session.member_id, []).append(
            StatementLine(
                session_id=session.id,
                date=session.start_time.astimezone(tz).date(),
                start_time=session.start_time,
                end_time=session.end_time,
                coach_id=session.coach_id,
                coach_name=session.coach.name,
                type=session.type,
                status=session.status,
                billable=billable and membership_id is None,
                note=note,
                membership_id=membership_id,
            )
        )
    for booking, session in places:
        status, billable, note = _place_billing(session, booking)
        names[booking.member_id] = booking.member.name
        by_member.setdefault(booking.member_id, []).append(
            StatementLine(
                session_id=session.id,
                date=session.start_time.astimezone(tz).date(),
                start_time=session.start_time,
                end_time=session.end_time,
                coach_id=session.coach_id,
                coach_name=session.coach.name,
                type=session.type,
                status=status,
                billable=billable and booking.membership_id is None,
                note=note,
                membership_id=booking.membership_id,
            )
        )
    if places:
        for lines in by_member.values():
            lines.sort(key=lambda line: (line.start_time, line.session_id))
    return [
        Statement(
            member_id=member,
            member_name=names[member],
            month=month.strip(),
            lines=lines,
            billable_count=sum(1 for line in lines if line.billable),
        )
        for member, lines in by_member.items()
    ]

"""Read-side use cases of the member pages: what a member sees before and after booking.

Built on the booking services and the scheduling core, never beside them: the next free slot of
every coach is the core's ``bookable_slots`` over the same inputs ``slots.bookable_slots`` uses,
only loaded for all coaches at once (``coach_calendar.load_many``, not one set per coach).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import (
    Booking,
    CoachSettings,
    RecurringBooking,
    TrainingSession,
    User,
    utcnow,
)
from ..scheduling.booking_rules import BookingRules
from ..vocab import (
    ACTIVE_BOOKING_STATUSES,
    BookingStatus,
    Canceller,
    SessionStatus,
    SessionType,
)
from . import booking_rules, coach_calendar, coaches, group_classes, sessions, slots
from .sessions import is_late_cancel
from .slots import Slot

NEXT_SLOT_HORIZON_DAYS = 28
"""How far ahead ``/book`` looks for a coach's next free slot."""

PAST_DAYS = 90
"""How far back ``/me/sessions`` lists past sessions."""


def member_zone(user: User) -> ZoneInfo:
    """The zone a member reads times in: their own (users.timezone), else the gym's."""
    return ZoneInfo(user.timezone or current_app.config["COACHAPP_TIMEZONE"])


@dataclass(frozen=True)
class CoachOffer:
    """A coach a member can book, with their zone and next free slot (None: nothing soon)."""

    coach: User
    settings: CoachSettings
    zone: ZoneInfo
    next_slot: Slot | None


def coach_offers(
    now: datetime | None = None,
    horizon_days: int = NEXT_SLOT_HORIZON_DAYS,
    actor: User | None = None,
) -> list[CoachOffer]:
    """Every active coach with their next bookable one-to-one slot within ``horizon_days``;
    with a member ``actor``, the next slot that member may book (the coach's booking rules).

    The same rule as ``slots.bookable_slots`` (``slots.slots_from``: weekly one-to-one windows
    minus blocked slots plus additions, minus scheduled sessions, on the coach's duration grid, not
    started, with a free room), on every coach's calendar read at once
    (``coach_calendar.load_many``: two statements, whatever the number of coaches).
    """
    now = now or utcnow()
    offers = coaches.list_coaches()
    if not offers:
        return []
    lo = now - timedelta(days=2)
    hi = now + timedelta(days=horizon_days + 2)
    calendars = coach_calendar.load_many([s for _, s in offers], lo, hi, now, rooms=True)

    result = []
    for coach, settings in offers:
        tz = coaches.zone_of(settings)
        today = now.astimezone(tz).date()
        calendar = calendars[coach.id]
        found = slots.slots_from(
            settings,
            calendar.windows,
            calendar.blocked,
            calendar.additions,
            calendar.scheduled_in(lo, hi),
            today,
            today + timedelta(days=horizon_days - 1),
            now,
            held=calendar.held,
            limit=1,
            rules=booking_rules.for_actor(actor, settings),
        )
        result.append(CoachOffer(coach, settings, tz, found[0] if found else None))
    return result


@dataclass(frozen=True)
class CoachCard:
    """What a member sees of a coach on the booking page (plain values, safe to keep and share)."""

    id: int
    name: str
    timezone: str
    default_duration: int
    rules: BookingRules
    horizon_message: str


def coach_card(coach_id: int) -> CoachCard:
    """The coach's card, with the booking rules a member is bound by; NotFound unless
    ``coach_id`` is a coach."""
    coach, settings = coach_calendar.coach_with_settings(coach_id)
    return CoachCard(
        coach.id,
        coach.name,
        settings.timezone,
        settings.default_duration,
        booking_rules.rules_of(settings),
        booking_rules.horizon_message(settings),
    )


@dataclass(frozen=True)
class DaySlots:
    """One local date of a coach and the slots open on it (possibly none)."""

    day: date
    slots: list[Slot] = field(default_factory=list)


def slot_days(
    coach_id: int,
    first_day: date,
    days: int,
    now: datetime | None = None,
    rules: BookingRules | None = None,
) -> list[DaySlots]:
    """A coach's open slots on ``days`` local dates from ``first_day``, grouped by date (with
    ``rules``, only those the member may book)."""
    last_day = first_day + timedelta(days=days - 1)
    found = slots.bookable_slots(coach_id, first_day, last_day, now=now, rules=rules)
    grouped: dict[date, list[Slot]] = defaultdict(list)
    for slot in found:
        grouped[slot.start.date()].append(slot)
    return [
        DaySlots(first_day + timedelta(days=i), grouped.get(first_day + timedelta(days=i), []))
        for i in range(days)
    ]


def find_slot(
    coach_id: int,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
    rules: BookingRules | None = None,
) -> Slot | None:
    """The open slot exactly ``[start, end)`` of a coach, or None when it is not (or no longer)
    open (with ``rules``: to that member)."""
    tz = coaches.zone_of(coach_calendar.settings_of(coach_id))
    day = start.astimezone(tz).date()
    for slot in slots.bookable_slots(coach_id, day, day, now=now, rules=rules):
        if slot.start == start and slot.end == end:
            return slot
    return None


def nearest_free_slots(
    coach_id: int,
    around: datetime,
    count: int = 4,
    now: datetime | None = None,
    rules: BookingRules | None = None,
) -> list[Slot]:
    """The ``count`` open slots of a coach closest in time to ``around`` (a slot just taken),
    in time order: what to offer instead (with ``rules``: what that member may book)."""
    now = now or utcnow()
    tz = coaches.zone_of(coach_calendar.settings_of(coach_id))
    today = now.astimezone(tz).date()
    center = around.astimezone(tz).date()
    first_day = max(today, center - timedelta(days=3))
    last_day = max(first_day, center + timedelta(days=7))
    found = slots.bookable_slots(coach_id, first_day, last_day, now=now, rules=rules)
    if len(found) < count:
        found = slots.bookable_slots(
            coach_id, first_day, first_day + timedelta(days=27), now=now, rules=rules
        )
    closest = sorted(found, key=lambda s: (abs((s.start - around).total_seconds()), s.start))
    return sorted(closest[:count], key=lambda s: s.start)


@dataclass(frozen=True)
class SessionItem:
    """A member's session as the list shows it: the row, its coach's cancellation window, whether
    cancelling now would be late, and whether it was cancelled late. For a group class, ``place``
    is the member's booking in it and ``waitlist_position`` their place in the queue (1 = next)."""

    session: TrainingSession
    window_hours: int
    late_now: bool
    cancelled_late: bool
    series: RecurringBooking | None = None
    place: Booking | None = None
    waitlist_position: int | None = None

    @property
    def is_class(self) -> bool:
        """Whether this is a group class (the member holds a place, not the session)."""
        return self.session.type == SessionType.GROUP

    @property
    def place_active(self) -> bool:
        """For a class: whether the member's place (or waitlist entry) still stands."""
        return self.place is not None and self.place.status in ACTIVE_BOOKING_STATUSES

    def cancellable(self, now: datetime) -> bool:
        """Whether the member may still cancel it at ``now`` (a class: leave it)."""
        upcoming = self.session.status == SessionStatus.SCHEDULED and self.session.start_time > now
        return upcoming and (not self.is_class or self.place_active)


@dataclass(frozen=True)
class MySessions:
    """Upcoming sessions (soonest first) and past ones (latest first) of a member."""

    upcoming: list[SessionItem]
    past: list[SessionItem]


def my_sessions(actor: User, now: datetime | None = None, past_days: int = PAST_DAYS) -> MySessions:
    """The actor's sessions, every status, from ``past_days`` ago on: cancelled ones stay listed."""
    now = now or utcnow()
    rows = sessions.list_sessions(actor, member_id=actor.id, start=now - timedelta(days=past_days))
    items = _items(rows, now, actor.id)
    upcoming = [i for i in items if i.session.end_time > now]
    past = [i for i in items if i.session.end_time <= now]
    past.reverse()
    return MySessions(upcoming, past)


def session_item(actor: User, session_id: int, now: datetime | None = None) -> SessionItem:
    """One of the actor's sessions as a SessionItem (NotFound when not theirs)."""
    now = now or utcnow()
    return _items([sessions.get_session(actor, session_id)], now, actor.id)[0]


def _items(rows: list[TrainingSession], now: datetime, member_id: int) -> list[SessionItem]:
    if not rows:
        return []
    places = group_classes.member_places(
        member_id, [r.id for r in rows if r.type == SessionType.GROUP]
    )
    positions = group_classes.waitlist_positions(places.values())
    windows = dict(
        db.session.execute(
            select(CoachSettings.coach_id, CoachSettings.cancellation_window_hours).where(
                CoachSettings.coach_id.in_({r.coach_id for r in rows})
            )
        ).all()
    )
    one_time_ids = [r.one_time_booking_id for r in rows if r.one_time_booking_id is not None]
    late_bookings: set[int] = set()
    if one_time_ids:
        late_bookings = set(
            db.session.scalars(
                select(Booking.id).where(
                    Booking.id.in_(one_time_ids), Booking.late_cancel.is_(True)
                )
            )
        )
    series_ids = {r.recurring_booking_id for r in rows if r.recurring_booking_id is not None}
    series: dict[int, RecurringBooking] = {}
    if series_ids:
        series = {
            s.id: s
            for s in db.session.scalars(
                select(RecurringBooking).where(RecurringBooking.id.in_(series_ids))
            )
        }
    out = []
    for row in rows:
        window = windows.get(row.coach_id, 24)
        place = places.get(row.id)
        late_now = is_late_cancel(row.start_time, window, now)
        if place is not None:
            cancelled_late = bool(place.late_cancel)
            # leaving a waitlist is never late
            late_now = late_now and place.status == BookingStatus.CONFIRMED
        elif row.one_time_booking_id is not None:
            cancelled_late = row.one_time_booking_id in late_bookings
        else:
            cancelled_late = (
                row.status == SessionStatus.CANCELLED
                and row.cancelled_by == Canceller.MEMBER
                and row.cancelled_at is not None
                and is_late_cancel(row.start_time, window, row.cancelled_at)
            )
        out.append(
            SessionItem(
                row,
                window,
                late_now,
                cancelled_late,
                series.get(row.recurring_booking_id),
                place,
                positions.get(place.id) if place is not None else None,
            )
        )
    return out


CLASS_HORIZON_DAYS = 28
"""How far ahead ``/book`` lists group classes."""


@dataclass(frozen=True)
class ClassOffer:
    """A group class as a member sees it: places left, their own place (``place``, the latest
    booking, maybe cancelled) and waitlist position, and whether leaving now would be late."""

    group: group_classes.GroupClass
    zone: ZoneInfo
    window_hours: int
    place: Booking | None = None
    position: int | None = None
    late_now: bool = False

    @property
    def session(self) -> TrainingSession:
        """The class's session row."""
        return self.group.session

    @property
    def status(self) -> str | None:
        """The member's standing: ``CONFIRMED``, ``WAITLISTED`` or None (no active place)."""
        if self.place is not None and self.place.status in ACTIVE_BOOKING_STATUSES:
            return self.place.status
        return None


def _offers(member: User, found: list, now: datetime) -> list[ClassOffer]:
    if not found:
        return []
    places = group_classes.member_places(member.id, [c.session.id for c in found])
    positions = group_classes.waitlist_positions(places.values())
    settings = {
        s.coach_id: s
        for s in db.session.scalars(
            select(CoachSettings).where(
                CoachSettings.coach_id.in_({c.session.coach_id for c in found})
            )
        )
    }
    out = []
    for item in found:
        session = item.session
        config = settings[session.coach_id]
        place = places.get(session.id)
        confirmed = place is not None and place.status == BookingStatus.CONFIRMED
        out.append(
            ClassOffer(
                group=item,
                zone=coaches.zone_of(config),
                window_hours=config.cancellation_window_hours,
                place=place,
                position=positions.get(place.id) if place is not None else None,
                late_now=confirmed
                and is_late_cancel(session.start_time, config.cancellation_window_hours, now),
            )
        )
    return out


def class_offers(
    member: User, now: datetime | None = None, days: int = CLASS_HORIZON_DAYS
) -> list[ClassOffer]:
    """The group classes a member can book in the next ``days`` days (not started, not
    cancelled), soonest first, with places left and the member's own place."""
    now = now or utcnow()
    return _offers(member, group_classes.upcoming_classes(now, days), now)


def class_offer(member: User, session_id: int, now: datetime | None = None) -> ClassOffer:
    """One group class as ``class_offers`` shows it, whatever its status (NotFound unless it is
    a group class)."""
    now = now or utcnow()
    return _offers(member, [group_classes.get_class(member, session_id)], now)[0]


def series_dates_from(
    session: TrainingSession, zone: ZoneInfo, now: datetime | None = None
) -> dict[date, datetime]:
    """The local dates (in ``zone``, the coach's) of the scheduled, not yet started sessions of
    ``session``'s series from its date on, each with the start of its first session that day:
    the dates a member may cancel the series from (the start: how the member reads it)."""
    if session.recurring_booking_id is None:
        return {}
    now = now or utcnow()
    starts = db.session.scalars(
        select(TrainingSession.start_time)
        .where(
            TrainingSession.recurring_booking_id == session.recurring_booking_id,
            TrainingSession.status == SessionStatus.SCHEDULED,
            TrainingSession.start_time >= session.start_time,
            TrainingSession.start_time > now,
        )
        .order_by(TrainingSession.start_time)
    )
    firsts: dict[date, datetime] = {}
    for start in starts:
        firsts.setdefault(start.astimezone(zone).date(), start)
    return firsts


__all__ = [
    "ClassOffer",
    "CoachCard",
    "CoachOffer",
    "DaySlots",
    "MySessions",
    "SessionItem",
    "class_offer",
    "class_offers",
    "coach_card",
    "coach_offers",
    "find_slot",
    "member_zone",
    "my_sessions",
    "nearest_free_slots",
    "series_dates_from",
    "session_item",
    "slot_days",
]

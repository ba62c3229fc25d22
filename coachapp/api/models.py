"""Every shape of the JSON API, declared once: request bodies and queries (``…In``, ``…Query``)
and the objects answers carry. Parsing, the answers' JSON and the OpenAPI document all come from
these models and the value types of ``types``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from flask import current_app
from pydantic import BaseModel, Field, WithJsonSchema, field_validator, model_validator
from sqlalchemy import select

from ..extensions import db
from ..models import CoachSettings as CoachSettingsRow
from ..models import utcnow
from ..services import coach_settings, group_classes, sessions
from ..services.errors import ValidationFailed
from ..vocab import (
    BookingStatus,
    MembershipStatus,
    NotificationKind,
    PlanKind,
    Role,
    SeriesStatus,
    SessionStatus,
    SessionType,
)
from .spec import ApiInput, ApiOutput
from .types import (
    HHMM,
    Bound,
    Day,
    Flag,
    Id,
    Instant,
    Int,
    Month,
    OutDay,
    OutId,
    PathId,
    Stamp,
    Text,
    Weekday,
    invalid,
    invalid_at,
    local_instant,
)


def _no_default(schema: dict) -> None:
    schema.pop("default", None)


LeftOut = Field(None, json_schema_extra=_no_default)
"""A field that may be left out (and then keeps its value) but not sent as null."""


HorizonDays = Int(
    coach_settings.MIN_HORIZON_DAYS,
    coach_settings.MAX_HORIZON_DAYS,
    "How many days ahead (by the coach's local date) a member may book a one-time "
    "session, a group place or a series start (default 56).",
)
NoticeMinutes = Int(
    0,
    coach_settings.MAX_NOTICE_MINUTES,
    "How many minutes before its start a member may still book a session (default 120).",
)


class SettingsIn(ApiInput):
    """A coach's settings to change; fields left out keep their value, ``default_room_id``
    null clears the default room, null for any other field is 422."""

    keeps_null = True

    timezone: Text(64, "IANA zone; an unknown one is 422.") = LeftOut
    default_duration: Int(coach_settings.MIN_DURATION, coach_settings.MAX_DURATION, "Minutes.") = (
        LeftOut
    )
    default_room_id: Id | None = None
    cancellation_window_hours: Int(0, coach_settings.MAX_WINDOW_HOURS) = LeftOut
    booking_horizon_days: HorizonDays = LeftOut
    min_notice_minutes: NoticeMinutes = LeftOut

    @field_validator(
        "timezone",
        "default_duration",
        "cancellation_window_hours",
        "booking_horizon_days",
        "min_notice_minutes",
        mode="before",
    )
    @classmethod
    def _not_null(cls, value):
        if value is None:
            raise invalid("must not be null; leave it out to keep the current value")
        return value


class _InOrder(ApiInput):
    """Wall-clock times and dates in order: ``end_time`` after ``start_time``, ``end_date`` not
    before ``start_date`` (instants are ordered by ``span``, once read in the coach's zone)."""

    @field_validator("end_time", check_fields=False)
    @classmethod
    def _end_after_start(cls, value, info):
        start = info.data.get("start_time")
        if start is not None and value <= start:
            raise invalid("must be after start_time")
        return value

    @field_validator("end_date", check_fields=False)
    @classmethod
    def _end_date_not_before_start(cls, value, info):
        start = info.data.get("start_date")
        if value is not None and start is not None and value < start:
            raise invalid("must not be before start_date")
        return value


class WindowInput(_InOrder):
    """One weekly window of a day."""

    start_time: HHMM
    end_time: Annotated[HHMM, Field(description="After start_time.")]
    room_id: Id | None = None
    is_individual: Flag | None = True
    is_group: Flag | None = False

    @model_validator(mode="after")
    def _for_someone(self):
        if not (self.is_individual or self.is_group):
            raise invalid_at(
                "is_individual", "a window is for individual sessions, group sessions or both"
            )
        return self


class WeeklyDayIn(ApiInput):
    """The windows that replace one weekday's; windows must not overlap, none clears the day."""

    windows: Annotated[list[WindowInput], Field(max_length=100)]


def span(start: datetime, end: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """``start`` and ``end`` as UTC instants (wall-clock ones read in ``zone``); 422 on
    ``end_time`` unless it is after ``start_time``."""
    start, end = local_instant(start, zone), local_instant(end, zone)
    if end <= start:
        raise ValidationFailed("must be after start_time", field="end_time")
    return start, end


Reason = Text() | None


class BlockedSlotIn(ApiInput):
    """A span of a coach's time to block."""

    start_time: Instant
    end_time: Instant
    reason: Reason = None


class AdditionIn(ApiInput):
    """A one-time span of availability."""

    start_time: Instant
    end_time: Instant
    room_id: Id | None = None
    reason: Reason = None


class BookingIn(ApiInput):
    """A one-time session to book; ``member_id`` for a coach or admin booking on a member's
    behalf."""

    coach_id: Id
    start_time: Instant
    end_time: Instant
    member_id: Id | None = None


Frequency = Int(1, 2, "1: every week, 2: every other week.")
Title = Text()
Capacity = Int(1, group_classes.MAX_CAPACITY)
ClassRoom = Annotated[
    Id | None, Field(description="Default: the room of the group window, else the coach's.")
]


class RecurringIn(_InOrder):
    """A weekly or bi-weekly series to book."""

    coach_id: Id
    day_of_week: Weekday
    start_time: HHMM
    end_time: HHMM
    start_date: Day
    end_date: Day | None = None
    frequency: Frequency | None = 1
    member_id: Id | None = None


class GroupSessionIn(ApiInput):
    """A one-off group class."""

    start_time: Instant
    end_time: Instant
    title: Title
    capacity: Capacity
    room_id: ClassRoom = None


class GroupSeriesIn(_InOrder):
    """A weekly or bi-weekly group class."""

    day_of_week: Weekday
    start_time: HHMM
    end_time: HHMM
    start_date: Day
    end_date: Day | None = None
    frequency: Frequency | None = 1
    title: Title
    capacity: Capacity
    room_id: ClassRoom = None


class PlaceIn(ApiInput):
    """Who takes the place (``member_id``: the class's coach or an admin booking for a member);
    ``waitlist`` false to be refused rather than wait."""

    member_id: Id | None = None
    waitlist: Flag | None = True


class SeriesCancelIn(ApiInput):
    """From which date on (default: today) the series is cancelled."""

    from_date: Day | None = None


REASSIGN = "reassign"
"""The third way to settle a conflict: give the session to a cover coach (``services.cover``)."""


class ResolveIn(ApiInput):
    """How to settle a conflict: ``keep``, ``cancel``, or ``reassign`` to the cover coach
    ``coach_id`` (required with ``reassign`` and only there)."""

    action: Literal[(*sessions.RESOLVE_ACTIONS, REASSIGN)]
    coach_id: Id | None = None

    @model_validator(mode="after")
    def _coach_with_reassign(self):
        if self.action == REASSIGN and self.coach_id is None:
            raise invalid_at("coach_id", "say which coach takes the session")
        if self.action != REASSIGN and self.coach_id is not None:
            raise invalid_at("coach_id", "only a reassign names a coach")
        return self


class MoveIn(ApiInput):
    """The session's new time; ``end_time`` defaults to the same length."""

    start_time: Instant
    end_time: Instant | None = None


FROM = "Inclusive date (YYYY-MM-DD) in the gym's zone, or an ISO 8601 datetime."


class RangeQuery(ApiInput):
    """``from``/``to`` bounds of a list."""

    start: Bound = Field(None, alias="from", description=FROM)
    end: Bound = Field(None, alias="to", description=FROM)

    def bounds(self, zone: tzinfo, default_days: int | None = None):
        """The bounds as UTC instants (a date as ``from`` is its local midnight, as ``to`` the
        next day's); with ``default_days`` a missing one is that many days from the other, or
        from the start of today; 422 when ``to`` is before ``from``."""
        start, end = _bound(self.start, zone, False), _bound(self.end, zone, True)
        if default_days is not None:
            length = timedelta(days=default_days)
            if start is None and end is not None:
                start = end - length
            if start is None:
                today = utcnow().astimezone(zone).date()
                start = local_instant(datetime(today.year, today.month, today.day), zone)
            if end is None:
                end = start + length
        if start is not None and end is not None and end < start:
            raise ValidationFailed("must not be before from", field="to")
        return start, end


def _bound(value, zone: tzinfo, end: bool):
    if value is None:
        return None
    if isinstance(value, datetime):
        return local_instant(value, zone)
    day = value + timedelta(days=1) if end else value
    return local_instant(datetime(day.year, day.month, day.day), zone)


class SlotsQuery(ApiInput):
    """Two inclusive dates in the coach's zone."""

    first: Day = Field(alias="from", description="First date, YYYY-MM-DD.")
    last: Day = Field(alias="to", description="Last date, YYYY-MM-DD.")


class ClassesQuery(RangeQuery):
    """Classes overlapping a range."""

    coach_id: PathId = Field(None, description="Only this coach's classes.")


class SessionsQuery(RangeQuery):
    """Filters of the session list."""

    coach_id: PathId = Field(None, description="Only this coach's sessions.")
    member_id: PathId = Field(None, description="Only this member's sessions.")
    status: SessionStatus = Field(None, description="Only sessions in this status.")


class StatementsQuery(ApiInput):
    """The month of the statements."""

    month: Month
    member_id: PathId = Field(None, description="Only this member's statement.")


class NotificationsQuery(ApiInput):
    """Which notifications."""

    all: Literal["true", "false"] = Field(None, description="true: read ones too (default false).")


def gym_zone() -> ZoneInfo:
    """The gym's own zone (``COACHAPP_TIMEZONE``): for dates in queries not tied to one coach."""
    return ZoneInfo(current_app.config["COACHAPP_TIMEZONE"])


def zone_named(name: str | None) -> ZoneInfo:
    """The zone called ``name``; the gym's when there is none or it is unknown."""
    try:
        return ZoneInfo(name) if name else gym_zone()
    except (ValueError, KeyError, OSError):
        return gym_zone()


class Zones:
    """Coach time zones, loaded once per request for all the coaches a response mentions."""

    def __init__(self, coach_ids: Iterable[int] = ()):
        self._zones: dict[int, ZoneInfo] = {}
        self.load(coach_ids)

    def load(self, coach_ids: Iterable[int]) -> None:
        """Fetch the zones of ``coach_ids`` not yet known, in one query."""
        wanted = {c for c in coach_ids if c is not None and c not in self._zones}
        if not wanted:
            return
        rows = db.session.execute(
            select(CoachSettingsRow.coach_id, CoachSettingsRow.timezone).where(
                CoachSettingsRow.coach_id.in_(wanted)
            )
        )
        for coach_id, name in rows:
            self._zones[coach_id] = zone_named(name)

    def __getitem__(self, coach_id: int) -> ZoneInfo:
        if coach_id not in self._zones:
            self.load([coach_id])
        return self._zones.get(coach_id) or gym_zone()


class User(ApiOutput):
    """The caller's own account."""

    id: OutId
    email: str
    name: str
    role: Role
    timezone: str | None


class Room(ApiOutput):
    """A room of the gym."""

    id: OutId
    name: str


class ApiToken(ApiOutput):
    """An API token without its secret, its times in the gym's zone."""

    id: OutId
    created_at: Stamp
    expires_at: Annotated[Stamp | None, Field(description="null: never (older tokens).")]
    last_used_at: Annotated[
        Stamp | None,
        Field(description="Recorded at most once a minute per token; null: never used."),
    ]


class Coach(ApiOutput):
    """A coach with their time zone, defaults and booking rules."""

    id: OutId
    name: str
    timezone: str = Field(description="IANA time zone.")
    default_duration: int = Field(description="Minutes.")
    default_room_id: OutId | None
    booking_horizon_days: HorizonDays
    min_notice_minutes: NoticeMinutes
    cancellation_window_hours: int = Field(
        ge=0, description="Hours before a start inside which a member's cancel is late."
    )

    @classmethod
    def of_coach(cls, user, settings) -> Coach:
        """The coach ``user`` with ``settings`` (the app's defaults when there are none)."""
        if settings is None:
            return cls.of(
                user,
                timezone=current_app.config["COACHAPP_TIMEZONE"],
                default_duration=60,
                default_room_id=None,
                booking_horizon_days=56,
                min_notice_minutes=120,
                cancellation_window_hours=24,
            )
        return cls.of(settings, id=user.id, name=user.name)


class CoverCoach(ApiOutput):
    """A coach who can take a session: available for its whole time, free then, a room usable."""

    id: OutId
    name: str


class CoachSettings(ApiOutput):
    """A coach's settings."""

    coach_id: OutId
    timezone: str = Field(description="IANA time zone.")
    default_duration: int = Field(ge=5, le=720, description="Minutes.")
    default_room_id: OutId | None
    cancellation_window_hours: int = Field(ge=0)
    booking_horizon_days: HorizonDays
    min_notice_minutes: NoticeMinutes


class Notification(ApiOutput):
    """A notification, its times in the user's zone."""

    id: OutId
    kind: NotificationKind
    message: str
    session_id: OutId | None
    created_at: Stamp
    read_at: Stamp | None


class Window(ApiOutput):
    """A weekly availability window: weekday and wall-clock times in the coach's zone."""

    id: OutId
    day_of_week: Weekday
    start_time: HHMM
    end_time: HHMM
    room_id: OutId | None
    is_individual: bool
    is_group: bool


def _no_none(value) -> bool:
    return value is None


class Session(ApiOutput):
    """A training session (the contract's ``session``), in its coach's zone."""

    id: OutId
    coach_id: OutId
    member_id: OutId | None
    room_id: OutId | None
    start_time: Stamp
    end_time: Stamp
    type: SessionType
    status: SessionStatus
    recurring_booking_id: OutId | None
    one_time_booking_id: OutId | None
    capacity: int = Field(ge=1)
    title: str = None
    membership_id: Annotated[
        OutId | None,
        Field(
            description="The membership whose credit a one-to-one session holds (a group class's "
            "places carry theirs on the booking)."
        ),
    ] = None
    conflict_reason: Annotated[
        str | None,
        WithJsonSchema(
            {
                "type": "string",
                "description": "Why a session is a conflict (only in conflict lists).",
            }
        ),
        Field(exclude_if=_no_none),
    ] = None

    @classmethod
    def many(cls, sessions: Iterable, zones: Zones | None = None) -> list[Session]:
        """Many sessions, each in its own coach's zone."""
        sessions = list(sessions)
        zones = zones or Zones()
        zones.load(s.coach_id for s in sessions)
        return [cls.of(s, zones[s.coach_id]) for s in sessions]

    @classmethod
    def one(cls, session) -> Session:
        """One session, in its coach's zone."""
        return cls.many([session])[0]

    @classmethod
    def conflicts(cls, conflicts: Iterable, zones: Zones | None = None) -> list[Session]:
        """Conflict views (``.session``, ``.reason``) as sessions with ``conflict_reason``."""
        conflicts = list(conflicts)
        zones = zones or Zones()
        zones.load(c.session.coach_id for c in conflicts)
        return [
            cls.of(c.session, zones[c.session.coach_id], conflict_reason=getattr(c, "reason", None))
            for c in conflicts
        ]


class GroupClass(Session):
    """A group class: its session, ``booked`` (confirmed places), places left and the
    waitlist's length."""

    title: str
    booked: int = Field(ge=0, description="Confirmed places.")
    places_left: int = Field(ge=0)
    waitlist_count: int = Field(ge=0)

    @classmethod
    def of_class(cls, item, zone: tzinfo) -> GroupClass:
        """A ``group_classes.GroupClass``."""
        return cls.of(
            item.session,
            zone,
            booked=item.booked,
            places_left=item.places_left,
            waitlist_count=item.waitlisted,
        )

    @classmethod
    def many_classes(cls, items: Iterable) -> list[GroupClass]:
        """Many classes, each in its own coach's zone."""
        items = list(items)
        zones = Zones(i.session.coach_id for i in items)
        return [cls.of_class(i, zones[i.session.coach_id]) for i in items]


class BlockedSlot(ApiOutput):
    """A blocked slot."""

    id: OutId
    coach_id: OutId
    start_time: Stamp
    end_time: Stamp
    reason: str | None


class AvailabilityAddition(ApiOutput):
    """An availability addition."""

    id: OutId
    coach_id: OutId
    start_time: Stamp
    end_time: Stamp
    room_id: OutId | None
    reason: str | None


class Slot(ApiOutput):
    """A bookable one-to-one slot."""

    start_time: Stamp = Field(validation_alias="start")
    end_time: Stamp = Field(validation_alias="end")
    room_id: OutId | None


class Booking(ApiOutput):
    """A booking; ``coach_id`` comes from its session."""

    id: OutId
    status: BookingStatus = Field(
        description="WAITLISTED: waiting for a place in a full group class."
    )
    member_id: OutId
    session_id: OutId
    coach_id: OutId | None
    late_cancel: bool
    membership_id: Annotated[
        OutId | None,
        Field(description="The membership whose credit the booking holds; null when none does."),
    ] = None
    created_at: Stamp | None
    cancelled_at: Stamp | None

    @classmethod
    def of_booking(cls, booking, session, zone: tzinfo) -> Booking:
        """``booking`` of ``session``."""
        return cls.of(
            booking,
            zone,
            coach_id=session.coach_id if session is not None else None,
            late_cancel=bool(booking.late_cancel),
        )


class RecurringBooking(ApiOutput):
    """A series: a member's, or a coach's group class series (``session_type`` GROUP, no member,
    with ``title`` and ``capacity``)."""

    id: OutId
    coach_id: OutId
    member_id: Annotated[OutId | None, Field(description="null for a group class series.")]
    session_type: SessionType
    title: str | None
    capacity: int = Field(ge=1)
    day_of_week: Weekday
    start_time: HHMM
    end_time: HHMM
    start_date: OutDay
    end_date: OutDay | None
    frequency: Literal[1, 2]
    status: SeriesStatus
    room_id: OutId | None
    created_at: Stamp | None
    cancelled_at: Stamp | None


class StatementLine(ApiOutput):
    """A session on a statement; why it is billable or not in ``note``."""

    session_id: OutId
    date: Annotated[OutDay, Field(description="The session's date in the gym's zone.")]
    start_time: Stamp
    end_time: Stamp
    coach_id: OutId
    coach_name: str
    type: SessionType
    status: SessionStatus
    billable: bool = Field(
        description="Charged per session: false for a line a membership covers (membership_id set)."
    )
    note: Annotated[
        str | None,
        Field(description="Why: no-show, late cancel, cancelled in time, cancelled by coach …"),
    ]
    membership_id: Annotated[
        OutId | None,
        Field(description="The membership whose credit covers this line; null when none does."),
    ] = None


class Statement(ApiOutput):
    """One member's monthly statement."""

    member_id: OutId
    member_name: str
    month: Month
    lines: list[StatementLine]
    billable_count: int = Field(ge=0)

    @classmethod
    def many(cls, statements: Iterable) -> list[Statement]:
        """Statements; each line's times in its coach's zone."""
        statements = list(statements)
        zones = Zones(line.coach_id for st in statements for line in st.lines)
        return [
            cls.of(st, lines=[StatementLine.of(line, zones[line.coach_id]) for line in st.lines])
            for st in statements
        ]


PlanName = Text(120, "What members see, e.g. '10-pack'.")
Credits = Int(1, 1000, "Sessions the pack holds; only for kind credits.")
ValidDays = Int(1, 3650, "Days a membership of this plan lasts, its first day included.")
WeeklyLimit = Int(1, 100, "At most this many sessions per ISO week (Monday to Sunday).")


class MembershipPlanIn(ApiInput):
    """A plan to sell: ``credits`` (one per session) or ``unlimited``; ``credits`` only for a pack."""

    name: PlanName
    kind: PlanKind
    credits: Credits | None = None
    valid_days: ValidDays
    weekly_limit: WeeklyLimit | None = None
    session_type: Annotated[
        SessionType | None, Field(description="Only for this kind of session; left out: both.")
    ] = None


class MembershipPlan(ApiOutput):
    """A membership plan."""

    id: OutId
    name: str
    kind: PlanKind
    credits: Annotated[int | None, Field(ge=1, description="null for an unlimited plan.")]
    valid_days: int = Field(ge=1)
    weekly_limit: Annotated[int | None, Field(ge=1, description="null: no weekly limit.")]
    session_type: Annotated[
        SessionType | None, Field(description="The only kind of session it covers; null: both.")
    ] = None


class MembershipIn(ApiInput):
    """A plan to give a member, from ``starts_on`` (a date in the gym's zone)."""

    plan_id: Id
    starts_on: Day


class ExtendIn(ApiInput):
    """How many days to add to a membership's end."""

    days: Int(1, 3650, "Days added after the current end.")


class Membership(ApiOutput):
    """A member's membership: its dates (the gym's zone, both included) and credits; the
    ``credits_*`` fields are null for an unlimited one."""

    id: OutId
    plan_id: OutId
    plan_name: str
    member_id: OutId
    starts_on: OutDay
    ends_on: OutDay
    credits_total: Annotated[int | None, Field(ge=0)]
    credits_used: Annotated[int | None, Field(ge=0)]
    credits_left: Annotated[int | None, Field(ge=0)]
    status: MembershipStatus = Field(description="expired once ends_on has passed.")

    @classmethod
    def of_membership(cls, row, status: str) -> Membership:
        """``row`` in ``status`` (``services.memberships.status_on``: expired after its end)."""
        unlimited = row.credits_total is None
        return cls.of(
            row,
            plan_name=row.plan.name,
            credits_used=None if unlimited else row.credits_used,
            status=status,
        )


def error_codes() -> list[str]:
    """Every error code a response can carry: the HTTP ones and each domain error's."""
    from ..errors import HTTP_CODES
    from ..services.errors import DomainError

    codes = set(HTTP_CODES.values())
    pending = [DomainError]
    while pending:
        cls = pending.pop()
        codes.add(cls.code)
        pending.extend(cls.__subclasses__())
    return sorted(codes)


class ErrorDetail(BaseModel):
    """What went wrong: a code from the contract and a message a person can act on."""

    code: str = Field(json_schema_extra=lambda schema: schema.update(enum=error_codes()))
    message: str
    field: str = Field(
        None, description="The input at fault, if one is.", json_schema_extra=_no_default
    )
    ask_gym: str = Field(
        None,
        description="With no_membership, no_credits and weekly_limit: a "
        "mailto: link to ask the gym's admin for a membership or a new pack.",
        json_schema_extra=_no_default,
    )


class Error(BaseModel):
    """Every error answer: ``{"error": {"code", "message"}}``."""

    error: ErrorDetail

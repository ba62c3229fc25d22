"""The data model: the spec's seven tables plus users, rooms, API tokens and notifications.

Rules that must never break live here as database constraints, so that no code path can skip them:
end after start, enumerated statuses, one session per recurring occurrence, and (PostgreSQL
exclusion constraints / SQLite triggers) no overlapping scheduled sessions of a coach or a room.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db
from .vocab import (
    ACTIVE_BOOKING_STATUSES,
    BookingStatus,
    Canceller,
    MembershipStatus,
    PlanKind,
    Role,
    SeriesStatus,
    SessionStatus,
    SessionType,
    values,
)

# The stored spellings of each vocabulary (coachapp.vocab), for the check constraints below.
ROLES = values(Role)
SERIES_STATUSES = values(SeriesStatus)
BOOKING_STATUSES = values(BookingStatus)
SESSION_TYPES = values(SessionType)
SESSION_STATUSES = values(SessionStatus)
CANCELLERS = values(Canceller)
PLAN_KINDS = values(PlanKind)
MEMBERSHIP_STATUSES = values(MembershipStatus)


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def _stamp() -> datetime:
    """The creation time a row gets by default: ``utcnow`` looked up when the row is written (the
    column keeps this function), so a test that pins ``utcnow`` pins creation times too."""
    return utcnow()


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def _hhmm_check(column: str) -> str:
    """A wall-clock time ``HH:MM`` from 00:00 to 24:00, checked digit by digit (portable SQL)."""
    digit = "BETWEEN '0' AND '9'"
    return (
        f"length({column}) = 5 AND substr({column}, 1, 1) BETWEEN '0' AND '2' "
        f"AND substr({column}, 2, 1) {digit} AND substr({column}, 3, 1) = ':' "
        f"AND substr({column}, 4, 1) BETWEEN '0' AND '5' AND substr({column}, 5, 1) {digit} "
        f"AND {column} <= '24:00'"
    )


class UTCDateTime(TypeDecorator):
    """An instant: accepts only aware datetimes, stores UTC (timestamptz on PostgreSQL), returns aware UTC.

    SQLite has no time zone type, so the UTC wall time is stored naive there; because every value is
    UTC in one fixed format, string comparison in SQL orders instants correctly.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given for an instant column; attach a time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class User(UserMixin, db.Model):
    """A person who logs in: an admin, a coach or a member."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # secret of the user's calendar feed URL (shown to its owner, regenerable); NULL = no feed yet
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # raised by logout (everywhere) and a password change: a login cookie or remembered login
    # carries the version it was made under and is refused once it is stale
    auth_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # reminder mails before each session (the in-app reminder is made anyway); the account page
    # turns them off
    reminder_mails: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_stamp)

    coach_settings: Mapped[CoachSettings | None] = relationship(
        back_populates="coach", foreign_keys="CoachSettings.coach_id", uselist=False
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot log in
        """Deactivated accounts cannot log in or use tokens."""
        return bool(self.active)

    def get_id(self) -> str:
        """Flask-Login's id in the session and remember cookies: the user id and the
        ``auth_version`` it was made under (``"12:3"``), so a cookie made before a logout or a
        password change no longer loads the user (``auth.load_user``)."""
        return f"{self.id}:{self.auth_version or 0}"

    def set_password(self, password: str) -> None:
        """Store a salted hash of ``password``; the password itself is never kept."""
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """Whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_stamp)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # NULL = never expires (tokens issued before expiry existed); new tokens always get one
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        """The digest under which a token is stored and looked up."""
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User) -> tuple[ApiToken, str]:
        """A new token row for ``user`` and the clear-text token to hand over once."""
        token = "ca_" + secrets.token_urlsafe(32)
        return cls(user=user, token_hash=cls.hash(token)), token


class Room(db.Model):
    """A room of the gym; no room holds two scheduled sessions at once."""

    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class CoachSettings(db.Model):
    """A coach's defaults: time zone, session length, room, cancellation window, booking rules."""

    __tablename__ = "coach_settings"
    __table_args__ = (
        CheckConstraint(
            "default_duration >= 5 AND default_duration <= 720", name="default_duration"
        ),
        CheckConstraint("cancellation_window_hours >= 0", name="cancellation_window_hours"),
        CheckConstraint(
            "booking_horizon_days >= 1 AND booking_horizon_days <= 730", name="booking_horizon_days"
        ),
        CheckConstraint(
            "min_notice_minutes >= 0 AND min_notice_minutes <= 10080", name="min_notice_minutes"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    default_room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    default_duration: Mapped[int] = mapped_column(Integer, default=60, server_default=text("60"))
    timezone: Mapped[str] = mapped_column(String(64))
    cancellation_window_hours: Mapped[int] = mapped_column(
        Integer, default=24, server_default=text("24")
    )
    # Booking rules for members (api-v1.md, second wave): how many days ahead, how much notice.
    booking_horizon_days: Mapped[int] = mapped_column(
        Integer, default=56, server_default=text("56")
    )
    min_notice_minutes: Mapped[int] = mapped_column(
        Integer, default=120, server_default=text("120")
    )

    coach: Mapped[User] = relationship(back_populates="coach_settings", foreign_keys=[coach_id])
    default_room: Mapped[Room | None] = relationship()


class WeeklyAvailability(db.Model):
    """One window of a coach's weekly template: a weekday and wall-clock HH:MM–HH:MM in the coach's zone."""

    __tablename__ = "weekly_availability"
    __table_args__ = (
        CheckConstraint("day_of_week >= 0 AND day_of_week <= 6", name="day_of_week"),
        CheckConstraint(_hhmm_check("start_time"), name="start_time_format"),
        CheckConstraint(_hhmm_check("end_time"), name="end_time_format"),
        CheckConstraint("end_time > start_time", name="end_after_start"),
        CheckConstraint("is_individual OR is_group", name="kind"),
        Index("ix_weekly_availability_coach_day", "coach_id", "day_of_week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day_of_week: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[str] = mapped_column(String(5))
    end_time: Mapped[str] = mapped_column(String(5))
    is_individual: Mapped[bool] = mapped_column(Boolean, default=True)
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))


class BlockedSlot(db.Model):
    """A span of time in which the coach is not available (vacation, appointment)."""

    __tablename__ = "blocked_slots"
    __table_args__ = (
        CheckConstraint("end_time > start_time", name="end_after_start"),
        Index("ix_blocked_slots_coach_start", "coach_id", "start_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_stamp)


class AvailabilityAddition(db.Model):
    """A one-time span of availability outside the weekly template (or a kept conflict's slot)."""

    __tablename__ = "availability_additions"
    __table_args__ = (
        CheckConstraint("end_time > start_time", name="end_after_start"),
        Index("ix_availability_additions_coach_start", "coach_id", "start_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_stamp)


class RecurringBooking(db.Model):
    """A standing reservation: a weekday and wall-clock time every 1 or 2 weeks.

    A member's one-to-one series names the member; a coach's group class series (``GROUP``) has
    no member but a title and a capacity, and members book places on its sessions.
    """

    __tablename__ = "recurring_bookings"
    __table_args__ = (
        CheckConstraint("day_of_week >= 0 AND day_of_week <= 6", name="day_of_week"),
        CheckConstraint(_hhmm_check("start_time"), name="start_time_format"),
        CheckConstraint(_hhmm_check("end_time"), name="end_time_format"),
        CheckConstraint("end_time > start_time", name="end_after_start"),
        CheckConstraint("frequency IN (1, 2)", name="frequency"),
        CheckConstraint(_in("status", SERIES_STATUSES), name="status"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_date_after_start"),
        CheckConstraint(_in("session_type", SESSION_TYPES), name="session_type"),
        CheckConstraint("capacity >= 1", name="capacity"),
        CheckConstraint(
            f"session_type = '{SessionType.GROUP}' OR member_id IS NOT NULL",
            name="member_unless_group",
        ),
        Index("ix_recurring_bookings_coach_status", "coach_id", "status"),
        Index("ix_recurring_bookings_member", "member_id"),
        Index("ix_recurring_bookings_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    session_type: Mapped[str] = mapped_column(
        String(12), default=SessionType.ONE_TO_ONE, server_default=SessionType.ONE_TO_ONE.value
    )
    title: Mapped[str | None] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    day_of_week: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[str] = mapped_column(String(5))
    end_time: Mapped[str] = mapped_column(String(5))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    frequency: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    status: Mapped[str] = mapped_column(
        String(10), default=SeriesStatus.ACTIVE, server_default=SeriesStatus.ACTIVE.value
    )
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_stamp)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the first local date of the occurrences the nightly job could not make for want of a
    # membership or credit (the member was told once); NULL once an occurrence is made again
    membership_gap_since: Mapped[date | None] = mapped_column(Date)

    member: Mapped[User | None] = relationship(foreign_keys=[member_id])
    coach: Mapped[User] = relationship(foreign_keys=[coach_id])


class MembershipPlan(db.Model):
    """What the gym sells: a pack of ``credits`` (one per session) or ``unlimited`` sessions,
    valid ``valid_days`` from the start, optionally at most ``weekly_limit`` sessions per ISO week
    and only for one kind of session (``session_type``; NULL = both)."""

    __tablename__ = "membership_plans"
    __table_args__ = (
        CheckConstraint(_in("kind", PLAN_KINDS), name="kind"),
        CheckConstraint(
            f"(kind = '{PlanKind.CREDITS}' AND credits IS NOT NULL AND credits >= 1) OR "
            f"(kind <> '{PlanKind.CREDITS}' AND credits IS NULL)",
            name="credits_iff_kind_credits",
        ),
        CheckConstraint("valid_days >= 1 AND valid_days <= 3650", name="valid_days"),
        CheckConstraint("weekly_limit IS NULL OR weekly_limit >= 1", name="weekly_limit"),
        CheckConstraint(
            "session_type IS NULL OR " + _in("session_type", SESSION_TYPES), name="session_type"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    credits: Mapped[int | None] = mapped_column(Integer)
    valid_days: Mapped[int] = mapped_column(Integer)
    weekly_limit: Mapped[int | None] = mapped_column(Integer)
    session_type: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_stamp)


class Membership(db.Model):
    """A member's plan from ``starts_on`` to ``ends_on`` (local dates in the gym's zone, both
    included). ``credits_used`` counts the sessions and places that hold one of its credits (also
    for an unlimited one, whose ``credits_total`` is NULL); the database keeps it between 0 and
    ``credits_total``. Stored ``status`` is ``active`` or ``cancelled``; ``expired`` is derived
    from ``ends_on`` (``services.memberships.status_on``)."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("credits_used >= 0", name="credits_used_not_negative"),
        CheckConstraint(
            "credits_total IS NULL OR credits_used <= credits_total",
            name="credits_used_at_most_total",
        ),
        CheckConstraint("credits_total IS NULL OR credits_total >= 0", name="credits_total"),
        CheckConstraint("ends_on >= starts_on", name="ends_on_after_starts_on"),
        CheckConstraint(_in("status", MEMBERSHIP_STATUSES), name="status"),
        Index("ix_memberships_member_ends", "member_id", "ends_on"),
        Index("ix_memberships_ends_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("membership_plans.id", ondelete="RESTRICT"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    credits_total: Mapped[int | None] = mapped_column(Integer)
    credits_used: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    status: Mapped[str] = mapped_column(
        String(10), default=MembershipStatus.ACTIVE, server_default=MembershipStatus.ACTIVE.value
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_stamp)

    member: Mapped[User] = relationship(foreign_keys=[member_id])
    plan: Mapped[MembershipPlan] = relationship()

    @property
    def credits_left(self) -> int | None:
        """Credits still to use; None for an unlimited membership."""
        if self.credits_total is None:
            return None
        return self.credits_total - self.credits_used


class TrainingSession(db.Model):
    """One concrete session occurrence, materialized from a recurring or a one-time booking."""

    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint("end_time > start_time", name="end_after_start"),
        CheckConstraint(_in("type", SESSION_TYPES), name="type"),
        CheckConstraint(_in("status", SESSION_STATUSES), name="status"),
        CheckConstraint("capacity >= 1", name="capacity"),
        CheckConstraint(
            "cancelled_by IS NULL OR " + _in("cancelled_by", CANCELLERS), name="cancelled_by"
        ),
        CheckConstraint(
            "recurring_booking_id IS NULL OR one_time_booking_id IS NULL", name="single_origin"
        ),
        UniqueConstraint(
            "recurring_booking_id", "occurrence_start", name="uq_training_sessions_occurrence"
        ),
        CheckConstraint(
            "recurring_booking_id IS NULL OR occurrence_start IS NOT NULL", name="occurrence_key"
        ),
        Index("ix_training_sessions_coach_occurrence", "coach_id", "occurrence_start"),
        Index("ix_training_sessions_coach_start", "coach_id", "start_time"),
        Index("ix_training_sessions_member_start", "member_id", "start_time"),
        Index("ix_training_sessions_room_start", "room_id", "start_time"),
        Index("ix_training_sessions_status_end", "status", "end_time"),
        Index("ix_training_sessions_membership", "membership_id"),
        ExcludeConstraint(
            (text("coach_id"), "="),
            (text("tstzrange(start_time, end_time, '[)')"), "&&"),
            where=text(f"status = '{SessionStatus.SCHEDULED}'"),
            using="gist",
            name="ex_training_sessions_coach_overlap",
        ).ddl_if(dialect="postgresql"),
        ExcludeConstraint(
            (text("room_id"), "="),
            (text("tstzrange(start_time, end_time, '[)')"), "&&"),
            where=text(f"status = '{SessionStatus.SCHEDULED}' AND room_id IS NOT NULL"),
            using="gist",
            name="ex_training_sessions_room_overlap",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime)
    type: Mapped[str] = mapped_column(String(12), default=SessionType.ONE_TO_ONE)
    status: Mapped[str] = mapped_column(String(10), default=SessionStatus.SCHEDULED)
    recurring_booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("recurring_bookings.id", ondelete="SET NULL")
    )
    one_time_booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL", use_alter=True)
    )
    # the occurrence of the series this session materializes (its original start): the key that
    # stays put when the session is moved, so the nightly job never makes that occurrence again
    occurrence_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(200), default="Training session")
    capacity: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    notes: Mapped[str | None] = mapped_column(Text)
    cancelled_by: Mapped[str | None] = mapped_column(String(10))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # a one-to-one session's membership while it holds one of its credits (set when booked or
    # materialized, cleared when the credit is given back); group classes: on each place
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_stamp)

    coach: Mapped[User] = relationship(foreign_keys=[coach_id])
    member: Mapped[User | None] = relationship(foreign_keys=[member_id])
    room: Mapped[Room | None] = relationship()
    recurring_booking: Mapped[RecurringBooking | None] = relationship()


class Booking(db.Model):
    """A member's reservation of one session (the spec's one-time booking), or of a place in a
    group session; ``WAITLISTED`` waits for a place (first come, first promoted)."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(_in("status", BOOKING_STATUSES), name="status"),
        Index("ix_bookings_session", "session_id"),
        Index("ix_bookings_member", "member_id"),
        Index("ix_bookings_membership", "membership_id"),
        Index(
            "uq_bookings_active_member",
            "session_id",
            "member_id",
            unique=True,
            postgresql_where=text(_in("status", ACTIVE_BOOKING_STATUSES)),
            sqlite_where=text(_in("status", ACTIVE_BOOKING_STATUSES)),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=BookingStatus.CONFIRMED)
    # the membership whose credit this booking holds (a one-time session's booking carries its
    # session's); cleared when the credit is given back (an in-time or a coach's cancel)
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
    late_cancel: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_stamp)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[TrainingSession] = relationship(foreign_keys=[session_id])
    member: Mapped[User] = relationship(foreign_keys=[member_id])


class Notification(db.Model):
    """A message to a user (e.g. a session cancelled by the coach); shown in-app, mailed by a job."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_stamp)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReminderSent(db.Model):
    """One reminder made for a member's place in a session at one start instant: the unique key
    lets two concurrent reminder runs make it once; a session moved after its reminder (a new
    start) gets a new one."""

    __tablename__ = "reminders_sent"
    __table_args__ = (
        UniqueConstraint(
            "session_id", "member_id", "kind", "starts_at", name="uq_reminders_sent_key"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_stamp)


class DataVersion(db.Model):
    """One counter, raised in the same transaction as every committed write to the gym's data
    (``coachapp.cache``): pages keep rendered parts keyed by it, so a change is never served stale."""

    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class IdempotentRequest(db.Model):
    """The first answer to an API request sent with an ``Idempotency-Key``: a retry with the same
    key, user and body gets it again instead of creating anything (kept 24 hours)."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_idempotent_requests_user_key"),
        Index("ix_idempotent_requests_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    # method and path, and the SHA-256 of the body: the same key with another request is refused
    endpoint: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_stamp)


class LoginFailure(db.Model):
    """A failed sign-in, per account and address: the login limits count these when no Redis is
    configured, so that every web process sees the same counts."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_at", "email", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=_stamp)


# --- database-enforced overlap rules -------------------------------------------------------------

PG_EXTENSION = DDL("CREATE EXTENSION IF NOT EXISTS btree_gist")

_SQLITE_OVERLAP_BODY = """
BEGIN
    SELECT RAISE(ABORT, 'ex_training_sessions_coach_overlap') WHERE EXISTS (
        SELECT 1 FROM training_sessions t
        WHERE t.status = '{scheduled}' AND t.coach_id = NEW.coach_id {same_row}
          AND t.start_time < NEW.end_time AND t.end_time > NEW.start_time);
    SELECT RAISE(ABORT, 'ex_training_sessions_room_overlap') WHERE NEW.room_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM training_sessions t
        WHERE t.status = '{scheduled}' AND t.room_id = NEW.room_id {same_row}
          AND t.start_time < NEW.end_time AND t.end_time > NEW.start_time);
END"""

_WHEN_SCHEDULED = f"WHEN NEW.status = '{SessionStatus.SCHEDULED}'"

SQLITE_TRIGGERS = (
    "CREATE TRIGGER trg_training_sessions_overlap_insert BEFORE INSERT ON training_sessions "
    + _WHEN_SCHEDULED
    + _SQLITE_OVERLAP_BODY.format(same_row="", scheduled=SessionStatus.SCHEDULED),
    "CREATE TRIGGER trg_training_sessions_overlap_update "
    "BEFORE UPDATE OF status, start_time, end_time, coach_id, room_id ON training_sessions "
    + _WHEN_SCHEDULED
    + _SQLITE_OVERLAP_BODY.format(same_row="AND t.id <> NEW.id", scheduled=SessionStatus.SCHEDULED),
)

event.listen(db.metadata, "before_create", PG_EXTENSION.execute_if(dialect="postgresql"))


@event.listens_for(TrainingSession, "before_insert")
def _occurrence_key(mapper, connection, target: TrainingSession) -> None:
    """A session made from a series is keyed by its occurrence: its start when it is made."""
    if target.recurring_booking_id is not None and target.occurrence_start is None:
        target.occurrence_start = target.start_time


for _trigger in SQLITE_TRIGGERS:
    event.listen(
        TrainingSession.__table__, "after_create", DDL(_trigger).execute_if(dialect="sqlite")
    )

__all__ = [
    "ApiToken",
    "AvailabilityAddition",
    "BlockedSlot",
    "Booking",
    "CoachSettings",
    "IdempotentRequest",
    "LoginFailure",
    "Membership",
    "MembershipPlan",
    "Notification",
    "RecurringBooking",
    "ReminderSent",
    "Room",
    "TrainingSession",
    "User",
    "WeeklyAvailability",
    "utcnow",
]

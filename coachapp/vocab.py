"""The domain's named vocabulary: every status, type, role and notification kind, defined once.

The database check constraints (``models``), the OpenAPI enums (``api``), the services and the
templates (through the ``vocab`` context processor in ``web``) all read these. They are
``StrEnum``s, so a member compares equal to the string stored in the database and serializes as
it: ``SessionStatus.SCHEDULED == "scheduled"`` and ``json.dumps(SessionStatus.SCHEDULED)`` gives
``"scheduled"``. The stored spellings are the contract's (``api-v1.md``) and never change; the
mixed casing (upper for booking and series states, lower for session states) is the contract's too.

``tests/unit/test_vocab.py`` fails when a status literal is written outside this module.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COACH = "coach"
    MEMBER = "member"


class SessionType(StrEnum):
    ONE_TO_ONE = "ONE_TO_ONE"
    GROUP = "GROUP"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class BookingStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    WAITLISTED = "WAITLISTED"
    CANCELLED_BY_MEMBER = "CANCELLED_BY_MEMBER"
    CANCELLED_BY_COACH = "CANCELLED_BY_COACH"
    NO_SHOW = "NO_SHOW"


# A booking in one of these still holds (or waits for) its place.
ACTIVE_BOOKING_STATUSES: tuple[BookingStatus, ...] = (
    BookingStatus.CONFIRMED,
    BookingStatus.WAITLISTED,
)


class SeriesStatus(StrEnum):
    ACTIVE = "ACTIVE"
    CANCELLED = "CANCELLED"


class Canceller(StrEnum):
    MEMBER = "MEMBER"
    COACH = "COACH"


class NotificationKind(StrEnum):
    SESSION_CANCELLED = "session_cancelled"
    SESSION_MOVED = "session_moved"
    SERIES_CANCELLED = "series_cancelled"
    PLACE_CANCELLED = "place_cancelled"
    PLACE_CONFIRMED = "place_confirmed"
    REMINDER = "reminder"
    # a session handed to a cover coach (the member, the new coach, the old one if not the actor)
    SESSION_REASSIGNED = "session_reassigned"
    # a series occurrence was not made: no valid membership or credit (once per series and gap)
    MEMBERSHIP_NEEDED = "membership_needed"
    # sessions the coach cancelled are back on (the coach undid the cancellation)
    SESSION_RESTORED = "session_restored"


class PlanKind(StrEnum):
    """A membership plan: a pack of credits (one per session) or unlimited sessions."""

    CREDITS = "credits"
    UNLIMITED = "unlimited"


class MembershipStatus(StrEnum):
    """A membership's state. Stored: ``active`` or ``cancelled``; ``expired`` is derived from
    the date (``ends_on`` before today, ``services.memberships.status_on``) and never needs a
    nightly update, though the check constraint accepts it."""

    ACTIVE = "active"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class EventStatus(StrEnum):
    """The iCalendar ``STATUS`` of a calendar feed event (RFC 5545), not a domain state: a
    session or place that holds is ``CONFIRMED``, a waitlist place ``TENTATIVE``."""

    CONFIRMED = "CONFIRMED"
    TENTATIVE = "TENTATIVE"
    CANCELLED = "CANCELLED"


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The stored spellings of an enum, in declaration order (for check constraints and schemas)."""
    return tuple(member.value for member in enum)

"""Domain errors: what a use case refuses, with the API code and HTTP status both faces map it to."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal a person can act on; ``field`` names the input at fault when there is one."""

    code = "bad_request"
    status = 400

    def __init__(self, message: str, field: str | None = None, **details):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class BadRequest(DomainError):
    """Malformed input (not JSON, a wrong type)."""

    code, status = "bad_request", 400


class ValidationFailed(DomainError):
    """Well-formed but invalid input: end before start, unknown zone, overlapping windows."""

    code, status = "validation_error", 422


class NotFound(DomainError):
    """The thing named does not exist (or is not visible to the caller)."""

    code, status = "not_found", 404


class Forbidden(DomainError):
    """The caller may not do this."""

    code, status = "forbidden", 403


class Conflict(DomainError):
    """The current state forbids the request (HTTP 409)."""

    code, status = "conflict", 409


class SlotUnavailable(Conflict):
    """The time is outside the coach's availability."""

    code = "slot_unavailable"


class SlotTaken(Conflict):
    """Someone else holds that time (usually: lost a race for it)."""

    code = "slot_taken"


class RoomTaken(SlotTaken):
    """The coach is free, but every room they may use then is held by another session
    (``details["room"]`` names the room)."""


class Overlap(Conflict):
    """The request overlaps something of the same coach, room or series."""

    code = "overlap"


class InPast(Conflict):
    """The time has already started."""

    code = "in_past"


class CapacityFull(Conflict):
    """A group session has no place left."""

    code = "capacity_full"


class AlreadyCancelled(Conflict):
    """It is cancelled already."""

    code = "already_cancelled"


class NotStarted(Conflict):
    """The session has not started yet (e.g. marking a no-show before its start)."""

    code = "not_started"


class TooSoon(Conflict):
    """A member asked for a session that starts sooner than the coach's minimum notice."""

    code = "too_soon"


class BeyondHorizon(Conflict):
    """A member asked for a session (or a series start) beyond the coach's booking horizon."""

    code = "beyond_horizon"


class TooLateToChange(Conflict):
    """A member asked to move a session inside the coach's cancellation window (they may still
    cancel it, late)."""

    code = "too_late_to_change"


class NoMembership(Conflict):
    """A membership is required (``COACHAPP_REQUIRE_MEMBERSHIP``) and the member holds none valid
    on the session's date for that kind of session."""

    code = "no_membership"


class NoCredits(Conflict):
    """The member's valid memberships have no credit left."""

    code = "no_credits"


class WeeklyLimit(Conflict):
    """The member's valid memberships allow no more sessions in that ISO week."""

    code = "weekly_limit"


class UndoExpired(Conflict):
    """An Undo asked for after its few seconds (409, so htmx swaps the message in place)."""

    code = "undo_expired"


class AlreadyUndone(Conflict):
    """That change has been undone already (a second click on Undo)."""

    code = "already_undone"

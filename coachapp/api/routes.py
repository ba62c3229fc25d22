"""JSON API v1 routes: each declares its inputs and answer (``models``), calls one service and
returns the answer's models. One module per resource on the one blueprint: ``coach_routes``
(coaches, availability, slots, conflicts), ``booking_routes`` (bookings, classes, recurring
bookings), ``session_routes`` (sessions), ``account_routes`` (statements, notifications,
memberships) and ``token_routes``; this module holds what they share (the tags, the 409 texts, the
caller, a coach's zone) and the meta operations (the document, the caller, rooms).

Views never decide a rule or commit: the services do both and raise DomainErrors, which the app's
error handler turns into the contract's JSON. ``spec.api_route`` parses and validates the input and
registers each operation for the OpenAPI document.
"""

from __future__ import annotations

import functools
from typing import Annotated

from flask import g
from pydantic import WithJsonSchema

from ..errors import json_error
from ..scheduling import ValidationError as CoreValidationError
from ..services import coach_settings, coaches
from . import bp
from .models import Room, User
from .openapi import document
from .spec import api_route
from .types import PathId

MAX_SLOT_DAYS = 62
"""The longest range of dates one slots request may ask for."""

MAX_CLASS_DAYS = 92
"""The longest range one classes request may span."""

CoachId = Annotated[PathId, WithJsonSchema({"type": "string", "description": "The coach's id."})]
"""A coach's id in the path."""

META, COACHES, AVAILABILITY, BOOKINGS, SESSIONS, BILLING, MEMBERSHIPS = (
    "meta",
    "coaches",
    "availability",
    "bookings",
    "sessions",
    "billing",
    "memberships",
)

MEMBERSHIP_409 = (
    "no_membership, no_credits, weekly_limit (COACHAPP_REQUIRE_MEMBERSHIP: the member has no "
    "valid membership for that date and kind of session, no credit left, or the plan's weekly "
    "limit reached that ISO week)"
)
BOOK_409 = (
    "slot_unavailable (outside availability), slot_taken (booked or overlapping), "
    "in_past, too_soon (a member, inside the coach's minimum notice), beyond_horizon (a member, "
    "past the coach's booking horizon), " + MEMBERSHIP_409
)
CANCEL_409 = "already_cancelled, in_past (started)"
SERIES_409 = (
    "slot_unavailable (no weekly window holds it), overlap (another series or session of the "
    "coach), slot_taken (lost a race), too_soon / beyond_horizon (a member: the first "
    "session breaks the coach's minimum notice / the start date is past the booking horizon)"
)
"""(A series' occurrences without a membership are skipped, not refused: the nightly job counts
them as skipped_no_membership.)"""
RESOLVE_409 = (
    "conflict (keep/cancel: the session fits availability, nothing to resolve), "
    "already_cancelled, in_past, slot_unavailable (reassign: that coach is not available or not "
    "free then, or no room is free for them)"
)
SESSION_LINKS = ("getSession", "cancelSession", "markNoShow", "resolveConflict")


@bp.errorhandler(CoreValidationError)
def core_validation_error(exc: CoreValidationError):
    """A scheduling-core refusal that a service let through is still the contract's 422."""
    message = f"{exc.field}: {exc.message}" if exc.field else exc.message
    return json_error(422, "validation_error", message, exc.field)


def caller():
    return g.api_user


def zone_of_coach(coach_id: int):
    """A coach's zone; 404 unless ``coach_id`` names a coach."""
    return coaches.zone_of(coaches.get_settings(coach_id))


@api_route(
    "GET", "/openapi.json", op="openapi", tag=META, public=True, answer="The OpenAPI 3.1 document."
)
def openapi():
    """This document"""
    return _document()


@functools.cache
def _document() -> dict:
    """The document, made once per process (the operations are all registered at import)."""
    return document()


@api_route("GET", "/me", op="me", tag=META, returns={"user": User}, answer="The caller.")
def me():
    """The account behind the token"""
    return {"user": User.of(caller())}


@api_route(
    "GET",
    "/rooms",
    op="listRooms",
    tag=META,
    returns={"rooms": list[Room]},
    answer="Rooms by name.",
)
def list_rooms():
    """Rooms of the gym"""
    return {"rooms": [Room.of(r) for r in coach_settings.list_rooms()]}

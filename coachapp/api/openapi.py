"""The OpenAPI 3.1 description of the JSON API, served at ``GET /api/v1/openapi.json``.

Hand-written, so that it says what the routes actually do: every path and method, parameters,
request bodies, and every response a request can get, errors included. A test compares it with
the app's URL map.
"""

from __future__ import annotations

from typing import Any

from ..errors import HTTP_CODES
from ..services import errors

API = "/api/v1"


def _error_codes() -> list[str]:
    """Every error code a response can carry: the HTTP ones and each domain error's."""
    codes = set(HTTP_CODES.values())
    pending = [errors.DomainError]
    while pending:
        cls = pending.pop()
        codes.add(cls.code)
        pending.extend(cls.__subclasses__())
    return sorted(codes)


def _error_schema() -> dict:
    return _obj(
        {
            "error": _obj(
                {
                    "code": {"type": "string", "enum": _error_codes()},
                    "message": {"type": "string"},
                    "field": {"type": "string", "description": "The input at fault, if one is."},
                },
                ["code", "message"],
            )
        },
        ["error"],
    )


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict, required: list[str] | None = None, extra: bool = True) -> dict:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if not extra:
        schema["additionalProperties"] = False
    return schema


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


ID = {"type": "string", "pattern": "^[0-9]+$", "description": "An id: digits, as a string."}
NULLABLE_ID = {"type": ["string", "null"], "pattern": "^[0-9]+$"}
BOOKING_RULES = {
    "booking_horizon_days": {
        "type": "integer", "minimum": 1, "maximum": 730,
        "description": "How many days ahead (by the coach's local date) a member may book a "
                       "one-time session, a group place or a series start (default 56).",
    },
    "min_notice_minutes": {
        "type": "integer", "minimum": 0, "maximum": 10080,
        "description": "How many minutes before its start a member may still book a session "
                       "(default 120).",
    },
}
INSTANT = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 with the offset of the coach's time zone.",
    "examples": ["2027-03-29T10:00:00+02:00"],
}
NULLABLE_INSTANT = {**INSTANT, "type": ["string", "null"]}
_YEAR = "(19[7-9][0-9]|2[0-9]{3})"
_DAY = _YEAR + "-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_CLOCK = "([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?"
_OFFSET = "(Z|z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])"
REQUEST_INSTANT = {
    "type": "string",
    "pattern": f"^{_DAY}[T ]{_CLOCK}{_OFFSET}?$",
    "description": (
        "ISO 8601 datetime; with an offset, or without one to mean wall-clock time in the "
        "coach's time zone. Years 1970 to 2999."
    ),
    "examples": ["2027-03-29T10:00:00+02:00", "2027-03-29T10:00"],
}
DATE = {"type": "string", "format": "date", "examples": ["2027-03-22"]}
REQUEST_DATE = {
    "type": "string",
    "pattern": f"^{_DAY}$",
    "description": "A date YYYY-MM-DD, years 1970 to 2999.",
    "examples": ["2027-03-22"],
}
NULLABLE_REQUEST_DATE = {**REQUEST_DATE, "type": ["string", "null"]}
RANGE_BOUND = {
    "type": "string",
    "pattern": f"^{_DAY}([T ]{_CLOCK}{_OFFSET}?)?$",
    "examples": ["2027-03-22", "2027-03-22T10:00:00+01:00"],
}
MONTH = {"type": "string", "pattern": f"^{_YEAR}-(0[1-9]|1[0-2])$", "examples": ["2027-03"]}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
HHMM = {
    "type": "string",
    "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$",
    "description": "Wall-clock time HH:MM (24 h) in the coach's time zone; 24:00 is midnight.",
    "examples": ["09:00"],
}
DAY_OF_WEEK = {
    "type": "integer",
    "minimum": 0,
    "maximum": 6,
    "description": "0 = Sunday … 6 = Saturday.",
}
REQUEST_ID = {
    "type": "string",
    "pattern": "^[0-9]+$",
    "description": "An id (a JSON integer is accepted too).",
}
NULLABLE_REQUEST_ID = {**REQUEST_ID, "type": ["string", "null"]}
REASON = {"type": ["string", "null"], "maxLength": 200}

SESSION_PROPS = {
    "id": ID,
    "coach_id": ID,
    "member_id": NULLABLE_ID,
    "room_id": NULLABLE_ID,
    "start_time": INSTANT,
    "end_time": INSTANT,
    "type": {"type": "string", "enum": ["ONE_TO_ONE", "GROUP"]},
    "status": {"type": "string", "enum": ["scheduled", "completed", "cancelled", "no_show"]},
    "recurring_booking_id": NULLABLE_ID,
    "one_time_booking_id": NULLABLE_ID,
    "capacity": {"type": "integer", "minimum": 1},
    "title": {"type": "string"},
    "conflict_reason": {
        "type": "string",
        "description": "Why a session is a conflict (only in conflict lists).",
    },
}

SCHEMAS: dict[str, Any] = {
    "User": _obj(
        {
            "id": ID,
            "email": {"type": "string"},
            "name": {"type": "string"},
            "role": {"type": "string", "enum": ["admin", "coach", "member"]},
            "timezone": {"type": ["string", "null"]},
        },
        ["id", "email", "name", "role", "timezone"],
    ),
    "Room": _obj({"id": ID, "name": {"type": "string"}}, ["id", "name"]),
    "ApiToken": _obj(
        {
            "id": ID,
            "created_at": INSTANT,
            "expires_at": {**NULLABLE_INSTANT, "description": "null: never (older tokens)."},
            "last_used_at": {
                **NULLABLE_INSTANT,
                "description": "Recorded at most once a minute per token; null: never used.",
            },
        },
        ["id", "created_at", "expires_at", "last_used_at"],
    ),
    "Coach": _obj(
        {
            "id": ID,
            "name": {"type": "string"},
            "timezone": {"type": "string", "description": "IANA time zone."},
            "default_duration": {"type": "integer", "description": "Minutes."},
            "default_room_id": NULLABLE_ID,
            **BOOKING_RULES,
        },
        ["id", "name", "timezone", "default_duration", "default_room_id",
         "booking_horizon_days", "min_notice_minutes"],
    ),
    "CoachSettings": _obj(
        {
            "coach_id": ID,
            "timezone": {"type": "string", "description": "IANA time zone."},
            "default_duration": {"type": "integer", "minimum": 5, "maximum": 720},
            "default_room_id": NULLABLE_ID,
            "cancellation_window_hours": {"type": "integer", "minimum": 0},
            **BOOKING_RULES,
        },
        ["coach_id", "timezone", "default_duration", "default_room_id",
         "cancellation_window_hours", "booking_horizon_days", "min_notice_minutes"],
    ),
    "Notification": _obj(
        {
            "id": ID,
            "kind": {"type": "string", "examples": ["session_cancelled", "session_moved"]},
            "message": {"type": "string"},
            "session_id": NULLABLE_ID,
            "created_at": INSTANT,
            "read_at": NULLABLE_INSTANT,
        },
        ["id", "kind", "message", "session_id", "created_at", "read_at"],
    ),
    "Window": _obj(
        {
            "id": ID,
            "day_of_week": DAY_OF_WEEK,
            "start_time": HHMM,
            "end_time": HHMM,
            "room_id": NULLABLE_ID,
            "is_individual": {"type": "boolean"},
            "is_group": {"type": "boolean"},
        },
        ["id", "day_of_week", "start_time", "end_time", "room_id", "is_individual", "is_group"],
    ),
    "WindowInput": _obj(
        {
            "start_time": HHMM,
            "end_time": {**HHMM, "description": "After start_time."},
            "room_id": NULLABLE_REQUEST_ID,
            "is_individual": {"type": ["boolean", "null"], "default": True},
            "is_group": {"type": ["boolean", "null"], "default": False},
        },
        ["start_time", "end_time"],
    ),
    "Session": _obj(
        SESSION_PROPS,
        [
            "id",
            "coach_id",
            "member_id",
            "room_id",
            "start_time",
            "end_time",
            "type",
            "status",
            "recurring_booking_id",
            "one_time_booking_id",
            "capacity",
        ],
    ),
    "BlockedSlot": _obj(
        {
            "id": ID,
            "coach_id": ID,
            "start_time": INSTANT,
            "end_time": INSTANT,
            "reason": {"type": ["string", "null"]},
        },
        ["id", "coach_id", "start_time", "end_time", "reason"],
    ),
    "AvailabilityAddition": _obj(
        {
            "id": ID,
            "coach_id": ID,
            "start_time": INSTANT,
            "end_time": INSTANT,
            "room_id": NULLABLE_ID,
            "reason": {"type": ["string", "null"]},
        },
        ["id", "coach_id", "start_time", "end_time", "room_id", "reason"],
    ),
    "Slot": _obj(
        {"start_time": INSTANT, "end_time": INSTANT, "room_id": NULLABLE_ID},
        ["start_time", "end_time", "room_id"],
    ),
    "Booking": _obj(
        {
            "id": ID,
            "status": {
                "type": "string",
                "enum": ["CONFIRMED", "WAITLISTED", "CANCELLED_BY_MEMBER", "CANCELLED_BY_COACH",
                         "NO_SHOW"],
                "description": "WAITLISTED: waiting for a place in a full group class.",
            },
            "member_id": ID,
            "session_id": ID,
            "coach_id": NULLABLE_ID,
            "late_cancel": {"type": "boolean"},
            "created_at": NULLABLE_INSTANT,
            "cancelled_at": NULLABLE_INSTANT,
        },
        ["id", "status", "member_id", "session_id", "coach_id"],
    ),
    "GroupClass": _obj(
        {
            **SESSION_PROPS,
            "booked": {"type": "integer", "minimum": 0, "description": "Confirmed places."},
            "places_left": {"type": "integer", "minimum": 0},
            "waitlist_count": {"type": "integer", "minimum": 0},
        },
        ["id", "coach_id", "member_id", "room_id", "start_time", "end_time", "type", "status",
         "recurring_booking_id", "one_time_booking_id", "capacity", "title", "booked",
         "places_left", "waitlist_count"],
    ),
    "RecurringBooking": _obj(
        {
            "id": ID,
            "coach_id": ID,
            "member_id": {**NULLABLE_ID, "description": "null for a group class series."},
            "session_type": {"type": "string", "enum": ["ONE_TO_ONE", "GROUP"]},
            "title": {"type": ["string", "null"]},
            "capacity": {"type": "integer", "minimum": 1},
            "day_of_week": DAY_OF_WEEK,
            "start_time": HHMM,
            "end_time": HHMM,
            "start_date": DATE,
            "end_date": NULLABLE_DATE,
            "frequency": {"type": "integer", "enum": [1, 2]},
            "status": {"type": "string", "enum": ["ACTIVE", "CANCELLED"]},
            "room_id": NULLABLE_ID,
            "created_at": NULLABLE_INSTANT,
            "cancelled_at": NULLABLE_INSTANT,
        },
        [
            "id",
            "coach_id",
            "member_id",
            "day_of_week",
            "start_time",
            "end_time",
            "start_date",
            "end_date",
            "frequency",
            "status",
        ],
    ),
    "StatementLine": _obj(
        {
            "session_id": ID,
            "date": {**DATE, "description": "The session's date in the gym's zone."},
            "start_time": INSTANT,
            "end_time": INSTANT,
            "coach_id": ID,
            "coach_name": {"type": "string"},
            "type": {"type": "string", "enum": ["ONE_TO_ONE", "GROUP"]},
            "status": SESSION_PROPS["status"],
            "billable": {"type": "boolean"},
            "note": {
                "type": ["string", "null"],
                "description": "Why: no-show, late cancel, cancelled in time, cancelled by coach …",
            },
        },
        ["session_id", "date", "start_time", "end_time", "coach_id", "coach_name", "type",
         "status", "billable", "note"],
    ),
    "Statement": _obj(
        {
            "member_id": ID,
            "member_name": {"type": "string"},
            "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
            "lines": _array(_ref("StatementLine")),
            "billable_count": {"type": "integer", "minimum": 0},
        },
        ["member_id", "member_name", "month", "lines", "billable_count"],
    ),
}

ERROR_TEXT = {
    "400": "Malformed JSON, a body that is not an object, or a field of the wrong type.",
    "401": "No API token, or one that is not valid (unknown, revoked or expired).",
    "403": "A valid token without the right to do this.",
    "404": "No such resource (or an id that is not a number).",
    "409": (
        "The current state forbids it: slot_unavailable, slot_taken, overlap, in_past, "
        "capacity_full, already_cancelled, not_started, too_soon, beyond_horizon or conflict."
    ),
    "422": "Well-formed but invalid input; the message names the field.",
    "413": "payload_too_large: the request body is over 1 MiB (it is not read).",
}


BOOK_409 = (
    "slot_unavailable (outside availability), slot_taken (booked or overlapping), "
    "in_past, too_soon (a member, inside the coach's minimum notice), beyond_horizon (a member, "
    "past the coach's booking horizon)"
)
CANCEL_409 = "already_cancelled, in_past (started)"
SERIES_409 = (
    "slot_unavailable (no weekly window holds it), overlap (another series or session of the "
    "coach), slot_taken (lost a race), too_soon / beyond_horizon (a member: the first "
    "session breaks the coach's minimum notice / the start date is past the booking horizon)"
)
SERIES_CANCEL_409 = "already_cancelled"
IDEMPOTENT_409 = (
    ", request_in_progress (the first request with this Idempotency-Key has not finished; "
    "retry in a moment)"
)
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe: the same key from the same user with the same body within 24 hours "
        "answers the first successful (2xx) response again, with the header "
        "Idempotent-Replayed: true, and creates nothing new. The same key with another body or "
        "path is 422 naming Idempotency-Key. A refused request (4xx) keeps no answer, so the key "
        "may be sent again with a corrected body. 1 to 255 printable ASCII characters, no spaces."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}
RESOLVE_409 = (
    "conflict (the session fits availability: nothing to resolve), already_cancelled, "
    "in_past"
)
NO_SHOW_409 = "not_started, already_cancelled"
MOVE_409 = "slot_unavailable, slot_taken, in_past, already_cancelled"
SERIES_RESOLVE_409 = "conflict (no session of the series is in conflict)"
GROUP_SESSION_409 = (
    "slot_unavailable (outside the coach's group availability), slot_taken (the coach or the "
    "room is busy then), in_past"
)
PLACE_409 = (
    "capacity_full (no place left and waitlist false), conflict (already booked or waiting; not a "
    "group class), already_cancelled (the class is), in_past (it has started), too_soon / "
    "beyond_horizon (a member: inside the coach's minimum notice / past the booking horizon)"
)
CLASS_FIELDS = {
    "title": {"type": "string", "maxLength": 200},
    "capacity": {"type": "integer", "minimum": 1, "maximum": 500},
    "room_id": {**NULLABLE_REQUEST_ID,
                "description": "Default: the room of the group window, else the coach's."},
}


def _errors(*codes: int, conflicts: str | None = None) -> dict:
    """Error responses; ``conflicts`` lists the 409 codes this operation can answer."""
    out = {}
    for code in codes:
        text = ERROR_TEXT[str(code)]
        if code == 409 and conflicts:
            text = f"The current state forbids it: {conflicts}."
        out[str(code)] = {
            "description": text,
            "content": {"application/json": {"schema": _ref("Error")}},
        }
    return out


def _ok(status: int, description: str, properties: dict, required: list[str],
        links: dict | None = None) -> dict:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _obj(properties, required)}},
    }
    if links:
        response["links"] = links
    return {str(status): response}


def _links(pointer: str, *operation_ids: str) -> dict:
    """OpenAPI links: the id at ``pointer`` in this response is the ``id`` of each operation."""
    return {
        op_id[0].upper() + op_id[1:]: {
            "operationId": op_id,
            "parameters": {"id": f"$response.body#{pointer}"},
        }
        for op_id in operation_ids
    }


def _body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _path_id(name: str = "id", description: str = "The id.") -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def _query(name: str, description: str, schema: dict | None = None, required: bool = False):
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _op(summary: str, responses: dict, *, tag: str, parameters=None, body=None, op_id: str,
        description: str | None = None, public: bool = False) -> dict:
    op: dict[str, Any] = {"summary": summary, "operationId": op_id, "tags": [tag]}
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    if body:
        op["requestBody"] = body
        responses = {**responses, **_errors(413)}
    op["responses"] = responses
    if public:
        op["security"] = []
    return op


SESSION_LIST = {"sessions": _array(_ref("Session"))}
CONFLICT_LIST = {"conflicts": _array(_ref("Session"))}
COACH_ID = _path_id("id", "The coach's id.")
LIST_RANGE_TEXT = (
    "The coach themself or an admin. A missing bound is 62 days from the other one; with "
    "neither, the range is today and the next 62 days."
)
RANGE_TEXT = "Inclusive date (YYYY-MM-DD) in the gym's zone, or an ISO 8601 datetime."


def _paths() -> dict:
    sessions_tag, avail, book, coach, bill, meta = (
        "sessions", "availability", "bookings", "coaches", "billing", "meta"
    )
    return {
        f"{API}/openapi.json": {
            "get": _op(
                "This document",
                {"200": {"description": "The OpenAPI 3.1 document.",
                         "content": {"application/json": {"schema": {"type": "object"}}}}},
                tag=meta, op_id="openapi", public=True,
            )
        },
        f"{API}/me": {
            "get": _op(
                "The account behind the token",
                {**_ok(200, "The caller.", {"user": _ref("User")}, ["user"]), **_errors(401)},
                tag=meta, op_id="me",
            )
        },
        f"{API}/tokens": {
            "get": _op(
                "My API tokens",
                {**_ok(200, "The caller's tokens, newest first; never the secret.",
                       {"tokens": _array(_ref("ApiToken"))}, ["tokens"]),
                 **_errors(401)},
                tag=meta, op_id="listTokens",
                description="New tokens come from `flask --app wsgi users token EMAIL "
                            "[--expires-days N]` (default 90 days) or the /account page.",
            )
        },
        f"{API}/tokens/{{id}}": {
            "delete": _op(
                "Revoke one of my API tokens",
                {"204": {"description": "Revoked: the token is refused (401) from now on."},
                 **_errors(401, 404)},
                tag=meta, op_id="revokeToken", parameters=[_path_id()],
                description="Another user's token or an unknown id: 404.",
            )
        },
        f"{API}/rooms": {
            "get": _op(
                "Rooms of the gym",
                {**_ok(200, "Rooms by name.", {"rooms": _array(_ref("Room"))}, ["rooms"]),
                 **_errors(401)},
                tag=meta, op_id="listRooms",
            )
        },
        f"{API}/coaches": {
            "get": _op(
                "Coaches",
                {**_ok(200, "Every active coach.", {"coaches": _array(_ref("Coach"))},
                       ["coaches"],
                       _links("/coaches/0/id", "getCoach", "listWeeklyAvailability",
                              "listConflicts", "listBlockedSlots", "listAvailabilityAdditions",
                              "createBlockedSlot", "createAvailabilityAddition")),
                 **_errors(401)},
                tag=coach, op_id="listCoaches",
            )
        },
        f"{API}/coaches/{{id}}": {
            "get": _op(
                "One coach",
                {**_ok(200, "The coach.", {"coach": _ref("Coach")}, ["coach"]),
                 **_errors(401, 404)},
                tag=coach, op_id="getCoach", parameters=[COACH_ID],
            )
        },
        f"{API}/coaches/{{id}}/settings": {
            "patch": _op(
                "Change a coach's settings",
                {**_ok(200, "The settings and every future session now outside availability (a "
                            "new zone moves the weekly template in real time).",
                       {"settings": _ref("CoachSettings"), **CONFLICT_LIST},
                       ["settings", "conflicts"]),
                 **_errors(400, 401, 403, 404, 422)},
                tag=coach, op_id="updateCoachSettings", parameters=[COACH_ID],
                description="The coach themself or an admin. Fields left out keep their value; "
                            "default_room_id null clears the default room.",
                body=_body(_obj({
                    "timezone": {"type": "string", "maxLength": 64,
                                 "description": "IANA zone; an unknown one is 422."},
                    "default_duration": {"type": "integer", "minimum": 5, "maximum": 720},
                    "default_room_id": NULLABLE_REQUEST_ID,
                    "cancellation_window_hours": {"type": "integer", "minimum": 0,
                                                  "maximum": 720},
                    **BOOKING_RULES,
                })),
            )
        },
        f"{API}/coaches/{{id}}/weekly-availability": {
            "get": _op(
                "A coach's weekly template",
                {**_ok(200, "Windows by day and start.", {"windows": _array(_ref("Window"))},
                       ["windows"]),
                 **_errors(401, 404)},
                tag=avail, op_id="listWeeklyAvailability", parameters=[COACH_ID],
            )
        },
        f"{API}/coaches/{{id}}/weekly-availability/{{day_of_week}}": {
            "put": _op(
                "Replace one weekday's windows",
                {**_ok(
                    200,
                    "The day's new windows and every future scheduled session of the coach "
                    "that is now a conflict.",
                    {"windows": _array(_ref("Window")), **CONFLICT_LIST},
                    ["windows", "conflicts"],
                 ),
                 **_errors(400, 401, 403, 404, 422)},
                tag=avail, op_id="replaceWeeklyDay",
                description="Windows of one day must not overlap. An empty list clears the day.",
                parameters=[
                    COACH_ID,
                    {"name": "day_of_week", "in": "path", "required": True,
                     "description": "0 = Sunday … 6 = Saturday; a larger number is 422.",
                     "schema": {"type": "string"}},
                ],
                body=_body(_obj({"windows": _array(_ref("WindowInput"))}, ["windows"])),
            )
        },
        f"{API}/coaches/{{id}}/blocked-slots": {
            "get": _op(
                "A coach's blocked slots in a range",
                {**_ok(200, "Blocked slots overlapping the range, by start.",
                       {"blocked_slots": _array(_ref("BlockedSlot"))}, ["blocked_slots"]),
                 **_errors(401, 403, 404, 422)},
                tag=avail, op_id="listBlockedSlots",
                description=LIST_RANGE_TEXT,
                parameters=[COACH_ID, _query("from", RANGE_TEXT, RANGE_BOUND),
                            _query("to", RANGE_TEXT, RANGE_BOUND)],
            ),
            "post": _op(
                "Block a span of time",
                {**_ok(201, "The blocked slot and the future sessions it puts in conflict.",
                       {"blocked_slot": _ref("BlockedSlot"), **CONFLICT_LIST},
                       ["blocked_slot", "conflicts"],
                       _links("/blocked_slot/id", "deleteBlockedSlot")),
                 **_errors(400, 401, 403, 404, 422)},
                tag=avail, op_id="createBlockedSlot", parameters=[COACH_ID],
                body=_body(_obj({"start_time": REQUEST_INSTANT, "end_time": REQUEST_INSTANT,
                                 "reason": REASON}, ["start_time", "end_time"])),
            ),
        },
        f"{API}/blocked-slots/{{id}}": {
            "delete": _op(
                "Remove a blocked slot",
                {"204": {"description": "Removed."}, **_errors(401, 403, 404)},
                tag=avail, op_id="deleteBlockedSlot", parameters=[_path_id()],
            )
        },
        f"{API}/coaches/{{id}}/availability-additions": {
            "get": _op(
                "A coach's availability additions in a range",
                {**_ok(200, "Additions overlapping the range, by start.",
                       {"availability_additions": _array(_ref("AvailabilityAddition"))},
                       ["availability_additions"]),
                 **_errors(401, 403, 404, 422)},
                tag=avail, op_id="listAvailabilityAdditions",
                description=LIST_RANGE_TEXT,
                parameters=[COACH_ID, _query("from", RANGE_TEXT, RANGE_BOUND),
                            _query("to", RANGE_TEXT, RANGE_BOUND)],
            ),
            "post": _op(
                "Add one-time availability",
                {**_ok(201, "The addition.", {"availability_addition":
                                              _ref("AvailabilityAddition")},
                       ["availability_addition"],
                       _links("/availability_addition/id", "deleteAvailabilityAddition")),
                 **_errors(400, 401, 403, 404, 422)},
                tag=avail, op_id="createAvailabilityAddition", parameters=[COACH_ID],
                body=_body(_obj({"start_time": REQUEST_INSTANT, "end_time": REQUEST_INSTANT,
                                 "room_id": NULLABLE_REQUEST_ID, "reason": REASON},
                                ["start_time", "end_time"])),
            ),
        },
        f"{API}/availability-additions/{{id}}": {
            "delete": _op(
                "Remove an availability addition",
                {"204": {"description": "Removed."}, **_errors(401, 403, 404)},
                tag=avail, op_id="deleteAvailabilityAddition", parameters=[_path_id()],
            )
        },
        f"{API}/coaches/{{id}}/slots": {
            "get": _op(
                "Bookable one-to-one slots",
                {**_ok(200, "Slots in order of start.", {"slots": _array(_ref("Slot"))},
                       ["slots"]),
                 **_errors(401, 404, 422)},
                tag=book, op_id="listSlots",
                description="Inclusive dates in the coach's zone; at most 62 days.",
                parameters=[
                    COACH_ID,
                    _query("from", "First date, YYYY-MM-DD.", REQUEST_DATE, required=True),
                    _query("to", "Last date, YYYY-MM-DD.", REQUEST_DATE, required=True),
                ],
            )
        },
        f"{API}/coaches/{{id}}/conflicts": {
            "get": _op(
                "A coach's conflicts",
                {**_ok(200, "Future scheduled sessions outside availability.", CONFLICT_LIST,
                       ["conflicts"]),
                 **_errors(401, 403, 404)},
                tag=sessions_tag, op_id="listConflicts", parameters=[COACH_ID],
            )
        },
        f"{API}/classes": {
            "get": _op(
                "Group classes with places left",
                {**_ok(200, "Group classes (not cancelled) overlapping the range, by start.",
                       {"classes": _array(_ref("GroupClass"))}, ["classes"],
                       _links("/classes/0/id", "bookPlace")),
                 **_errors(401, 404, 422)},
                tag=book, op_id="listClasses",
                description="Anyone signed in. A missing bound is 62 days from the other one; "
                            "with neither, today and the next 62 days; at most 92 days.",
                parameters=[
                    _query("from", RANGE_TEXT, RANGE_BOUND),
                    _query("to", RANGE_TEXT, RANGE_BOUND),
                    _query("coach_id", "Only this coach's classes."),
                ],
            )
        },
        f"{API}/coaches/{{id}}/group-sessions": {
            "post": _op(
                "Schedule a one-off group class",
                {**_ok(201, "The class.", {"session": _ref("GroupClass")}, ["session"],
                       _links("/session/id", "getSession", "bookPlace", "cancelSession")),
                 **_errors(400, 401, 403, 404, 409, 422, conflicts=GROUP_SESSION_409)},
                tag=book, op_id="createGroupSession", parameters=[COACH_ID],
                description="The coach themself or an admin; inside a window marked is_group "
                            "(minus blocked slots, plus additions).",
                body=_body(_obj({"start_time": REQUEST_INSTANT, "end_time": REQUEST_INSTANT,
                                 **CLASS_FIELDS},
                                ["start_time", "end_time", "title", "capacity"])),
            )
        },
        f"{API}/coaches/{{id}}/group-series": {
            "post": _op(
                "Schedule a weekly or bi-weekly group class",
                {**_ok(201, "The series (session_type GROUP, no member) and the classes made now "
                            "(up to 6 weeks ahead; the nightly job makes the rest).",
                       {"recurring_booking": _ref("RecurringBooking"),
                        "sessions": _array(_ref("Session"))},
                       ["recurring_booking", "sessions"],
                       _links("/recurring_booking/id", "getRecurringBooking",
                              "cancelRecurringBooking")),
                 **_errors(400, 401, 403, 404, 409, 422, conflicts=SERIES_409)},
                tag=book, op_id="createGroupSeries", parameters=[COACH_ID],
                description="The coach themself or an admin; the weekday and times must lie "
                            "inside one group window.",
                body=_body(_obj(
                    {"day_of_week": DAY_OF_WEEK, "start_time": HHMM, "end_time": HHMM,
                     "start_date": REQUEST_DATE, "end_date": NULLABLE_REQUEST_DATE,
                     "frequency": {"type": ["integer", "null"], "enum": [1, 2, None],
                                   "default": 1},
                     **CLASS_FIELDS},
                    ["day_of_week", "start_time", "end_time", "start_date", "title", "capacity"],
                )),
            )
        },
        f"{API}/sessions/{{id}}/places": {
            "post": _op(
                "Book a place in a group class",
                {**_ok(201, "The booking (CONFIRMED, or WAITLISTED when the class is full) and "
                            "the class.",
                       {"booking": _ref("Booking"), "session": _ref("GroupClass")},
                       ["booking", "session"],
                       _links("/booking/id", "getBooking", "cancelBooking")),
                 **_errors(400, 401, 403, 404, 409, 422, conflicts=PLACE_409)},
                tag=book, op_id="bookPlace", parameters=[_path_id()],
                description="A member for themself; the class's coach or an admin for member_id. "
                            "waitlist (default true): false to be refused rather than wait. "
                            "Cancel with POST /bookings/{id}/cancel: the first member waiting "
                            "then gets the place.",
                body=_body(_obj({"member_id": NULLABLE_REQUEST_ID,
                                 "waitlist": {"type": ["boolean", "null"], "default": True}}),
                           required=False),
            )
        },
        f"{API}/bookings": {
            "post": _op(
                "Book a one-time session",
                {**_ok(201, "The booking and its session.",
                       {"booking": _ref("Booking"), "session": _ref("Session")},
                       ["booking", "session"],
                       {**_links("/booking/id", "getBooking", "cancelBooking"),
                        **_links("/session/id", "getSession", "cancelSession", "markNoShow",
                                 "resolveConflict")}),
                 **_errors(400, 401, 403, 404, 409, 422,
                          conflicts=BOOK_409 + IDEMPOTENT_409)},
                tag=book, op_id="createBooking", parameters=[IDEMPOTENCY_KEY],
                description="member_id: for a coach or admin booking on a member's behalf.",
                body=_body(_obj({"coach_id": REQUEST_ID, "start_time": REQUEST_INSTANT,
                                 "end_time": REQUEST_INSTANT, "member_id": NULLABLE_REQUEST_ID},
                                ["coach_id", "start_time", "end_time"])),
            )
        },
        f"{API}/bookings/{{id}}": {
            "get": _op(
                "One booking",
                {**_ok(200, "The booking and its session.",
                       {"booking": _ref("Booking"), "session": _ref("Session")},
                       ["booking", "session"]),
                 **_errors(401, 403, 404)},
                tag=book, op_id="getBooking", parameters=[_path_id()],
            )
        },
        f"{API}/bookings/{{id}}/cancel": {
            "post": _op(
                "Cancel a booking",
                {**_ok(200, "CANCELLED_BY_MEMBER, or CANCELLED_BY_COACH when a coach or admin "
                            "cancels. A place in a group class is given up (the class goes on) "
                            "and the first member waiting gets it.",
                       {"booking": _ref("Booking"), "session": _ref("Session")}, ["booking"]),
                 **_errors(401, 403, 404, 409,
                          conflicts=CANCEL_409)},
                tag=book, op_id="cancelBooking", parameters=[_path_id()],
            )
        },
        f"{API}/recurring-bookings": {
            "post": _op(
                "Book a weekly or bi-weekly series",
                {**_ok(201, "The series and the sessions generated now (up to 6 weeks ahead).",
                       {"recurring_booking": _ref("RecurringBooking"),
                        "sessions": _array(_ref("Session"))},
                       ["recurring_booking", "sessions"],
                       _links("/recurring_booking/id", "getRecurringBooking",
                              "cancelRecurringBooking")),
                 **_errors(400, 401, 403, 404, 409, 422,
                          conflicts=SERIES_409 + IDEMPOTENT_409)},
                tag=book, op_id="createRecurringBooking", parameters=[IDEMPOTENCY_KEY],
                body=_body(_obj(
                    {"coach_id": REQUEST_ID, "day_of_week": DAY_OF_WEEK, "start_time": HHMM,
                     "end_time": HHMM, "start_date": REQUEST_DATE,
                     "end_date": NULLABLE_REQUEST_DATE,
                     "frequency": {"type": ["integer", "null"], "enum": [1, 2, None],
                                   "default": 1},
                     "member_id": NULLABLE_REQUEST_ID},
                    ["coach_id", "day_of_week", "start_time", "end_time", "start_date"],
                )),
            )
        },
        f"{API}/recurring-bookings/{{id}}": {
            "get": _op(
                "One series",
                {**_ok(200, "The series.", {"recurring_booking": _ref("RecurringBooking")},
                       ["recurring_booking"]),
                 **_errors(401, 403, 404)},
                tag=book, op_id="getRecurringBooking", parameters=[_path_id()],
            )
        },
        f"{API}/recurring-bookings/{{id}}/cancel": {
            "post": _op(
                "Cancel a series",
                {**_ok(200, "The series, now CANCELLED; its scheduled sessions from from_date "
                            "(default today) are cancelled.",
                       {"recurring_booking": _ref("RecurringBooking")}, ["recurring_booking"]),
                 **_errors(400, 401, 403, 404, 409, 422,
                          conflicts=SERIES_CANCEL_409)},
                tag=book, op_id="cancelRecurringBooking", parameters=[_path_id()],
                body=_body(_obj({"from_date": NULLABLE_REQUEST_DATE}), required=False),
            )
        },
        f"{API}/recurring-bookings/{{id}}/resolve": {
            "post": _op(
                "Resolve all conflicts of a series",
                {**_ok(200, "The sessions settled, in start order; the series stays active.",
                       SESSION_LIST, ["sessions"]),
                 **_errors(400, 401, 404, 409, 422, conflicts=SERIES_RESOLVE_409)},
                tag=book, op_id="resolveRecurringBooking", parameters=[_path_id()],
                description="The series' coach or an admin (anyone else: 404).",
                body=_body(_obj({"action": {"type": "string", "enum": ["cancel", "keep"]}},
                                ["action"])),
            )
        },
        f"{API}/sessions": {
            "get": _op(
                "Sessions",
                {**_ok(200, "Sessions in start order.", SESSION_LIST, ["sessions"]),
                 **_errors(401, 403, 404, 422)},
                tag=sessions_tag, op_id="listSessions",
                description="A member sees only their own sessions, a coach only theirs.",
                parameters=[
                    _query("coach_id", "Only this coach's sessions."),
                    _query("member_id", "Only this member's sessions."),
                    _query("from", RANGE_TEXT, RANGE_BOUND),
                    _query("to", RANGE_TEXT, RANGE_BOUND),
                    _query("status", "Only sessions in this status.",
                           {"type": "string",
                            "enum": ["scheduled", "completed", "cancelled", "no_show"]}),
                ],
            )
        },
        f"{API}/sessions/{{id}}": {
            "get": _op(
                "One session",
                {**_ok(200, "The session.", {"session": _ref("Session")}, ["session"]),
                 **_errors(401, 403, 404)},
                tag=sessions_tag, op_id="getSession", parameters=[_path_id()],
            )
        },
        f"{API}/sessions/{{id}}/cancel": {
            "post": _op(
                "Cancel one session",
                {**_ok(200, "The session, now cancelled (its booking too); a series it belongs "
                            "to stays active.",
                       {"session": _ref("Session")}, ["session"]),
                 **_errors(401, 403, 404, 409,
                          conflicts=CANCEL_409)},
                tag=sessions_tag, op_id="cancelSession", parameters=[_path_id()],
                description="The member it is for, its coach or an admin; before it starts. "
                            "A member asking this of a group class gives up their place (the "
                            "class goes on); its coach cancelling it cancels every place and "
                            "notifies those members.",
            )
        },
        f"{API}/sessions/{{id}}/move": {
            "post": _op(
                "Move a session",
                {**_ok(200, "The session at its new time; everyone attending is notified.",
                       {"session": _ref("Session")}, ["session"]),
                 **_errors(400, 401, 403, 404, 409, 422, conflicts=MOVE_409)},
                tag=sessions_tag, op_id="moveSession", parameters=[_path_id()],
                description="The coach or an admin, before it starts. end_time defaults to the "
                            "same length.",
                body=_body(_obj({"start_time": REQUEST_INSTANT,
                                 "end_time": {**REQUEST_INSTANT, "type": ["string", "null"]}},
                                ["start_time"])),
            )
        },
        f"{API}/sessions/{{id}}/resolve": {
            "post": _op(
                "Resolve a conflict",
                {**_ok(200, "The session: cancelled, or kept (an availability addition now "
                            "covers exactly its slot).",
                       {"session": _ref("Session")}, ["session"]),
                 **_errors(400, 401, 403, 404, 409, 422,
                          conflicts=RESOLVE_409)},
                tag=sessions_tag, op_id="resolveConflict", parameters=[_path_id()],
                body=_body(_obj({"action": {"type": "string", "enum": ["cancel", "keep"]}},
                                ["action"])),
            )
        },
        f"{API}/sessions/{{id}}/no-show": {
            "post": _op(
                "Mark a no-show",
                {**_ok(200, "The session, now no_show.", {"session": _ref("Session")},
                       ["session"]),
                 **_errors(401, 403, 404, 409,
                          conflicts=NO_SHOW_409)},
                tag=sessions_tag, op_id="markNoShow", parameters=[_path_id()],
                description="Only once the session has started.",
            )
        },
        f"{API}/notifications": {
            "get": _op(
                "My notifications",
                {**_ok(200, "Newest first.", {"notifications": _array(_ref("Notification"))},
                       ["notifications"]),
                 **_errors(401, 422)},
                tag=meta, op_id="listNotifications",
                parameters=[_query("all", "true: read ones too (default false).",
                                   {"type": "string", "enum": ["true", "false"]})],
            )
        },
        f"{API}/notifications/{{id}}/dismiss": {
            "post": _op(
                "Mark a notification read",
                {**_ok(200, "The notification.", {"notification": _ref("Notification")},
                       ["notification"]),
                 **_errors(401, 404)},
                tag=meta, op_id="dismissNotification", parameters=[_path_id()],
            )
        },
        f"{API}/billing/statements": {
            "get": _op(
                "Monthly statements",
                {**_ok(200, "One statement per member with sessions that month.",
                       {"statements": _array(_ref("Statement"))}, ["statements"]),
                 **_errors(401, 403, 404, 422)},
                tag=bill, op_id="listStatements",
                parameters=[
                    _query("month", "YYYY-MM, years 1970 to 2999.", MONTH, required=True),
                    _query("member_id", "Only this member's statement."),
                ],
            )
        },
    }


def document() -> dict:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "coachapp JSON API",
            "version": "1.0.0",
            "description": (
                "Availability, bookings and sessions of a gym's coaches. Ids are strings; "
                "datetimes are ISO 8601 with the coach's offset; dates YYYY-MM-DD; weekly times "
                "HH:MM in the coach's zone; day_of_week 0 = Sunday … 6 = Saturday. Every error "
                "is {\"error\": {\"code\", \"message\"}}."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `flask --app wsgi users token EMAIL`.",
                }
            },
            "schemas": {"Error": _error_schema(), **SCHEMAS},
        },
    }

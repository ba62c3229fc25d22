"""Request parsing for the JSON API: one place that turns untrusted input into typed values.

The rules, the same for every endpoint:

- a body that is not JSON, or not a JSON object, is 400 ``bad_request``;
- a known field with the wrong JSON type (a string for ``day_of_week``, a number for ``start_time``)
  is 400 ``bad_request`` naming the field; unknown field names are ignored;
- a well-typed value that is invalid (out of range, a bad date or time, end before start, missing)
  is 422 ``validation_error`` naming the field, e.g. ``windows[0].end_time: must be after
  start_time``;
- an id that is not a number, or too large to exist, is 404 ``not_found``.

Every failure is a ``DomainError``, which the app's error handler turns into the contract's JSON.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from flask import request

from ..services.errors import BadRequest, NotFound, ValidationFailed

MAX_ID = 2**31 - 1
"""Ids are 32-bit integers in the database; a larger number cannot name anything."""

MIN_YEAR, MAX_YEAR = 1970, 2999
"""Dates and datetimes outside these years are refused before they reach any arithmetic."""

MAX_TEXT = 200
"""The longest free text (a reason) the database keeps."""

_ID = re.compile(r"[0-9]{1,12}")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_HHMM = re.compile(r"([0-9]{2}):([0-9]{2})")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|z|[+-][0-9]{2}:?[0-9]{2})?"
)

_MISSING = object()
_JSON_TYPES = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    list: "an array",
    dict: "an object",
}


def path(prefix: str, name: str) -> str:
    """The name of ``name`` inside ``prefix`` as messages show it: ``windows[0].end_time``."""
    return f"{prefix}.{name}" if prefix else name


def invalid(field: str, message: str) -> ValidationFailed:
    """A 422 ``validation_error`` whose message starts with the field at fault."""
    return ValidationFailed(f"{field}: {message}", field=field)


def wrong_type(field: str, expected: str) -> BadRequest:
    """A 400 ``bad_request`` for a field of the wrong JSON type."""
    return BadRequest(f"{field}: must be {expected}", field=field)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def json_object(optional: bool = False) -> dict[str, Any]:
    """The request body as a JSON object; 400 when it is not one.

    ``optional`` accepts an empty body as ``{}`` (for actions whose body is all optional). The
    content type is not checked: a client that forgets ``Content-Type: application/json`` but sends
    JSON is understood.
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        if optional:
            return {}
        raise BadRequest("The request body must be a JSON object.")
    try:
        text = raw.decode("utf-8")
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise BadRequest("The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    return data


def _check_text(value: str, field: str) -> str:
    if "\x00" in value:
        raise invalid(field, "must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise invalid(field, "is not valid Unicode text") from exc
    return value


def _get(obj: dict, name: str, prefix: str, required: bool, nullable: bool):
    """The raw value of ``name``; ``_MISSING`` for absent (or null where null means absent)."""
    field = path(prefix, name)
    value = obj.get(name, _MISSING)
    if value is None and not nullable:
        value = _MISSING
    if value is _MISSING and required:
        raise invalid(field, "is required")
    return value


def _typed(value: Any, expected: type, field: str) -> Any:
    if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise wrong_type(field, _JSON_TYPES[int])
    if not isinstance(value, expected):
        raise wrong_type(field, _JSON_TYPES[expected])
    return value


def get_str(
    obj: dict,
    name: str,
    prefix: str = "",
    *,
    required: bool = False,
    max_length: int = MAX_TEXT,
) -> str | None:
    """A string field (``None`` when absent or null and not required); 422 when too long."""
    field = path(prefix, name)
    value = _get(obj, name, prefix, required, nullable=False)
    if value is _MISSING:
        return None
    value = _check_text(_typed(value, str, field), field)
    if len(value) > max_length:
        raise invalid(field, f"must be at most {max_length} characters")
    return value


def get_int(
    obj: dict,
    name: str,
    prefix: str = "",
    *,
    required: bool = False,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """An integer field within ``[minimum, maximum]``; ``default`` when absent or null."""
    field = path(prefix, name)
    value = _get(obj, name, prefix, required, nullable=False)
    if value is _MISSING:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON Schema counts 5.0 as an integer
    value = _typed(value, int, field)
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        raise invalid(field, f"must be between {minimum} and {maximum}")
    return value


def get_bool(obj: dict, name: str, prefix: str = "", *, default: bool) -> bool:
    """A boolean field; ``default`` when absent or null."""
    field = path(prefix, name)
    value = _get(obj, name, prefix, False, nullable=False)
    if value is _MISSING:
        return default
    return _typed(value, bool, field)


def get_list(obj: dict, name: str, prefix: str = "", *, required: bool = False,
             max_items: int = 100) -> list:
    """An array field (``[]`` when absent and not required); 422 beyond ``max_items`` items."""
    field = path(prefix, name)
    value = _get(obj, name, prefix, required, nullable=False)
    if value is _MISSING:
        return []
    value = _typed(value, list, field)
    if len(value) > max_items:
        raise invalid(field, f"must have at most {max_items} items")
    return value


def get_id(obj: dict, name: str, prefix: str = "", *, required: bool = False) -> int | None:
    """An id field: a string of digits (or a JSON integer); ``None`` when absent or null.

    A value that cannot be an id at all is 404 ``not_found``, like an id that names nothing.
    """
    field = path(prefix, name)
    value = _get(obj, name, prefix, required, nullable=False)
    if value is _MISSING:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise wrong_type(field, "an id (a string of digits)")
    return to_id(value, field)


def to_id(value: str | int, field: str | None = None) -> int:
    """The int behind an id string (path or body); 404 ``not_found`` when it cannot be one."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _ID.fullmatch(value):
        number = int(value)
    else:
        number = -1
    if not 1 <= number <= MAX_ID:
        label = f"{field}: " if field else ""
        raise NotFound(f"{label}no such {field or 'resource'} {str(value)[:40]!r}", field=field)
    return number


def _check_year(year: int, field: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise invalid(field, f"the year must be between {MIN_YEAR} and {MAX_YEAR}")


def parse_date(value: Any, field: str) -> date:
    """A ``YYYY-MM-DD`` date; 400 when not a string, 422 when not a real date in range."""
    if not isinstance(value, str):
        raise wrong_type(field, "a date string YYYY-MM-DD")
    match = _DATE.fullmatch(value)
    if match is None:
        raise invalid(field, f"{value[:40]!r} is not a date; use YYYY-MM-DD")
    _check_year(int(match[1]), field)
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise invalid(field, f"{value} is not a date in the calendar") from exc


def parse_month(value: Any, field: str) -> str:
    """A ``YYYY-MM`` month, returned normalized; 422 when malformed or out of range."""
    if not isinstance(value, str):
        raise wrong_type(field, "a month string YYYY-MM")
    match = _MONTH.fullmatch(value)
    if match is None:
        raise invalid(field, f"{value[:40]!r} is not a month; use YYYY-MM")
    _check_year(int(match[1]), field)
    if not 1 <= int(match[2]) <= 12:
        raise invalid(field, f"{value} is not a month; the month must be 01 to 12")
    return value


def parse_hhmm(value: Any, field: str) -> str:
    """A wall-clock ``HH:MM`` (00:00 to 24:00); 400 when not a string, 422 when malformed."""
    if not isinstance(value, str):
        raise wrong_type(field, "a time string HH:MM")
    match = _HHMM.fullmatch(value)
    if match is None:
        raise invalid(field, f"{value[:40]!r} is not a time of day; use HH:MM (24 h)")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise invalid(field, f"{value} is not a time between 00:00 and 24:00")
    return f"{hours:02d}:{minutes:02d}"


def local_instant(naive: datetime, zone: tzinfo) -> datetime:
    """The instant at which the wall clock in ``zone`` shows ``naive``.

    A time in the spring gap moves forward by the gap; a time in the autumn fold is the first one.
    """
    return naive.replace(tzinfo=zone).astimezone(UTC)


def parse_datetime(value: Any, field: str, zone: tzinfo) -> datetime:
    """An ISO 8601 datetime as an aware UTC instant; without an offset it is read in ``zone``.

    400 when not a string; 422 when malformed, out of range, or naming a time that cannot exist.
    """
    if not isinstance(value, str):
        raise wrong_type(field, "an ISO 8601 datetime string")
    text = value
    if _DATETIME.fullmatch(text) is None:
        raise invalid(
            field, f"{value[:40]!r} is not a datetime; use ISO 8601, e.g. 2027-03-29T10:00:00+02:00"
        )
    _check_year(int(text[:4]), field)
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "Zz" else text)
        if parsed.tzinfo is None:
            return local_instant(parsed, zone)
        offset = parsed.utcoffset()
        if offset is None or abs(offset) >= timedelta(hours=24):
            raise ValueError("offset out of range")
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise invalid(field, f"{text[:40]} is not a valid datetime") from exc


def check_order(start: Any, end: Any, prefix: str = "", *, start_name: str = "start_time",
                end_name: str = "end_time") -> None:
    """422 on ``end`` when it is not after ``start`` (times, dates or instants alike)."""
    if end <= start:
        raise invalid(path(prefix, end_name), f"must be after {start_name}")


def query_arg(name: str) -> str | None:
    """A query string parameter, ``None`` when absent (present but empty is a value, and invalid
    wherever a value must match a format)."""
    return request.args.get(name)


def query_id(name: str) -> int | None:
    """An id from the query string; 404 when it cannot be an id."""
    value = query_arg(name)
    return None if value is None else to_id(value, name)


def query_date(name: str, *, required: bool = False) -> date | None:
    """A ``YYYY-MM-DD`` from the query string; 422 when missing (if required) or malformed."""
    value = query_arg(name)
    if value is None:
        if required:
            raise invalid(name, "is required (YYYY-MM-DD)")
        return None
    return parse_date(value, name)


def query_bound(name: str, zone: tzinfo, *, end: bool) -> datetime | None:
    """A range bound from the query: an inclusive date in ``zone`` or an ISO datetime.

    A date as the lower bound is that day's local midnight; as the upper bound it is the next
    day's local midnight, so both dates are included. A datetime is taken as it is.
    """
    text = query_arg(name)
    if text is None:
        return None
    if _DATE.fullmatch(text):
        day = parse_date(text, name)
        if end:
            day += timedelta(days=1)
        return local_instant(datetime(day.year, day.month, day.day), zone)
    return parse_datetime(text, name, zone)


__all__ = [
    "MAX_ID",
    "check_order",
    "get_bool",
    "get_id",
    "get_int",
    "get_list",
    "get_str",
    "invalid",
    "json_object",
    "local_instant",
    "parse_date",
    "parse_datetime",
    "parse_hhmm",
    "parse_month",
    "query_arg",
    "query_bound",
    "query_date",
    "query_id",
    "to_id",
    "wrong_type",
]

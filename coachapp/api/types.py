"""The API's value types, each declared once with its limits, its parsing and its JSON schema.

Request types parse untrusted JSON strictly (no ``"5"`` → 5): a value of the wrong JSON type fails
with a ``wrong_type`` error (400), a well-typed but invalid one with ``invalid`` (422), an id that
cannot name anything with ``not_found`` (404); ``spec.refusal`` turns them into the contract's
errors. Response types (``OutId``, ``Stamp``) turn rows into the contract's JSON: ids as strings,
instants in the zone the response is validated with (``context={"zone": …}``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, Strict, StrictBool, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_ID = 2**31 - 1
"""Ids are 32-bit integers in the database; a larger number cannot name anything."""

MIN_YEAR, MAX_YEAR = 1970, 2999
"""Dates and datetimes outside these years are refused before they reach any arithmetic."""

MAX_TEXT = 200
"""The longest free text (a reason, a title) the database keeps."""

_ID = re.compile(r"[0-9]{1,12}")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_HHMM = re.compile(r"([0-9]{2}):([0-9]{2})")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|z|[+-][0-9]{2}:?[0-9]{2})?"
)
_DAY_IN_PATH = re.compile(r"-?[0-9]{1,9}")

_YEAR = "(19[7-9][0-9]|2[0-9]{3})"
_DAY = _YEAR + "-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_CLOCK = "([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?"
_OFFSET = "(Z|z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])"


def wrong_type(expected: str) -> PydanticCustomError:
    """A value of the wrong JSON type (400 ``bad_request``)."""
    return PydanticCustomError("wrong_type", "must be {expected}", {"expected": expected})


def invalid(reason: str) -> PydanticCustomError:
    """A well-typed value that is not valid (422 ``validation_error``)."""
    return PydanticCustomError("invalid", "{reason}", {"reason": reason})


def invalid_at(field: str, reason: str) -> PydanticCustomError:
    """A 422 for ``field``, raised by a rule of the whole model (``spec.refusal`` names it)."""
    return PydanticCustomError("invalid", "{reason}", {"reason": reason, "at": (field,)})


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise invalid(f"the year must be between {MIN_YEAR} and {MAX_YEAR}")


def _string(value: Any, expected: str) -> str:
    if not isinstance(value, str):
        raise wrong_type(expected)
    return value


def to_id(value: Any) -> int:
    """The int behind an id (a string of digits or a JSON integer); ``not_found`` when it cannot
    be one, ``wrong_type`` when it is not a string or an integer."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise wrong_type("an id (a string of digits)")
    if isinstance(value, int):
        number = value
    else:
        number = int(value) if _ID.fullmatch(value) else -1
    if not 1 <= number <= MAX_ID:
        raise PydanticCustomError(
            "not_found",
            "no such {what} {value}",
            {"what": "resource", "value": repr(str(value)[:40])},
        )
    return number


def _integer(value: Any) -> Any:
    """JSON Schema counts 5.0 as an integer; so does the API (1.5 stays a wrong type)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def parse_date(value: Any) -> date:
    """A ``YYYY-MM-DD`` date, a real one in the years the API takes."""
    match = _DATE.fullmatch(_string(value, "a date string YYYY-MM-DD"))
    if match is None:
        raise invalid(f"{value[:40]!r} is not a date; use YYYY-MM-DD")
    _check_year(int(match[1]))
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise invalid(f"{value} is not a date in the calendar") from None


def _month(value: Any) -> str:
    match = _MONTH.fullmatch(_string(value, "a month string YYYY-MM"))
    if match is None:
        raise invalid(f"{value[:40]!r} is not a month; use YYYY-MM")
    _check_year(int(match[1]))
    if not 1 <= int(match[2]) <= 12:
        raise invalid(f"{value} is not a month; the month must be 01 to 12")
    return value


def _hhmm(value: Any) -> str:
    match = _HHMM.fullmatch(_string(value, "a time string HH:MM"))
    if match is None:
        raise invalid(f"{value[:40]!r} is not a time of day; use HH:MM (24 h)")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise invalid(f"{value} is not a time between 00:00 and 24:00")
    return f"{hours:02d}:{minutes:02d}"


def parse_instant(value: Any) -> datetime:
    """An ISO 8601 datetime: aware (in UTC) when it has an offset, else naive wall-clock time
    that ``local_instant`` reads in the coach's zone."""
    text = _string(value, "an ISO 8601 datetime string")
    if _DATETIME.fullmatch(text) is None:
        raise invalid(
            f"{value[:40]!r} is not a datetime; use ISO 8601, e.g. 2027-03-29T10:00:00+02:00"
        )
    _check_year(int(text[:4]))
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "Zz" else text)
        if parsed.tzinfo is None:
            return parsed
        offset = parsed.utcoffset()
        if offset is None or abs(offset) >= timedelta(hours=24):
            raise ValueError("offset out of range")
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise invalid(f"{text[:40]} is not a valid datetime") from None


def _bound(value: Any) -> date | datetime:
    text = _string(value, "a date or an ISO 8601 datetime")
    return parse_date(text) if _DATE.fullmatch(text) else parse_instant(text)


def _storable(value: Any) -> str:
    text = _string(value, "a string")
    if "\x00" in text:
        raise invalid("must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise invalid("is not valid Unicode text") from None
    return text


def _path_day(value: str) -> int:
    if not _DAY_IN_PATH.fullmatch(value):
        raise PydanticCustomError(
            "not_found", "{value} is not a day of the week", {"value": repr(value[:20])}
        )
    day = int(value)
    if not 0 <= day <= 6:
        raise invalid("must be between 0 (Sunday) and 6 (Saturday)")
    return day


def local_instant(moment: datetime, zone: tzinfo) -> datetime:
    """An instant in UTC: an aware one as it is, a naive one as wall-clock time in ``zone`` (a
    time in the spring gap moves forward by the gap; one in the autumn fold is the first)."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return moment.replace(tzinfo=zone).astimezone(UTC)


def Int(minimum: int, maximum: int, description: str | None = None) -> Any:  # noqa: N802
    """A JSON integer within ``[minimum, maximum]`` (5.0 counts, "5" and true do not)."""
    return Annotated[
        int,
        Strict(),
        Field(ge=minimum, le=maximum, description=description),
        BeforeValidator(_integer),
    ]


def Text(max_length: int = MAX_TEXT, description: str | None = None) -> Any:  # noqa: N802
    """A string the database can keep: at most ``max_length`` characters, no NUL."""
    return Annotated[
        str,
        Strict(),
        Field(max_length=max_length, description=description),
        BeforeValidator(_storable),
    ]


Id = Annotated[
    int,
    BeforeValidator(to_id),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": "An id (a JSON integer is accepted too).",
        }
    ),
]
"""An id in a request: a string of digits (or a JSON integer); 404 when it cannot name anything."""

PathId = Annotated[int, BeforeValidator(to_id), WithJsonSchema({"type": "string"})]
"""An id in a path or a query; any string is sent (one that cannot be an id is 404)."""

Weekday = Int(0, 6, "0 = Sunday … 6 = Saturday.")
"""``day_of_week`` in a body."""

PathWeekday = Annotated[
    int,
    BeforeValidator(_path_day),
    WithJsonSchema(
        {"type": "string", "description": "0 = Sunday … 6 = Saturday; a larger number is 422."}
    ),
]
"""``day_of_week`` in a path: not a number is 404, a number outside 0–6 is 422."""

HHMM = Annotated[
    str,
    BeforeValidator(_hhmm),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$",
            "description": "Wall-clock time HH:MM (24 h) in the coach's time zone; 24:00 is midnight.",
            "examples": ["09:00"],
        }
    ),
]
"""A weekly wall-clock time ``HH:MM`` (00:00 to 24:00), answered as ``HH:MM``."""

Day = Annotated[
    date,
    BeforeValidator(parse_date),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{_DAY}$",
            "description": "A date YYYY-MM-DD, years 1970 to 2999.",
            "examples": ["2027-03-22"],
        }
    ),
]
"""A ``YYYY-MM-DD`` date in a request."""

Instant = Annotated[
    datetime,
    BeforeValidator(parse_instant),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{_DAY}[T ]{_CLOCK}{_OFFSET}?$",
            "description": "ISO 8601 datetime; with an offset, or without one to mean wall-clock "
            "time in the coach's time zone. Years 1970 to 2999.",
            "examples": ["2027-03-29T10:00:00+02:00", "2027-03-29T10:00"],
        }
    ),
]
"""A datetime in a request: aware UTC, or naive (read in the coach's zone by ``local_instant``)."""

Bound = Annotated[
    date | datetime,
    BeforeValidator(_bound),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{_DAY}([T ]{_CLOCK}{_OFFSET}?)?$",
            "description": "Inclusive date (YYYY-MM-DD) in the gym's zone, or an "
            "ISO 8601 datetime.",
            "examples": ["2027-03-22", "2027-03-22T10:00:00+01:00"],
        }
    ),
]
"""A range bound in a query: an inclusive date, or a datetime."""

Month = Annotated[
    str,
    BeforeValidator(_month),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{_YEAR}-(0[1-9]|1[0-2])$",
            "description": "YYYY-MM, years 1970 to 2999.",
            "examples": ["2027-03"],
        }
    ),
]
"""A ``YYYY-MM`` month."""

Flag = StrictBool
"""A JSON boolean (no "true" → True)."""


def _out_id(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


OutId = Annotated[
    str,
    BeforeValidator(_out_id),
    WithJsonSchema(
        {"type": "string", "pattern": "^[0-9]+$", "description": "An id: digits, as a string."}
    ),
]
"""An id in a response: always a string."""


def _stamp(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, datetime):
        zone = (info.context or {}).get("zone") or UTC
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(zone).isoformat(timespec="seconds")
    return value


Stamp = Annotated[
    str,
    BeforeValidator(_stamp),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601 with the offset of the coach's time zone.",
            "examples": ["2027-03-29T10:00:00+02:00"],
        }
    ),
]
"""An instant in a response, to the second, in the response's zone."""

OutDay = Annotated[
    date, WithJsonSchema({"type": "string", "format": "date", "examples": ["2027-03-22"]})
]
"""A date in a response."""

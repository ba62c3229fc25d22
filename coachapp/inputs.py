"""Reading ids, numbers, dates and instants from what a browser sent: the one place the pages do it.

A value a person (or anyone crafting a URL) typed is text. ``str.isdigit`` and ``int`` accept
more than an id (``"²"`` is a digit to ``isdigit`` but not to ``int``; ``"٣"`` is 3 to ``int``),
``date.fromisoformat`` accepts years whose arithmetic overflows, and an id as long as a phone
number does not fit the databases' integer columns. Each function here answers the value or
None, never an exception, so a view turns None into its 404 or its inline message. The URL
converter ``IdConverter`` applies the same rule to ``<int:…>`` in routes, and ``refuse_nul``
turns away a page request carrying a NUL character anywhere (PostgreSQL cannot store one in
text, and no person types one).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, ValidationError

from .services.coaches import FIRST_YEAR, LAST_YEAR, is_id

MAX_ID = 2**31 - 1
"""The largest id: ids are SQL ``integer`` columns (``services.coaches.is_id`` says the same)."""

_DIGITS = re.compile(r"[0-9]{1,10}")
_DATE = re.compile(r"([0-9]{4})-[0-9]{2}-[0-9]{2}")
_MAX_INSTANT_TEXT = 40


def parse_int(text: object, low: int = 0, high: int = MAX_ID) -> int | None:
    """``text`` as a whole number in ``[low, high]``: ASCII digits only (no sign, no spaces around
    it but stripped ones), at most ten of them; else None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if _DIGITS.fullmatch(text) is None:
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_id(text: object) -> int | None:
    """``text`` as a row id (1 to ``MAX_ID``, ASCII digits); else None."""
    number = parse_int(text, 1, MAX_ID)
    return number if number is not None and is_id(number) else None


def in_years(value: date) -> bool:
    """Whether a date or instant lies in the years the app works with (``FIRST_YEAR``–``LAST_YEAR``):
    outside them, date arithmetic near year 1 or 9999 overflows."""
    return FIRST_YEAR <= value.year <= LAST_YEAR


def parse_date(text: object) -> date | None:
    """``text`` as a ``YYYY-MM-DD`` date in the supported years; else None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if _DATE.fullmatch(text) is None:
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if in_years(value) else None


def parse_instant(text: object) -> datetime | None:
    """``text`` as an ISO 8601 instant with a UTC offset (as slot links carry), in the supported
    years both where it was written and in UTC; else None."""
    if not isinstance(text, str) or len(text.strip()) > _MAX_INSTANT_TEXT:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        return None
    if not in_years(value) or not in_years(value.replace(tzinfo=None) - value.utcoffset()):
        return None
    return value


class IdConverter(IntegerConverter):
    """``<int:…>`` in routes: ASCII digits up to ``MAX_ID``. A longer or larger number, or a
    digit from another script, matches no route (404) instead of reaching a query."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str) -> int:
        """The number, or no match when it does not fit."""
        number = parse_int(value, 0 if self.min is None else self.min, self.max)
        if number is None:
            raise ValidationError()
        return number


def has_nul(values) -> bool:
    """Whether any key or value of a ``MultiDict`` holds a NUL character."""
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def refuse_nul(app: Flask) -> None:
    """Answer 400 to a page request whose path, query or form holds a NUL character, before any
    view reads it (the JSON API checks its own input)."""

    @app.before_request
    def no_nul_characters():
        if request.path.startswith("/api/"):
            return None
        if "\x00" in request.path or has_nul(request.args) or has_nul(request.form):
            abort(400, "Text with a NUL character (\\0) cannot be used.")
        return None

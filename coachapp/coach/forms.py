"""The coach pages' forms: read what the coach typed, keep it for re-display, map service errors
back to the field that caused them.

Parsing here is only about the shape of the input (a date is a date); whether the values make
sense (end after start, no overlap, the room exists) is the services' call, and their
``DomainError.field`` tells which input to mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from werkzeug.datastructures import MultiDict

from ..errors import sentence
from ..inputs import parse_date, parse_id
from ..scheduling import ValidationError, local_datetime, parse_hhmm
from ..services.availability import AlreadyThere, WindowInput
from ..services.errors import DomainError

KINDS = {
    "individual": (True, False),
    "group": (False, True),
    "both": (True, True),
}
KIND_LABELS = {"individual": "1:1", "group": "Group", "both": "1:1 and group"}
_WINDOW_FIELD = re.compile(r"windows\[(\d+)\]\.(\w+)")
_ROW_KEY = re.compile(r"start_time-([0-9]{1,4})")


def optional_id(value: str) -> int | str | None:
    """A chosen id: None when blank, an int when numeric, else the text (the service refuses it
    by name)."""
    value = (value or "").strip()
    if not value:
        return None
    number = parse_id(value)
    return value if number is None else number


@dataclass
class WindowRow:
    """One weekly window as shown in the day editor (strings, as typed)."""

    start_time: str = ""
    end_time: str = ""
    room_id: str = ""
    kind: str = "individual"

    @classmethod
    def of(cls, window) -> WindowRow:
        """The editor row of a stored weekly_availability window."""
        kind = (
            "both"
            if window.is_individual and window.is_group
            else ("group" if window.is_group else "individual")
        )
        return cls(
            window.start_time,
            window.end_time,
            "" if window.room_id is None else str(window.room_id),
            kind,
        )

    def to_input(self) -> WindowInput:
        """The service's input; ``00:00`` as an end means midnight (a time input cannot say 24:00)."""
        end = self.end_time.strip()
        if end in ("00:00", "0:00") and self.start_time.strip() not in ("", "00:00", "0:00"):
            end = "24:00"
        individual, group = KINDS.get(self.kind, (False, False))
        return WindowInput(
            start_time=self.start_time.strip(),
            end_time=end,
            room_id=optional_id(self.room_id),  # type: ignore[arg-type]  # the service names a bad one
            is_individual=individual,
            is_group=group,
        )


@dataclass
class DayForm:
    """A weekday's windows being edited, with errors per ``(row, field)`` and for the whole day."""

    rows: list[WindowRow] = field(default_factory=list)
    errors: dict[tuple[int, str], str] = field(default_factory=dict)
    error: str | None = None

    @classmethod
    def from_form(cls, form: MultiDict) -> DayForm:
        """The rows the browser sent, in the order they were shown."""
        indexes = sorted(int(m[1]) for key in form if (m := _ROW_KEY.fullmatch(key)))
        rows = [
            WindowRow(
                form.get(f"start_time-{i}", ""),
                form.get(f"end_time-{i}", ""),
                form.get(f"room_id-{i}", ""),
                form.get(f"kind-{i}", "individual"),
            )
            for i in indexes
        ]
        return cls(rows=rows)

    @property
    def values(self) -> dict[str, str]:
        """The rows as typed, by the names the editor posts (``start_time-0`` …), to post again."""
        return {
            f"{name}-{i}": getattr(row, name)
            for i, row in enumerate(self.rows)
            for name in ("start_time", "end_time", "room_id", "kind")
        }

    def inputs(self) -> list[WindowInput]:
        """The windows for ``availability.replace_weekly_day``."""
        return [row.to_input() for row in self.rows]

    def fail(self, exc: DomainError) -> None:
        """Attach a service refusal to the row and field it names."""
        found = _WINDOW_FIELD.fullmatch(exc.field or "")
        if found and int(found[1]) < len(self.rows):
            name = found[2]
            name = "kind" if name in ("is_individual", "is_group") else name
            self.errors[(int(found[1]), name)] = sentence(exc)
        else:
            self.error = sentence(exc)


@dataclass
class Form:
    """Values as typed (kept for re-display), an error per field name, and the HTTP status of
    the answer that shows them (422 for what is unreadable; a service refusal's own, ``fail``)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    status: int = 422

    def get(self, name: str, default: str = "") -> str:
        """The value typed for ``name``."""
        return self.values.get(name, default)

    def fail(self, exc: DomainError, fields: dict[str, str] | None = None) -> None:
        """Attach a service refusal to its field (``fields`` maps service field names to ours);
        a refusal about no field of this form goes under ``""``, the form as a whole, and so does
        a repeated or overlapping blocked slot or addition (it names the one already there)."""
        self.status = exc.status
        if isinstance(exc, AlreadyThere):
            self.errors[""] = sentence(exc)
            return
        name = (fields or {}).get(exc.field or "", exc.field or "")
        self.errors[name if name in self.values else ""] = sentence(exc)

    @property
    def ok(self) -> bool:
        """No error so far."""
        return not self.errors


def _date(form: Form, name: str, required: bool = True) -> date | None:
    raw = form.get(name).strip()
    if not raw:
        if required:
            form.errors[name] = "Choose a date."
        return None
    value = parse_date(raw)
    if value is None:
        form.errors[name] = f"{raw[:40]!r} is not a date we can use; use YYYY-MM-DD."
    return value


def _minute(form: Form, name: str) -> int | None:
    raw = form.get(name).strip()
    if not raw:
        form.errors[name] = "Choose a time."
        return None
    try:
        return parse_hhmm(raw, name)
    except ValidationError as exc:
        form.errors[name] = exc.message
        return None


BLOCK_FIELDS = ("from_date", "to_date", "whole_days", "from_time", "to_time", "reason")


def block_form(data: MultiDict | None = None) -> Form:
    """The blocked-time form; a new one blocks whole days."""
    if data is None:
        return Form({"whole_days": "1"})
    return Form({name: data.get(name, "") for name in BLOCK_FIELDS})


def block_span(form: Form, tz: tzinfo) -> tuple[datetime, datetime] | None:
    """The instants a blocked-time form means, in the coach's zone; None (with errors) if unreadable.

    Whole days run from midnight of the first date to midnight after the last; otherwise from the
    first date and time to the last date (default: the same day) and time.
    """
    first = _date(form, "from_date")
    last = _date(form, "to_date", required=False)
    whole = bool(form.get("whole_days"))
    start_minute = end_minute = 0
    if not whole:
        start_minute = _minute(form, "from_time")
        end_minute = _minute(form, "to_time")
    if not form.ok or first is None:
        return None
    last = last or first
    if last < first:
        form.errors["to_date"] = "The last day must not be before the first."
        return None
    if whole:
        return local_datetime(first, 0, tz), local_datetime(last + timedelta(days=1), 0, tz)
    return local_datetime(first, start_minute, tz), local_datetime(last, end_minute, tz)


def block_field_names(form: Form) -> dict[str, str]:
    """Where the service's ``start_time``/``end_time`` errors belong on this blocked-time form."""
    if form.get("whole_days"):
        return {"start_time": "from_date", "end_time": "to_date"}
    return {"start_time": "from_time", "end_time": "to_time"}


ADDITION_FIELDS = ("date", "start_time", "end_time", "room_id", "reason")


def addition_form(data: MultiDict | None = None, room_id: int | None = None) -> Form:
    """The extra-availability form (the room defaults to the coach's default room)."""
    if data is None:
        return Form({"room_id": "" if room_id is None else str(room_id)})
    return Form({name: data.get(name, "") for name in ADDITION_FIELDS})


def addition_span(form: Form, tz: tzinfo) -> tuple[datetime, datetime] | None:
    """The instants of an addition: a date and two times (an end of 00:00 means midnight)."""
    day = _date(form, "date")
    start = _minute(form, "start_time")
    end = _minute(form, "end_time")
    if not form.ok or day is None:
        return None
    if end == 0 and start:
        end = 1440
    return local_datetime(day, start, tz), local_datetime(day, end, tz)


SETTINGS_FIELDS = (
    "default_room_id",
    "default_duration",
    "timezone",
    "cancellation_window_hours",
    "booking_horizon_days",
    "min_notice_minutes",
)


def settings_form(data: MultiDict | None = None, settings=None) -> Form:
    """The settings form, filled from stored settings or from what was posted."""
    if data is None:
        return Form(
            {
                "default_room_id": ""
                if settings.default_room_id is None
                else str(settings.default_room_id),
                "default_duration": str(settings.default_duration),
                "timezone": settings.timezone,
                "cancellation_window_hours": str(settings.cancellation_window_hours),
                "booking_horizon_days": str(settings.booking_horizon_days),
                "min_notice_minutes": str(settings.min_notice_minutes),
            }
        )
    return Form({name: data.get(name, "") for name in SETTINGS_FIELDS})


def whole_number(form: Form, name: str) -> int | str:
    """The field as an int when it is one; else the text, for the service to refuse by name."""
    raw = form.get(name).strip()
    try:
        return int(raw)
    except ValueError:
        form.errors[name] = "Enter a whole number." if raw else "Enter a number."
        return raw


MOVE_FIELDS = ("start", "date", "time")


def move_form(data: MultiDict | None = None) -> Form:
    """The move form: a suggested ``start`` (``YYYY-MM-DDTHH:MM``) or a date and a time."""
    return Form({name: (data or {}).get(name, "") for name in MOVE_FIELDS})


def move_start(form: Form, tz: tzinfo) -> datetime | None:
    """The new start in the coach's zone; None (with errors) when unreadable."""
    raw = form.get("start").strip()
    if raw:
        day_text, _, time_text = raw.partition("T")
        form.values.update(date=day_text, time=time_text[:5])
    day = _date(form, "date")
    minute = _minute(form, "time")
    if not form.ok or day is None:
        return None
    return local_datetime(day, minute, tz)


GROUP_FIELDS = ("title", "capacity", "date", "start_time", "end_time", "repeat", "until", "room_id")
REPEATS = {"once": None, "weekly": 1, "biweekly": 2}
GROUP_FIELD_NAMES = {
    "start_date": "date",
    "day_of_week": "date",
    "end_date": "until",
    "frequency": "repeat",
}
"""Where a group-class refusal from the services belongs on the form."""


def group_form(
    data: MultiDict | None = None, day: date | None = None, room_id: int | None = None
) -> Form:
    """The "schedule a group class" form: a date and times, once or every 1 or 2 weeks."""
    if data is None:
        return Form(
            {
                "title": "",
                "capacity": "10",
                "date": day.isoformat() if day else "",
                "start_time": "",
                "end_time": "",
                "repeat": "once",
                "until": "",
                "room_id": "" if room_id is None else str(room_id),
            }
        )
    return Form({name: data.get(name, "") for name in GROUP_FIELDS})


@dataclass(frozen=True)
class GroupRequest:
    """What a filled-in group-class form asks for (times still as typed ``HH:MM``)."""

    title: str
    capacity: int | str
    day: date
    start_time: str
    end_time: str
    frequency: int | None
    until: date | None
    room_id: int | str | None


def group_request(form: Form) -> GroupRequest | None:
    """The form as a request for the services; None (with errors) when unreadable."""
    day = _date(form, "date")
    start = _minute(form, "start_time")
    end = _minute(form, "end_time")
    until = _date(form, "until", required=False)
    if form.get("repeat") not in REPEATS:
        form.errors["repeat"] = "Choose once, every week or every 2 weeks."
    capacity = whole_number(form, "capacity")
    if not form.ok or day is None:
        return None
    if end == 0 and start:
        end = 1440
    return GroupRequest(
        title=form.get("title"),
        capacity=capacity,
        day=day,
        start_time=f"{start // 60:02d}:{start % 60:02d}",
        end_time=f"{end // 60:02d}:{end % 60:02d}",
        frequency=REPEATS[form.get("repeat")],
        until=until,
        room_id=optional_id(form.get("room_id")),
    )

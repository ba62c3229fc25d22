"""Billing pages and exports on top of ``billing.statements``: totals per member and per coach, the
month picker's arithmetic, and the CSV the gym's accounting tool imports.

The CSV has one line per session, a fixed header (``CSV_COLUMNS``), UTF-8 without a byte order
mark, RFC 4180 quoting and ``\\r\\n`` line ends. Dates are ISO (``2027-03-02``), times ISO 8601 in
the gym's zone with their offset (``2027-03-02T10:00:00+01:00``), ``billable`` is ``true`` or
``false``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app

from .. import inputs
from ..models import User, utcnow
from ..vocab import SessionStatus
from . import billing
from .billing import Statement, StatementLine
from .errors import ValidationFailed

CSV_COLUMNS = (
    "member_id",
    "member_name",
    "session_id",
    "date",
    "start_time",
    "end_time",
    "coach_id",
    "coach_name",
    "type",
    "status",
    "billable",
    "note",
)
"""The export's header, in order; accounting imports map these names, so they never change."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class MemberTotal:
    """A member's month at a glance: sessions on the statement and how many are billable."""

    member_id: int
    member_name: str
    sessions: int
    billable: int
    no_shows: int
    late_cancels: int


@dataclass(frozen=True)
class CoachTotal:
    """A coach's month for payroll: sessions held (``delivered``, i.e. completed), no-shows, late
    cancellations and cancellations by the coach, and how many of their sessions are billable."""

    coach_id: int
    coach_name: str
    sessions: int
    delivered: int
    no_shows: int
    late_cancels: int
    cancelled_by_coach: int
    billable: int


@dataclass(frozen=True)
class Month:
    """A statement month: the statements, their totals, and the months either side."""

    month: str
    statements: list[Statement]
    member_totals: list[MemberTotal]
    coach_totals: list[CoachTotal]
    previous: str
    next: str

    @property
    def sessions(self) -> int:
        """How many sessions the month shows."""
        return sum(len(s.lines) for s in self.statements)

    @property
    def billable(self) -> int:
        """How many of them are billable."""
        return sum(s.billable_count for s in self.statements)


def gym_zone() -> ZoneInfo:
    """The zone months are cut in (COACHAPP_TIMEZONE)."""
    return ZoneInfo(current_app.config["COACHAPP_TIMEZONE"])


def current_month() -> str:
    """This month in the gym's zone, ``YYYY-MM``."""
    return utcnow().astimezone(gym_zone()).strftime("%Y-%m")


def shift_month(month: str, delta: int) -> str:
    """``month`` moved by ``delta`` months (``2027-01`` - 1 is ``2026-12``); ``month`` must be valid."""
    year, number = int(month[:4]), int(month[5:7])
    index = year * 12 + number - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_id(value: str | None, field: str) -> int | None:
    """An optional id from a query string; ValidationFailed naming ``field`` when it is not one."""
    if value in (None, ""):
        return None
    number = inputs.parse_id(value)
    if number is None:
        raise ValidationFailed(f"{value[:40]!r} is not an id.", field=field)
    return number


def only_coach(statements: list[Statement], coach_id: int) -> list[Statement]:
    """The statements cut down to one coach's sessions (members without any left out)."""
    out = []
    for statement in statements:
        lines = [line for line in statement.lines if line.coach_id == coach_id]
        if lines:
            billable = sum(1 for line in lines if line.billable)
            out.append(replace(statement, lines=lines, billable_count=billable))
    return out


def member_totals(statements: list[Statement]) -> list[MemberTotal]:
    """One total per statement, by member name."""
    totals = [
        MemberTotal(
            member_id=s.member_id,
            member_name=s.member_name,
            sessions=len(s.lines),
            billable=s.billable_count,
            no_shows=sum(1 for line in s.lines if line.status == SessionStatus.NO_SHOW),
            late_cancels=sum(1 for line in s.lines if line.note == "late cancel"),
        )
        for s in statements
    ]
    return sorted(totals, key=lambda t: (t.member_name.lower(), t.member_id))


def coach_totals(statements: list[Statement]) -> list[CoachTotal]:
    """One total per coach over every line of ``statements``, by coach name."""
    counts: dict[int, dict[str, int]] = {}
    names: dict[int, str] = {}
    for statement in statements:
        for line in statement.lines:
            names[line.coach_id] = line.coach_name
            row = counts.setdefault(
                line.coach_id,
                dict.fromkeys(
                    (
                        "sessions",
                        "delivered",
                        "no_shows",
                        "late_cancels",
                        "cancelled_by_coach",
                        "billable",
                    ),
                    0,
                ),
            )
            row["sessions"] += 1
            row["delivered"] += line.status == SessionStatus.COMPLETED
            row["no_shows"] += line.status == SessionStatus.NO_SHOW
            row["late_cancels"] += line.note == "late cancel"
            row["cancelled_by_coach"] += line.note == "cancelled by coach"
            row["billable"] += line.billable
    totals = [CoachTotal(coach_id=cid, coach_name=names[cid], **row) for cid, row in counts.items()]
    return sorted(totals, key=lambda t: (t.coach_name.lower(), t.coach_id))


def month_of(
    actor: User, month: str, member_id: int | None = None, coach_id: int | None = None
) -> Month:
    """The statements ``actor`` may see for ``month`` (``billing.statements`` decides who sees
    what), optionally only one member's or one coach's, with their totals."""
    statements = billing.statements(actor, month, member_id=member_id)
    if coach_id is not None:
        statements = only_coach(statements, coach_id)
    month = month.strip()
    return Month(
        month=month,
        statements=statements,
        member_totals=member_totals(statements),
        coach_totals=coach_totals(statements),
        previous=shift_month(month, -1),
        next=shift_month(month, 1),
    )


def _text(value: str) -> str:
    """Neutralise a cell a spreadsheet would run as a formula (a name like ``=HYPERLINK(...)``)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_row(statement: Statement, line: StatementLine, tz: ZoneInfo) -> list[str]:
    """One session as the export's cells, in ``CSV_COLUMNS`` order."""
    return [
        str(statement.member_id),
        _text(statement.member_name),
        str(line.session_id),
        line.date.isoformat(),
        line.start_time.astimezone(tz).isoformat(),
        line.end_time.astimezone(tz).isoformat(),
        str(line.coach_id),
        _text(line.coach_name),
        line.type,
        line.status,
        "true" if line.billable else "false",
        line.note or "",
    ]


def to_csv(statements: list[Statement]) -> str:
    """The export of ``statements``: the header, then one line per session (member, then time)."""
    tz = gym_zone()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for statement in statements:
        for line in statement.lines:
            writer.writerow(csv_row(statement, line, tz))
    return buffer.getvalue()


def csv_filename(month: str) -> str:
    """``coachapp-billing-YYYY-MM.csv``."""
    return f"coachapp-billing-{month}.csv"


def first_day(month: str) -> date:
    """The first day of a valid ``month`` (for headings)."""
    return date(int(month[:4]), int(month[5:7]), 1)


__all__ = [
    "CSV_COLUMNS",
    "CoachTotal",
    "MemberTotal",
    "Month",
    "coach_totals",
    "csv_filename",
    "csv_row",
    "current_month",
    "first_day",
    "member_totals",
    "month_of",
    "only_coach",
    "parse_id",
    "shift_month",
    "to_csv",
]

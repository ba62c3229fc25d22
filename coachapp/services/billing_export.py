"""Billing pages and exports on top of ``billing.statements``: totals per member and per coach, the
month picker's arithmetic, and the CSV the gym's accounting tool imports.

The CSV has one line per session, a fixed header (``CSV_COLUMNS``), UTF-8 without a byte order
mark, RFC 4180 quoting and ``\\r\\n`` line ends. Dates are ISO (``2027-03-02``), times ISO 8601 in
the gym's zone with their offset (``2027-03-02T10:00:00+01:00``), ``billable`` is ``true`` or
``false``, ``membership_id`` names the membership whose credit covers the line (blank: none).
The credits export (``credits_csv``) has one line per member and membership used that month.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import inputs
from ..extensions import db
from ..models import Membership, User, utcnow
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
    "membership_id",
)
"""The export's header, in order; accounting imports map these names, so they never change
(a new column is only ever added at the end)."""

CREDITS_COLUMNS = (
    "member_id",
    "member_name",
    "month",
    "membership_id",
    "plan",
    "credits_used",
    "credits_left",
    "ends_on",
)
"""The credits export's header: per member and membership, the credits its lines of the month
hold, and what is left of it now (blank for an unlimited one)."""

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
    credits_used: int = 0


@dataclass(frozen=True)
class CreditUse:
    """A member's use of one membership in a month: how many lines of the month hold its
    credit, and the membership as it is now (``credits_left`` None: unlimited)."""

    member_id: int
    member_name: str
    membership_id: int
    plan_name: str
    credits_used: int
    credits_left: int | None
    ends_on: date


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

    @property
    def credits_used(self) -> int:
        """How many of them a membership's credit covers."""
        return sum(s.credits_used for s in self.statements)


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
            credits_used=s.credits_used,
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


def credit_uses(statements: list[Statement]) -> list[CreditUse]:
    """Per member and membership, the credits the month's lines hold (by member name, then
    membership); the memberships and their plans in one query."""
    counts: dict[tuple[int, int], int] = {}
    names: dict[int, str] = {}
    for statement in statements:
        names[statement.member_id] = statement.member_name
        for line in statement.lines:
            if line.membership_id is not None:
                key = (statement.member_id, line.membership_id)
                counts[key] = counts.get(key, 0) + 1
    if not counts:
        return []
    rows = {
        m.id: m
        for m in db.session.scalars(
            select(Membership)
            .where(Membership.id.in_({membership for _, membership in counts}))
            .options(joinedload(Membership.plan))
        )
    }
    uses = [
        CreditUse(
            member_id=member,
            member_name=names[member],
            membership_id=membership,
            plan_name=rows[membership].plan.name,
            credits_used=used,
            credits_left=rows[membership].credits_left,
            ends_on=rows[membership].ends_on,
        )
        for (member, membership), used in counts.items()
        if membership in rows
    ]
    return sorted(uses, key=lambda u: (u.member_name.lower(), u.member_id, u.membership_id))


def credits_csv(month: str, uses: list[CreditUse]) -> str:
    """The credits export of ``month``: the header, then one line per member and membership."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CREDITS_COLUMNS)
    for use in uses:
        writer.writerow(
            [
                str(use.member_id),
                _text(use.member_name),
                month,
                str(use.membership_id),
                _text(use.plan_name),
                str(use.credits_used),
                "" if use.credits_left is None else str(use.credits_left),
                use.ends_on.isoformat(),
            ]
        )
    return buffer.getvalue()


def credits_filename(month: str) -> str:
    """``coachapp-credits-YYYY-MM.csv``."""
    return f"coachapp-credits-{month}.csv"


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
        "" if line.membership_id is None else str(line.membership_id),
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
    "CREDITS_COLUMNS",
    "CSV_COLUMNS",
    "CoachTotal",
    "CreditUse",
    "MemberTotal",
    "Month",
    "coach_totals",
    "credit_uses",
    "credits_csv",
    "credits_filename",
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

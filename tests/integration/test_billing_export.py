"""The billing export: CSV lines, totals per member and per coach, month arithmetic, no N+1.

Past sessions are made directly as rows with the status they ended in (the services would refuse
to book the past); the gym is in Europe/Berlin.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from coachapp.extensions import db
from coachapp.models import TrainingSession
from coachapp.services import billing_export
from coachapp.services.errors import ValidationFailed

BERLIN = ZoneInfo("Europe/Berlin")


def add_session(coach, member, start: str, status: str = "completed", cancelled_by=None,
                cancelled_before: timedelta | None = None, minutes: int = 60):
    """A session row at Berlin wall-clock ``start`` ("2027-03-02 10:00") in its final state."""
    begin = datetime.fromisoformat(start).replace(tzinfo=BERLIN)
    row = TrainingSession(
        coach_id=coach.id, member_id=member.id, start_time=begin,
        end_time=begin + timedelta(minutes=minutes), status=status, cancelled_by=cancelled_by,
        cancelled_at=begin - cancelled_before if cancelled_before is not None else None,
    )
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def month(make_user):
    """March 2027: Zoë has a held session, a no-show, a late cancel, a timely cancel and one the
    coach cancelled; Max one held session with the other coach; a session just after midnight on
    1 April (still 31 March in UTC) belongs to April."""
    admin = make_user("admin")
    carla = make_user("coach", name="Carla Coach")
    otto = make_user("coach", name="Otto Coach")
    zoe = make_user("member", name="Zoë Müller")
    max_ = make_user("member", name="Max Member")
    s = SimpleNamespace(admin=admin, carla=carla, otto=otto, zoe=zoe, max=max_)
    s.held = add_session(carla, zoe, "2027-03-02 10:00")
    s.no_show = add_session(carla, zoe, "2027-03-03 10:00", "no_show")
    s.late = add_session(carla, zoe, "2027-03-04 10:00", "cancelled", "MEMBER", timedelta(hours=2))
    s.timely = add_session(carla, zoe, "2027-03-05 10:00", "cancelled", "MEMBER", timedelta(days=3))
    s.by_coach = add_session(carla, zoe, "2027-03-08 10:00", "cancelled", "COACH", timedelta(hours=1))
    s.last_evening = add_session(carla, zoe, "2027-03-31 23:00", minutes=30)
    s.april = add_session(carla, zoe, "2027-04-01 00:30")
    s.other = add_session(otto, max_, "2027-03-09 18:00")
    return s


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_the_documented_header_and_one_line_per_session(month):
    data = billing_export.month_of(month.admin, "2027-03")
    text = billing_export.to_csv(data.statements)
    assert text.splitlines()[0] == (
        "member_id,member_name,session_id,date,start_time,end_time,coach_id,coach_name,type,"
        "status,billable,note,membership_id"
    )
    assert "\r\n" in text
    rows = rows_of(text)
    assert len(rows) == 7
    by_id = {int(r["session_id"]): r for r in rows}
    assert by_id[month.held.id] == {
        "member_id": str(month.zoe.id), "member_name": "Zoë Müller",
        "session_id": str(month.held.id), "date": "2027-03-02",
        "start_time": "2027-03-02T10:00:00+01:00", "end_time": "2027-03-02T11:00:00+01:00",
        "coach_id": str(month.carla.id), "coach_name": "Carla Coach", "type": "ONE_TO_ONE",
        "status": "completed", "billable": "true", "note": "", "membership_id": "",
    }
    assert (by_id[month.no_show.id]["billable"], by_id[month.no_show.id]["note"]) == ("true", "no-show")
    assert (by_id[month.late.id]["billable"], by_id[month.late.id]["note"]) == ("true", "late cancel")
    assert (by_id[month.timely.id]["billable"], by_id[month.timely.id]["note"]) == (
        "false", "cancelled in time")
    assert (by_id[month.by_coach.id]["billable"], by_id[month.by_coach.id]["note"]) == (
        "false", "cancelled by coach")


def test_months_are_cut_in_the_gyms_zone(month):
    march = {int(r["session_id"]) for r in rows_of(
        billing_export.to_csv(billing_export.month_of(month.admin, "2027-03").statements))}
    april = rows_of(billing_export.to_csv(billing_export.month_of(month.admin, "2027-04").statements))
    assert month.last_evening.id in march  # 23:00 CEST on the 31st is 21:00 UTC: March
    assert month.april.id not in march  # 00:30 CEST on 1 April is 22:30 UTC on 31 March
    assert [(int(r["session_id"]), r["date"], r["start_time"]) for r in april] == [
        (month.april.id, "2027-04-01", "2027-04-01T00:30:00+02:00")]


def test_totals_per_member_and_per_coach(month):
    data = billing_export.month_of(month.admin, "2027-03")
    assert [(t.member_name, t.sessions, t.billable, t.no_shows, t.late_cancels)
            for t in data.member_totals] == [
        ("Max Member", 1, 1, 0, 0),
        ("Zoë Müller", 6, 4, 1, 1),
    ]
    assert [(t.coach_name, t.sessions, t.delivered, t.no_shows, t.late_cancels,
             t.cancelled_by_coach, t.billable) for t in data.coach_totals] == [
        ("Carla Coach", 6, 2, 1, 1, 1, 4),
        ("Otto Coach", 1, 1, 0, 0, 0, 1),
    ]
    assert (data.sessions, data.billable) == (7, 5)
    assert (data.previous, data.next) == ("2027-02", "2027-04")


def test_drill_down_to_one_coach(month):
    data = billing_export.month_of(month.admin, "2027-03", coach_id=month.otto.id)
    assert [(s.member_name, len(s.lines), s.billable_count) for s in data.statements] == [
        ("Max Member", 1, 1)]
    assert [t.coach_name for t in data.coach_totals] == ["Otto Coach"]


def test_who_sees_what(month):
    assert [s.member_id for s in billing_export.month_of(month.max, "2027-03").statements] == [
        month.max.id]
    mine = billing_export.month_of(month.otto, "2027-03")
    assert {line.coach_id for s in mine.statements for line in s.lines} == {month.otto.id}


def test_a_name_a_spreadsheet_would_run_is_defused(month, make_user):
    sneaky = make_user("member", name="=HYPERLINK(\"http://x\")")
    add_session(month.otto, sneaky, "2027-03-10 18:00")
    rows = rows_of(billing_export.to_csv(billing_export.month_of(month.admin, "2027-03").statements))
    assert "'=HYPERLINK(\"http://x\")" in {r["member_name"] for r in rows}


def test_the_statement_costs_the_same_few_queries_however_many_members(month, make_user):
    def queries() -> int:
        seen = []
        engine = db.engine

        def count(*_args):
            seen.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            db.session.expire_all()
            billing_export.to_csv(billing_export.month_of(month.admin, "2027-03").statements)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    before = queries()
    for n in range(6):
        member = make_user("member")
        coach = make_user("coach")
        add_session(coach, member, f"2027-03-1{n} 08:00")
    assert queries() == before


@pytest.mark.parametrize(("month", "delta", "expected"), [
    ("2027-01", -1, "2026-12"), ("2027-12", 1, "2028-01"), ("2027-03", 0, "2027-03"),
    ("2027-03", -15, "2025-12"),
])
def test_shift_month(month, delta, expected):
    assert billing_export.shift_month(month, delta) == expected


@pytest.mark.parametrize("value", ["abc", "1.5", "-3", "²", "99999999999"])
def test_ids_in_query_strings_are_checked(value):
    with pytest.raises(ValidationFailed) as caught:
        billing_export.parse_id(value, "member")
    assert caught.value.field == "member"
    assert billing_export.parse_id("", "member") is None
    assert billing_export.parse_id("42", "member") == 42


def test_current_month_is_the_gyms(app, monkeypatch):
    late = datetime(2027, 3, 31, 22, 30, tzinfo=UTC)  # 00:30 on 1 April in Berlin
    monkeypatch.setattr(billing_export, "utcnow", lambda: late)
    assert billing_export.current_month() == "2027-04"
    assert billing_export.csv_filename("2027-04") == "coachapp-billing-2027-04.csv"

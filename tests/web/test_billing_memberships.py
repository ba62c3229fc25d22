"""Billing with memberships (issue 17 item 5): a line a membership covers carries its
membership_id and is not charged per session; the admin's page and the CSVs show the credits
used per member and month; memberships ending in the next 14 days are listed for the admin.

Past sessions are rows in their final state holding a membership's credit; the clock stands at
15 March 2027 (Europe/Berlin)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from coachapp.extensions import db
from coachapp.models import Booking, TrainingSession

BERLIN = ZoneInfo("Europe/Berlin")
HX = {"HX-Request": "true"}


def text(response) -> str:
    return response.get_data(as_text=True)


def add_session(
    coach, member, start: str, membership=None, status: str = "completed", cancelled_by=None
):
    """A one-hour session (and its booking) at Berlin wall-clock ``start``, holding a credit of
    ``membership`` when given (its credits_used counts it)."""
    begin = datetime.fromisoformat(start).replace(tzinfo=BERLIN)
    row = TrainingSession(
        coach_id=coach.id,
        member_id=member.id,
        start_time=begin,
        end_time=begin + timedelta(hours=1),
        status=status,
        cancelled_by=cancelled_by,
        membership_id=membership.id if membership else None,
    )
    booking = Booking(
        member_id=member.id,
        session=row,
        membership_id=membership.id if membership else None,
        late_cancel=cancelled_by == "MEMBER",
    )
    if cancelled_by is not None:
        row.cancelled_at = booking.cancelled_at = begin - timedelta(hours=2)
        booking.status = "CANCELLED_BY_MEMBER"
    if membership is not None:
        membership.credits_used += 1
    db.session.add_all([row, booking])
    db.session.flush()
    row.one_time_booking_id = booking.id
    db.session.commit()
    return row


@pytest.fixture
def books(make_user, clock):
    """Zoë holds a 10-pack (3 sessions in March: held, no-show, late cancel) and one unpaid
    session; Max has an unlimited plan ending on 20 March and one held session on it."""
    from coachapp.services import memberships

    g = SimpleNamespace(
        admin=make_user("admin"),
        carla=make_user("coach", name="Carla Coach"),
        zoe=make_user("member", name="Zoë Müller"),
        max=make_user("member", name="Max Member"),
    )
    pack = memberships.create_plan(g.admin, "10-pack", "credits", 10, 90)
    unlimited = memberships.create_plan(g.admin, "Unlimited", "unlimited", None, 20)
    g.pack = memberships.assign(g.admin, g.zoe.id, pack.id, date(2027, 3, 1))
    g.unlimited = memberships.assign(g.admin, g.max.id, unlimited.id, date(2027, 3, 1))
    g.held = add_session(g.carla, g.zoe, "2027-03-02 10:00", g.pack)
    g.no_show = add_session(g.carla, g.zoe, "2027-03-03 10:00", g.pack, "no_show")
    g.late = add_session(g.carla, g.zoe, "2027-03-04 10:00", g.pack, "cancelled", "MEMBER")
    g.paid = add_session(g.carla, g.zoe, "2027-03-05 10:00")
    g.max_held = add_session(g.carla, g.max, "2027-03-06 10:00", g.unlimited)
    return g


def test_covered_lines_are_not_billable_and_name_their_membership(books):
    from coachapp.services import billing

    statements = {s.member_id: s for s in billing.statements(books.admin, "2027-03")}
    zoe = statements[books.zoe.id]
    lines = {line.session_id: line for line in zoe.lines}
    assert [
        (lines[s.id].membership_id, lines[s.id].billable)
        for s in (books.held, books.no_show, books.late, books.paid)
    ] == [(books.pack.id, False), (books.pack.id, False), (books.pack.id, False), (None, True)]
    assert lines[books.late.id].note == "late cancel"
    assert (zoe.billable_count, zoe.credits_used) == (1, 3)
    assert statements[books.max.id].credits_used == 1


def test_the_admins_billing_page_shows_credits_and_expiring_memberships(client, login, books):
    login(books.admin)
    page = text(client.get("/admin/billing?month=2027-03"))
    assert "covered by a membership" in page
    assert 'id="credits"' in page and "10-pack" in page and "Unlimited" in page
    assert 'href="/admin/billing/credits.csv?month=2027-03"' in page
    expiring = page[page.index('id="expiring"') :]
    expiring = expiring[: expiring.index("</ul>")]
    assert "Max Member" in expiring and '<time datetime="2027-03-20">Sat 20 Mar' in expiring
    assert "Zoë" not in expiring  # the pack runs until 29 May
    zoe = text(client.get(f"/admin/billing?month=2027-03&member={books.zoe.id}", headers=HX))
    assert zoe.count('class="badge badge-ok">Membership<') == 3


def test_the_csvs_carry_the_membership_and_the_credits_used(client, login, books):
    login(books.admin)
    lines = list(csv.DictReader(io.StringIO(text(client.get("/admin/billing.csv?month=2027-03")))))
    by_session = {int(r["session_id"]): r for r in lines}
    assert (by_session[books.held.id]["membership_id"], by_session[books.held.id]["billable"]) == (
        str(books.pack.id),
        "false",
    )
    assert (by_session[books.paid.id]["membership_id"], by_session[books.paid.id]["billable"]) == (
        "",
        "true",
    )
    credits = client.get("/admin/billing/credits.csv?month=2027-03")
    assert credits.status_code == 200
    assert credits.headers["Content-Disposition"] == (
        'attachment; filename="coachapp-credits-2027-03.csv"'
    )
    body = text(credits)
    assert body.splitlines()[0] == (
        "member_id,member_name,month,membership_id,plan,credits_used,credits_left,ends_on"
    )
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [
        (r["member_name"], r["plan"], r["credits_used"], r["credits_left"], r["ends_on"])
        for r in rows
    ] == [
        ("Max Member", "Unlimited", "1", "", "2027-03-20"),
        ("Zoë Müller", "10-pack", "3", "7", "2027-05-29"),
    ]
    assert client.get("/admin/billing/credits.csv?month=2027-13").status_code == 422
    client.post("/logout")
    login(books.zoe)
    assert client.get("/admin/billing/credits.csv?month=2027-03").status_code == 403

"""The demo gym seeds through the services and gives every role something to look at."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import (
    BlockedSlot,
    CoachSettings,
    RecurringBooking,
    TrainingSession,
    User,
    utcnow,
)


def test_seed_demo_builds_a_living_gym_once(runner):
    result = runner.invoke(args=["seed-demo", "--password", "demo-pass-1234"])
    assert result.exit_code == 0, result.output
    assert "admin@gym.example.com" in result.output

    roles = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    assert roles == {"admin": 1, "coach": 3, "member": 12}
    zones = set(db.session.scalars(select(CoachSettings.timezone)))
    assert len(zones) >= 2
    assert all(db.session.scalars(select(CoachSettings.default_room_id)))
    assert db.session.scalar(select(func.count(BlockedSlot.id))) >= 1
    assert db.session.scalar(select(func.count(RecurringBooking.id))) == 7  # 6 members' + 1 class
    one_time = db.session.scalar(
        select(func.count(TrainingSession.id)).where(TrainingSession.one_time_booking_id.is_not(None))
    )
    assert one_time >= 4
    assert db.session.scalar(select(func.count(TrainingSession.id))) > 20

    # history for statements: last month and this month have billable lines of each kind
    from coachapp.models import Booking
    from coachapp.services import billing

    statuses = dict(
        db.session.execute(
            select(TrainingSession.status, func.count()).group_by(TrainingSession.status)
        ).all()
    )
    assert statuses["completed"] > 5 and statuses["no_show"] >= 1 and statuses["cancelled"] >= 2
    assert db.session.scalar(select(func.count()).where(Booking.late_cancel.is_(True))) >= 1
    admin = db.session.scalars(select(User).where(User.role == "admin")).one()
    today = utcnow().astimezone(ZoneInfo("Europe/Berlin")).date()
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    def lines(month):
        return [line for st in billing.statements(admin, month) for line in st.lines]

    # six weeks of history always reach into last month; this month has at least what is booked
    assert any(line.billable for line in lines(last_month))
    assert lines(today.strftime("%Y-%m"))
    # a group class that is full, with a waitlist
    waiting = db.session.scalar(select(func.count()).where(Booking.status == "WAITLISTED"))
    assert waiting == 2

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0 and "not empty" in again.output
    quiet = runner.invoke(args=["seed-demo", "--if-empty"])
    assert quiet.exit_code == 0 and "not added" in quiet.output


def test_seed_demo_if_empty_shows_the_demo_logins_on_every_start(runner):
    """`make run` runs `seed-demo --if-empty` on each start: after the first, it still prints the
    logins (the active demo accounts in the database), and nothing for a database without them."""
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    lena = db.session.scalar(select(User).where(User.email == "lena@gym.example.com"))
    lena.active = False
    db.session.commit()

    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "not added" in again.output
    assert "password: demo-pass-2026, unless changed" in again.output
    lines = [line.split() for line in again.output.splitlines() if "@gym.example.com" in line]
    assert lines[0][:2] == ["admin", "admin@gym.example.com"]
    assert ["coach", "sam@gym.example.com", "Sam", "Carter"] in lines
    assert len(lines) == 15 and not any("lena@" in line[1] for line in lines)  # 16 made, 1 inactive

    # a gym whose demo accounts are gone (or never were) gets no list
    for user in db.session.scalars(select(User)):
        user.active = False
    db.session.commit()
    quiet = runner.invoke(args=["seed-demo", "--if-empty"])
    assert quiet.exit_code == 0 and "not added" in quiet.output
    assert "@" not in quiet.output and "password" not in quiet.output


"""The demo gym seeds through the services and gives every role something to look at."""

from __future__ import annotations

from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import BlockedSlot, CoachSettings, RecurringBooking, TrainingSession, User


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
    assert db.session.scalar(select(func.count(RecurringBooking.id))) == 6
    one_time = db.session.scalar(
        select(func.count(TrainingSession.id)).where(TrainingSession.one_time_booking_id.is_not(None))
    )
    assert one_time >= 4
    assert db.session.scalar(select(func.count(TrainingSession.id))) > 20

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0 and "not empty" in again.output
    quiet = runner.invoke(args=["seed-demo", "--if-empty"])
    assert quiet.exit_code == 0 and "not added" in quiet.output

"""The demo gym sells memberships (issue 17 item 7): a 10-pack and an unlimited 2-per-week plan,
members holding them whose sessions draw on them, one membership about to run out, and a
conflict a cover coach can take."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import Membership, MembershipPlan, TrainingSession, User
from coachapp.services import cover, memberships, sessions


def _member(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_the_demo_gym_has_plans_members_holding_them_and_one_running_out(runner):
    result = runner.invoke(args=["seed-demo", "--password", "demo-pass-1234"])
    assert result.exit_code == 0, result.output

    plans = {p.name: p for p in db.session.scalars(select(MembershipPlan))}
    assert (plans["10-pack"].kind, plans["10-pack"].credits) == ("credits", 10)
    unlimited = plans["Unlimited 2/week"]
    assert (unlimited.kind, unlimited.credits, unlimited.weekly_limit) == ("unlimited", None, 2)

    today = memberships.today()
    ava = memberships.balance(_member("ava@gym.example.com").id, today)
    assert ava.plan_name == "Unlimited 2/week" and ava.credits_left is None
    ben = memberships.balance(_member("ben@gym.example.com").id, today)
    assert ben.plan_name == "10-pack" and ben.credits_left < 10  # his series drew on it

    chloe = _member("chloe@gym.example.com")
    running_out = db.session.scalar(select(Membership).where(Membership.member_id == chloe.id))
    assert running_out.ends_on == today + timedelta(days=3)
    assert chloe.id in {m.member_id for m in memberships.expiring(today)}

    holding = db.session.scalar(
        select(func.count(TrainingSession.id)).where(TrainingSession.membership_id.is_not(None))
    )
    assert holding >= 3


def test_the_demo_gym_has_a_conflict_a_cover_coach_can_take(runner):
    result = runner.invoke(args=["seed-demo", "--password", "demo-pass-1234"])
    assert result.exit_code == 0, result.output
    lena = _member("lena@gym.example.com")
    leo = _member("leo@gym.example.com")
    admin = _member("admin@gym.example.com")
    conflicts = [c.session for c in sessions.list_conflicts(admin, lena.id)]
    leos = [s for s in conflicts if s.member_id == leo.id]
    assert len(leos) == 1
    offered = cover.cover_coaches(admin, leos[0].id)
    assert offered, "a cover coach is offered"

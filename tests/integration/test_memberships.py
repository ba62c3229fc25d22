"""Memberships and credit packs: plans, a member's memberships, and the credit each session,
series occurrence and group place draws (api-v1.md, "Memberships and credit packs")."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from coachapp.extensions import db
from coachapp.models import Membership
from coachapp.services import memberships
from coachapp.services.errors import (
    AlreadyCancelled,
    Forbidden,
    NoCredits,
    NoMembership,
    NotFound,
    ValidationFailed,
)
from coachapp.vocab import MembershipStatus, PlanKind, SessionType
from tests.integration.service_helpers import TODAY


@pytest.fixture
def require(app, monkeypatch):
    """COACHAPP_REQUIRE_MEMBERSHIP=true for this test."""
    monkeypatch.setitem(app.config, "COACHAPP_REQUIRE_MEMBERSHIP", True)


def pack(gym, credits=10, valid_days=30, weekly_limit=None, session_type=None, name="10-pack"):
    return memberships.create_plan(
        gym.admin, name, PlanKind.CREDITS, credits, valid_days, weekly_limit, session_type
    )


def unlimited(gym, weekly_limit=None, valid_days=30):
    return memberships.create_plan(
        gym.admin, "Unlimited", PlanKind.UNLIMITED, None, valid_days, weekly_limit
    )


def give(gym, plan, starts_on=TODAY, member=None):
    return memberships.assign(gym.admin, (member or gym.member).id, plan.id, starts_on)


# --- plans and memberships -------------------------------------------------------------------


def test_a_plan_is_created_by_an_admin_and_listed(gym):
    plan = pack(gym, weekly_limit=2, session_type=SessionType.GROUP)
    assert (plan.kind, plan.credits, plan.valid_days, plan.weekly_limit) == ("credits", 10, 30, 2)
    assert plan.session_type == "GROUP"
    free = unlimited(gym)
    assert free.credits is None
    assert [p.name for p in memberships.list_plans()] == ["10-pack", "Unlimited"]
    with pytest.raises(Forbidden):
        memberships.create_plan(gym.coach, "x", "credits", 5, 30)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("", "credits", 5, 30, None), "name"),
        (("x" * 121, "credits", 5, 30, None), "name"),
        (("P", "monthly", 5, 30, None), "kind"),
        (("P", "credits", None, 30, None), "credits"),
        (("P", "credits", 0, 30, None), "credits"),
        (("P", "credits", True, 30, None), "credits"),
        (("P", "unlimited", 5, 30, None), "credits"),
        (("P", "credits", 5, 0, None), "valid_days"),
        (("P", "credits", 5, 3651, None), "valid_days"),
        (("P", "credits", 5, "30", None), "valid_days"),
        (("P", "credits", 5, 30, 0), "weekly_limit"),
    ],
)
def test_a_bad_plan_is_refused_naming_the_field(gym, args, field):
    with pytest.raises(ValidationFailed) as exc:
        memberships.create_plan(gym.admin, *args)
    assert exc.value.field == field


def test_a_plan_restricted_to_an_unknown_session_type_is_refused(gym):
    with pytest.raises(ValidationFailed) as exc:
        memberships.create_plan(gym.admin, "P", "credits", 5, 30, None, "YOGA")
    assert exc.value.field == "session_type"


def test_assign_extend_cancel_and_the_derived_status(gym):
    plan = pack(gym, valid_days=30)
    m = give(gym, plan, starts_on=date(2027, 3, 1))
    assert (m.starts_on, m.ends_on) == (date(2027, 3, 1), date(2027, 3, 30))
    assert (m.credits_total, m.credits_used, m.credits_left, m.status) == (10, 0, 10, "active")
    assert memberships.status_on(m, date(2027, 3, 30)) == MembershipStatus.ACTIVE
    assert memberships.status_on(m, date(2027, 3, 31)) == MembershipStatus.EXPIRED
    m = memberships.extend(gym.admin, m.id, 10)
    assert m.ends_on == date(2027, 4, 9)
    m = memberships.cancel(gym.admin, m.id)
    assert memberships.status_on(m, date(2027, 3, 2)) == MembershipStatus.CANCELLED
    with pytest.raises(AlreadyCancelled):
        memberships.cancel(gym.admin, m.id)
    with pytest.raises(AlreadyCancelled):
        memberships.extend(gym.admin, m.id, 10)


def test_assign_refuses_unknown_members_plans_and_bad_dates(gym):
    plan = pack(gym)
    with pytest.raises(NotFound) as exc:
        memberships.assign(gym.admin, gym.coach.id, plan.id, TODAY)
    assert exc.value.field == "member_id"
    with pytest.raises(NotFound) as exc:
        memberships.assign(gym.admin, gym.member.id, 999, TODAY)
    assert exc.value.field == "plan_id"
    with pytest.raises(ValidationFailed) as exc:
        memberships.assign(gym.admin, gym.member.id, plan.id, "2027-03-01")
    assert exc.value.field == "starts_on"
    with pytest.raises(Forbidden):
        memberships.assign(gym.member, gym.member.id, plan.id, TODAY)
    with pytest.raises(ValidationFailed) as exc:
        memberships.extend(gym.admin, 1, 0)
    assert exc.value.field == "days"


def test_a_member_sees_only_their_own_memberships(gym):
    plan = pack(gym)
    give(gym, plan)
    give(gym, plan, member=gym.other_member)
    mine = memberships.for_member(gym.member, gym.member.id)
    assert [m.member_id for m in mine] == [gym.member.id]
    with pytest.raises(Forbidden):
        memberships.for_member(gym.member, gym.other_member.id)
    assert len(memberships.for_member(gym.admin, gym.other_member.id)) == 1
    assert len(memberships.for_member(gym.coach, gym.other_member.id)) == 1


def test_balance_shows_the_membership_used_next(gym):
    plan = pack(gym, credits=3, valid_days=60)
    short = memberships.create_plan(gym.admin, "Short", "credits", 1, 10)
    give(gym, plan)
    first = give(gym, short)
    got = memberships.balance(gym.member.id, TODAY)
    assert (got.membership_id, got.plan_name, got.credits_left) == (first.id, "Short", 1)
    assert got.ends_on == date(2027, 3, 10)
    assert memberships.balance(gym.other_member.id, TODAY) is None
    assert memberships.balance(gym.member.id, date(2027, 2, 28)) is None


def test_expiring_lists_active_memberships_ending_within_14_days(gym):
    give(gym, pack(gym, valid_days=10))
    give(gym, pack(gym, valid_days=20, name="Long"))
    cancelled = give(gym, pack(gym, valid_days=5, name="Gone"))
    memberships.cancel(gym.admin, cancelled.id)
    found = memberships.expiring(TODAY)
    assert [(m.plan.name, m.ends_on) for m in found] == [("10-pack", date(2027, 3, 10))]


def test_the_database_keeps_credits_between_zero_and_the_total(gym):
    m = give(gym, pack(gym, credits=2))
    for value in (-1, 3):
        with pytest.raises(IntegrityError):
            db.session.execute(
                text("UPDATE memberships SET credits_used = :v WHERE id = :id"),
                {"v": value, "id": m.id},
            )
            db.session.flush()
        db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(
            text(
                "INSERT INTO membership_plans (name, kind, credits, valid_days, created_at) "
                "VALUES ('bad', 'unlimited', 5, 30, CURRENT_TIMESTAMP)"
            )
        )
    db.session.rollback()


# --- drawing credits directly ----------------------------------------------------------------


def test_draw_takes_from_the_membership_that_expires_first(gym):
    late = give(gym, pack(gym, credits=5, valid_days=60))
    soon = give(gym, pack(gym, credits=1, valid_days=10, name="Soon"))
    day = date(2027, 3, 5)
    assert memberships.draw(gym.member.id, SessionType.ONE_TO_ONE, day).id == soon.id
    assert memberships.draw(gym.member.id, SessionType.ONE_TO_ONE, day).id == late.id
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Membership, soon.id).credits_used == 1
    assert db.session.get(Membership, late.id).credits_used == 1


def test_draw_without_the_setting_returns_none_when_nothing_fits(gym):
    give(gym, pack(gym, credits=1, session_type=SessionType.GROUP))
    assert memberships.draw(gym.member.id, SessionType.ONE_TO_ONE, date(2027, 3, 5)) is None


def test_draw_with_the_setting_names_what_is_missing(gym, require):
    day = date(2027, 3, 4)
    with pytest.raises(NoMembership) as exc:
        memberships.draw(gym.member.id, SessionType.ONE_TO_ONE, day)
    assert exc.value.message == "You have no membership valid on Thu 4 Mar. Ask the gym for one."
    m = give(gym, pack(gym, credits=1))
    memberships.draw(gym.member.id, SessionType.ONE_TO_ONE, day)
    with pytest.raises(NoCredits) as exc:
        memberships.draw(gym.member.id, SessionType.ONE_TO_ONE, day)
    assert "10-pack has no credits left" in exc.value.message
    memberships.cancel(gym.admin, m.id)
    with pytest.raises(NoMembership):
        memberships.draw(gym.member.id, SessionType.ONE_TO_ONE, day)

"""Gym set-up by an admin: creating coaches, members and rooms, switching accounts off and on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import CoachSettings, Room, TrainingSession, User
from coachapp.services import admin
from coachapp.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from coachapp.services.zones import zone_list


@pytest.fixture
def boss(make_user):
    """The gym's admin."""
    return make_user("admin", name="Ada Admin")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_coach_gets_their_zone_and_default_room(boss):
    room = admin.create_room(boss, "Studio A")
    coach = admin.create_coach(
        boss, "Carla@Example.com", "Coach Carla", "long-enough-pw", "America/New_York", room.id
    )
    settings = db.session.scalar(select(CoachSettings).where(CoachSettings.coach_id == coach.id))
    assert (coach.email, coach.role, coach.active) == ("carla@example.com", "coach", True)
    assert (settings.timezone, settings.default_room_id, settings.default_duration) == (
        "America/New_York", room.id, 60)
    assert coach.check_password("long-enough-pw")


def test_an_unknown_default_room_refuses_the_coach_before_creating_anything(boss):
    with pytest.raises(ValidationFailed) as caught:
        admin.create_coach(boss, "c@example.com", "Coach", "long-enough-pw", "Europe/Berlin", 999)
    assert caught.value.field == "default_room_id"
    assert count(User) == 1


@pytest.mark.parametrize(
    ("email", "password", "zone", "field"),
    [
        ("taken@example.com", "long-enough-pw", None, "email"),
        ("TAKEN@example.com", "long-enough-pw", None, "email"),
        ("new@example.com", "short", None, "password"),
        ("new@example.com", "long-enough-pw", "Mars/Olympus", "timezone"),
        ("not-an-email", "long-enough-pw", None, "email"),
    ],
)
def test_member_refusals_name_the_field(boss, make_user, email, password, zone, field):
    make_user("member", email="taken@example.com")
    with pytest.raises(ValidationFailed) as caught:
        admin.create_member(boss, email, "Mia", password, zone)
    assert caught.value.field == field
    assert count(User) == 2


def test_a_member_without_a_zone_uses_the_gyms(boss):
    member = admin.create_member(boss, "m@example.com", "Mia", "long-enough-pw", "")
    assert member.timezone is None and member.role == "member"


def test_only_an_admin_manages_accounts_and_rooms(make_user):
    coach = make_user("coach")
    with pytest.raises(Forbidden):
        admin.create_member(coach, "m@example.com", "Mia", "long-enough-pw")
    with pytest.raises(Forbidden):
        admin.set_active(coach, coach.id, False)
    with pytest.raises(Forbidden):
        admin.list_users(coach, "member")
    with pytest.raises(Forbidden):
        admin.create_room(coach, "Studio")


def test_lists_show_active_people_first_then_by_name(boss, make_user):
    make_user("member", name="zed")
    make_user("member", name="Anna")
    gone = make_user("member", name="Aaron")
    admin.set_active(boss, gone.id, False)
    make_user("coach", name="Coach")
    assert [u.name for u in admin.list_users(boss, "member")] == ["Anna", "zed", "Aaron"]
    assert [u.role for u in admin.list_users(boss, "coach")] == ["coach"]
    with pytest.raises(ValidationFailed):
        admin.list_users(boss, "admin")


def test_deactivate_and_reactivate(boss, make_user):
    member = make_user("member")
    assert admin.set_active(boss, member.id, False).active is False
    db.session.expire_all()
    assert db.session.get(User, member.id).is_active is False
    assert admin.set_active(boss, member.id, True).active is True


def test_an_admin_cannot_deactivate_themself(boss):
    with pytest.raises(Conflict):
        admin.set_active(boss, boss.id, False)
    db.session.expire_all()
    assert db.session.get(User, boss.id).active is True


@pytest.mark.parametrize("user_id", [12345, 0, -1, "1", None])
def test_unknown_accounts_are_not_found(boss, user_id):
    with pytest.raises(NotFound):
        admin.set_active(boss, user_id, True)


def test_another_admin_is_not_managed_here(boss, make_user):
    other = make_user("admin")
    with pytest.raises(NotFound):
        admin.set_active(boss, other.id, False)


def test_rooms_count_their_uses_and_only_unused_ones_can_be_removed(boss, make_user):
    used = admin.create_room(boss, "Studio A")
    free = admin.create_room(boss, "Studio B")
    coach = admin.create_coach(boss, "c@example.com", "Coach", "long-enough-pw", "Europe/Berlin",
                               used.id)
    db.session.add(TrainingSession(
        coach_id=coach.id, room_id=used.id, status="completed",
        start_time=datetime(2027, 3, 1, 9, tzinfo=UTC), end_time=datetime(2027, 3, 1, 10, tzinfo=UTC),
    ))
    db.session.commit()
    views = {v.room.name: v for v in admin.list_rooms(boss)}
    assert (views["Studio A"].uses, views["Studio B"].uses) == (2, 0)
    with pytest.raises(Conflict):
        admin.delete_room(boss, used.id)
    assert admin.delete_room(boss, free.id) == "Studio B"
    assert [r.name for r in db.session.scalars(select(Room))] == ["Studio A"]
    with pytest.raises(NotFound):
        admin.delete_room(boss, free.id)


def test_room_names_are_unique_regardless_of_case(boss):
    admin.create_room(boss, "Studio A")
    with pytest.raises(ValidationFailed) as caught:
        admin.create_room(boss, "studio a")
    assert caught.value.field == "name"


def test_zones_offered_are_iana_area_names():
    zones = zone_list()
    assert "Europe/Berlin" in zones and "UTC" in zones
    assert "US/Eastern" not in zones and "Etc/GMT+1" not in zones

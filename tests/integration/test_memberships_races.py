"""Membership credits under concurrency on PostgreSQL: each request on its own connection, all
released together. Credits never go below zero or beyond the pack, a credit is never used twice
for one session, and a cancel gives a credit back once (api-v1.md, issue 17 item 3)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import Membership, TrainingSession, User
from coachapp.services import bookings, memberships, sessions
from coachapp.vocab import PlanKind
from tests.integration.service_helpers import NOW, at
from tests.integration.test_booking_races import race

pytestmark = pytest.mark.postgres


@pytest.fixture
def required(app, monkeypatch):
    monkeypatch.setitem(app.config, "COACHAPP_REQUIRE_MEMBERSHIP", True)


def free_slots(n: int) -> list[tuple[str, str, str]]:
    """``n`` distinct free hours of Carla's weekday mornings (09–12), from Tuesday 2 March 2027."""
    slots, day = [], date(2027, 3, 2)
    while len(slots) < n:
        if day.isoweekday() <= 5:
            for hour in (9, 10, 11):
                slots.append((day.isoformat(), f"{hour:02d}:00", f"{hour + 1:02d}:00"))
        day += timedelta(days=1)
    return slots[:n]


def membership_row(membership_id: int) -> Membership:
    db.session.expire_all()
    return db.session.get(Membership, membership_id)


def test_fifty_bookings_race_for_twenty_credits(app, gym, required):
    plan = memberships.create_plan(gym.admin, "20-pack", PlanKind.CREDITS, 20, 90)
    held = memberships.assign(gym.admin, gym.member.id, plan.id, date(2027, 3, 1))
    member_id, coach_id, slots = gym.member.id, gym.coach.id, free_slots(50)

    def work(i):
        day, start, end = slots[i]
        actor = db.session.get(User, member_id)
        bookings.book_one_time(actor, coach_id, at(day, start), at(day, end), now=NOW)

    outcomes = race(app, 50, work)
    assert outcomes == Counter({"ok": 20, "NoCredits": 30}), outcomes
    row = membership_row(held.id)
    assert (row.credits_used, row.credits_left) == (20, 0)
    holding = db.session.scalar(
        select(func.count())
        .select_from(TrainingSession)
        .where(TrainingSession.membership_id == held.id)
    )
    assert holding == 20
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 20
    negative = db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.credits_used < 0)
    )
    assert negative == 0


def test_fifty_api_bookings_race_for_twenty_credits_and_none_is_a_5xx(
    app, gym, required, monkeypatch
):
    """The same race through the HTTP API (POST /api/v1/bookings, each request on its own test
    client, connection and thread, released together): exactly 20 are 201, the other 30 are
    409 no_credits, not one 5xx, and the pack is used up, never beyond."""
    import threading

    from coachapp.services import accounts
    from tests.clock import pin_clock

    pin_clock(monkeypatch, lambda: NOW)
    plan = memberships.create_plan(gym.admin, "20-pack", PlanKind.CREDITS, 20, 90)
    held_id = memberships.assign(gym.admin, gym.member.id, plan.id, date(2027, 3, 1)).id
    auth = {"Authorization": f"Bearer {accounts.issue_token(gym.member.email)}"}
    coach_id, slots = str(gym.coach.id), free_slots(50)
    db.session.commit()
    db.session.remove()
    barrier = threading.Barrier(50)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def post(i):
        day, start, end = slots[i]
        body = {"coach_id": coach_id, "start_time": f"{day}T{start}", "end_time": f"{day}T{end}"}
        client = app.test_client()
        barrier.wait(timeout=30)
        response = client.post("/api/v1/bookings", json=body, headers=auth)
        code = (response.get_json() or {}).get("error", {}).get("code", "")
        with lock:
            answers.append((response.status_code, code))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    outcomes = Counter(answers)
    print(f"\n50 API bookings: {dict(outcomes)}")
    assert outcomes == Counter({(201, ""): 20, (409, "no_credits"): 30}), outcomes
    assert not [a for a in answers if a[0] >= 500]
    row = membership_row(held_id)
    assert (row.credits_used, row.credits_left) == (20, 0)
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 20


def test_without_the_setting_every_booking_is_made_and_only_the_credits_left_are_drawn(app, gym):
    plan = memberships.create_plan(gym.admin, "10-pack", PlanKind.CREDITS, 10, 90)
    held = memberships.assign(gym.admin, gym.member.id, plan.id, date(2027, 3, 1))
    member_id, coach_id, slots = gym.member.id, gym.coach.id, free_slots(30)

    def work(i):
        day, start, end = slots[i]
        actor = db.session.get(User, member_id)
        bookings.book_one_time(actor, coach_id, at(day, start), at(day, end), now=NOW)

    outcomes = race(app, 30, work)
    assert outcomes == Counter({"ok": 30}), outcomes
    assert membership_row(held.id).credits_used == 10
    holding = db.session.scalar(
        select(func.count())
        .select_from(TrainingSession)
        .where(TrainingSession.membership_id == held.id)
    )
    assert holding == 10


def test_a_weekly_limit_holds_under_a_race(app, gym, required):
    plan = memberships.create_plan(gym.admin, "2 a week", PlanKind.UNLIMITED, None, 90, 2)
    held = memberships.assign(gym.admin, gym.member.id, plan.id, date(2027, 3, 1))
    member_id, coach_id = gym.member.id, gym.coach.id
    week = [s for s in free_slots(15) if s[0] <= "2027-03-07"]  # Tue–Fri of one ISO week

    def work(i):
        day, start, end = week[i]
        actor = db.session.get(User, member_id)
        bookings.book_one_time(actor, coach_id, at(day, start), at(day, end), now=NOW)

    outcomes = race(app, len(week), work)
    assert outcomes == Counter({"ok": 2, "WeeklyLimit": len(week) - 2}), outcomes
    assert membership_row(held.id).credits_used == 2


def test_cancelling_twice_at_once_gives_the_credit_back_once(app, gym):
    plan = memberships.create_plan(gym.admin, "5-pack", PlanKind.CREDITS, 5, 90)
    held = memberships.assign(gym.admin, gym.member.id, plan.id, date(2027, 3, 1))
    booking, session = bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-02", "10:00"), at("2027-03-02", "11:00"), now=NOW
    )
    db.session.commit()
    assert membership_row(held.id).credits_used == 1
    booking_id, session_id = booking.id, session.id
    member_id, coach_id = gym.member.id, gym.coach.id

    def work(i):
        if i % 2:
            bookings.cancel_booking(db.session.get(User, member_id), booking_id, now=NOW)
        else:
            sessions.cancel_session(db.session.get(User, coach_id), session_id, now=NOW)

    outcomes = race(app, 10, work)
    assert outcomes["ok"] == 1, outcomes
    assert outcomes["AlreadyCancelled"] == 9, outcomes
    assert membership_row(held.id).credits_used == 0


def test_cancelling_a_group_place_twice_at_once_gives_its_credit_back_once(app, gym):
    from coachapp.services import availability, group_classes

    availability.replace_weekly_day(
        gym.coach,
        gym.coach.id,
        2,
        [availability.WindowInput("17:00", "20:00", None, is_individual=False, is_group=True)],
        now=NOW,
    )
    klass = group_classes.schedule_group_session(
        gym.coach,
        gym.coach.id,
        at("2027-03-02", "17:00"),
        at("2027-03-02", "18:00"),
        "HIIT",
        5,
        now=NOW,
    )
    plan = memberships.create_plan(gym.admin, "5-pack", PlanKind.CREDITS, 5, 90)
    held = memberships.assign(gym.admin, gym.member.id, plan.id, date(2027, 3, 1))
    place = group_classes.book_place(gym.member, klass.id, now=NOW)
    assert membership_row(held.id).credits_used == 1
    place_id, klass_id, member_id, coach_id = place.id, klass.id, gym.member.id, gym.coach.id

    def work(i):
        if i % 2:
            group_classes.cancel_place(db.session.get(User, member_id), place_id, now=NOW)
        else:
            group_classes.leave_session(
                db.session.get(User, coach_id), klass_id, member_id=member_id, now=NOW
            )

    outcomes = race(app, 10, work)
    assert outcomes == Counter({"ok": 1, "AlreadyCancelled": 9}), outcomes
    assert membership_row(held.id).credits_used == 0

"""Memberships and credit packs: plans, a member's memberships, and the credit each session,
series occurrence and group place draws (api-v1.md, "Memberships and credit packs")."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from coachapp.extensions import db
from coachapp.models import Booking, Membership, Notification, RecurringBooking, TrainingSession
from coachapp.services import availability, bookings, group_classes, memberships, sessions
from coachapp.services.bookings import SeriesSpec
from coachapp.services.errors import (
    AlreadyCancelled,
    DomainError,
    Forbidden,
    NoCredits,
    NoMembership,
    NotFound,
    ValidationFailed,
    WeeklyLimit,
)
from coachapp.vocab import BookingStatus, MembershipStatus, NotificationKind, PlanKind, SessionType
from tests.integration.service_helpers import BERLIN, NOW, TODAY, at


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
        (("P", "credits", 1001, 30, None), "credits"),  # as the plan form and the API
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


# --- one-time sessions -----------------------------------------------------------------------


def book(gym, day="2027-03-02", start="10:00", end="11:00", actor=None, now=NOW):
    """Mia books a one-to-one session with Carla (or ``actor`` books it for her)."""
    member_id = None if actor is None else gym.member.id
    return bookings.book_one_time(
        actor or gym.member, gym.coach.id, at(day, start), at(day, end), member_id, now=now
    )


def used(membership) -> int:
    db.session.expire_all()
    return db.session.get(Membership, membership.id).credits_used


def test_a_one_time_booking_draws_one_credit_and_carries_the_membership(gym):
    m = give(gym, pack(gym, credits=2))
    booking, session = book(gym)
    assert booking.membership_id == session.membership_id == m.id
    assert used(m) == 1
    booking, session = book(gym, start="11:00", end="12:00", actor=gym.coach)
    assert session.membership_id == m.id  # a coach booking for the member draws the same way
    assert used(m) == 2
    # Out of credits, not required: the session is made without a membership.
    booking, session = book(gym, day="2027-03-03")
    assert booking.membership_id is None and session.membership_id is None
    assert used(m) == 2


def test_without_a_membership_booking_works_as_before(gym):
    booking, session = book(gym)
    assert booking.membership_id is None and session.membership_id is None


def test_required_memberships_refuse_with_a_message_the_member_can_act_on(gym, require):
    with pytest.raises(NoMembership) as exc:
        book(gym, day="2027-03-04")
    assert exc.value.message == "You have no membership valid on Thu 4 Mar. Ask the gym for one."
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 0
    m = give(gym, pack(gym, credits=1))
    book(gym, day="2027-03-04")
    with pytest.raises(NoCredits):
        book(gym, day="2027-03-05")
    assert used(m) == 1
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 1


def test_the_membership_must_be_valid_on_the_sessions_local_date(gym, require):
    give(gym, pack(gym, valid_days=1), starts_on=date(2027, 3, 2))  # Tuesday 2 March only
    book(gym, day="2027-03-02")
    with pytest.raises(NoMembership):
        book(gym, day="2027-03-03")


def test_a_plan_for_group_classes_does_not_cover_one_to_one_sessions(gym, require):
    give(gym, pack(gym, session_type=SessionType.GROUP))
    with pytest.raises(NoMembership):
        book(gym)


def test_the_weekly_limit_counts_the_iso_week(gym, require):
    m = give(gym, unlimited(gym, weekly_limit=2))
    book(gym, day="2027-03-01", start="09:00", end="10:00")  # Monday
    book(gym, day="2027-03-05")  # Friday
    with pytest.raises(WeeklyLimit) as exc:
        book(gym, day="2027-03-03")
    assert "allows 2 sessions a week, and the week of Mon 1 Mar is full" in exc.value.message
    book(gym, day="2027-03-08")  # next Monday: a new week
    assert used(m) == 3


def test_an_in_time_member_cancel_gives_the_credit_back(gym):
    m = give(gym, pack(gym, credits=2))
    booking, session = book(gym)
    bookings.cancel_booking(gym.member, booking.id, now=NOW)
    assert used(m) == 0
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).membership_id is None
    assert db.session.get(TrainingSession, session.id).membership_id is None


def test_a_late_cancel_and_a_no_show_keep_the_credit(gym):
    m = give(gym, pack(gym, credits=2))
    late, _ = book(gym)
    bookings.cancel_booking(gym.member, late.id, now=at("2027-03-02", "09:00"))
    assert used(m) == 1
    db.session.expire_all()
    assert db.session.get(Booking, late.id).membership_id == m.id
    _, came_not = book(gym, day="2027-03-03")
    sessions.mark_no_show(gym.coach, came_not.id, now=at("2027-03-03", "10:30"))
    assert used(m) == 2


def test_a_coach_cancel_gives_the_credit_back_even_late(gym):
    m = give(gym, pack(gym, credits=2))
    _, session = book(gym)
    sessions.cancel_session(gym.coach, session.id, now=at("2027-03-02", "09:30"))
    assert used(m) == 0


# --- group places ----------------------------------------------------------------------------


@pytest.fixture
def classes(gym):
    """Carla also teaches groups: Tuesdays 17:00–20:00 in Studio B."""
    availability.replace_weekly_day(
        gym.coach,
        gym.coach.id,
        2,
        [
            availability.WindowInput("09:00", "12:00", gym.studio_a.id),
            availability.WindowInput(
                "17:00", "20:00", gym.studio_b.id, is_individual=False, is_group=True
            ),
        ],
        now=NOW,
    )
    return group_classes.schedule_group_session(
        gym.coach,
        gym.coach.id,
        at("2027-03-02", "17:00"),
        at("2027-03-02", "18:00"),
        "HIIT",
        1,
        now=NOW,
    )


def test_a_group_place_draws_a_credit_and_gives_it_back_on_an_in_time_cancel(gym, classes):
    m = give(gym, pack(gym, credits=2, session_type=SessionType.GROUP))
    place = group_classes.book_place(gym.member, classes.id, now=NOW)
    assert place.membership_id == m.id and used(m) == 1
    group_classes.cancel_place(gym.member, place.id, now=NOW)
    assert used(m) == 0


def test_a_late_group_cancel_keeps_the_credit_and_a_class_cancelled_by_the_coach_returns_it(
    gym, classes
):
    m = give(gym, pack(gym, credits=2))
    place = group_classes.book_place(gym.member, classes.id, now=NOW)
    group_classes.cancel_place(gym.member, place.id, now=at("2027-03-02", "16:30"))
    assert used(m) == 1
    group_classes.book_place(  # the coach takes her back in
        gym.coach, classes.id, gym.member.id, now=at("2027-03-02", "16:31")
    )
    assert used(m) == 2
    sessions.cancel_session(gym.coach, classes.id, now=at("2027-03-02", "16:40"))
    assert used(m) == 1


def test_a_waitlisted_place_takes_its_credit_when_it_is_confirmed(gym, classes):
    mine = give(gym, pack(gym, credits=2))
    theirs = give(gym, pack(gym, credits=2), member=gym.other_member)
    first = group_classes.book_place(gym.other_member, classes.id, now=NOW)
    waiting = group_classes.book_place(gym.member, classes.id, now=NOW)
    assert waiting.status == BookingStatus.WAITLISTED and waiting.membership_id is None
    assert used(mine) == 0
    group_classes.cancel_place(gym.other_member, first.id, now=NOW)
    assert used(theirs) == 0
    db.session.expire_all()
    promoted = db.session.get(Booking, waiting.id)
    assert promoted.status == BookingStatus.CONFIRMED and promoted.membership_id == mine.id
    assert used(mine) == 1


def test_required_a_waitlist_place_needs_a_membership_and_promotion_passes_over_the_uncovered(
    gym, classes, require, make_user
):
    third = make_user("member", name="Tia")
    give(gym, pack(gym, credits=1), member=gym.other_member)
    first = group_classes.book_place(gym.other_member, classes.id, now=NOW)
    with pytest.raises(NoMembership):
        group_classes.book_place(gym.member, classes.id, now=NOW)
    lapsing = give(gym, pack(gym, credits=1))
    skipped = group_classes.book_place(gym.member, classes.id, now=NOW)
    give(gym, pack(gym, credits=1), member=third)
    next_in_line = group_classes.book_place(third, classes.id, now=NOW)
    memberships.cancel(gym.admin, lapsing.id)
    group_classes.cancel_place(gym.other_member, first.id, now=NOW)
    db.session.expire_all()
    assert db.session.get(Booking, skipped.id).status == BookingStatus.WAITLISTED
    assert db.session.get(Booking, next_in_line.id).status == BookingStatus.CONFIRMED


# --- series and the nightly job --------------------------------------------------------------


def tuesdays(gym, actor=None):
    """Mia's weekly Tuesday 10:00 series from 2 March (6 weeks made at once)."""
    return bookings.create_recurring(
        actor or gym.member,
        SeriesSpec(gym.coach.id, 2, "10:00", "11:00", date(2027, 3, 2), None, 1),
        today=TODAY,
        now=NOW,
    )


def made_dates(series_id):
    db.session.expire_all()
    rows = db.session.scalars(
        select(TrainingSession)
        .where(TrainingSession.recurring_booking_id == series_id)
        .order_by(TrainingSession.start_time)
    )
    return [(s.start_time.astimezone(BERLIN).date().day, s.membership_id) for s in rows]


def told(member) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == member.id,
                Notification.kind == NotificationKind.MEMBERSHIP_NEEDED,
            )
        )
    )


def test_each_series_occurrence_takes_a_credit_and_without_the_setting_the_rest_are_made(gym):
    m = give(gym, pack(gym, credits=3))
    row, made = tuesdays(gym)
    assert len(made) == 6
    assert made_dates(row.id) == [(2, m.id), (9, m.id), (16, m.id)] + [
        (day, None) for day in (23, 30, 6)
    ]
    assert used(m) == 3
    bookings.cancel_recurring(gym.member, row.id, today=TODAY, now=NOW)
    assert used(m) == 0


def test_required_a_series_is_refused_without_a_membership_for_its_first_session(gym, require):
    with pytest.raises(NoMembership):
        tuesdays(gym)
    assert db.session.scalar(select(func.count()).select_from(RecurringBooking)) == 0


def test_required_occurrences_without_credit_wait_and_are_made_once_renewed(gym, require, runner):
    first = give(gym, pack(gym, credits=3))
    row, made = tuesdays(gym)
    assert made_dates(row.id) == [(2, first.id), (9, first.id), (16, first.id)]
    notes = told(gym.member)
    assert len(notes) == 1
    assert notes[0].message.startswith(
        "Your Tuesday 10:00 sessions with Coach Carla from Tue 23 Mar"
    )
    db.session.expire_all()
    assert db.session.get(RecurringBooking, row.id).membership_gap_since == date(2027, 3, 23)

    # The nightly job finds the same gap: counted, not made, not told again.
    again = sessions.run_nightly(today=TODAY)
    assert (again.created, again.skipped_no_membership) == (0, 3)
    assert "skipped_no_membership 3" in again.summary()
    assert len(told(gym.member)) == 1
    result = runner.invoke(args=["sessions", "generate", "--today", "2027-03-01"])
    assert "skipped_no_membership 3" in result.output, result.output
    from coachapp import jobs

    assert jobs.run_nightly(today=TODAY).as_dict()["skipped_no_membership"] == 3

    # Renewed: the next run makes the missing occurrences still ahead, and the gap is closed.
    renewed = give(gym, pack(gym, credits=5, valid_days=60), starts_on=date(2027, 3, 10))
    later = sessions.run_nightly(today=date(2027, 3, 10))
    assert later.skipped_no_membership == 0
    assert made_dates(row.id)[3:] == [(d, renewed.id) for d in (23, 30, 6, 13, 20)]
    db.session.expire_all()
    assert db.session.get(RecurringBooking, row.id).membership_gap_since is None
    assert used(renewed) == 5

    # Out of credits again: a new gap, told once more.
    sessions.run_nightly(today=date(2027, 3, 17))
    assert len(told(gym.member)) == 2


def test_a_series_without_memberships_is_made_as_before(gym):
    row, made = tuesdays(gym)
    assert len(made) == 6 and all(s.membership_id is None for s in made)
    assert sessions.run_nightly(today=date(2027, 3, 10)).skipped_no_membership == 0


# --- moves -----------------------------------------------------------------------------------


def test_a_moved_session_keeps_its_credit_while_the_membership_is_valid_then(gym, require):
    from coachapp.services import moves

    short = give(gym, pack(gym, credits=2, valid_days=3, name="Short"))  # 1–3 March
    other = give(gym, pack(gym, credits=2, valid_days=30), starts_on=date(2027, 3, 4))
    _, session = book(gym, day="2027-03-02")
    moves.move_session(gym.coach, session.id, at("2027-03-03", "10:00"), None, now=NOW)
    assert (used(short), used(other)) == (1, 0)
    moved = moves.move_session(gym.coach, session.id, at("2027-03-05", "10:00"), None, now=NOW)
    assert moved.membership_id == other.id
    assert (used(short), used(other)) == (0, 1)
    memberships.cancel(gym.admin, other.id)
    with pytest.raises(NoMembership):
        moves.move_session(gym.coach, session.id, at("2027-03-08", "10:00"), None, now=NOW)
    assert used(other) == 1


def test_a_draw_costs_one_statement_without_a_membership_and_two_with_one(gym):
    from sqlalchemy import event

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    day, member_id = date(2027, 3, 5), gym.member.id
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        memberships.draw(member_id, SessionType.ONE_TO_ONE, day)
        assert len(statements) == 1, statements
        give(gym, pack(gym))
        db.session.expire_all()
        statements.clear()
        memberships.draw(member_id, SessionType.ONE_TO_ONE, day)
        assert len(statements) == 2, statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_weekly_limit_counts_the_occurrences_one_nightly_run_draws(gym):
    """Two series of one member whose new occurrences fall in the same weeks: with a limit of one
    a week, one of each week's two holds the membership (the batch counts what it drew)."""
    for day in (2, 4):  # Tuesdays and Thursdays
        bookings.create_recurring(
            gym.member,
            SeriesSpec(gym.coach.id, day, "10:00", "11:00", date(2027, 3, 2), None, 1),
            today=TODAY,
            now=NOW,
        )
    m = give(gym, unlimited(gym, weekly_limit=1, valid_days=90))
    result = sessions.run_nightly(today=date(2027, 3, 15))
    assert result.created == 4  # Tue/Thu of the weeks of 12 and 19 April
    db.session.expire_all()
    held = db.session.scalars(
        select(TrainingSession.start_time).where(TrainingSession.membership_id == m.id)
    ).all()
    weeks = sorted(s.astimezone(BERLIN).isocalendar()[1] for s in held)
    assert weeks == [15, 16]
    assert used(m) == 2


ODD = [None, True, 0, -1, 2**31, 10**30, "1", "", 1.5, [], date.min, date.max]


def test_odd_input_to_the_membership_services_is_a_domain_error_never_a_crash(gym):
    plan = pack(gym)
    held = give(gym, plan)
    calls = {
        "create_plan": (
            lambda **kw: memberships.create_plan(gym.admin, **kw),
            dict(
                name="P",
                kind="credits",
                credits=5,
                valid_days=30,
                weekly_limit=None,
                session_type=None,
            ),
        ),
        "assign": (
            lambda **kw: memberships.assign(gym.admin, **kw),
            dict(member_id=gym.member.id, plan_id=plan.id, starts_on=TODAY),
        ),
        "extend": (
            lambda **kw: memberships.extend(gym.admin, **kw),
            dict(membership_id=held.id, days=5),
        ),
        "cancel": (lambda **kw: memberships.cancel(gym.admin, **kw), dict(membership_id=held.id)),
        "for_member": (
            lambda **kw: memberships.for_member(gym.admin, **kw),
            dict(member_id=gym.member.id),
        ),
        "balance": (memberships.balance, dict(member_id=gym.member.id, on_date=TODAY)),
        "expiring": (memberships.expiring, dict(today=TODAY, days=14)),
        "credits_used_by_month": (memberships.credits_used_by_month, dict(month=TODAY)),
    }
    failures = []
    for name, (function, good) in calls.items():
        for key in good:
            for value in ODD:
                try:
                    function(**{**good, key: value})
                except DomainError:
                    pass
                except Exception as exc:  # noqa: BLE001  (collected and reported below)
                    failures.append(f"{name}({key}={value!r}): {type(exc).__name__}: {exc}")
                finally:
                    db.session.rollback()
    assert not failures, "\n".join(failures)

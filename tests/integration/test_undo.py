"""Undo (issue 18 item 4): a resolution on the conflicts page can be reversed for a few seconds
through the services. The token (signed, aged, the actor's own) and, per reversal, the state after
the undo equals the state before the resolution. The gym fixture's coach Carla works Mon–Fri
09:00–12:00 in Studio A (default Studio B)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from coachapp.extensions import db
from coachapp.models import (
    AvailabilityAddition,
    BlockedSlot,
    Booking,
    Membership,
    Notification,
    RecurringBooking,
    TrainingSession,
    User,
)
from coachapp.services import (
    availability,
    bookings,
    cover,
    group_classes,
    memberships,
    moves,
    sessions,
    undo,
)
from coachapp.services.bookings import SeriesSpec
from coachapp.services.errors import Conflict, Forbidden, NotFound, SlotTaken, UndoExpired
from coachapp.services.notifications import when_for
from coachapp.vocab import BookingStatus, NotificationKind, PlanKind, SeriesStatus, SessionStatus
from tests.clock import pin_clock
from tests.integration.service_helpers import NOW, TODAY, at

CALLS: list[tuple] = []


@undo.reversal("test_echo")
def _echo(actor, now, **args):
    """A reversal for the token tests: records its call."""
    CALLS.append((actor.id, now, args))
    return f"Undone: {args['what']}."


@pytest.fixture
def clock(monkeypatch):
    """The app's clock pinned to NOW (tokens are stamped with it)."""
    pin_clock(monkeypatch, lambda: NOW)
    CALLS.clear()


def test_a_token_runs_its_reversal_for_its_actor(gym, clock):
    token = undo.offer(gym.coach, "test_echo", what="the keep", ids=[1, 2])
    assert undo.apply(gym.coach, token, now=NOW + timedelta(seconds=3)) == "Undone: the keep."
    assert CALLS == [
        (gym.coach.id, NOW + timedelta(seconds=3), {"what": "the keep", "ids": [1, 2]})
    ]


def test_undo_lasts_its_seconds_and_a_little_grace(gym, clock):
    token = undo.offer(gym.coach, "test_echo", what="x")
    late = NOW + timedelta(seconds=undo.UNDO_SECONDS + undo.GRACE_SECONDS)
    assert undo.apply(gym.coach, token, now=late) == "Undone: x."
    with pytest.raises(UndoExpired, match="Too late to undo") as caught:
        undo.apply(gym.coach, token, now=late + timedelta(seconds=2))
    assert (caught.value.status, caught.value.code) == (409, "undo_expired")
    assert len(CALLS) == 1


def test_a_token_of_someone_else_or_altered_is_refused(gym, clock):
    token = undo.offer(gym.coach, "test_echo", what="x")
    with pytest.raises(Forbidden, match="belongs to someone else"):
        undo.apply(gym.other_coach, token, now=NOW)
    with pytest.raises(Forbidden, match="not valid"):
        undo.apply(gym.coach, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), now=NOW)
    for bad in ("", "x" * 9000, "abc.def.ghi"):
        with pytest.raises(Forbidden, match="not valid"):
            undo.apply(gym.coach, bad, now=NOW)
    assert CALLS == []


def test_a_token_signed_with_another_salt_or_key_is_refused(app, gym, clock):
    from itsdangerous import URLSafeTimedSerializer

    payload = {"a": gym.coach.id, "op": "test_echo", "args": {"what": "x"}}
    for key, salt in ((app.config["SECRET_KEY"], "other"), ("not-the-key", undo.SALT)):
        forged = URLSafeTimedSerializer(key, salt=salt).dumps(payload)
        with pytest.raises(Forbidden):
            undo.apply(gym.coach, forged, now=NOW)


def test_only_registered_operations_are_offered(gym):
    with pytest.raises(ValueError):
        undo.offer(gym.coach, "no_such_op")
    with pytest.raises(TypeError):
        undo.offer(gym.coach, "uncancel", session_id=1)
    for op, args in (
        ("uncancel", {"session_ids": [1]}),
        ("unkeep", {"session_ids": [1]}),
        ("move_back", {"session_id": 1, "start": "2027-03-02T09:00:00+00:00", "end": "x"}),
        ("unend", {"series_id": 1, "ends_on": None, "session_ids": [1]}),
        ("give_back", {"session_ids": [1], "coach_id": 2}),
    ):
        assert undo.offer(gym.coach, op, **args)


def test_a_refusal_of_the_reversal_reaches_the_caller(gym, clock):
    @undo.reversal("test_refuse")
    def _refuse(actor, now, **args):
        raise Conflict("The time has been taken meanwhile.")

    token = undo.offer(gym.coach, "test_refuse")
    with pytest.raises(Conflict, match="taken meanwhile"):
        undo.apply(gym.coach, token, now=NOW)


TUESDAY = 2
DAY = "2027-03-02"  # a Tuesday


def snapshot() -> dict:
    """Everything a resolution changes and its undo must put back: the sessions (status, time,
    coach, room, credit), the places, the credits used, the additions and the series."""
    db.session.expire_all()
    return {
        "sessions": db.session.execute(
            select(
                TrainingSession.id,
                TrainingSession.status,
                TrainingSession.cancelled_by,
                TrainingSession.cancelled_at,
                TrainingSession.coach_id,
                TrainingSession.room_id,
                TrainingSession.start_time,
                TrainingSession.end_time,
                TrainingSession.membership_id,
            ).order_by(TrainingSession.id)
        ).all(),
        "bookings": db.session.execute(
            select(
                Booking.id,
                Booking.status,
                Booking.membership_id,
                Booking.late_cancel,
                Booking.cancelled_at,
            ).order_by(Booking.id)
        ).all(),
        "credits": db.session.execute(
            select(Membership.id, Membership.credits_used).order_by(Membership.id)
        ).all(),
        "additions": db.session.execute(
            select(
                AvailabilityAddition.coach_id,
                AvailabilityAddition.start_time,
                AvailabilityAddition.end_time,
                AvailabilityAddition.room_id,
            ).order_by(AvailabilityAddition.id)
        ).all(),
        "series": db.session.execute(
            select(
                RecurringBooking.id,
                RecurringBooking.status,
                RecurringBooking.end_date,
                RecurringBooking.cancelled_at,
            ).order_by(RecurringBooking.id)
        ).all(),
    }


def told(user) -> list[str]:
    """The messages ``user`` was sent, oldest first."""
    return list(
        db.session.scalars(
            select(Notification.message)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def credit_pack(gym, *members):
    """A 10-credit pack for each of ``members`` from today."""
    plan = memberships.create_plan(gym.admin, "10-pack", PlanKind.CREDITS, 10, 60)
    for member in members:
        memberships.assign(gym.admin, member.id, plan.id, TODAY)


def block(gym, day=DAY, start="00:00", end="23:59"):
    return availability.create_blocked_slot(
        gym.coach, gym.coach.id, at(day, start), at(day, end), "ill", now=NOW
    )


def book_ten(admin, coach_id: int, member_id: int):
    """A one-time session with the coach on Tue 2 Mar 2027 10:00–11:00 for the member, booked by
    ``admin`` (ids, so a racing thread passes its own rows)."""
    return bookings.book_one_time(
        admin, coach_id, at(DAY, "10:00"), at(DAY, "11:00"), member_id=member_id, now=NOW
    )[1]


def unblock(gym):
    """Carla is back: her blocked time goes."""
    for slot in db.session.scalars(select(BlockedSlot)).all():
        availability.delete_blocked_slot(gym.coach, slot.id)


@pytest.fixture
def conflict(gym, clock):
    """Mia's one-time session with Carla on Tue 2 Mar 2027 10:00–11:00 (Studio A), paid with a
    credit; Carla is ill that day, so it is a conflict."""
    credit_pack(gym, gym.member)
    session = book_ten(gym.admin, gym.coach.id, gym.member.id)
    block(gym)
    return session.id


def cancel_with_undo(gym, session_id: int) -> str:
    """Carla cancels the conflict on the conflicts page; the Undo token it answers with."""
    sessions.resolve_conflict(gym.coach, session_id, "cancel", now=NOW)
    return undo.offer(gym.coach, "uncancel", session_ids=[session_id])


def later(seconds=3):
    return NOW + timedelta(seconds=seconds)


def test_uncancel_puts_a_cancelled_conflict_back_as_it_was(gym, conflict):
    before = snapshot()
    assert before["sessions"][0].membership_id is not None
    sessions.resolve_conflict(gym.coach, conflict, "cancel", now=NOW)
    assert snapshot() != before
    token = undo.offer(gym.coach, "uncancel", session_ids=[conflict])

    said = undo.apply(gym.coach, token, now=later())

    assert said == (
        "Undone: Mia Member's session on Tue 2 Mar 2027 10:00 is back on; Mia Member was told."
    )
    assert snapshot() == before
    assert told(gym.member)[-1] == (
        f"Your session on {when_for(gym.member.id, at(DAY, '10:00'), NOW)} with Coach Carla is "
        "back on: your coach undid its cancellation."
    )
    last_kind = db.session.scalars(
        select(Notification.kind)
        .where(Notification.user_id == gym.member.id)
        .order_by(Notification.id.desc())
    ).first()
    # "Back on", not "Moved", on the home page
    assert last_kind == NotificationKind.SESSION_RESTORED
    assert [c.session.id for c in sessions.list_conflicts(gym.coach, gym.coach.id, NOW)] == [
        conflict
    ]


def test_a_second_undo_changes_nothing_and_says_so(gym, conflict):
    token = cancel_with_undo(gym, conflict)
    undo.apply(gym.coach, token, now=later())
    after, messages = snapshot(), told(gym.member)

    assert undo.apply(gym.coach, token, now=later(4)).startswith("Already undone")
    assert (snapshot(), told(gym.member)) == (after, messages)


def test_an_expired_undo_changes_nothing(gym, conflict):
    token = cancel_with_undo(gym, conflict)
    cancelled = snapshot()
    with pytest.raises(UndoExpired):
        undo.apply(gym.coach, token, now=later(undo.UNDO_SECONDS + undo.GRACE_SECONDS + 1))
    assert snapshot() == cancelled


def test_only_the_actor_and_only_for_sessions_they_manage(gym, conflict):
    token = cancel_with_undo(gym, conflict)
    cancelled = snapshot()
    for someone in (gym.other_coach, gym.admin, gym.member):
        with pytest.raises(Forbidden):
            undo.apply(someone, token, now=later())
    # a token of Otto's naming Carla's session: the reversal checks the rights again
    with pytest.raises(NotFound):
        undo.apply(
            gym.other_coach,
            undo.offer(gym.other_coach, "uncancel", session_ids=[conflict]),
            now=later(),
        )
    with pytest.raises(Forbidden):
        undo.apply(
            gym.member, undo.offer(gym.member, "uncancel", session_ids=[conflict]), now=later()
        )
    assert snapshot() == cancelled
    # an admin undoes an admin's cancel
    token = undo.offer(gym.admin, "uncancel", session_ids=[conflict])
    assert undo.apply(gym.admin, token, now=later()).startswith("Undone: Mia Member's session")


def test_uncancel_is_refused_when_the_time_was_taken_meanwhile(gym, conflict):
    token = cancel_with_undo(gym, conflict)
    take_the_time(gym)
    taken = snapshot()
    with pytest.raises(SlotTaken, match="taken by another session meanwhile"):
        undo.apply(gym.coach, token, now=later())
    assert snapshot() == taken


def take_the_time(gym):
    """Carla is back: the block goes, and Max books Mia's cancelled time."""
    unblock(gym)
    book_ten(gym.admin, gym.coach.id, gym.other_member.id)


def test_the_database_refuses_an_uncancel_onto_a_taken_time(gym, conflict, monkeypatch):
    """Had the check passed before the other booking was saved, the overlap constraint (the
    trigger on SQLite) refuses the undo, and nothing of it is kept."""
    token = cancel_with_undo(gym, conflict)
    take_the_time(gym)
    taken = snapshot()
    monkeypatch.setattr(undo, "_clash", lambda *args: None)
    with pytest.raises(SlotTaken, match="just been taken"):
        undo.apply(gym.coach, token, now=later())
    assert snapshot() == taken


@pytest.mark.postgres
def test_an_uncancel_racing_a_booking_for_the_same_time_one_wins(app, gym, conflict):
    """The undo and a new booking of the cancelled time at once, each on its own connection:
    the coach overlap constraint lets one through; a refused undo keeps nothing."""
    from tests.integration.test_booking_races import race

    token = cancel_with_undo(gym, conflict)
    unblock(gym)
    ids = (gym.coach.id, gym.admin.id, gym.coach.id, gym.other_member.id)
    credits_before = snapshot()["credits"]

    def work(i):
        if i == 0:
            undo.apply(db.session.get(User, ids[0]), token, now=later())
        else:
            book_ten(db.session.get(User, ids[1]), ids[2], ids[3])

    outcomes = race(app, 2, work)
    assert outcomes == Counter({"ok": 1, "SlotTaken": 1}), outcomes
    db.session.expire_all()
    scheduled = db.session.scalars(
        select(TrainingSession).where(TrainingSession.status == SessionStatus.SCHEDULED)
    ).all()
    assert len(scheduled) == 1
    if scheduled[0].id != conflict:  # the booking won: the undo drew no credit
        assert snapshot()["credits"] == credits_before


def test_uncancel_brings_back_a_class_with_its_places_waitlist_and_credits(gym, clock, make_user):
    availability.replace_weekly_day(
        gym.coach,
        gym.coach.id,
        TUESDAY,
        [
            availability.WindowInput("09:00", "12:00", gym.studio_a.id),
            availability.WindowInput(
                "17:00", "20:00", gym.studio_b.id, is_individual=False, is_group=True
            ),
        ],
        now=NOW,
    )
    third = make_user("member", name="Tia Third")
    credit_pack(gym, gym.member, gym.other_member, third)
    session = group_classes.schedule_group_session(
        gym.coach, gym.coach.id, at(DAY, "17:00"), at(DAY, "18:00"), "Kettlebells", 2, now=NOW
    )
    for member in (gym.member, gym.other_member, third):
        group_classes.book_place(member, session.id, now=NOW)
    left = make_user("member", name="Lea Left")
    group_classes.book_place(left, session.id, now=NOW)
    group_classes.leave_session(left, session.id, now=NOW)  # cancelled before: stays so
    before = snapshot()
    assert [b.status for b in before["bookings"]] == [
        BookingStatus.CONFIRMED,
        BookingStatus.CONFIRMED,
        BookingStatus.WAITLISTED,
        BookingStatus.CANCELLED_BY_MEMBER,
    ]
    sessions.cancel_session(gym.coach, session.id, now=NOW)
    token = undo.offer(gym.coach, "uncancel", session_ids=[session.id])

    said = undo.apply(gym.coach, token, now=later())

    assert said == (
        "Undone: the Kettlebells class on Tue 2 Mar 2027 17:00 is back on; Max Member, Mia Member and "
        "Tia Third were told."
    )
    assert snapshot() == before
    assert told(third)[-1].startswith("Your Kettlebells class on Tue 2 Mar, 17:00")
    assert "back on" not in " ".join(told(left))


def mias_tuesdays(gym, until=None):
    """Mia's weekly Tuesday 10:00–11:00 with Carla from 2 Mar 2027 (6 sessions made), paid
    with credits."""
    credit_pack(gym, gym.member)
    spec = SeriesSpec(
        gym.coach.id,
        TUESDAY,
        "10:00",
        "11:00",
        date(2027, 3, 2),
        until,
        1,
        member_id=gym.member.id,
    )
    return bookings.create_recurring(gym.admin, spec, today=TODAY, now=NOW)[0]


def test_uncancel_a_series_cancel_all(gym, clock):
    series = mias_tuesdays(gym)
    availability.replace_weekly_day(gym.coach, gym.coach.id, TUESDAY, [], now=NOW)
    before = snapshot()
    done = moves.resolve_series(gym.coach, series.id, "cancel", now=NOW)
    assert len(done) == 6
    token = undo.offer(gym.coach, "uncancel", session_ids=[s.id for s in done])

    said = undo.apply(gym.coach, token, now=later())

    assert said == "Undone: Mia Member's 6 sessions are back on; Mia Member was told."
    assert snapshot() == before
    assert told(gym.member)[-1] == (
        f"Your 6 sessions with Coach Carla from {when_for(gym.member.id, at(DAY, '10:00'), NOW)} "
        "on are back on: your coach undid their cancellation."
    )


def test_unkeep_makes_them_conflicts_again(gym, conflict):
    before = snapshot()
    sessions.resolve_conflict(gym.coach, conflict, "keep", now=NOW)
    assert sessions.list_conflicts(gym.coach, gym.coach.id, NOW) == []
    token = undo.offer(gym.coach, "unkeep", session_ids=[conflict])

    said = undo.apply(gym.coach, token, now=later())

    assert said == (
        "Undone: Mia Member's session on Tue 2 Mar 2027 10:00 is a conflict again "
        "(the extra slot is gone)."
    )
    assert snapshot() == before
    assert len(sessions.list_conflicts(gym.coach, gym.coach.id, NOW)) == 1
    assert undo.apply(gym.coach, token, now=later(5)).startswith("Already undone")


def test_move_back_restores_time_room_and_tells_the_member(gym, conflict):
    before = snapshot()
    moves.move_session(gym.coach, conflict, at("2027-03-03", "10:00"), now=NOW)
    token = undo.offer(
        gym.coach,
        "move_back",
        session_id=conflict,
        start=at(DAY, "10:00").isoformat(),
        end=at(DAY, "11:00").isoformat(),
        room_id=gym.studio_a.id,
    )

    said = undo.apply(gym.coach, token, now=later())

    assert (
        said == "Undone: Mia Member's session is back on Tue 2 Mar 2027 10:00; Mia Member was told."
    )
    assert snapshot() == before
    assert told(gym.member)[-1] == (
        f"Your session on {when_for(gym.member.id, at('2027-03-03', '10:00'), NOW)} with Coach "
        f"Carla was moved back to {when_for(gym.member.id, at(DAY, '10:00'), NOW, at(DAY, '11:00'))} "
        "by your coach."
    )
    assert undo.apply(gym.coach, token, now=later(4)).startswith("Already undone")


def test_unend_runs_the_series_again_with_its_sessions(gym, clock):
    series = mias_tuesdays(gym, date(2027, 6, 29))
    before = snapshot()
    ended = bookings.cancel_recurring(gym.coach, series.id, now=NOW)
    cancelled = [
        s.id
        for s in db.session.scalars(
            select(TrainingSession).where(TrainingSession.status == SessionStatus.CANCELLED)
        )
    ]
    assert ended.status == SeriesStatus.CANCELLED and len(cancelled) == 6
    token = undo.offer(
        gym.coach, "unend", series_id=series.id, ends_on="2027-06-29", session_ids=cancelled
    )

    said = undo.apply(gym.coach, token, now=later())

    assert said == (
        "Undone: the recurring booking runs again until 29 Jun 2027; Mia Member's 6 sessions are "
        "back on; Mia Member was told."
    )
    assert snapshot() == before
    assert undo.apply(gym.coach, token, now=later(4)).startswith("Already undone")


def test_give_back_returns_the_session_to_its_coach(gym, conflict, make_user):
    sam = make_user("coach", name="Sam Cover", timezone="Europe/Berlin")
    availability.replace_weekly_day(
        sam, sam.id, TUESDAY, [availability.WindowInput("09:00", "12:00", None)], now=NOW
    )
    before = snapshot()
    cover.reassign(gym.coach, conflict, sam.id, now=NOW)
    token = undo.offer(gym.coach, "give_back", session_ids=[conflict], coach_id=gym.coach.id)

    said = undo.apply(gym.coach, token, now=later())

    assert said == (
        "Undone: Mia Member's session on Tue 2 Mar 2027 10:00 is Coach Carla's again; "
        "Mia Member was told."
    )
    assert snapshot() == before
    assert told(gym.member)[-1] == (
        f"Your session on {when_for(gym.member.id, at(DAY, '10:00'), NOW, at(DAY, '11:00'))} will "
        "be with Coach Carla again, not Sam Cover."
    )
    assert told(sam)[-1].startswith("Coach Carla took back a session with Mia Member (undone): ")
    assert undo.apply(gym.coach, token, now=later(4)).startswith("Already undone")
    # only Carla (or an admin) undoes Carla's hand-over
    for someone in (sam, gym.member):
        with pytest.raises(Forbidden):
            undo.apply(someone, token, now=later())
    with pytest.raises(Forbidden):
        undo.apply(
            gym.member,
            undo.offer(gym.member, "give_back", session_ids=[conflict], coach_id=gym.coach.id),
            now=later(),
        )

"""Group classes: scheduling inside group windows, places and the waitlist, promotion when a place
frees up, late cancels at the window's edge, the coach cancelling a class, and the capacity race."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from coachapp.extensions import db
from coachapp.models import Booking, Notification, RecurringBooking, TrainingSession, User
from coachapp.services import availability, bookings, group_classes, sessions
from coachapp.services.availability import WindowInput
from coachapp.services.bookings import SeriesSpec
from coachapp.services.errors import (
    AlreadyCancelled,
    CapacityFull,
    Conflict,
    DomainError,
    Forbidden,
    InPast,
    NotFound,
    Overlap,
    SlotTaken,
    SlotUnavailable,
    ValidationFailed,
)
from tests.integration.service_helpers import NOW, TODAY, at

TUESDAY = 2
CLASS_DAY = "2027-03-02"  # a Tuesday


@pytest.fixture
def classes(gym):
    """Carla also teaches groups: Tuesdays 17:00–20:00 in Studio B (besides her 1:1 mornings)."""
    availability.replace_weekly_day(
        gym.coach,
        gym.coach.id,
        TUESDAY,
        [
            WindowInput("09:00", "12:00", gym.studio_a.id),
            WindowInput("17:00", "20:00", gym.studio_b.id, is_individual=False, is_group=True),
        ],
        now=NOW,
    )
    return gym


def one_class(gym, capacity=2, day=CLASS_DAY, start="17:00", end="18:00", title="Kettlebells"):
    """A one-off class of Carla's."""
    return group_classes.schedule_group_session(
        gym.coach, gym.coach.id, at(day, start), at(day, end), title, capacity, now=NOW
    )


def class_series(
    gym, start="18:00", end="19:00", title="Mobility", capacity=8, every=1, actor=None
):
    """A weekly (``every`` weeks) class series of Carla's on Tuesdays from 1 Mar 2027 (made by
    ``actor``, default Carla): the series and its first six weeks of classes."""
    return group_classes.create_group_series(
        actor or gym.coach,
        gym.coach.id,
        TUESDAY,
        start,
        end,
        date(2027, 3, 1),
        None,
        every,
        title,
        capacity,
        today=TODAY,
    )


def notes(user) -> list[Notification]:
    """The notifications stored for ``user``, oldest first."""
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def test_a_class_lies_inside_a_group_window_and_takes_the_windows_room(classes):
    session = one_class(classes, capacity=12)
    assert (session.type, session.title, session.capacity) == ("GROUP", "Kettlebells", 12)
    assert session.member_id is None
    assert session.room_id == classes.studio_b.id
    assert session.status == "scheduled"


def test_one_to_one_time_is_not_group_time(classes):
    with pytest.raises(SlotUnavailable, match="group sessions"):
        one_class(classes, start="10:00", end="11:00")


def test_a_blocked_evening_refuses_the_class_until_an_addition_reopens_it(classes):
    availability.create_blocked_slot(
        classes.coach,
        classes.coach.id,
        at(CLASS_DAY, "16:00"),
        at(CLASS_DAY, "21:00"),
        "Away",
        now=NOW,
    )
    with pytest.raises(SlotUnavailable):
        one_class(classes)
    availability.create_addition(
        classes.coach, classes.coach.id, at(CLASS_DAY, "17:00"), at(CLASS_DAY, "18:00"), None, None
    )
    assert one_class(classes).type == "GROUP"


def test_a_class_cannot_overlap_another_session_of_the_coach(classes):
    one_class(classes)
    with pytest.raises(SlotTaken):
        one_class(classes, start="17:30", end="18:30")


def test_a_chosen_room_must_be_free(classes):
    one_class(classes)  # Carla's class holds Studio B 17:00–18:00
    availability.replace_weekly_day(
        classes.other_coach,
        classes.other_coach.id,
        TUESDAY,
        [WindowInput("17:00", "20:00", None, is_individual=False, is_group=True)],
        now=NOW,
    )
    with pytest.raises(SlotTaken, match="Studio B is taken then"):
        group_classes.schedule_group_session(
            classes.other_coach,
            classes.other_coach.id,
            at(CLASS_DAY, "17:00"),
            at(CLASS_DAY, "18:00"),
            "Yoga",
            5,
            room_id=classes.studio_b.id,
            now=NOW,
        )


def test_only_the_coach_or_an_admin_schedules_classes(classes):
    with pytest.raises(Forbidden):
        group_classes.schedule_group_session(
            classes.member,
            classes.coach.id,
            at(CLASS_DAY, "17:00"),
            at(CLASS_DAY, "18:00"),
            "Mine",
            3,
            now=NOW,
        )
    with pytest.raises(Forbidden):
        group_classes.schedule_group_session(
            classes.other_coach,
            classes.coach.id,
            at(CLASS_DAY, "17:00"),
            at(CLASS_DAY, "18:00"),
            "Not mine",
            3,
            now=NOW,
        )
    assert (
        group_classes.schedule_group_session(
            classes.admin,
            classes.coach.id,
            at(CLASS_DAY, "17:00"),
            at(CLASS_DAY, "18:00"),
            "By admin",
            3,
            now=NOW,
        ).coach_id
        == classes.coach.id
    )


@pytest.mark.parametrize(
    ("title", "capacity", "field"),
    [
        ("", 5, "title"),
        ("  ", 5, "title"),
        ("x" * 201, 5, "title"),
        ("Ok", 0, "capacity"),
        ("Ok", True, "capacity"),
        ("Ok", "5", "capacity"),
    ],
)
def test_a_class_needs_a_title_and_a_capacity(classes, title, capacity, field):
    with pytest.raises(ValidationFailed) as caught:
        group_classes.schedule_group_session(
            classes.coach,
            classes.coach.id,
            at(CLASS_DAY, "17:00"),
            at(CLASS_DAY, "18:00"),
            title,
            capacity,
            now=NOW,
        )
    assert caught.value.field == field


def test_a_class_in_the_past_is_refused(classes):
    with pytest.raises(InPast):
        group_classes.schedule_group_session(
            classes.coach,
            classes.coach.id,
            at("2027-02-23", "17:00"),
            at("2027-02-23", "18:00"),
            "Late",
            3,
            now=NOW,
        )


def test_a_weekly_class_series_makes_six_weeks_of_classes_without_a_member(classes):
    availability.create_blocked_slot(
        classes.coach,
        classes.coach.id,
        at("2027-03-16", "00:00"),
        at("2027-03-17", "00:00"),
        "Conference",
        now=NOW,
    )
    series, made = class_series(classes)
    assert (series.session_type, series.member_id, series.title, series.capacity) == (
        "GROUP",
        None,
        "Mobility",
        8,
    )
    assert series.room_id == classes.studio_b.id
    days = [s.start_time.astimezone(at(CLASS_DAY, "00:00").tzinfo).date() for s in made]
    assert date(2027, 3, 16) not in days
    assert len(made) == 5
    for session in made:
        assert (session.type, session.title, session.capacity, session.member_id) == (
            "GROUP",
            "Mobility",
            8,
            None,
        )
        assert session.recurring_booking_id == series.id
    # DST: the 30 March class stays at 18:00 Berlin
    march_30 = [s for s in made if s.start_time.astimezone(at(CLASS_DAY, "00:00").tzinfo).day == 30]
    assert march_30[0].start_time == at("2027-03-30", "18:00")


def test_a_class_series_refuses_one_to_one_time_and_overlaps(classes):
    with pytest.raises(SlotUnavailable, match="group availability"):
        class_series(classes, "10:00", "11:00", title="Wrong", capacity=5)
    class_series(classes, "17:00", "18:00", title="Bi-weekly", capacity=5, every=2)
    with pytest.raises(Overlap):
        class_series(classes, "17:30", "18:30", title="Clash", capacity=5)
    with pytest.raises(Forbidden):
        class_series(classes, "19:00", "20:00", title="Member's", capacity=5, actor=classes.member)


def test_places_then_waitlist_then_capacity_full(classes, make_user):
    session = one_class(classes, capacity=2)
    third, fourth = make_user("member"), make_user("member")
    first = group_classes.book_place(classes.member, session.id, now=NOW)
    second = group_classes.book_place(classes.other_member, session.id, now=NOW)
    waiting = group_classes.book_place(third, session.id, now=NOW)
    assert [first.status, second.status, waiting.status] == ["CONFIRMED", "CONFIRMED", "WAITLISTED"]
    with pytest.raises(CapacityFull) as caught:
        group_classes.book_place(fourth, session.id, waitlist=False, now=NOW)
    assert caught.value.status == 409 and caught.value.code == "capacity_full"
    with pytest.raises(Conflict, match="already on the waitlist"):
        group_classes.book_place(third, session.id, now=NOW)
    with pytest.raises(Conflict, match="already has a place"):
        group_classes.book_place(classes.member, session.id, now=NOW)
    [found] = group_classes.group_sessions(
        classes.coach.id, at(CLASS_DAY, "00:00"), at(CLASS_DAY, "23:00")
    )
    assert (found.booked, found.waitlisted, found.places_left, found.full) == (2, 1, 0, True)
    assert group_classes.places_left(session.id) == 0


def test_a_coach_books_a_member_in_and_a_member_books_only_for_themself(classes):
    session = one_class(classes)
    booking = group_classes.book_place(
        classes.coach, session.id, member_id=classes.member.id, now=NOW
    )
    assert booking.member_id == classes.member.id
    with pytest.raises(Forbidden):
        group_classes.book_place(
            classes.other_member, session.id, member_id=classes.member.id, now=NOW
        )
    with pytest.raises(NotFound):
        group_classes.book_place(
            classes.other_coach, session.id, member_id=classes.member.id, now=NOW
        )


def test_one_to_one_sessions_have_no_places(classes):
    _, session = bookings.book_one_time(
        classes.member, classes.coach.id, at(CLASS_DAY, "10:00"), at(CLASS_DAY, "11:00"), now=NOW
    )
    with pytest.raises(NotFound):
        group_classes.book_place(classes.other_member, session.id, now=NOW)
    with pytest.raises(Conflict, match="not a group class"):
        group_classes.book_place(
            classes.coach, session.id, member_id=classes.other_member.id, now=NOW
        )


def test_a_started_or_cancelled_class_takes_no_bookings(classes):
    session = one_class(classes)
    with pytest.raises(InPast):
        group_classes.book_place(classes.member, session.id, now=at(CLASS_DAY, "17:00"))
    sessions.cancel_session(classes.coach, session.id, now=NOW)
    with pytest.raises(AlreadyCancelled):
        group_classes.book_place(classes.member, session.id, now=NOW)


def test_a_freed_place_goes_to_the_first_waiting_member_who_is_told(classes, make_user):
    session = one_class(classes, capacity=1)
    later = make_user("member", name="Lou Later")
    holder = group_classes.book_place(classes.member, session.id, now=NOW)
    first_waiting = group_classes.book_place(
        classes.other_member, session.id, now=NOW + timedelta(minutes=1)
    )
    second_waiting = group_classes.book_place(later, session.id, now=NOW + timedelta(minutes=2))
    assert group_classes.waitlist_positions([first_waiting, second_waiting]) == {
        first_waiting.id: 1,
        second_waiting.id: 2,
    }

    group_classes.cancel_place(classes.member, holder.id, now=NOW + timedelta(hours=1))

    db.session.expire_all()
    assert db.session.get(Booking, holder.id).status == "CANCELLED_BY_MEMBER"
    assert db.session.get(Booking, holder.id).late_cancel is False
    assert db.session.get(Booking, first_waiting.id).status == "CONFIRMED"
    assert db.session.get(Booking, second_waiting.id).status == "WAITLISTED"
    [promoted] = notes(classes.other_member)
    assert promoted.kind == "place_confirmed" and promoted.session_id == session.id
    assert "Kettlebells" in promoted.message and "you are booked" in promoted.message
    assert notes(later) == []
    assert group_classes.waitlist_positions([db.session.get(Booking, second_waiting.id)]) == {
        second_waiting.id: 1,
    }


def test_leaving_the_waitlist_promotes_nobody(classes, make_user):
    session = one_class(classes, capacity=1)
    group_classes.book_place(classes.member, session.id, now=NOW)
    waiting = group_classes.book_place(classes.other_member, session.id, now=NOW)
    third = group_classes.book_place(make_user("member"), session.id, now=NOW)
    group_classes.cancel_place(classes.other_member, waiting.id, now=NOW)
    db.session.expire_all()
    assert db.session.get(Booking, third.id).status == "WAITLISTED"
    assert group_classes.places_left(session.id) == 0


def test_the_coach_removing_a_member_tells_them_and_promotes_the_waitlist(classes):
    session = one_class(classes, capacity=1)
    holder = group_classes.book_place(classes.member, session.id, now=NOW)
    waiting = group_classes.book_place(classes.other_member, session.id, now=NOW)
    group_classes.cancel_place(classes.coach, holder.id, now=NOW)
    db.session.expire_all()
    assert db.session.get(Booking, holder.id).status == "CANCELLED_BY_COACH"
    assert [n.kind for n in notes(classes.member)] == ["place_cancelled"]
    assert db.session.get(Booking, waiting.id).status == "CONFIRMED"


def test_cancel_booking_on_a_place_gives_up_the_place_not_the_class(classes):
    session = one_class(classes, capacity=1)
    holder = group_classes.book_place(classes.member, session.id, now=NOW)
    waiting = group_classes.book_place(classes.other_member, session.id, now=NOW)
    result = bookings.cancel_booking(classes.member, holder.id, now=NOW)
    assert result.status == "CANCELLED_BY_MEMBER"
    db.session.expire_all()
    assert db.session.get(TrainingSession, session.id).status == "scheduled"
    assert db.session.get(Booking, waiting.id).status == "CONFIRMED"
    with pytest.raises(AlreadyCancelled):
        bookings.cancel_booking(classes.member, holder.id, now=NOW)
    with pytest.raises(NotFound):
        bookings.cancel_booking(classes.member, waiting.id, now=NOW)


def test_a_member_cancelling_the_class_only_leaves_it(classes):
    session = one_class(classes, capacity=3)
    group_classes.book_place(classes.member, session.id, now=NOW)
    group_classes.book_place(classes.other_member, session.id, now=NOW)
    sessions.cancel_session(classes.member, session.id, now=NOW)
    db.session.expire_all()
    assert db.session.get(TrainingSession, session.id).status == "scheduled"
    assert group_classes.places_left(session.id) == 2
    with pytest.raises(AlreadyCancelled):
        group_classes.leave_session(classes.member, session.id, now=NOW)
    with pytest.raises(ValidationFailed):
        group_classes.leave_session(classes.admin, session.id, now=NOW)
    with pytest.raises(NotFound):
        group_classes.leave_session(classes.admin, session.id, member_id=classes.admin.id, now=NOW)
    with pytest.raises(NotFound):
        group_classes.leave_session(
            classes.other_coach, session.id, member_id=classes.other_member.id, now=NOW
        )
    group_classes.leave_session(
        classes.coach, session.id, member_id=classes.other_member.id, now=NOW
    )
    assert group_classes.places_left(session.id) == 3
    assert [n.kind for n in notes(classes.other_member)] == ["place_cancelled"]


@pytest.mark.parametrize(
    ("before_start", "late"),
    [
        (timedelta(hours=24, minutes=1), False),
        (timedelta(hours=24), False),  # exactly the window: still in time
        (timedelta(hours=23, minutes=59), True),
        (timedelta(minutes=5), True),
    ],
)
def test_a_late_cancel_is_less_than_the_window_before_the_start(classes, before_start, late):
    session = one_class(classes, capacity=1)
    holder = group_classes.book_place(classes.member, session.id, now=NOW)
    waiting = group_classes.book_place(classes.other_member, session.id, now=NOW)
    when = session.start_time - before_start
    assert sessions.is_late_cancel(session.start_time, 24, when) is late
    group_classes.cancel_place(classes.other_member, waiting.id, now=when)
    group_classes.cancel_place(classes.member, holder.id, now=when)
    db.session.expire_all()
    assert db.session.get(Booking, holder.id).late_cancel is late
    assert db.session.get(Booking, waiting.id).late_cancel is False  # a waitlist entry never is


def test_the_same_edge_holds_for_one_to_one_bookings(classes):
    start = at(CLASS_DAY, "10:00")
    booking, _ = bookings.book_one_time(
        classes.member, classes.coach.id, start, at(CLASS_DAY, "11:00"), now=NOW
    )
    bookings.cancel_booking(classes.member, booking.id, now=start - timedelta(hours=24))
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).late_cancel is False


def test_the_coach_cancelling_a_class_cancels_and_tells_every_member(classes, make_user):
    session = one_class(classes, capacity=1)
    waiting_member = make_user("member")
    holder = group_classes.book_place(classes.member, session.id, now=NOW)
    waiting = group_classes.book_place(waiting_member, session.id, now=NOW)
    sessions.cancel_session(classes.coach, session.id, now=NOW)
    db.session.expire_all()
    assert db.session.get(TrainingSession, session.id).status == "cancelled"
    for booking in (holder, waiting):
        assert db.session.get(Booking, booking.id).status == "CANCELLED_BY_COACH"
    for user in (classes.member, waiting_member):
        [note] = notes(user)
        assert note.kind == "session_cancelled" and "Kettlebells class" in note.message


def test_resolving_a_class_conflict_by_cancelling_tells_its_members(classes):
    session = one_class(classes, capacity=3)
    group_classes.book_place(classes.member, session.id, now=NOW)
    availability.create_blocked_slot(
        classes.coach,
        classes.coach.id,
        at(CLASS_DAY, "16:00"),
        at(CLASS_DAY, "19:00"),
        None,
        now=NOW,
    )
    sessions.resolve_conflict(classes.coach, session.id, "cancel", now=NOW)
    assert [n.kind for n in notes(classes.member)] == ["session_cancelled"]


def test_ending_a_class_series_cancels_its_places_and_tells_the_members(classes):
    series, made = class_series(classes)
    group_classes.book_place(classes.member, made[1].id, now=NOW)
    group_classes.book_place(classes.other_member, made[2].id, now=NOW)
    bookings.cancel_recurring(classes.coach, series.id, from_date=date(2027, 3, 9), today=TODAY)
    db.session.expire_all()
    assert db.session.get(RecurringBooking, series.id).status == "CANCELLED"
    assert db.session.get(TrainingSession, made[0].id).status == "scheduled"
    assert all(db.session.get(TrainingSession, s.id).status == "cancelled" for s in made[1:])
    assert (
        db.session.scalar(
            select(func.count(Booking.id)).where(Booking.status == "CANCELLED_BY_COACH")
        )
        == 2
    )
    assert len(notes(classes.member)) == len(notes(classes.other_member)) == 1
    with pytest.raises(NotFound):
        bookings.cancel_recurring(classes.member, series.id, today=TODAY)


def test_moving_a_class_tells_the_waitlist_too(classes):
    from coachapp.services import moves

    session = one_class(classes, capacity=1)
    group_classes.book_place(classes.member, session.id, now=NOW)
    group_classes.book_place(classes.other_member, session.id, now=NOW)
    moves.move_session(classes.coach, session.id, at(CLASS_DAY, "19:00"), now=NOW)
    assert [n.kind for n in notes(classes.other_member)] == ["session_moved"]


def test_a_member_sees_the_classes_they_hold_places_in(classes):
    session = one_class(classes, capacity=3)
    other = one_class(classes, capacity=3, start="19:00", end="20:00", title="Stretch")
    group_classes.book_place(classes.member, session.id, now=NOW)
    listed = sessions.list_sessions(classes.member, start=at(CLASS_DAY, "00:00"))
    assert [s.id for s in listed] == [session.id]
    assert sessions.get_session(classes.member, session.id).id == session.id
    with pytest.raises(NotFound):
        sessions.get_session(classes.member, other.id)
    assert group_classes.get_class(classes.member, other.id).places_left == 3


def test_roster_lists_places_and_waitlist_in_order(classes, make_user):
    session = one_class(classes, capacity=1)
    group_classes.book_place(classes.member, session.id, now=NOW)
    group_classes.book_place(classes.other_member, session.id, now=NOW)
    roster = group_classes.roster(classes.coach, session.id)
    assert [b.member_id for b in roster.confirmed] == [classes.member.id]
    assert [b.member_id for b in roster.waitlist] == [classes.other_member.id]
    with pytest.raises(NotFound):
        group_classes.roster(classes.member, session.id)
    with pytest.raises(NotFound):
        group_classes.roster(classes.other_coach, session.id)


@pytest.mark.postgres
def test_twenty_members_race_for_five_places(app, classes, make_user):
    """Every thread books at once on its own connection: the row lock on the class keeps the
    confirmed places at exactly its capacity; the rest wait, or are refused when they declined
    the waitlist."""
    session = one_class(classes, capacity=5)
    session_id = session.id
    ids = [make_user("member").id for _ in range(20)]
    barrier = threading.Barrier(len(ids))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                actor = db.session.get(User, ids[i])
                booking = group_classes.book_place(actor, session_id, waitlist=i % 4 != 3, now=NOW)
                outcome = booking.status
            except DomainError as exc:
                outcome = type(exc).__name__
            except Exception as exc:  # noqa: BLE001  (reported, and fails the test below)
                outcome = f"unexpected {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    counted = Counter(outcomes)
    print(f"\n20 attempts for 5 places: {dict(counted)}")
    assert counted["CONFIRMED"] == 5, counted
    assert counted["WAITLISTED"] + counted["CapacityFull"] == 15, counted
    assert set(counted) <= {"CONFIRMED", "WAITLISTED", "CapacityFull"}, counted
    db.session.expire_all()
    stored = Counter(
        db.session.scalars(select(Booking.status).where(Booking.session_id == session_id))
    )
    assert stored["CONFIRMED"] == 5
    assert stored["WAITLISTED"] == counted["WAITLISTED"]


def test_the_nightly_job_keeps_making_group_classes(classes):
    """Weeks beyond the first six come from the nightly job, as classes with the series' title and
    capacity (not one-to-one sessions), and a second run makes nothing twice."""
    series, made = class_series(classes)
    bookings.create_recurring(
        classes.member,
        SeriesSpec(classes.coach.id, TUESDAY, "10:00", "11:00", date(2027, 3, 1), None, 1),
        today=TODAY,
    )
    result = sessions.materialize(date(2027, 3, 29))
    assert result.created == 2 * 4  # four new weeks of each series
    later = list(
        db.session.scalars(
            select(TrainingSession)
            .where(TrainingSession.recurring_booking_id == series.id)
            .order_by(TrainingSession.start_time)
        )
    )
    assert len(later) == 10
    for session in later:
        assert (session.type, session.title, session.capacity, session.member_id) == (
            "GROUP",
            "Mobility",
            8,
            None,
        )
    one_to_one = db.session.scalars(
        select(TrainingSession).where(TrainingSession.member_id == classes.member.id)
    ).all()
    assert {s.type for s in one_to_one} == {"ONE_TO_ONE"} and len(one_to_one) == 10
    assert sessions.materialize(date(2027, 3, 29)).created == 0
    # The coach gives the member a place: the last class lies past a member's booking horizon.
    assert (
        group_classes.book_place(
            classes.coach, later[-1].id, member_id=classes.member.id, now=NOW
        ).status
        == "CONFIRMED"
    )


def test_the_waitlist_is_in_the_order_the_bookings_were_accepted(classes, make_user):
    """A request reads its clock before it takes the class's lock, so a booking accepted later can
    carry an earlier created_at (bench_rush saw adjacent swaps): the queue follows acceptance."""
    session = one_class(classes, capacity=1)
    group_classes.book_place(classes.member, session.id, now=NOW)
    later, earlier = make_user("member"), make_user("member")
    accepted_first = group_classes.book_place(later, session.id, now=NOW + timedelta(seconds=2))
    accepted_second = group_classes.book_place(earlier, session.id, now=NOW + timedelta(seconds=1))
    waiting = [accepted_second, accepted_first]
    assert [b.status for b in waiting] == ["WAITLISTED", "WAITLISTED"]  # rows loaded
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        positions = group_classes.waitlist_positions(waiting)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert positions == {accepted_first.id: 1, accepted_second.id: 2}
    assert len(seen) == 1  # one query, however long the waitlist
    roster = group_classes.roster(classes.coach, session.id)
    assert [b.id for b in roster.waitlist] == [accepted_first.id, accepted_second.id]
    group_classes.leave_session(classes.member, session.id, now=NOW)
    db.session.expire_all()
    assert db.session.get(Booking, accepted_first.id).status == "CONFIRMED"
    assert db.session.get(Booking, accepted_second.id).status == "WAITLISTED"

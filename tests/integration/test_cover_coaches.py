"""Cover coaches (issue 17 item 6): who is offered for a conflicting session, handing it over
(room kept or replaced, refused when no longer possible), a series' conflicts at once, and who is
told. The gym fixture's coach Carla works Mon–Fri 09:00–12:00 in Studio A (default Studio B)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import event, func, select

from coachapp.extensions import db
from coachapp.models import Notification, RecurringBooking, TrainingSession, User
from coachapp.services import availability, bookings, cover, sessions
from coachapp.services.bookings import SeriesSpec
from coachapp.services.errors import (
    AlreadyCancelled,
    Conflict,
    Forbidden,
    InPast,
    NotFound,
    SlotUnavailable,
    ValidationFailed,
)
from coachapp.vocab import NotificationKind, SessionStatus
from tests.integration.service_helpers import NOW, TODAY, at

TUESDAY = 2


def works(coach, days=(TUESDAY,), room_id=None, start="09:00", end="12:00"):
    """Give ``coach`` one-to-one windows on ``days``."""
    for day in days:
        availability.replace_weekly_day(
            coach, coach.id, day, [availability.WindowInput(start, end, room_id)], now=NOW
        )


def block_day(coach, day: str):
    availability.create_blocked_slot(
        coach, coach.id, at(day, "00:00"), at(day, "23:59"), "ill", now=NOW
    )


@pytest.fixture
def ill(gym, make_user):
    """Mia's one-time session with Carla on Tue 2 Mar 2027 10:00–11:00 (Studio A); Carla is
    ill that day. Sam works Tuesdays 09–12 (no room of his own), Nora has no hours."""
    _, session = bookings.book_one_time(
        gym.admin,
        gym.coach.id,
        at("2027-03-02", "10:00"),
        at("2027-03-02", "11:00"),
        member_id=gym.member.id,
        now=NOW,
    )
    block_day(gym.coach, "2027-03-02")
    sam = make_user("coach", name="Sam Cover", timezone="Europe/Berlin")
    make_user("coach", name="Nora Nohours", timezone="Europe/Berlin")
    works(sam)
    return session.id, sam


def names(found):
    return [c.name for c in found]


def test_offers_the_coaches_available_and_free_then(gym, ill, make_user):
    session_id, sam = ill
    busy = make_user("coach", name="Bea Busy", timezone="Europe/Berlin")
    works(busy)
    bookings.book_one_time(
        gym.admin,
        busy.id,
        at("2027-03-02", "10:30"),
        at("2027-03-02", "11:30"),
        member_id=gym.other_member.id,
        now=NOW,
    )
    gone = make_user("coach", name="Gil Gone", timezone="Europe/Berlin")
    works(gone)
    gone.active = False
    short = make_user("coach", name="Kim Short", timezone="Europe/Berlin")
    works(short, end="10:30")  # covers only half the session
    db.session.commit()

    found = cover.cover_coaches(gym.coach, session_id, NOW)
    assert names(found) == ["Sam Cover"]
    assert found[0].id == sam.id
    assert names(cover.cover_coaches(gym.admin, session_id, NOW)) == ["Sam Cover"]


def test_a_blocked_or_added_hour_of_the_cover_coach_counts(gym, ill, make_user):
    session_id, sam = ill
    availability.create_blocked_slot(
        sam, sam.id, at("2027-03-02", "10:45"), at("2027-03-02", "11:15"), None, now=NOW
    )
    assert cover.cover_coaches(gym.coach, session_id, NOW) == []
    late = make_user("coach", name="Lou Late", timezone="Europe/Berlin")
    availability.create_addition(
        late, late.id, at("2027-03-02", "10:00"), at("2027-03-02", "11:00"), None, "extra"
    )
    assert names(cover.cover_coaches(gym.coach, session_id, NOW)) == ["Lou Late"]


def test_only_the_sessions_coach_or_an_admin_may_ask(gym, ill):
    session_id, sam = ill
    with pytest.raises(NotFound):
        cover.cover_coaches(gym.other_coach, session_id, NOW)
    with pytest.raises(Forbidden):
        cover.cover_coaches(gym.member, session_id, NOW)
    with pytest.raises(NotFound):
        cover.cover_coaches(gym.other_member, session_id, NOW)
    with pytest.raises(NotFound):
        cover.reassign(gym.other_coach, session_id, sam.id, NOW)
    with pytest.raises(Forbidden):
        cover.reassign(gym.member, session_id, sam.id, NOW)


def test_reassign_moves_the_session_and_its_booking_and_keeps_the_free_room(gym, ill):
    session_id, sam = ill
    before = db.session.get(TrainingSession, session_id)
    booking_id, room_id = before.one_time_booking_id, before.room_id
    assert room_id == gym.studio_a.id

    moved = cover.reassign(gym.coach, session_id, sam.id, NOW)

    db.session.expire_all()
    moved = db.session.get(TrainingSession, session_id)
    assert (moved.coach_id, moved.room_id, moved.status) == (sam.id, room_id, "scheduled")
    assert moved.one_time_booking_id == booking_id
    assert moved.start_time == at("2027-03-02", "10:00")
    assert sessions.list_conflicts(gym.coach, gym.coach.id, NOW) == []
    assert sessions.list_conflicts(sam, sam.id, NOW) == []
    told = {
        n.user_id: n
        for n in db.session.scalars(
            select(Notification).where(Notification.kind == NotificationKind.SESSION_REASSIGNED)
        )
    }
    assert set(told) == {gym.member.id, sam.id}  # Carla did it herself: not told
    assert told[gym.member.id].session_id == session_id
    assert "will be with Sam Cover instead of Coach Carla" in told[gym.member.id].message
    assert "Tue 2 Mar, 10:00–11:00 Berlin time" in told[gym.member.id].message
    assert told[sam.id].message.startswith("Coach Carla gave you a session with Mia Member")


def test_an_admin_hands_it_over_and_the_old_coach_is_told_too(gym, ill):
    session_id, sam = ill
    cover.reassign(gym.admin, session_id, sam.id, NOW)
    kinds = Counter(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.kind == NotificationKind.SESSION_REASSIGNED
            )
        )
    )
    assert kinds == Counter({gym.member.id: 1, sam.id: 1, gym.coach.id: 1})


def test_an_admins_hand_over_and_its_undo_tell_the_same_people_once_each(gym, ill, monkeypatch):
    """Both directions are written by cover.tell_hand_over: the member, the coach it goes to and
    the coach it leaves are told once each way (the admin who acts is never told)."""
    from datetime import timedelta

    from coachapp.services import undo
    from tests.clock import pin_clock

    pin_clock(monkeypatch, lambda: NOW)  # the Undo token's age is read on the app's clock
    session_id, sam = ill

    def said() -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for user_id, message in db.session.execute(
            select(Notification.user_id, Notification.message)
            .where(Notification.kind == NotificationKind.SESSION_REASSIGNED)
            .order_by(Notification.id)
        ):
            out.setdefault(user_id, []).append(message)
        return out

    cover.reassign(gym.admin, session_id, sam.id, NOW)
    token = undo.offer(gym.admin, "give_back", session_ids=[session_id], coach_id=gym.coach.id)
    assert undo.apply(gym.admin, token, now=NOW + timedelta(seconds=3)).startswith("Undone: ")
    told = said()
    assert sorted(told) == sorted([gym.member.id, sam.id, gym.coach.id])
    member, given, back = told[gym.member.id], told[sam.id], told[gym.coach.id]
    assert len(member) == len(given) == len(back) == 2
    assert "will be with Sam Cover instead of Coach Carla." in member[0]
    assert "will be with Coach Carla again, not Sam Cover." in member[1]
    assert given[0].startswith("Ada Admin gave you a session with Mia Member: ")
    assert given[1].startswith(
        "Ada Admin gave a session with Mia Member back to Coach Carla (undone): "
    )
    assert back[0].startswith("Ada Admin gave a session of yours with Mia Member to Sam Cover: ")
    assert back[1].startswith("Ada Admin gave you back a session with Mia Member (undone): ")
    assert gym.admin.id not in told


def test_a_session_without_a_room_takes_the_new_coachs_room(gym, make_user):
    """Nora uses no room; Carla, covering, gives it her window's room, or her default room when
    another session holds that one, and is not offered when both are held."""
    nora = make_user("coach", name="Nora Noroom", timezone="Europe/Berlin")
    works(nora)
    _, session = bookings.book_one_time(
        gym.admin,
        nora.id,
        at("2027-03-02", "10:00"),
        at("2027-03-02", "11:00"),
        member_id=gym.member.id,
        now=NOW,
    )
    assert session.room_id is None
    block_day(nora, "2027-03-02")
    found = cover.covers_for(nora, [session], NOW)[session.id]
    assert names(found) == ["Coach Carla"]

    otto = gym.other_coach
    works(otto, room_id=gym.studio_a.id)
    bookings.book_one_time(
        gym.admin,
        otto.id,
        at("2027-03-02", "10:00"),
        at("2027-03-02", "11:00"),
        member_id=gym.other_member.id,
        now=NOW,
    )  # Studio A is held by Otto's session now
    moved = cover.reassign(nora, session.id, gym.coach.id, NOW)
    assert (moved.coach_id, moved.room_id) == (gym.coach.id, gym.studio_b.id)


def test_not_offered_when_every_room_of_the_cover_coach_is_held(gym, make_user):
    nora = make_user("coach", name="Nora Noroom", timezone="Europe/Berlin")
    works(nora)
    _, session = bookings.book_one_time(
        gym.admin,
        nora.id,
        at("2027-03-02", "10:00"),
        at("2027-03-02", "11:00"),
        member_id=gym.member.id,
        now=NOW,
    )
    block_day(nora, "2027-03-02")
    for room, coach in ((gym.studio_a, gym.other_coach), (gym.studio_b, make_user("coach"))):
        works(coach, room_id=room.id)
        bookings.book_one_time(
            gym.admin,
            coach.id,
            at("2027-03-02", "10:30"),
            at("2027-03-02", "11:30"),
            member_id=make_user("member").id,
            now=NOW,
        )
    assert "Coach Carla" not in names(cover.covers_for(nora, [session], NOW)[session.id])
    with pytest.raises(SlotUnavailable, match="No room is free for Coach Carla"):
        cover.reassign(nora, session.id, gym.coach.id, NOW)


def test_refused_when_the_cover_coach_was_taken_meanwhile(gym, ill):
    session_id, sam = ill
    assert names(cover.cover_coaches(gym.coach, session_id, NOW)) == ["Sam Cover"]
    bookings.book_one_time(
        gym.admin,
        sam.id,
        at("2027-03-02", "10:30"),
        at("2027-03-02", "11:30"),
        member_id=gym.other_member.id,
        now=NOW,
    )
    with pytest.raises(SlotUnavailable) as refused:
        cover.reassign(gym.coach, session_id, sam.id, NOW)
    assert refused.value.code == "slot_unavailable"
    assert refused.value.message == "Sam Cover has another session on Tue 2 Mar 2027 10:00–11:00."
    db.session.expire_all()
    assert db.session.get(TrainingSession, session_id).coach_id == gym.coach.id
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == NotificationKind.SESSION_REASSIGNED)
        )
        == 0
    )


def test_refused_when_the_cover_coach_is_not_available(gym, ill):
    session_id, sam = ill
    with pytest.raises(SlotUnavailable, match="Coach Otto is not available on Tue 2 Mar 2027"):
        cover.reassign(gym.coach, session_id, gym.other_coach.id, NOW)


def test_bad_targets_and_settled_sessions(gym, ill):
    session_id, sam = ill
    for bad in (gym.member.id, 999999, "x", None, True):
        with pytest.raises(ValidationFailed) as refused:
            cover.reassign(gym.coach, session_id, bad, NOW)
        assert refused.value.field == "coach_id"
    with pytest.raises(ValidationFailed, match="already that coach"):
        cover.reassign(gym.coach, session_id, gym.coach.id, NOW)
    with pytest.raises(InPast):
        cover.reassign(gym.coach, session_id, sam.id, at("2027-03-02", "10:30"))
    assert cover.cover_coaches(gym.coach, session_id, at("2027-03-02", "10:30")) == []
    sessions.cancel_session(gym.coach, session_id, now=NOW)
    with pytest.raises(AlreadyCancelled):
        cover.reassign(gym.coach, session_id, sam.id, NOW)
    assert cover.cover_coaches(gym.coach, session_id, NOW) == []


def statements(work) -> int:
    """How many SQL statements ``work()`` runs (the session's cache emptied first)."""
    seen = []

    def record(*_args):
        seen.append(1)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(seen)


def test_the_offer_costs_the_same_statements_for_two_coaches_or_eight(gym, ill, make_user):
    session_id, _ = ill
    few = statements(lambda: cover.cover_coaches(gym.coach, session_id, NOW))
    for i in range(6):
        works(make_user("coach", name=f"Extra {i}", timezone="Europe/Berlin"))
    assert len(cover.cover_coaches(gym.coach, session_id, NOW)) == 7
    # the actor (expired here), the session, the coaches, their windows, blocked slots,
    # additions, and the sessions at that time
    assert statements(lambda: cover.cover_coaches(gym.coach, session_id, NOW)) == few <= 7


def test_the_offers_for_many_sessions_cost_as_much_as_for_one(gym, make_user):
    sam = make_user("coach", name="Sam Cover", timezone="Europe/Berlin")
    works(sam, days=range(1, 6))
    made = []
    for day in ("2027-03-02", "2027-03-03", "2027-03-04", "2027-03-05"):
        for hour in (9, 10, 11):
            start = at(day, f"{hour:02d}:00")
            made.append(
                bookings.book_one_time(
                    gym.admin,
                    gym.coach.id,
                    start,
                    start.replace(hour=hour + 1),
                    member_id=gym.member.id,
                    now=NOW,
                )[1]
            )
    ids = [s.id for s in made]

    def offers(chosen):
        rows = [db.session.get(TrainingSession, i) for i in chosen]
        return lambda: cover.covers_for(gym.coach, rows, NOW)

    one = statements(offers(ids[:1])) - 1  # minus reading the one session
    many = statements(offers(ids)) - len(ids)
    assert many == one
    found = cover.covers_for(gym.coach, made, NOW)
    assert all(names(found[i]) == ["Sam Cover"] for i in ids)


@pytest.fixture
def series_conflict(gym, make_user):
    """Mia's weekly series with Carla on Tuesdays 10–11 from 2 Mar 2027; Carla is ill on the
    first two Tuesdays. Sam works every Tuesday; Otto too, but has a session on 9 Mar."""
    series, made = bookings.create_recurring(
        gym.admin,
        SeriesSpec(
            gym.coach.id,
            TUESDAY,
            "10:00",
            "11:00",
            date(2027, 3, 2),
            None,
            1,
            member_id=gym.member.id,
        ),
        today=TODAY,
        now=NOW,
    )
    block_day(gym.coach, "2027-03-02")
    block_day(gym.coach, "2027-03-09")
    sam = make_user("coach", name="Sam Cover", timezone="Europe/Berlin")
    works(sam)
    works(gym.other_coach)
    bookings.book_one_time(
        gym.admin,
        gym.other_coach.id,
        at("2027-03-09", "10:00"),
        at("2027-03-09", "11:00"),
        member_id=gym.other_member.id,
        now=NOW,
    )
    return series.id, sam


def test_series_cover_is_the_coach_who_can_take_every_conflicting_occurrence(gym, series_conflict):
    series_id, sam = series_conflict
    found = cover.series_cover_coaches(gym.coach, series_id, NOW)
    assert [s.start_time for s in found.sessions] == [
        at("2027-03-02", "10:00"),
        at("2027-03-09", "10:00"),
    ]
    assert names(found.coaches) == ["Sam Cover"]
    # each occurrence alone: Otto can take the first one
    first, second = found.sessions
    per_session = cover.covers_for(gym.coach, found.sessions, NOW)
    assert names(per_session[first.id]) == ["Coach Otto", "Sam Cover"]
    assert names(per_session[second.id]) == ["Sam Cover"]
    with pytest.raises(NotFound):
        cover.series_cover_coaches(gym.other_coach, series_id, NOW)


def test_give_series_hands_over_every_conflict_and_the_series_stays(gym, series_conflict):
    series_id, sam = series_conflict
    with pytest.raises(SlotUnavailable, match="Coach Otto has another session on Tue 9 Mar"):
        cover.give_series(gym.coach, series_id, gym.other_coach.id, NOW)

    given = cover.give_series(gym.coach, series_id, sam.id, NOW)

    db.session.expire_all()
    assert [s.coach_id for s in given] == [sam.id, sam.id]
    assert all(s.recurring_booking_id == series_id for s in given)
    assert db.session.get(RecurringBooking, series_id).coach_id == gym.coach.id
    assert sessions.list_conflicts(gym.coach, gym.coach.id, NOW) == []
    to_member = list(
        db.session.scalars(
            select(Notification.message).where(
                Notification.user_id == gym.member.id,
                Notification.kind == NotificationKind.SESSION_REASSIGNED,
            )
        )
    )
    assert len(to_member) == 1  # one message for both
    assert "Your sessions on Tue 2 Mar, 10:00–11:00" in to_member[0]
    assert "Tue 9 Mar, 10:00–11:00" in to_member[0]
    with pytest.raises(Conflict):
        cover.give_series(gym.coach, series_id, sam.id, NOW)
    assert cover.series_cover_coaches(gym.coach, series_id, NOW).sessions == []


def test_the_nightly_job_does_not_make_a_handed_over_occurrence_again(gym, series_conflict):
    series_id, sam = series_conflict
    given = cover.give_series(gym.coach, series_id, sam.id, NOW)
    assert sessions.materialize(TODAY, weeks=6).created == 0
    assert sessions.materialize(TODAY, weeks=7).created == 1  # the week after, for Carla
    db.session.expire_all()
    rows = db.session.execute(
        select(TrainingSession.coach_id, TrainingSession.start_time).where(
            TrainingSession.recurring_booking_id == series_id,
            TrainingSession.status == SessionStatus.SCHEDULED,
        )
    ).all()
    starts = Counter(start for _, start in rows)
    assert all(n == 1 for n in starts.values()), starts
    assert {coach for coach, start in rows if start in {s.start_time for s in given}} == {sam.id}


def test_a_cover_coach_sees_the_session_and_its_member_theirs(gym, ill):
    session_id, sam = ill
    cover.reassign(gym.coach, session_id, sam.id, NOW)
    sam = db.session.get(User, sam.id)
    assert sessions.get_session(sam, session_id).coach_id == sam.id
    with pytest.raises(NotFound):
        sessions.get_session(gym.coach, session_id)
    assert [s.id for s in sessions.list_sessions(gym.member)] == [session_id]


def test_a_weekday_dropped_from_the_template_hands_over_every_occurrence_once(gym, series_conflict):
    series_id, sam = series_conflict
    availability.replace_weekly_day(gym.coach, gym.coach.id, TUESDAY, [], now=NOW)
    found = cover.series_cover_coaches(gym.coach, series_id, NOW)
    assert len(found.sessions) == 6 and names(found.coaches) == ["Sam Cover"]
    cover.give_series(gym.coach, series_id, sam.id, NOW)
    # the occurrence keys stay with the series: nothing is made again for Carla, and the
    # nightly job counts them as made (keys by the series' coach), not as collisions
    result = sessions.materialize(TODAY, weeks=6)
    assert (result.created, result.collisions) == (0, 0)
    db.session.expire_all()
    rows = db.session.execute(
        select(TrainingSession.coach_id, TrainingSession.start_time).where(
            TrainingSession.recurring_booking_id == series_id
        )
    ).all()
    assert len(rows) == 6 and {coach for coach, _ in rows} == {sam.id}


@pytest.mark.postgres
def test_two_coaches_give_sessions_at_the_same_time_to_one_cover_coach_one_wins(
    app, gym, ill, make_user
):
    """Carla's and Otto's sessions on Tue 2 Mar 10–11 (different rooms), both handed to Sam at
    once, each on its own connection: the coach overlap constraint lets one through."""
    from tests.integration.test_booking_races import race

    carla_session, sam = ill
    otto = gym.other_coach
    works(otto, room_id=gym.studio_b.id)
    _, otto_session = bookings.book_one_time(
        gym.admin,
        otto.id,
        at("2027-03-02", "10:00"),
        at("2027-03-02", "11:00"),
        member_id=gym.other_member.id,
        now=NOW,
    )
    block_day(otto, "2027-03-02")
    jobs = [(gym.coach.id, carla_session), (otto.id, otto_session.id)]
    sam_id = sam.id

    def work(i):
        actor_id, session_id = jobs[i]
        cover.reassign(db.session.get(User, actor_id), session_id, sam_id, NOW)

    outcomes = race(app, 2, work)
    assert outcomes == Counter({"ok": 1, "SlotUnavailable": 1}), outcomes
    db.session.expire_all()
    with_sam = db.session.scalar(
        select(func.count())
        .select_from(TrainingSession)
        .where(
            TrainingSession.coach_id == sam_id, TrainingSession.status == SessionStatus.SCHEDULED
        )
    )
    assert with_sam == 1
    told = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.user_id == sam_id,
            Notification.kind == NotificationKind.SESSION_REASSIGNED,
        )
    )
    assert told == 1


def test_the_database_refusing_a_hand_over_is_a_clear_409(gym, ill, monkeypatch):
    """Should the check let a taken time through (a concurrent writer on PostgreSQL), the
    overlap constraint refuses the write, and that is SlotUnavailable naming the coach."""
    session_id, sam = ill
    bookings.book_one_time(
        gym.admin,
        sam.id,
        at("2027-03-02", "10:00"),
        at("2027-03-02", "11:00"),
        member_id=gym.other_member.id,
        now=NOW,
    )
    monkeypatch.setattr(cover._Board, "verdict", lambda self, s, c, ignore: cover.Verdict(None))
    with pytest.raises(SlotUnavailable, match="Sam Cover has just been given another session"):
        cover.reassign(gym.coach, session_id, sam.id, NOW)
    db.session.expire_all()
    assert db.session.get(TrainingSession, session_id).coach_id == gym.coach.id


def test_stage_cover_conflict_makes_a_conflict_a_cover_coach_can_take(gym, make_user):
    sam = make_user("coach", name="Sam Cover", timezone="Europe/Berlin")
    works(sam)
    session, offered = cover.stage_cover_conflict(gym.admin, gym.coach.id, gym.member.id, NOW)
    assert session.start_time == at("2027-03-02", "09:00")  # Carla's first slot Sam covers
    assert names(offered) == ["Sam Cover"]
    assert [c.session.id for c in sessions.list_conflicts(gym.coach, gym.coach.id, NOW)] == [
        session.id
    ]
    assert names(cover.cover_coaches(gym.coach, session.id, NOW)) == ["Sam Cover"]
    assert cover.stage_cover_conflict(gym.admin, gym.other_coach.id, gym.member.id, NOW) is None


def test_a_group_class_goes_to_a_coach_with_group_hours_and_every_place_is_told(gym, make_user):
    """The API's reassign takes a group class too: the cover coach needs group windows then;
    the places stay with the class and each of their members is told."""
    from coachapp.services import group_classes

    availability.replace_weekly_day(
        gym.coach,
        gym.coach.id,
        TUESDAY,
        [availability.WindowInput("17:00", "18:00", gym.studio_a.id, False, True)],
        now=NOW,
    )
    yoga = group_classes.schedule_group_session(
        gym.coach,
        gym.coach.id,
        at("2027-03-02", "17:00"),
        at("2027-03-02", "18:00"),
        "Yoga",
        5,
        now=NOW,
    )
    for member in (gym.member, gym.other_member):
        group_classes.book_place(gym.admin, yoga.id, member.id, now=NOW)
    block_day(gym.coach, "2027-03-02")
    solo = make_user("coach", name="Sol One-to-one", timezone="Europe/Berlin")
    works(solo, start="17:00", end="18:00")  # one-to-one hours only
    group = make_user("coach", name="Gus Group", timezone="Europe/Berlin")
    availability.replace_weekly_day(
        group,
        group.id,
        TUESDAY,
        [availability.WindowInput("16:00", "19:00", None, False, True)],
        now=NOW,
    )
    assert names(cover.cover_coaches(gym.coach, yoga.id, NOW)) == ["Gus Group"]
    moved = cover.reassign(gym.coach, yoga.id, group.id, NOW)
    assert (moved.coach_id, moved.room_id) == (group.id, gym.studio_a.id)
    told = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.kind == NotificationKind.SESSION_REASSIGNED
            )
        )
    )
    assert told == {gym.member.id, gym.other_member.id, group.id}

"""Sessions: conflicts and their resolution, no-shows, listing, and the nightly job."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import AvailabilityAddition, Booking, Notification, TrainingSession
from coachapp.services import availability, bookings, sessions, slots
from coachapp.services.bookings import SeriesSpec
from coachapp.services.errors import (
    AlreadyCancelled,
    Conflict,
    Forbidden,
    NotFound,
    NotStarted,
    ValidationFailed,
)
from tests.integration.service_helpers import NOW, TODAY, at


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def stranded(gym):
    """A Tuesday booking, then Tuesdays removed from the template: one conflict."""
    booking, session = bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-02", "10:00"), at("2027-03-02", "11:00"), now=NOW
    )
    availability.replace_weekly_day(gym.coach, gym.coach.id, 2, [], now=NOW)
    return booking, session


def test_conflicts_list_sessions_outside_availability(gym, stranded):
    _, session = stranded
    found = sessions.list_conflicts(gym.coach, gym.coach.id, now=NOW)
    assert [(c.session.id, c.reason) for c in found] == [(session.id, "outside_weekly_template")]
    assert sessions.list_conflicts(gym.coach, gym.coach.id, now=at("2027-03-02", "10:00")) == []
    with pytest.raises(Forbidden):
        sessions.list_conflicts(gym.other_coach, gym.coach.id, now=NOW)
    with pytest.raises(Forbidden):
        sessions.list_conflicts(gym.member, gym.coach.id, now=NOW)
    # the badge's count follows the same rule and the same rights
    assert sessions.count_conflicts(gym.coach, gym.coach.id, now=NOW) == 1
    assert sessions.count_conflicts(gym.coach, gym.coach.id, now=at("2027-03-02", "10:00")) == 0
    with pytest.raises(Forbidden):
        sessions.count_conflicts(gym.member, gym.coach.id, now=NOW)


def test_keep_adds_availability_for_exactly_that_slot(gym, stranded):
    _, session = stranded
    kept = sessions.resolve_conflict(gym.coach, session.id, "keep", now=NOW)
    assert kept.status == "scheduled"
    addition = db.session.scalars(select(AvailabilityAddition)).one()
    assert (addition.start_time, addition.end_time) == (session.start_time, session.end_time)
    assert addition.room_id == session.room_id
    assert addition.reason == "Kept conflicting session"
    assert sessions.list_conflicts(gym.coach, gym.coach.id, now=NOW) == []
    # the kept slot is not offered to anyone else: the session occupies it
    assert slots.bookable_slots(gym.coach.id, date(2027, 3, 2), date(2027, 3, 2), now=NOW) == []
    with pytest.raises(Conflict) as caught:
        sessions.resolve_conflict(gym.coach, session.id, "keep", now=NOW)
    assert caught.value.code == "conflict"


def test_cancel_cancels_the_booking_and_notifies_the_member(gym, stranded):
    booking, session = stranded
    sessions.resolve_conflict(gym.admin, session.id, "cancel", now=NOW)
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "CANCELLED_BY_COACH"
    stored = db.session.get(TrainingSession, session.id)
    assert (stored.status, stored.cancelled_by) == ("cancelled", "COACH")
    note = db.session.scalars(select(Notification)).one()
    assert note.user_id == gym.member.id and note.session_id == session.id
    assert note.message == (
        "Your session on Tue 2 Mar, 10:00 Berlin time with Coach Carla was "
        "cancelled by your coach."
    )
    assert sessions.list_conflicts(gym.coach, gym.coach.id, now=NOW) == []
    with pytest.raises(AlreadyCancelled):
        sessions.resolve_conflict(gym.coach, session.id, "cancel", now=NOW)


def test_resolve_refusals(gym, stranded):
    _, session = stranded
    with pytest.raises(ValidationFailed) as caught:
        sessions.resolve_conflict(gym.coach, session.id, "ignore", now=NOW)
    assert caught.value.field == "action"
    with pytest.raises(NotFound):
        sessions.resolve_conflict(gym.other_coach, session.id, "keep", now=NOW)
    with pytest.raises(Forbidden):
        sessions.resolve_conflict(gym.member, session.id, "keep", now=NOW)
    _, fitting = bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-03", "10:00"), at("2027-03-03", "11:00"), now=NOW
    )
    with pytest.raises(Conflict):
        sessions.resolve_conflict(gym.coach, fitting.id, "cancel", now=NOW)
    assert fitting.status == "scheduled"


def test_no_show_only_once_started(gym):
    booking, session = bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-02", "10:00"), at("2027-03-02", "11:00"), now=NOW
    )
    with pytest.raises(NotStarted) as caught:
        sessions.mark_no_show(gym.coach, session.id, now=NOW)
    assert caught.value.code == "not_started"
    with pytest.raises(Forbidden):
        sessions.mark_no_show(gym.member, session.id, now=at("2027-03-02", "10:05"))
    sessions.mark_no_show(gym.coach, session.id, now=at("2027-03-02", "10:05"))
    assert session.status == "no_show"
    assert booking.status == "NO_SHOW"
    other, other_session = bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-03", "10:00"), at("2027-03-03", "11:00"), now=NOW
    )
    bookings.cancel_booking(gym.member, other.id, now=NOW)
    with pytest.raises(AlreadyCancelled):
        sessions.mark_no_show(gym.coach, other_session.id, now=at("2027-03-03", "10:05"))


def test_listing_respects_who_is_asking(gym):
    mine = bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-02", "10:00"), at("2027-03-02", "11:00"), now=NOW
    )[1]
    theirs = bookings.book_one_time(
        gym.other_member,
        gym.coach.id,
        at("2027-03-03", "10:00"),
        at("2027-03-03", "11:00"),
        now=NOW,
    )[1]
    assert [s.id for s in sessions.list_sessions(gym.member)] == [mine.id]
    assert [s.id for s in sessions.list_sessions(gym.coach)] == [mine.id, theirs.id]
    assert [s.id for s in sessions.list_sessions(gym.admin, member_id=gym.other_member.id)] == [
        theirs.id
    ]
    assert sessions.list_sessions(gym.other_coach) == []
    assert [
        s.id
        for s in sessions.list_sessions(
            gym.admin, start=at("2027-03-03", "00:00"), end=at("2027-03-04", "00:00")
        )
    ] == [theirs.id]
    assert sessions.list_sessions(gym.admin, status="cancelled") == []
    with pytest.raises(Forbidden):
        sessions.list_sessions(gym.member, member_id=gym.other_member.id)
    with pytest.raises(Forbidden):
        sessions.list_sessions(gym.other_coach, coach_id=gym.coach.id)
    with pytest.raises(ValidationFailed):
        sessions.list_sessions(gym.admin, status="booked")
    with pytest.raises(NotFound):
        sessions.get_session(gym.other_member, mine.id)
    assert sessions.get_session(gym.member, mine.id).id == mine.id


def test_materialize_is_idempotent_and_keeps_the_horizon_filled(gym):
    bookings.create_recurring(
        gym.member,
        SeriesSpec(gym.coach.id, 1, "10:00", "11:00", date(2027, 3, 1), None, 1),
        today=TODAY,
    )
    bookings.create_recurring(
        gym.other_member,
        SeriesSpec(gym.coach.id, 2, "10:00", "11:00", date(2027, 3, 2), None, 2),
        today=TODAY,
    )
    before = count(TrainingSession)
    assert before == 6 + 3
    first = sessions.materialize(date(2027, 3, 15))
    assert first.created == 2 + 1  # Mondays 12 and 19 Apr, Tuesday 13 Apr
    second = sessions.materialize(date(2027, 3, 15))
    assert second.created == 0
    assert second.skipped_existing == first.created + first.skipped_existing
    assert count(TrainingSession) == before + first.created


def test_an_occurrence_handed_to_another_coach_stays_made_for_its_series(gym):
    """A cover coach took one occurrence (its row's coach changed): the nightly run still counts
    it as made for the series' coach, instead of planning it again and reporting a collision."""
    _row, made = bookings.create_recurring(
        gym.member,
        SeriesSpec(gym.coach.id, 1, "10:00", "11:00", date(2027, 3, 1), None, 1),
        today=TODAY,
    )
    handed = made[2]
    handed.coach_id = gym.other_coach.id
    db.session.commit()
    result = sessions.materialize(date(2027, 3, 1), weeks=6)
    assert (result.created, result.collisions) == (0, 0)
    assert result.skipped_existing == 6


def test_materialize_skips_blocked_occurrences_and_counts_them(gym):
    row, _ = bookings.create_recurring(
        gym.member,
        SeriesSpec(gym.coach.id, 1, "10:00", "11:00", date(2027, 3, 1), None, 1),
        today=TODAY,
    )
    availability.create_blocked_slot(
        gym.coach, gym.coach.id, at("2027-04-12", "00:00"), at("2027-04-13", "00:00"), None, now=NOW
    )
    result = sessions.materialize(date(2027, 3, 15))
    assert (result.created, result.skipped_blocked) == (1, 1)
    assert count(TrainingSession, TrainingSession.recurring_booking_id == row.id) == 7


def test_complete_ended_marks_only_ended_sessions(gym):
    _, made = bookings.create_recurring(
        gym.member,
        SeriesSpec(gym.coach.id, 1, "10:00", "11:00", date(2027, 3, 1), None, 1),
        today=TODAY,
    )
    assert sessions.complete_ended(at("2027-03-08", "11:00")) == 2
    assert sessions.complete_ended(at("2027-03-08", "11:00")) == 0
    db.session.expire_all()
    assert [s.status for s in made[:3]] == ["completed", "completed", "scheduled"]


def test_cli_generates_and_completes(gym, runner):
    bookings.create_recurring(
        gym.member,
        SeriesSpec(gym.coach.id, 1, "10:00", "11:00", date(2027, 3, 1), None, 1),
        today=TODAY,
    )
    result = runner.invoke(args=["sessions", "generate", "--today", "2027-03-15"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "created 2, skipped as blocked 0, skipped as existing 4, collisions 0, completed 2, "
        "skipped_no_membership 0, delivered 0"
    )
    again = runner.invoke(args=["sessions", "generate", "--today", "2027-03-15"])
    assert again.output.strip().startswith("created 0,")
    bad = runner.invoke(args=["sessions", "generate", "--today", "15.03.2027"])
    assert bad.exit_code != 0


def test_bulk_insert_skips_rows_another_writer_made_first(gym):
    """What a second worker meets: an occurrence already made, and an overlap on the coach."""
    from coachapp.services.sessions import insert_ignoring_duplicates

    row, made = bookings.create_recurring(
        gym.member,
        SeriesSpec(gym.coach.id, 1, "10:00", "11:00", date(2027, 3, 1), None, 1),
        today=TODAY,
    )
    other, _ = bookings.create_recurring(
        gym.other_member,
        SeriesSpec(gym.coach.id, 2, "10:00", "11:00", date(2027, 3, 1), None, 1),
        today=TODAY,
    )

    def values(series_id, start, end):
        return {
            "coach_id": gym.coach.id,
            "member_id": gym.member.id,
            "room_id": None,
            "start_time": start,
            "end_time": end,
            "occurrence_start": start,
            "type": "ONE_TO_ONE",
            "status": "scheduled",
            "recurring_booking_id": series_id,
            "title": "Training session",
            "capacity": 1,
            "created_at": NOW,
        }

    rows = [
        values(row.id, made[0].start_time, made[0].end_time),  # the same occurrence again
        values(other.id, made[1].start_time, made[1].end_time),  # overlaps on the coach
        values(row.id, at("2027-05-03", "10:00"), at("2027-05-03", "11:00")),  # new
    ]
    assert insert_ignoring_duplicates(rows) == (1, 2)
    db.session.commit()
    assert count(TrainingSession) == 6 + 6 + 1


def test_materialize_counts_a_room_clash_as_a_collision(gym):
    """Two coaches whose series share a room at one time: the first made wins, no overlap stored."""
    from coachapp.models import RecurringBooking

    availability.replace_weekly_day(
        gym.other_coach,
        gym.other_coach.id,
        1,
        [availability.WindowInput("09:00", "12:00", gym.studio_a.id)],
        now=NOW,
    )
    for coach, member in ((gym.coach, gym.member), (gym.other_coach, gym.other_member)):
        db.session.add(
            RecurringBooking(
                member_id=member.id,
                coach_id=coach.id,
                day_of_week=1,
                start_time="10:00",
                end_time="11:00",
                start_date=date(2027, 3, 1),
                frequency=1,
                room_id=gym.studio_a.id,
            )
        )
    db.session.commit()
    result = sessions.materialize(TODAY)
    assert (result.created, result.collisions) == (6, 6)
    owners = db.session.scalars(select(TrainingSession.coach_id).distinct()).all()
    assert owners == [gym.coach.id]


def test_materialize_again_still_counts_blocked_and_cancelled_occurrences(gym):
    """A blocked occurrence is never made, so its series is planned again each run (and still
    counted as blocked); a cancelled occurrence counts as made and is not brought back."""
    row, made = bookings.create_recurring(
        gym.member,
        SeriesSpec(gym.coach.id, 1, "10:00", "11:00", date(2027, 3, 1), None, 1),
        today=TODAY,
    )
    sessions.cancel_session(gym.member, made[1].id, now=NOW)
    availability.create_blocked_slot(
        gym.coach, gym.coach.id, at("2027-04-12", "00:00"), at("2027-04-13", "00:00"), None, now=NOW
    )
    first = sessions.materialize(date(2027, 3, 8))
    assert (first.created, first.skipped_blocked, first.skipped_existing) == (0, 1, 5)
    second = sessions.materialize(date(2027, 3, 8))
    assert second == first
    assert count(TrainingSession, TrainingSession.recurring_booking_id == row.id) == 6


def test_sessions_at_other_instants_do_not_make_a_series_done(gym):
    """Only the exact (series, start) of each occurrence counts as made: after the coach moves to
    another zone the old sessions sit at other instants, so the series is planned again."""
    from coachapp.models import CoachSettings

    row, made = bookings.create_recurring(
        gym.member,
        SeriesSpec(gym.coach.id, 1, "10:00", "11:00", date(2027, 3, 1), None, 1),
        today=TODAY,
    )
    assert sessions.materialize(TODAY).created == 0
    settings = db.session.scalars(
        select(CoachSettings).where(CoachSettings.coach_id == gym.coach.id)
    ).one()
    settings.timezone = "Europe/London"  # 10:00 London is 11:00 Berlin: right after the old ones
    db.session.commit()
    result = sessions.materialize(TODAY)
    assert (result.created, result.skipped_existing) == (6, 0)
    assert count(TrainingSession, TrainingSession.recurring_booking_id == row.id) == 12

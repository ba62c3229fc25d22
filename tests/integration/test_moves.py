"""Moving a session, settling a whole series' conflicts, move suggestions and coach settings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from coachapp.extensions import db
from coachapp.models import AvailabilityAddition, Booking, Notification, TrainingSession
from coachapp.services import availability, bookings, coach_settings, moves, sessions
from coachapp.services.bookings import SeriesSpec
from coachapp.services.errors import (
    Conflict,
    Forbidden,
    InPast,
    NotFound,
    SlotTaken,
    SlotUnavailable,
    ValidationFailed,
)
from tests.integration.service_helpers import NOW, TODAY, at


def _book(gym, day="2027-03-03", start="10:00", end="11:00", member=None):
    _, session = bookings.book_one_time(
        gym.coach,
        gym.coach.id,
        at(day, start),
        at(day, end),
        member_id=(member or gym.member).id,
        now=NOW,
    )
    return session


def _notes(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_move_keeps_length_updates_room_and_tells_the_member(gym):
    session = _book(gym)
    moved = moves.move_session(gym.coach, session.id, at("2027-03-04", "09:30"), now=NOW)
    db.session.expire_all()
    row = db.session.get(TrainingSession, session.id)
    assert (row.start_time, row.end_time) == (at("2027-03-04", "09:30"), at("2027-03-04", "10:30"))
    assert row.room_id == gym.studio_a.id and moved.id == session.id
    booking = db.session.scalar(select(Booking).where(Booking.session_id == session.id))
    assert booking.status == "CONFIRMED"
    [note] = _notes(gym.member)
    assert note.kind == "session_moved" and "on Wed 3 Mar, 10:00 with" in note.message
    assert "to Thu 4 Mar, 09:30–10:30 Berlin time by your coach." in note.message


def test_move_refuses_times_outside_availability_or_taken(gym):
    session = _book(gym)
    other = _book(gym, "2027-03-04", "10:00", "11:00", gym.other_member)
    with pytest.raises(SlotUnavailable):
        moves.move_session(gym.coach, session.id, at("2027-03-04", "11:30"), now=NOW)  # ends 12:30
    with pytest.raises(SlotUnavailable):
        moves.move_session(gym.coach, session.id, at("2027-03-06", "10:00"), now=NOW)  # Saturday
    availability.create_blocked_slot(
        gym.coach,
        gym.coach.id,
        at("2027-03-05", "00:00"),
        at("2027-03-06", "00:00"),
        "Off",
        now=NOW,
    )
    with pytest.raises(SlotUnavailable):
        moves.move_session(gym.coach, session.id, at("2027-03-05", "10:00"), now=NOW)
    with pytest.raises(SlotTaken):
        moves.move_session(gym.coach, session.id, at("2027-03-04", "10:30"), now=NOW)
    with pytest.raises(InPast):
        moves.move_session(
            gym.coach, session.id, at("2027-03-01", "09:00"), now=NOW + timedelta(hours=3)
        )
    with pytest.raises(ValidationFailed) as exc:
        moves.move_session(gym.coach, session.id, at("2027-03-03", "10:00"), now=NOW)
    assert exc.value.field == "start_time"
    db.session.expire_all()
    assert db.session.get(TrainingSession, session.id).start_time == at("2027-03-03", "10:00")
    assert db.session.get(TrainingSession, other.id).start_time == at("2027-03-04", "10:00")
    assert _notes(gym.member) == []


def test_move_is_for_the_coach_and_admins_only(gym):
    session = _book(gym)
    with pytest.raises(NotFound):
        moves.move_session(gym.other_coach, session.id, at("2027-03-04", "10:00"), now=NOW)
    with pytest.raises(NotFound):
        moves.move_session(gym.other_member, session.id, at("2027-03-04", "10:00"), now=NOW)
    with pytest.raises(Forbidden):
        moves.move_session(gym.member, session.id, at("2027-03-04", "10:00"), now=NOW)
    moves.move_session(gym.admin, session.id, at("2027-03-04", "10:00"), now=NOW)


def test_move_of_a_started_or_cancelled_session_is_refused(gym):
    session = _book(gym)
    with pytest.raises(InPast):
        moves.move_session(
            gym.coach, session.id, at("2027-03-04", "10:00"), now=at("2027-03-03", "10:15")
        )
    sessions.cancel_session(gym.coach, session.id, now=NOW)
    with pytest.raises(Conflict):
        moves.move_session(gym.coach, session.id, at("2027-03-04", "10:00"), now=NOW)


def test_database_constraint_decides_a_lost_race(gym, monkeypatch):
    """If the check passed but another session took the time meanwhile, the overlap constraint
    (PostgreSQL exclusion / SQLite trigger) refuses and the service says SlotTaken."""
    session = _book(gym)
    _book(gym, "2027-03-04", "10:00", "11:00", gym.other_member)
    monkeypatch.setattr(moves, "check_open", lambda settings, wanted, kind, **_: session.room_id)
    with pytest.raises(SlotTaken):
        moves.move_session(gym.coach, session.id, at("2027-03-04", "10:00"), now=NOW)
    db.session.expire_all()
    assert db.session.get(TrainingSession, session.id).start_time == at("2027-03-03", "10:00")


def _weekly_series(gym, day_of_week=3, start="10:00", end="11:00", member=None):
    row, made = bookings.create_recurring(
        gym.coach,
        SeriesSpec(
            gym.coach.id,
            day_of_week,
            start,
            end,
            TODAY,
            None,
            1,
            member_id=(member or gym.member).id,
        ),
        today=TODAY,
        now=NOW,
    )
    return row, made


def test_a_moved_series_occurrence_is_not_made_again_at_its_old_time(gym):
    series, made = _weekly_series(gym)
    first = made[0]
    original = first.start_time
    # Wednesdays leave the template: the occurrences become conflicts; the nightly job must not
    # make the moved occurrence again at its old time.
    availability.replace_weekly_day(gym.coach, gym.coach.id, 3, [], now=NOW)
    moves.move_session(gym.coach, first.id, at("2027-03-04", "10:00"), now=NOW)
    result = sessions.materialize(TODAY)
    assert result.created == 0
    of_series = list(
        db.session.scalars(
            select(TrainingSession).where(TrainingSession.recurring_booking_id == series.id)
        )
    )
    assert len(of_series) == len(made), "no extra session, no cancelled stand-in"
    assert not any(s.start_time == original for s in of_series)
    moved = db.session.get(TrainingSession, first.id)
    assert moved.status == "scheduled" and moved.start_time == at("2027-03-04", "10:00")
    assert moved.occurrence_start == original


def test_resolve_series_keep_adds_one_addition_per_conflicting_occurrence(gym):
    series, made = _weekly_series(gym)
    _weekly_series(gym, day_of_week=4, member=gym.other_member)
    availability.create_blocked_slot(
        gym.coach,
        gym.coach.id,
        at("2027-03-08", "00:00"),
        at("2027-03-22", "00:00"),
        "Vacation",
        now=NOW,
    )
    before = {c.session.id for c in sessions.list_conflicts(gym.coach, gym.coach.id, now=NOW)}
    assert len(before) == 4  # two Wednesdays and two Thursdays
    kept = moves.resolve_series(gym.coach, series.id, "keep", now=NOW)
    assert [s.start_time for s in kept] == [at("2027-03-10", "10:00"), at("2027-03-17", "10:00")]
    additions = db.session.scalars(select(AvailabilityAddition)).all()
    assert sorted(a.start_time for a in additions) == [s.start_time for s in kept]
    left = sessions.list_conflicts(gym.coach, gym.coach.id, now=NOW)
    assert all(c.session.recurring_booking_id != series.id for c in left) and len(left) == 2
    with pytest.raises(Conflict):
        moves.resolve_series(gym.coach, series.id, "keep", now=NOW)


def test_resolve_series_cancel_cancels_each_and_notifies(gym):
    series, made = _weekly_series(gym)
    availability.replace_weekly_day(gym.coach, gym.coach.id, 3, [], now=NOW)
    done = moves.resolve_series(gym.coach, series.id, "cancel", now=NOW)
    assert len(done) == len(made) == 6
    db.session.expire_all()
    assert {db.session.get(TrainingSession, s.id).status for s in made} == {"cancelled"}
    assert len(_notes(gym.member)) == 6
    assert db.session.get(type(series), series.id).status == "ACTIVE"


def test_resolve_series_authorization_and_input(gym):
    series, _ = _weekly_series(gym)
    availability.replace_weekly_day(gym.coach, gym.coach.id, 3, [], now=NOW)
    with pytest.raises(NotFound):
        moves.resolve_series(gym.other_coach, series.id, "cancel", now=NOW)
    with pytest.raises(NotFound):
        moves.resolve_series(gym.member, series.id, "keep", now=NOW)
    with pytest.raises(NotFound):
        moves.resolve_series(gym.coach, 99999, "keep", now=NOW)
    with pytest.raises(ValidationFailed):
        moves.resolve_series(gym.coach, series.id, "delete", now=NOW)


def test_suggestions_are_free_times_in_the_same_week_closest_first(gym):
    session = _book(gym, "2027-03-03", "10:00", "11:00")
    _book(gym, "2027-03-03", "11:00", "12:00", gym.other_member)
    availability.replace_weekly_day(gym.coach, gym.coach.id, 3, [], now=NOW)
    found = moves.suggest_moves(gym.coach, [session], now=NOW)[session.id]
    # Tuesday and Thursday 09:00–12:00 are free (Wednesday left the template): the nearest are
    # Tue 11:00 and Thu 09:00 (23 h away), then Tue 10:00 (24 h, earlier than Thu 10:00).
    assert [s.start for s in found] == [
        at("2027-03-02", "10:00"),
        at("2027-03-02", "11:00"),
        at("2027-03-04", "09:00"),
    ]
    assert all(date(2027, 3, 1) <= s.start.date() <= date(2027, 3, 7) for s in found)
    with pytest.raises(Forbidden):
        moves.suggest_moves(gym.other_coach, [session], now=NOW)


def test_suggestions_fit_the_whole_session_length(gym):
    session = _book(gym, "2027-03-03", "09:00", "11:00")
    availability.replace_weekly_day(gym.coach, gym.coach.id, 3, [], now=NOW)
    found = moves.suggest_moves(gym.coach, [session], limit=10, now=NOW)[session.id]
    assert found and all(
        s.start.astimezone(at("2027-03-03", "09:00").tzinfo).hour in (9, 10) for s in found
    )


def test_update_settings(gym):
    settings, found = coach_settings.update_settings(
        gym.coach, gym.coach.id, gym.studio_a.id, 45, "America/New_York", 12, now=NOW
    )
    assert (
        settings.default_room_id,
        settings.default_duration,
        settings.timezone,
        settings.cancellation_window_hours,
    ) == (gym.studio_a.id, 45, "America/New_York", 12)
    assert gym.coach.timezone == "America/New_York" and found == []
    for kwargs, field in [
        ({"default_duration": 3}, "default_duration"),
        ({"default_duration": "60"}, "default_duration"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"cancellation_window_hours": -1}, "cancellation_window_hours"),
        ({"default_room_id": 9999}, "default_room_id"),
    ]:
        args = {
            "default_room_id": None,
            "default_duration": 60,
            "timezone": "Europe/Berlin",
            "cancellation_window_hours": 24,
            **kwargs,
        }
        with pytest.raises(ValidationFailed) as exc:
            coach_settings.update_settings(gym.coach, gym.coach.id, now=NOW, **args)
        assert exc.value.field == field
    with pytest.raises(Forbidden):
        coach_settings.update_settings(gym.other_coach, gym.coach.id, None, 60, "Europe/Berlin", 24)


def test_changing_zone_reports_sessions_now_in_conflict(gym):
    _book(gym, "2027-03-03", "10:00", "11:00")
    _, found = coach_settings.update_settings(
        gym.coach, gym.coach.id, None, 60, "Asia/Tokyo", 24, now=NOW
    )
    assert len(found) == 1 and found[0].reason == "outside_weekly_template"

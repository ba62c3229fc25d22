"""A member moving their own one-to-one session (issue 16, item 3): the rules of a new booking,
the cancellation window, the occurrence key of a series, whose session it is, the coach told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coachapp.extensions import db
from coachapp.models import Booking, CoachSettings, Notification, TrainingSession
from coachapp.services import (
    availability,
    bookings,
    group_classes,
    moves,
    reminders,
    sessions,
)
from coachapp.services.availability import WindowInput
from coachapp.services.bookings import SeriesSpec
from coachapp.services.errors import (
    AlreadyCancelled,
    BeyondHorizon,
    InPast,
    NotFound,
    SlotTaken,
    SlotUnavailable,
    TooLateToChange,
    TooSoon,
    ValidationFailed,
)
from coachapp.vocab import BookingStatus, NotificationKind, SessionStatus
from tests.integration.service_helpers import NOW, TODAY, at


def _book(gym, day="2027-03-03", start="10:00", end="11:00", member=None):
    """A one-to-one session of Carla's for the member (booked by the coach: no member rules)."""
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


def _rules(gym, **values) -> None:
    settings = db.session.get(CoachSettings, gym.coach.coach_settings.id)
    for name, value in values.items():
        setattr(settings, name, value)
    db.session.commit()


def _row(session) -> TrainingSession:
    db.session.expire_all()
    return db.session.get(TrainingSession, session.id)


def test_a_member_moves_their_session_and_the_coach_is_told(gym):
    session = _book(gym)
    moved = moves.member_move(session.id, gym.member, at("2027-03-04", "09:30"), None, NOW)
    row = _row(session)
    assert moved.id == session.id
    assert (row.start_time, row.end_time) == (at("2027-03-04", "09:30"), at("2027-03-04", "10:30"))
    assert row.status == SessionStatus.SCHEDULED and row.room_id == gym.studio_a.id
    booking = db.session.scalar(select(Booking).where(Booking.session_id == session.id))
    assert booking.status == BookingStatus.CONFIRMED and booking.member_id == gym.member.id
    [note] = _notes(gym.coach)
    assert note.kind == NotificationKind.SESSION_MOVED and note.session_id == session.id
    assert note.message == (
        "Mia Member moved their session on Wed 3 Mar, 10:00 to Thu 4 Mar, 09:30–10:30 Berlin time."
    )
    assert _notes(gym.member) == [], "the member moved it themself"


def test_an_explicit_end_changes_the_length_within_availability(gym):
    session = _book(gym)
    moves.member_move(
        session.id, gym.member, at("2027-03-05", "10:00"), at("2027-03-05", "10:30"), NOW
    )
    row = _row(session)
    assert (row.start_time, row.end_time) == (at("2027-03-05", "10:00"), at("2027-03-05", "10:30"))


def test_inside_the_cancellation_window_the_move_is_too_late(gym):
    session = _book(gym, "2027-03-02", "10:00", "11:00")  # Tuesday 10:00; window 24 h
    just_inside = at("2027-03-01", "10:01")
    with pytest.raises(TooLateToChange) as caught:
        moves.member_move(session.id, gym.member, at("2027-03-04", "10:00"), None, just_inside)
    assert caught.value.code == "too_late_to_change" and caught.value.status == 409
    assert caught.value.message == (
        "Too late to move: less than 24 h before the start; you can still cancel (late)."
    )
    assert _row(session).start_time == at("2027-03-02", "10:00")
    assert _notes(gym.coach) == []
    # Exactly 24 h before is still in time, as for a free cancellation.
    moves.member_move(
        session.id, gym.member, at("2027-03-04", "10:00"), None, at("2027-03-01", "10:00")
    )
    assert _row(session).start_time == at("2027-03-04", "10:00")


def test_the_window_is_the_coachs_setting(gym):
    _rules(gym, cancellation_window_hours=72)
    session = _book(gym, "2027-03-03", "10:00", "11:00")  # 51 h after NOW
    with pytest.raises(TooLateToChange) as caught:
        moves.member_move(session.id, gym.member, at("2027-03-05", "10:00"), None, NOW)
    assert "less than 72 h before the start" in caught.value.message
    _rules(gym, cancellation_window_hours=0)
    moves.member_move(session.id, gym.member, at("2027-03-05", "10:00"), None, NOW)


def test_the_new_time_obeys_the_minimum_notice(gym):
    _rules(gym, min_notice_minutes=3 * 24 * 60)
    session = _book(gym, "2027-03-05", "10:00", "11:00")
    with pytest.raises(TooSoon) as caught:
        moves.member_move(session.id, gym.member, at("2027-03-03", "10:00"), None, NOW)
    assert caught.value.code == "too_soon" and caught.value.field == "start_time"
    assert "3 days' notice" in caught.value.message
    assert _row(session).start_time == at("2027-03-05", "10:00")
    # The coach is not bound by the member's rules.
    moves.move_session(gym.coach, session.id, at("2027-03-03", "10:00"), now=NOW)


def test_the_new_time_obeys_the_booking_horizon(gym):
    _rules(gym, booking_horizon_days=7)
    session = _book(gym)
    with pytest.raises(BeyondHorizon) as caught:
        moves.member_move(session.id, gym.member, at("2027-03-09", "10:00"), None, NOW)
    assert caught.value.code == "beyond_horizon"
    assert "Coach takes bookings up to 1 week ahead" in caught.value.message
    moves.member_move(session.id, gym.member, at("2027-03-08", "10:00"), None, NOW)  # the last day
    assert _row(session).start_time == at("2027-03-08", "10:00")


def test_the_new_time_must_be_free_and_open(gym):
    session = _book(gym)
    _book(gym, "2027-03-04", "10:00", "11:00", gym.other_member)
    with pytest.raises(SlotUnavailable) as caught:
        moves.member_move(session.id, gym.member, at("2027-03-04", "11:30"), None, NOW)
    assert caught.value.code == "slot_unavailable"  # would end 12:30
    with pytest.raises(SlotUnavailable):
        moves.member_move(session.id, gym.member, at("2027-03-06", "10:00"), None, NOW)  # Saturday
    with pytest.raises(SlotTaken) as caught:
        moves.member_move(session.id, gym.member, at("2027-03-04", "10:30"), None, NOW)
    assert caught.value.code == "slot_taken"
    with pytest.raises(InPast) as caught:
        moves.member_move(
            session.id, gym.member, at("2027-03-01", "09:00"), None, NOW + timedelta(hours=3)
        )
    assert caught.value.code == "in_past"
    with pytest.raises(ValidationFailed) as caught:
        moves.member_move(session.id, gym.member, at("2027-03-03", "10:00"), None, NOW)
    assert caught.value.field == "start_time"
    with pytest.raises(ValidationFailed) as caught:
        moves.member_move(
            session.id, gym.member, at("2027-03-04", "09:00"), at("2027-03-04", "08:00"), NOW
        )
    assert caught.value.status == 422
    assert _row(session).start_time == at("2027-03-03", "10:00")
    assert _notes(gym.coach) == []


def test_a_lost_race_is_slot_taken(gym, monkeypatch):
    """The check passed, but another session holds the time: the database's overlap constraint
    refuses and the member is told the time was taken."""
    session = _book(gym)
    _book(gym, "2027-03-04", "10:00", "11:00", gym.other_member)
    monkeypatch.setattr(moves, "check_open", lambda settings, wanted, kind, **_: session.room_id)
    with pytest.raises(SlotTaken):
        moves.member_move(session.id, gym.member, at("2027-03-04", "10:00"), None, NOW)
    assert _row(session).start_time == at("2027-03-03", "10:00")


def test_started_or_cancelled_sessions_do_not_move(gym):
    session = _book(gym)
    with pytest.raises(InPast):
        moves.member_move(
            session.id, gym.member, at("2027-03-04", "10:00"), None, at("2027-03-03", "10:15")
        )
    sessions.cancel_session(gym.member, session.id, now=NOW)
    with pytest.raises(AlreadyCancelled) as caught:
        moves.member_move(session.id, gym.member, at("2027-03-04", "10:00"), None, NOW)
    assert caught.value.code == "already_cancelled"


def test_only_the_members_own_one_to_one_sessions(gym, make_user):
    session = _book(gym)
    with pytest.raises(NotFound) as caught:
        moves.member_move(session.id, gym.other_member, at("2027-03-04", "10:00"), None, NOW)
    assert caught.value.status == 404
    with pytest.raises(NotFound):
        moves.member_move(999_999, gym.member, at("2027-03-04", "10:00"), None, NOW)
    with pytest.raises(NotFound):
        moves.member_move("x", gym.member, at("2027-03-04", "10:00"), None, NOW)
    assert _row(session).start_time == at("2027-03-03", "10:00")


def test_a_group_class_is_not_the_members_to_move(gym):
    availability.replace_weekly_day(
        gym.coach,
        gym.coach.id,
        2,
        [WindowInput("17:00", "20:00", gym.studio_b.id, is_individual=False, is_group=True)],
        now=NOW,
    )
    session = group_classes.schedule_group_session(
        gym.coach,
        gym.coach.id,
        at("2027-03-02", "17:00"),
        at("2027-03-02", "18:00"),
        "Mobility",
        8,
        now=NOW,
    )
    group_classes.book_place(gym.member, session.id, now=NOW)
    with pytest.raises(NotFound) as caught:
        moves.member_move(session.id, gym.member, at("2027-03-04", "10:00"), None, NOW)
    assert "one-to-one session of yours" in caught.value.message
    assert _row(session).start_time == at("2027-03-02", "17:00")


def test_a_moved_series_occurrence_keeps_its_key_and_is_not_made_again(gym):
    series, made = bookings.create_recurring(
        gym.coach,
        SeriesSpec(gym.coach.id, 3, "10:00", "11:00", TODAY, None, 1, member_id=gym.member.id),
        today=TODAY,
        now=NOW,
    )
    second = made[1]  # Wed 10 Mar 10:00
    original = second.start_time
    moves.member_move(second.id, gym.member, at("2027-03-11", "09:00"), None, NOW)
    before = {s.id for s in made}
    # The nightly job runs (twice, a week later too): the old time is never made again.
    sessions.materialize(TODAY)
    sessions.materialize(TODAY + timedelta(days=7))
    db.session.expire_all()
    of_series = list(
        db.session.scalars(
            select(TrainingSession).where(TrainingSession.recurring_booking_id == series.id)
        )
    )
    assert not any(s.start_time == original for s in of_series)
    assert before <= {s.id for s in of_series}
    moved = db.session.get(TrainingSession, second.id)
    assert moved.start_time == at("2027-03-11", "09:00") and moved.occurrence_start == original
    assert moved.recurring_booking_id == series.id and moved.status == SessionStatus.SCHEDULED
    wednesdays = sorted(
        s.start_time for s in of_series if s.start_time.astimezone(original.tzinfo).weekday() == 2
    )
    assert at("2027-03-03", "10:00") in wednesdays and at("2027-03-17", "10:00") in wednesdays


def test_a_session_moved_after_its_reminder_is_reminded_again_at_its_new_time(
    app, gym, monkeypatch
):
    """The reminder's key holds the start: the member's move (not only the coach's) earns the
    session a reminder for its new time, once; the old time is not reminded again."""
    monkeypatch.setitem(app.config, "COACHAPP_REMINDER_HOURS", 48)
    session = _book(gym, "2027-03-02", "10:00", "11:00")  # 27 hours ahead: still movable
    assert reminders.send_due(NOW).sent == 1
    moves.member_move(session.id, gym.member, at("2027-03-02", "11:00"), None, NOW)
    later = NOW + timedelta(minutes=10)
    report = reminders.send_due(later)
    assert (report.sent, report.already_sent) == (1, 0)
    sent = [n.message for n in _notes(gym.member) if n.kind == NotificationKind.REMINDER]
    assert len(sent) == 2
    assert "10:00–11:00" in sent[0] and "11:00–12:00" in sent[1]
    assert reminders.send_due(later + timedelta(minutes=10)).sent == 0

"""Moving a recurring booking to another weekly time (issue 18 item 4): the old series ends, a
new one starts at the new time, the member is told once, refusals name the dates, and the nightly
materializer makes nothing at the old time afterwards."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import Notification, RecurringBooking, TrainingSession
from coachapp.services import bookings, series_moves, sessions
from coachapp.services.bookings import SeriesSpec
from coachapp.services.errors import NotFound, Overlap, SlotUnavailable, ValidationFailed
from tests.clock import pin_clock
from tests.integration.service_helpers import BERLIN, NOW, TODAY

MONDAY, TUESDAY, SATURDAY = 1, 2, 6


def _series(gym, day=MONDAY, start="10:00", end="11:00", member=None, first="2027-03-01"):
    return bookings.create_recurring(
        gym.coach,
        SeriesSpec(
            gym.coach.id,
            day,
            start,
            end,
            date.fromisoformat(first),
            None,
            1,
            member_id=(member or gym.member).id,
        ),
        now=NOW,
    )


def _scheduled(series_id: int) -> list:
    db.session.expire_all()
    return [
        s.start_time.astimezone(BERLIN)
        for s in db.session.scalars(
            select(TrainingSession)
            .where(
                TrainingSession.recurring_booking_id == series_id,
                TrainingSession.status == "scheduled",
            )
            .order_by(TrainingSession.start_time)
        )
    ]


def _notes(user) -> list[str]:
    return list(
        db.session.scalars(select(Notification.message).where(Notification.user_id == user.id))
    )


def test_move_ends_the_old_series_starts_a_new_one_and_tells_the_member_once(gym):
    old, made = _series(gym)
    assert len(made) == 6
    moved = series_moves.move_series(
        gym.coach, old.id, TUESDAY, "09:00", date(2027, 3, 15), now=NOW
    )
    db.session.expire_all()
    row = db.session.get(RecurringBooking, old.id)
    assert row.status == "ACTIVE" and row.end_date == date(2027, 3, 14)
    kept = _scheduled(old.id)
    assert [d.date() for d in kept] == [date(2027, 3, 1), date(2027, 3, 8)]
    assert len(moved.cancelled) == 4 and moved.old_end_date is None
    new = db.session.get(RecurringBooking, moved.new_series_id)
    assert (new.day_of_week, new.start_time, new.end_time, new.member_id) == (
        TUESDAY,
        "09:00",
        "10:00",
        gym.member.id,
    )
    starts = _scheduled(new.id)
    assert starts[0].date() == date(2027, 3, 16) and {d.strftime("%a %H:%M") for d in starts} == {
        "Tue 09:00"
    }
    notes = _notes(gym.member)
    assert len(notes) == 1
    assert "every Monday 10:00" in notes[0] and "every Tuesday 09:00" in notes[0]

    # The nightly run, weeks later, makes no Monday 10:00 session again, and the Tuesdays go on.
    later = TODAY + timedelta(days=28)
    sessions.materialize(later)
    assert [d.date() for d in _scheduled(old.id)] == [date(2027, 3, 1), date(2027, 3, 8)]
    tuesdays = _scheduled(new.id)
    assert len(tuesdays) > len(starts) and {d.strftime("%a %H:%M") for d in tuesdays} == {
        "Tue 09:00"
    }


def test_a_series_not_begun_by_the_date_is_cancelled_instead_of_ended(gym):
    old, _ = _series(gym, first="2027-03-08")
    series_moves.move_series(gym.coach, old.id, TUESDAY, "11:00", date(2027, 3, 8), now=NOW)
    db.session.expire_all()
    assert db.session.get(RecurringBooking, old.id).status == "CANCELLED"
    assert _scheduled(old.id) == []


def test_refusals_name_the_dates_and_change_nothing(gym):
    old, made = _series(gym)
    _series(gym, TUESDAY, "09:00", "10:00", gym.other_member, first="2027-03-16")
    with pytest.raises(Overlap) as refused:
        series_moves.move_series(gym.coach, old.id, TUESDAY, "09:30", date(2027, 3, 15), now=NOW)
    assert "Tue 16 Mar 2027" in refused.value.message
    with pytest.raises(SlotUnavailable):
        series_moves.move_series(gym.coach, old.id, SATURDAY, "10:00", date(2027, 3, 15), now=NOW)
    with pytest.raises(ValidationFailed) as same:
        series_moves.move_series(gym.coach, old.id, MONDAY, "10:00", date(2027, 3, 15), now=NOW)
    assert same.value.field == "time"
    with pytest.raises(ValidationFailed) as bad:
        series_moves.move_series(gym.coach, old.id, TUESDAY, "25:00", date(2027, 3, 15), now=NOW)
    assert bad.value.field == "time"
    with pytest.raises(NotFound):
        series_moves.move_series(
            gym.other_coach, old.id, TUESDAY, "10:00", date(2027, 3, 15), now=NOW
        )
    assert len(_scheduled(old.id)) == len(made) and _notes(gym.member) == []
    assert db.session.scalar(select(func.count(RecurringBooking.id))) == 2


def test_dry_run_previews_without_storing(gym):
    old, made = _series(gym)
    preview = series_moves.move_series(
        gym.coach, old.id, TUESDAY, "09:00", date(2027, 3, 15), now=NOW, dry_run=True
    )
    assert (
        len(preview.cancelled) == 4 and preview.made and preview.new_when == "every Tuesday 09:00"
    )
    assert len(_scheduled(old.id)) == len(made) and _notes(gym.member) == []
    assert db.session.scalar(select(func.count(RecurringBooking.id))) == 1


def test_undo_puts_the_old_times_back_and_ends_the_new_series(gym, monkeypatch):
    from coachapp.services import undo

    # the app's clock at NOW: the token is stamped with it and the undo runs then (with today's
    # real date past some of the sessions, they could not come back)
    pin_clock(monkeypatch, lambda: NOW)
    old, made = _series(gym)
    moved = series_moves.move_series(
        gym.coach, old.id, TUESDAY, "09:00", date(2027, 3, 15), now=NOW
    )
    token = series_moves.offer_undo(gym.coach, moved)
    text = undo.apply(gym.coach, token)
    assert text == "Undone: the sessions are every Monday 10:00 again."
    db.session.expire_all()
    assert db.session.get(RecurringBooking, old.id).end_date is None
    assert db.session.get(RecurringBooking, moved.new_series_id).status == "CANCELLED"
    assert len(_scheduled(old.id)) == len(made) and _scheduled(moved.new_series_id) == []
    assert "undid" in _notes(gym.member)[-1]
    assert undo.apply(gym.coach, token) == "That move has been undone already."

"""Monthly statements: which sessions are billable, per member, within the gym's month."""

from __future__ import annotations

from datetime import date

import pytest

from coachapp.services import availability, billing, bookings, sessions
from coachapp.services.bookings import SeriesSpec
from coachapp.services.errors import Forbidden, ValidationFailed
from tests.integration.service_helpers import NOW, at


def book(gym, member, day, start="10:00", end="11:00"):
    return bookings.book_one_time(member, gym.coach.id, at(day, start), at(day, end), now=NOW)


@pytest.fixture
def march(gym):
    """A month of one member's sessions in every state, and one of another member."""
    book(gym, gym.member, "2027-03-02")  # completed
    _, no_show = book(gym, gym.member, "2027-03-03")
    late, _ = book(gym, gym.member, "2027-03-04")
    timely, _ = book(gym, gym.member, "2027-03-05")
    by_coach, _ = book(gym, gym.member, "2027-03-08")
    book(gym, gym.member, "2027-03-31", "09:00", "10:00")  # still scheduled on the 31st
    book(gym, gym.other_member, "2027-03-09")
    availability.create_addition(
        gym.coach, gym.coach.id, at("2027-04-01", "00:30"), at("2027-04-01", "01:30"), None, None
    )
    book(gym, gym.member, "2027-04-01", "00:30", "01:30")  # April in Berlin, March in UTC
    bookings.cancel_booking(gym.member, late.id, now=at("2027-03-04", "08:00"))
    bookings.cancel_booking(gym.member, timely.id, now=NOW)
    bookings.cancel_booking(gym.coach, by_coach.id, now=NOW)
    sessions.complete_ended(at("2027-03-03", "12:00"))
    sessions.mark_no_show(gym.coach, no_show.id, now=at("2027-03-03", "12:00"))


def test_statement_lines_and_billable_count(gym, march):
    found = billing.statements(gym.admin, "2027-03")
    assert [s.member_id for s in found] == [gym.member.id, gym.other_member.id]
    mine = found[0]
    assert [
        (line.date.isoformat(), line.status, line.billable, line.note) for line in mine.lines
    ] == [
        ("2027-03-02", "completed", True, None),
        ("2027-03-03", "no_show", True, "no-show"),
        ("2027-03-04", "cancelled", True, "late cancel"),
        ("2027-03-05", "cancelled", False, "cancelled in time"),
        ("2027-03-08", "cancelled", False, "cancelled by coach"),
        ("2027-03-31", "scheduled", False, "scheduled"),
    ]
    assert mine.billable_count == 3
    assert mine.lines[0].coach_name == "Coach Carla" and mine.lines[0].type == "ONE_TO_ONE"
    assert mine.member_name == "Mia Member"
    april = billing.statements(gym.admin, "2027-04", member_id=gym.member.id)
    assert [line.date for line in april[0].lines] == [date(2027, 4, 1)]


def test_a_member_sees_only_their_own_statement(gym, march):
    found = billing.statements(gym.member, "2027-03")
    assert [s.member_id for s in found] == [gym.member.id]
    with pytest.raises(Forbidden):
        billing.statements(gym.member, "2027-03", member_id=gym.other_member.id)
    assert billing.statements(gym.other_coach, "2027-03") == []
    assert len(billing.statements(gym.coach, "2027-03")) == 2


def test_a_late_cancelled_occurrence_of_a_series_is_billable(gym):
    _, made = bookings.create_recurring(
        gym.member,
        SeriesSpec(gym.coach.id, 1, "10:00", "11:00", date(2027, 3, 1), None, 1),
        today=NOW.date(),
    )
    sessions.cancel_session(gym.member, made[1].id, now=at("2027-03-08", "09:00"))
    sessions.cancel_session(gym.member, made[2].id, now=NOW)
    lines = billing.statements(gym.member, "2027-03")[0].lines
    assert [(line.billable, line.note) for line in lines[1:3]] == [
        (True, "late cancel"),
        (False, "cancelled in time"),
    ]


@pytest.mark.parametrize("month", ["2027-13", "2027-3", "March", "", None])
def test_bad_months_are_refused(gym, month):
    with pytest.raises(ValidationFailed) as caught:
        billing.statements(gym.admin, month)
    assert caught.value.field == "month"

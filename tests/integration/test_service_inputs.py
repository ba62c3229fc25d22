"""Never a 500: every public service answers odd input with a DomainError (or does the thing)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from coachapp.extensions import db
from coachapp.services import availability, billing, bookings, sessions, slots
from coachapp.services.availability import WindowInput
from coachapp.services.bookings import SeriesSpec
from coachapp.services.errors import DomainError
from tests.integration.service_helpers import NOW, TODAY, at

ODD = [
    None,
    True,
    0,
    -1,
    2**31,
    10**30,
    "1",
    "",
    1.5,
    [],
    date.min,
    date.max,
    datetime.min,
    datetime.max.replace(tzinfo=UTC),
    datetime(1, 1, 1, 0, 30, tzinfo=UTC),
    datetime(2027, 3, 2, 10, 0),  # naive: read in the coach's zone
]


def calls(gym):
    """Each public service with good arguments, by name."""
    coach, member = gym.coach, gym.member
    start, end = at("2027-03-02", "10:00"), at("2027-03-02", "11:00")
    return {
        "replace_weekly_day": (
            availability.replace_weekly_day,
            dict(
                actor=coach,
                coach_id=coach.id,
                day_of_week=1,
                windows=[WindowInput("09:00", "12:00")],
                now=NOW,
            ),
        ),
        "window": (
            lambda **kw: availability.replace_weekly_day(
                coach, coach.id, 1, [WindowInput(**kw)], now=NOW
            ),
            dict(
                start_time="09:00",
                end_time="12:00",
                room_id=None,
                is_individual=True,
                is_group=False,
            ),
        ),
        "create_blocked_slot": (
            availability.create_blocked_slot,
            dict(actor=coach, coach_id=coach.id, start=start, end=end, reason="x", now=NOW),
        ),
        "create_addition": (
            availability.create_addition,
            dict(actor=coach, coach_id=coach.id, start=start, end=end, room_id=None, reason=None),
        ),
        "delete_blocked_slot": (
            availability.delete_blocked_slot,
            dict(actor=coach, blocked_slot_id=1),
        ),
        "bookable_slots": (
            slots.bookable_slots,
            dict(coach_id=coach.id, first_day=date(2027, 3, 1), last_day=date(2027, 3, 7), now=NOW),
        ),
        "book_one_time": (
            bookings.book_one_time,
            dict(actor=member, coach_id=coach.id, start=start, end=end, member_id=None, now=NOW),
        ),
        "create_recurring": (
            lambda **kw: bookings.create_recurring(member, SeriesSpec(**kw), today=TODAY),
            dict(
                coach_id=coach.id,
                day_of_week=1,
                start_time="10:00",
                end_time="11:00",
                start_date=date(2027, 3, 1),
                end_date=None,
                frequency=1,
                member_id=None,
            ),
        ),
        "cancel_booking": (bookings.cancel_booking, dict(actor=member, booking_id=1, now=NOW)),
        "cancel_recurring": (
            bookings.cancel_recurring,
            dict(actor=member, recurring_booking_id=1, from_date=None, today=TODAY),
        ),
        "list_sessions": (
            sessions.list_sessions,
            dict(actor=gym.admin, coach_id=None, member_id=None, start=None, end=None, status=None),
        ),
        "resolve_conflict": (
            sessions.resolve_conflict,
            dict(actor=coach, session_id=1, action="keep", now=NOW),
        ),
        "mark_no_show": (sessions.mark_no_show, dict(actor=coach, session_id=1, now=NOW)),
        "cancel_session": (sessions.cancel_session, dict(actor=member, session_id=1, now=NOW)),
        "statements": (billing.statements, dict(actor=gym.admin, month="2027-03", member_id=None)),
    }


def test_odd_input_is_a_domain_error_never_a_crash(gym):
    failures = []
    for name, (function, good) in calls(gym).items():
        for key in good:
            if key in ("actor", "now", "today"):  # set by code and tests, not by users
                continue
            for value in ODD:
                kwargs = {**good, key: value}
                try:
                    function(**kwargs)
                except DomainError:
                    pass
                except Exception as exc:  # noqa: BLE001  (collected and reported below)
                    failures.append(f"{name}({key}={value!r}): {type(exc).__name__}: {exc}")
                finally:
                    db.session.rollback()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("action", [None, "", "KEEP", 1, ["keep"]])
def test_resolve_actions_are_checked_first(gym, action):
    with pytest.raises(DomainError) as caught:
        sessions.resolve_conflict(gym.coach, 1, action, now=NOW)
    assert caught.value.field == "action"

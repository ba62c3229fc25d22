"""Bookable slots: a fixed grid inside availability, around busy time, after now."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from coachapp.scheduling import (
    UTC,
    BusyInterval,
    Interval,
    ValidationError,
    WeeklyWindow,
    bookable_slots,
    expand_weekly,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 5, 3, hour, minute, tzinfo=BERLIN)


def starts(slots: list[Interval]) -> list[str]:
    return [s.start.strftime("%H:%M%z") for s in slots]


def test_slots_step_from_the_window_start_and_skip_busy_time():
    slots = bookable_slots(
        [Interval(at(9), at(12))], [Interval(at(10), at(10, 30))], HOUR, LONG_AGO
    )
    assert starts(slots) == ["09:00+0200", "11:00+0200"]  # no 10:30 slot: the grid holds


def test_slots_must_fit_wholly():
    slots = bookable_slots([Interval(at(9), at(11))], [], timedelta(minutes=45), LONG_AGO)
    assert starts(slots) == ["09:00+0200", "09:45+0200"]


def test_a_slot_that_has_started_is_not_offered():
    window = [Interval(at(9), at(12))]
    assert starts(bookable_slots(window, [], HOUR, at(9))) == ["10:00+0200", "11:00+0200"]
    assert starts(bookable_slots(window, [], HOUR, at(8, 59))) == [
        "09:00+0200",
        "10:00+0200",
        "11:00+0200",
    ]
    assert bookable_slots(window, [], HOUR, at(12)) == []


def test_busy_may_be_given_as_sessions():
    busy = [BusyInterval(Interval(at(9, 30), at(10)), "s1")]
    assert starts(bookable_slots([Interval(at(9), at(11))], busy, HOUR, LONG_AGO)) == ["10:00+0200"]


def test_clipping_keeps_slots_starting_in_the_window():
    window = [Interval(at(9), at(13))]
    slots = bookable_slots(window, [], HOUR, LONG_AGO, window_start=at(9, 30), window_end=at(12))
    assert starts(slots) == ["10:00+0200", "11:00+0200"]


def test_every_slot_lasts_exactly_sixty_minutes_on_the_berlin_fold_day():
    sunday = [WeeklyWindow(0, 0, 6 * 60)]
    available = expand_weekly(sunday, BERLIN, date(2027, 10, 31), date(2027, 10, 31))
    slots = bookable_slots(available, [], HOUR, LONG_AGO)
    assert starts(slots) == [
        "00:00+0200",
        "01:00+0200",
        "02:00+0200",
        "02:00+0100",
        "03:00+0100",
        "04:00+0100",
        "05:00+0100",
    ]
    assert all(s.duration == HOUR for s in slots)
    assert all(a.end_utc == b.start_utc for a, b in zip(slots, slots[1:], strict=False))


def test_spring_day_has_one_slot_fewer():
    sunday = [WeeklyWindow(0, 0, 6 * 60)]
    available = expand_weekly(sunday, BERLIN, date(2027, 3, 28), date(2027, 3, 28))
    slots = bookable_slots(available, [], HOUR, LONG_AGO)
    assert starts(slots) == ["00:00+0100", "01:00+0100", "03:00+0200", "04:00+0200", "05:00+0200"]


def test_new_york_fold_day_slots_are_real_hours():
    sunday = [WeeklyWindow(0, 0, 3 * 60)]
    available = expand_weekly(sunday, NEW_YORK, date(2027, 11, 7), date(2027, 11, 7))
    slots = bookable_slots(available, [], HOUR, LONG_AGO)
    assert starts(slots) == ["00:00-0400", "01:00-0400", "01:00-0500", "02:00-0500"]


def test_slots_are_shown_in_the_zone_of_availability():
    window = [Interval(at(9), at(10))]
    busy = [Interval(datetime(2027, 5, 3, 20, tzinfo=UTC), datetime(2027, 5, 3, 21, tzinfo=UTC))]
    (slot,) = bookable_slots(window, busy, HOUR, LONG_AGO)
    assert slot.start.tzinfo is BERLIN


@pytest.mark.parametrize("duration", [timedelta(0), timedelta(minutes=-30)])
def test_duration_must_be_positive(duration):
    with pytest.raises(ValidationError):
        bookable_slots([Interval(at(9), at(10))], [], duration, LONG_AGO)


def test_now_must_be_aware():
    with pytest.raises(ValidationError):
        bookable_slots([Interval(at(9), at(10))], [], HOUR, datetime(2027, 5, 3, 8))

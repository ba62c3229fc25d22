"""Spring gaps in every shape a zone has them: an hour before or after a zero UTC offset, at
midnight (Havana, Santiago), at the end of the day (Scoresbysund), half an hour (Lord Howe)."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from coachapp.scheduling import (
    RecurringSeries,
    WeeklyWindow,
    expand_weekly,
    gap_days,
    is_gap_day,
    local_datetime,
    occurrences,
    parse_hhmm,
    series_collision_dates,
)

LONDON = ZoneInfo("Europe/London")
LISBON = ZoneInfo("Europe/Lisbon")
AZORES = ZoneInfo("Atlantic/Azores")
HAVANA = ZoneInfo("America/Havana")
SANTIAGO = ZoneInfo("America/Santiago")
SCORESBYSUND = ZoneInfo("America/Scoresbysund")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SUNDAY, SATURDAY = 0, 6


def weekly(day: int, start: str, end: str, id: str, start_date: date) -> RecurringSeries:
    return RecurringSeries(
        id, "c1", day, parse_hhmm(start), parse_hhmm(end), start_date, None, 1, "m1"
    )


@pytest.mark.parametrize(
    ("tz", "year", "expected"),
    [
        # GMT 01:00 → BST 02:00: the hour 01:00–02:00 is skipped, though the offset before is 0
        (LONDON, 2027, (date(2027, 3, 28), 60, 120)),
        (LISBON, 2027, (date(2027, 3, 28), 60, 120)),
        # -01:00 → +00:00 at midnight: the offset after is 0
        (AZORES, 2027, (date(2027, 3, 28), 0, 60)),
        (HAVANA, 2027, (date(2027, 3, 14), 0, 60)),
        (SANTIAGO, 2027, (date(2027, 9, 5), 0, 60)),
        # -02:00 → -01:00 at 23:00 local: the gap runs to the end of the day
        (SCORESBYSUND, 2027, (date(2027, 3, 27), 1380, 1440)),
        (LORD_HOWE, 2027, (date(2027, 10, 3), 120, 150)),
        (BERLIN, 2031, (date(2031, 3, 30), 120, 180)),
        (NEW_YORK, 2027, (date(2027, 3, 14), 120, 180)),
    ],
)
def test_gap_days_name_the_skipped_minutes_in_every_kind_of_zone(tz, year, expected):
    assert gap_days(tz, year) == (expected,)
    day, first_skipped, first_after = expected
    # the minutes named are exactly the ones the wall clock does not show that day: the last
    # minute before the gap is followed, one real minute later, by the first one after it
    gap_end = local_datetime(day, first_after, tz).timestamp()
    assert local_datetime(day, first_skipped, tz).timestamp() == gap_end
    if first_skipped > 0:
        assert gap_end - local_datetime(day, first_skipped - 1, tz).timestamp() == 60


def test_gap_days_in_the_last_year_the_calendar_has():
    assert gap_days(BERLIN, 9999) == ((date(9999, 3, 28), 120, 180),)
    assert gap_days(ZoneInfo("Asia/Kolkata"), 9999) == ()


def test_a_gap_that_returns_to_summer_time_after_ramadan_is_found():
    # Morocco keeps +01:00 but drops to +00:00 for Ramadan; it springs back from 02:00 to 03:00
    casablanca = ZoneInfo("Africa/Casablanca")
    assert gap_days(casablanca, 2027) == ((date(2027, 3, 14), 120, 180),)
    assert gap_days(casablanca, 2030) == ((date(2030, 2, 10), 120, 180),)


def test_is_gap_day_only_on_the_day_the_clock_jumps_forward():
    assert is_gap_day(date(2027, 3, 14), HAVANA)
    assert not is_gap_day(date(2027, 3, 13), HAVANA)
    assert not is_gap_day(date(2027, 3, 15), HAVANA)
    assert is_gap_day(date(2027, 3, 28), LONDON)
    assert not is_gap_day(date(2027, 10, 31), LONDON)  # the autumn fold


def test_havana_midnight_gap_moves_a_midnight_session_to_one_o_clock():
    day = date(2027, 3, 14)
    assert local_datetime(day, 0, HAVANA).isoformat() == "2027-03-14T01:00:00-04:00"
    assert local_datetime(day, 30, HAVANA).isoformat() == "2027-03-14T01:30:00-04:00"
    (span,) = expand_weekly([WeeklyWindow(SUNDAY, 0, 120)], HAVANA, day, day)
    assert (span.start.isoformat(), span.end.isoformat()) == (
        "2027-03-14T01:00:00-04:00",
        "2027-03-14T02:00:00-04:00",
    )


def test_santiago_window_wholly_in_the_midnight_gap_vanishes_that_day_only():
    windows = [WeeklyWindow(SUNDAY, 0, 60)]
    spans = expand_weekly(windows, SANTIAGO, date(2027, 8, 29), date(2027, 9, 12))
    assert [s.start.date() for s in spans] == [date(2027, 8, 29), date(2027, 9, 12)]


def test_series_shifted_by_a_midnight_gap_collides_with_the_next_hour():
    in_gap = weekly(SUNDAY, "00:15", "00:45", "a", date(2027, 1, 3))
    after = weekly(SUNDAY, "01:15", "01:45", "b", date(2027, 1, 3))
    assert series_collision_dates(in_gap, after, HAVANA, limit=2) == [
        date(2027, 3, 14),
        date(2028, 3, 12),
    ]
    assert series_collision_dates(in_gap, after, SANTIAGO, limit=1) == [date(2027, 9, 5)]
    moved = occurrences(in_gap, SANTIAGO, date(2027, 9, 5), date(2027, 9, 5))
    assert moved[0].interval.start.isoformat() == "2027-09-05T01:15:00-03:00"


def test_london_gap_shifts_the_small_hours_onto_the_next_hour():
    in_gap = weekly(SUNDAY, "01:30", "01:45", "a", date(2027, 1, 3))
    after = weekly(SUNDAY, "02:30", "03:00", "b", date(2027, 1, 3))
    assert series_collision_dates(in_gap, after, LONDON, limit=2) == [
        date(2027, 3, 28),
        date(2028, 3, 26),
    ]
    # on Berlin's clock 01:30 exists: the gap there is 02:00–03:00
    assert series_collision_dates(in_gap, after, BERLIN) == []


def test_end_of_day_gap_pushes_a_late_session_into_the_next_day():
    late = weekly(SATURDAY, "23:15", "23:45", "a", date(2027, 1, 2))
    (moved,) = occurrences(late, SCORESBYSUND, date(2027, 3, 27), date(2027, 3, 27))
    assert moved.interval.start.isoformat() == "2027-03-28T00:15:00-01:00"
    assert moved.local_date == date(2027, 3, 27)

"""Recurring series at their edges: the first and last dates, the ends of the week and of the
day, collisions that do happen, and the fields validation names."""

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from coachapp.scheduling import (
    ValidationError,
    first_occurrence_date,
    occurrence_dates,
    occurrences,
    parse_hhmm,
    series_collide,
    series_collision_dates,
    validate_series,
)
from coachapp.scheduling.recurrence import occurrence_ordinals
from tests.unit.test_scheduling_recurrence import series

BERLIN = ZoneInfo("Europe/Berlin")
KOLKATA = ZoneInfo("Asia/Kolkata")
SUNDAY, MONDAY, TUESDAY, SATURDAY = 0, 1, 2, 6


def test_series_collide_says_yes_when_two_series_overlap():
    a = series(id="a")
    b = series(start="10:30", end="11:30", id="b")
    assert series_collide(a, b, BERLIN)
    assert series_collide(b, a, BERLIN)
    assert not series_collide(a, series(start="11:00", end="12:00", id="b"), BERLIN)


def test_series_collide_says_yes_when_only_a_spring_gap_makes_them_overlap():
    in_gap = series(day=SUNDAY, start="02:30", end="02:45", start_date=date(2027, 1, 3), id="a")
    after_gap = series(day=SUNDAY, start="03:30", end="04:00", start_date=date(2027, 1, 3), id="b")
    assert series_collide(in_gap, after_gap, BERLIN)
    assert not series_collide(in_gap, after_gap, KOLKATA)


def test_collision_dates_limit():
    a, b = series(id="a"), series(id="b")
    assert series_collision_dates(a, b, BERLIN, limit=0) == []
    assert series_collision_dates(a, b, BERLIN, limit=1) == [date(2027, 1, 5)]
    assert len(series_collision_dates(a, b, BERLIN)) == 5


def test_a_series_whose_only_occurrence_is_its_end_date():
    # 5 January 2027 is a Tuesday
    once = series(start_date=date(2027, 1, 5), end_date=date(2027, 1, 5))
    assert first_occurrence_date(once) == date(2027, 1, 5)
    assert occurrence_dates(once, date(2027, 1, 1), date(2027, 12, 31)) == [date(2027, 1, 5)]
    later = series(start_date=date(2027, 1, 1), end_date=date(2027, 1, 5))
    assert first_occurrence_date(later) == date(2027, 1, 5)
    assert [
        o.local_date for o in occurrences(later, BERLIN, date(2027, 1, 1), date(2027, 2, 1))
    ] == [date(2027, 1, 5)]
    assert series_collision_dates(once, series(id="b"), BERLIN) == [date(2027, 1, 5)]


def test_occurrence_ordinals_of_a_single_occurrence_and_of_none():
    once = series(start_date=date(2027, 1, 5), end_date=date(2027, 1, 5))
    day = date(2027, 1, 5).toordinal()
    assert list(occurrence_ordinals(once, day - 30, day + 30)) == [day]
    assert list(occurrence_ordinals(once, day, day)) == [day]
    assert list(occurrence_ordinals(once, day + 1, day + 30)) == []
    never = series(start_date=date(2027, 1, 6), end_date=date(2027, 1, 11))
    assert list(occurrence_ordinals(never, day - 30, day + 30)) == []


def test_occurrence_ordinals_start_on_the_first_day_asked_when_it_is_an_occurrence():
    weekly = series(start_date=date(2027, 1, 5))
    biweekly = series(start_date=date(2027, 1, 5), frequency=2)
    day = date(2027, 1, 19).toordinal()
    assert list(occurrence_ordinals(weekly, day, day + 7)) == [day, day + 7]
    assert list(occurrence_ordinals(biweekly, day, day + 14)) == [day, day + 14]
    assert list(occurrence_ordinals(biweekly, day + 1, day + 14)) == [day + 14]
    assert list(occurrence_ordinals(weekly, day - 1, day - 1)) == []


def test_a_series_starting_at_the_end_of_the_calendar_cannot_be_laid_out():
    last_week = series(day=SUNDAY, start_date=date(9999, 12, 31))  # a Friday
    with pytest.raises(OverflowError):
        occurrence_ordinals(last_week, 1, date.max.toordinal())


def test_collision_on_the_last_common_date():
    ending = series(id="a", end_date=date(2027, 1, 19))
    starting = series(id="b", start_date=date(2027, 1, 19))
    assert series_collision_dates(ending, starting, BERLIN) == [date(2027, 1, 19)]
    assert series_collision_dates(starting, ending, BERLIN) == [date(2027, 1, 19)]
    assert series_collide(ending, starting, BERLIN)
    day_later = series(id="b", start_date=date(2027, 1, 20))
    assert series_collision_dates(ending, day_later, BERLIN) == []
    assert not series_collide(ending, day_later, BERLIN)


def test_collision_dates_stop_at_the_earlier_end_whichever_series_has_it():
    a = series(id="a", end_date=date(2027, 1, 26))
    b = series(id="b", start="10:30", end="11:30", end_date=date(2027, 1, 12))
    expected = [date(2027, 1, 5), date(2027, 1, 12)]
    assert series_collision_dates(a, b, BERLIN, limit=10) == expected
    assert series_collision_dates(b, a, BERLIN, limit=10) == expected


def test_collision_runs_on_past_a_spring_gap_that_swallows_one_session():
    swallowed = series(day=SUNDAY, start="02:00", end="02:30", start_date=date(2027, 3, 21), id="a")
    other = series(day=SUNDAY, start="02:15", end="02:45", start_date=date(2027, 3, 21), id="b")
    # both fall in the gap on 28 March (02:00 and 02:15 become 03:00 and 03:15: still overlapping)
    assert series_collision_dates(swallowed, other, BERLIN, limit=3) == [
        date(2027, 3, 21),
        date(2027, 3, 28),
        date(2027, 4, 4),
    ]


def _gap_pair(start_date: date, end_date: date | None, frequency: int = 1):
    """Two Sunday series that overlap only when Berlin's spring gap moves 02:30 to 03:30."""
    in_gap = series(
        day=SUNDAY, start="02:30", end="02:45", start_date=start_date, id="a", frequency=frequency
    )
    after_gap = series(
        day=SUNDAY,
        start="03:30",
        end="04:00",
        start_date=start_date,
        end_date=end_date,
        id="b",
        frequency=frequency,
    )
    return in_gap, after_gap


def test_gap_day_collisions_end_with_the_end_date():
    # Berlin's gap Sundays: 28 Mar 2027, 26 Mar 2028, 25 Mar 2029, 31 Mar 2030
    a, b = _gap_pair(date(2027, 1, 3), date(2029, 3, 25))
    assert series_collision_dates(a, b, BERLIN) == [
        date(2027, 3, 28),
        date(2028, 3, 26),
        date(2029, 3, 25),
    ]
    a, b = _gap_pair(date(2027, 1, 3), date(2029, 3, 24))
    assert series_collision_dates(a, b, BERLIN) == [date(2027, 3, 28), date(2028, 3, 26)]
    a, b = _gap_pair(date(2027, 1, 3), date(2027, 3, 27))
    assert series_collision_dates(a, b, BERLIN) == []
    assert not series_collide(a, b, BERLIN)


def test_gap_day_collisions_start_with_the_start_date():
    a, b = _gap_pair(date(2027, 3, 28), None)
    assert series_collision_dates(a, b, BERLIN, limit=2) == [date(2027, 3, 28), date(2028, 3, 26)]
    a, b = _gap_pair(date(2027, 3, 29), None)
    assert series_collision_dates(a, b, BERLIN, limit=2) == [date(2028, 3, 26), date(2029, 3, 25)]


def test_gap_day_collisions_of_a_bi_weekly_pair_only_on_their_weeks():
    # from 28 Mar 2027 every other Sunday: 26 Mar 2028 is 52 weeks on (theirs), 25 Mar 2029 is
    # 104 weeks on (theirs); the gaps of 2030 to 2035 fall on odd weeks, the next is in 2036
    a, b = _gap_pair(date(2027, 3, 28), None, frequency=2)
    assert series_collision_dates(a, b, BERLIN, limit=4) == [
        date(2027, 3, 28),
        date(2028, 3, 26),
        date(2029, 3, 25),
        date(2036, 3, 30),
    ]


def test_gap_day_collisions_limit_and_a_single_year():
    a, b = _gap_pair(date(2027, 1, 3), None)
    assert series_collision_dates(a, b, BERLIN, limit=1) == [date(2027, 3, 28)]
    a, b = _gap_pair(date(2027, 1, 3), date(2027, 12, 31))
    assert series_collision_dates(a, b, BERLIN) == [date(2027, 3, 28)]


def test_gap_day_collisions_need_the_same_weekday_as_the_gap():
    # Berlin's gaps are on Sundays: a Saturday pair at the same times never collides
    in_gap = series(day=SATURDAY, start="02:30", end="02:45", start_date=date(2027, 1, 2), id="a")
    after = series(day=SATURDAY, start="03:30", end="04:00", start_date=date(2027, 1, 2), id="b")
    assert series_collision_dates(in_gap, after, BERLIN) == []


def test_gap_day_collisions_of_far_future_series():
    a, b = _gap_pair(date(2900, 1, 1), None)
    assert series_collision_dates(a, b, BERLIN, limit=2) == [date(2900, 3, 28), date(2901, 3, 27)]


@pytest.mark.parametrize(
    ("day", "start", "end", "first"),
    [
        (SUNDAY, "00:00", "01:00", date(2027, 1, 10)),
        (SATURDAY, "23:00", "24:00", date(2027, 1, 9)),
        (SATURDAY, "00:00", "24:00", date(2027, 1, 9)),
    ],
)
def test_the_ends_of_the_week_and_of_the_day_are_valid(day, start, end, first):
    item = series(day=day, start=start, end=end, start_date=date(2027, 1, 5))
    validate_series(item)
    assert first_occurrence_date(item) == first
    (occurrence,) = occurrences(item, BERLIN, first, first)
    assert occurrence.interval.start.strftime("%a %H:%M") == first.strftime("%a ") + start
    assert (
        occurrence.interval.duration.total_seconds() == (parse_hhmm(end) - parse_hhmm(start)) * 60
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"day_of_week": True}, "day_of_week"),
        ({"day_of_week": "1"}, "day_of_week"),
        ({"start_minute": -1}, "start_time"),
        ({"start_minute": "10:00"}, "start_time"),
        ({"start_minute": 1439, "end_minute": 1441}, "end_time"),
        ({"end_minute": None}, "end_time"),
        ({"frequency": True}, "frequency"),
        ({"frequency": "1"}, "frequency"),
        ({"start_date": "2027-01-05"}, "start_date"),
        ({"end_date": "2027-02-01"}, "end_date"),
        ({"end_date": date(2027, 1, 4)}, "end_date"),
        ({"day_of_week": 7}, "day_of_week"),
    ],
)
def test_validate_series_names_the_field_for_wrong_types(changes, field):
    with pytest.raises(ValidationError) as caught:
        validate_series(replace(series(), **changes))
    assert caught.value.field == field
    assert caught.value.message


def test_validate_series_accepts_the_edges():
    validate_series(series(start="23:59", end="24:00"))
    validate_series(series(start="00:00", end="00:01", frequency=2))
    validate_series(series(start_date=date(2027, 1, 5), end_date=date(2027, 1, 5)))


def test_a_frequency_below_one_cannot_be_laid_out():
    with pytest.raises(ValidationError) as caught:
        occurrence_dates(series(frequency=0), date(2027, 1, 1), date(2027, 2, 1))
    assert caught.value.field == "frequency"
    assert caught.value.message == "Frequency must be 1 (every week) or 2 (every other week)."
    with pytest.raises(ValidationError):
        occurrence_dates(series(frequency=True), date(2027, 1, 1), date(2027, 2, 1))


def test_collisions_stop_at_the_end_of_the_calendar():
    # 9999-12-30 is the last Thursday the calendar has: the next step would overflow
    a = series(day=4, start_date=date(9999, 12, 1), id="a")
    b = series(day=4, start="10:30", end="11:30", start_date=date(9999, 12, 1), id="b")
    assert series_collision_dates(a, b, BERLIN, limit=10) == [
        date(9999, 12, 2),
        date(9999, 12, 9),
        date(9999, 12, 16),
        date(9999, 12, 23),
        date(9999, 12, 30),
    ]


def test_gap_day_collisions_in_a_year_with_two_spring_gaps():
    # Morocco sprang forward twice a year from 2012 to 2018 (spring, and after Ramadan); in 2015
    # both were Sundays, 29 March and 19 July, 02:00 to 03:00
    casablanca = ZoneInfo("Africa/Casablanca")
    a, b = _gap_pair(date(2015, 4, 1), None)
    assert series_collision_dates(a, b, casablanca, limit=2) == [
        date(2015, 7, 19),
        date(2016, 3, 27),
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"day_of_week": 7}, "Day of week must be 0 (Sunday) to 6 (Saturday), not 7."),
        ({"start_minute": 1440}, "The start time must be between 00:00 and 23:59."),
        (
            {"end_minute": 540},
            "The end time must be after the start time, on the same day (24:00 at the latest).",
        ),
        ({"frequency": 3}, "Frequency must be 1 (every week) or 2 (every other week)."),
        ({"start_date": None}, "The start date must be a date."),
        ({"end_date": "soon"}, "The end date must be a date."),
        ({"end_date": date(2027, 1, 4)}, "The end date must not be before the start date."),
    ],
)
def test_validate_series_says_what_to_fix(changes, message):
    with pytest.raises(ValidationError) as caught:
        validate_series(replace(series(), **changes))
    assert caught.value.message == message


def test_a_series_may_fall_on_the_last_day_of_the_calendar():
    friday = series(day=5, start_date=date(9999, 12, 31))  # 31 Dec 9999 is a Friday
    assert occurrence_dates(friday, date(9999, 12, 25), date(9999, 12, 31)) == [date.max]
    with pytest.raises(OverflowError) as caught:
        occurrence_dates(series(day=6, start_date=date(9999, 12, 31)), date.max, date.max)
    assert str(caught.value) == "date value out of range"

"""Recurring bookings: their dates, wall-clock times, validation and collisions."""

import time
from dataclasses import replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from coachapp.scheduling import (
    RecurringSeries,
    ValidationError,
    first_occurrence_date,
    occurrence_dates,
    occurrences,
    parse_hhmm,
    series_collide,
    series_collision_dates,
    validate_series,
)

BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")
SUNDAY, MONDAY, TUESDAY = 0, 1, 2


def series(
    day: int = TUESDAY,
    start: str = "10:00",
    end: str = "11:00",
    start_date: date = date(2027, 1, 5),
    end_date: date | None = None,
    frequency: int = 1,
    id: str = "s1",
) -> RecurringSeries:
    return RecurringSeries(
        id=id,
        coach_id="c1",
        day_of_week=day,
        start_minute=parse_hhmm(start),
        end_minute=parse_hhmm(end),
        start_date=start_date,
        end_date=end_date,
        frequency=frequency,
        member_id="m1",
    )


def test_first_occurrence_is_the_weekday_on_or_after_the_start_date():
    assert first_occurrence_date(series(start_date=date(2027, 1, 5))) == date(2027, 1, 5)
    assert first_occurrence_date(series(start_date=date(2027, 1, 6))) == date(2027, 1, 12)
    assert first_occurrence_date(series(day=SUNDAY, start_date=date(2027, 1, 6))) == date(
        2027, 1, 10
    )


def test_a_series_that_ends_before_its_first_weekday_never_happens():
    empty = series(start_date=date(2027, 1, 6), end_date=date(2027, 1, 11))
    assert first_occurrence_date(empty) is None
    assert occurrence_dates(empty, date(2027, 1, 1), date(2027, 12, 31)) == []


def test_weekly_dates_in_an_inclusive_range():
    assert occurrence_dates(series(), date(2027, 1, 1), date(2027, 1, 19)) == [
        date(2027, 1, 5),
        date(2027, 1, 12),
        date(2027, 1, 19),
    ]


def test_bi_weekly_keeps_its_own_weeks_whatever_the_range():
    biweekly = series(frequency=2)
    assert occurrence_dates(biweekly, date(2027, 1, 10), date(2027, 2, 10)) == [
        date(2027, 1, 19),
        date(2027, 2, 2),
    ]


def test_end_date_mid_horizon_is_inclusive():
    ending = series(end_date=date(2027, 1, 19))
    assert occurrence_dates(ending, date(2027, 1, 1), date(2027, 2, 28))[-1] == date(2027, 1, 19)
    ending = series(end_date=date(2027, 1, 18))
    assert occurrence_dates(ending, date(2027, 1, 1), date(2027, 2, 28))[-1] == date(2027, 1, 12)


def test_occurrences_keep_wall_clock_across_berlin_and_sydney_changes():
    sunday = series(day=SUNDAY, start_date=date(2027, 3, 1))
    for tz, first, last in [
        (BERLIN, date(2027, 3, 21), date(2027, 4, 4)),
        (SYDNEY, date(2027, 3, 28), date(2027, 4, 11)),
    ]:
        found = occurrences(sunday, tz, first, last)
        assert [o.interval.start.astimezone(tz).strftime("%H:%M") for o in found] == ["10:00"] * 3
        assert len({o.interval.start.utcoffset() for o in found}) == 2
        assert all(o.interval.duration == timedelta(hours=1) for o in found)


def test_occurrence_in_the_spring_gap_moves_forward_or_vanishes():
    moved = occurrences(
        series(day=SUNDAY, start="02:30", end="04:00", start_date=date(2027, 3, 1)),
        BERLIN,
        date(2027, 3, 28),
        date(2027, 3, 28),
    )
    assert moved[0].interval.start.isoformat() == "2027-03-28T03:30:00+02:00"
    swallowed = occurrences(
        series(day=SUNDAY, start="02:00", end="03:00", start_date=date(2027, 3, 1)),
        BERLIN,
        date(2027, 3, 21),
        date(2027, 4, 4),
    )
    assert [o.local_date for o in swallowed] == [date(2027, 3, 21), date(2027, 4, 4)]


def test_kolkata_occurrences():
    (only,) = occurrences(series(), KOLKATA, date(2027, 1, 5), date(2027, 1, 5))
    assert only.interval.start.isoformat() == "2027-01-05T10:00:00+05:30"
    assert (only.series_id, only.coach_id, only.local_date) == ("s1", "c1", date(2027, 1, 5))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"day_of_week": 7}, "day_of_week"),
        ({"day_of_week": -1}, "day_of_week"),
        ({"start_minute": 1440, "end_minute": 1440}, "start_time"),
        ({"start_minute": 600, "end_minute": 600}, "end_time"),
        ({"start_minute": 600, "end_minute": 540}, "end_time"),
        ({"end_minute": 1441}, "end_time"),
        ({"frequency": 3}, "frequency"),
        ({"frequency": 0}, "frequency"),
        ({"end_date": date(2027, 1, 4)}, "end_date"),
    ],
)
def test_validate_series_names_the_field(changes, field):
    with pytest.raises(ValidationError) as caught:
        validate_series(replace(series(), **changes))
    assert caught.value.field == field


def test_valid_series_passes():
    validate_series(series(end="24:00", end_date=date(2027, 1, 5), frequency=2))


def test_bi_weekly_pair_on_alternating_weeks_never_collides():
    odd = series(frequency=2, start_date=date(2027, 1, 5), id="a")
    even = series(frequency=2, start_date=date(2027, 1, 12), id="b")
    assert series_collision_dates(odd, even, BERLIN) == []
    assert not series_collide(odd, even, BERLIN)


def test_bi_weekly_pair_on_the_same_weeks_collides_every_other_week():
    first = series(frequency=2, start_date=date(2027, 1, 5), id="a")
    later = series(frequency=2, start="10:30", end="11:30", start_date=date(2027, 2, 1), id="b")
    assert series_collision_dates(first, later, BERLIN, limit=3) == [
        date(2027, 2, 2),
        date(2027, 2, 16),
        date(2027, 3, 2),
    ]


def test_weekly_meets_bi_weekly_on_the_bi_weekly_weeks():
    weekly = series(start_date=date(2027, 1, 5), id="a")
    biweekly = series(frequency=2, start_date=date(2027, 1, 12), id="b")
    assert series_collision_dates(weekly, biweekly, BERLIN, limit=2) == [
        date(2027, 1, 12),
        date(2027, 1, 26),
    ]


def test_no_collision_on_other_days_or_times_or_date_ranges():
    base = series(id="a", end_date=date(2027, 3, 30))
    assert series_collision_dates(base, series(day=MONDAY, id="b"), BERLIN) == []
    touching = series(start="11:00", end="12:00", id="b")
    assert series_collision_dates(base, touching, BERLIN) == []
    after = series(start_date=date(2027, 3, 31), id="b")
    assert series_collision_dates(base, after, BERLIN) == []


def test_collision_ends_with_the_earlier_end_date():
    ending = series(id="a", end_date=date(2027, 1, 19))
    assert series_collision_dates(ending, series(id="b"), BERLIN, limit=10) == [
        date(2027, 1, 5),
        date(2027, 1, 12),
        date(2027, 1, 19),
    ]


def test_indefinite_series_far_apart_in_time_answer_at_once():
    a = series(start_date=date(2027, 1, 5), id="a")
    b = series(start_date=date(2900, 1, 1), frequency=2, id="b")
    began = time.perf_counter()
    found = series_collision_dates(a, b, BERLIN, limit=2)
    assert time.perf_counter() - began < 0.5
    assert found == [date(2900, 1, 5), date(2900, 1, 19)]


def test_spring_gap_shifts_one_session_onto_another():
    in_gap = series(day=SUNDAY, start="02:30", end="02:45", start_date=date(2027, 1, 3), id="a")
    after_gap = series(day=SUNDAY, start="03:30", end="04:00", start_date=date(2027, 1, 3), id="b")
    assert series_collision_dates(in_gap, after_gap, BERLIN) == [
        date(2027, 3, 28),
        date(2028, 3, 26),
        date(2029, 3, 25),
        date(2030, 3, 31),
        date(2031, 3, 30),
    ]
    assert series_collision_dates(in_gap, after_gap, KOLKATA) == []


def test_spring_gap_that_swallows_a_session_removes_that_collision():
    swallowed = series(day=SUNDAY, start="02:00", end="03:00", start_date=date(2027, 3, 14), id="a")
    other = series(day=SUNDAY, start="02:00", end="04:00", start_date=date(2027, 3, 14), id="b")
    assert series_collision_dates(swallowed, other, BERLIN, limit=3) == [
        date(2027, 3, 14),
        date(2027, 3, 21),
        date(2027, 4, 4),
    ]

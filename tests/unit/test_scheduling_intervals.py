"""Half-open intervals and their set arithmetic."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from coachapp.scheduling import (
    UTC,
    BusyInterval,
    Interval,
    ValidationError,
    covers,
    intersect,
    normalize,
    subtract,
    union,
)

BERLIN = ZoneInfo("Europe/Berlin")


def at(hour: int, minute: int = 0, day: int = 5) -> datetime:
    return datetime(2027, 5, day, hour, minute, tzinfo=BERLIN)


def iv(start: float, end: float, day: int = 5) -> Interval:
    """Interval between two hours of a day in May 2027, Berlin."""
    return Interval(
        at(int(start), round(start % 1 * 60), day), at(int(end), round(end % 1 * 60), day)
    )


def test_interval_needs_aware_ends_and_a_start_before_the_end():
    with pytest.raises(ValueError):
        Interval(datetime(2027, 5, 5, 9), datetime(2027, 5, 5, 10))
    with pytest.raises(ValidationError) as caught:
        Interval(at(10), at(10))
    assert caught.value.field == "end_time"
    with pytest.raises(ValueError):
        Interval(at(11), at(10))


def test_intervals_are_equal_when_they_cover_the_same_instants():
    berlin = Interval(at(9), at(10))
    utc = Interval(datetime(2027, 5, 5, 7, tzinfo=UTC), datetime(2027, 5, 5, 8, tzinfo=UTC))
    assert berlin == utc
    assert hash(berlin) == hash(utc)
    assert berlin.start.tzinfo is BERLIN  # ends keep the zone they were given in


def test_fold_hour_orders_by_real_time():
    first = datetime(2027, 10, 31, 2, 30, tzinfo=BERLIN)  # +02:00
    second = datetime(2027, 10, 31, 2, 15, fold=1, tzinfo=BERLIN)  # +01:00, 45 min later
    span = Interval(first, second)
    assert span.duration == timedelta(minutes=45)
    assert Interval(first, first + timedelta(hours=3)) < Interval(
        second, second + timedelta(hours=1)
    )


def test_duration_is_real_time_on_a_fold_day():
    day = Interval(datetime(2027, 10, 31, tzinfo=BERLIN), datetime(2027, 10, 31, 4, tzinfo=BERLIN))
    assert day.duration == timedelta(hours=5)


def test_touching_intervals_do_not_overlap_but_merge():
    assert not iv(9, 10).overlaps(iv(10, 11))
    assert iv(9, 10.5).overlaps(iv(10, 11))
    assert normalize([iv(10, 11), iv(9, 10)]) == (iv(9, 11),)


def test_contains_an_interval_or_an_instant():
    assert iv(9, 12).contains(iv(10, 11))
    assert iv(9, 12).contains(iv(9, 12))
    assert not iv(9, 12).contains(iv(11, 13))
    assert iv(9, 12).contains(at(9))
    assert not iv(9, 12).contains(at(12))


def test_normalize_sorts_and_merges_overlaps():
    assert normalize([iv(14, 15), iv(9, 11), iv(10, 12), iv(16, 17)]) == (
        iv(9, 12),
        iv(14, 15),
        iv(16, 17),
    )
    assert normalize([]) == ()


def test_union_accepts_busy_intervals():
    assert union([iv(9, 10)], [BusyInterval(iv(10, 11), "s1")]) == (iv(9, 11),)


def test_subtract_cuts_out_the_middle_and_keeps_the_zone_of_the_first_operand():
    blocked = Interval(datetime(2027, 5, 5, 8, tzinfo=UTC), datetime(2027, 5, 5, 9, tzinfo=UTC))
    left, right = subtract([iv(9, 13)], [blocked])
    assert (left, right) == (iv(9, 10), iv(11, 13))
    assert left.end.isoformat() == "2027-05-05T10:00:00+02:00"
    assert right.start.isoformat() == "2027-05-05T11:00:00+02:00"


def test_subtract_everything_or_nothing():
    assert subtract([iv(9, 10)], [iv(8, 11)]) == ()
    assert subtract([iv(9, 10)], [iv(10, 11)]) == (iv(9, 10),)
    assert subtract([iv(9, 12)], [iv(9, 10), iv(11, 12)]) == (iv(10, 11),)


def test_intersect():
    assert intersect([iv(9, 12), iv(14, 16)], [iv(11, 15)]) == (iv(11, 12), iv(14, 15))
    assert intersect([iv(9, 10)], [iv(10, 11)]) == ()


def test_covers_across_touching_intervals_but_not_across_a_hole():
    assert covers([iv(9, 10), iv(10, 11)], iv(9.5, 10.5))
    assert not covers([iv(9, 10), iv(10.25, 11)], iv(9.5, 10.5))
    assert not covers([], iv(9, 10))

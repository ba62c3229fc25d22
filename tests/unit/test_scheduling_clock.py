"""Wall-clock times: parsing ``HH:MM`` and turning local dates and times into instants."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from coachapp.scheduling import (
    UTC,
    ValidationError,
    day_of_week,
    format_hhmm,
    gap_days,
    is_gap_day,
    local_datetime,
    parse_hhmm,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("00:00", 0),
        ("09:30", 570),
        ("9:30", 570),
        (" 07:05 ", 425),
        ("23:59", 1439),
        ("24:00", 1440),
    ],
)
def test_parse_hhmm_reads_wall_clock_minutes(text, minutes):
    assert parse_hhmm(text) == minutes


@pytest.mark.parametrize(
    "text",
    [
        "24:01",
        "24:30",
        "25:00",
        "09:60",
        "9:3",
        "0930",
        "",
        "9.30",
        "-1:00",
        "09:30:00",
        "9:30 am",
        "٠٩:٣٠",
        "123:00",
    ],
)
def test_parse_hhmm_refuses_what_is_not_a_time_of_day(text):
    with pytest.raises(ValidationError) as caught:
        parse_hhmm(text, field="start_time")
    assert caught.value.field == "start_time"
    assert caught.value.message


def test_parse_hhmm_refuses_non_text():
    with pytest.raises(ValidationError):
        parse_hhmm(930)  # type: ignore[arg-type]


def test_format_hhmm_round_trips_every_minute_of_the_day():
    assert format_hhmm(570) == "09:30"
    assert format_hhmm(1440) == "24:00"
    assert all(parse_hhmm(format_hhmm(m)) == m for m in range(1441))


@pytest.mark.parametrize("minutes", [-1, 1441, True])
def test_format_hhmm_refuses_minutes_outside_a_day(minutes):
    with pytest.raises(ValidationError):
        format_hhmm(minutes)


def test_day_of_week_counts_from_sunday_like_the_spec():
    assert day_of_week(date(2027, 3, 28)) == 0  # a Sunday
    assert day_of_week(date(2027, 3, 29)) == 1
    assert day_of_week(date(2027, 4, 3)) == 6


def test_spring_gap_time_moves_forward_by_the_gap_berlin():
    moved = local_datetime(date(2027, 3, 28), parse_hhmm("02:30"), BERLIN)
    assert moved.isoformat() == "2027-03-28T03:30:00+02:00"


def test_autumn_fold_time_is_the_first_occurrence_berlin():
    first = local_datetime(date(2027, 10, 31), parse_hhmm("02:30"), BERLIN)
    assert first.isoformat() == "2027-10-31T02:30:00+02:00"
    assert first.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_new_york_gap_and_fold():
    assert local_datetime(date(2027, 3, 14), 150, NEW_YORK).isoformat() == (
        "2027-03-14T03:30:00-04:00"
    )
    assert local_datetime(date(2027, 11, 7), 90, NEW_YORK).isoformat() == (
        "2027-11-07T01:30:00-04:00"
    )


def test_sydney_southern_hemisphere_gap_in_october_fold_in_april():
    assert local_datetime(date(2027, 10, 3), 150, SYDNEY).isoformat() == (
        "2027-10-03T03:30:00+11:00"
    )
    assert local_datetime(date(2027, 4, 4), 150, SYDNEY).isoformat() == (
        "2027-04-04T02:30:00+11:00"
    )


def test_kolkata_half_hour_offset():
    assert local_datetime(date(2027, 3, 28), 540, KOLKATA).astimezone(UTC) == datetime(
        2027, 3, 28, 3, 30, tzinfo=UTC
    )


def test_minute_1440_is_the_next_midnight():
    midnight = local_datetime(date(2027, 12, 31), 1440, BERLIN)
    assert midnight.isoformat() == "2028-01-01T00:00:00+01:00"


@pytest.mark.parametrize("minute", [-1, 1441])
def test_local_datetime_refuses_minutes_outside_a_day(minute):
    with pytest.raises(ValidationError):
        local_datetime(date(2027, 1, 1), minute, BERLIN)


def test_gap_days_name_the_skipped_hour():
    assert gap_days(BERLIN, 2027) == ((date(2027, 3, 28), 120, 180),)
    assert gap_days(SYDNEY, 2027) == ((date(2027, 10, 3), 120, 180),)
    assert gap_days(KOLKATA, 2027) == ()
    assert is_gap_day(date(2027, 3, 14), NEW_YORK)
    assert not is_gap_day(date(2027, 11, 7), NEW_YORK)  # a fold day is no gap
    assert not is_gap_day(date(2027, 3, 14) + timedelta(days=1), NEW_YORK)

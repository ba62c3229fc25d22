"""The weekly template laid out on local dates, across daylight-saving changes."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from coachapp.scheduling import (
    UTC,
    Interval,
    ValidationError,
    WeeklyWindow,
    availability,
    expand_weekly,
    expand_weekly_windows,
    open_time,
    parse_hhmm,
    validate_windows,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")
SUNDAY, MONDAY = 0, 1


def window(day: int, start: str, end: str, **extra) -> WeeklyWindow:
    return WeeklyWindow(day, parse_hhmm(start), parse_hhmm(end), **extra)


def local(interval: Interval, tz: ZoneInfo) -> tuple[str, str]:
    return interval.start.astimezone(tz).isoformat(), interval.end.astimezone(tz).isoformat()


def test_windows_may_touch():
    validate_windows([window(MONDAY, "09:00", "12:00"), window(MONDAY, "12:00", "13:00")])


def test_overlapping_windows_on_one_day_name_the_times_and_the_day():
    with pytest.raises(ValidationError) as caught:
        validate_windows([window(MONDAY, "11:00", "13:00"), window(MONDAY, "09:00", "12:00")])
    assert caught.value.field == "windows"
    assert caught.value.message == "09:00–12:00 overlaps 11:00–13:00 on Monday."


def test_same_times_on_different_days_do_not_overlap():
    validate_windows([window(MONDAY, "09:00", "12:00"), window(SUNDAY, "09:00", "12:00")])


@pytest.mark.parametrize(
    "bad",
    [
        WeeklyWindow(7, 540, 600),
        WeeklyWindow(-1, 540, 600),
        WeeklyWindow(1, 600, 600),
        WeeklyWindow(1, 600, 540),
        WeeklyWindow(1, -30, 540),
        WeeklyWindow(1, 1380, 1470),
    ],
)
def test_malformed_windows_are_refused(bad):
    with pytest.raises(ValidationError) as caught:
        validate_windows([bad])
    assert caught.value.field == "windows"


def test_monday_window_keeps_its_wall_clock_across_berlin_spring_change():
    spans = expand_weekly(
        [window(MONDAY, "09:00", "12:00")], BERLIN, date(2027, 3, 22), date(2027, 4, 4)
    )
    assert [local(s, BERLIN) for s in spans] == [
        ("2027-03-22T09:00:00+01:00", "2027-03-22T12:00:00+01:00"),
        ("2027-03-29T09:00:00+02:00", "2027-03-29T12:00:00+02:00"),
    ]
    assert [s.start_utc.hour for s in spans] == [8, 7]


def test_spring_gap_window_start_moves_forward_berlin():
    (span,) = expand_weekly(
        [window(SUNDAY, "02:30", "05:00")], BERLIN, date(2027, 3, 28), date(2027, 3, 28)
    )
    assert local(span, BERLIN) == ("2027-03-28T03:30:00+02:00", "2027-03-28T05:00:00+02:00")


def test_window_wholly_inside_the_spring_gap_vanishes_that_day_only():
    spans = expand_weekly(
        [window(SUNDAY, "02:00", "03:00")], BERLIN, date(2027, 3, 21), date(2027, 4, 4)
    )
    assert [s.start.date() for s in spans] == [date(2027, 3, 21), date(2027, 4, 4)]


def test_autumn_fold_window_starts_at_the_first_occurrence_berlin():
    (span,) = expand_weekly(
        [window(SUNDAY, "02:30", "04:00")], BERLIN, date(2027, 10, 31), date(2027, 10, 31)
    )
    assert local(span, BERLIN)[0] == "2027-10-31T02:30:00+02:00"
    assert span.duration == timedelta(hours=2, minutes=30)


def test_new_york_window_over_both_changes():
    spring = expand_weekly(
        [window(SUNDAY, "01:00", "03:00")], NEW_YORK, date(2027, 3, 14), date(2027, 3, 14)
    )
    fold = expand_weekly(
        [window(SUNDAY, "01:00", "03:00")], NEW_YORK, date(2027, 11, 7), date(2027, 11, 7)
    )
    assert local(spring[0], NEW_YORK) == ("2027-03-14T01:00:00-05:00", "2027-03-14T03:00:00-04:00")
    assert spring[0].duration == timedelta(hours=1)
    assert local(fold[0], NEW_YORK) == ("2027-11-07T01:00:00-04:00", "2027-11-07T03:00:00-05:00")
    assert fold[0].duration == timedelta(hours=3)


def test_sydney_changes_the_other_way_round():
    april = expand_weekly(
        [window(SUNDAY, "09:00", "12:00")], SYDNEY, date(2027, 3, 28), date(2027, 4, 4)
    )
    assert [local(s, SYDNEY)[0] for s in april] == [
        "2027-03-28T09:00:00+11:00",
        "2027-04-04T09:00:00+10:00",
    ]
    (october,) = expand_weekly(
        [window(SUNDAY, "02:30", "04:00")], SYDNEY, date(2027, 10, 3), date(2027, 10, 3)
    )
    assert local(october, SYDNEY)[0] == "2027-10-03T03:30:00+11:00"


def test_kolkata_has_a_half_hour_offset_and_no_changes():
    spans = expand_weekly(
        [window(MONDAY, "09:00", "10:00")], KOLKATA, date(2027, 1, 1), date(2027, 12, 31)
    )
    assert len(spans) == 52
    assert {(s.start_utc.hour, s.start_utc.minute) for s in spans} == {(3, 30)}


def test_window_ending_at_24_00_runs_to_the_next_midnight_and_joins_the_next_day():
    spans = expand_weekly(
        [window(SUNDAY, "22:00", "24:00"), window(MONDAY, "00:00", "01:00")],
        BERLIN,
        date(2027, 5, 2),
        date(2027, 5, 3),
    )
    assert [local(s, BERLIN) for s in spans] == [
        ("2027-05-02T22:00:00+02:00", "2027-05-03T01:00:00+02:00")
    ]


def test_window_ending_at_24_00_alone():
    (span,) = expand_weekly(
        [window(SUNDAY, "22:00", "24:00")], BERLIN, date(2027, 5, 2), date(2027, 5, 2)
    )
    assert span.end == datetime(2027, 5, 3, tzinfo=BERLIN)


def test_expand_keeps_the_window_for_room_lookup():
    gym = window(MONDAY, "09:00", "10:00", room_id="gym")
    studio = window(MONDAY, "10:00", "11:00", room_id="studio")
    pairs = expand_weekly_windows([studio, gym], BERLIN, date(2027, 5, 3), date(2027, 5, 3))
    assert [w.room_id for w, _ in pairs] == ["gym", "studio"]


def test_date_range_is_inclusive_and_may_be_empty():
    mondays = [window(MONDAY, "09:00", "10:00")]
    assert len(expand_weekly(mondays, BERLIN, date(2027, 5, 3), date(2027, 5, 10))) == 2
    assert expand_weekly(mondays, BERLIN, date(2027, 5, 4), date(2027, 5, 3)) == ()


def test_availability_is_template_minus_blocked_plus_additions():
    day = date(2027, 5, 3)

    def at(hhmm: str) -> datetime:
        return datetime.combine(day, datetime.strptime(hhmm, "%H:%M").time(), tzinfo=BERLIN)

    blocked = [Interval(at("10:00"), at("11:00")), Interval(at("15:00"), at("16:00"))]
    additions = [
        Interval(at("15:30"), at("16:00")),
        Interval(at("18:00"), at("19:00")),
        Interval(datetime(2027, 6, 1, 8, tzinfo=UTC), datetime(2027, 6, 1, 9, tzinfo=UTC)),
    ]
    spans = availability(
        [window(MONDAY, "09:00", "12:00"), window(MONDAY, "14:00", "17:00")],
        BERLIN,
        day,
        day,
        blocked,
        additions,
    )
    assert [
        (s.start.astimezone(BERLIN).strftime("%H:%M"), s.end.astimezone(BERLIN).strftime("%H:%M"))
        for s in spans
    ] == [
        ("09:00", "10:00"),
        ("11:00", "12:00"),
        ("14:00", "15:00"),
        ("15:30", "17:00"),
        ("18:00", "19:00"),
        ("10:00", "11:00"),  # the addition on 1 June counts though it is outside the dates
    ]
    placed = expand_weekly_windows(
        [window(MONDAY, "09:00", "12:00"), window(MONDAY, "14:00", "17:00")], BERLIN, day, day
    )
    assert open_time(placed, blocked, additions) == spans  # the same from windows laid out once

"""What a person sees of the core's answers: the zone and the ends a slot or interval is shown
with, and the field and words an error points at."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from coachapp.scheduling import (
    UTC,
    BusyInterval,
    CoachCalendar,
    Interval,
    Timeline,
    ValidationError,
    WeeklyWindow,
    as_interval,
    bookable_slots,
    expand_weekly,
    format_hhmm,
    intersect,
    local_datetime,
    normalize,
    parse_hhmm,
    subtract,
    to_utc,
    union,
    validate_windows,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
HOUR = timedelta(hours=1)
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
SUNDAY, MONDAY, SATURDAY = 0, 1, 6


def at(hour: int, minute: int = 0, tz=BERLIN) -> datetime:
    return datetime(2027, 5, 3, hour, minute, tzinfo=tz)


def shown(interval: Interval) -> tuple[str, str]:
    return interval.start.isoformat(), interval.end.isoformat()


def test_a_slot_shows_its_start_and_end_in_the_coachs_zone():
    busy = [Interval(datetime(2027, 5, 3, 8, tzinfo=UTC), datetime(2027, 5, 3, 9, tzinfo=UTC))]
    slots = bookable_slots([Interval(at(9), at(12))], busy, HOUR, LONG_AGO)
    # busy 08:00–09:00 UTC is 10:00–11:00 in Berlin
    assert [shown(s) for s in slots] == [
        ("2027-05-03T09:00:00+02:00", "2027-05-03T10:00:00+02:00"),
        ("2027-05-03T11:00:00+02:00", "2027-05-03T12:00:00+02:00"),
    ]
    assert all(s.end.tzinfo is BERLIN for s in slots)


def test_slots_from_availability_in_two_zones_keep_each_zone():
    available = [Interval(at(9), at(10)), Interval(at(12, tz=NEW_YORK), at(13, tz=NEW_YORK))]
    slots = bookable_slots(available, [], HOUR, LONG_AGO)
    assert [shown(s) for s in slots] == [
        ("2027-05-03T09:00:00+02:00", "2027-05-03T10:00:00+02:00"),
        ("2027-05-03T12:00:00-04:00", "2027-05-03T13:00:00-04:00"),
    ]


def test_slot_window_errors_name_from_and_to():
    window = [Interval(at(9), at(12))]
    with pytest.raises(ValidationError) as caught:
        bookable_slots(window, [], HOUR, LONG_AGO, window_start=datetime(2027, 5, 3, 9))
    assert caught.value.field == "from"
    assert caught.value.message == "The window start 2027-05-03T09:00:00 has no time zone."
    with pytest.raises(ValidationError) as caught:
        bookable_slots(window, [], HOUR, LONG_AGO, window_end=datetime(2027, 5, 3, 12))
    assert caught.value.field == "to"
    assert caught.value.message == "The window end 2027-05-03T12:00:00 has no time zone."
    with pytest.raises(ValidationError) as caught:
        bookable_slots(window, [], timedelta(0), LONG_AGO)
    assert caught.value.field == "duration"
    assert caught.value.message == "The session length must be a positive duration."
    with pytest.raises(ValidationError) as caught:
        bookable_slots(window, [], 60, LONG_AGO)  # type: ignore[arg-type]
    assert caught.value.field == "duration"
    with pytest.raises(ValidationError) as caught:
        bookable_slots(window, [], HOUR, datetime(2027, 5, 3, 8))
    assert caught.value.message == "The current time 2027-05-03T08:00:00 has no time zone."


def test_slot_window_starting_on_a_grid_position_offers_that_slot():
    window = [Interval(at(9), at(12))]
    slots = bookable_slots(window, [], HOUR, LONG_AGO, window_start=at(10), window_end=at(11))
    assert [shown(s) for s in slots] == [("2027-05-03T10:00:00+02:00", "2027-05-03T11:00:00+02:00")]
    slots = bookable_slots(window, [], HOUR, LONG_AGO, window_start=at(9), window_end=at(12))
    assert len(slots) == 3
    slots = bookable_slots(window, [], HOUR, LONG_AGO, window_end=at(11, 1))
    assert len(slots) == 3
    slots = bookable_slots(window, [], HOUR, at(9, 30), window_start=at(9))
    assert [s.start for s in slots] == [at(10), at(11)]


def test_interval_errors_name_start_time_and_end_time():
    with pytest.raises(ValidationError) as caught:
        Interval(datetime(2027, 5, 3, 9), at(10))
    assert caught.value.field == "start_time"
    assert caught.value.message == "The start 2027-05-03T09:00:00 has no time zone."
    with pytest.raises(ValidationError) as caught:
        Interval(at(9), "10:00")  # type: ignore[arg-type]
    assert caught.value.field == "end_time"
    assert caught.value.message == "The end must be a date and time, not '10:00'."
    with pytest.raises(ValidationError) as caught:
        Interval(at(10), at(9))
    assert caught.value.field == "end_time"
    assert caught.value.message == (
        "The end 2027-05-03T09:00:00+02:00 must be after the start 2027-05-03T10:00:00+02:00."
    )


def test_to_utc_names_what_and_which_field():
    assert to_utc(at(9), "start").tzinfo is UTC
    with pytest.raises(ValidationError) as caught:
        to_utc(datetime(2027, 5, 3, 9), "start")
    assert caught.value.field is None
    with pytest.raises(ValidationError) as caught:
        Interval(at(9), at(10)).contains(datetime(2027, 5, 3, 9, 30))
    assert caught.value.message == "The instant 2027-05-03T09:30:00 has no time zone."


def test_an_interval_shown_in_another_zone_covers_the_same_instants():
    meeting = Interval(at(9), at(10))
    in_kolkata = meeting.astimezone(KOLKATA)
    assert shown(in_kolkata) == ("2027-05-03T12:30:00+05:30", "2027-05-03T13:30:00+05:30")
    assert in_kolkata == meeting
    assert (in_kolkata.start_utc, in_kolkata.end_utc) == (meeting.start_utc, meeting.end_utc)
    from_utc = Interval.from_utc(meeting.start_utc, meeting.end_utc, NEW_YORK)
    assert shown(from_utc) == ("2027-05-03T03:00:00-04:00", "2027-05-03T04:00:00-04:00")
    assert (from_utc.start_utc, from_utc.end_utc) == (meeting.start_utc, meeting.end_utc)
    assert from_utc.duration == HOUR


def test_timeline_is_false_when_empty():
    assert not Timeline([])
    assert Timeline([Interval(at(9), at(10))])
    timeline = Timeline([Interval(at(9), at(10)), Interval(at(11), at(12))])
    assert timeline.overlaps(at(9, 59).astimezone(UTC), at(11, 1).astimezone(UTC))
    assert not timeline.overlaps(at(10).astimezone(UTC), at(11).astimezone(UTC))
    assert timeline.covers(at(11).astimezone(UTC), at(12).astimezone(UTC))
    assert not timeline.covers(at(9, 30).astimezone(UTC), at(11, 30).astimezone(UTC))
    assert not timeline.covers(at(8).astimezone(UTC), at(9).astimezone(UTC))


def test_as_interval_takes_intervals_and_what_holds_one():
    meeting = Interval(at(9), at(10))
    assert as_interval(meeting) is meeting
    assert as_interval(BusyInterval(meeting, "s1")) is meeting
    with pytest.raises(TypeError) as caught:
        as_interval(BusyInterval("not an interval"))  # type: ignore[arg-type]
    assert (
        str(caught.value)
        == "expected an Interval, got BusyInterval(interval='not an interval', session_id=None)"
    )
    with pytest.raises(TypeError) as caught:
        as_interval("09:00-10:00")
    assert str(caught.value) == "expected an Interval, got '09:00-10:00'"


def test_merged_and_cut_intervals_are_shown_in_the_zone_of_their_first_part():
    berlin = Interval(at(9), at(10))
    new_york = Interval(at(4, tz=NEW_YORK), at(5, tz=NEW_YORK))  # 10:00–11:00 in Berlin
    (joined,) = normalize([new_york, berlin])
    assert shown(joined) == ("2027-05-03T09:00:00+02:00", "2027-05-03T11:00:00+02:00")
    (joined,) = union(
        [Interval(at(3, tz=NEW_YORK), at(4, tz=NEW_YORK))], [Interval(at(10), at(11))]
    )
    assert shown(joined) == ("2027-05-03T03:00:00-04:00", "2027-05-03T05:00:00-04:00")
    first, second = subtract([Interval(at(9), at(12))], [Interval(at(4, tz=NEW_YORK), at(11))])
    assert [shown(first), shown(second)] == [
        ("2027-05-03T09:00:00+02:00", "2027-05-03T10:00:00+02:00"),
        ("2027-05-03T11:00:00+02:00", "2027-05-03T12:00:00+02:00"),
    ]
    (common,) = intersect([Interval(at(9), at(12))], [Interval(at(4, tz=NEW_YORK), at(11))])
    assert shown(common) == ("2027-05-03T10:00:00+02:00", "2027-05-03T11:00:00+02:00")
    (inside,) = subtract(
        [Interval(at(9), at(12))], [Interval(at(8), at(10)), Interval(at(11), at(13))]
    )
    assert shown(inside) == ("2027-05-03T10:00:00+02:00", "2027-05-03T11:00:00+02:00")
    assert inside.end.tzinfo is BERLIN


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [(SUNDAY, 0, 60), (SATURDAY, 1380, 1440), (SATURDAY, 0, 1440), (MONDAY, 0, 1)],
)
def test_windows_at_the_ends_of_the_week_and_of_the_day_are_valid(day, start, end):
    validate_windows([WeeklyWindow(day, start, end)])
    first = date(2027, 5, 2) + timedelta(days=(day - 0) % 7)  # 2 May 2027 is a Sunday
    (span,) = expand_weekly([WeeklyWindow(day, start, end)], BERLIN, first, first)
    assert span.start == local_datetime(first, start, BERLIN)
    assert span.end == local_datetime(first, end, BERLIN)


@pytest.mark.parametrize(
    "bad",
    [
        WeeklyWindow(True, 540, 600),
        WeeklyWindow(1, True, 600),
        WeeklyWindow(1, 540, 600.0),
        WeeklyWindow(1, 1440, 1441),
        WeeklyWindow("1", 540, 600),
    ],
)
def test_windows_of_the_wrong_type_are_refused_with_a_message(bad):
    with pytest.raises(ValidationError) as caught:
        validate_windows([bad])
    assert caught.value.field == "windows"
    assert caught.value.message


def test_window_errors_say_which_window_and_day():
    with pytest.raises(ValidationError) as caught:
        validate_windows([WeeklyWindow(SATURDAY, 600, 540)])
    assert caught.value.message == (
        "The window 10:00–09:00 on Saturday must start before it ends, within 00:00–24:00."
    )
    with pytest.raises(ValidationError) as caught:
        validate_windows([WeeklyWindow(7, 540, 600)])
    assert caught.value.message == "Day of week must be 0 (Sunday) to 6 (Saturday), not 7."
    with pytest.raises(ValidationError) as caught:
        validate_windows([WeeklyWindow(SUNDAY, 1380, 1500)])
    assert caught.value.message == (
        "The window 23:00–1500 on Sunday must start before it ends, within 00:00–24:00."
    )


def test_three_windows_on_a_day_are_each_checked_against_the_next():
    fine = [WeeklyWindow(MONDAY, 540, 600), WeeklyWindow(MONDAY, 600, 660)]
    validate_windows([*fine, WeeklyWindow(MONDAY, 660, 720)])
    with pytest.raises(ValidationError) as caught:
        validate_windows([*fine, WeeklyWindow(MONDAY, 659, 720)])
    assert caught.value.message == "10:00–11:00 overlaps 10:59–12:00 on Monday."
    with pytest.raises(ValidationError) as caught:
        validate_windows([WeeklyWindow(SATURDAY, 540, 600), WeeklyWindow(SATURDAY, 540, 560)])
    assert caught.value.message == "09:00–09:20 overlaps 09:00–10:00 on Saturday."


def test_clock_errors_name_the_field_and_the_value():
    with pytest.raises(ValidationError) as caught:
        parse_hhmm(930, field="start_time")  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.message) == (
        "start_time",
        "A time of day must be text such as 09:30.",
    )
    with pytest.raises(ValidationError) as caught:
        parse_hhmm(" 25:00 ", field="end_time")
    assert (caught.value.field, caught.value.message) == (
        "end_time",
        "25:00 is not a time between 00:00 and 24:00.",
    )
    with pytest.raises(ValidationError) as caught:
        parse_hhmm("9.30")
    assert caught.value.message == "'9.30' is not a time of day; use HH:MM, e.g. 09:30."
    with pytest.raises(ValidationError) as caught:
        format_hhmm(1441)
    assert caught.value.message == "1441 minutes is not a time between 00:00 and 24:00."
    with pytest.raises(ValidationError) as caught:
        format_hhmm("9")  # type: ignore[arg-type]
    assert caught.value.message == "'9' is not a number of minutes."
    with pytest.raises(ValidationError) as caught:
        local_datetime(date(2027, 5, 3), True, BERLIN)  # type: ignore[arg-type]
    assert caught.value.message == "True is not a number of minutes."
    with pytest.raises(ValidationError) as caught:
        local_datetime(date(2027, 5, 3), -5, BERLIN)
    assert caught.value.message == "-5 minutes is not a time between 00:00 and 24:00."


def test_a_validation_error_reads_as_its_message():
    error = ValidationError("The end date must be a date.", "end_date")
    assert str(error) == "The end date must be a date."
    assert (error.message, error.field) == ("The end date must be a date.", "end_date")
    assert ValidationError("No field.").field is None


def test_an_existing_session_without_a_zone_is_refused_by_name():
    naive = frozenset({("s1", datetime(2027, 3, 1, 10))})
    with pytest.raises(ValidationError) as caught:
        CoachCalendar("c1", BERLIN, existing_keys=naive)
    assert (
        caught.value.message == "The existing session start 2027-03-01T10:00:00 has no time zone."
    )

"""The nightly plan at its edges: the first and last day of the horizon, occurrences a spring gap
swallows, and exactly what the plan reports as skipped or colliding."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from coachapp.scheduling import (
    UTC,
    BusyInterval,
    CoachCalendar,
    Interval,
    Occurrence,
    local_datetime,
    plan_materialization,
)
from coachapp.scheduling.materialize import Unfinished, unfinished_series
from tests.unit.test_scheduling_materialize import series

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2027, 3, 1)  # a Monday: the horizon is 1 March to 11 April (a Sunday)
SUNDAY, MONDAY, TUESDAY = 0, 1, 2


def span(day: date, start: int, end: int) -> Interval:
    return Interval(local_datetime(day, start, BERLIN), local_datetime(day, end, BERLIN))


def occurrence(id: str, day: date, start: int = 600, end: int = 660, coach_id: str = "c1"):
    return Occurrence(id, coach_id, day, span(day, start, end))


def test_the_last_day_of_the_horizon_is_planned_and_the_next_is_not():
    sunday = series("sun", day=SUNDAY)
    monday = series("mon")
    plan = plan_materialization([sunday, monday], {"c1": CoachCalendar("c1", BERLIN)}, TODAY)
    assert [p.local_date for p in plan.create if p.series_id == "sun"][-1] == date(2027, 4, 11)
    assert [p.local_date for p in plan.create if p.series_id == "mon"][-1] == date(2027, 4, 5)
    one_week = plan_materialization(
        [sunday, monday], {"c1": CoachCalendar("c1", BERLIN)}, TODAY, weeks=1
    )
    assert [p.local_date for p in one_week.create] == [date(2027, 3, 1), date(2027, 3, 7)]


def test_a_series_ending_on_the_first_day_of_the_horizon_is_planned_once():
    ending = series(end_date=TODAY)
    plan = plan_materialization([ending], {"c1": CoachCalendar("c1", BERLIN)}, TODAY)
    assert [p.local_date for p in plan.create] == [TODAY]


def test_a_spring_gap_swallowing_one_occurrence_keeps_the_later_ones():
    # 02:00–03:00 does not exist in Berlin on 28 March 2027
    night = series("night", day=SUNDAY, start=120, end=180)
    plan = plan_materialization([night], {"c1": CoachCalendar("c1", BERLIN)}, TODAY)
    assert [p.local_date for p in plan.create] == [
        date(2027, 3, 7),
        date(2027, 3, 14),
        date(2027, 3, 21),
        date(2027, 4, 4),
        date(2027, 4, 11),
    ]
    assert plan.collisions == plan.skipped_blocked == plan.skipped_existing == ()
    left = unfinished_series([night], {"c1": CoachCalendar("c1", BERLIN)}, TODAY)
    assert left == Unfinished((night,), 0, local_datetime(date(2027, 3, 7), 120, BERLIN))


def test_unfinished_series_looks_past_a_swallowed_occurrence():
    night = series("night", day=SUNDAY, start=120, end=180)
    made = {date(2027, 3, 7), date(2027, 3, 14), date(2027, 3, 21)}
    keys = frozenset(("night", local_datetime(day, 120, BERLIN)) for day in made)
    left = unfinished_series(
        [night], {"c1": CoachCalendar("c1", BERLIN, existing_keys=keys)}, TODAY
    )
    assert left == Unfinished((night,), 0, local_datetime(date(2027, 4, 4), 120, BERLIN))


def test_skipped_and_colliding_occurrences_are_reported_in_full_and_in_time_order():
    blocked = (span(date(2027, 3, 15), 0, 1440), span(date(2027, 3, 2), 0, 1440))
    busy = (BusyInterval(span(date(2027, 3, 16), 630, 690), "one-off"),)
    made = frozenset({("tue", local_datetime(date(2027, 3, 9), 600, BERLIN).astimezone(UTC))})
    calendar = CoachCalendar("c1", BERLIN, blocked=blocked, busy=busy, existing_keys=made)
    tue = series("tue", day=TUESDAY)
    mon = series("mon")
    late = series("late", start=630, end=690)
    plan = plan_materialization([tue, mon, late], {"c1": calendar}, TODAY, weeks=3)
    assert plan.skipped_blocked == (
        occurrence("tue", date(2027, 3, 2)),
        occurrence("mon", date(2027, 3, 15)),
        occurrence("late", date(2027, 3, 15), 630, 690),
    )
    assert plan.skipped_existing == (occurrence("tue", date(2027, 3, 9)),)
    assert plan.collisions == (
        occurrence("late", date(2027, 3, 1), 630, 690),
        occurrence("late", date(2027, 3, 8), 630, 690),
        occurrence("tue", date(2027, 3, 16)),
    )
    assert [(p.series_id, p.local_date) for p in plan.create] == [
        ("mon", date(2027, 3, 1)),
        ("mon", date(2027, 3, 8)),
    ]
    created = plan.create[0]
    assert (created.coach_id, created.member_id, created.room_id) == ("c1", "m-mon", None)
    assert created.interval == span(date(2027, 3, 1), 600, 660)
    assert created.interval.start.isoformat() == "2027-03-01T10:00:00+01:00"
    assert created.interval.end.isoformat() == "2027-03-01T11:00:00+01:00"
    assert created.interval.start_utc.tzinfo is UTC and created.interval.end_utc.tzinfo is UTC


def test_one_series_given_twice_is_made_once_and_not_reported_as_a_collision():
    plan = plan_materialization([series(), series()], {"c1": CoachCalendar("c1", BERLIN)}, TODAY)
    assert len(plan.create) == 6
    assert len(plan.skipped_existing) == 6
    assert plan.collisions == ()


def test_later_series_may_fill_time_before_an_accepted_one_but_not_overlap_it():
    late = series("late", start=660, end=720)
    early = series("early", start=600, end=660)  # ends as late begins
    plan = plan_materialization([late, early], {"c1": CoachCalendar("c1", BERLIN)}, TODAY)
    assert len(plan.create) == 12 and plan.collisions == ()
    overlapping = series("early", start=600, end=661)
    plan = plan_materialization([late, overlapping], {"c1": CoachCalendar("c1", BERLIN)}, TODAY)
    assert {p.series_id for p in plan.create} == {"late"}
    assert len(plan.collisions) == 6


def test_between_two_accepted_series_a_third_must_fit_the_gap():
    first = series("first", start=540, end=600)
    third = series("third", start=660, end=720)
    between = series("between", start=600, end=660)
    squeezed = series("squeezed", start=599, end=660, day=MONDAY)
    calendar = {"c1": CoachCalendar("c1", BERLIN)}
    plan = plan_materialization([first, third, between], calendar, TODAY)
    assert len(plan.create) == 18 and plan.collisions == ()
    plan = plan_materialization([first, third, squeezed], calendar, TODAY)
    assert {o.series_id for o in plan.collisions} == {"squeezed"}


def test_busy_time_and_blocks_that_only_touch_an_occurrence_leave_it_alone():
    day = date(2027, 3, 1)
    calendar = CoachCalendar(
        "c1",
        BERLIN,
        blocked=(span(day, 540, 600), span(day, 660, 720)),
        busy=(span(day, 480, 600), span(day, 660, 700)),
    )
    plan = plan_materialization([series()], {"c1": calendar}, TODAY, weeks=1)
    assert [p.local_date for p in plan.create] == [day]


def test_an_addition_must_cover_the_whole_blocked_occurrence():
    day = date(2027, 3, 1)
    exact = CoachCalendar(
        "c1", BERLIN, blocked=(span(day, 0, 1440),), additions=(span(day, 600, 660),)
    )
    plan = plan_materialization([series()], {"c1": exact}, TODAY, weeks=1)
    assert [p.local_date for p in plan.create] == [day]
    short = CoachCalendar(
        "c1", BERLIN, blocked=(span(day, 0, 1440),), additions=(span(day, 601, 660),)
    )
    plan = plan_materialization([series()], {"c1": short}, TODAY, weeks=1)
    assert plan.create == ()
    assert [o.local_date for o in plan.skipped_blocked] == [day]


def test_calendar_accepts_sessions_as_busy_blocked_and_added_time():
    day = date(2027, 3, 1)
    held = BusyInterval(span(day, 600, 660), "s9")
    calendar = CoachCalendar("c1", BERLIN, blocked=(held,), additions=(held,), busy=(held,))
    assert calendar.blocked == calendar.additions == calendar.busy == (span(day, 600, 660),)
    key = ("s1", datetime(2027, 3, 1, 10, tzinfo=BERLIN))
    assert CoachCalendar("c1", BERLIN, existing_keys=frozenset({key})).existing_keys == {
        ("s1", datetime(2027, 3, 1, 9, tzinfo=UTC))
    }
    assert all(
        start.tzinfo is UTC
        for _, start in CoachCalendar("c1", BERLIN, existing_keys=frozenset({key})).existing_keys
    )


def test_plans_of_several_coaches_are_sorted_by_start_then_coach_then_series():
    calendars = {c: CoachCalendar(c, BERLIN) for c in ("b", "a")}
    plan = plan_materialization(
        [
            series("y", coach_id="b"),
            series("x", coach_id="b", day=TUESDAY),
            series("z", coach_id="a"),
            series("w", coach_id="a", start=630, end=690),
        ],
        calendars,
        TODAY,
        weeks=1,
    )
    assert [(p.coach_id, p.series_id) for p in plan.create] == [
        ("a", "z"),
        ("b", "y"),
        ("b", "x"),
    ]
    assert [(o.coach_id, o.series_id) for o in plan.collisions] == [("a", "w")]
    same_start = plan_materialization(
        [series("q"), series("p", coach_id="c2")],
        {"c1": CoachCalendar("c1", BERLIN), "c2": CoachCalendar("c2", BERLIN)},
        TODAY,
        weeks=1,
    )
    assert [(p.coach_id, p.series_id) for p in same_start.create] == [("c1", "q"), ("c2", "p")]
    same_coach = plan_materialization(
        [series("q"), series("p"), series("o", day=TUESDAY)],
        {"c1": CoachCalendar("c1", BERLIN, busy=(span(date(2027, 3, 1), 0, 1440),))},
        TODAY,
        weeks=1,
    )
    assert [o.series_id for o in same_coach.collisions] == ["p", "q"]
    assert [p.series_id for p in same_coach.create] == ["o"]


def test_since_is_the_earliest_unmade_start_across_series():
    early = series("early", day=TUESDAY, start=480, end=540)
    later = series("later", day=MONDAY, start=700, end=760)
    left = unfinished_series([early, later], {"c1": CoachCalendar("c1", BERLIN)}, TODAY)
    assert left.since == local_datetime(TODAY, 700, BERLIN)
    left = unfinished_series([later, early], {"c1": CoachCalendar("c1", BERLIN)}, TODAY)
    assert left.since == local_datetime(TODAY, 700, BERLIN)
    assert left.done == 0
    assert unfinished_series([], {}, TODAY) == Unfinished((), 0, None)

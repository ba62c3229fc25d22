"""The nightly plan of sessions from recurring bookings."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coachapp.scheduling import (
    UTC,
    BusyInterval,
    CoachCalendar,
    Interval,
    RecurringSeries,
    local_datetime,
    occurrence_dates,
    plan_materialization,
)
from coachapp.scheduling.materialize import Unfinished, unfinished_series
from coachapp.scheduling.recurrence import occurrence_ordinals
from tests.unit.test_scheduling_properties import coach_books

BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")
TODAY = date(2027, 3, 1)  # a Monday
MONDAY, TUESDAY, SUNDAY = 1, 2, 0


def series(
    id: str = "s1",
    coach_id: str = "c1",
    day: int = MONDAY,
    start: int = 600,
    end: int = 660,
    start_date: date = date(2027, 1, 4),
    end_date: date | None = None,
    frequency: int = 1,
    room_id: str | None = None,
) -> RecurringSeries:
    return RecurringSeries(
        id, coach_id, day, start, end, start_date, end_date, frequency, f"m-{id}", room_id
    )


def calendar(coach_id: str = "c1", tz: ZoneInfo = BERLIN, **extra) -> CoachCalendar:
    return CoachCalendar(coach_id, tz, **extra)


def day_span(day: date, tz: ZoneInfo = BERLIN, start: int = 0, end: int = 1440) -> Interval:
    return Interval(local_datetime(day, start, tz), local_datetime(day, end, tz))


def test_six_weeks_from_today_inclusive_to_today_plus_42_exclusive():
    plan = plan_materialization([series()], {"c1": calendar()}, TODAY)
    assert [p.local_date for p in plan.create] == [TODAY + timedelta(weeks=w) for w in range(6)]
    first = plan.create[0]
    assert first.interval.start.isoformat() == "2027-03-01T10:00:00+01:00"
    assert (first.series_id, first.coach_id, first.member_id) == ("s1", "c1", "m-s1")
    assert plan.create[-1].interval.start.isoformat() == "2027-04-05T10:00:00+02:00"


def test_wall_clock_holds_in_sydney_across_april_change():
    plan = plan_materialization(
        [series(coach_id="c2", day=SUNDAY)], {"c2": calendar("c2", SYDNEY)}, date(2027, 3, 28)
    )
    assert {p.interval.start.strftime("%H:%M") for p in plan.create} == {"10:00"}
    assert [p.interval.start.utcoffset() for p in plan.create[:2]] == [
        timedelta(hours=11),
        timedelta(hours=10),
    ]


def test_end_date_mid_horizon_and_bi_weekly():
    ending = series("a", end_date=date(2027, 3, 15))
    biweekly = series("b", day=TUESDAY, start_date=date(2027, 3, 9), frequency=2)
    plan = plan_materialization([ending, biweekly], {"c1": calendar()}, TODAY)
    assert [(p.series_id, p.local_date) for p in plan.create] == [
        ("a", date(2027, 3, 1)),
        ("a", date(2027, 3, 8)),
        ("b", date(2027, 3, 9)),
        ("a", date(2027, 3, 15)),
        ("b", date(2027, 3, 23)),
        ("b", date(2027, 4, 6)),
    ]


def test_blocked_occurrence_is_skipped_unless_an_addition_covers_it():
    blocked = (day_span(date(2027, 3, 8)), day_span(date(2027, 3, 15)))
    additions = (day_span(date(2027, 3, 15), start=600, end=660),)
    plan = plan_materialization(
        [series()], {"c1": calendar(blocked=blocked, additions=additions)}, TODAY
    )
    assert [o.local_date for o in plan.skipped_blocked] == [date(2027, 3, 8)]
    assert date(2027, 3, 15) in [p.local_date for p in plan.create]


def test_addition_covering_only_part_does_not_unblock():
    blocked = (day_span(date(2027, 3, 8)),)
    additions = (day_span(date(2027, 3, 8), start=600, end=630),)
    plan = plan_materialization(
        [series()], {"c1": calendar(blocked=blocked, additions=additions)}, TODAY
    )
    assert [o.local_date for o in plan.skipped_blocked] == [date(2027, 3, 8)]


def test_existing_occurrences_are_skipped_whatever_zone_the_key_is_in():
    existing = frozenset(
        {
            ("s1", datetime(2027, 3, 1, 9, tzinfo=UTC)),
            ("s1", datetime(2027, 3, 8, 10, tzinfo=BERLIN)),
            ("other", datetime(2027, 3, 15, 9, tzinfo=UTC)),
        }
    )
    plan = plan_materialization([series()], {"c1": calendar(existing_keys=existing)}, TODAY)
    assert [o.local_date for o in plan.skipped_existing] == [date(2027, 3, 1), date(2027, 3, 8)]
    assert len(plan.create) == 4


def test_collision_with_a_scheduled_session_is_reported_not_created():
    busy = (BusyInterval(day_span(date(2027, 3, 8), start=630, end=690), "one-off"),)
    plan = plan_materialization([series()], {"c1": calendar(busy=busy)}, TODAY)
    assert [o.local_date for o in plan.collisions] == [date(2027, 3, 8)]
    assert date(2027, 3, 8) not in [p.local_date for p in plan.create]


def test_between_two_series_the_earlier_one_wins():
    first = series("first")
    second = series("second", start=630, end=690)
    plan = plan_materialization([first, second], {"c1": calendar()}, TODAY)
    assert {p.series_id for p in plan.create} == {"first"}
    assert {o.series_id for o in plan.collisions} == {"second"}
    assert len(plan.collisions) == 6


def test_back_to_back_series_both_fit():
    plan = plan_materialization(
        [series("a"), series("b", start=660, end=720)], {"c1": calendar()}, TODAY
    )
    assert len(plan.create) == 12
    assert plan.collisions == ()


def test_room_is_the_series_room_else_the_coach_default():
    plan = plan_materialization(
        [series("a", room_id="studio"), series("b", day=TUESDAY)],
        {"c1": calendar(default_room_id="gym")},
        TODAY,
    )
    assert {(p.series_id, p.room_id) for p in plan.create} == {("a", "studio"), ("b", "gym")}
    plan = plan_materialization([series()], {"c1": calendar()}, TODAY)
    assert {p.room_id for p in plan.create} == {None}


def test_coaches_are_planned_apart_each_in_their_zone():
    plan = plan_materialization(
        [series("a", coach_id="berlin"), series("b", coach_id="sydney")],
        {"berlin": calendar("berlin"), "sydney": calendar("sydney", SYDNEY)},
        TODAY,
        weeks=1,
    )
    assert [(p.coach_id, p.interval.start.isoformat()) for p in plan.create] == [
        ("sydney", "2027-03-01T10:00:00+11:00"),
        ("berlin", "2027-03-01T10:00:00+01:00"),
    ]


def test_a_series_without_a_calendar_is_an_error():
    with pytest.raises(KeyError):
        plan_materialization([series(coach_id="ghost")], {}, TODAY)


def test_second_run_on_the_first_runs_sessions_creates_nothing():
    all_series = [series("a"), series("b", start=630, end=690), series("c", day=SUNDAY)]
    blocked = (day_span(date(2027, 3, 14)),)
    first = plan_materialization(all_series, {"c1": calendar(blocked=blocked)}, TODAY)
    again = calendar(
        blocked=blocked,
        busy=tuple(p.interval for p in first.create),
        existing_keys=frozenset((p.series_id, p.interval.start_utc) for p in first.create),
    )
    second = plan_materialization(all_series, {"c1": again}, TODAY)
    assert second.create == ()
    assert len(second.skipped_existing) == len(first.create)
    assert second.skipped_blocked == first.skipped_blocked


def test_unfinished_series_sets_aside_only_wholly_made_series():
    made, partial, fresh = series("made"), series("partial", day=TUESDAY), series("fresh", day=3)
    first = plan_materialization([made, partial, fresh], {"c1": calendar()}, TODAY)
    keys = {(p.series_id, p.interval.start_utc) for p in first.create if p.series_id == "made"}
    partial_made = [p for p in first.create if p.series_id == "partial"][:2]
    keys |= {(p.series_id, p.interval.start_utc) for p in partial_made}
    left = unfinished_series([fresh, made, partial], {"c1": calendar(existing_keys=keys)}, TODAY)
    assert [s.id for s in left.series] == ["fresh", "partial"]
    assert left.done == 6
    # the earliest occurrence not made: partial's third Tuesday comes after fresh's first Wednesday
    fresh_first = next(p for p in first.create if p.series_id == "fresh")
    assert left.since == fresh_first.interval.start_utc
    assert unfinished_series([made], {"c1": calendar(existing_keys=keys)}, TODAY) == Unfinished(
        (), 6, None
    )


def test_unfinished_series_reads_keys_in_any_zone_and_ignores_swallowed_occurrences():
    # 02:00-03:00 on Sundays vanishes in Berlin's spring gap on 28 March 2027
    sunday = series("gap", day=SUNDAY, start=120, end=180, start_date=date(2027, 3, 7))
    days = [date(2027, 3, 7) + timedelta(weeks=w) for w in range(6)]
    keys = frozenset(
        ("gap", local_datetime(day, 120, BERLIN)) for day in days if day != date(2027, 3, 28)
    )
    assert all(start.tzinfo is BERLIN for _, start in keys)
    left = unfinished_series([sunday], {"c1": calendar(existing_keys=keys)}, date(2027, 3, 7))
    assert left == Unfinished((), 5, None)


def test_planning_only_unfinished_series_gives_the_same_plan():
    """Set-aside series change nothing for the others: blocks, busy time and collisions alike."""
    all_series = [
        series("a"),
        series("b", start=630, end=690),  # collides with a every week
        series("c", day=SUNDAY),
        series("d", day=TUESDAY, frequency=2, start_date=date(2027, 3, 9)),
        series("e", day=TUESDAY, start=700, end=760, end_date=date(2027, 3, 20)),
    ]
    blocked = (day_span(date(2027, 3, 14)), day_span(date(2027, 3, 16)))
    additions = (day_span(date(2027, 3, 16), start=600, end=660),)
    busy = (day_span(date(2027, 3, 22), start=580, end=610),)
    first = plan_materialization(
        all_series, {"c1": calendar(blocked=blocked, additions=additions, busy=busy)}, TODAY
    )
    made = [p for p in first.create if p.series_id in ("c", "d") or p.local_date.day < 10]
    again = calendar(
        blocked=blocked,
        additions=additions,
        busy=busy + tuple(p.interval for p in made),
        existing_keys=frozenset((p.series_id, p.interval.start_utc) for p in made),
    )
    whole = plan_materialization(all_series, {"c1": again}, TODAY)
    left = unfinished_series(all_series, {"c1": again}, TODAY)
    # c keeps its blocked Sunday (never made), so it stays unfinished; d is wholly made
    assert [s.id for s in left.series] == ["a", "b", "c", "e"]
    part = plan_materialization(left.series, {"c1": again}, TODAY)
    assert part.create == whole.create != ()
    assert part.skipped_blocked == whole.skipped_blocked != ()
    assert part.collisions == whole.collisions != ()
    assert left.done + len(part.skipped_existing) == len(whole.skipped_existing)
    assert min(o.interval.start_utc for o in whole.create + whole.collisions) >= left.since


def test_occurrence_ordinals_match_the_dates():
    biweekly = series("b", day=TUESDAY, start_date=date(2027, 1, 6), frequency=2)
    for item in (series(), biweekly, series("e", end_date=date(2027, 3, 15))):
        days = occurrence_ordinals(item, TODAY.toordinal(), TODAY.toordinal() + 41)
        assert [date.fromordinal(d) for d in days] == occurrence_dates(
            item, TODAY, TODAY + timedelta(days=41)
        )


@settings(max_examples=100, deadline=None, database=None)
@given(coach_books(), st.randoms(use_true_random=False))
def test_setting_aside_made_series_never_changes_the_plan(books, rng):
    """Whatever part of a first plan was made, planning only the unfinished series decides the
    same as planning them all."""
    all_series, calendars, today = books
    first = plan_materialization(all_series, calendars, today)
    made = [p for p in first.create if rng.random() < 0.7]
    again = {
        coach_id: replace(
            cal,
            busy=cal.busy + tuple(p.interval for p in made if p.coach_id == coach_id),
            existing_keys=frozenset(
                (p.series_id, p.interval.start_utc) for p in made if p.coach_id == coach_id
            ),
        )
        for coach_id, cal in calendars.items()
    }
    whole = plan_materialization(all_series, again, today)
    left = unfinished_series(all_series, again, today)
    part = plan_materialization(left.series, again, today)
    assert (part.create, part.skipped_blocked, part.collisions) == (
        whole.create,
        whole.skipped_blocked,
        whole.collisions,
    )
    assert left.done + len(part.skipped_existing) == len(whole.skipped_existing)
    assert set(part.skipped_existing) <= set(whole.skipped_existing)
    decided = whole.create + whole.skipped_blocked + whole.collisions
    assert all(o.interval.start_utc >= left.since for o in decided)
    assert (left.since is None) == (left.series == ())

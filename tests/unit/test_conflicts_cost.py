"""What a conflict check costs: the local dates it lays the weekly template out on follow the
sessions checked, not the days between them (a session in year 8999 once froze a coach's pages).

The work is counted, not timed: every local date the template is laid out on passes through
``weekly.day_of_week`` once, so counting those calls counts the days expanded.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from coachapp.scheduling import (
    Interval,
    SessionSpan,
    WeeklyWindow,
    availability,
    covers,
    find_conflicts,
    local_datetime,
)
from coachapp.scheduling import weekly as weekly_module

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2027, 5, 3)
WINDOWS = [WeeklyWindow(day, 540, 1020) for day in range(1, 6)] + [WeeklyWindow(6, 1320, 1440)]


def session(session_id: str, day: date, start: int, end: int) -> SessionSpan:
    return SessionSpan(
        session_id, Interval(local_datetime(day, start, BERLIN), local_datetime(day, end, BERLIN))
    )


def count_days(monkeypatch) -> list[int]:
    """Count the local dates the weekly template is laid out on from now on."""
    seen = [0]
    real = weekly_module.day_of_week

    def counting(day: date) -> int:
        seen[0] += 1
        return real(day)

    monkeypatch.setattr(weekly_module, "day_of_week", counting)
    return seen


def test_a_session_two_years_out_costs_as_little_as_one_next_week(monkeypatch):
    near = [session("near", MONDAY, 600, 660)]
    far = near + [session("far", MONDAY + timedelta(days=730), 600, 660)]
    seen = count_days(monkeypatch)
    assert find_conflicts(near, WINDOWS, BERLIN) == []
    alone = seen[0]
    seen[0] = 0
    assert find_conflicts(far, WINDOWS, BERLIN) == []
    assert alone <= 4 and seen[0] <= 2 * alone, (alone, seen[0])


def test_a_session_in_year_8999_is_judged_without_laying_out_the_years_between(monkeypatch):
    sessions = [
        session("near", MONDAY, 600, 660),
        session("far", date(8999, 6, 8), 1380, 1440),  # a Saturday, inside 22:00–24:00
        session("outside", date(8999, 6, 9), 600, 660),  # the Sunday after: no window
    ]
    seen = count_days(monkeypatch)
    found = find_conflicts(sessions, WINDOWS, BERLIN)
    assert [c.session_id for c in found] == ["outside"]
    assert seen[0] <= 12


def test_sessions_on_neighbouring_days_share_the_dates_laid_out(monkeypatch):
    week = [session(str(i), MONDAY + timedelta(days=i), 600, 660) for i in range(5)]
    seen = count_days(monkeypatch)
    assert find_conflicts(week, WINDOWS, BERLIN) == []
    assert seen[0] == 7  # Sunday before to Saturday after, each once


def test_a_session_running_past_midnight_is_covered_by_the_next_days_window():
    friday_late = [WeeklyWindow(5, 1320, 1440), WeeklyWindow(6, 0, 120)]
    friday = MONDAY + timedelta(days=4)
    span = SessionSpan(
        "late",
        Interval(
            local_datetime(friday, 1380, BERLIN),
            local_datetime(friday + timedelta(days=1), 60, BERLIN),
        ),
    )
    assert find_conflicts([span], friday_late, BERLIN) == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 47), st.integers(1, 8)),
        min_size=1,
        max_size=8,
    )
)
def test_the_answer_is_that_of_the_template_laid_out_over_the_whole_range(picks):
    """Laying the template out only around the sessions changes the cost, never the answer."""
    sessions = [
        SessionSpan(
            str(i),
            Interval(
                local_datetime(MONDAY + timedelta(days=day), half_hour * 30, BERLIN),
                local_datetime(MONDAY + timedelta(days=day), half_hour * 30, BERLIN)
                + timedelta(minutes=30 * halves),
            ),
        )
        for i, (day, half_hour, halves) in enumerate(picks)
    ]
    whole = availability(
        WINDOWS, BERLIN, MONDAY - timedelta(days=2), MONDAY + timedelta(days=63)
    )
    expected = [s.session_id for s in sessions if not covers(whole, s.interval)]
    assert [c.session_id for c in find_conflicts(sessions, WINDOWS, BERLIN)] == expected

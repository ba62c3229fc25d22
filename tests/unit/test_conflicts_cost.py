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


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 47), st.integers(1, 8)),
        min_size=1,
        max_size=8,
    ),
    st.integers(365, 3 * 730),
)
def test_each_session_is_judged_as_alone_and_the_cost_follows_the_sessions(picks, far_days):
    """Laying the template out only around the sessions never changes an answer (each session is
    judged as if checked alone, against the template around its own dates), and the dates laid out
    stay within a few per session, however far apart they lie."""
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
    far = MONDAY + timedelta(days=far_days)
    sessions.append(session("far", far, 600, 660))

    def alone(span: SessionSpan) -> bool:
        first = span.interval.start.astimezone(BERLIN).date() - timedelta(days=2)
        last = span.interval.end.astimezone(BERLIN).date() + timedelta(days=2)
        return covers(availability(WINDOWS, BERLIN, first, last), span.interval)

    expected = [s.session_id for s in sessions if not alone(s)]
    seen = [0]
    real = weekly_module.day_of_week

    def counting(day: date) -> int:
        seen[0] += 1
        return real(day)

    weekly_module.day_of_week = counting
    try:
        found = find_conflicts(sessions, WINDOWS, BERLIN)
    finally:
        weekly_module.day_of_week = real
    assert [c.session_id for c in found] == expected
    assert seen[0] <= 4 * len(sessions), (seen[0], len(sessions))

"""Conflicts: scheduled sessions that no longer fit availability, with the reason."""

from datetime import date
from zoneinfo import ZoneInfo

from coachapp.scheduling import (
    Conflict,
    Interval,
    SessionSpan,
    WeeklyWindow,
    find_conflicts,
    local_datetime,
)

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = 1
DAY = date(2027, 5, 3)  # a Monday
WINDOWS = [WeeklyWindow(MONDAY, 540, 720), WeeklyWindow(MONDAY, 720, 780)]


def span(start: int, end: int, day: date = DAY) -> Interval:
    return Interval(local_datetime(day, start, BERLIN), local_datetime(day, end, BERLIN))


def session(session_id: str, start: int, end: int, day: date = DAY) -> SessionSpan:
    return SessionSpan(session_id, span(start, end, day))


def test_sessions_inside_the_template_are_fine_even_across_touching_windows():
    sessions = [session("a", 540, 600), session("b", 690, 750)]
    assert find_conflicts(sessions, WINDOWS, BERLIN) == []


def test_session_outside_the_template():
    sessions = [session("early", 480, 540), session("tuesday", 540, 600, date(2027, 5, 4))]
    assert find_conflicts(sessions, WINDOWS, BERLIN) == [
        Conflict("early", "outside_weekly_template"),
        Conflict("tuesday", "outside_weekly_template"),
    ]


def test_session_in_a_blocked_slot():
    blocked = [span(600, 660)]
    sessions = [session("a", 540, 600), session("b", 630, 690)]
    assert find_conflicts(sessions, WINDOWS, BERLIN, blocked=blocked) == [
        Conflict("b", "in_blocked_slot")
    ]


def test_addition_resolves_both_kinds():
    blocked = [span(600, 660)]
    additions = [span(600, 660), span(1080, 1140)]
    sessions = [session("kept", 600, 660), session("evening", 1080, 1140)]
    assert find_conflicts(sessions, WINDOWS, BERLIN, blocked, additions) == []


def test_blocked_part_reopened_by_an_addition_leaves_the_template_as_the_reason():
    blocked = [span(480, 600)]
    additions = [span(480, 540)]
    sessions = [session("a", 480, 600)]
    assert find_conflicts(
        sessions, [WeeklyWindow(MONDAY, 600, 720)], BERLIN, blocked, additions
    ) == [Conflict("a", "in_blocked_slot")]
    sessions = [session("b", 450, 540)]
    assert find_conflicts(sessions, WINDOWS, BERLIN, blocked, additions) == [
        Conflict("b", "outside_weekly_template")
    ]


def test_no_sessions_no_conflicts():
    assert find_conflicts([], WINDOWS, BERLIN) == []

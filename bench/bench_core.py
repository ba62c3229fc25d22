"""Timings of the scheduling core on realistic loads; prints a Markdown table.

Run as ``.venv/bin/python bench/bench_core.py``. The inputs are generated from a fixed seed, so
runs differ only by the machine.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from coachapp.scheduling import (
    CoachCalendar,
    Interval,
    RecurringSeries,
    SessionSpan,
    WeeklyWindow,
    availability,
    bookable_slots,
    find_conflicts,
    local_datetime,
    plan_materialization,
    series_collide,
)
from coachapp.scheduling.materialize import unfinished_series

TODAY = date(2027, 3, 1)
WEEKS = 6
ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata")


def median_ms(run: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``run`` in milliseconds, after one warm-up call."""
    run()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples) * 1000


def slot_case(rng: random.Random):
    """A coach with three windows every day for six weeks and 500 scheduled sessions."""
    tz = ZoneInfo("Europe/Berlin")
    windows = [
        WeeklyWindow(day, start * 60, end * 60)
        for day in range(7)
        for start, end in ((6, 10), (11, 15), (16, 22))
    ]
    last_day = TODAY + timedelta(days=7 * WEEKS - 1)
    busy = []
    for _ in range(500):
        day = TODAY + timedelta(days=rng.randrange(7 * WEEKS))
        start = local_datetime(day, rng.randrange(6 * 4, 22 * 4) * 15, tz)
        busy.append(Interval(start, start + timedelta(minutes=rng.choice((30, 45, 60, 90)))))
    now = local_datetime(TODAY, 12 * 60, tz)
    return tz, windows, last_day, busy, now


def plan_case(rng: random.Random, coaches: int = 100, per_coach: int = 100):
    """10,000 recurring bookings over 100 coaches in four zones, with blocks and busy hours.

    Each coach's series sit in distinct hours of the week, as booking validation keeps them, so
    collisions come only from one-off sessions; some series end within the horizon.
    """
    series = []
    calendars = {}
    for c in range(coaches):
        coach_id = f"coach-{c}"
        tz = ZoneInfo(ZONES[c % len(ZONES)])
        cells = rng.sample([(day, hour) for day in range(7) for hour in range(6, 21)], per_coach)
        for s, (day, hour) in enumerate(cells):
            start = hour * 60 + rng.choice((0, 0, 30)) if hour < 20 else hour * 60
            start_date = TODAY - timedelta(days=rng.randrange(0, 120))
            end_date = None
            if rng.random() < 0.2:
                end_date = TODAY + timedelta(days=rng.randrange(0, 60))
            series.append(
                RecurringSeries(
                    id=f"{coach_id}-s{s}",
                    coach_id=coach_id,
                    day_of_week=day,
                    start_minute=start,
                    end_minute=start + (30 if start % 60 else rng.choice((30, 60))),
                    start_date=start_date,
                    end_date=end_date,
                    frequency=rng.choice((1, 1, 2)),
                    member_id=f"member-{rng.randrange(5000)}",
                    room_id=rng.choice((None, "room-1", "room-2")),
                )
            )
        blocked = []
        for _ in range(3):
            day = TODAY + timedelta(days=rng.randrange(7 * WEEKS))
            blocked.append(Interval(local_datetime(day, 0, tz), local_datetime(day, 1440, tz)))
        additions = [
            Interval(
                local_datetime(b.start.date(), 600, tz), local_datetime(b.start.date(), 660, tz)
            )
            for b in blocked[:1]
        ]
        busy = []
        for _ in range(20):
            day = TODAY + timedelta(days=rng.randrange(7 * WEEKS))
            start = local_datetime(day, rng.randrange(6 * 4, 22 * 4) * 15, tz)
            busy.append(Interval(start, start + timedelta(minutes=60)))
        calendars[coach_id] = CoachCalendar(
            coach_id, tz, tuple(blocked), tuple(additions), tuple(busy), default_room_id="room-0"
        )
    return series, calendars


def conflict_case(far_days: int | None):
    """A coach's 84 sessions of the coming six weeks (two a day, at 07:00 and 17:00, in the slot
    case's week) and, with ``far_days``, one more at 03:00 that many days ahead (a conflict)."""
    tz = ZoneInfo("Europe/Berlin")
    spans = []
    for i in range(84):
        start = local_datetime(TODAY + timedelta(days=i // 2), 7 * 60 if i % 2 == 0 else 17 * 60, tz)
        spans.append(SessionSpan(str(i), Interval(start, start + timedelta(hours=1))))
    if far_days is not None:
        start = local_datetime(TODAY + timedelta(days=far_days), 3 * 60, tz)
        spans.append(SessionSpan("far", Interval(start, start + timedelta(hours=1))))
    return spans, tz


def main() -> None:
    """Run each case and print one Markdown table row per case."""
    rng = random.Random(20270301)
    tz, windows, last_day, busy, now = slot_case(rng)
    available = availability(windows, tz, TODAY, last_day)
    hour = timedelta(hours=1)
    slots = bookable_slots(available, busy, hour, now)
    slots_ms = median_ms(lambda: bookable_slots(available, busy, hour, now), 300)
    full_ms = median_ms(
        lambda: bookable_slots(availability(windows, tz, TODAY, last_day), busy, hour, now), 300
    )

    series, calendars = plan_case(rng)
    plan = plan_materialization(series, calendars, TODAY, WEEKS)
    plan_ms = median_ms(lambda: plan_materialization(series, calendars, TODAY, WEEKS), 9)
    rerun_calendars = {
        coach_id: CoachCalendar(
            coach_id,
            calendar.tz,
            calendar.blocked,
            calendar.additions,
            calendar.busy + tuple(p.interval for p in plan.create if p.coach_id == coach_id),
            frozenset(
                (p.series_id, p.interval.start_utc) for p in plan.create if p.coach_id == coach_id
            ),
            calendar.default_room_id,
        )
        for coach_id, calendar in calendars.items()
    }
    rerun = plan_materialization(series, rerun_calendars, TODAY, WEEKS)
    rerun_ms = median_ms(lambda: plan_materialization(series, rerun_calendars, TODAY, WEEKS), 9)
    left = unfinished_series(series, rerun_calendars, TODAY, WEEKS)
    left_ms = median_ms(lambda: unfinished_series(series, rerun_calendars, TODAY, WEEKS), 9)

    coach_series = [s for s in series if s.coach_id == "coach-0"]
    pairs = [(a, b) for a in coach_series[:1] for b in coach_series]
    berlin = ZoneInfo("Europe/Berlin")
    collide_ms = median_ms(lambda: [series_collide(a, b, berlin) for a, b in pairs], 50)

    conflict_windows = [
        WeeklyWindow(day, start * 60, end * 60)
        for day in range(7)
        for start, end in ((6, 10), (11, 15), (16, 22))
    ]
    near, zone = conflict_case(None)
    far, _ = conflict_case(730)
    near_ms = median_ms(lambda: find_conflicts(near, conflict_windows, zone), 300)
    far_ms = median_ms(lambda: find_conflicts(far, conflict_windows, zone), 300)
    far_found = find_conflicts(far, conflict_windows, zone)

    rows = [
        ("bookable_slots, 6 weeks, 3 windows/day, 500 busy", slots_ms, 2.0, f"{len(slots)} slots"),
        ("availability + bookable_slots, same coach", full_ms, None, f"{len(available)} intervals"),
        (
            "plan_materialization, 10,000 series / 100 coaches, 6 weeks",
            plan_ms,
            1000.0,
            f"{len(plan.create)} create, {len(plan.collisions)} collisions, "
            f"{len(plan.skipped_blocked)} blocked",
        ),
        (
            "plan_materialization rerun (all existing)",
            rerun_ms,
            1000.0,
            f"{len(rerun.create)} create, {len(rerun.skipped_existing)} existing",
        ),
        (
            "unfinished_series on the rerun (what the nightly job does first)",
            left_ms,
            None,
            f"{len(left.series)} series left, {left.done} occurrences made",
        ),
        (f"series_collide, {len(pairs)} pairs of one coach", collide_ms, None, ""),
        ("find_conflicts, 84 sessions in 6 weeks", near_ms, None, ""),
        (
            "find_conflicts, the same and one session 730 days ahead",
            far_ms,
            round(near_ms * 1.2, 2),
            f"× {far_ms / near_ms:.2f} of none (target ≤ × 1.2), {len(far_found)} conflict",
        ),
    ]
    print("| case | median | target | result |")
    print("| --- | ---: | ---: | --- |")
    for name, ms, target, note in rows:
        verdict = "" if target is None else (" ✅" if ms < target else " ❌")
        target_text = "" if target is None else f"< {target:g} ms"
        print(f"| {name} | {ms:.2f} ms | {target_text}{verdict} | {note} |")


if __name__ == "__main__":
    main()

"""Properties of the scheduling core, checked with hypothesis against simple oracles."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coachapp.scheduling import (
    UTC,
    CoachCalendar,
    Interval,
    RecurringSeries,
    WeeklyWindow,
    availability,
    bookable_slots,
    covers,
    intersect,
    local_datetime,
    normalize,
    occurrences,
    plan_materialization,
    series_collision_dates,
    subtract,
    union,
)

FAST = settings(max_examples=100, deadline=None, database=None)
ZONES = [
    ZoneInfo(name)
    for name in ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata")
] + [UTC]
DST_ZONES = ZONES[:3]
ANCHOR = datetime(2027, 3, 27, tzinfo=UTC)  # the weekend Berlin springs forward

zones = st.sampled_from(ZONES)


@st.composite
def intervals(draw, span_minutes: int = 4 * 1440) -> Interval:
    """An interval on a 5-minute grid within a few days, shown in some zone."""
    start = draw(st.integers(0, span_minutes // 5)) * 5
    length = draw(st.integers(1, 96)) * 5
    tz = draw(zones)
    begin = ANCHOR + timedelta(minutes=start)
    return Interval(begin.astimezone(tz), (begin + timedelta(minutes=length)).astimezone(tz))


interval_sets = st.lists(intervals(), max_size=8)


def member(instant: datetime, spans) -> bool:
    return any(s.start_utc <= instant < s.end_utc for s in spans)


def probe_points(*sets) -> list[datetime]:
    """Every boundary of the sets, and a minute either side: where membership can change."""
    points = set()
    for spans in sets:
        for s in spans:
            for edge in (s.start_utc, s.end_utc):
                points.update((edge - timedelta(minutes=1), edge, edge + timedelta(minutes=1)))
    return sorted(points)


def assert_normal(spans) -> None:
    assert all(a.end_utc < b.start_utc for a, b in zip(spans, spans[1:], strict=False))


@FAST
@given(interval_sets, interval_sets)
def test_set_operations_agree_with_membership(a, b):
    joined, cut, common = union(a, b), subtract(a, b), intersect(a, b)
    for spans in (joined, cut, common, normalize(a)):
        assert_normal(spans)
    for point in probe_points(a, b):
        in_a, in_b = member(point, a), member(point, b)
        assert member(point, joined) == (in_a or in_b)
        assert member(point, cut) == (in_a and not in_b)
        assert member(point, common) == (in_a and in_b)


@FAST
@given(interval_sets, interval_sets)
def test_union_and_subtraction_laws(a, b):
    joined = union(a, b)
    assert all(covers(joined, x) for x in [*a, *b])
    assert intersect(subtract(a, b), b) == ()
    assert union(subtract(a, b), intersect(a, b)) == normalize(a)
    assert normalize(normalize(a)) == normalize(a)
    assert union(a, b) == union(b, a)


@st.composite
def weekly_templates(draw) -> list[WeeklyWindow]:
    """Non-overlapping windows on a 15-minute grid, some on DST-change Sundays and midnight."""
    windows = []
    for day in range(7):
        cuts = sorted(set(draw(st.lists(st.integers(0, 96), max_size=6))))
        for start, end in zip(cuts[::2], cuts[1::2], strict=False):
            windows.append(WeeklyWindow(day, start * 15, end * 15))
    return windows


@FAST
@given(
    zone=zones,
    windows=weekly_templates(),
    blocked=st.lists(intervals(10 * 1440), max_size=4),
    additions=st.lists(intervals(10 * 1440), max_size=3),
    busy=st.lists(intervals(10 * 1440), max_size=25),
    minutes=st.sampled_from([15, 30, 45, 60, 90]),
    now_offset=st.integers(-1440, 8 * 1440),
)
def test_slots_are_exactly_the_free_grid_positions(
    zone, windows, blocked, additions, busy, minutes, now_offset
):
    duration = timedelta(minutes=minutes)
    now = ANCHOR + timedelta(minutes=now_offset)
    available = availability(windows, zone, date(2027, 3, 26), date(2027, 4, 5), blocked, additions)
    slots = bookable_slots(available, busy, duration, now)

    for slot in slots:
        assert slot.duration == duration
        assert slot.start_utc > now
        assert covers(available, slot)
        assert not any(slot.overlaps(b) for b in busy)
    assert all(a.end_utc <= b.start_utc for a, b in zip(slots, slots[1:], strict=False))

    expected = []
    for piece in available:
        start = piece.start_utc
        while start + duration <= piece.end_utc:
            candidate = Interval(start, start + duration)
            if start > now and not any(candidate.overlaps(b) for b in busy):
                expected.append(candidate)
            start += duration
    assert slots == expected


@st.composite
def recurring(draw, series_id: str = "s", day=None) -> RecurringSeries:
    """A series with times biased towards the small hours, where the clocks change."""
    start = draw(st.one_of(st.integers(4, 20), st.integers(28, 90))) * 15
    length = draw(st.integers(1, 12)) * 15
    start_date = date(2027, 1, 1) + timedelta(days=draw(st.integers(0, 400)))
    end_date = None
    if draw(st.booleans()):
        end_date = start_date + timedelta(days=draw(st.integers(0, 500)))
    return RecurringSeries(
        id=series_id,
        coach_id="c",
        day_of_week=draw(st.sampled_from([0, 0, 0, 1, 6])) if day is None else day,
        start_minute=start,
        end_minute=min(start + length, 1440),
        start_date=start_date,
        end_date=end_date,
        frequency=draw(st.sampled_from([1, 2])),
    )


def wall_time_exists(day: date, minute: int, tz) -> bool:
    if minute == 1440:
        day, minute = day + timedelta(days=1), 0
    wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)
    return wall.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall.replace(tzinfo=None)


@FAST
@given(recurring(), zones)
def test_every_occurrence_starts_at_the_same_wall_clock_time(series, zone):
    found = occurrences(series, zone, date(2027, 1, 1), date(2028, 12, 31))
    for occurrence in found:
        local = occurrence.interval.start.astimezone(zone)
        assert occurrence.interval.start_utc.tzinfo is UTC
        if wall_time_exists(occurrence.local_date, series.start_minute, zone):
            assert local.date() == occurrence.local_date
            assert local.hour * 60 + local.minute == series.start_minute
        assert occurrence.local_date.isoweekday() % 7 == series.day_of_week
    dates = [o.local_date for o in found]
    assert all(
        (b - a).days % (7 * series.frequency) == 0 for a, b in zip(dates, dates[1:], strict=False)
    )
    if series.end_date is not None:
        assert all(d <= series.end_date for d in dates)
    assert all(d >= series.start_date for d in dates)


@settings(max_examples=200, deadline=None, database=None)
@given(
    st.integers(0, 6).flatmap(lambda day: st.tuples(recurring("a", day), recurring("b", day)))
    | st.tuples(recurring("a"), recurring("b")),
    st.sampled_from(DST_ZONES),
)
def test_series_collision_agrees_with_enumerating_two_years(pair, zone):
    a, b = pair
    first = min(a.start_date, b.start_date)
    horizon = first + timedelta(days=730)
    on_a = {o.local_date: o.interval for o in occurrences(a, zone, first, horizon)}
    on_b = {o.local_date: o.interval for o in occurrences(b, zone, first, horizon)}
    brute = sorted(d for d in on_a.keys() & on_b.keys() if on_a[d].overlaps(on_b[d]))
    found = series_collision_dates(a, b, zone, limit=len(brute) + 1)
    assert found[: len(brute)] == brute
    assert len(found) <= len(brute) or found[len(brute)] > horizon


@st.composite
def small_hours_sunday(draw, series_id: str) -> RecurringSeries:
    """A Sunday series between 01:00 and 04:30, where spring gaps shift and swallow sessions."""
    start = draw(st.integers(4, 17)) * 15
    return RecurringSeries(
        id=series_id,
        coach_id="c",
        day_of_week=0,
        start_minute=start,
        end_minute=start + draw(st.integers(1, 6)) * 15,
        start_date=date(2027, 1, 3) + timedelta(days=draw(st.integers(0, 60))),
        end_date=None,
        frequency=draw(st.sampled_from([1, 2])),
    )


@settings(max_examples=200, deadline=None, database=None)
@given(small_hours_sunday("a"), small_hours_sunday("b"), st.sampled_from(DST_ZONES))
def test_series_collision_near_spring_gaps_agrees_with_enumeration(a, b, zone):
    horizon = date(2029, 1, 6)
    on_a = {o.local_date: o.interval for o in occurrences(a, zone, a.start_date, horizon)}
    on_b = {o.local_date: o.interval for o in occurrences(b, zone, b.start_date, horizon)}
    brute = sorted(d for d in on_a.keys() & on_b.keys() if on_a[d].overlaps(on_b[d]))
    found = series_collision_dates(a, b, zone, limit=len(brute) + 1)
    assert found[: len(brute)] == brute
    assert len(found) <= len(brute) or found[len(brute)] > horizon


@st.composite
def coach_books(draw):
    """A few coaches, their series, and calendars with blocks, additions and one-off sessions."""
    all_series, calendars = [], {}
    today = date(2027, 3, 1) + timedelta(days=draw(st.integers(0, 300)))
    base = datetime(today.year, today.month, today.day, tzinfo=UTC)
    for c in range(draw(st.integers(1, 3))):
        coach_id = f"c{c}"
        tz = draw(zones)
        for s in range(draw(st.integers(1, 6))):
            series = draw(recurring(f"{coach_id}-s{s}"))
            all_series.append(
                RecurringSeries(
                    series.id,
                    coach_id,
                    series.day_of_week,
                    series.start_minute,
                    series.end_minute,
                    series.start_date,
                    series.end_date,
                    series.frequency,
                )
            )

        def spans(max_size: int, tz=tz):
            offsets = st.tuples(st.integers(0, 42 * 96), st.integers(1, 96))
            return [
                Interval(
                    (base + timedelta(minutes=15 * start)).astimezone(tz),
                    (base + timedelta(minutes=15 * (start + length))).astimezone(tz),
                )
                for start, length in draw(st.lists(offsets, max_size=max_size))
            ]

        calendars[coach_id] = CoachCalendar(
            coach_id, tz, blocked=tuple(spans(3)), additions=tuple(spans(2)), busy=tuple(spans(5))
        )
    return all_series, calendars, today


@FAST
@given(coach_books())
def test_materializing_twice_creates_nothing_new(books):
    all_series, calendars, today = books
    first = plan_materialization(all_series, calendars, today)
    for planned in first.create:
        assert today <= planned.local_date < today + timedelta(weeks=6)
        assert not any(planned.interval.overlaps(b) for b in calendars[planned.coach_id].busy)
    for coach_id in calendars:
        mine = sorted(p.interval for p in first.create if p.coach_id == coach_id)
        assert all(x.end_utc <= y.start_utc for x, y in zip(mine, mine[1:], strict=False))
    again = {
        coach_id: CoachCalendar(
            coach_id,
            cal.tz,
            cal.blocked,
            cal.additions,
            cal.busy + tuple(p.interval for p in first.create if p.coach_id == coach_id),
            frozenset(
                (p.series_id, p.interval.start_utc) for p in first.create if p.coach_id == coach_id
            ),
        )
        for coach_id, cal in calendars.items()
    }
    second = plan_materialization(all_series, again, today)
    assert second.create == ()
    assert len(second.skipped_existing) == len(first.create)


@FAST
@given(st.sampled_from(DST_ZONES), st.integers(0, 730), st.integers(0, 1440))
def test_local_datetime_shows_the_wall_time_or_moves_it_forward(zone, offset, minute):
    day = date(2027, 1, 1) + timedelta(days=offset)
    result = local_datetime(day, minute, zone)
    wall = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute)
    shown = result.replace(tzinfo=None)
    if wall_time_exists(day, minute, zone):
        assert shown == wall
    else:
        assert timedelta(0) < shown - wall <= timedelta(hours=1)
    assume(minute < 1440)
    assert result.astimezone(UTC) == wall.replace(tzinfo=zone).astimezone(UTC)

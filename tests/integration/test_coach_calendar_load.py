"""``coach_calendar.load``: a coach's calendar read once, and the same answers as the per-kind
loaders it replaces (``coaches.blocked_in`` / ``additions_in`` / ``scheduled_in`` /
``rooms_held``, ``sessions.conflicts_among``)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from coachapp.extensions import db
from coachapp.scheduling import CoachCalendar
from coachapp.services import availability, coach_calendar, coaches, sessions
from coachapp.vocab import SessionStatus
from tests.integration.service_helpers import NOW, at, book


def _count(run):
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        result = run()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return result, seen


def _week(gym):
    """Carla's week of 8 March 2027: sessions Mon–Wed (Wednesday's cancelled), a blocked Tuesday
    hour, an extra Saturday morning in Studio B, Otto's session holding Studio A on Thursday."""
    mon = book(gym, gym.member, "2027-03-08", "09:00", "10:00")
    tue = book(gym, gym.other_member, "2027-03-09", "11:00", "12:00")
    wed = book(gym, gym.member, "2027-03-10", "10:00", "11:00")
    sessions.cancel_session(gym.admin, wed.id, now=NOW)
    availability.create_blocked_slot(
        gym.admin,
        gym.coach.id,
        at("2027-03-09", "09:00"),
        at("2027-03-09", "10:00"),
        "Dentist",
        now=NOW,
    )
    availability.create_addition(
        gym.admin,
        gym.coach.id,
        at("2027-03-13", "09:00"),
        at("2027-03-13", "11:00"),
        gym.studio_b.id,
        "Saturday",
    )
    availability.replace_weekly_day(
        gym.admin,
        gym.other_coach.id,
        4,
        [availability.WindowInput("09:00", "12:00", gym.studio_a.id)],
        now=NOW,
    )
    otto = book(gym, gym.member, "2027-03-11", "09:00", "10:00", gym.other_coach)
    return mon, tue, wed, otto


def test_load_reads_two_statements_besides_the_settings(gym):
    _week(gym)
    lo, hi = coaches.day_bounds(
        at("2027-03-08", "00:00").date(),
        at("2027-03-14", "00:00").date(),
        coaches.coach_zone(gym.coach.id),
    )
    coaches.get_settings(gym.coach.id)
    _, seen = _count(
        lambda: coach_calendar.load(
            gym.coach.id, lo, hi, NOW, upcoming=True, people=True, rooms=True
        )
    )
    assert len(seen) <= 3, seen  # the settings at most once, the availability, the sessions


def test_load_holds_what_the_per_kind_loaders_read(gym):
    mon, tue, wed, otto = _week(gym)
    tz = coaches.coach_zone(gym.coach.id)
    lo, hi = coaches.day_bounds(
        mon.start_time.astimezone(tz).date(),
        otto.start_time.astimezone(tz).date() + timedelta(days=2),
        tz,
    )
    calendar = coach_calendar.load(gym.coach.id, lo, hi, NOW, people=True, rooms=True)

    assert [w.id for w in calendar.windows] == [w.id for w in coaches.weekly_rows(gym.coach.id)]
    assert [b.id for b in calendar.blocked] == [
        b.id for b in coaches.blocked_in(gym.coach.id, lo, hi)
    ]
    assert [a.id for a in calendar.additions] == [
        a.id for a in coaches.additions_in(gym.coach.id, lo, hi)
    ]
    assert [s.id for s in calendar.scheduled_in(lo, hi)] == [
        s.id for s in coaches.scheduled_in(gym.coach.id, lo, hi)
    ]
    assert [s.id for s in calendar.sessions] == [mon.id, tue.id]  # cancelled left out, not Otto's
    assert calendar.member_names[mon.member_id] == "Mia Member"
    assert calendar.booked == {mon.id: 1, tue.id: 1}
    rooms = {gym.studio_a.id, gym.studio_b.id}
    expected = coaches.rooms_held(rooms, lo, hi)
    assert set(calendar.held) == set(expected)
    for room, timeline in expected.items():
        assert calendar.held[room].overlaps(otto.start_time, otto.end_time) == timeline.overlaps(
            otto.start_time, otto.end_time
        )
    assert calendar.coach.id == gym.coach.id and calendar.tz.key == "Europe/Berlin"
    assert wed.status == SessionStatus.CANCELLED


def test_core_is_the_scheduling_cores_calendar_of_the_span(gym):
    _week(gym)
    tz = coaches.coach_zone(gym.coach.id)
    lo, hi = coaches.day_bounds(
        at("2027-03-08", "00:00").date(), at("2027-03-14", "00:00").date(), tz
    )
    core = coach_calendar.load(gym.coach.id, lo, hi, NOW).core()
    assert core == CoachCalendar(
        coach_id=str(gym.coach.id),
        tz=tz,
        blocked=tuple(coaches.interval(b) for b in coaches.blocked_in(gym.coach.id, lo, hi)),
        additions=tuple(coaches.interval(a) for a in coaches.additions_in(gym.coach.id, lo, hi)),
        busy=tuple(coaches.interval(s) for s in coaches.scheduled_in(gym.coach.id, lo, hi)),
        default_room_id=str(gym.studio_b.id),
    )


def test_conflicts_are_those_of_the_sessions_service(gym):
    mon, tue, _, _ = _week(gym)
    # Tuesday's template goes: tue is now outside it; a blocked Monday hour covers mon.
    availability.replace_weekly_day(gym.admin, gym.coach.id, 2, [], now=NOW)
    availability.create_blocked_slot(
        gym.admin,
        gym.coach.id,
        at("2027-03-08", "09:00"),
        at("2027-03-08", "10:00"),
        None,
        now=NOW,
    )
    tz = coaches.coach_zone(gym.coach.id)
    lo, hi = coaches.day_bounds(
        at("2027-03-08", "00:00").date(), at("2027-03-14", "00:00").date(), tz
    )
    calendar = coach_calendar.load(gym.coach.id, lo, hi, NOW, upcoming=True)
    mine = [(c.session.id, c.reason) for c in calendar.conflicts(calendar.upcoming())]
    settings = coaches.get_settings(gym.coach.id)
    theirs = [
        (c.session.id, c.reason)
        for c in sessions.conflicts_among(settings, sessions.future_scheduled(gym.coach.id, NOW))
    ]
    assert mine == theirs and {m[0] for m in mine} == {mon.id, tue.id}
    assert coach_calendar.conflict_count(gym.coach, gym.coach.id, now=NOW) == len(mine)


def test_upcoming_reaches_past_the_span(gym):
    _week(gym)
    later = book(gym, gym.member, "2027-05-04", "09:00", "10:00")
    tz = coaches.coach_zone(gym.coach.id)
    lo, hi = coaches.day_bounds(
        at("2027-03-08", "00:00").date(), at("2027-03-14", "00:00").date(), tz
    )
    narrow = coach_calendar.load(gym.coach.id, lo, hi, NOW)
    wide = coach_calendar.load(gym.coach.id, lo, hi, NOW, upcoming=True)
    assert later.id not in {s.id for s in narrow.sessions}
    assert later.id in {s.id for s in wide.upcoming()}
    assert later.id not in {s.id for s in wide.sessions_in(lo, hi)}

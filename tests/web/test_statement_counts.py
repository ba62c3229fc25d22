"""The SQL statements of the two busiest pages, counted (issue 15, item 5: the calendar loaded once
per request): the coach's week grid and the member's slot page of a coach, on a realistic week
(windows for one-to-one sessions and for classes, blocked time, extra availability, one-time
sessions, a weekly series, group classes with places and a waitlist).

"First view" is the first request after any change (the pages' kept parts, ``coachapp.cache``,
are empty); a repeat view reads only the logged-in user and the data version. The counts must not
grow with the number of sessions, places or members shown (no statement per row).
"""

from __future__ import annotations

from coach_helpers import SeparateClient, at, book, weekly
from sqlalchemy import event

from coachapp import cache
from coachapp.extensions import db

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now (Monday 2027-03-15 13:00 Berlin)

WEEK_FIRST_VIEW = 5
"""The logged-in user with the data version, the coach's settings, the availability (windows,
blocked slots, additions), the sessions (with members, places and every upcoming one for the
conflicts) and the rooms."""
SLOT_PAGE_FIRST_VIEW = 4
"""The logged-in user with the data version, the coach with their settings, the availability,
the sessions (the coach's and those holding the coach's rooms)."""
WEEK = "2027-03-22"


def statements(client, path: str, first_view: bool = True) -> list[str]:
    """The SQL statements one GET of ``path`` sends (with the pages' cache emptied first when
    ``first_view``)."""
    if first_view:
        cache.clear(client.app)
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, (path, response.status_code)
    return seen


def busy_week(gym) -> None:
    """Lena's week of 22 March: one-to-one every morning (the fixture's template), classes on
    Tuesday and Thursday evenings, a blocked Friday morning hour, Saturday afternoon opened,
    sessions for Ava and Ben, a weekly series and two classes with places and a waitlist."""
    from coachapp.services import availability, group_classes
    from coachapp.services.availability import WindowInput

    for day in (2, 4):  # Tuesday, Thursday
        availability.replace_weekly_day(
            gym.admin,
            gym.coach.id,
            day,
            [
                WindowInput("09:00", "12:00", gym.room.id),
                WindowInput("17:00", "19:00", gym.room_b.id, is_individual=False, is_group=True),
            ],
        )
    availability.create_blocked_slot(
        gym.admin, gym.coach.id, at("2027-03-26", "09:00"), at("2027-03-26", "10:00"), "Dentist"
    )
    availability.create_addition(
        gym.admin, gym.coach.id, at("2027-03-27", "14:00"), at("2027-03-27", "16:00"), None, "Cup"
    )
    book(gym, "2027-03-22")
    book(gym, "2027-03-23", "09:00", "10:00", member=gym.ben)
    weekly(gym, 3, "2027-03-24", "11:00", "12:00", member=gym.ben)
    for day in ("2027-03-23", "2027-03-25"):
        classes = group_classes.schedule_group_session(
            gym.admin, gym.coach.id, at(day, "17:00"), at(day, "18:00"), "Kettlebells", 1
        )
        group_classes.book_place(gym.admin, classes.id, member_id=gym.ava.id)
        group_classes.book_place(gym.admin, classes.id, member_id=gym.ben.id)  # waitlisted


def more_of_everything(gym, make_user) -> None:
    """Five more members with a session each in the week, another class with three places."""
    from coachapp.services import group_classes

    extra = [make_user("member", name=f"Extra {i}") for i in range(5)]
    for member, day in zip(extra, ("22", "23", "25", "26", "27"), strict=True):
        book(gym, f"2027-03-{day}", "11:00", "12:00", member)
    big = group_classes.schedule_group_session(
        gym.admin, gym.coach.id, at("2027-03-25", "18:00"), at("2027-03-25", "19:00"), "Yoga", 5
    )
    for member in extra[:3]:
        group_classes.book_place(gym.admin, big.id, member_id=member.id)


def test_week_grid_first_view_within_budget_and_repeat_view_one(app, coach_gym):
    busy_week(coach_gym)
    coach = SeparateClient(app, coach_gym.coach)
    coach.get("/")  # the welcome flash is shown once
    first = statements(coach, f"/coach/week?start={WEEK}")
    assert len(first) <= WEEK_FIRST_VIEW, "\n".join(first)
    assert len(statements(coach, f"/coach/week?start={WEEK}", first_view=False)) == 1
    body = coach.get(f"/coach/week?start={WEEK}").get_data(as_text=True)
    assert "Kettlebells · 1/1" in body and "Ben Okafor" in body and "Dentist" in body


def test_week_grid_statements_do_not_grow_with_sessions(app, make_user, coach_gym):
    busy_week(coach_gym)
    coach = SeparateClient(app, coach_gym.coach)
    coach.get("/")
    few = statements(coach, f"/coach/week?start={WEEK}")
    more_of_everything(coach_gym, make_user)
    many = statements(coach, f"/coach/week?start={WEEK}")
    assert len(many) == len(few), "\n".join(many)
    body = coach.get(f"/coach/week?start={WEEK}").get_data(as_text=True)
    assert "Extra 4" in body and "Yoga · 3/5" in body


def test_slot_page_first_view_within_budget_and_repeat_view_one(app, coach_gym):
    busy_week(coach_gym)
    member = SeparateClient(app, coach_gym.ava)
    member.get("/")
    path = f"/book/{coach_gym.coach.id}?from={WEEK}"
    first = statements(member, path)
    assert len(first) <= SLOT_PAGE_FIRST_VIEW, "\n".join(first)
    assert len(statements(member, path, first_view=False)) == 1


def test_slot_page_statements_do_not_grow_with_sessions(app, make_user, coach_gym):
    busy_week(coach_gym)
    member = SeparateClient(app, coach_gym.ava)
    member.get("/")
    path = f"/book/{coach_gym.coach.id}?from={WEEK}"
    few = statements(member, path)
    assert "start=2027-03-22T09:00" in member.get(path).get_data(as_text=True)
    more_of_everything(coach_gym, make_user)
    # another coach's sessions in Lena's rooms hold them too: read in the same statement
    from coachapp.services import availability, bookings
    from coachapp.services.availability import WindowInput

    availability.replace_weekly_day(
        coach_gym.admin, coach_gym.other.id, 1, [WindowInput("09:00", "12:00", coach_gym.room.id)]
    )
    bookings.book_one_time(
        coach_gym.admin,
        coach_gym.other.id,
        at(WEEK, "09:00"),
        at(WEEK, "10:00"),
        member_id=coach_gym.ben.id,
    )
    many = statements(member, path)
    assert len(many) == len(few), "\n".join(many)
    body = member.get(path).get_data(as_text=True)
    assert "start=2027-03-22T09:00" not in body  # Otto holds Studio A then

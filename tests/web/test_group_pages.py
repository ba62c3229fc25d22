"""Group class pages: the coach schedules classes from the week page and sees the roster and
waitlist in the session panel; members find classes on /book, book a place or join the waitlist on
the class page, see their places on /me/sessions and leave (late inside the window). Whole page
without htmx, the changed part with it; refusals keep what was typed."""

from __future__ import annotations

import re

import pytest
from member_helpers import HX, at, small_gym
from sqlalchemy import select

from coachapp.extensions import db
from coachapp.models import Booking, Notification, RecurringBooking, TrainingSession

WEDNESDAY = 3


def is_fragment(response) -> bool:
    """An HTML fragment: no document, no layout."""
    body = response.get_data(as_text=True)
    return "<html" not in body and 'class="topbar"' not in body


def is_page(response) -> bool:
    """A whole page with the layout."""
    body = response.get_data(as_text=True)
    return body.lstrip().startswith("<!doctype html>") and 'class="topbar"' in body


@pytest.fixture
def gym(app, make_user, clock):
    """The small gym (now: Monday 2027-03-15 13:00 Berlin); Lena also teaches groups on Mondays
    and Wednesdays 17:00–20:00 in Studio A."""
    from coachapp.services import availability
    from coachapp.services.availability import WindowInput

    gym = small_gym(make_user)
    for day in (1, WEDNESDAY):
        availability.replace_weekly_day(
            gym.admin,
            gym.coach.id,
            day,
            [
                WindowInput("09:00", "12:00", gym.room.id),
                WindowInput("17:00", "20:00", gym.room.id, is_individual=False, is_group=True),
            ],
        )
    return gym


def a_class(gym, day="2027-03-17", start="18:00", end="19:00", capacity=2, title="Kettlebells"):
    """A one-off class of Lena's."""
    from coachapp.services import group_classes

    return group_classes.schedule_group_session(
        gym.coach, gym.coach.id, at(day, start), at(day, end), title, capacity
    )


def place(gym, member, session):
    """Book ``member`` a place in ``session``."""
    from coachapp.services import group_classes

    return group_classes.book_place(member, session.id)


def class_form(**extra) -> dict:
    """The week page's "schedule a group class" fields."""
    data = {
        "title": "Kettlebells",
        "capacity": "8",
        "date": "2027-03-17",
        "start_time": "18:00",
        "end_time": "19:00",
        "repeat": "once",
        "until": "",
        "room_id": "",
    }
    data.update(extra)
    return data


def group_sessions() -> list[TrainingSession]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(TrainingSession)
            .where(TrainingSession.type == "GROUP")
            .order_by(TrainingSession.start_time)
        )
    )


# --- the coach ----------------------------------------------------------------------------------


def test_the_week_page_has_the_group_class_form(client, login, gym):
    login(gym.coach)
    page = client.get("/coach/week?start=2027-03-15")
    assert page.status_code == 200 and is_page(page)
    body = page.get_data(as_text=True)
    assert "Schedule a group class" in body
    assert 'action="/coach/group-classes"' in body and 'name="capacity"' in body
    assert 'value="2027-03-15"' in body  # the form starts on the first day shown, not in the past


def test_a_plain_post_schedules_a_class_and_goes_to_its_week(client, login, gym):
    login(gym.coach)
    response = client.post("/coach/group-classes", data=class_form(date="2027-03-22"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/coach/week?start=2027-03-22")
    [made] = group_sessions()
    assert (made.title, made.capacity, made.member_id, made.room_id) == (
        "Kettlebells", 8, None, gym.room.id,
    )
    assert made.start_time == at("2027-03-22", "18:00")
    week = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Scheduled Kettlebells on Mon 22 Mar 2027 18:00" in week
    assert "Kettlebells · 0/8" in week  # on the grid: booked/capacity


def test_an_htmx_post_answers_the_form_fragment_and_refreshes_the_week(client, login, gym):
    login(gym.coach)
    response = client.post("/coach/group-classes", data=class_form(), headers=HX)
    assert response.status_code == 200 and is_fragment(response)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<form id="group-form"')
    assert "Scheduled Kettlebells on Wed 17 Mar 2027 18:00" in body
    assert "week-changed" in response.headers["HX-Trigger"]
    assert len(group_sessions()) == 1


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"title": ""}, "Give the class a title."),
        ({"capacity": "0"}, "A class holds a whole number of places"),
        ({"capacity": "many"}, "Enter a whole number."),
        ({"start_time": ""}, "Choose a time."),
        ({"date": "2027-02-30"}, "is not a date"),
    ],
)
def test_invalid_input_is_422_with_the_values_kept(client, login, gym, changes, field_error):
    login(gym.coach)
    fragment = client.post("/coach/group-classes", data=class_form(**changes), headers=HX)
    assert fragment.status_code == 422 and is_fragment(fragment)
    body = fragment.get_data(as_text=True)
    assert field_error in body and 'aria-invalid="true"' in body
    assert 'value="2027-03-17"' in body or changes.get("date")
    whole = client.post("/coach/group-classes", data=class_form(**changes))
    assert whole.status_code == 422 and is_page(whole)
    assert field_error in whole.get_data(as_text=True)
    assert group_sessions() == []


def test_outside_group_time_is_refused_with_the_reason(client, login, gym):
    login(gym.coach)
    response = client.post(
        "/coach/group-classes", data=class_form(start_time="10:00", end_time="11:00"), headers=HX
    )
    assert response.status_code == 409 and is_fragment(response)
    body = response.get_data(as_text=True)
    assert "not available for group sessions" in body
    assert 'value="Kettlebells"' in body and 'value="10:00"' in body


def test_a_weekly_class_makes_a_series_and_its_first_weeks(client, login, gym):
    login(gym.coach)
    response = client.post(
        "/coach/group-classes",
        data=class_form(repeat="weekly", until="2027-04-07", title="Mobility"),
        headers=HX,
    )
    assert response.status_code == 200
    assert "Scheduled Mobility every week on Wednesdays 18:00–19:00: 4 classes" in (
        response.get_data(as_text=True)
    )
    made = group_sessions()
    assert [s.start_time for s in made] == [
        at(day, "18:00") for day in ("2027-03-17", "2027-03-24", "2027-03-31", "2027-04-07")
    ]
    series = db.session.scalar(select(RecurringBooking))
    assert (series.session_type, series.member_id, series.title) == ("GROUP", None, "Mobility")


def test_members_cannot_schedule_classes(client, login, gym):
    login(gym.ava)
    assert client.post("/coach/group-classes", data=class_form()).status_code == 403
    assert group_sessions() == []


def test_the_session_panel_shows_the_roster_and_the_waitlist(client, login, gym, make_user):
    session = a_class(gym, capacity=1)
    place(gym, gym.ava, session)
    place(gym, gym.ben, session)
    login(gym.coach)
    panel = client.get(f"/coach/sessions/{session.id}", headers=HX)
    assert panel.status_code == 200 and is_fragment(panel)
    body = panel.get_data(as_text=True)
    assert "Booked (1/1)" in body and "Waitlist (1)" in body
    roster = body[body.index("Booked (1/1)"):body.index("Waitlist (1)")]
    waitlist = body[body.index("Waitlist (1)"):]
    assert "Ava Schulz" in roster and "Ben Okafor" in waitlist
    assert "Every member booked or waiting is notified." in body
    page = client.get(f"/coach/sessions/{session.id}")
    assert is_page(page) and "Ben Okafor" in page.get_data(as_text=True)


def test_removing_a_member_promotes_the_waitlist_and_tells_both(client, login, gym):
    session = a_class(gym, capacity=1)
    held = place(gym, gym.ava, session)
    waiting = place(gym, gym.ben, session)
    login(gym.coach)
    url = f"/coach/sessions/{session.id}/members/{gym.ava.id}/remove"
    ask = client.post(url)
    assert ask.status_code == 200 and "Remove Ava Schulz from this class?" in ask.get_data(as_text=True)
    done = client.post(url, data={"confirmed": "1"}, headers=HX)
    assert done.status_code == 200 and is_fragment(done)
    assert "Ava Schulz was removed from the class and notified." in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Booking, held.id).status == "CANCELLED_BY_COACH"
    assert db.session.get(Booking, waiting.id).status == "CONFIRMED"
    kinds = dict(
        db.session.execute(select(Notification.user_id, Notification.kind)).all()
    )
    assert kinds == {gym.ava.id: "place_cancelled", gym.ben.id: "place_confirmed"}


def test_cancelling_a_class_tells_every_member(client, login, gym):
    session = a_class(gym, capacity=1)
    place(gym, gym.ava, session)
    place(gym, gym.ben, session)
    login(gym.coach)
    done = client.post(f"/coach/sessions/{session.id}/cancel", data={"confirmed": "1"}, headers=HX)
    assert "Class cancelled; every member booked or waiting has been notified." in (
        done.get_data(as_text=True)
    )
    notes = db.session.scalars(select(Notification.user_id)).all()
    assert sorted(notes) == sorted([gym.ava.id, gym.ben.id])


def test_another_coach_does_not_see_the_class_panel(client, login, gym, make_user):
    session = a_class(gym)
    other = make_user("coach", name="Otto Other", timezone="Europe/Berlin")
    login(other)
    assert client.get(f"/coach/sessions/{session.id}").status_code == 404


# --- the member ---------------------------------------------------------------------------------


def test_book_lists_classes_with_places_left(client, login, gym):
    open_class = a_class(gym, capacity=3)
    full = a_class(gym, day="2027-03-22", capacity=1, title="Spin")
    place(gym, gym.ben, full)
    login(gym.ava)
    body = client.get("/book").get_data(as_text=True)
    assert "Classes" in body
    assert f'href="/classes/{open_class.id}"' in body and "3 places left" in body
    assert f'href="/classes/{full.id}"' in body and "Full" in body and "join the waitlist" in body


def test_the_class_page_is_a_page_and_its_card_a_fragment(client, login, gym):
    session = a_class(gym)
    login(gym.ava)
    page = client.get(f"/classes/{session.id}")
    assert page.status_code == 200 and is_page(page)
    body = page.get_data(as_text=True)
    assert "Kettlebells" in body and "Wed 17 Mar, 18:00–19:00" in body
    assert "2 of 2 places left." in body and "Book a place" in body
    card = client.get(f"/classes/{session.id}", headers=HX)
    assert card.status_code == 200 and is_fragment(card)
    assert card.get_data(as_text=True).lstrip().startswith('<section id="class-card"')


def test_booking_a_place_without_htmx_redirects_to_the_class(client, login, gym):
    session = a_class(gym)
    login(gym.ava)
    response = client.post(f"/classes/{session.id}/book", data={"waitlist": "0"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/classes/{session.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You&#39;re booked" in page and "Leave class" in page
    assert db.session.scalar(select(Booking.status)) == "CONFIRMED"


def test_a_full_class_offers_the_waitlist(client, login, gym):
    session = a_class(gym, capacity=1)
    place(gym, gym.ben, session)
    login(gym.ava)
    body = client.get(f"/classes/{session.id}").get_data(as_text=True)
    assert "Full: 1 of 1 places booked." in body
    assert 'name="waitlist" value="1"' in body and "Join the waitlist" in body
    joined = client.post(f"/classes/{session.id}/book", data={"waitlist": "1"}, headers=HX)
    assert joined.status_code == 200 and is_fragment(joined)
    text = joined.get_data(as_text=True)
    assert "on the waitlist, number 1" in text and "Waitlist #1" in text


def test_the_last_place_taken_meanwhile_is_409_offering_the_waitlist(client, login, gym):
    session = a_class(gym, capacity=1)
    login(gym.ava)
    client.get(f"/classes/{session.id}")  # Ava sees a free place …
    place(gym, gym.ben, session)  # … Ben takes it first
    response = client.post(f"/classes/{session.id}/book", data={"waitlist": "0"}, headers=HX)
    assert response.status_code == 409 and is_fragment(response)
    body = response.get_data(as_text=True)
    assert "The last place was just taken" in body and "Join the waitlist" in body
    assert db.session.scalar(select(Booking.id).where(Booking.member_id == gym.ava.id)) is None


def test_my_sessions_shows_places_and_waitlist_positions(client, login, gym):
    held = a_class(gym, capacity=3, title="Kettlebells")
    full = a_class(gym, day="2027-03-22", capacity=1, title="Spin")
    place(gym, gym.ava, held)
    place(gym, gym.ben, full)
    place(gym, gym.ava, full)
    login(gym.ava)
    body = client.get("/me/sessions").get_data(as_text=True)
    assert "Kettlebells (class)" in body and "Spin (class)" in body
    assert "Waitlist #1" in body
    assert body.count(">Leave</a>") == 2


def test_leaving_inside_the_window_says_late_before_and_after(client, login, gym, clock):
    session = a_class(gym, day="2027-03-15", start="18:00", end="19:00")  # in 5 hours
    place(gym, gym.ava, session)
    login(gym.ava)
    page = client.get(f"/classes/{session.id}").get_data(as_text=True)
    assert "Late cancel." in page and "Leave class (late cancel)" in page
    sheet = client.get(f"/me/sessions/{session.id}/cancel", headers=HX).get_data(as_text=True)
    assert "Leave Kettlebells on" in sheet and "Late cancel." in sheet and "leaving now" in sheet
    done = client.post(f"/classes/{session.id}/leave", headers=HX)
    assert done.status_code == 200
    assert "You left the class. It counts as a late cancel." in done.get_data(as_text=True)
    db.session.expire_all()
    booking = db.session.scalar(select(Booking))
    assert (booking.status, booking.late_cancel) == ("CANCELLED_BY_MEMBER", True)
    assert db.session.get(TrainingSession, session.id).status == "scheduled"
    listed = client.get("/me/sessions").get_data(as_text=True)
    assert "Left · late" in listed


def test_leaving_early_from_my_sessions_is_not_late(client, login, gym):
    session = a_class(gym, capacity=1)
    place(gym, gym.ava, session)
    waiting = place(gym, gym.ben, session)
    login(gym.ava)
    sheet = client.get(f"/me/sessions/{session.id}/cancel", headers=HX).get_data(as_text=True)
    assert "Late cancel." not in sheet and "Leave class" in sheet
    assert 'name="scope" value="one"' in sheet  # a class has no series choice for a member
    done = client.post(f"/me/sessions/{session.id}/cancel", data={"scope": "one"}, headers=HX)
    assert done.status_code == 200
    assert re.search(r"You left Kettlebells on Wed 17 Mar, 18:00\.", done.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Booking, waiting.id).status == "CONFIRMED"


def test_a_member_cannot_leave_someone_elses_place(client, login, gym):
    session = a_class(gym, capacity=2)
    place(gym, gym.ben, session)
    login(gym.ava)
    response = client.post(f"/classes/{session.id}/leave")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(Booking.status)) == "CONFIRMED"


def test_a_one_to_one_session_is_not_a_class(client, login, gym, make_user):
    from coachapp.services import bookings

    _, session = bookings.book_one_time(
        gym.ava, gym.coach.id, at("2027-03-16", "10:00"), at("2027-03-16", "11:00")
    )
    login(gym.ben)
    assert client.get(f"/classes/{session.id}").status_code == 404
    assert client.post(f"/classes/{session.id}/book", data={"waitlist": "1"}).status_code == 404

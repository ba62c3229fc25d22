"""The policy before commitment (issue 16, items 2 and 5): the booking sheet says until when the
member can cancel free of charge, the slot list marks the slots inside the cancellation window,
and a class or a range of slots beyond the coach's booking horizon says when booking opens.

The clock is Monday 2027-03-15 13:00 in Berlin; Lena works every day 09:00–12:00 (one-to-one,
60 minutes) with a 24-hour cancellation window, 120 minutes' notice and a 56-day horizon.
"""

from __future__ import annotations

import re

from coach_helpers import HX, at
from member_helpers import slot_query

from coachapp.extensions import db
from coachapp.models import CoachSettings, User

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now


def _set(coach, **values) -> None:
    settings = db.session.get(CoachSettings, coach.coach_settings.id)
    for name, value in values.items():
        setattr(settings, name, value)
    db.session.commit()


def _sheet(client, gym, day: str, hhmm: str) -> str:
    start = at(day, hhmm)
    end = at(day, f"{int(hhmm[:2]) + 1:02d}{hhmm[2:]}")
    response = client.get(f"/book/{gym.coach.id}/slot?{slot_query(start, end)}", headers=HX)
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    return response.get_data(as_text=True)


def test_the_sheet_says_until_when_cancelling_is_free_before_confirm(client, login, coach_gym):
    login(coach_gym.ava)
    body = _sheet(client, coach_gym, "2027-03-18", "10:00")
    line = "Free cancellation until Wed 17 Mar, 10:00"
    assert line in body
    assert body.index(line) < body.index("Confirm booking")
    assert "late cancel" not in body.lower()


def test_the_free_cancellation_time_is_in_the_members_zone(client, login, coach_gym):
    ava = db.session.get(User, coach_gym.ava.id)
    ava.timezone = "Europe/London"
    db.session.commit()
    login(coach_gym.ava)
    body = _sheet(client, coach_gym, "2027-03-18", "10:00")
    assert (
        'Free cancellation until Wed 17 Mar, 09:00 <abbr class="zone" '
        'title="UTC+00:00 · Europe/London">London time</abbr>' in body
    )


def test_the_window_is_the_coachs_and_a_slot_inside_it_says_so(client, login, coach_gym):
    _set(coach_gym.coach, cancellation_window_hours=48)
    login(coach_gym.ava)
    assert "Free cancellation until Tue 16 Mar, 10:00" in _sheet(
        client, coach_gym, "2027-03-18", "10:00"
    )
    inside = _sheet(client, coach_gym, "2027-03-17", "10:00")  # 45 h ahead
    assert "Free cancellation until" not in inside
    assert "Late-cancel window" in inside
    assert "less than 48 hours before the start" in inside
    assert inside.index("Late-cancel window") < inside.index("Confirm booking")


def test_the_slot_list_marks_slots_inside_the_cancellation_window(client, login, coach_gym):
    login(coach_gym.ava)
    body = client.get(f"/book/{coach_gym.coach.id}").get_data(as_text=True)
    # Tomorrow 09:00–11:00 start within 24 hours; Wednesday's do not.
    for hhmm in ("09:00", "10:00", "11:00"):
        link = _slot_link(body, f"2027-03-16T{hhmm}")
        assert "slot-late" in link and "inside the late-cancel window" in link, link
    for hhmm in ("09:00", "10:00", "11:00"):
        link = _slot_link(body, f"2027-03-17T{hhmm}")
        assert "slot-late" not in link and "late-cancel" not in link, link
    assert "start within 24 hours" in body  # the legend says what the mark means
    _set(coach_gym.coach, cancellation_window_hours=0)
    body = client.get(f"/book/{coach_gym.coach.id}").get_data(as_text=True)
    assert "slot-late" not in body and "start within" not in body


def _slot_link(body: str, start: str) -> str:
    """The ``<a class="slot…">`` element whose link starts at ``start`` (local ISO prefix)."""
    at_start = body.index(f"start={start}")
    opening = body.rindex("<a ", 0, at_start)
    return body[opening : body.index("</a>", at_start)]


def test_a_range_beyond_the_horizon_says_when_booking_opens(client, login, coach_gym):
    login(coach_gym.ava)
    body = client.get(f"/book/{coach_gym.coach.id}?from=2027-05-11").get_data(as_text=True)
    # The last bookable day is Mon 10 May; Tue 11 May opens 56 days before, at 00:00.
    assert "Lena takes bookings up to 8 weeks ahead." in body
    assert "Booking opens Tue 16 Mar, 00:00 for Tue 11 May." in body
    later = client.get(f"/book/{coach_gym.coach.id}?from=2027-06-01", headers=HX)
    assert "Booking opens Tue 6 Apr, 00:00 for Tue 1 Jun." in later.get_data(as_text=True)
    near = client.get(f"/book/{coach_gym.coach.id}").get_data(as_text=True)
    assert "Booking opens" not in near


def test_when_booking_opens_is_said_on_the_members_clock(client, login, coach_gym):
    ava = db.session.get(User, coach_gym.ava.id)
    ava.timezone = "America/New_York"
    db.session.commit()
    login(coach_gym.ava)
    body = client.get(f"/book/{coach_gym.coach.id}?from=2027-05-11").get_data(as_text=True)
    # 00:00 on Tue 16 Mar in Berlin (UTC+1) is 19:00 the evening before in New York (UTC-4)
    assert "Booking opens Mon 15 Mar, 19:00 New York time for Tue 11 May." in body


def _class(gym, day: str, start: str = "18:00", end: str = "19:00"):
    from coachapp.services import availability, group_classes
    from coachapp.services.availability import WindowInput

    availability.replace_weekly_day(
        gym.admin,
        gym.coach.id,
        at(day, start).isoweekday() % 7,
        [
            WindowInput("09:00", "12:00", gym.room.id),
            WindowInput("17:00", "20:00", gym.room_b.id, is_individual=False, is_group=True),
        ],
    )
    return group_classes.schedule_group_session(
        gym.admin, gym.coach.id, at(day, start), at(day, end), "Kettlebells", 12
    )


def test_a_class_beyond_the_horizon_says_when_booking_opens(client, login, coach_gym, frozen_now):
    _set(coach_gym.coach, booking_horizon_days=7)
    session = _class(coach_gym, "2027-03-24")  # a Wednesday, 9 days ahead
    login(coach_gym.ava)
    body = client.get(f"/classes/{session.id}").get_data(as_text=True)
    assert "Booking opens Wed 17 Mar, 00:00" in body
    assert "Book a place" not in body
    frozen_now.set(at("2027-03-17", "00:00"))
    body = client.get(f"/classes/{session.id}").get_data(as_text=True)
    assert "Booking opens" not in body and "Book a place" in body
    booked = client.post(f"/classes/{session.id}/book", data={"waitlist": "0"}, headers=HX)
    assert booked.status_code == 200 and "You're booked" in booked.get_data(as_text=True)


def test_the_class_list_says_when_booking_opens(client, login, coach_gym):
    _set(coach_gym.coach, booking_horizon_days=7)
    near = _class(coach_gym, "2027-03-17")
    far = _class(coach_gym, "2027-03-24")
    login(coach_gym.ava)
    body = client.get("/book").get_data(as_text=True)
    items = re.findall(r'<li class="class-card card">.*?</li>', body, re.S)
    [near_item] = [i for i in items if f"/classes/{near.id}" in i]
    [far_item] = [i for i in items if f"/classes/{far.id}" in i]
    assert "Booking opens" not in near_item and "places left" in near_item
    assert "Booking opens Wed 17 Mar, 00:00" in far_item and "places left" not in far_item


def test_the_class_page_states_the_free_cancellation_time(client, login, coach_gym):
    session = _class(coach_gym, "2027-03-18")
    login(coach_gym.ava)
    body = client.get(f"/classes/{session.id}").get_data(as_text=True)
    assert "Free cancellation until Wed 17 Mar, 18:00" in body
    assert body.index("Free cancellation until") < body.index("Book a place")

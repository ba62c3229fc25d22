"""The booking rules on the pages: the coach edits them on the settings page; a member's slot
page leaves out what they may not book and says why when a range lies past the horizon.

The clock is Monday 2027-03-15 13:00 in Berlin; Lena works every day 09:00–12:00 with the
defaults (56 days ahead, 120 minutes' notice), so her last bookable day is Monday 10 May.
"""

from __future__ import annotations

import re

from coach_helpers import HX, value_of

from coachapp.extensions import db
from coachapp.models import CoachSettings, TrainingSession

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now

NOTE = "Lena takes bookings up to 8 weeks ahead."


def _form(gym, **extra):
    return {
        "default_room_id": str(gym.room.id),
        "default_duration": "60",
        "timezone": "Europe/Berlin",
        "cancellation_window_hours": "24",
        "booking_horizon_days": "56",
        "min_notice_minutes": "120",
        **extra,
    }


def _settings(coach) -> CoachSettings:
    db.session.expire_all()
    return db.session.get(CoachSettings, coach.coach_settings.id)


def test_the_settings_page_shows_and_stores_the_booking_rules(client, login, coach_gym):
    login(coach_gym.coach)
    body = client.get("/coach/settings").get_data(as_text=True)
    assert value_of(body, "booking_horizon_days") == "56"
    assert value_of(body, "min_notice_minutes") == "120"
    response = client.post(
        "/coach/settings",
        data=_form(coach_gym, booking_horizon_days="14", min_notice_minutes="30"),
        headers=HX,
    )
    assert response.status_code == 200 and "Settings saved." in response.get_data(as_text=True)
    row = _settings(coach_gym.coach)
    assert (row.booking_horizon_days, row.min_notice_minutes) == (14, 30)


def test_invalid_booking_rules_come_back_inline_naming_the_field(client, login, coach_gym):
    login(coach_gym.coach)
    for extra, field, text in [
        ({"booking_horizon_days": "0"}, "booking_horizon_days", "from 1 to 730"),
        ({"booking_horizon_days": "731"}, "booking_horizon_days", "from 1 to 730"),
        ({"min_notice_minutes": "10081"}, "min_notice_minutes", "from 0 to 10080"),
        ({"min_notice_minutes": "two hours"}, "min_notice_minutes", "whole number"),
    ]:
        response = client.post("/coach/settings", data=_form(coach_gym, **extra), headers=HX)
        assert response.status_code == 422, field
        body = response.get_data(as_text=True)
        assert re.search(rf'id="settings-{field}-error">[^<]*{text}', body), (field, body)
        assert value_of(body, field) == extra[field]
    row = _settings(coach_gym.coach)
    assert (row.booking_horizon_days, row.min_notice_minutes) == (56, 120)


def test_a_range_past_the_horizon_says_lena_takes_bookings_up_to_8_weeks_ahead(
    client, login, coach_gym
):
    login(coach_gym.ava)
    coach = coach_gym.coach.id
    beyond = client.get(f"/book/{coach}?from=2027-05-11")
    body = beyond.get_data(as_text=True)
    assert beyond.status_code == 200
    assert NOTE in body and 'class="slot"' not in body and "More days" not in body
    # A range that reaches past it offers the days within and says why the rest is empty.
    edge = client.get(f"/book/{coach}?from=2027-05-08", headers=HX).get_data(as_text=True)
    assert NOTE in edge
    assert "start=2027-05-10T11:00" in edge and "start=2027-05-11" not in edge
    # Well within the horizon nothing is said.
    near = client.get(f"/book/{coach}").get_data(as_text=True)
    assert NOTE not in near and "More days" in near


def test_a_member_is_not_offered_slots_inside_the_notice(client, login, coach_gym, frozen_now):
    from datetime import UTC, datetime

    frozen_now.set(datetime(2027, 3, 16, 7, 30, tzinfo=UTC))  # Tuesday 08:30 in Berlin
    login(coach_gym.ava)
    body = client.get(f"/book/{coach_gym.coach.id}").get_data(as_text=True)
    assert "start=2027-03-16T11:00" in body
    assert "start=2027-03-16T09:00" not in body and "start=2027-03-16T10:00" not in body


def test_an_old_link_to_a_slot_past_the_horizon_says_why(client, login, coach_gym):
    login(coach_gym.ava)
    query = {"start": "2027-05-12T10:00:00+02:00", "end": "2027-05-12T11:00:00+02:00"}
    sheet = client.get(f"/book/{coach_gym.coach.id}/slot", query_string=query, headers=HX)
    body = sheet.get_data(as_text=True)
    assert sheet.status_code == 409
    assert "Not available" in body and "Lena takes bookings up to 8 weeks ahead" in body
    booked = client.post(
        f"/book/{coach_gym.coach.id}/slot", data={**query, "frequency": "once"}, headers=HX
    )
    assert booked.status_code == 409
    assert "Lena takes bookings up to 8 weeks ahead" in booked.get_data(as_text=True)
    assert db.session.query(TrainingSession).count() == 0


def test_the_next_free_slot_on_book_is_one_the_member_may_book(
    client, login, coach_gym, frozen_now
):
    from datetime import UTC, datetime

    frozen_now.set(datetime(2027, 3, 16, 7, 30, tzinfo=UTC))  # Tuesday 08:30 in Berlin
    login(coach_gym.ava)
    body = client.get("/book").get_data(as_text=True)
    assert "start=2027-03-16T11:00" in body and "start=2027-03-16T09:00" not in body

"""The 2-year horizon as people meet it: inline on the pages, 422 ``validation_error`` in the API.

The clock is Monday 2027-03-15 13:00 in Berlin, so the latest start is Wednesday 2029-03-14 13:00;
Lena works every day 09:00–12:00, so 2029-03-15 10:00 would be bookable but for the rule.
"""

from __future__ import annotations

from coach_helpers import HX, at
from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import AvailabilityAddition, BlockedSlot, RecurringBooking, TrainingSession

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now

FAR = at("2029-03-15", "10:00")
LAST_ALLOWED = "Wed 14 Mar 2029 13:00"


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_booking_sheet_says_a_time_beyond_two_years_is_not_available(client, login, coach_gym):
    login(coach_gym.ava)
    end = at("2029-03-15", "11:00")
    query = {"start": FAR.isoformat(), "end": end.isoformat()}
    sheet = client.get(f"/book/{coach_gym.coach.id}/slot", query_string=query, headers=HX)
    body = sheet.get_data(as_text=True)
    assert sheet.status_code == 422
    assert "Not available" in body and "more than 2 years ahead" in body and LAST_ALLOWED in body
    booked = client.post(
        f"/book/{coach_gym.coach.id}/slot", data={**query, "frequency": "once"}, headers=HX
    )
    assert booked.status_code == 422 and "more than 2 years ahead" in booked.get_data(as_text=True)
    assert count(TrainingSession) == 0


def test_slot_list_from_beyond_the_horizon_says_so_in_place_of_the_slots(client, login, coach_gym):
    # Lena takes bookings as far ahead as the 2-year limit allows, so that limit is what shows.
    coach_gym.coach.coach_settings.booking_horizon_days = 730
    db.session.commit()
    login(coach_gym.ava)
    last = client.get(f"/book/{coach_gym.coach.id}?from=2029-03-14")
    assert last.status_code == 200 and "more than 2 years ahead" not in last.get_data(as_text=True)
    assert "10:00" in last.get_data(as_text=True)  # the last day still offers its morning
    beyond = client.get(f"/book/{coach_gym.coach.id}?from=2029-03-15", headers=HX)
    body = beyond.get_data(as_text=True)
    assert beyond.status_code == 422
    assert 'role="alert"' in body and "more than 2 years ahead" in body and "More days" not in body


def test_coach_forms_mark_the_far_date_inline(client, login, coach_gym):
    session = _one_session(coach_gym)
    login(coach_gym.coach)
    blocked = client.post(
        "/coach/blocked", data={"from_date": "2029-03-15", "whole_days": "1"}, headers=HX
    )
    added = client.post(
        "/coach/additions",
        data={"date": "2029-03-15", "start_time": "14:00", "end_time": "15:00"},
        headers=HX,
    )
    moved = client.post(
        f"/coach/sessions/{session.id}/move", data={"date": "2029-03-15", "time": "10:00"},
        headers=HX,
    )
    group = client.post(
        "/coach/group-classes",
        data={"title": "Yoga", "capacity": "8", "date": "2029-03-15", "start_time": "10:00",
              "end_time": "11:00", "repeat": "once"},
        headers=HX,
    )
    for response in (blocked, added, moved, group):
        assert response.status_code == 422, response.request.path
        assert "more than 2 years ahead" in response.get_data(as_text=True), response.request.path
    assert count(BlockedSlot) == 0 and count(AvailabilityAddition) == 0
    db.session.expire_all()
    assert db.session.get(TrainingSession, session.id).start_time == at("2027-03-16", "10:00")


def _one_session(coach_gym) -> TrainingSession:
    from coachapp.services import bookings

    return bookings.book_one_time(
        coach_gym.admin, coach_gym.coach.id, at("2027-03-16", "10:00"), at("2027-03-16", "11:00"),
        member_id=coach_gym.ava.id,
    )[1]


def test_api_refuses_far_starts_naming_the_field(api, gym, clock):
    for day in range(7):
        response = api.put(
            f"/api/v1/coaches/{gym.coach.id}/weekly-availability/{day}", gym.coach,
            json={"windows": [{"start_time": "09:00", "end_time": "12:00"}]},
        )
        assert response.status_code == 200
    coach = str(gym.coach.id)
    cases = [
        ("POST", "/api/v1/bookings", gym.member,
         {"coach_id": coach, "start_time": "2029-03-15T10:00", "end_time": "2029-03-15T11:00"},
         "start_time"),
        ("POST", "/api/v1/recurring-bookings", gym.member,
         {"coach_id": coach, "day_of_week": 4, "start_time": "10:00", "end_time": "11:00",
          "start_date": "2029-03-15", "end_date": None, "frequency": 1},
         "start_date"),
        ("POST", f"/api/v1/coaches/{coach}/blocked-slots", gym.coach,
         {"start_time": "2029-03-15T00:00", "end_time": "2029-03-16T00:00"}, "start_time"),
        ("POST", f"/api/v1/coaches/{coach}/availability-additions", gym.coach,
         {"start_time": "2029-03-15T14:00", "end_time": "2029-03-15T15:00"}, "start_time"),
        ("POST", f"/api/v1/coaches/{coach}/group-sessions", gym.coach,
         {"start_time": "2029-03-15T10:00", "end_time": "2029-03-15T11:00", "title": "Yoga",
          "capacity": 8}, "start_time"),
        ("GET", f"/api/v1/coaches/{coach}/slots?from=2029-03-15&to=2029-03-20", gym.member,
         None, "from"),
    ]
    for method, path, user, body, field in cases:
        if method == "GET":
            response = api.get(path, user)
        else:
            response = api.post(path, user, json=body)
        error = response.get_json()["error"]
        assert (response.status_code, error["code"], error.get("field")) == (
            422, "validation_error", field
        ), (path, error)
        assert "more than 2 years ahead" in error["message"]
    assert count(TrainingSession) == 0 and count(RecurringBooking) == 0
    # The series may end beyond the horizon when it starts within it.
    ok = api.post("/api/v1/recurring-bookings", gym.member, json={
        "coach_id": coach, "day_of_week": 4, "start_time": "10:00", "end_time": "11:00",
        "start_date": "2027-03-18", "end_date": "2031-12-31", "frequency": 1})
    assert ok.status_code == 201, ok.get_json()

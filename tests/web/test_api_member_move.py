"""A member moves their own one-to-one session through the API (issue 16, item 3): the rules of a
new booking, the cancellation window, and 404 for anything that is not theirs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

MONDAY = 1


@pytest.fixture
def setup(api, mondays_gym):
    """Coach (Berlin) works Mondays 09:00–12:00; the member has booked Monday 29 March 10:00
    (CEST) and a weekly series at 11:00 from 22 March; the clock is 2027-03-15 12:00 UTC."""
    gym = mondays_gym
    one = api.post(
        "/api/v1/bookings",
        gym.member,
        json={
            "coach_id": str(gym.coach.id),
            "start_time": "2027-03-29T10:00",
            "end_time": "2027-03-29T11:00",
        },
    )
    series = api.post(
        "/api/v1/recurring-bookings",
        gym.member,
        json={
            "coach_id": str(gym.coach.id),
            "day_of_week": MONDAY,
            "start_time": "11:00",
            "end_time": "12:00",
            "start_date": "2027-03-22",
        },
    )
    assert one.status_code == 201 and series.status_code == 201
    gym.one = one.get_json()
    gym.series = series.get_json()
    return gym


def _url(session: dict) -> str:
    return f"/api/v1/sessions/{session['id']}/move"


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code
    return error


def test_a_member_moves_their_session_and_the_coach_is_told(api, setup):
    session = setup.one["session"]
    response = api.post(_url(session), setup.member, json={"start_time": "2027-03-29T09:00"})
    assert response.status_code == 200, response.get_json()
    moved = response.get_json()["session"]
    assert moved["id"] == session["id"]
    assert moved["one_time_booking_id"] == session["one_time_booking_id"]
    assert (moved["start_time"], moved["end_time"]) == (
        "2027-03-29T09:00:00+02:00",
        "2027-03-29T10:00:00+02:00",
    )
    booking = api.get(f"/api/v1/bookings/{setup.one['booking']['id']}", setup.member).get_json()
    assert booking["booking"]["status"] == "CONFIRMED"
    assert booking["session"]["start_time"] == "2027-03-29T09:00:00+02:00"
    notes = api.get("/api/v1/notifications", setup.coach).get_json()["notifications"]
    assert [(n["kind"], n["session_id"]) for n in notes] == [("session_moved", session["id"])]
    assert api.get("/api/v1/notifications", setup.member).get_json()["notifications"] == []


def test_a_series_occurrence_moves_and_stays_in_its_series(api, setup):
    occurrence = setup.series["sessions"][0]
    response = api.post(
        _url(occurrence),
        setup.member,
        json={"start_time": "2027-03-22T09:00:00+01:00", "end_time": "2027-03-22T09:30:00+01:00"},
    )
    assert response.status_code == 200, response.get_json()
    moved = response.get_json()["session"]
    assert moved["recurring_booking_id"] == setup.series["recurring_booking"]["id"]
    assert (moved["start_time"], moved["end_time"]) == (
        "2027-03-22T09:00:00+01:00",
        "2027-03-22T09:30:00+01:00",
    )


def test_another_members_session_or_a_group_class_is_404(api, setup):
    for user in (setup.member2,):
        response = api.post(
            _url(setup.one["session"]), user, json={"start_time": "2027-03-29T09:00"}
        )
        _error(response, 404, "not_found")
    api.put(
        f"/api/v1/coaches/{setup.coach.id}/weekly-availability/2",
        setup.coach,
        json={
            "windows": [
                {
                    "start_time": "09:00",
                    "end_time": "12:00",
                    "is_group": True,
                    "is_individual": False,
                }
            ]
        },
    )
    made = api.post(
        f"/api/v1/coaches/{setup.coach.id}/group-sessions",
        setup.coach,
        json={
            "start_time": "2027-03-30T09:00",
            "end_time": "2027-03-30T10:00",
            "title": "Yoga",
            "capacity": 5,
        },
    )
    assert made.status_code == 201, made.get_json()
    group = made.get_json()["session"]
    assert api.post(f"/api/v1/sessions/{group['id']}/places", setup.member).status_code == 201
    response = api.post(_url(group), setup.member, json={"start_time": "2027-03-30T10:00"})
    _error(response, 404, "not_found")
    response = api.post(
        "/api/v1/sessions/987654/move", setup.member, json={"start_time": "2027-03-29T09:00"}
    )
    _error(response, 404, "not_found")


def test_inside_the_cancellation_window_it_is_too_late_to_change(api, setup, clock):
    clock.set(datetime(2027, 3, 28, 12, 0, tzinfo=UTC))  # 20 h before 29 March 10:00 CEST
    url = _url(setup.one["session"])
    error = _error(
        api.post(url, setup.member, json={"start_time": "2027-03-29T09:00"}),
        409,
        "too_late_to_change",
    )
    assert "24 h" in error["message"]
    cancelled = api.post(f"/api/v1/bookings/{setup.one['booking']['id']}/cancel", setup.member)
    assert cancelled.status_code == 200, "a late cancel is still allowed"
    assert cancelled.get_json()["booking"]["late_cancel"] is True


def test_the_rules_of_a_new_booking_bind_the_new_time(api, setup, clock):
    url = _url(setup.one["session"])
    beyond = api.post(url, setup.member, json={"start_time": "2027-05-24T09:00"})
    _error(beyond, 409, "beyond_horizon")
    outside = api.post(url, setup.member, json={"start_time": "2027-03-30T09:00"})
    _error(outside, 409, "slot_unavailable")
    taken = api.post(url, setup.member, json={"start_time": "2027-03-29T11:00"})
    assert taken.status_code == 409
    clock.set(datetime(2027, 3, 22, 7, 0, tzinfo=UTC))  # Monday 22 March, 08:00 in Berlin
    soon = api.post(url, setup.member, json={"start_time": "2027-03-22T09:00"})
    _error(soon, 409, "too_soon")


def test_a_member_move_is_validated_like_any_move(api, setup):
    url = _url(setup.one["session"])
    backwards = api.post(
        url, setup.member, json={"start_time": "2027-03-29T09:00", "end_time": "2027-03-29T08:00"}
    )
    assert _error(backwards, 422, "validation_error")["field"] == "end_time"
    wrong = api.post(url, setup.member, json={"start_time": 9})
    assert _error(wrong, 400, "bad_request")["field"] == "start_time"
    missing = api.post(url, setup.member, json={})
    assert _error(missing, 422, "validation_error")["field"] == "start_time"

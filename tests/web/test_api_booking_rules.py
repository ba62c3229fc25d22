"""The booking rules through the API: the settings fields, 409 ``beyond_horizon`` / ``too_soon``
for members, coaches unbound, and slot lists that leave out what a member may not book.

The clock is Monday 2027-03-15 12:00 UTC (13:00 in Berlin); the coach works Mondays 09:00–12:00
with the defaults (56 days ahead, 120 minutes' notice): the last bookable Monday is 10 May.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

MONDAY = 1


@pytest.fixture
def setup(mondays_gym):
    """The API tests' Monday coach in Berlin."""
    return mondays_gym


def _booking(gym, day, hhmm="10:00", **extra):
    end = f"{int(hhmm[:2]) + 1:02d}{hhmm[2:]}"
    return {
        "coach_id": str(gym.coach.id),
        "start_time": f"{day}T{hhmm}",
        "end_time": f"{day}T{end}",
        **extra,
    }


def _error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code
    return error


def test_the_coach_and_the_settings_show_the_rules_and_patch_changes_them(api, setup):
    url = f"/api/v1/coaches/{setup.coach.id}"
    rules = ("booking_horizon_days", "min_notice_minutes", "cancellation_window_hours")
    coach = api.get(url, setup.member).get_json()["coach"]
    assert tuple(coach[k] for k in rules) == (56, 120, 24)
    response = api.request(
        "PATCH",
        f"{url}/settings",
        setup.coach,
        json={"booking_horizon_days": 14, "min_notice_minutes": 0, "cancellation_window_hours": 6},
    )
    assert response.status_code == 200
    settings = response.get_json()["settings"]
    assert tuple(settings[k] for k in rules) == (14, 0, 6)
    coach = api.get(url, setup.member).get_json()["coach"]
    assert tuple(coach[k] for k in rules) == (14, 0, 6)
    [listed] = [
        c
        for c in api.get("/api/v1/coaches", setup.member).get_json()["coaches"]
        if c["id"] == str(setup.coach.id)
    ]
    assert tuple(listed[k] for k in rules) == (14, 0, 6)
    # Left out: kept.
    response = api.request("PATCH", f"{url}/settings", setup.coach, json={"default_duration": 45})
    assert response.get_json()["settings"]["booking_horizon_days"] == 14


@pytest.mark.parametrize(
    "field, value",
    [
        ("booking_horizon_days", 0),
        ("booking_horizon_days", 731),
        ("booking_horizon_days", None),
        ("min_notice_minutes", -1),
        ("min_notice_minutes", 10081),
        ("min_notice_minutes", None),
        ("min_notice_minutes", "120"),
    ],
)
def test_out_of_range_or_null_rules_are_422_naming_the_field(api, setup, field, value):
    response = api.request(
        "PATCH", f"/api/v1/coaches/{setup.coach.id}/settings", setup.coach, json={field: value}
    )
    if value == "120":
        assert response.status_code in (400, 422)
        assert field in response.get_json()["error"]["message"]
        return
    error = _error(response, 422, "validation_error")
    assert error["field"] == field


def test_a_member_booking_beyond_the_horizon_is_409_beyond_horizon(api, setup):
    response = api.post("/api/v1/bookings", setup.member, json=_booking(setup, "2027-05-17"))
    error = _error(response, 409, "beyond_horizon")
    assert error["code"] == "beyond_horizon"
    assert "takes bookings up to 8 weeks ahead" in error["message"]
    assert (
        api.post("/api/v1/bookings", setup.member, json=_booking(setup, "2027-05-10")).status_code
        == 201
    )
    # The coach books it for the member.
    response = api.post(
        "/api/v1/bookings",
        setup.coach,
        json=_booking(setup, "2027-05-17", member_id=str(setup.member.id)),
    )
    assert response.status_code == 201


def test_a_member_booking_too_soon_is_409_too_soon(api, setup, clock):
    clock.set(datetime(2027, 3, 22, 8, 0, tzinfo=UTC))  # 09:00 in Berlin
    response = api.post("/api/v1/bookings", setup.member, json=_booking(setup, "2027-03-22"))
    error = _error(response, 409, "too_soon")
    assert error["code"] == "too_soon"
    assert "needs 2 hours' notice; the earliest you can book is 11:00" in error["message"]
    assert (
        api.post(
            "/api/v1/bookings", setup.member, json=_booking(setup, "2027-03-22", "11:00")
        ).status_code
        == 201
    )
    response = api.post(
        "/api/v1/bookings",
        setup.admin,
        json=_booking(setup, "2027-03-22", member_id=str(setup.member.id)),
    )
    assert response.status_code == 201


def test_a_members_series_must_start_within_the_horizon(api, setup):
    series = {
        "coach_id": str(setup.coach.id),
        "day_of_week": MONDAY,
        "start_time": "10:00",
        "end_time": "11:00",
        "end_date": None,
        "frequency": 1,
    }
    response = api.post(
        "/api/v1/recurring-bookings", setup.member, json={**series, "start_date": "2027-05-17"}
    )
    assert _error(response, 409, "beyond_horizon")["code"] == "beyond_horizon"
    response = api.post(
        "/api/v1/recurring-bookings",
        setup.member,
        json={**series, "start_date": "2027-05-10", "end_date": "2027-12-27"},
    )
    assert response.status_code == 201
    assert response.get_json()["recurring_booking"]["end_date"] == "2027-12-27"


def test_slots_for_a_member_leave_out_what_they_may_not_book(api, setup, clock):
    clock.set(datetime(2027, 3, 22, 8, 0, tzinfo=UTC))  # 09:00 in Berlin
    url = f"/api/v1/coaches/{setup.coach.id}/slots?from=2027-03-22&to=2027-03-22"
    member = [s["start_time"][11:16] for s in api.get(url, setup.member).get_json()["slots"]]
    coach = [s["start_time"][11:16] for s in api.get(url, setup.coach).get_json()["slots"]]
    assert member == ["11:00"] and coach == ["10:00", "11:00"]
    far = f"/api/v1/coaches/{setup.coach.id}/slots?from=2027-05-24&to=2027-05-24"
    assert api.get(far, setup.member).get_json()["slots"] == []
    assert len(api.get(far, setup.coach).get_json()["slots"]) == 3

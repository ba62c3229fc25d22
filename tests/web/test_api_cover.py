"""Cover coaches through the API (issue 17 item 6): ``GET /sessions/{id}/cover-coaches``,
``resolve`` with ``reassign``, and the same for a series' conflicts. Every answer is checked
against the OpenAPI document (``api`` fixture)."""

from __future__ import annotations

import pytest

MONDAY = 1


def _works_mondays(api, coach, room_id=None):
    window = {"start_time": "09:00", "end_time": "12:00"}
    if room_id is not None:
        window["room_id"] = str(room_id)
    response = api.put(
        f"/api/v1/coaches/{coach.id}/weekly-availability/{MONDAY}",
        coach,
        json={"windows": [window]},
    )
    assert response.status_code == 200, response.get_json()


def _block(api, coach, day):
    response = api.post(
        f"/api/v1/coaches/{coach.id}/blocked-slots",
        coach,
        json={"start_time": f"{day}T00:00", "end_time": f"{day}T23:59", "reason": "ill"},
    )
    assert response.status_code == 201, response.get_json()


@pytest.fixture
def ill(api, mondays_gym, make_user):
    """The member's session with the coach on Mon 22 Mar 2027 10:00–11:00 (Studio A); the coach
    is ill that day; Sam works Mondays 09–12 (Berlin)."""
    gym = mondays_gym
    gym.sam = make_user("coach", name="Sam Cover", timezone="Europe/Berlin")
    _works_mondays(api, gym.sam)
    response = api.post(
        "/api/v1/bookings",
        gym.member,
        json={
            "coach_id": str(gym.coach.id),
            "start_time": "2027-03-22T10:00",
            "end_time": "2027-03-22T11:00",
        },
    )
    assert response.status_code == 201, response.get_json()
    gym.session = response.get_json()["session"]
    _block(api, gym.coach, "2027-03-22")
    return gym


def test_cover_coaches_lists_who_is_available_and_free(api, ill):
    url = f"/api/v1/sessions/{ill.session['id']}/cover-coaches"
    for who in (ill.coach, ill.admin):
        response = api.get(url, who)
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == {"coaches": [{"id": str(ill.sam.id), "name": "Sam Cover"}]}
    assert api.get(url, ill.member).status_code == 403
    assert api.get(url, ill.coach2).status_code == 404
    assert api.get(url, ill.member2).status_code == 404
    assert api.get(url).status_code == 401
    assert api.get("/api/v1/sessions/999999/cover-coaches", ill.coach).status_code == 404
    assert api.get("/api/v1/sessions/abc/cover-coaches", ill.coach).status_code == 404


def test_reassign_gives_the_session_to_the_cover_coach(api, ill):
    session_id = ill.session["id"]
    response = api.post(
        f"/api/v1/sessions/{session_id}/resolve",
        ill.coach,
        json={"action": "reassign", "coach_id": str(ill.sam.id)},
    )
    assert response.status_code == 200, response.get_json()
    moved = response.get_json()["session"]
    assert moved["id"] == session_id
    assert moved["coach_id"] == str(ill.sam.id)
    assert moved["room_id"] == str(ill.room.id)  # Studio A was free: kept
    assert moved["status"] == "scheduled"
    assert moved["one_time_booking_id"] == ill.session["one_time_booking_id"]
    conflicts = api.get(f"/api/v1/coaches/{ill.coach.id}/conflicts", ill.coach).get_json()
    assert conflicts == {"conflicts": []}
    told = api.get("/api/v1/notifications", ill.member).get_json()["notifications"]
    assert [n["kind"] for n in told] == ["session_reassigned"]
    assert "with Sam Cover instead of" in told[0]["message"]
    assert told[0]["session_id"] == session_id
    to_sam = api.get("/api/v1/notifications", ill.sam).get_json()["notifications"]
    assert [n["kind"] for n in to_sam] == ["session_reassigned"]
    # the cover coach now sees it; the coach who gave it away does not
    assert api.get(f"/api/v1/sessions/{session_id}", ill.sam).status_code == 200
    assert api.get(f"/api/v1/sessions/{session_id}", ill.coach).status_code == 404


def test_reassign_refused_with_slot_unavailable_when_no_longer_possible(api, ill, make_user):
    other = make_user("member")
    response = api.post(
        "/api/v1/bookings",
        ill.sam,
        json={
            "coach_id": str(ill.sam.id),
            "start_time": "2027-03-22T10:30",
            "end_time": "2027-03-22T11:30",
            "member_id": str(other.id),
        },
    )
    assert response.status_code == 201, response.get_json()
    url = f"/api/v1/sessions/{ill.session['id']}/resolve"
    response = api.post(url, ill.coach, json={"action": "reassign", "coach_id": str(ill.sam.id)})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "slot_unavailable"
    assert error["message"] == "Sam Cover has another session on Mon 22 Mar 2027 10:00–11:00."
    response = api.post(url, ill.coach, json={"action": "reassign", "coach_id": str(ill.coach2.id)})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "slot_unavailable"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"action": "reassign"}, "coach_id"),
        ({"action": "reassign", "coach_id": None}, "coach_id"),
        ({"action": "keep", "coach_id": "5"}, "coach_id"),
        ({"action": "reassign", "coach_id": "999999"}, "coach_id"),
        ({"action": "give"}, "action"),
    ],
)
def test_reassign_input_errors_name_the_field(api, ill, body, field):
    response = api.post(f"/api/v1/sessions/{ill.session['id']}/resolve", ill.coach, json=body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error.get("field") == field, error


def test_only_the_sessions_coach_or_an_admin_may_reassign(api, ill):
    url = f"/api/v1/sessions/{ill.session['id']}/resolve"
    body = {"action": "reassign", "coach_id": str(ill.sam.id)}
    assert api.post(url, ill.member, json=body).status_code == 403
    assert api.post(url, ill.coach2, json=body).status_code == 404
    assert api.post(url, ill.sam, json=body).status_code == 404
    response = api.post(url, ill.admin, json=body)
    assert response.status_code == 200
    told = api.get("/api/v1/notifications", ill.coach).get_json()["notifications"]
    assert [n["kind"] for n in told] == ["session_reassigned"], "an admin did it: coach told"


def test_a_series_conflicts_go_to_the_coach_who_takes_them_all(api, mondays_gym, make_user):
    gym = mondays_gym
    sam = make_user("coach", name="Sam Cover", timezone="Europe/Berlin")
    _works_mondays(api, sam)
    response = api.post(
        "/api/v1/recurring-bookings",
        gym.member,
        json={
            "coach_id": str(gym.coach.id),
            "day_of_week": MONDAY,
            "start_time": "10:00",
            "end_time": "11:00",
            "start_date": "2027-03-22",
        },
    )
    assert response.status_code == 201, response.get_json()
    series_id = response.get_json()["recurring_booking"]["id"]
    for day in ("2027-03-22", "2027-03-29"):
        _block(api, gym.coach, day)
    url = f"/api/v1/recurring-bookings/{series_id}/cover-coaches"
    response = api.get(url, gym.coach)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"coaches": [{"id": str(sam.id), "name": "Sam Cover"}]}
    assert api.get(url, gym.coach2).status_code == 404
    assert api.get(url, gym.member).status_code == 404

    response = api.post(
        f"/api/v1/recurring-bookings/{series_id}/resolve",
        gym.coach,
        json={"action": "reassign", "coach_id": str(sam.id)},
    )
    assert response.status_code == 200, response.get_json()
    given = response.get_json()["sessions"]
    assert [s["start_time"] for s in given] == [
        "2027-03-22T10:00:00+01:00",
        "2027-03-29T10:00:00+02:00",
    ]
    assert {s["coach_id"] for s in given} == {str(sam.id)}
    assert {s["recurring_booking_id"] for s in given} == {series_id}
    series = api.get(f"/api/v1/recurring-bookings/{series_id}", gym.coach).get_json()
    assert series["recurring_booking"]["coach_id"] == str(gym.coach.id)
    again = api.post(
        f"/api/v1/recurring-bookings/{series_id}/resolve",
        gym.coach,
        json={"action": "reassign", "coach_id": str(sam.id)},
    )
    assert again.status_code == 409
    assert api.get(url, gym.coach).get_json() == {"coaches": []}

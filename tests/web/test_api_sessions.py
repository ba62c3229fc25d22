"""Sessions through the API: listing and filters, conflicts and their resolution, no-shows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

MONDAY = 1


@pytest.fixture
def booked(api, gym, clock):
    """Both coaches work Mondays 09:00–12:00; member books coach Mon 29 Mar 10:00 and 11:00,
    member2 books coach Mon 5 Apr 09:00, member books coach2 Mon 29 Mar 09:00 (New York)."""
    for coach in (gym.coach, gym.coach2):
        response = api.put(
            f"/api/v1/coaches/{coach.id}/weekly-availability/{MONDAY}", coach,
            json={"windows": [{"start_time": "09:00", "end_time": "12:00"}]})
        assert response.status_code == 200
    made = {}
    for key, user, coach, start, end in [
        ("a", gym.member, gym.coach, "2027-03-29T10:00", "2027-03-29T11:00"),
        ("b", gym.member, gym.coach, "2027-03-29T11:00", "2027-03-29T12:00"),
        ("c", gym.member2, gym.coach, "2027-04-05T09:00", "2027-04-05T10:00"),
        ("d", gym.member, gym.coach2, "2027-03-29T09:00", "2027-03-29T10:00"),
    ]:
        response = api.post("/api/v1/bookings", user, json={
            "coach_id": str(coach.id), "start_time": start, "end_time": end})
        assert response.status_code == 201, response.get_json()
        made[key] = response.get_json()["session"]
    gym.sessions = made
    return gym


def _ids(response):
    assert response.status_code == 200, response.get_json()
    return [s["id"] for s in response.get_json()["sessions"]]


def test_each_role_sees_its_own_sessions(api, booked):
    s = booked.sessions
    assert _ids(api.get("/api/v1/sessions", booked.admin)) == [
        s["a"]["id"], s["b"]["id"], s["d"]["id"], s["c"]["id"]], "09:00 in New York is 15:00 here"
    assert _ids(api.get("/api/v1/sessions", booked.member)) == [
        s["a"]["id"], s["b"]["id"], s["d"]["id"]]
    assert _ids(api.get("/api/v1/sessions", booked.member2)) == [s["c"]["id"]]
    assert _ids(api.get("/api/v1/sessions", booked.coach)) == [
        s["a"]["id"], s["b"]["id"], s["c"]["id"]]
    assert _ids(api.get("/api/v1/sessions", booked.coach2)) == [s["d"]["id"]]
    new_york = api.get("/api/v1/sessions", booked.member).get_json()["sessions"][2]
    assert new_york["start_time"] == "2027-03-29T09:00:00-04:00", "each in its coach's zone"


def test_asking_for_someone_elses_sessions_is_403(api, booked):
    url = "/api/v1/sessions?member_id={}"
    assert api.get(url.format(booked.member2.id), booked.member).status_code == 403
    assert api.get(url.format(booked.member.id), booked.member).status_code == 200
    assert api.get(f"/api/v1/sessions?coach_id={booked.coach2.id}", booked.coach).status_code == 403
    assert api.get("/api/v1/sessions").status_code == 401


def test_filters(api, booked):
    s = booked.sessions
    coach, member = booked.coach.id, booked.member.id
    assert _ids(api.get(f"/api/v1/sessions?coach_id={coach}&member_id={member}", booked.admin)
                ) == [s["a"]["id"], s["b"]["id"]]
    assert _ids(api.get(f"/api/v1/sessions?coach_id={coach}", booked.member)) == [
        s["a"]["id"], s["b"]["id"]]
    assert _ids(api.get("/api/v1/sessions?from=2027-04-05&to=2027-04-05", booked.admin)) == [
        s["c"]["id"]]
    assert _ids(api.get("/api/v1/sessions?to=2027-03-29", booked.admin)) == [
        s["a"]["id"], s["b"]["id"], s["d"]["id"]]
    assert _ids(api.get("/api/v1/sessions?from=2027-03-29T10:30:00%2B02:00&to=2027-04-01",
                        booked.admin)) == [s["a"]["id"], s["b"]["id"], s["d"]["id"]]
    assert _ids(api.get("/api/v1/sessions?from=2027-03-29T11:00:00%2B02:00&to=2027-04-01",
                        booked.admin)) == [s["b"]["id"], s["d"]["id"]]
    assert _ids(api.get(f"/api/v1/sessions?coach_id={coach}&from=2027-03-29T11:00",
                        booked.admin)) == [s["b"]["id"], s["c"]["id"]]
    assert _ids(api.get("/api/v1/sessions?status=cancelled", booked.admin)) == []
    assert _ids(api.get("/api/v1/sessions?status=scheduled&member_id=" + str(member),
                        booked.admin)) == [s["a"]["id"], s["b"]["id"], s["d"]["id"]]


def test_get_one_session(api, booked):
    a = booked.sessions["a"]
    assert api.get(f"/api/v1/sessions/{a['id']}", booked.member).get_json()["session"] == a
    assert api.get(f"/api/v1/sessions/{a['id']}", booked.coach).status_code == 200
    assert api.get(f"/api/v1/sessions/{a['id']}", booked.admin).status_code == 200
    assert api.get(f"/api/v1/sessions/{a['id']}", booked.member2).status_code == 404
    assert api.get(f"/api/v1/sessions/{a['id']}", booked.coach2).status_code == 404


def _narrow_monday(api, gym):
    """Shrink the coach's Monday to 09:00–10:00, leaving sessions a and b (10:00, 11:00) outside."""
    response = api.put(f"/api/v1/coaches/{gym.coach.id}/weekly-availability/{MONDAY}", gym.coach,
                       json={"windows": [{"start_time": "09:00", "end_time": "10:00"}]})
    assert response.status_code == 200
    return response.get_json()["conflicts"]


def test_conflicts_and_keep(api, booked):
    s = booked.sessions
    conflicts = _narrow_monday(api, booked)
    assert [c["id"] for c in conflicts] == [s["a"]["id"], s["b"]["id"]]
    listed = api.get(f"/api/v1/coaches/{booked.coach.id}/conflicts", booked.coach).get_json()
    assert [c["id"] for c in listed["conflicts"]] == [s["a"]["id"], s["b"]["id"]]
    assert all(c["conflict_reason"] for c in listed["conflicts"])

    assert api.get(f"/api/v1/coaches/{booked.coach.id}/conflicts", booked.member).status_code == 403
    assert api.get(f"/api/v1/coaches/{booked.coach.id}/conflicts", booked.coach2).status_code == 403
    assert api.get(f"/api/v1/coaches/{booked.coach.id}/conflicts", booked.admin).status_code == 200

    url = f"/api/v1/sessions/{s['a']['id']}/resolve"
    assert api.post(url, booked.member, json={"action": "keep"}).status_code == 403
    assert api.post(url, booked.coach2, json={"action": "keep"}).status_code == 404
    response = api.post(url, booked.coach, json={"action": "keep"})
    assert response.status_code == 200
    assert response.get_json()["session"]["status"] == "scheduled"
    listed = api.get(f"/api/v1/coaches/{booked.coach.id}/conflicts", booked.coach).get_json()
    assert [c["id"] for c in listed["conflicts"]] == [s["b"]["id"]]
    additions = api.get(f"/api/v1/coaches/{booked.coach.id}/availability-additions"
                        "?from=2027-03-29&to=2027-03-29", booked.coach).get_json()
    [kept] = additions["availability_additions"]
    assert (kept["start_time"], kept["end_time"]) == (s["a"]["start_time"], s["a"]["end_time"])

    again = api.post(url, booked.coach, json={"action": "keep"})
    assert again.status_code == 409, "no longer a conflict"


def test_resolve_cancel(api, booked):
    s = booked.sessions
    _narrow_monday(api, booked)
    response = api.post(f"/api/v1/sessions/{s['b']['id']}/resolve", booked.admin,
                        json={"action": "cancel"})
    assert response.status_code == 200
    assert response.get_json()["session"]["status"] == "cancelled"
    booking = api.get(f"/api/v1/bookings/{s['b']['one_time_booking_id']}", booked.member)
    assert booking.get_json()["booking"]["status"] == "CANCELLED_BY_COACH"
    again = api.post(f"/api/v1/sessions/{s['b']['id']}/resolve", booked.coach,
                     json={"action": "cancel"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_cancelled"


def test_no_show_only_once_started(api, booked, clock):
    a = booked.sessions["a"]
    url = f"/api/v1/sessions/{a['id']}/no-show"
    early = api.post(url, booked.coach)
    assert early.status_code == 409
    clock.set(datetime(2027, 3, 29, 8, 15, tzinfo=UTC))
    assert api.post(url, booked.member).status_code == 403
    assert api.post(url, booked.member2).status_code == 404
    assert api.post(url, booked.coach2).status_code == 404
    response = api.post(url, booked.coach)
    assert response.status_code == 200
    assert response.get_json()["session"]["status"] == "no_show"
    booking = api.get(f"/api/v1/bookings/{a['one_time_booking_id']}", booked.member)
    assert booking.get_json()["booking"]["status"] == "NO_SHOW"

    b = booked.sessions["b"]
    api.post(f"/api/v1/bookings/{b['one_time_booking_id']}/cancel", booked.member)
    response = api.post(f"/api/v1/sessions/{b['id']}/no-show", booked.admin)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "already_cancelled"

"""Availability through the API: weekly template, blocked slots, availability additions."""

from __future__ import annotations

import pytest

MONDAY = 1


@pytest.fixture
def weekly(api, gym, clock):
    """Put Monday 09:00–12:00 (Studio A) into the coach's template; returns the URL of Monday."""
    url = f"/api/v1/coaches/{gym.coach.id}/weekly-availability/{MONDAY}"
    response = api.put(url, gym.coach, json={"windows": [
        {"start_time": "09:00", "end_time": "12:00", "room_id": str(gym.room.id)}]})
    assert response.status_code == 200, response.get_json()
    return url


def _book(api, gym, start, end, user=None):
    user = user or gym.member
    response = api.post("/api/v1/bookings", user, json={
        "coach_id": str(gym.coach.id), "start_time": start, "end_time": end})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_weekly_template_round_trip(api, gym, weekly):
    response = api.get(f"/api/v1/coaches/{gym.coach.id}/weekly-availability", gym.member)
    assert response.status_code == 200
    [window] = response.get_json()["windows"]
    assert window == {
        "id": window["id"], "day_of_week": MONDAY, "start_time": "09:00", "end_time": "12:00",
        "room_id": str(gym.room.id), "is_individual": True, "is_group": False,
    }
    assert isinstance(window["id"], str) and window["id"].isdigit()


def test_put_replaces_only_that_day_and_empty_clears_it(api, gym, weekly):
    tuesday = f"/api/v1/coaches/{gym.coach.id}/weekly-availability/2"
    response = api.put(tuesday, gym.coach, json={"windows": [
        {"start_time": "14:00", "end_time": "16:00", "is_group": True},
        {"start_time": "08:00", "end_time": "09:30"},
    ]})
    assert response.status_code == 200
    body = response.get_json()
    assert [w["start_time"] for w in body["windows"]] == ["08:00", "14:00"]
    assert body["windows"][1]["is_group"] is True
    assert body["conflicts"] == []

    response = api.put(weekly, gym.coach, json={"windows": [
        {"start_time": "10:00", "end_time": "11:00"}]})
    assert [w["start_time"] for w in response.get_json()["windows"]] == ["10:00"]
    listed = api.get(f"/api/v1/coaches/{gym.coach.id}/weekly-availability", gym.coach)
    assert [(w["day_of_week"], w["start_time"]) for w in listed.get_json()["windows"]] == [
        (1, "10:00"), (2, "08:00"), (2, "14:00")]

    assert api.put(weekly, gym.coach, json={"windows": []}).status_code == 200
    listed = api.get(f"/api/v1/coaches/{gym.coach.id}/weekly-availability", gym.coach)
    assert [w["day_of_week"] for w in listed.get_json()["windows"]] == [2, 2]


def test_overlapping_windows_and_unknown_rooms_are_422(api, gym, weekly):
    response = api.put(weekly, gym.coach, json={"windows": [
        {"start_time": "09:00", "end_time": "11:00"},
        {"start_time": "10:00", "end_time": "12:00"}]})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"].startswith("windows[1]")
    response = api.put(weekly, gym.coach, json={"windows": [
        {"start_time": "09:00", "end_time": "11:00", "room_id": "987654"}]})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "windows[0].room_id"
    listed = api.get(f"/api/v1/coaches/{gym.coach.id}/weekly-availability", gym.coach)
    assert len(listed.get_json()["windows"]) == 1, "a refused PUT changes nothing"


def test_removing_a_window_reports_the_booked_session_as_a_conflict(api, gym, weekly):
    booked = _book(api, gym, "2027-03-29T10:00", "2027-03-29T11:00")
    response = api.put(weekly, gym.coach, json={"windows": [
        {"start_time": "09:00", "end_time": "10:00"}]})
    assert response.status_code == 200
    [conflict] = response.get_json()["conflicts"]
    assert conflict["id"] == booked["session"]["id"]
    assert conflict["start_time"] == "2027-03-29T10:00:00+02:00"
    assert conflict["conflict_reason"]


def test_blocked_slot_create_read_in_coach_zone_and_delete(api, gym, weekly):
    response = api.post(f"/api/v1/coaches/{gym.coach.id}/blocked-slots", gym.coach, json={
        "start_time": "2027-04-05T09:00", "end_time": "2027-04-05T10:00:00Z", "reason": "Dentist"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["blocked_slot"]["start_time"] == "2027-04-05T09:00:00+02:00"
    assert body["blocked_slot"]["end_time"] == "2027-04-05T12:00:00+02:00"
    assert body["blocked_slot"]["reason"] == "Dentist"
    assert body["blocked_slot"]["coach_id"] == str(gym.coach.id)
    assert body["conflicts"] == []
    slot_id = body["blocked_slot"]["id"]

    slots = api.get(f"/api/v1/coaches/{gym.coach.id}/slots?from=2027-04-05&to=2027-04-05",
                    gym.member).get_json()["slots"]
    assert slots == [], "the whole Monday is blocked"

    listed = api.get(f"/api/v1/coaches/{gym.coach.id}/blocked-slots?from=2027-04-01&to=2027-04-30",
                     gym.coach)
    assert [b["id"] for b in listed.get_json()["blocked_slots"]] == [slot_id]

    assert api.delete(f"/api/v1/blocked-slots/{slot_id}", gym.coach).status_code == 204
    assert api.delete(f"/api/v1/blocked-slots/{slot_id}", gym.coach).status_code == 404
    slots = api.get(f"/api/v1/coaches/{gym.coach.id}/slots?from=2027-04-05&to=2027-04-05",
                    gym.member).get_json()["slots"]
    assert len(slots) == 3


def test_blocking_a_booked_session_returns_it_as_a_conflict(api, gym, weekly):
    booked = _book(api, gym, "2027-03-29T10:00", "2027-03-29T11:00")
    response = api.post(f"/api/v1/coaches/{gym.coach.id}/blocked-slots", gym.coach, json={
        "start_time": "2027-03-29T00:00", "end_time": "2027-03-30T00:00"})
    assert response.status_code == 201
    [conflict] = response.get_json()["conflicts"]
    assert conflict["id"] == booked["session"]["id"]
    conflicts = api.get(f"/api/v1/coaches/{gym.coach.id}/conflicts", gym.coach).get_json()
    assert [c["id"] for c in conflicts["conflicts"]] == [booked["session"]["id"]]


def test_blocked_slot_refusals(api, gym, weekly):
    url = f"/api/v1/coaches/{gym.coach.id}/blocked-slots"
    span = {"start_time": "2027-04-05T09:00", "end_time": "2027-04-05T10:00"}
    response = api.post(url, gym.coach, json={**span, "end_time": "2027-04-05T08:00"})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "end_time"
    assert api.post(url, gym.member, json=span).status_code == 403
    assert api.post(url, gym.coach2, json=span).status_code == 403
    assert api.post(url, gym.admin, json=span).status_code == 201
    assert api.post("/api/v1/coaches/424242/blocked-slots", gym.admin, json=span).status_code == 404
    assert api.post(url, json=span).status_code == 401


def test_addition_opens_time_outside_the_template(api, gym, weekly):
    url = f"/api/v1/coaches/{gym.coach.id}/availability-additions"
    response = api.post(url, gym.coach, json={
        "start_time": "2027-04-03T10:00:00+02:00", "end_time": "2027-04-03T12:00:00+02:00",
        "room_id": str(gym.room2.id), "reason": "Saturday special"})
    assert response.status_code == 201
    addition = response.get_json()["availability_addition"]
    assert addition["start_time"] == "2027-04-03T10:00:00+02:00"
    assert addition["room_id"] == str(gym.room2.id)
    assert addition["reason"] == "Saturday special"

    slots = api.get(f"/api/v1/coaches/{gym.coach.id}/slots?from=2027-04-03&to=2027-04-03",
                    gym.member).get_json()["slots"]
    assert [(s["start_time"], s["room_id"]) for s in slots] == [
        ("2027-04-03T10:00:00+02:00", str(gym.room2.id)),
        ("2027-04-03T11:00:00+02:00", str(gym.room2.id)),
    ]
    listed = api.get(f"{url}?from=2027-04-03&to=2027-04-03", gym.admin).get_json()
    assert [a["id"] for a in listed["availability_additions"]] == [addition["id"]]

    assert api.delete(f"/api/v1/availability-additions/{addition['id']}", gym.member
                      ).status_code == 403
    assert api.delete(f"/api/v1/availability-additions/{addition['id']}", gym.coach2
                      ).status_code == 403
    assert api.delete(f"/api/v1/availability-additions/{addition['id']}", gym.coach
                      ).status_code == 204
    assert api.delete(f"/api/v1/availability-additions/{addition['id']}", gym.coach
                      ).status_code == 404


def test_addition_refusals(api, gym, weekly):
    url = f"/api/v1/coaches/{gym.coach.id}/availability-additions"
    span = {"start_time": "2027-04-03T10:00", "end_time": "2027-04-03T12:00"}
    response = api.post(url, gym.coach, json={**span, "room_id": "987654"})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "room_id"
    response = api.post(url, gym.coach, json={**span, "end_time": "2027-04-03T10:00"})
    assert response.status_code == 422
    assert api.post(url, gym.member, json=span).status_code == 403
    assert api.post(url, gym.coach2, json=span).status_code == 403
    assert api.get(url, gym.member).status_code == 403
    assert api.get(url, gym.coach2).status_code == 403
    assert api.get(f"/api/v1/coaches/{gym.coach.id}/blocked-slots", gym.member).status_code == 403


def test_weekly_availability_is_the_coachs_own(api, gym, weekly):
    body = {"windows": [{"start_time": "09:00", "end_time": "10:00"}]}
    assert api.put(weekly, gym.member, json=body).status_code == 403
    assert api.put(weekly, gym.coach2, json=body).status_code == 403
    assert api.put(weekly, gym.admin, json=body).status_code == 200
    assert api.put(weekly, json=body).status_code == 401
    other = f"/api/v1/coaches/{gym.coach2.id}/weekly-availability/{MONDAY}"
    assert api.put(other, gym.coach2, json=body).status_code == 200
    assert api.get(f"/api/v1/coaches/{gym.coach2.id}/weekly-availability",
                   gym.member).status_code == 200


def test_listing_ranges_default_to_62_days(api, gym, weekly):
    url = f"/api/v1/coaches/{gym.coach.id}/blocked-slots"
    for start in ("2027-03-20T09:00", "2027-06-01T09:00"):
        api.post(url, gym.coach, json={"start_time": start, "end_time": start[:11] + "10:00"})
    listed = api.get(url, gym.coach).get_json()["blocked_slots"]
    assert [b["start_time"][:10] for b in listed] == ["2027-03-20"], "today and 62 days on"
    listed = api.get(f"{url}?to=2027-06-01", gym.coach).get_json()["blocked_slots"]
    assert [b["start_time"][:10] for b in listed] == ["2027-06-01"], "62 days before to"
    listed = api.get(f"{url}?from=2027-02-01", gym.coach).get_json()["blocked_slots"]
    assert [b["start_time"][:10] for b in listed] == ["2027-03-20"], "62 days after from"
    response = api.get(f"{url}?from=2027-06-02&to=2027-06-01", gym.coach)
    assert response.status_code == 422

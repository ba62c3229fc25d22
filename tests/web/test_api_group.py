"""Group classes through the API: scheduling (one-off and series) with its authorization, listing
classes with places left, booking places and the waitlist, and cancelling a place (which promotes
the first member waiting). Every response is checked against the OpenAPI document."""

from __future__ import annotations

import pytest

MONDAY = 1


@pytest.fixture
def setup(api, gym, clock):
    """Coach (Berlin) works Mondays 09:00–12:00 one-to-one and 17:00–20:00 with groups in Studio A;
    the clock is 2027-03-15 12:00 UTC."""
    response = api.put(
        f"/api/v1/coaches/{gym.coach.id}/weekly-availability/{MONDAY}", gym.coach,
        json={"windows": [
            {"start_time": "09:00", "end_time": "12:00", "room_id": str(gym.room.id)},
            {"start_time": "17:00", "end_time": "20:00", "room_id": str(gym.room.id),
             "is_individual": False, "is_group": True},
        ]})
    assert response.status_code == 200
    return gym


def _class(gym, **extra):
    return {"start_time": "2027-03-22T18:00", "end_time": "2027-03-22T19:00",
            "title": "Kettlebells", "capacity": 2, **extra}


def _schedule(api, gym, user=None, **extra):
    return api.post(f"/api/v1/coaches/{gym.coach.id}/group-sessions", user or gym.coach,
                    json=_class(gym, **extra))


def _place(api, session_id, user, **body):
    return api.post(f"/api/v1/sessions/{session_id}/places", user, json=body)


def test_a_coach_schedules_a_one_off_class(api, setup):
    response = _schedule(api, setup)
    assert response.status_code == 201
    session = response.get_json()["session"]
    assert session["type"] == "GROUP" and session["title"] == "Kettlebells"
    assert session["start_time"] == "2027-03-22T18:00:00+01:00"
    assert session["member_id"] is None and session["room_id"] == str(setup.room.id)
    assert (session["capacity"], session["booked"], session["places_left"],
            session["waitlist_count"]) == (2, 0, 2, 0)


def test_only_the_coach_or_an_admin_schedules_their_classes(api, setup):
    assert _schedule(api, setup, setup.member).status_code == 403
    assert _schedule(api, setup, setup.coach2).status_code == 403
    assert api.post(f"/api/v1/coaches/{setup.coach.id}/group-series", setup.member, json={
        "day_of_week": MONDAY, "start_time": "17:00", "end_time": "18:00",
        "start_date": "2027-03-22", "title": "Spin", "capacity": 5,
    }).status_code == 403
    assert _schedule(api, setup, setup.admin).status_code == 201


@pytest.mark.parametrize(
    ("extra", "status", "code"),
    [
        ({"start_time": "2027-03-22T10:00", "end_time": "2027-03-22T11:00"}, 409,
         "slot_unavailable"),
        ({"capacity": 0}, 422, "validation_error"),
        ({"capacity": "5"}, 400, "bad_request"),
        ({"title": None}, 422, "validation_error"),
        ({"title": "   "}, 422, "validation_error"),
        ({"end_time": "2027-03-22T17:00"}, 422, "validation_error"),
        ({"start_time": "2027-03-08T18:00", "end_time": "2027-03-08T19:00"}, 409, "in_past"),
        ({"room_id": "999"}, 422, "validation_error"),
    ],
)
def test_refusals_say_why(api, setup, extra, status, code):
    response = _schedule(api, setup, **extra)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code


def test_a_class_overlapping_another_session_is_slot_taken(api, setup):
    assert _schedule(api, setup).status_code == 201
    response = _schedule(api, setup, start_time="2027-03-22T18:30", end_time="2027-03-22T19:30")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "slot_taken"


def test_a_weekly_class_series(api, setup):
    response = api.post(f"/api/v1/coaches/{setup.coach.id}/group-series", setup.coach, json={
        "day_of_week": MONDAY, "start_time": "17:00", "end_time": "18:00",
        "start_date": "2027-03-22", "end_date": None, "frequency": 1,
        "title": "Spin", "capacity": 12,
    })
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    series = body["recurring_booking"]
    assert (series["session_type"], series["member_id"], series["title"], series["capacity"]) == (
        "GROUP", None, "Spin", 12,
    )
    assert len(body["sessions"]) == 6
    assert {s["type"] for s in body["sessions"]} == {"GROUP"}
    assert body["sessions"][1]["start_time"] == "2027-03-29T17:00:00+02:00"  # across DST
    again = api.post(f"/api/v1/coaches/{setup.coach.id}/group-series", setup.coach, json={
        "day_of_week": MONDAY, "start_time": "17:30", "end_time": "18:30",
        "start_date": "2027-03-22", "title": "Clash", "capacity": 3,
    })
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "overlap"


def test_classes_list_places_left_and_waitlist(api, setup):
    session_id = _schedule(api, setup, capacity=1).get_json()["session"]["id"]
    _place(api, session_id, setup.member)
    _place(api, session_id, setup.member2)
    response = api.get("/api/v1/classes?from=2027-03-22&to=2027-03-28", setup.member)
    assert response.status_code == 200
    [item] = response.get_json()["classes"]
    assert item["id"] == session_id
    assert (item["booked"], item["places_left"], item["waitlist_count"]) == (1, 0, 1)
    mine = api.get(f"/api/v1/classes?coach_id={setup.coach.id}", setup.member).get_json()
    assert [c["id"] for c in mine["classes"]] == [session_id]
    other = api.get(f"/api/v1/classes?coach_id={setup.coach2.id}", setup.member).get_json()
    assert other["classes"] == []
    assert api.get("/api/v1/classes?coach_id=999", setup.member).status_code == 404
    too_long = api.get("/api/v1/classes?from=2027-03-22&to=2027-12-31", setup.member)
    assert too_long.status_code == 422


def test_places_then_waitlist_then_capacity_full(api, setup, make_user):
    session_id = _schedule(api, setup).get_json()["session"]["id"]
    third, fourth = make_user("member"), make_user("member")
    first = _place(api, session_id, setup.member)
    assert first.status_code == 201
    assert first.get_json()["booking"]["status"] == "CONFIRMED"
    assert first.get_json()["session"]["places_left"] == 1
    assert _place(api, session_id, setup.member2).get_json()["booking"]["status"] == "CONFIRMED"
    waiting = _place(api, session_id, third, waitlist=True)
    assert waiting.status_code == 201
    assert waiting.get_json()["booking"]["status"] == "WAITLISTED"
    assert waiting.get_json()["session"]["waitlist_count"] == 1
    full = _place(api, session_id, fourth, waitlist=False)
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "capacity_full"
    twice = _place(api, session_id, third)
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "conflict"


def test_who_may_book_a_place_for_whom(api, setup):
    session_id = _schedule(api, setup).get_json()["session"]["id"]
    other = _place(api, session_id, setup.member, member_id=str(setup.member2.id))
    assert other.status_code == 403
    by_coach = _place(api, session_id, setup.coach, member_id=str(setup.member2.id))
    assert by_coach.status_code == 201
    assert by_coach.get_json()["booking"]["member_id"] == str(setup.member2.id)
    assert _place(api, session_id, setup.coach).status_code == 422  # say which member
    wrong_coach = _place(api, session_id, setup.coach2, member_id=str(setup.member.id))
    assert wrong_coach.status_code == 404
    assert _place(api, "999", setup.member).status_code == 404


def test_a_one_to_one_session_has_no_places(api, setup):
    booked = api.post("/api/v1/bookings", setup.member, json={
        "coach_id": str(setup.coach.id), "start_time": "2027-03-22T10:00",
        "end_time": "2027-03-22T11:00"})
    session_id = booked.get_json()["session"]["id"]
    assert _place(api, session_id, setup.member2).status_code == 404
    response = _place(api, session_id, setup.coach, member_id=str(setup.member2.id))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"


def test_cancelling_a_place_promotes_the_first_member_waiting(api, setup, make_user):
    session_id = _schedule(api, setup, capacity=1).get_json()["session"]["id"]
    held = _place(api, session_id, setup.member).get_json()["booking"]
    waiting = _place(api, session_id, setup.member2).get_json()["booking"]
    response = api.post(f"/api/v1/bookings/{held['id']}/cancel", setup.member)
    assert response.status_code == 200
    body = response.get_json()
    assert body["booking"]["status"] == "CANCELLED_BY_MEMBER"
    assert body["booking"]["late_cancel"] is False
    assert body["session"]["status"] == "scheduled"
    promoted = api.get(f"/api/v1/bookings/{waiting['id']}", setup.member2).get_json()["booking"]
    assert promoted["status"] == "CONFIRMED"
    notes = api.get("/api/v1/notifications", setup.member2).get_json()["notifications"]
    assert [n["kind"] for n in notes] == ["place_confirmed"]
    again = api.post(f"/api/v1/bookings/{held['id']}/cancel", setup.member)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_cancelled"


def test_a_late_place_cancel_is_marked(api, setup, clock):
    from datetime import UTC, datetime

    session_id = _schedule(api, setup).get_json()["session"]["id"]
    held = _place(api, session_id, setup.member).get_json()["booking"]
    clock.set(datetime(2027, 3, 22, 12, 0, tzinfo=UTC))  # 18:00 Berlin is 5 hours away
    body = api.post(f"/api/v1/bookings/{held['id']}/cancel", setup.member).get_json()
    assert body["booking"]["late_cancel"] is True


def test_members_see_their_classes_and_leave_one_by_cancelling_it(api, setup):
    session_id = _schedule(api, setup).get_json()["session"]["id"]
    _place(api, session_id, setup.member)
    _place(api, session_id, setup.member2)
    listed = api.get("/api/v1/sessions?from=2027-03-22&to=2027-03-22", setup.member).get_json()
    assert [s["id"] for s in listed["sessions"]] == [session_id]
    assert api.get(f"/api/v1/sessions/{session_id}", setup.member).status_code == 200
    left = api.post(f"/api/v1/sessions/{session_id}/cancel", setup.member)
    assert left.status_code == 200 and left.get_json()["session"]["status"] == "scheduled"
    [item] = api.get("/api/v1/classes?from=2027-03-22&to=2027-03-22", setup.member2).get_json()[
        "classes"]
    assert item["booked"] == 1


def test_the_coach_cancelling_a_class_cancels_every_place(api, setup):
    session_id = _schedule(api, setup, capacity=1).get_json()["session"]["id"]
    held = _place(api, session_id, setup.member).get_json()["booking"]
    waiting = _place(api, session_id, setup.member2).get_json()["booking"]
    done = api.post(f"/api/v1/sessions/{session_id}/cancel", setup.coach)
    assert done.status_code == 200 and done.get_json()["session"]["status"] == "cancelled"
    for booking, member in ((held, setup.member), (waiting, setup.member2)):
        got = api.get(f"/api/v1/bookings/{booking['id']}", member).get_json()["booking"]
        assert got["status"] == "CANCELLED_BY_COACH"
        kinds = [n["kind"] for n in api.get("/api/v1/notifications", member).get_json()[
            "notifications"]]
        assert kinds == ["session_cancelled"]
    closed = _place(api, session_id, setup.member)
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "already_cancelled"


def test_the_new_routes_are_documented(api, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, method in (("/api/v1/classes", "get"),
                         ("/api/v1/coaches/{id}/group-sessions", "post"),
                         ("/api/v1/coaches/{id}/group-series", "post"),
                         ("/api/v1/sessions/{id}/places", "post")):
        assert method in doc["paths"][path]
    status = doc["components"]["schemas"]["Booking"]["properties"]["status"]["enum"]
    assert "WAITLISTED" in status

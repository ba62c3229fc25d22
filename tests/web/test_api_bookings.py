"""Slots, one-time bookings and recurring bookings through the API, including a DST week."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

MONDAY = 1


@pytest.fixture
def setup(mondays_gym):
    """Coach (Berlin) works Mondays 09:00–12:00 in Studio A; the clock is 2027-03-15 12:00 UTC."""
    return mondays_gym


def _booking(gym, start="2027-03-29T10:00", end="2027-03-29T11:00", **extra):
    return {"coach_id": str(gym.coach.id), "start_time": start, "end_time": end, **extra}


def _series(gym, **extra):
    return {"coach_id": str(gym.coach.id), "day_of_week": MONDAY, "start_time": "10:00",
            "end_time": "11:00", "start_date": "2027-03-22", "end_date": None, "frequency": 1,
            **extra}


def test_coaches_list(api, setup):
    response = api.get("/api/v1/coaches", setup.member)
    assert response.status_code == 200
    coaches = {c["id"]: c for c in response.get_json()["coaches"]}
    assert coaches[str(setup.coach.id)] == {
        "id": str(setup.coach.id), "name": setup.coach.name, "timezone": "Europe/Berlin",
        "default_duration": 60, "default_room_id": None,
        "booking_horizon_days": 56, "min_notice_minutes": 120, "cancellation_window_hours": 24,
    }
    assert coaches[str(setup.coach2.id)]["timezone"] == "America/New_York"
    assert len(coaches) == 2
    one = api.get(f"/api/v1/coaches/{setup.coach.id}", setup.member).get_json()["coach"]
    assert one == coaches[str(setup.coach.id)]
    assert api.get(f"/api/v1/coaches/{setup.member.id}", setup.member).status_code == 404


def test_me_and_rooms(api, setup):
    me = api.get("/api/v1/me", setup.coach).get_json()["user"]
    assert me["id"] == str(setup.coach.id) and me["role"] == "coach"
    rooms = api.get("/api/v1/rooms", setup.member).get_json()["rooms"]
    assert [r["name"] for r in rooms] == ["Studio A", "Studio B"]


def test_slots_in_order_with_offsets_and_rooms(api, setup):
    response = api.get(
        f"/api/v1/coaches/{setup.coach.id}/slots?from=2027-03-22&to=2027-03-29", setup.member)
    assert response.status_code == 200
    slots = response.get_json()["slots"]
    assert [s["start_time"] for s in slots] == [
        "2027-03-22T09:00:00+01:00", "2027-03-22T10:00:00+01:00", "2027-03-22T11:00:00+01:00",
        "2027-03-29T09:00:00+02:00", "2027-03-29T10:00:00+02:00", "2027-03-29T11:00:00+02:00",
    ]
    assert slots[0]["end_time"] == "2027-03-22T10:00:00+01:00"
    assert {s["room_id"] for s in slots} == {str(setup.room.id)}


def test_slots_of_today_skip_what_has_started(api, setup, clock):
    clock.set(datetime(2027, 3, 22, 9, 30, tzinfo=UTC))  # 10:30 in Berlin
    # Asked by the coach, who is not bound by the 2 hours' notice a member needs.
    slots = api.get(f"/api/v1/coaches/{setup.coach.id}/slots?from=2027-03-22&to=2027-03-22",
                    setup.coach).get_json()["slots"]
    assert [s["start_time"] for s in slots] == ["2027-03-22T11:00:00+01:00"]


def test_member_books_a_slot(api, setup):
    response = api.post("/api/v1/bookings", setup.member, json=_booking(setup))
    assert response.status_code == 201
    body = response.get_json()
    booking, session = body["booking"], body["session"]
    assert booking["status"] == "CONFIRMED"
    assert booking["member_id"] == str(setup.member.id)
    assert booking["session_id"] == session["id"]
    assert session == {
        "id": session["id"], "coach_id": str(setup.coach.id), "member_id": str(setup.member.id),
        "room_id": str(setup.room.id), "start_time": "2027-03-29T10:00:00+02:00",
        "end_time": "2027-03-29T11:00:00+02:00", "type": "ONE_TO_ONE", "status": "scheduled",
        "recurring_booking_id": None, "one_time_booking_id": booking["id"], "capacity": 1,
        "title": session["title"], "membership_id": None,
    }
    slots = api.get(f"/api/v1/coaches/{setup.coach.id}/slots?from=2027-03-29&to=2027-03-29",
                    setup.member).get_json()["slots"]
    assert [s["start_time"][11:16] for s in slots] == ["09:00", "11:00"]

    got = api.get(f"/api/v1/bookings/{booking['id']}", setup.member).get_json()
    assert got["booking"]["id"] == booking["id"] and got["session"]["id"] == session["id"]
    assert api.get(f"/api/v1/bookings/{booking['id']}", setup.coach).status_code == 200
    assert api.get(f"/api/v1/bookings/{booking['id']}", setup.member2).status_code == 404
    assert api.get(f"/api/v1/bookings/{booking['id']}", setup.coach2).status_code == 404


def test_an_offset_in_the_request_is_honoured(api, setup):
    response = api.post("/api/v1/bookings", setup.member, json=_booking(
        setup, "2027-03-29T08:00:00Z", "2027-03-29T04:00:00-05:00"))
    assert response.status_code == 201
    assert response.get_json()["session"]["start_time"] == "2027-03-29T10:00:00+02:00"
    assert response.get_json()["session"]["end_time"] == "2027-03-29T11:00:00+02:00"


def test_booking_refusals(api, setup, clock):
    assert api.post("/api/v1/bookings", setup.member, json=_booking(setup)).status_code == 201

    taken = api.post("/api/v1/bookings", setup.member2, json=_booking(setup))
    assert taken.status_code == 409
    assert taken.get_json()["error"]["code"] == "slot_taken"

    overlapping = api.post("/api/v1/bookings", setup.member2, json=_booking(
        setup, "2027-03-29T10:30", "2027-03-29T11:30"))
    assert overlapping.status_code == 409
    assert overlapping.get_json()["error"]["code"] == "slot_taken"

    outside = api.post("/api/v1/bookings", setup.member, json=_booking(
        setup, "2027-03-30T10:00", "2027-03-30T11:00"))
    assert outside.status_code == 409
    assert outside.get_json()["error"]["code"] == "slot_unavailable"

    clock.set(datetime(2027, 3, 29, 9, 0, tzinfo=UTC))
    past = api.post("/api/v1/bookings", setup.member, json=_booking(
        setup, "2027-03-29T09:00", "2027-03-29T10:00"))
    assert past.status_code == 409
    assert past.get_json()["error"]["code"] == "in_past"

    backwards = api.post("/api/v1/bookings", setup.member, json=_booking(
        setup, "2027-04-05T11:00", "2027-04-05T10:00"))
    assert backwards.status_code == 422
    assert backwards.get_json()["error"]["field"] == "end_time"

    missing = api.post("/api/v1/bookings", setup.member, json={"coach_id": str(setup.coach.id)})
    assert missing.status_code == 422
    assert missing.get_json()["error"]["field"] == "start_time"

    nobody = api.post("/api/v1/bookings", setup.member, json={**_booking(setup),
                                                              "coach_id": "424242"})
    assert nobody.status_code == 404


def test_who_may_book_for_whom(api, setup):
    other = _booking(setup, member_id=str(setup.member2.id))
    response = api.post("/api/v1/bookings", setup.member, json=other)
    assert response.status_code == 403
    response = api.post("/api/v1/bookings", setup.coach2, json=other)
    assert response.status_code == 403

    response = api.post("/api/v1/bookings", setup.coach, json=_booking(setup))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "member_id"

    response = api.post("/api/v1/bookings", setup.coach, json={**other,
                                                                "member_id": str(setup.coach2.id)})
    assert response.status_code == 422

    response = api.post("/api/v1/bookings", setup.coach, json=other)
    assert response.status_code == 201
    assert response.get_json()["booking"]["member_id"] == str(setup.member2.id)

    response = api.post("/api/v1/bookings", setup.admin, json=_booking(
        setup, "2027-03-29T09:00", "2027-03-29T10:00", member_id=str(setup.member.id)))
    assert response.status_code == 201

    same_self = _booking(setup, "2027-03-29T11:00", "2027-03-29T12:00",
                         member_id=str(setup.member.id))
    assert api.post("/api/v1/bookings", setup.member, json=same_self).status_code == 201


def test_cancel_by_member_and_by_coach(api, setup):
    first = api.post("/api/v1/bookings", setup.member, json=_booking(setup)).get_json()
    url = f"/api/v1/bookings/{first['booking']['id']}/cancel"

    assert api.post(url, setup.member2).status_code == 404
    assert api.post(url, setup.coach2).status_code == 404
    response = api.post(url, setup.member)
    assert response.status_code == 200
    body = response.get_json()
    assert body["booking"]["status"] == "CANCELLED_BY_MEMBER"
    assert body["session"]["status"] == "cancelled"
    again = api.post(url, setup.member)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_cancelled"

    second = api.post("/api/v1/bookings", setup.member, json=_booking(setup)).get_json()
    response = api.post(f"/api/v1/bookings/{second['booking']['id']}/cancel", setup.coach)
    assert response.status_code == 200
    assert response.get_json()["booking"]["status"] == "CANCELLED_BY_COACH"

    third = api.post("/api/v1/bookings", setup.member, json=_booking(setup)).get_json()
    response = api.post(f"/api/v1/bookings/{third['booking']['id']}/cancel", setup.admin)
    assert response.get_json()["booking"]["status"] == "CANCELLED_BY_COACH"


def test_cancel_after_the_start_is_in_past(api, setup, clock):
    booked = api.post("/api/v1/bookings", setup.member, json=_booking(setup)).get_json()
    clock.set(datetime(2027, 3, 29, 8, 30, tzinfo=UTC))
    response = api.post(f"/api/v1/bookings/{booked['booking']['id']}/cancel", setup.member)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "in_past"


def test_weekly_series_keeps_ten_oclock_across_the_dst_change(api, setup):
    response = api.post("/api/v1/recurring-bookings", setup.member, json=_series(setup))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    series = body["recurring_booking"]
    assert series["status"] == "ACTIVE"
    assert series["start_time"] == "10:00" and series["day_of_week"] == MONDAY
    assert series["start_date"] == "2027-03-22" and series["end_date"] is None
    assert series["member_id"] == str(setup.member.id)
    starts = [s["start_time"] for s in body["sessions"]]
    assert starts[:3] == [
        "2027-03-22T10:00:00+01:00",
        "2027-03-29T10:00:00+02:00",
        "2027-04-05T10:00:00+02:00",
    ]
    assert len(starts) == 6
    assert all(s["recurring_booking_id"] == series["id"] for s in body["sessions"])
    assert all(s["one_time_booking_id"] is None for s in body["sessions"])

    listed = api.get("/api/v1/sessions?from=2027-03-22&to=2027-03-29", setup.member)
    assert [(s["start_time"], s["end_time"]) for s in listed.get_json()["sessions"]] == [
        ("2027-03-22T10:00:00+01:00", "2027-03-22T11:00:00+01:00"),
        ("2027-03-29T10:00:00+02:00", "2027-03-29T11:00:00+02:00"),
    ]
    got = api.get(f"/api/v1/recurring-bookings/{series['id']}", setup.member)
    assert got.get_json()["recurring_booking"] == series


def test_series_refusals(api, setup):
    assert api.post("/api/v1/recurring-bookings", setup.member, json=_series(setup)
                    ).status_code == 201
    overlap = api.post("/api/v1/recurring-bookings", setup.member2, json=_series(setup))
    assert overlap.status_code == 409
    assert overlap.get_json()["error"]["code"] in ("overlap", "slot_taken")

    outside = api.post("/api/v1/recurring-bookings", setup.member, json=_series(
        setup, day_of_week=2))
    assert outside.status_code == 409
    assert outside.get_json()["error"]["code"] == "slot_unavailable"

    past = api.post("/api/v1/recurring-bookings", setup.member, json=_series(
        setup, start_time="09:00", end_time="10:00", start_date="2027-03-01"))
    assert past.status_code == 422
    assert past.get_json()["error"]["field"] == "start_date"

    other = api.post("/api/v1/recurring-bookings", setup.member, json=_series(
        setup, start_time="11:00", end_time="12:00", member_id=str(setup.member2.id)))
    assert other.status_code == 403
    foreign = api.post("/api/v1/recurring-bookings", setup.coach2, json=_series(
        setup, start_time="11:00", end_time="12:00", member_id=str(setup.member2.id)))
    assert foreign.status_code == 403


def test_biweekly_series_on_alternate_weeks_do_not_collide(api, setup):
    first = api.post("/api/v1/recurring-bookings", setup.member, json=_series(
        setup, frequency=2))
    assert first.status_code == 201
    second = api.post("/api/v1/recurring-bookings", setup.member2, json=_series(
        setup, frequency=2, start_date="2027-03-29"))
    assert second.status_code == 201, second.get_json()
    assert [s["start_time"][:10] for s in first.get_json()["sessions"]] == [
        "2027-03-22", "2027-04-05", "2027-04-19"]
    assert [s["start_time"][:10] for s in second.get_json()["sessions"]] == [
        "2027-03-29", "2027-04-12", "2027-04-26"]


def test_cancel_a_series_from_a_date(api, setup):
    created = api.post("/api/v1/recurring-bookings", setup.member, json=_series(setup)).get_json()
    url = f"/api/v1/recurring-bookings/{created['recurring_booking']['id']}/cancel"
    assert api.post(url, setup.member2, json={}).status_code == 404
    assert api.post(url, setup.coach2).status_code == 404
    bad = api.post(url, setup.member, json={"from_date": "2027-02-30"})
    assert bad.status_code == 422
    response = api.post(url, setup.member, json={"from_date": "2027-04-05"})
    assert response.status_code == 200
    assert response.get_json()["recurring_booking"]["status"] == "CANCELLED"
    sessions = api.get("/api/v1/sessions", setup.member).get_json()["sessions"]
    assert [(s["start_time"][:10], s["status"]) for s in sessions] == [
        ("2027-03-22", "scheduled"), ("2027-03-29", "scheduled"), ("2027-04-05", "cancelled"),
        ("2027-04-12", "cancelled"), ("2027-04-19", "cancelled"), ("2027-04-26", "cancelled"),
    ]
    again = api.post(url, setup.member)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_cancelled"


def test_cancel_a_series_without_a_body_by_its_coach(api, setup):
    created = api.post("/api/v1/recurring-bookings", setup.coach, json=_series(
        setup, member_id=str(setup.member.id))).get_json()
    assert created["recurring_booking"]["member_id"] == str(setup.member.id)
    url = f"/api/v1/recurring-bookings/{created['recurring_booking']['id']}/cancel"
    response = api.post(url, setup.coach)
    assert response.status_code == 200
    sessions = api.get("/api/v1/sessions?status=cancelled", setup.coach).get_json()["sessions"]
    assert len(sessions) == 6


def test_cancel_one_occurrence_keeps_the_series(api, setup):
    created = api.post("/api/v1/recurring-bookings", setup.member, json=_series(setup)).get_json()
    second = created["sessions"][1]
    assert api.post(f"/api/v1/sessions/{second['id']}/cancel", setup.member2).status_code == 404
    response = api.post(f"/api/v1/sessions/{second['id']}/cancel", setup.member)
    assert response.status_code == 200
    assert response.get_json()["session"]["status"] == "cancelled"
    series = api.get(f"/api/v1/recurring-bookings/{created['recurring_booking']['id']}",
                     setup.member).get_json()["recurring_booking"]
    assert series["status"] == "ACTIVE"
    again = api.post(f"/api/v1/sessions/{second['id']}/cancel", setup.coach)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_cancelled"

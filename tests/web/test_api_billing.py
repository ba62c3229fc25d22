"""Monthly statements through the API: what is billable, who sees which statement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

MONDAY = 1


@pytest.fixture
def month(api, gym, clock):
    """March 2027 for member: held, no-show, cancelled in time, by the coach, late.

    member2 has one session in April.
    """
    from coachapp.services import sessions

    api.put(f"/api/v1/coaches/{gym.coach.id}/weekly-availability/{MONDAY}", gym.coach,
            json={"windows": [{"start_time": "09:00", "end_time": "12:00"}]})

    def book(user, start):
        response = api.post("/api/v1/bookings", user, json={
            "coach_id": str(gym.coach.id), "start_time": start,
            "end_time": start[:11] + f"{int(start[11:13]) + 1:02d}:00"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    held = book(gym.member, "2027-03-22T10:00")
    no_show = book(gym.member, "2027-03-22T11:00")
    in_time = book(gym.member, "2027-03-29T09:00")
    by_coach = book(gym.member, "2027-03-29T10:00")
    late = book(gym.member, "2027-03-29T11:00")
    book(gym.member2, "2027-04-05T09:00")
    api.post(f"/api/v1/bookings/{in_time['booking']['id']}/cancel", gym.member)
    api.post(f"/api/v1/bookings/{by_coach['booking']['id']}/cancel", gym.coach)

    clock.set(datetime(2027, 3, 29, 6, 0, tzinfo=UTC))
    assert api.post(f"/api/v1/bookings/{late['booking']['id']}/cancel",
                    gym.member).status_code == 200
    assert api.post(f"/api/v1/sessions/{no_show['session']['id']}/no-show",
                    gym.coach).status_code == 200
    sessions.complete_ended(now=clock.now)
    gym.held = held
    return gym


def test_statement_lines_and_billable_count(api, month):
    response = api.get("/api/v1/billing/statements?month=2027-03", month.admin)
    assert response.status_code == 200
    [statement] = response.get_json()["statements"]
    assert statement["member_id"] == str(month.member.id)
    assert statement["month"] == "2027-03"
    assert [(line["start_time"], line["status"], line["billable"]) for line in statement["lines"]
            ] == [
        ("2027-03-22T10:00:00+01:00", "completed", True),
        ("2027-03-22T11:00:00+01:00", "no_show", True),
        ("2027-03-29T09:00:00+02:00", "cancelled", False),
        ("2027-03-29T10:00:00+02:00", "cancelled", False),
        ("2027-03-29T11:00:00+02:00", "cancelled", True),
    ]
    assert statement["billable_count"] == 3
    assert statement["lines"][0]["session_id"] == month.held["session"]["id"]
    assert statement["lines"][0]["coach_id"] == str(month.coach.id)


def test_who_sees_which_statement(api, month):
    url = "/api/v1/billing/statements?month={}"
    mine = api.get(url.format("2027-03"), month.member).get_json()["statements"]
    assert [s["member_id"] for s in mine] == [str(month.member.id)]
    assert api.get(url.format("2027-03"), month.member2).get_json()["statements"] == []
    april = api.get(url.format("2027-04"), month.member2).get_json()["statements"]
    assert [(line["status"], line["billable"]) for line in april[0]["lines"]] == [
        ("scheduled", False)]
    assert api.get(url.format("2027-03") + f"&member_id={month.member.id}",
                   month.member2).status_code == 403
    assert api.get(url.format("2027-03"), month.coach2).get_json()["statements"] == []
    both = api.get(url.format("2027-04"), month.coach).get_json()["statements"]
    assert [s["member_id"] for s in both] == [str(month.member2.id)]
    only = api.get(url.format("2027-03") + f"&member_id={month.member2.id}", month.admin)
    assert only.get_json()["statements"] == []
    assert api.get(url.format("2027-03")).status_code == 401

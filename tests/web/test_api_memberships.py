"""Membership plans and members' memberships through the API (issue 17): the contract's shapes,
who may do what, the membership a booking draws on (membership_id on the booking and the
session), and the 409s when a membership is required."""

from __future__ import annotations

from urllib.parse import quote

import pytest

PLANS = "/api/v1/membership-plans"


def _plan(api, admin, **body):
    response = api.post(
        PLANS,
        admin,
        json={"name": "10-pack", "kind": "credits", "credits": 10, "valid_days": 90, **body},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["membership_plan"]


def _assign(api, admin, member, plan, starts_on="2027-03-01"):
    response = api.post(
        f"/api/v1/members/{member.id}/memberships",
        admin,
        json={"plan_id": plan["id"], "starts_on": starts_on},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["membership"]


def _book(api, gym, start="2027-03-29T10:00", end="2027-03-29T11:00"):
    return api.post(
        "/api/v1/bookings",
        gym.member,
        json={"coach_id": str(gym.coach.id), "start_time": start, "end_time": end},
    )


def test_plans_are_created_by_an_admin_and_listed_for_anyone(api, gym):
    pack = _plan(api, gym.admin)
    assert pack == {
        "id": pack["id"],
        "name": "10-pack",
        "kind": "credits",
        "credits": 10,
        "valid_days": 90,
        "weekly_limit": None,
        "session_type": None,
    }
    unlimited = _plan(
        api,
        gym.admin,
        name="Unlimited 2/week",
        kind="unlimited",
        credits=None,
        weekly_limit=2,
        session_type="GROUP",
    )
    assert (unlimited["credits"], unlimited["weekly_limit"], unlimited["session_type"]) == (
        None,
        2,
        "GROUP",
    )
    for user in (gym.member, gym.coach, gym.admin):
        listed = api.get(PLANS, user).get_json()["membership_plans"]
        assert [p["name"] for p in listed] == ["10-pack", "Unlimited 2/week"]
    refused = api.post(PLANS, gym.coach, json={"name": "x", "kind": "unlimited", "valid_days": 1})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    assert (
        api.post(
            PLANS, gym.member, json={"name": "x", "kind": "unlimited", "valid_days": 1}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "credits", "valid_days": 30}, 422, "credits"),
        ({"kind": "unlimited", "credits": 5, "valid_days": 30}, 422, "credits"),
        ({"kind": "weekly", "valid_days": 30}, 422, "kind"),
        ({"kind": "credits", "credits": 0, "valid_days": 30}, 422, "credits"),
        ({"kind": "credits", "credits": 5, "valid_days": 0}, 422, "valid_days"),
        (
            {"kind": "credits", "credits": 5, "valid_days": 30, "weekly_limit": 0},
            422,
            "weekly_limit",
        ),
        (
            {"kind": "credits", "credits": 5, "valid_days": 30, "session_type": "DUO"},
            422,
            "session_type",
        ),
        ({"kind": "credits", "credits": "5", "valid_days": 30}, 400, "credits"),
        ({"kind": "credits", "credits": 5}, 422, "valid_days"),
    ],
)
def test_a_bad_plan_is_refused_naming_the_field(api, gym, body, status, field):
    response = api.post(PLANS, gym.admin, json={"name": "Pack", **body})
    assert response.status_code == status, response.get_json()
    assert field in response.get_json()["error"]["message"]
    assert (
        api.post(
            PLANS, gym.admin, json={"name": "  ", "kind": "unlimited", "valid_days": 3}
        ).status_code
        == 422
    )


def test_assign_list_extend_cancel(api, gym, clock):
    pack = _plan(api, gym.admin)
    membership = _assign(api, gym.admin, gym.member, pack)
    assert membership == {
        "id": membership["id"],
        "plan_id": pack["id"],
        "plan_name": "10-pack",
        "member_id": str(gym.member.id),
        "starts_on": "2027-03-01",
        "ends_on": "2027-05-29",
        "credits_total": 10,
        "credits_used": 0,
        "credits_left": 10,
        "status": "active",
    }
    unlimited = _plan(
        api, gym.admin, name="Unlimited", kind="unlimited", credits=None, valid_days=7
    )
    old = _assign(api, gym.admin, gym.member, unlimited, starts_on="2027-01-01")
    assert (old["credits_total"], old["credits_used"], old["credits_left"], old["status"]) == (
        None,
        None,
        None,
        "expired",
    )

    url = f"/api/v1/members/{gym.member.id}/memberships"
    assert [m["id"] for m in api.get(url, gym.member).get_json()["memberships"]] == [
        membership["id"],
        old["id"],
    ]
    assert len(api.get(url, gym.coach).get_json()["memberships"]) == 2
    other = api.get(url, gym.member2)
    assert other.status_code == 403 and other.get_json()["error"]["code"] == "forbidden"
    assert api.get(f"/api/v1/members/{gym.coach.id}/memberships", gym.admin).status_code == 404
    assert api.get("/api/v1/members/999999/memberships", gym.admin).status_code == 404

    extended = api.post(
        f"/api/v1/memberships/{membership['id']}/extend", gym.admin, json={"days": 10}
    )
    assert extended.status_code == 200
    assert extended.get_json()["membership"]["ends_on"] == "2027-06-08"
    assert (
        api.post(
            f"/api/v1/memberships/{membership['id']}/extend", gym.admin, json={"days": 0}
        ).status_code
        == 422
    )
    assert api.post(f"/api/v1/memberships/{membership['id']}/cancel", gym.member).status_code == 403
    cancelled = api.post(f"/api/v1/memberships/{membership['id']}/cancel", gym.admin)
    assert cancelled.get_json()["membership"]["status"] == "cancelled"
    again = api.post(f"/api/v1/memberships/{membership['id']}/cancel", gym.admin)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_cancelled"
    assert (
        api.post(
            f"/api/v1/memberships/{membership['id']}/extend", gym.admin, json={"days": 3}
        ).status_code
        == 409
    )
    assert api.post("/api/v1/memberships/999999/cancel", gym.admin).status_code == 404


def test_assign_refuses_unknown_plans_members_and_bad_dates(api, gym):
    pack = _plan(api, gym.admin)
    url = f"/api/v1/members/{gym.member.id}/memberships"
    assert (
        api.post(url, gym.admin, json={"plan_id": "999999", "starts_on": "2027-03-01"}).status_code
        == 404
    )
    assert (
        api.post(
            url, gym.admin, json={"plan_id": pack["id"], "starts_on": "2027-02-30"}
        ).status_code
        == 422
    )
    assert api.post(url, gym.admin, json={"plan_id": pack["id"]}).status_code == 422
    assert (
        api.post(
            url, gym.coach, json={"plan_id": pack["id"], "starts_on": "2027-03-01"}
        ).status_code
        == 403
    )
    assert (
        api.post(
            f"/api/v1/members/{gym.coach2.id}/memberships",
            gym.admin,
            json={"plan_id": pack["id"], "starts_on": "2027-03-01"},
        ).status_code
        == 404
    )


def test_a_booking_draws_a_credit_and_shows_its_membership(api, mondays_gym):
    gym = mondays_gym
    membership = _assign(api, gym.admin, gym.member, _plan(api, gym.admin, credits=2))
    booked = _book(api, gym)
    assert booked.status_code == 201, booked.get_json()
    body = booked.get_json()
    assert body["booking"]["membership_id"] == membership["id"]
    assert body["session"]["membership_id"] == membership["id"]
    session = api.get(f"/api/v1/sessions/{body['session']['id']}", gym.member).get_json()
    assert session["session"]["membership_id"] == membership["id"]
    url = f"/api/v1/members/{gym.member.id}/memberships"
    [held] = api.get(url, gym.member).get_json()["memberships"]
    assert (held["credits_used"], held["credits_left"]) == (1, 1)

    cancelled = api.post(f"/api/v1/bookings/{body['booking']['id']}/cancel", gym.member)
    assert cancelled.status_code == 200
    assert cancelled.get_json()["booking"]["membership_id"] is None
    [back] = api.get(url, gym.member).get_json()["memberships"]
    assert (back["credits_used"], back["credits_left"]) == (0, 2)


def test_without_a_membership_a_booking_holds_none(api, mondays_gym):
    booked = _book(api, mondays_gym)
    assert booked.status_code == 201
    assert booked.get_json()["booking"]["membership_id"] is None
    assert booked.get_json()["session"]["membership_id"] is None


def test_required_membership_refusals(api, mondays_gym, app, monkeypatch):
    gym = mondays_gym
    monkeypatch.setitem(app.config, "COACHAPP_REQUIRE_MEMBERSHIP", True)
    # each refusal carries a link to ask the gym's admin (as the pages' "Ask the gym")
    ask = f"mailto:{gym.admin.email}?subject=Membership%20for%20{quote(gym.member.name)}"
    none = _book(api, gym)
    assert none.status_code == 409
    assert none.get_json()["error"]["code"] == "no_membership"
    assert "membership" in none.get_json()["error"]["message"]
    assert none.get_json()["error"]["ask_gym"] == ask

    _assign(api, gym.admin, gym.member, _plan(api, gym.admin, credits=1))
    assert _book(api, gym).status_code == 201
    spent = _book(api, gym, "2027-03-29T11:00", "2027-03-29T12:00")
    assert spent.status_code == 409 and spent.get_json()["error"]["code"] == "no_credits"
    assert spent.get_json()["error"]["ask_gym"] == ask

    weekly = _plan(api, gym.admin, name="Weekly", kind="unlimited", credits=None, weekly_limit=1)
    _assign(api, gym.admin, gym.member, weekly)
    assert _book(api, gym, "2027-04-05T09:00", "2027-04-05T10:00").status_code == 201
    full = _book(api, gym, "2027-04-05T10:00", "2027-04-05T11:00")
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "weekly_limit"
    assert full.get_json()["error"]["ask_gym"] == ask

    taken = _book(api, gym, "2027-04-05T09:00", "2027-04-05T10:00")  # another 409: no link
    assert taken.status_code == 409 and "ask_gym" not in taken.get_json()["error"]


def test_statement_lines_carry_the_membership_and_are_not_charged(api, mondays_gym, clock):
    from datetime import UTC, datetime

    from coachapp.services import sessions

    gym = mondays_gym
    membership = _assign(api, gym.admin, gym.member, _plan(api, gym.admin))
    covered = _book(api, gym, "2027-03-22T10:00", "2027-03-22T11:00").get_json()
    clock.set(datetime(2027, 3, 22, 12, 0, tzinfo=UTC))
    sessions.complete_ended(now=clock.now)
    [statement] = api.get("/api/v1/billing/statements?month=2027-03", gym.admin).get_json()[
        "statements"
    ]
    [line] = statement["lines"]
    assert line["session_id"] == covered["session"]["id"]
    assert (line["status"], line["billable"], line["membership_id"]) == (
        "completed",
        False,
        membership["id"],
    )
    assert statement["billable_count"] == 0


def test_a_group_place_holds_its_credit_on_the_booking(api, gym, clock):
    api.put(
        f"/api/v1/coaches/{gym.coach.id}/weekly-availability/1",
        gym.coach,
        json={
            "windows": [
                {
                    "start_time": "17:00",
                    "end_time": "20:00",
                    "is_individual": False,
                    "is_group": True,
                }
            ]
        },
    )
    group_only = _plan(api, gym.admin, name="Classes", credits=4, session_type="GROUP")
    membership = _assign(api, gym.admin, gym.member, group_only)
    one_to_one = _plan(api, gym.admin, name="Personal", credits=4, session_type="ONE_TO_ONE")
    _assign(api, gym.admin, gym.member2, one_to_one)
    made = api.post(
        f"/api/v1/coaches/{gym.coach.id}/group-sessions",
        gym.coach,
        json={
            "start_time": "2027-03-22T18:00",
            "end_time": "2027-03-22T19:00",
            "title": "Spin",
            "capacity": 4,
        },
    ).get_json()["session"]
    place = api.post(f"/api/v1/sessions/{made['id']}/places", gym.member, json={})
    assert place.status_code == 201
    body = place.get_json()
    assert body["booking"]["membership_id"] == membership["id"]
    assert body["session"]["membership_id"] is None  # a class's credits are on its places
    # a plan for one-to-one sessions only does not cover a class place
    other = api.post(f"/api/v1/sessions/{made['id']}/places", gym.member2, json={})
    assert other.get_json()["booking"]["membership_id"] is None

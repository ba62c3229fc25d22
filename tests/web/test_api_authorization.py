"""Who may do what: every endpoint tried by every role.

Roles: no token, a bad token, admin, the coach who owns the resource, another coach, the member
who owns it, another member. Something another member or coach may not see at all (a booking,
a series, a session) is 404; something visible but not theirs to change is 403.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

ROLES = ("anon", "bad_token", "admin", "coach", "coach2", "member", "member2")
BAD_TOKEN = {"Authorization": "Bearer ca_not-a-real-token"}


def _expect(admin, coach, coach2, member, member2) -> dict:
    return {"anon": 401, "bad_token": 401, "admin": admin, "coach": coach, "coach2": coach2,
            "member": member, "member2": member2}


EVERYONE = _expect(200, 200, 200, 200, 200)
MANAGER_READ = _expect(200, 200, 403, 403, 403)
MANAGER_CREATE = _expect(201, 201, 403, 403, 403)
MANAGER_DELETE = _expect(204, 204, 403, 403, 403)
OWN_ONLY = _expect(200, 200, 404, 200, 404)
BOOK_FOR_MEMBER = _expect(201, 201, 403, 201, 403)
COACH_ACTION = _expect(200, 200, 404, 403, 404)


@dataclass
class World:
    """The gym, its token-bearing client and factories of fresh things to act on."""

    api: object
    gym: object
    clock: object

    def __post_init__(self):
        self.monday_slots = (
            (date(2027, 3, 22) + timedelta(weeks=w), h)
            for w in itertools.count() for h in (9, 10, 11)
        )
        self.weekday_slots = ((d, h) for d in range(2, 7) for h in (9, 10, 11))

    def book(self) -> dict:
        """A fresh one-time booking of the member with the coach (booking and session)."""
        day, hour = next(self.monday_slots)
        response = self.api.post("/api/v1/bookings", self.gym.member, json={
            "coach_id": str(self.gym.coach.id),
            "start_time": f"{day.isoformat()}T{hour:02d}:00",
            "end_time": f"{day.isoformat()}T{hour + 1:02d}:00",
        })
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def series_body(self) -> dict:
        """A recurring booking request for the member on a weekday and hour not used yet."""
        day, hour = next(self.weekday_slots)
        return {"coach_id": str(self.gym.coach.id), "day_of_week": day,
                "start_time": f"{hour:02d}:00", "end_time": f"{hour + 1:02d}:00",
                "start_date": "2027-03-22", "member_id": str(self.gym.member.id)}

    def series(self) -> dict:
        """A fresh recurring booking of the member with the coach."""
        response = self.api.post("/api/v1/recurring-bookings", self.gym.member,
                                 json=self.series_body())
        assert response.status_code == 201, response.get_json()
        return response.get_json()["recurring_booking"]

    def conflict(self) -> dict:
        """A fresh booked session that a blocked slot puts in conflict."""
        session = self.book()["session"]
        response = self.api.post(f"/api/v1/coaches/{self.gym.coach.id}/blocked-slots",
                                 self.gym.coach, json={"start_time": session["start_time"],
                                                       "end_time": session["end_time"]})
        assert response.status_code == 201
        return session

    def conflicting_series(self) -> str:
        """A fresh series of the member whose first occurrence a blocked slot puts in conflict."""
        created = self.api.post("/api/v1/recurring-bookings", self.gym.member,
                                json=self.series_body()).get_json()
        first = created["sessions"][0]
        self.api.post(f"/api/v1/coaches/{self.gym.coach.id}/blocked-slots", self.gym.coach,
                      json={"start_time": first["start_time"], "end_time": first["end_time"]})
        return created["recurring_booking"]["id"]

    def notification(self) -> str:
        """A fresh notification for the member (their coach cancelled a booking)."""
        booking = self.book()["booking"]
        self.api.post(f"/api/v1/bookings/{booking['id']}/cancel", self.gym.coach)
        notes = self.api.get("/api/v1/notifications", self.gym.member).get_json()
        return notes["notifications"][0]["id"]

    def blocked(self) -> str:
        """A fresh blocked slot of the coach."""
        response = self.api.post(f"/api/v1/coaches/{self.gym.coach.id}/blocked-slots",
                                 self.gym.coach, json=_fresh_span("2028-01-01"))
        return response.get_json()["blocked_slot"]["id"]

    def addition(self) -> str:
        """A fresh availability addition of the coach."""
        response = self.api.post(f"/api/v1/coaches/{self.gym.coach.id}/availability-additions",
                                 self.gym.coach, json=_fresh_span("2028-01-01"))
        return response.get_json()["availability_addition"]["id"]


_SPANS = itertools.count()


def _fresh_span(day: str) -> dict:
    """A new half hour on ``day``: blocked slots and additions refuse repeats and overlaps."""
    start = next(_SPANS) % 46 * 30
    end = start + 30
    return {"start_time": f"{day}T{start // 60:02d}:{start % 60:02d}",
            "end_time": f"{day}T{end // 60:02d}:{end % 60:02d}"}


@pytest.fixture
def world(api, gym, clock):
    """The coach works 09:00–12:00 Monday to Saturday; everyone has a token."""
    for day in range(1, 7):
        response = api.put(f"/api/v1/coaches/{gym.coach.id}/weekly-availability/{day}",
                           gym.coach, json={"windows": [{"start_time": "09:00",
                                                         "end_time": "12:00"}]})
        assert response.status_code == 200
    return World(api, gym, clock)


def _no_show_session(w: World) -> str:
    session = w.book()["session"]
    start = datetime.fromisoformat(session["start_time"])
    w.clock.set(start.astimezone(UTC) + timedelta(minutes=5))
    return session["id"]


def _move_target(w: World) -> dict:
    day, hour = next(w.monday_slots)
    return {"start_time": f"{day}T{hour:02d}:00"}


def _fresh_booking_slot(w: World) -> dict:
    day, hour = next(w.monday_slots)
    return {"coach_id": str(w.gym.coach.id), "start_time": f"{day}T{hour:02d}:00",
            "end_time": f"{day}T{hour + 1:02d}:00", "member_id": str(w.gym.member.id)}


# (name, method, path(world) -> str, body(world) -> dict | None, expected)
CASES = [
    ("me", "GET", lambda w: "/api/v1/me", None, EVERYONE),
    ("rooms", "GET", lambda w: "/api/v1/rooms", None, EVERYONE),
    ("coaches", "GET", lambda w: "/api/v1/coaches", None, EVERYONE),
    ("coach", "GET", lambda w: f"/api/v1/coaches/{w.gym.coach.id}", None, EVERYONE),
    ("weekly", "GET", lambda w: f"/api/v1/coaches/{w.gym.coach.id}/weekly-availability", None,
     EVERYONE),
    ("weekly_put", "PUT",
     lambda w: f"/api/v1/coaches/{w.gym.coach.id}/weekly-availability/0",
     lambda w: {"windows": [{"start_time": "09:00", "end_time": "10:00"}]},
     _expect(200, 200, 403, 403, 403)),
    ("blocked_list", "GET", lambda w: f"/api/v1/coaches/{w.gym.coach.id}/blocked-slots", None,
     MANAGER_READ),
    ("blocked_create", "POST", lambda w: f"/api/v1/coaches/{w.gym.coach.id}/blocked-slots",
     lambda w: _fresh_span("2028-02-01"),
     MANAGER_CREATE),
    ("blocked_delete", "DELETE", lambda w: f"/api/v1/blocked-slots/{w.blocked()}", None,
     MANAGER_DELETE),
    ("additions_list", "GET",
     lambda w: f"/api/v1/coaches/{w.gym.coach.id}/availability-additions", None, MANAGER_READ),
    ("addition_create", "POST",
     lambda w: f"/api/v1/coaches/{w.gym.coach.id}/availability-additions",
     lambda w: _fresh_span("2028-02-06"),
     MANAGER_CREATE),
    ("addition_delete", "DELETE", lambda w: f"/api/v1/availability-additions/{w.addition()}",
     None, MANAGER_DELETE),
    ("slots", "GET",
     lambda w: f"/api/v1/coaches/{w.gym.coach.id}/slots?from=2027-03-22&to=2027-03-28", None,
     EVERYONE),
    ("conflicts", "GET", lambda w: f"/api/v1/coaches/{w.gym.coach.id}/conflicts", None,
     MANAGER_READ),
    ("booking_create", "POST", lambda w: "/api/v1/bookings", _fresh_booking_slot,
     BOOK_FOR_MEMBER),
    ("booking_get", "GET", lambda w: f"/api/v1/bookings/{w.book()['booking']['id']}", None,
     OWN_ONLY),
    ("booking_cancel", "POST",
     lambda w: f"/api/v1/bookings/{w.book()['booking']['id']}/cancel", None, OWN_ONLY),
    ("series_create", "POST", lambda w: "/api/v1/recurring-bookings",
     lambda w: w.series_body(), BOOK_FOR_MEMBER),
    ("series_get", "GET", lambda w: f"/api/v1/recurring-bookings/{w.series()['id']}", None,
     OWN_ONLY),
    ("series_cancel", "POST",
     lambda w: f"/api/v1/recurring-bookings/{w.series()['id']}/cancel", None, OWN_ONLY),
    ("sessions", "GET", lambda w: "/api/v1/sessions", None, EVERYONE),
    ("sessions_of_member", "GET",
     lambda w: f"/api/v1/sessions?member_id={w.gym.member.id}", None,
     _expect(200, 200, 200, 200, 403)),
    ("sessions_of_coach", "GET",
     lambda w: f"/api/v1/sessions?coach_id={w.gym.coach.id}", None,
     _expect(200, 200, 403, 200, 200)),
    ("session_get", "GET", lambda w: f"/api/v1/sessions/{w.book()['session']['id']}", None,
     OWN_ONLY),
    ("session_cancel", "POST",
     lambda w: f"/api/v1/sessions/{w.book()['session']['id']}/cancel", None, OWN_ONLY),
    ("resolve", "POST", lambda w: f"/api/v1/sessions/{w.conflict()['id']}/resolve",
     lambda w: {"action": "keep"}, COACH_ACTION),
    ("no_show", "POST", lambda w: f"/api/v1/sessions/{_no_show_session(w)}/no-show", None,
     COACH_ACTION),
    ("settings", "PATCH", lambda w: f"/api/v1/coaches/{w.gym.coach.id}/settings",
     lambda w: {"default_duration": 60}, _expect(200, 200, 403, 403, 403)),
    # The member of a one-to-one session may move it (issue 16, item 3; was COACH_ACTION).
    ("move", "POST", lambda w: f"/api/v1/sessions/{w.book()['session']['id']}/move",
     _move_target, OWN_ONLY),
    ("series_resolve", "POST",
     lambda w: f"/api/v1/recurring-bookings/{w.conflicting_series()}/resolve",
     lambda w: {"action": "keep"}, _expect(200, 200, 404, 404, 404)),
    ("notifications", "GET", lambda w: "/api/v1/notifications", None, EVERYONE),
    ("notification_dismiss", "POST",
     lambda w: f"/api/v1/notifications/{w.notification()}/dismiss", None,
     _expect(404, 404, 404, 200, 404)),
    ("statements", "GET", lambda w: "/api/v1/billing/statements?month=2027-03", None, EVERYONE),
    ("statements_of_member", "GET",
     lambda w: f"/api/v1/billing/statements?month=2027-03&member_id={w.gym.member.id}", None,
     _expect(200, 200, 200, 200, 403)),
]


@pytest.mark.parametrize(("name", "method", "path", "body", "expected"), CASES,
                         ids=[c[0] for c in CASES])
def test_authorization_matrix(world, name, method, path, body, expected):
    gym = world.gym
    users = {"admin": gym.admin, "coach": gym.coach, "coach2": gym.coach2,
             "member": gym.member, "member2": gym.member2}
    seen = {}
    for role in ROLES:
        world.clock.set(datetime(2027, 3, 15, 12, tzinfo=UTC))
        url = path(world)
        payload = body(world) if body else None
        headers = BAD_TOKEN if role == "bad_token" else None
        response = world.api.request(method, url, users.get(role), headers=headers,
                                     json=payload)
        seen[role] = response.status_code
        if response.status_code == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        if response.status_code in (401, 403, 404):
            code = {401: "unauthorized", 403: "forbidden", 404: "not_found"}
            assert response.get_json()["error"]["code"] == code[response.status_code]
    assert seen == expected


def test_openapi_needs_no_token(api):
    assert api.get("/api/v1/openapi.json").status_code == 200
    assert api.get("/api/v1/openapi.json", headers=BAD_TOKEN).status_code == 200


def test_a_deactivated_users_token_stops_working(api, gym):
    from coachapp.extensions import db

    headers = api.headers_for(gym.member)
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    gym.member.active = False
    db.session.commit()
    assert api.get("/api/v1/me", headers=headers).status_code == 401


def test_cookies_do_not_authenticate_the_api(api, client, gym, login):
    login(gym.member)
    response = api.get("/api/v1/me")
    assert response.status_code == 401

"""Malformed and hostile input: the parsing layer answers 400/404/422 naming the field, never 500.

Every response also goes through the OpenAPI conformance check of the ``api`` fixture, so each
status seen here must be documented for its endpoint.
"""

from __future__ import annotations

import json

import pytest

GARBAGE = [
    None,
    True,
    0,
    -1,
    2**31,
    10**30,
    1.5,
    "",
    "   ",
    "abc",
    "ünïcødé ☃ 🏋",
    "\u0000",
    "\ud800",
    "0000-01-01",
    "10000-01-01T10:00:00",
    "2027-02-30",
    "2027-03-22T25:00:00",
    "24:01",
    "9999-12-31T23:59:59-23:59",
    [],
    [1, 2],
    {},
    {"start_time": "09:00"},
    "9" * 5000,
]


@pytest.fixture
def setup(api, gym, clock):
    """A coach with Monday 09:00–12:00 in Studio A, as the bodies below expect."""
    response = api.put(
        f"/api/v1/coaches/{gym.coach.id}/weekly-availability/1",
        gym.coach,
        json={"windows": [{"start_time": "09:00", "end_time": "12:00",
                           "room_id": str(gym.room.id)}]},
    )
    assert response.status_code == 200
    return gym


def _valid_bodies(gym) -> list[tuple[str, str, dict]]:
    coach = gym.coach.id
    return [
        ("PUT", f"/api/v1/coaches/{coach}/weekly-availability/2",
         {"windows": [{"start_time": "09:00", "end_time": "10:00", "room_id": None,
                       "is_individual": True, "is_group": False}]}),
        ("POST", f"/api/v1/coaches/{coach}/blocked-slots",
         {"start_time": "2027-04-01T09:00", "end_time": "2027-04-01T10:00", "reason": "x"}),
        ("POST", f"/api/v1/coaches/{coach}/availability-additions",
         {"start_time": "2027-04-03T09:00", "end_time": "2027-04-03T10:00",
          "room_id": str(gym.room.id), "reason": "extra"}),
        ("POST", "/api/v1/bookings",
         {"coach_id": str(coach), "start_time": "2027-03-29T09:00:00+02:00",
          "end_time": "2027-03-29T10:00:00+02:00"}),
        ("POST", "/api/v1/recurring-bookings",
         {"coach_id": str(coach), "day_of_week": 1, "start_time": "11:00", "end_time": "12:00",
          "start_date": "2027-04-05", "end_date": None, "frequency": 1}),
    ]


def test_garbage_in_any_field_is_never_a_server_error(api, setup):
    gym = setup
    for method, path, body in _valid_bodies(gym):
        fields = list(body) + ["unknown_field"]
        if "windows" in body:
            fields = [f"windows.0.{name}" for name in body["windows"][0]] + ["windows"]
        for field in fields:
            for value in GARBAGE:
                candidate = json.loads(json.dumps(body))
                if field.startswith("windows.0."):
                    candidate["windows"][0][field.split(".")[-1]] = value
                else:
                    candidate[field] = value
                response = api.request(method, path, gym.member if "book" in path else gym.coach,
                                       json=candidate)
                assert response.status_code in (200, 201, 400, 404, 409, 422), (
                    method, path, field, value, response.get_json())


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"{", b"[1, 2]", b'"a string"', b"42", b"null", b"", b'{"a": NaN}',
     b"\xff\xfe", b"[" * 100000 + b"]" * 100000],
)
def test_a_body_that_is_not_a_json_object_is_400(api, setup, raw):
    for method, path, _body in _valid_bodies(setup):
        response = api.request(method, path, setup.coach, data=raw,
                               content_type="application/json")
        assert response.status_code == 400, (path, raw[:20])
        assert response.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"coach_id": True}, "coach_id"),
        ({"coach_id": ["1"]}, "coach_id"),
        ({"start_time": 900}, "start_time"),
        ({"end_time": {"at": "10:00"}}, "end_time"),
        ({"day_of_week": "1"}, "day_of_week"),
        ({"day_of_week": 1.5}, "day_of_week"),
        ({"start_date": 20270405}, "start_date"),
        ({"frequency": "2"}, "frequency"),
        ({"member_id": 1.5}, "member_id"),
    ],
)
def test_a_field_of_the_wrong_type_is_400_naming_it(api, setup, body, field):
    valid = {"coach_id": str(setup.coach.id), "day_of_week": 1, "start_time": "11:00",
             "end_time": "12:00", "start_date": "2027-04-05"}
    response = api.post("/api/v1/recurring-bookings", setup.member, json={**valid, **body})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request"
    assert error["field"] == field
    assert error["message"].startswith(field)


@pytest.mark.parametrize(
    ("window", "field"),
    [
        ({"start_time": 9, "end_time": "10:00"}, "windows[0].start_time"),
        ({"start_time": "09:00", "end_time": "10:00", "is_group": "yes"}, "windows[0].is_group"),
        ({"start_time": "09:00", "end_time": "10:00", "room_id": {"id": 1}}, "windows[0].room_id"),
        ("09:00-10:00", "windows[0]"),
    ],
)
def test_wrong_types_inside_windows_are_400_with_the_path(api, setup, window, field):
    response = api.put(f"/api/v1/coaches/{setup.coach.id}/weekly-availability/2", setup.coach,
                       json={"windows": [window]})
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


def test_windows_must_be_an_array(api, setup):
    url = f"/api/v1/coaches/{setup.coach.id}/weekly-availability/2"
    response = api.put(url, setup.coach, json={"windows": {"start_time": "09:00"}})
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "windows"
    response = api.put(url, setup.coach, json={})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "windows"


@pytest.mark.parametrize(
    ("window", "field", "text"),
    [
        ({"start_time": "10:00", "end_time": "09:00"}, "windows[0].end_time",
         "windows[0].end_time: must be after start_time"),
        ({"start_time": "10:00", "end_time": "10:00"}, "windows[0].end_time", "after start_time"),
        ({"start_time": "25:00", "end_time": "26:00"}, "windows[0].start_time", "00:00 and 24:00"),
        ({"start_time": "9am", "end_time": "10:00"}, "windows[0].start_time", "HH:MM"),
        ({"start_time": "09:00", "end_time": "24:30"}, "windows[0].end_time", "24:00"),
        ({"start_time": "", "end_time": "10:00"}, "windows[0].start_time", "HH:MM"),
        ({"end_time": "10:00"}, "windows[0].start_time", "required"),
        ({"start_time": "09:00", "end_time": "10:00", "is_individual": False},
         "windows[0].is_individual", "group"),
    ],
)
def test_invalid_windows_are_422_naming_the_field(api, setup, window, field, text):
    response = api.put(f"/api/v1/coaches/{setup.coach.id}/weekly-availability/2", setup.coach,
                       json={"windows": [window]})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["field"] == field
    assert text in error["message"]


def test_an_integral_float_counts_as_an_integer(api, setup):
    response = api.post("/api/v1/recurring-bookings", setup.member, json={
        "coach_id": str(setup.coach.id), "day_of_week": 1.0, "start_time": "11:00",
        "end_time": "12:00", "start_date": "2027-04-05", "frequency": 2.0})
    assert response.status_code == 201
    assert response.get_json()["recurring_booking"]["frequency"] == 2


def test_24_00_ends_a_window_at_midnight(api, setup):
    response = api.put(f"/api/v1/coaches/{setup.coach.id}/weekly-availability/2", setup.coach,
                       json={"windows": [{"start_time": "20:00", "end_time": "24:00"}]})
    assert response.status_code == 200
    assert response.get_json()["windows"][0]["end_time"] == "24:00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"day_of_week": 7}, "day_of_week"),
        ({"day_of_week": -1}, "day_of_week"),
        ({"day_of_week": 10**30}, "day_of_week"),
        ({"frequency": 3}, "frequency"),
        ({"frequency": 0}, "frequency"),
        ({"start_date": "2027-02-30"}, "start_date"),
        ({"start_date": "0000-01-01"}, "start_date"),
        ({"start_date": "10000-01-01"}, "start_date"),
        ({"start_date": "2027-4-5"}, "start_date"),
        ({"start_date": "2027-04-05", "end_date": "2027-04-04"}, "end_date"),
        ({"start_time": "12:00", "end_time": "11:00"}, "end_time"),
        ({"start_time": "11:00:00"}, "start_time"),
        ({"start_date": None}, "start_date"),
        ({"start_time": "11:00", "end_time": None}, "end_time"),
    ],
)
def test_out_of_range_and_invalid_values_are_422(api, setup, body, field):
    valid = {"coach_id": str(setup.coach.id), "day_of_week": 1, "start_time": "11:00",
             "end_time": "12:00", "start_date": "2027-04-05"}
    response = api.post("/api/v1/recurring-bookings", setup.member, json={**valid, **body})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["field"] == field
    assert error["message"].startswith(field + ":")


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2027-04-01T10:00", "2027-04-01T09:00", "end_time"),
        ("2027-04-01", "2027-04-01T10:00", "start_time"),
        ("0000-04-01T10:00", "2027-04-01T10:00", "start_time"),
        ("10000-04-01T10:00", "2027-04-01T10:00", "start_time"),
        ("2027-04-01T10:00+25:00", "2027-04-01T11:00", "start_time"),
        ("2027-13-01T10:00", "2027-04-01T11:00", "start_time"),
        ("tomorrow", "2027-04-01T11:00", "start_time"),
        ("2027-04-01T10:00", "2999-12-31T23:59:59-23:59", "end_time"),
    ],
)
def test_bad_datetimes_are_422(api, setup, start, end, field):
    response = api.post(f"/api/v1/coaches/{setup.coach.id}/blocked-slots", setup.coach,
                        json={"start_time": start, "end_time": end})
    if field == "end_time" and end.startswith("2999"):
        assert response.status_code == 201, "a far but valid end is accepted"
        return
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == field


def test_text_that_the_database_cannot_keep_is_422(api, setup):
    url = f"/api/v1/coaches/{setup.coach.id}/blocked-slots"
    span = {"start_time": "2027-04-01T09:00", "end_time": "2027-04-01T10:00"}
    for reason in ["nul \u0000 inside", "lone \ud800 surrogate", "x" * 201]:
        response = api.post(url, setup.coach, json={**span, "reason": reason})
        assert response.status_code == 422
        assert response.get_json()["error"]["field"] == "reason"
    response = api.post(url, setup.coach, json={**span, "reason": "Zahnarzt 🦷 – ünïcødé"})
    assert response.status_code == 201
    assert response.get_json()["blocked_slot"]["reason"] == "Zahnarzt 🦷 – ünïcødé"


def test_unknown_fields_are_ignored(api, setup):
    response = api.post(
        f"/api/v1/coaches/{setup.coach.id}/blocked-slots", setup.coach,
        json={"start_time": "2027-04-01T09:00", "end_time": "2027-04-01T10:00",
              "colour": "red", "id": "999"},
    )
    assert response.status_code == 201
    assert response.get_json()["blocked_slot"]["id"] != "999"


@pytest.mark.parametrize(
    "bad_id", ["abc", "0", "-1", "1.5", "99999999999999999999999", "2147483648", "%20", "１"]
)
def test_ids_that_cannot_exist_are_404(api, setup, bad_id):
    for method, path in [
        ("GET", f"/api/v1/coaches/{bad_id}/weekly-availability"),
        ("GET", f"/api/v1/coaches/{bad_id}/slots?from=2027-03-29&to=2027-03-29"),
        ("PUT", f"/api/v1/coaches/{bad_id}/weekly-availability/1"),
        ("DELETE", f"/api/v1/blocked-slots/{bad_id}"),
        ("DELETE", f"/api/v1/availability-additions/{bad_id}"),
        ("POST", f"/api/v1/bookings/{bad_id}/cancel"),
        ("POST", f"/api/v1/recurring-bookings/{bad_id}/cancel"),
        ("POST", f"/api/v1/sessions/{bad_id}/resolve"),
        ("POST", f"/api/v1/sessions/{bad_id}/no-show"),
        ("GET", f"/api/v1/sessions/{bad_id}"),
    ]:
        response = api.request(method, path, setup.admin, json={"action": "keep", "windows": []})
        assert response.status_code == 404, (method, path, response.get_json())
        assert response.get_json()["error"]["code"] == "not_found"
    response = api.post("/api/v1/bookings", setup.member,
                        json={"coach_id": bad_id, "start_time": "2027-03-29T09:00",
                              "end_time": "2027-03-29T10:00"})
    assert response.status_code == 404
    response = api.get(f"/api/v1/sessions?coach_id={bad_id}", setup.admin)
    assert response.status_code == 404


def test_an_id_that_is_not_a_coach_is_404(api, setup):
    for user in (setup.member, setup.admin):
        response = api.get(f"/api/v1/coaches/{user.id}/weekly-availability", setup.member)
        assert response.status_code == 404
    response = api.get("/api/v1/coaches/424242/slots?from=2027-03-29&to=2027-03-29", setup.member)
    assert response.status_code == 404


def test_day_of_week_in_the_path(api, setup):
    url = f"/api/v1/coaches/{setup.coach.id}/weekly-availability"
    body = {"windows": []}
    assert api.put(f"{url}/7", setup.coach, json=body).status_code == 422
    assert api.put(f"{url}/-1", setup.coach, json=body).status_code == 422
    assert api.put(f"{url}/monday", setup.coach, json=body).status_code == 404
    assert api.put(f"{url}/99999999999999999999", setup.coach, json=body).status_code == 404
    assert api.put(f"{url}/0", setup.coach, json=body).status_code == 200


@pytest.mark.parametrize(
    "query",
    ["", "from=2027-03-29", "to=2027-03-29", "from=2027-03-29&to=2027-03-28",
     "from=2027-03-01&to=2027-05-02", "from=29.03.2027&to=2027-03-30",
     "from=2027-03-29T10:00&to=2027-03-30", "from=0000-01-01&to=0000-01-02",
     "from=9999-12-31&to=9999-12-31"],
)
def test_slot_query_is_validated(api, setup, query):
    response = api.get(f"/api/v1/coaches/{setup.coach.id}/slots?{query}", setup.member)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] in ("from", "to")


def test_a_slot_range_of_62_days_is_fine(api, setup):
    response = api.get(f"/api/v1/coaches/{setup.coach.id}/slots?from=2027-04-01&to=2027-06-01",
                       setup.member)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    ["status=done", "status=", "from=", "to=", "from=yesterday", "from=%202027-04-01",
     "to=2027-02-30", "from=2027-04-02&to=2027-04-01",
     "from=2027-04-01T10:00:00%2B99:00"],
)
def test_session_query_is_validated(api, setup, query):
    response = api.get(f"/api/v1/sessions?{query}", setup.admin)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("month", ["", "2027-13", "2027-1", "27-01", "0000-01", "2027-00", "x"])
def test_billing_month_is_validated(api, setup, month):
    response = api.get(f"/api/v1/billing/statements?month={month}", setup.admin)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "month"


@pytest.mark.parametrize("action", ["", "delete", "KEEP", None, 1, ["keep"]])
def test_resolve_action_is_validated(api, setup, action):
    response = api.post("/api/v1/sessions/1/resolve", setup.coach, json={"action": action})
    assert response.status_code in (400, 422)
    assert response.get_json()["error"]["field"] == "action"


def test_wrong_method_is_405_json(api, setup):
    response = api.request("PATCH", "/api/v1/bookings", setup.member, check=False)
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_unknown_api_path_is_404_json(api, setup):
    response = api.get("/api/v1/nothing-here", setup.member)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"

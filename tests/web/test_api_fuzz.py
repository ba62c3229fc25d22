"""Random JSON at every writing endpoint and random query strings at every reading one.

Whatever arrives, the answer is a documented status with a contract-shaped body, never a 500
(the ``api`` fixture checks both).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["09:00", "24:00", "2027-03-29", "2027-03-29T10:00", "2027-03-29T10:00Z",
                      "1", "0", "keep", "cancel", "", "99999999999999999999"])
)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=3), max_leaves=8)
FIELDS = ["coach_id", "member_id", "room_id", "start_time", "end_time", "reason", "day_of_week",
          "start_date", "end_date", "frequency", "from_date", "action", "windows",
          "is_individual", "is_group"]
BODIES = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=6) | JSON
WINDOW_BODIES = st.fixed_dictionaries({"windows": st.lists(
    st.dictionaries(st.sampled_from(["start_time", "end_time", "room_id", "is_individual",
                                     "is_group"]), JSON, max_size=5), max_size=3)})
QUERY_VALUES = st.sampled_from(["", "2027-03-29", "2027-02-30", "2027-03", "0000-01-01",
                                "2027-03-29T10:00", "2027-03-29T10:00:00%2B14:00", "x", "%00",
                                "1", "scheduled", "99999999999999999999", "-1", "%F0%9F%8F%8B"])
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def setup(api, gym, clock):
    """A coach with Monday 09:00–12:00 and one booked session to aim ids at."""
    api.put(f"/api/v1/coaches/{gym.coach.id}/weekly-availability/1", gym.coach,
            json={"windows": [{"start_time": "09:00", "end_time": "12:00"}]})
    booked = api.post("/api/v1/bookings", gym.member, json={
        "coach_id": str(gym.coach.id), "start_time": "2027-03-29T10:00",
        "end_time": "2027-03-29T11:00"}).get_json()
    gym.ids = booked
    return gym


@pytest.mark.parametrize("target", ["blocked", "addition", "booking", "series", "cancel_series",
                                    "resolve"])
@FUZZ
@given(body=BODIES)
def test_random_bodies(api, setup, target, body):
    coach = setup.coach.id
    path = {
        "blocked": f"/api/v1/coaches/{coach}/blocked-slots",
        "addition": f"/api/v1/coaches/{coach}/availability-additions",
        "booking": "/api/v1/bookings",
        "series": "/api/v1/recurring-bookings",
        "cancel_series": "/api/v1/recurring-bookings/1/cancel",
        "resolve": f"/api/v1/sessions/{setup.ids['session']['id']}/resolve",
    }[target]
    user = setup.member if target in ("booking", "series") else setup.coach
    api.post(path, user, json=body)


@FUZZ
@given(body=WINDOW_BODIES | BODIES)
def test_random_weekly_days(api, setup, body):
    api.put(f"/api/v1/coaches/{setup.coach.id}/weekly-availability/2", setup.coach, json=body)


@FUZZ
@given(values=st.lists(QUERY_VALUES, min_size=5, max_size=5))
def test_random_queries(api, setup, values):
    coach_id, member_id, start, end, status = values
    api.get(f"/api/v1/sessions?coach_id={coach_id}&member_id={member_id}&from={start}&to={end}"
            f"&status={status}", setup.admin)
    api.get(f"/api/v1/coaches/{setup.coach.id}/slots?from={start}&to={end}", setup.member)
    api.get(f"/api/v1/coaches/{setup.coach.id}/blocked-slots?from={start}&to={end}", setup.coach)
    api.get(f"/api/v1/billing/statements?month={start}&member_id={member_id}", setup.admin)


def test_a_core_refusal_that_slips_through_is_still_422(api, setup, monkeypatch):
    from coachapp.scheduling import ValidationError
    from coachapp.services import slots

    def refuse(*args, **kwargs):
        raise ValidationError("The session length must be a positive duration.", "duration")

    monkeypatch.setattr(slots, "bookable_slots", refuse)
    response = api.get(f"/api/v1/coaches/{setup.coach.id}/slots?from=2027-03-29&to=2027-03-29",
                       setup.member)
    assert response.status_code == 422
    assert response.get_json()["error"] == {
        "code": "validation_error", "field": "duration",
        "message": "duration: The session length must be a positive duration."}

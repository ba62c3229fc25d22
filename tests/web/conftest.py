"""JSON API fixtures: a small gym (admin, two coaches, two members, two rooms) with tokens, and a
client that checks every API response against the OpenAPI document.

The conformance check is what a schema fuzzer would do later: each response's status must be
documented for that path and method, and its body must match the documented schema (the document
the app generates from its models, checked by a JSON Schema validator). A 500 fails the test at
once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import jsonschema_rs
import pytest
from werkzeug.exceptions import HTTPException


def schema_validator(schema: dict, doc: dict) -> jsonschema_rs.Draft202012Validator:
    """A JSON Schema 2020-12 validator (formats checked) for ``schema``, a schema of the OpenAPI
    document ``doc``: its ``$ref``s resolve into the document's components."""
    return jsonschema_rs.Draft202012Validator(
        {**schema, "components": doc["components"]}, validate_formats=True
    )


def _template(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


@dataclass
class ApiClient:
    """A test client for the JSON API: ``api.post(path, user, json=...)``.

    ``user`` (or ``headers``) picks the token; every response is checked against the OpenAPI
    document unless ``check=False``.
    """

    client: Any
    app: Any
    tokens: dict
    doc: dict | None = None
    validators: dict = field(default_factory=dict)

    def headers_for(self, user) -> dict:
        """The Authorization header of ``user`` (one token per user per test)."""
        from coachapp.services import accounts

        if user.id not in self.tokens:
            self.tokens[user.id] = {
                "Authorization": f"Bearer {accounts.issue_token(user.email)}"
            }
        return self.tokens[user.id]

    def request(self, method: str, path: str, user=None, *, headers=None, check: bool = True,
                **kwargs):
        """Send one request; assert it conforms to the document (status and body)."""
        all_headers = dict(headers or {})
        if user is not None:
            all_headers.update(self.headers_for(user))
        response = self.client.open(path, method=method, headers=all_headers, **kwargs)
        assert response.status_code < 500, response.get_data(as_text=True)
        if check:
            self.conform(method, path, response)
        return response

    def conform(self, method: str, path: str, response) -> None:
        """Assert the response's status is documented and its JSON body matches the schema."""
        if self.doc is None:
            self.doc = self.client.get("/api/v1/openapi.json").get_json()
        adapter = self.app.url_map.bind("localhost")
        try:
            rule, _args = adapter.match(path.split("?")[0], method=method, return_rule=True)
        except HTTPException:
            return
        operation = self.doc["paths"][_template(rule.rule)][method.lower()]
        documented = operation["responses"].get(str(response.status_code))
        assert documented is not None, (
            f"{method} {path} answered {response.status_code}, which is not documented: "
            f"{response.get_data(as_text=True)}"
        )
        content = documented.get("content")
        if content is None:
            assert not response.get_data(), f"{method} {path}: body where none is documented"
            return
        body = response.get_json(silent=True)
        assert body is not None, f"{method} {path}: not JSON: {response.get_data(as_text=True)}"
        key = (rule.rule, method, response.status_code)
        if key not in self.validators:
            self.validators[key] = schema_validator(content["application/json"]["schema"],
                                                    self.doc)
        errors = [f"{'/'.join(map(str, e.instance_path)) or '$'}: {e.message}"
                  for e in self.validators[key].iter_errors(body)]
        assert not errors, f"{method} {path} {response.status_code}: {errors}\n{body}"

    def get(self, path, user=None, **kw):
        """GET ``path`` as ``user``."""
        return self.request("GET", path, user, **kw)

    def post(self, path, user=None, **kw):
        """POST ``path`` as ``user``."""
        return self.request("POST", path, user, **kw)

    def put(self, path, user=None, **kw):
        """PUT ``path`` as ``user``."""
        return self.request("PUT", path, user, **kw)

    def delete(self, path, user=None, **kw):
        """DELETE ``path`` as ``user``."""
        return self.request("DELETE", path, user, **kw)


@pytest.fixture
def api(app, client):
    """An ApiClient over the test client that checks each response against the document."""
    return ApiClient(client, app, {})


class Clock:
    """The services' idea of now, and the creation time rows are stamped with, settable:
    ``clock.set(datetime(2027, 3, 15, 12, tzinfo=UTC))``."""

    def __init__(self, monkeypatch):
        self.now = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
        self._monkeypatch = monkeypatch
        self._patch()

    def _patch(self) -> None:
        from tests.clock import pin_clock

        pin_clock(self._monkeypatch, lambda: self.now)

    def set(self, now: datetime) -> None:
        """Move the clock to ``now`` (aware)."""
        self.now = now


@pytest.fixture
def clock(app, monkeypatch):
    """Freeze the services' clock at 2027-03-15 12:00 UTC (a Monday, a week before the DST week)."""
    return Clock(monkeypatch)


@pytest.fixture
def gym(app, make_user):
    """Admin, coach (Europe/Berlin), coach2 (America/New_York), member, member2, room, room2."""
    from coachapp.services import accounts

    return SimpleNamespace(
        admin=make_user("admin", email="admin@gym.example.com"),
        coach=make_user("coach", email="coach@gym.example.com", timezone="Europe/Berlin"),
        coach2=make_user("coach", email="coach2@gym.example.com", timezone="America/New_York"),
        member=make_user("member", email="member@gym.example.com"),
        member2=make_user("member", email="member2@gym.example.com"),
        room=accounts.create_room("Studio A"),
        room2=accounts.create_room("Studio B"),
    )



@pytest.fixture
def mondays_gym(api, gym, clock):
    """The gym with the coach (Berlin) working Mondays 09:00–12:00 in Studio A, set through the
    API; the clock is 2027-03-15 12:00 UTC (the API booking tests' common start)."""
    response = api.put(
        f"/api/v1/coaches/{gym.coach.id}/weekly-availability/1", gym.coach,
        json={"windows": [{"start_time": "09:00", "end_time": "12:00",
                           "room_id": str(gym.room.id)}]})
    assert response.status_code == 200
    return gym

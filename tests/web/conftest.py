"""JSON API fixtures: a small gym (admin, two coaches, two members, two rooms) with tokens, and a
client that checks every API response against the OpenAPI document.

The conformance check is what a schema fuzzer would do later: each response's status must be
documented for that path and method, and its body must match the documented schema. A 500 fails
the test at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from werkzeug.exceptions import HTTPException

JSON_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def schema_errors(value: Any, schema: dict, doc: dict, where: str = "$") -> list[str]:
    """What is wrong with ``value`` under ``schema``: the JSON Schema subset the document uses."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    errors: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if not any(JSON_TYPES[k](value) for k in kinds):
            return [f"{where}: {value!r} is not of type {kinds}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{where}: longer than {schema['maxLength']}")
        fmt = schema.get("format")
        try:
            if fmt == "date-time" and datetime.fromisoformat(value).utcoffset() is None:
                errors.append(f"{where}: {value!r} has no offset")
            if fmt == "date":
                date.fromisoformat(value)
        except ValueError:
            errors.append(f"{where}: {value!r} is not a {fmt}")
    if isinstance(value, int) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where}: {value} > {schema['maximum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{where}: missing {name!r}")
        for name, item in value.items():
            if name in props:
                errors += schema_errors(item, props[name], doc, f"{where}.{name}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{where}: unexpected {name!r}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += schema_errors(item, schema["items"], doc, f"{where}[{i}]")
    return errors


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
        errors = schema_errors(body, content["application/json"]["schema"], self.doc)
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

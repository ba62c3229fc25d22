"""schemathesis against ``/api/v1/openapi.json`` on a live server, with a valid admin token.

For every operation in the document it generates requests that fit the schema and requests that
do not, and checks each response: never a 5xx, a documented status code and content type, a body
that matches the documented schema, and schema-violating input rejected with a 4xx.

Excluded: ``positive_data_acceptance`` (a request that fits the schema must be accepted). The API's
cross-field rules cannot be said in the OpenAPI document: an end after its start, ``to`` on or
after ``from``, at most 62 days per slot search, no impossible dates such as 2027-02-30. A
schema-valid request may break them and is rightly refused with 422.

Ids: most path ids, and the coach, member and room a query or body names, are replaced by ids that
exist in the served database (``before_call`` below, from ``tally.EXISTING``); one in
``KEEP_ONE_IN`` is sent as drawn. ``DELETE /api/v1/tokens/{id}`` revokes the admin's spare tokens,
never the run's own (it would get 401 for the rest of the run).

How many examples per operation: ``FUZZ_EXAMPLES`` (default 10, about 300 requests in all, for
CI); ``make fuzz`` runs the long one. The tally of requests and statuses is printed at the end.
"""

from __future__ import annotations

import os
import random
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from coachapp.api.openapi import document
from tests.fuzz.tally import EXISTING, TALLY, TOKEN, reached_share, split

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
KEEP_ONE_IN = 8
"""One generated id in this many is sent as drawn (mostly one that does not exist: the 404 path
is tested too); the others are replaced by an id that exists."""
REACHED_AT_LEAST = 0.5
"""The share of answers that must be a 2xx or a 4xx other than 404 (the rest: 404 and none 5xx)."""
PATH_KINDS = {
    "tokens": "tokens",
    "coaches": "coaches",
    "blocked-slots": "blocked_slots",
    "availability-additions": "availability_additions",
    "sessions": "sessions",
    "bookings": "bookings",
    "recurring-bookings": "recurring_bookings",
    "notifications": "notifications",
}
"""The kind of the ``{id}`` in ``/api/v1/<first segment>/{id}…`` (``tally.EXISTING``'s keys)."""
FIELD_KINDS = {
    "coach_id": "coaches",
    "member_id": "members",
    "room_id": "rooms",
    "default_room_id": "rooms",
}
"""The kind of an id named by a query parameter or body field."""
ID = re.compile(r"[0-9]+")
"""A well-formed id in a body (the document's pattern); any string is one in a query."""
ANY = re.compile(r".*", re.DOTALL)
_draw = random.Random(13)
_unused: dict[str, list[str]] = {}


def _path_kind(path: str) -> str | None:
    """The kind of ``{id}`` in an operation's path, or None (no id, or a resource not listed)."""
    if "{id}" not in path:
        return None
    if path.endswith("/places"):
        return "group_sessions"  # only a group session has places to book
    return PATH_KINDS.get(path.removeprefix("/api/v1/").split("/")[0])


def _existing(kind: str | None, value, *, consume: bool = False):
    """Mostly an id of ``kind`` that exists (one not yet used, for a delete), else ``value``."""
    pool = EXISTING.get(kind or "")
    if not pool or _draw.randrange(KEEP_ONE_IN) == 0:
        return value
    if consume:
        unused = _unused.setdefault(kind, list(pool))
        if unused:
            return unused.pop(_draw.randrange(len(unused)))
    return _draw.choice(pool)


@schemathesis.hook
def before_call(context, case, kwargs):
    """Send ids that exist: the ``{id}`` of the path (an unused one for a DELETE), the day of week,
    and the coach, member and room a query or body names (in a body only when what was drawn is a
    well-formed id: a malformed one is sent as drawn, the request tests the 4xx for it).
    schemathesis checks the request against the schema again after this hook. (The hook is
    global: it leaves alone any request sent before the ``fuzz_server`` fixture filled EXISTING.)"""
    if not EXISTING:
        return
    path = case.operation.path
    method = case.operation.method.upper()
    params = dict(case.path_parameters or {})
    if "id" in params:
        kind = _path_kind(path)
        params["id"] = _existing(kind, params["id"], consume=method == "DELETE")
        if kind == "tokens" and params["id"] in EXISTING["own_token"]:
            params["id"] = _draw.choice(EXISTING["tokens"])  # the run's token stays valid
    if "day_of_week" in params and _draw.randrange(KEEP_ONE_IN):
        params["day_of_week"] = str(_draw.randrange(7))
    case.path_parameters = params
    for values, pattern in ((case.query, ANY), (case.body, ID)):
        if not isinstance(values, dict):
            continue
        for field, kind in FIELD_KINDS.items():
            if isinstance(values.get(field), str) and pattern.fullmatch(values[field]):
                values[field] = _existing(kind, values[field])


def _load_schema():
    """The document the server serves (``coachapp.api.openapi.document``, built without an app so
    the operations are known at collection; the test checks the live server serves the same)."""
    schema = schemathesis.openapi.from_dict(document())

    @schema.auth(refresh_interval=None)
    class AdminToken:
        """The demo admin's bearer token on every request (the document's ``bearerAuth``)."""

        def get(self, case, context):
            return TOKEN

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema


schema = _load_schema()


@pytest.fixture(scope="session")
def served(fuzz_server):
    """The live server, once it is shown to serve this document and take the token."""
    import requests

    server = fuzz_server
    assert requests.get(server.url + "/api/v1/openapi.json", timeout=10).json() == document()
    me = requests.get(server.url + "/api/v1/me", headers={"Authorization": f"Bearer {TOKEN}"},
                      timeout=10)
    assert me.status_code == 200, me.text
    return server


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, served):
    """Every generated request gets a documented, schema-conforming, non-5xx answer."""
    excluded = [positive_data_acceptance]
    response = case.call_and_validate(base_url=served.url, excluded_checks=excluded, timeout=30)
    TALLY["requests"] += 1
    TALLY[f"{response.status_code // 100}xx"] += 1
    TALLY[f"status {response.status_code}"] += 1
    TALLY[f"{case.operation.method.upper()} {case.operation.path}"] += 1
    if response.status_code == 404:
        TALLY[f"404 {case.operation.method.upper()} {case.operation.path}"] += 1


def test_most_answers_reach_the_code():
    """At least half the answers of the run above are a 2xx or a 4xx other than 404: the fuzzer
    gets past the routing and the id lookups to the code behind them (it once sent 60 % of its
    requests to ids that did not exist). Runs after the schema test, over its tally."""
    if TALLY["requests"] < 100:
        pytest.skip("the schema test sent fewer than 100 requests (run the whole module)")
    parts = split(TALLY)
    assert parts["5xx"] == 0, parts
    assert reached_share(TALLY) >= REACHED_AT_LEAST, parts

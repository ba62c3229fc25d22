"""schemathesis against ``/api/v1/openapi.json`` on a live server, with a valid admin token.

For every operation in the document it generates requests that fit the schema and requests that
do not, and checks each response: never a 5xx, a documented status code and content type, a body
that matches the documented schema, and schema-violating input rejected with a 4xx.

Excluded: ``positive_data_acceptance`` (a request that fits the schema must be accepted). The API's
cross-field rules cannot be said in the OpenAPI document: an end after its start, ``to`` on or
after ``from``, at most 62 days per slot search, no impossible dates such as 2027-02-30. A
schema-valid request may break them and is rightly refused with 422.

Not fuzzed: ``DELETE /api/v1/tokens/{id}`` (``revokeToken``). The demo gym's ids start at 1, so
the fuzzer would soon revoke its own token and get 401 for the rest of the run;
``tests/web/test_api_tokens.py`` checks that operation against the document instead.

How many examples per operation: ``FUZZ_EXAMPLES`` (default 10, about 300 requests in all, for
CI); ``make fuzz`` runs the long one. The tally of requests and statuses is printed at the end.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from coachapp.api.openapi import document
from tests.fuzz.tally import TALLY, TOKEN

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
REAL_IDS = st.integers(min_value=1, max_value=80).map(str)
"""Ids that exist in the seeded demo gym (users, rooms, sessions, bookings, series…)."""
REFERENCE_IDS = {
    "coach_id": st.sampled_from(["2", "3", "4"]),
    "member_id": st.integers(min_value=5, max_value=16).map(str),
    "room_id": st.sampled_from(["1", "2", "3", "4", None]),
}
"""The demo gym's coaches (Lena, Sam, Priya), members and rooms, by the body field naming them."""
REFERENCES = frozenset(REFERENCE_IDS)


def _load_schema():
    """The document the server serves (``coachapp.api.openapi.document``, built without an app so
    the operations are known at collection; the test checks the live server serves the same)."""
    schema = schemathesis.openapi.from_dict(document())

    @schema.hook("flatmap_path_parameters")
    def real_ids_too(context, path_parameters):
        """Half the time an ``id`` that exists, so the fuzzer gets past the 404s."""
        if not path_parameters or "id" not in path_parameters:
            return st.just(path_parameters)
        return st.one_of(st.just(path_parameters["id"]), REAL_IDS).map(
            lambda value: {**path_parameters, "id": value}
        )

    @schema.hook("flatmap_body")
    def real_references_too(context, body):
        """Half the time the coach, member and room a body names exist (the demo gym's ids)."""
        if not isinstance(body, dict) or not REFERENCES & body.keys():
            return st.just(body)
        named = sorted(REFERENCES & body.keys())
        real = st.fixed_dictionaries({key: REFERENCE_IDS[key] for key in named})
        return st.one_of(st.just(body), real.map(lambda ids: {**body, **ids}))

    @schema.auth(refresh_interval=None)
    class AdminToken:
        """The demo admin's bearer token on every request (the document's ``bearerAuth``)."""

        def get(self, case, context):
            return TOKEN

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema


schema = _load_schema().exclude(operation_id="revokeToken")


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
    response = case.call_and_validate(
        base_url=served.url,
        excluded_checks=[positive_data_acceptance],
        timeout=30,
    )
    TALLY["requests"] += 1
    TALLY[f"{response.status_code // 100}xx"] += 1
    TALLY[f"status {response.status_code}"] += 1
    TALLY[f"{case.operation.method.upper()} {case.operation.path}"] += 1

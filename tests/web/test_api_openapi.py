"""The OpenAPI document: public, OpenAPI 3.1, and it describes exactly the routes the app has."""

from __future__ import annotations

import re

API_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _documented(doc: dict) -> set[tuple[str, str]]:
    return {
        (path, method.upper())
        for path, ops in doc["paths"].items()
        for method in ops
        if method.upper() in API_METHODS
    }


def _routed(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        found |= {(path, m) for m in rule.methods & API_METHODS}
    return found


def test_openapi_is_public_and_3_1_with_bearer_auth(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert doc["security"] == [{"bearerAuth": []}]
    assert doc["paths"]["/api/v1/openapi.json"]["get"]["security"] == []


def test_every_api_route_is_documented_and_nothing_else(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    routed, documented = _routed(app), _documented(doc)
    assert routed - documented == set(), "routes missing from openapi.json"
    assert documented - routed == set(), "openapi.json documents routes that do not exist"


def test_contract_paths_are_documented_verbatim(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    contract = {
        ("GET", "/coaches"),
        ("GET", "/coaches/{id}/weekly-availability"),
        ("PUT", "/coaches/{id}/weekly-availability/{day_of_week}"),
        ("POST", "/coaches/{id}/blocked-slots"),
        ("DELETE", "/blocked-slots/{id}"),
        ("POST", "/coaches/{id}/availability-additions"),
        ("DELETE", "/availability-additions/{id}"),
        ("GET", "/coaches/{id}/slots"),
        ("POST", "/bookings"),
        ("POST", "/bookings/{id}/cancel"),
        ("POST", "/recurring-bookings"),
        ("POST", "/recurring-bookings/{id}/cancel"),
        ("GET", "/sessions"),
        ("GET", "/coaches/{id}/conflicts"),
        ("POST", "/sessions/{id}/resolve"),
        ("POST", "/sessions/{id}/no-show"),
        ("GET", "/billing/statements"),
    }
    documented = _documented(doc)
    for method, path in contract:
        assert ("/api/v1" + path, method) in documented


def test_every_operation_documents_its_errors_and_refs_resolve(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    text = client.get("/api/v1/openapi.json").get_data(as_text=True)
    for name in re.findall(r'"#/components/schemas/([A-Za-z]+)"', text):
        assert name in doc["components"]["schemas"], name
    operation_ids = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            operation_ids.append(op["operationId"])
            responses = op["responses"]
            assert any(code.startswith("2") for code in responses), (path, method)
            if op.get("security") != []:
                assert "401" in responses, (path, method)
            if "{" in path:
                assert "404" in responses, (path, method)
                names = {p["name"] for p in op["parameters"] if p["in"] == "path"}
                assert names == set(re.findall(r"{([^}]+)}", path)), (path, method)
            if "requestBody" in op and op["requestBody"]["required"]:
                assert {"400", "422"} <= set(responses), (path, method)
            for code, response in responses.items():
                if code.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, code)
    assert len(operation_ids) == len(set(operation_ids))


def test_session_schema_has_the_contract_fields(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    session = doc["components"]["schemas"]["Session"]
    assert set(session["required"]) == {
        "id", "coach_id", "member_id", "room_id", "start_time", "end_time", "type", "status",
        "recurring_booking_id", "one_time_booking_id", "capacity",
    }
    window = doc["components"]["schemas"]["Window"]
    assert set(window["required"]) == {
        "id", "day_of_week", "start_time", "end_time", "room_id", "is_individual", "is_group",
    }

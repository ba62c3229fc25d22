"""The role check of a blueprint (``auth.decorators.require_roles``, a ``before_request``) holds
for every route and method of it, posts included: a visitor who is not logged in is sent to log
in, a logged-in user of another role gets 403, before the view runs. The routes come from the
app's URL map, so a view added later is covered without anyone listing it."""

from __future__ import annotations

import pytest
from werkzeug.routing.converters import AnyConverter

from coachapp.vocab import Role
from tests.conftest import PASSWORD

BLUEPRINT_ROLES = {
    "member": {Role.MEMBER},
    "coach": {Role.COACH, Role.ADMIN},
    "admin": {Role.ADMIN},
}
ONLY = {"coach.regenerate_feed": {Role.COACH}}
"""Views narrower than their blueprint."""


def _routes(app):
    """``(endpoint, method, url)`` for each route and method of the role-checked blueprints."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in BLUEPRINT_ROLES:
            continue
        values = {}
        for name, converter in rule._converters.items():
            values[name] = sorted(converter.items)[0] if isinstance(converter, AnyConverter) else 1
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append(
                (rule.endpoint, method, adapter.build(rule.endpoint, values, method=method))
            )
    return found


def test_the_checked_blueprints_have_routes_to_check(app):
    endpoints = {endpoint.split(".")[0] for endpoint, _, _ in _routes(app)}
    assert endpoints == set(BLUEPRINT_ROLES)
    assert len(_routes(app)) > 40


def test_a_visitor_is_sent_to_log_in_from_every_route(app):
    client = app.test_client()
    wrong = []
    for endpoint, method, url in _routes(app):
        response = client.open(url, method=method)
        if response.status_code != 302 or "/login" not in response.headers["Location"]:
            wrong.append(f"{method} {url} ({endpoint}): {response.status_code}")
    assert wrong == []


@pytest.mark.parametrize("role", list(Role))
def test_another_role_gets_403_on_every_route(app, make_user, role):
    user = make_user(role.value)
    client = app.test_client()
    login = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert login.status_code == 302
    wrong = []
    for endpoint, method, url in _routes(app):
        allowed = ONLY.get(endpoint, BLUEPRINT_ROLES[endpoint.split(".")[0]])
        if role in allowed:
            continue
        response = client.open(url, method=method)
        if response.status_code != 403:
            wrong.append(f"{method} {url} ({endpoint}): {response.status_code}")
    assert wrong == []

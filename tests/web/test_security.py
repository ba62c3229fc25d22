"""Security properties as tests: CSRF on every state-changing form, cookie flags in production,
security headers on every kind of response, and login attempts limited per account and address.

The page-by-role authorization matrix is ``test_html_authz_matrix.py``.
"""

from __future__ import annotations

import os
import re
import uuid

import pytest
from flask import url_for

from coachapp import create_app
from tests.conftest import PASSWORD
from tests.web.login_helpers import fail_logins_in_another_process
from tests.web.test_html_authz_matrix import ACTIONS, path_values, world  # noqa: F401

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'"X-CSRFToken": "([^"]+)"', page
    )
    assert found, "no CSRF token on the page"
    return found.group(1)


def state_changing_rules(app):
    """Every POST route of the site's forms (the JSON API and token feeds take no cookies)."""
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and not rule.rule.startswith(("/api/", "/feeds/"))
        ),
        key=lambda rule: rule.rule,
    )


@pytest.fixture
def csrf_app(database_url, app_config):
    """An app on the test database with CSRF protection on, as in production."""
    return create_app(app_config(database_url, WTF_CSRF_ENABLED=True))


def test_every_form_post_without_a_token_is_refused(csrf_app, world):  # noqa: F811
    """A logged-in admin (who may do the most) posting to any form route without the CSRF token
    gets 400 and nothing changes; with the token from the page the same kind of post works."""
    client = csrf_app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    assert client.post(
        "/login",
        data={"email": world.admin.email, "password": PASSWORD, "csrf_token": _token(login_page)},
    ).status_code == 302
    values = path_values(world)
    rules = state_changing_rules(csrf_app)
    assert len(rules) >= 15, [r.rule for r in rules]
    refused = []
    with csrf_app.test_request_context():
        urls = []
        for rule in rules:
            args = {
                name: ACTIONS.get(rule.endpoint) if name == "action" else values[name]
                for name in rule.arguments
            }
            urls.append(url_for(rule.endpoint, **args))
    for url in urls:
        response = client.post(url, data={"confirmed": "1", "name": "x"})
        if response.status_code != 400 or "CSRF" not in response.get_data(as_text=True):
            refused.append(f"POST {url}: {response.status_code}")
    assert not refused, "accepted without a CSRF token:\n" + "\n".join(refused)
    from coachapp.extensions import db
    from coachapp.models import TrainingSession, User

    db.session.expire_all()
    assert db.session.get(TrainingSession, world.session.id).status == "scheduled"
    assert db.session.get(User, world.member.id).active
    # The header token htmx sends (from <body hx-headers>) is accepted.
    home = client.get("/").get_data(as_text=True)
    assert client.post("/logout", headers={"X-CSRFToken": _token(home)}).status_code == 302


def test_anonymous_form_posts_need_a_token_too(csrf_app):
    """Login itself is a form: without its token, no password is even checked."""
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "a@b.example", "password": "x"})
    assert response.status_code == 400


def test_production_session_and_remember_cookies_are_secure(database_url, app_config, make_user):
    """In production the session and remember-me cookies are Secure, HttpOnly and SameSite=Lax."""
    app = create_app(app_config(database_url, COACHAPP_ENV="production"))
    assert app.config["PRODUCTION"]
    member = make_user("member")
    client = app.test_client()
    response = client.post(
        "/login",
        data={"email": member.email, "password": PASSWORD, "remember": "y"},
        base_url="https://gym.example.com",
    )
    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert {"session", "remember_token"} <= set(cookies), cookies
    for name in ("session", "remember_token"):
        flags = [part.strip().lower() for part in cookies[name].split(";")]
        assert "secure" in flags, cookies[name]
        assert "httponly" in flags, cookies[name]
        assert "samesite=lax" in flags, cookies[name]


def test_development_cookies_work_over_plain_http(client, make_user, login):
    """Outside production the cookie is not Secure (else ``make run`` on http could not log in)."""
    member = make_user("member")
    response = login(member)
    assert "secure" not in response.headers["Set-Cookie"].lower()


def _assert_security_headers(response, where: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives.get("default-src") == "default-src 'self'", (where, csp)
    assert "'unsafe-inline'" not in directives.get("script-src", ""), (where, csp)
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", (where, csp)
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in (
        "same-origin", "no-referrer", "strict-origin", "strict-origin-when-cross-origin"
    ), where


def test_security_headers_on_every_kind_of_response(app, client, world):  # noqa: F811
    """Pages, error pages, redirects, fragments, the API, static files: all carry the headers."""
    _assert_security_headers(client.get("/login"), "login page")
    _assert_security_headers(client.get("/"), "redirect to login")
    _assert_security_headers(client.get("/no/such/page"), "404 page")
    _assert_security_headers(client.get("/api/v1/coaches"), "API 401")
    _assert_security_headers(client.get("/static/favicon.svg"), "static file")
    client.post("/login", data={"email": world.member.email, "password": PASSWORD})
    _assert_security_headers(client.get("/me/sessions"), "member page")
    _assert_security_headers(client.get("/coach/week"), "403 page")
    _assert_security_headers(
        client.get("/me/sessions", headers={"HX-Request": "true"}), "htmx fragment"
    )


def _limited_app(database_url, app_config, **extra):
    """An app that counts login attempts (a fresh one per test).

    Flask-Limiter keeps its state on the one module-level extension, not per app: a test that
    saw Redis down leaves it on its in-memory fallback for a while. One process serves one app in
    production; here each limited app starts from a live storage.
    """
    from coachapp.extensions import limiter

    app = create_app(app_config(database_url, LOGIN_RATE_LIMITED=True, **extra))
    limiter._storage_dead = False
    return app


def _attempt(client, email: str, password: str = "wrong-password", addr: str = "127.0.0.1"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": addr},
    )


def test_failed_logins_are_limited_per_account_and_address(database_url, app_config, make_user):
    """Five failures a minute per account and address: the sixth try from that address, even with
    the right password, gets a friendly 429 page with the login form, the email kept and a
    Retry-After. The owner at another address logs in: a stranger cannot lock them out."""
    app = _limited_app(database_url, app_config)
    member = make_user("member", email="target@example.com")
    client = app.test_client()
    for _ in range(5):
        assert _attempt(client, "Target@Example.com", addr="127.0.0.2").status_code == 422
    blocked = _attempt(client, member.email, PASSWORD, addr="127.0.0.2")
    assert blocked.status_code == 429
    page = blocked.get_data(as_text=True)
    assert "Too many login attempts" in page
    assert '<form method="post"' in page and 'name="password"' in page
    assert 'value="target@example.com"' in page
    assert 0 < int(blocked.headers["Retry-After"]) <= 60
    _assert_security_headers(blocked, "429 page")
    # The owner, elsewhere, is not affected; nor is another account from the blocked address.
    assert _attempt(app.test_client(), member.email, PASSWORD, addr="10.9.8.7").status_code == 302
    other = make_user("member", email="other@example.com")
    assert _attempt(client, other.email, PASSWORD, addr="127.0.0.2").status_code == 302


def test_a_stranger_spreading_failures_over_addresses_cannot_lock_the_owner_out(
    database_url, app_config, make_user
):
    """Forty failures on one account from ten addresses (four each, under every limit): the owner
    still logs in from their own address at once."""
    app = _limited_app(database_url, app_config)
    member = make_user("member", email="owner@example.com")
    for n in range(10):
        stranger = app.test_client()
        for _ in range(4):
            assert _attempt(stranger, member.email, addr=f"198.51.100.{n}").status_code == 422
    assert _attempt(app.test_client(), member.email, PASSWORD, addr="203.0.113.5").status_code == 302


def test_successful_logins_do_not_count(database_url, app_config, make_user):
    """Only failures count: a gym's front desk logging twelve people in from one address within a
    minute is never refused."""
    app = _limited_app(database_url, app_config)
    people = [make_user("member") for _ in range(12)]
    for person in people:
        assert _attempt(app.test_client(), person.email, PASSWORD, addr="127.0.0.50").status_code == 302


def test_login_attempts_are_limited_per_address(database_url, app_config):
    """Ten failures a minute from one address, whichever accounts they name; other addresses go
    on."""
    app = _limited_app(database_url, app_config)
    client = app.test_client()
    for i in range(10):
        assert _attempt(client, f"nobody{i}@example.com", addr="127.0.0.20").status_code == 422
    assert _attempt(client, "nobody-else@example.com", addr="127.0.0.20").status_code == 429
    assert _attempt(client, "nobody-else@example.com", addr="127.0.0.21").status_code == 422


def test_showing_the_login_form_is_not_limited(database_url, app_config):
    """Only attempts (POST) count: reloading the page never locks anyone out."""
    app = _limited_app(database_url, app_config)
    client = app.test_client()
    for _ in range(30):
        assert client.get("/login").status_code == 200


def test_tests_run_without_the_limit_unless_they_ask(client):
    """Under TESTING the limit is off by default, so the suite's many logins never hit it."""
    for _ in range(12):
        assert _attempt(client, "same@example.com").status_code == 422


def test_redis_down_leaves_logins_working_and_limited_in_memory(database_url, app_config, make_user):
    """With REDIS_URL pointing at nothing, logins succeed and the limit still holds (each worker
    counts in memory): never a 500."""
    app = _limited_app(database_url, app_config, REDIS_URL=CLOSED_PORT_REDIS)
    assert app.config["RATELIMIT_STORAGE_URI"] == CLOSED_PORT_REDIS
    member = make_user("member")
    client = app.test_client()
    ok = _attempt(client, member.email, PASSWORD, addr="127.0.0.30")
    assert ok.status_code == 302
    statuses = [_attempt(app.test_client(), member.email, addr="127.0.0.31").status_code
                for _ in range(6)]
    assert statuses[-1] == 429 and 500 not in statuses, statuses


@pytest.mark.redis
def test_workers_share_the_count_through_redis(database_url, app_config, make_user):
    """Failures made in another process (another gunicorn worker) count here: the count lives in
    Redis when REDIS_URL is set. It is per account and address there too: the owner elsewhere
    still logs in."""
    from redis import Redis
    from sqlalchemy import select

    from coachapp.models import LoginFailure

    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    email = f"shared-{uuid.uuid4().hex[:8]}@example.com"
    member = make_user("member", email=email)
    from coachapp.extensions import db

    db.session.commit()
    done = fail_logins_in_another_process(
        database_url, email, "127.0.0.40", REDIS_URL=redis_url
    )
    assert done.returncode == 0, done.stdout + done.stderr
    connection = Redis.from_url(redis_url)
    try:
        assert any(connection.scan_iter(f"*{email}*")), "no count in Redis"
        app = _limited_app(database_url, app_config, REDIS_URL=redis_url)
        blocked = _attempt(app.test_client(), member.email, PASSWORD, addr="127.0.0.40")
        assert blocked.status_code == 429
        assert not db.session.scalars(select(LoginFailure)).all(), "counted in the database too"
        owner = _attempt(app.test_client(), member.email, PASSWORD, addr="127.0.0.41")
        assert owner.status_code == 302
    finally:
        for pattern in (f"*{email}*", "*127.0.0.40*", "*127.0.0.41*"):
            for key in connection.scan_iter(pattern):
                connection.delete(key)
        connection.close()

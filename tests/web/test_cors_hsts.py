"""HSTS in production over HTTPS, and CORS for the JSON API: a browser's preflight is answered
without a token and without the database; cross-origin reads are off unless the origin is listed
in CORS_ORIGINS."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from coachapp.config import ConfigError, load_config

HSTS = "max-age=31536000; includeSubDomains"
ALLOWED = "https://app.example.com"
PREFLIGHT = {
    "Origin": ALLOWED,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
}


@pytest.fixture
def make_app(database_url, app_config, app):
    """An app of its own with extra settings, on the test database (whose tables ``app`` made)."""
    from coachapp import create_app

    made = []

    def build(**extra):
        built = create_app(app_config(database_url, **extra))
        made.append(built)
        return built

    yield build
    from coachapp.extensions import db

    for built in made:
        with built.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def cors_app(make_app):
    """The app with one allowed origin."""
    return make_app(CORS_ORIGINS=(ALLOWED,))


def _statements(app):
    """A list that collects every SQL statement ``app`` runs while the test goes on."""
    from coachapp.extensions import db

    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(engine, "before_cursor_execute", record)


# --- HSTS -----------------------------------------------------------------------------------------


def test_hsts_in_production_over_https_only(make_app, client):
    app = make_app(COACHAPP_ENV="production")
    response = app.test_client().get("/login", base_url="https://gym.example.com")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == HSTS
    api = app.test_client().get("/api/v1/openapi.json", base_url="https://gym.example.com")
    assert api.headers["Strict-Transport-Security"] == HSTS
    plain = app.test_client().get("/login", base_url="http://gym.example.com")
    assert "Strict-Transport-Security" not in plain.headers
    development = client.get("/login", base_url="https://gym.example.com")
    assert "Strict-Transport-Security" not in development.headers


def test_hsts_behind_the_trusted_proxy_only(make_app):
    """Behind Heroku's router the app sees plain HTTP; X-Forwarded-Proto tells it the client used
    HTTPS, but only when TRUSTED_PROXIES says a proxy sets that header."""
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    trusted = make_app(COACHAPP_ENV="production", TRUSTED_PROXIES=1)
    response = trusted.test_client().get("/login", headers=https)
    assert response.headers["Strict-Transport-Security"] == HSTS
    untrusted = make_app(COACHAPP_ENV="production", TRUSTED_PROXIES=0)
    response = untrusted.test_client().get("/login", headers=https)
    assert "Strict-Transport-Security" not in response.headers


# --- CORS -----------------------------------------------------------------------------------------


def test_preflight_is_answered_without_a_token_or_the_database(cors_app):
    seen, stop = _statements(cors_app)
    try:
        response = cors_app.test_client().options("/api/v1/bookings", headers=PREFLIGHT)
    finally:
        stop()
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    allowed_headers = response.headers["Access-Control-Allow-Headers"].lower()
    for name in ("authorization", "content-type", "idempotency-key"):
        assert name in allowed_headers
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Origin" in response.headers.get_all("Vary")[0]
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert seen == []
    unknown = cors_app.test_client().options("/api/v1/no-such-thing", headers=PREFLIGHT)
    assert unknown.status_code == 404
    assert unknown.get_json()["error"]["code"] == "not_found"


def test_preflight_for_a_path_with_an_id_names_its_methods(cors_app):
    response = cors_app.test_client().options(
        "/api/v1/blocked-slots/12345", headers={**PREFLIGHT, "Access-Control-Request-Method":
                                                "DELETE"})
    assert response.status_code == 204
    assert "DELETE" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_an_allowed_origin_may_read_answers(cors_app, make_user, token_for):
    member = make_user("member", email="cors-member@example.com")
    client = cors_app.test_client()
    response = client.get("/api/v1/me", headers={"Origin": ALLOWED, **token_for(member)})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in response.vary
    assert "Idempotent-Replayed" in response.headers["Access-Control-Expose-Headers"]
    refused = client.get("/api/v1/me", headers={"Origin": ALLOWED})
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == ALLOWED  # the page can read why
    page = client.get("/login", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in page.headers  # the HTML pages stay same-origin


def test_other_origins_get_no_cors_headers(cors_app, make_user, token_for):
    member = make_user("member", email="cors-other@example.com")
    client = cors_app.test_client()
    for origin in ("https://evil.example.com", "https://app.example.com.evil.com",
                   "http://app.example.com", "null"):
        preflight = client.options("/api/v1/bookings", headers={**PREFLIGHT, "Origin": origin})
        assert preflight.status_code == 204
        assert "Access-Control-Allow-Origin" not in preflight.headers
        answer = client.get("/api/v1/me", headers={"Origin": origin, **token_for(member)})
        assert "Access-Control-Allow-Origin" not in answer.headers
        assert "Origin" in answer.vary


def test_cross_origin_is_off_by_default(client, app):
    assert app.config["CORS_ORIGINS"] == ()
    preflight = client.options("/api/v1/bookings", headers=PREFLIGHT)
    assert preflight.status_code == 204
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert "Access-Control-Allow-Headers" not in preflight.headers



def test_cors_origins_setting(tmp_path):
    from coachapp.config import cors_origins

    assert cors_origins("") == ()
    assert cors_origins(" https://a.example.com, http://localhost:3000/ ") == (
        "https://a.example.com", "http://localhost:3000")
    for bad in ("*", "https://a.example.com/path", "a.example.com", "ftp://a.example.com"):
        with pytest.raises(ConfigError, match="CORS_ORIGINS"):
            cors_origins(bad)
    config = load_config(tmp_path, {"SECRET_KEY": "x", "CORS_ORIGINS": "https://App.example.com"})
    assert config["CORS_ORIGINS"] == ("https://app.example.com",)
    assert config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert load_config(tmp_path, {"SECRET_KEY": "x", "MAX_CONTENT_LENGTH": "2048"})[
        "MAX_CONTENT_LENGTH"] == 2048
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH"):
        load_config(tmp_path, {"SECRET_KEY": "x", "MAX_CONTENT_LENGTH": "lots"})

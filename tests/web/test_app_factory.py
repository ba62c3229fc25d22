"""The app factory and configuration: environment, defaults, refusals, cookie flags."""

from __future__ import annotations

import pytest

from coachapp import create_app
from coachapp.config import ConfigError, load_config, normalize_database_url


def test_heroku_postgres_url_is_accepted():
    assert normalize_database_url("postgres://u:p@h:5432/d") == "postgresql+psycopg://u:p@h:5432/d"
    assert normalize_database_url("postgresql://h/d") == "postgresql+psycopg://h/d"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_defaults_use_sqlite_under_instance_and_keep_a_generated_secret(tmp_path):
    first = load_config(tmp_path, {})
    second = load_config(tmp_path, {})
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'coachapp.sqlite3'}"
    assert len(first["SECRET_KEY"]) >= 32
    assert first["SECRET_KEY"] == second["SECRET_KEY"], "the dev secret must survive restarts"
    assert first["REDIS_URL"] is None
    assert first["SESSION_COOKIE_SECURE"] is False


def test_production_refuses_to_start_without_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path, {"COACHAPP_ENV": "production"})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path, {"FLASK_ENV": "production", "DATABASE_URL": "sqlite://"})


def test_create_app_in_production_without_secret_fails_with_a_clear_message(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("COACHAPP_ENV", "production")
    with pytest.raises(ConfigError, match="refuses to start without it"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_cookie_flags(tmp_path):
    config = load_config(tmp_path, {"COACHAPP_ENV": "production", "SECRET_KEY": "s" * 40})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["REMEMBER_COOKIE_SECURE"] is True


def test_unknown_timezone_is_rejected_at_startup(tmp_path):
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        load_config(tmp_path, {"COACHAPP_TIMEZONE": "Mars/Olympus"})


def test_create_app_takes_a_test_config():
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "COACHAPP_TIMEZONE": "America/New_York",
        }
    )
    assert app.testing
    assert app.config["COACHAPP_TIMEZONE"] == "America/New_York"
    assert {"auth", "api", "main"} <= set(app.blueprints)


def test_security_headers_on_pages(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "HX-Request" in response.headers.get("Vary", "")


def test_engine_checks_connections_and_postgres_sessions_run_in_utc():
    from coachapp.config import engine_options

    assert engine_options("sqlite:///x.db") == {"pool_pre_ping": True}
    pg = engine_options("postgresql+psycopg://h/d")
    assert pg["pool_pre_ping"] and pg["connect_args"] == {"options": "-c timezone=UTC"}


def test_forwarded_addresses_are_trusted_only_when_configured(database_url, app_config):
    from flask import request

    def remote(trusted: int) -> str:
        app = create_app(app_config(database_url, TRUSTED_PROXIES=trusted))
        app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr)
        return app.test_client().get(
            "/whoami", headers={"X-Forwarded-For": "203.0.113.9"}
        ).get_data(as_text=True)

    assert remote(0) == "127.0.0.1"
    assert remote(1) == "203.0.113.9"


def test_trusted_proxies_must_be_a_small_number(tmp_path):
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_config(tmp_path, {"TRUSTED_PROXIES": "many"})


def test_cache_size_comes_from_the_environment_and_is_checked(tmp_path):
    assert load_config(tmp_path, {})["CACHE_SIZE"] == 512
    assert load_config(tmp_path, {"CACHE_SIZE": "0"})["CACHE_SIZE"] == 0
    for wrong in ("lots", "-1", "1000000"):
        with pytest.raises(ConfigError, match="CACHE_SIZE"):
            load_config(tmp_path, {"CACHE_SIZE": wrong})

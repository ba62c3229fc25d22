"""Shared fixtures: an app bound to a fresh database (SQLite, or PostgreSQL when TEST_DATABASE_URL
is set), a test client, a CLI runner and logged-in helpers.

Each test run gets its own database, created here and dropped at the end; between tests every table
is emptied, so tests can commit (services own their transactions) and still start clean.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from pathlib import Path

import pytest

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
ON_POSTGRES = bool(TEST_DATABASE_URL)
IN_CI = os.environ.get("CI") == "true"
PASSWORD = "correct-horse-battery"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Skip service-bound tests where the service is absent, with a reason; in CI, fail instead."""
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            reason = "needs PostgreSQL: set TEST_DATABASE_URL (the PostgreSQL pass of make test)"
            item.add_marker(pytest.mark.skip(reason=reason))
        if "redis" in item.keywords and not os.environ.get("REDIS_URL") and not IN_CI:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))


@pytest.fixture(autouse=True)
def _one_redis_test_at_a_time(request, tmp_path_factory):
    """Tests marked ``redis`` share one Redis database (REDIS_URL) and empty it, so under xdist they
    take turns: each holds a file lock that every worker of the run sees. (xdist's ``--dist
    loadgroup`` would keep them on one worker, but with pytest 9 it groups nothing: xdist 3.8
    tags ``item._nodeid``, which pytest 9 no longer reads.)"""
    if request.node.get_closest_marker("redis") is None or not os.environ.get("PYTEST_XDIST_WORKER"):
        yield
        return
    # under xdist the base temp is <run>/popen-gwN: its parent is this run's, shared by its workers
    lock_path = tmp_path_factory.getbasetemp().parent / "redis-tests.lock"
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _admin_url(url: str, dbname: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=dbname).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database for this test run (and xdist worker), created now and dropped at the end."""
    if not ON_POSTGRES:
        path = Path(tmp_path_factory.mktemp("db")) / "test.sqlite3"
        yield f"sqlite:///{path}"
        return
    from sqlalchemy import create_engine, text

    from coachapp.config import normalize_database_url

    base = normalize_database_url(TEST_DATABASE_URL)
    name = f"coachapp_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _admin_url(base, name)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def make_test_config(database_url: str, **extra) -> dict:
    """The config tests run with: a fixed secret, the given database, CSRF off unless asked."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "COACHAPP_TIMEZONE": "Europe/Berlin",
        "REDIS_URL": None,
        "SERVER_NAME": None,
        # cheap hashing keeps account-heavy tests fast; production uses scrypt
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def app_config():
    """``make_test_config`` as a fixture, for tests that build an app of their own."""
    return make_test_config


def _isolated_client_class():
    from flask.testing import FlaskClient

    class IsolatedClient(FlaskClient):
        """Each request runs in an app context of its own, as in a real server.

        The ``app`` fixture keeps an app context pushed for the test's own database work; without
        this, every request of the test would share its ``g`` (where Flask-Login caches the user),
        so a second client would silently act as the first user.
        """

        def open(self, *args, **kwargs):
            from flask import has_app_context

            from coachapp.extensions import db

            outer = db.session() if has_app_context() else None
            with self.application.app_context():
                response = super().open(*args, **kwargs)
            if outer is not None:
                outer.expire_all()  # the test reads what the request committed, not a stale copy
            return response

    return IsolatedClient


@pytest.fixture(scope="session")
def _session_app(database_url):
    """One app per test run; the schema is created once (the migration tests build it separately)."""
    from coachapp import create_app
    from coachapp.extensions import db

    app = create_app(make_test_config(database_url))
    app.test_client_class = _isolated_client_class()
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _empty_tables(app) -> None:
    from sqlalchemy import text

    from coachapp.extensions import db

    with app.app_context():
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for name in reversed(tables):
                    conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def app(_session_app):
    """The app with an application context pushed and every table empty."""
    _empty_tables(_session_app)
    from coachapp import cache

    cache.clear(_session_app)  # the emptied tables start data_version again
    with _session_app.app_context():
        yield _session_app
        from coachapp.extensions import db

        db.session.remove()


@pytest.fixture
def client(app):
    """A test client for ``app`` (cookies kept between requests)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for ``flask`` commands against ``app``."""
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create an account through the accounts service: ``make_user("coach", email=..., ...)``."""
    from coachapp.services import accounts

    counter = {"n": 0}

    def factory(
        role: str = "member",
        email: str | None = None,
        name: str | None = None,
        timezone: str | None = None,
        password: str = PASSWORD,
    ):
        counter["n"] += 1
        email = email or f"{role}{counter['n']}@example.com"
        name = name or f"{role.title()} {counter['n']}"
        return accounts.create_user(email, name, role, password, timezone)

    return factory


@pytest.fixture
def login(client):
    """Log ``user`` in on the test client through the real login form."""

    def do_login(user, password: str = PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do_login


@pytest.fixture
def token_for(app):
    """Issue an API token for ``user`` and return the Authorization header dict."""
    from coachapp.services import accounts

    def issue(user) -> dict:
        return {"Authorization": f"Bearer {accounts.issue_token(user.email)}"}

    return issue

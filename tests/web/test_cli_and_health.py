"""Operator commands (exactly as api-v1.md names them) and the health check."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import event, select

from coachapp import create_app
from coachapp.extensions import db
from coachapp.models import ApiToken, CoachSettings, Room, User


def test_users_create_coach_makes_settings(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Coach@Example.com",
            "--name",
            "Kim Coach",
            "--role",
            "coach",
            "--password",
            "s3cret-pass",
            "--timezone",
            "America/New_York",
        ]
    )
    assert result.exit_code == 0, result.output
    coach = db.session.scalars(select(User).where(User.email == "coach@example.com")).one()
    settings = db.session.scalars(
        select(CoachSettings).where(CoachSettings.coach_id == coach.id)
    ).one()
    assert (settings.default_duration, settings.default_room_id, settings.timezone) == (
        60,
        None,
        "America/New_York",
    )
    assert coach.check_password("s3cret-pass")


def test_coach_timezone_defaults_to_the_gym_zone(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "c2@example.com",
            "--name",
            "C",
            "--role",
            "coach",
            "--password",
            "s3cret-pass",
        ]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(CoachSettings.timezone)).one() == "Europe/Berlin"


def test_users_create_errors_are_one_clear_line(runner, make_user):
    make_user("member", email="taken@example.com")
    cases = [
        (["taken@example.com", "--role", "member"], "already exists"),
        (["x@example.com", "--role", "owner"], "role"),
        (["y@example.com", "--role", "coach", "--timezone", "Mars/Base"], "time zone"),
        (["not-an-email", "--role", "member"], "email"),
        (["z@example.com", "--role", "member", "--password", "short"], "password"),
    ]
    for extra, expected in cases:
        args = ["users", "create", extra[0], "--name", "N", "--password", "long-enough-1"]
        args += extra[1:]
        result = runner.invoke(args=args)
        assert result.exit_code != 0, (extra, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and expected in lines[0], (extra, result.output)
        assert "Traceback" not in result.output


def test_users_token_prints_a_working_token_on_its_last_line(runner, make_user, client):
    coach = make_user("coach")
    result = runner.invoke(args=["users", "token", coach.email])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("ca_") and len(token) > 30
    stored = db.session.scalars(select(ApiToken.token_hash)).one()
    assert token not in stored, "only a hash of the token is stored"
    assert (
        client.get("/api/v1/coaches", headers={"Authorization": f"Bearer {token}"}).status_code
        != 401
    )


def test_users_token_for_unknown_email_fails(runner):
    result = runner.invoke(args=["users", "token", "nobody@example.com"])
    assert result.exit_code != 0 and "no account" in result.output


def test_rooms_create_prints_the_id_and_refuses_duplicates(runner):
    result = runner.invoke(args=["rooms", "create", "Studio A"])
    assert result.exit_code == 0
    room_id = int(result.output.strip())
    assert db.session.get(Room, room_id).name == "Studio A"
    again = runner.invoke(args=["rooms", "create", "studio a"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_api_rejects_missing_and_bad_tokens(client):
    missing = client.get("/api/v1/coaches")
    assert missing.status_code == 401
    assert missing.get_json()["error"]["code"] == "unauthorized"
    bad = client.get("/api/v1/coaches", headers={"Authorization": "Bearer ca_wrong"})
    assert bad.status_code == 401


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["checks"]["database"] == "ok"


def _closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_redis_down_is_degraded_but_ready(database_url, app_config):
    """Bookings work without Redis, so a router must not take the dyno out (nor a monitor
    restart it): ready stays 200 and says what is wrong."""
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    app = create_app(app_config(database_url, REDIS_URL=url))
    client = app.test_client()
    for path in ("/healthz/ready", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_json()
        assert body["status"] == "degraded"
        assert body["checks"]["database"] == "ok"
        assert body["checks"]["redis"].startswith("error")
        assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/healthz/live").get_json() == {"status": "ok"}


@pytest.mark.parametrize(
    "unreachable",
    [
        "sqlite:////nonexistent-coachapp-dir/none/db.sqlite3",
        "postgresql+psycopg://nobody@127.0.0.1:{port}/nothing?connect_timeout=2",
    ],
    ids=["sqlite", "postgresql"],
)
def test_database_down_is_not_ready_but_live(app_config, unreachable):
    """No database: ready (and /healthz) is 503 naming the database; live is 200 without
    touching it, so the process is not restarted for a dependency's outage."""
    app = create_app(app_config(unreachable.format(port=_closed_port())))
    client = app.test_client()
    live = client.get("/healthz/live")
    assert live.status_code == 200 and live.get_json() == {"status": "ok"}
    for path in ("/healthz/ready", "/healthz"):
        response = client.get(path)
        assert response.status_code == 503, path
        body = response.get_json()
        assert body["status"] == "unavailable"
        assert body["checks"]["database"].startswith("error")


def test_live_runs_no_query(client):
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get("/healthz/live").status_code == 200
        assert statements == []
        assert client.get("/healthz/ready").status_code == 200
        assert statements, "ready asks the database"
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

"""Operator commands (exactly as api-v1.md names them) and the health check."""

from __future__ import annotations

from sqlalchemy import select

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


def test_healthz_reports_an_unreachable_redis(database_url, app_config):
    app = create_app(app_config(database_url, REDIS_URL="redis://127.0.0.1:1/0"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"].startswith("error")

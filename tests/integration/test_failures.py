"""What happens when something underneath fails: the database drops every connection under a
running server, Redis is down while members book and coaches cancel, and old rows that today's
code would never write sit in the tables the nightly job reads.

Each test says what a person would notice: the next page loads, the booking is made, the
notification still arrives, everyone else's sessions are still created.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import create_engine, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from coachapp import jobs
from coachapp.config import normalize_database_url
from coachapp.extensions import db
from coachapp.models import (
    CoachSettings,
    Notification,
    RecurringBooking,
    TrainingSession,
    utcnow,
)
from tests.conftest import PASSWORD
from tests.e2e.live_server import LiveServer
from tests.integration.service_helpers import TODAY
from tests.integration.test_jobs import CLOSED_PORT_REDIS, _undelivered

BERLIN = ZoneInfo("Europe/Berlin")


def _login(http: requests.Session, base: str, email: str) -> None:
    page = http.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = http.post(
        f"{base}/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text


@pytest.mark.postgres
def test_database_connections_dropped_under_a_running_server(app, make_user, database_url):
    """Every server connection is terminated (as by a database restart or failover): the very
    next page, API call and health check succeed (``pool_pre_ping`` replaces dead connections)."""
    from coachapp.services import accounts

    email = make_user("coach", email="carla@example.com", timezone="Europe/Berlin").email
    token = accounts.issue_token(email)
    db.session.commit()
    db.session.remove()  # the test holds no connection: only the server's are terminated
    with LiveServer(database_url, workers=2) as server:
        http = requests.Session()
        _login(http, server.url, email)
        api = {"Authorization": f"Bearer {token}"}
        for _ in range(4):  # both workers hold a pooled connection
            assert http.get(f"{server.url}/coach/week", timeout=10).status_code == 200
            assert requests.get(f"{server.url}/api/v1/me", headers=api, timeout=10).ok

        admin = create_engine(normalize_database_url(database_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            name = conn.execute(text("SELECT current_database()")).scalar_one()
            killed = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            ).scalar_one()
        admin.dispose()
        assert killed >= 1, "the server held no connection to terminate"

        for _ in range(4):
            page = http.get(f"{server.url}/coach/week", timeout=10)
            assert page.status_code == 200, server.log()
            assert "Something went wrong" not in page.text
            assert requests.get(f"{server.url}/api/v1/me", headers=api, timeout=10).ok
        assert requests.get(f"{server.url}/healthz", timeout=10).json()["checks"]["database"] == "ok"
        assert "Traceback" not in server.log()


@pytest.fixture
def week_coach(app, make_user):
    """A Berlin coach who works 08:00–20:00 every day, and a member."""
    from coachapp.services import availability
    from coachapp.services.availability import WindowInput

    coach = make_user("coach", name="Carla Coach", timezone="Europe/Berlin")
    member = make_user("member", name="Mia Member")
    for day in range(7):
        availability.replace_weekly_day(coach, coach.id, day, [WindowInput("08:00", "20:00")])
    return coach, member


@pytest.mark.redis
def test_redis_down_bookings_succeed_and_notices_arrive_when_it_returns(
    app, client, week_coach, monkeypatch
):
    """While Redis is unreachable a member books through the page and the API and the coach
    cancels (a notification to mail): every request succeeds quickly. Once Redis is back, the
    worker delivers the notification that could not be queued."""
    import os
    import time as clock

    from redis import Redis

    from coachapp.services import accounts
    from tests.integration.test_jobs_redis import run_process

    coach, member = week_coach
    for name in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_USE_TLS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setitem(app.config, "REDIS_URL", CLOSED_PORT_REDIS)
    day = utcnow().astimezone(BERLIN).date() + timedelta(days=3)
    start = datetime.combine(day, time(9), BERLIN)

    began = clock.monotonic()
    client.post("/login", data={"email": member.email, "password": PASSWORD})
    booked = client.post(
        f"/book/{coach.id}/slot",
        data={"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
              "frequency": "once"},
    )
    assert booked.status_code == 303, booked.get_data(as_text=True)
    api = client.post(
        "/api/v1/bookings",
        headers={"Authorization": f"Bearer {accounts.issue_token(member.email)}"},
        json={"coach_id": str(coach.id), "start_time": (start + timedelta(hours=2)).isoformat(),
              "end_time": (start + timedelta(hours=3)).isoformat()},
    )
    assert api.status_code == 201, api.get_data(as_text=True)
    session_id = api.get_json()["session"]["id"]
    client.post("/logout")
    client.post("/login", data={"email": coach.email, "password": PASSWORD})
    cancelled = client.post(f"/coach/sessions/{session_id}/cancel", data={"confirmed": "1"})
    assert cancelled.status_code in (200, 302, 303), cancelled.get_data(as_text=True)
    assert clock.monotonic() - began < 15
    assert db.session.get(TrainingSession, int(session_id)).status == "cancelled"
    assert _undelivered() == 1, "the notification is stored, waiting for Redis"

    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    connection = Redis.from_url(redis_url)
    connection.flushdb()
    try:
        monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
        db.session.commit()
        run_process("coachapp.worker", app.config["SQLALCHEMY_DATABASE_URI"], redis_url)
        assert _undelivered() == 0, "the worker delivered it once Redis was back"
    finally:
        connection.flushdb()
        connection.close()


def _series_row(coach_id: int, member_id: int, day: int, start: str, end: str, **extra) -> dict:
    row = {
        "member_id": member_id,
        "coach_id": coach_id,
        "day_of_week": day,
        "start_time": start,
        "end_time": end,
        "start_date": TODAY,
        "end_date": None,
        "frequency": 1,
        "status": "ACTIVE",
        "created_at": utcnow(),
    }
    row.update(extra)
    return row


@pytest.fixture
def two_coaches(app, make_user):
    """A healthy coach with one weekly series (Mondays 10:00) and a second coach whose series
    the test spoils; returns (healthy coach, spoiled coach, member)."""
    member = make_user("member")
    healthy = make_user("coach", name="Hanna Healthy", timezone="Europe/Berlin")
    spoiled = make_user("coach", name="Olli Old-Data", timezone="Europe/Berlin")
    db.session.execute(
        insert(RecurringBooking),
        [
            _series_row(healthy.id, member.id, 1, "10:00", "11:00"),
            _series_row(spoiled.id, member.id, 2, "10:00", "11:00"),
        ],
    )
    db.session.commit()
    return healthy, spoiled, member


def _sessions_of(coach_id: int) -> list[TrainingSession]:
    db.session.rollback()
    return list(
        db.session.scalars(select(TrainingSession).where(TrainingSession.coach_id == coach_id))
    )


def _run_nightly():
    return jobs.run_nightly(today=TODAY)


def test_series_with_no_room_and_no_default_room_still_materializes(two_coaches):
    """A series from before rooms were required, whose coach has no default room either, gets its
    sessions (without a room) and everyone else's are made too."""
    healthy, spoiled, _ = two_coaches
    db.session.execute(
        update(CoachSettings).where(CoachSettings.coach_id == spoiled.id).values(
            default_room_id=None
        )
    )
    db.session.execute(
        update(RecurringBooking).where(RecurringBooking.coach_id == spoiled.id).values(room_id=None)
    )
    db.session.commit()
    _run_nightly()
    assert len(_sessions_of(healthy.id)) == 6
    spoiled_sessions = _sessions_of(spoiled.id)
    assert len(spoiled_sessions) == 6
    assert {s.room_id for s in spoiled_sessions} == {None}


UNPARSEABLE = "09:75"
"""Five characters between 00:00 and 24:00, but no time of day."""


@pytest.mark.parametrize("bad", [UNPARSEABLE, "29:00", "24:30", "1a:00", "9:5 0"])
def test_a_time_of_day_that_does_not_parse_is_refused_by_the_database(two_coaches, bad):
    """Old data cannot hold a weekly time the rules cannot read: the CHECK refuses it, so the
    nightly job never meets one (it would skip and log it, as it does an unknown zone)."""
    _, spoiled, _ = two_coaches
    with pytest.raises(IntegrityError):
        db.session.execute(
            update(RecurringBooking)
            .where(RecurringBooking.coach_id == spoiled.id)
            .values(start_time=bad)
        )
        db.session.commit()
    db.session.rollback()


def test_a_coach_with_an_unknown_time_zone_does_not_stop_the_night(two_coaches):
    """The coach whose zone is gone is skipped; the healthy coach's sessions are made."""
    healthy, spoiled, _ = two_coaches
    db.session.execute(
        update(CoachSettings).where(CoachSettings.coach_id == spoiled.id).values(
            timezone="Mars/Olympus_Mons"
        )
    )
    db.session.commit()
    _run_nightly()
    assert len(_sessions_of(healthy.id)) == 6


def test_nightly_leaves_existing_sessions_alone_when_a_series_is_broken(two_coaches):
    """Whatever the job does with broken data, it never deletes or duplicates what exists: a
    second run after a failed one leaves the healthy coach with exactly one session per week."""
    healthy, spoiled, _ = two_coaches
    _run_nightly()
    before = len(_sessions_of(healthy.id))
    db.session.execute(
        update(CoachSettings).where(CoachSettings.coach_id == spoiled.id).values(
            timezone="Mars/Olympus_Mons"
        )
    )
    db.session.commit()
    _run_nightly()
    assert len(_sessions_of(healthy.id)) == before == 6
    count = db.session.scalar(select(func.count()).select_from(Notification))
    assert count == 0

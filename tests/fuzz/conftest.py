"""The JSON API served by gunicorn for schemathesis, and a tally of what the fuzzer sent.

The server runs on a fresh SQLite file seeded with the demo gym (``seed-demo``) plus what the
demo has few of (``_fill``); the ids that then exist go to ``tally.EXISTING``, from which the test
sends most path and query ids, so requests reach the code behind the lookups. The token is the
demo admin's (every operation is open to them, so the fuzzer reaches the code behind the
authorization checks), chosen at import (``tally.TOKEN``) because schemathesis draws some cases
while pytest collects.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.live_server import LiveServer, flask_cli
from tests.fuzz.tally import EXISTING, TALLY, TOKEN, split

SPARE = 30
"""How many spare tokens and notifications the admin gets, and blocked slots and additions each
coach gets (a third as many weeks, one of each a week): enough that the fuzzer's deletes and
dismissals rarely run out of real ids."""


def _fill(database_url: str, email: str, token: str) -> dict[str, list[str]]:
    """Give ``email`` (the demo admin) the API token ``token`` (stored as its hash, as ``users
    token`` does), add what the demo gym has few or none of and the fuzzer deletes or dismisses
    (spare tokens of the admin, blocked slots, availability additions, notifications to the
    admin), all relative to the real clock; return the ids that exist, by kind."""
    from datetime import datetime, time, timedelta

    from sqlalchemy import select

    from coachapp import create_app
    from coachapp.extensions import db
    from coachapp.models import (
        ApiToken,
        AvailabilityAddition,
        BlockedSlot,
        Booking,
        CoachSettings,
        Notification,
        RecurringBooking,
        Room,
        TrainingSession,
        User,
        utcnow,
    )
    from coachapp.services import availability, notifications
    from coachapp.services.db import transaction
    from coachapp.vocab import NotificationKind

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "fuzz",
                      "TESTING": True, "REDIS_URL": None})
    with app.app_context():
        admin = db.session.query(User).filter_by(email=email).one()
        now = utcnow()
        with transaction():
            db.session.add(ApiToken(user_id=admin.id, token_hash=ApiToken.hash(token),
                                    expires_at=now + timedelta(days=30)))
            for _ in range(SPARE):
                spare, _clear = ApiToken.issue(admin)
                spare.expires_at = now + timedelta(days=30)
                db.session.add(spare)
            for number in range(SPARE):
                # A kind of the vocabulary: the answers' schema lists them (an enum).
                notifications.notify(admin.id, NotificationKind.SESSION_MOVED,
                                     f"Fuzz notice {number}")
        for settings in db.session.scalars(select(CoachSettings).order_by(CoachSettings.coach_id)):
            zone = ZoneInfo(settings.timezone)
            today = now.astimezone(zone).date()
            for week in range(1, SPARE // 3 + 1):
                day = today + timedelta(days=7 * week)
                early = datetime.combine(day, time(5, 0), zone)
                late = datetime.combine(day, time(22, 0), zone)
                try:  # a day inside the demo's vacation week is blocked already
                    availability.create_blocked_slot(admin, settings.coach_id, early,
                                                     early + timedelta(hours=1), "fuzz", now=now)
                    availability.create_addition(admin, settings.coach_id, late,
                                                 late + timedelta(hours=1), None, "fuzz")
                except availability.AlreadyThere:
                    continue
        own_token = ApiToken.token_hash == ApiToken.hash(token)

        def ids(query) -> list[str]:
            return [str(i) for i in db.session.scalars(query.order_by("id"))]

        existing = {
            "coaches": ids(select(User.id).where(User.role == "coach")),
            "members": ids(select(User.id).where(User.role == "member")),
            "rooms": ids(select(Room.id)),
            "sessions": ids(select(TrainingSession.id)),
            "group_sessions": ids(select(TrainingSession.id)
                                  .where(TrainingSession.type == "GROUP")),
            "bookings": ids(select(Booking.id)),
            "recurring_bookings": ids(select(RecurringBooking.id)),
            "blocked_slots": ids(select(BlockedSlot.id)),
            "availability_additions": ids(select(AvailabilityAddition.id)),
            "notifications": ids(select(Notification.id).where(Notification.user_id == admin.id)),
            "tokens": ids(select(ApiToken.id).where(ApiToken.user_id == admin.id, ~own_token)),
            "own_token": ids(select(ApiToken.id).where(own_token)),
        }
        db.session.remove()
        db.engine.dispose()
    return existing


@pytest.fixture(scope="session")
def fuzz_server(tmp_path_factory):
    """gunicorn on a seeded SQLite file whose admin has the run's API token; ``EXISTING`` then
    holds the ids the database has."""
    folder = tmp_path_factory.mktemp("fuzz-db")
    url = f"sqlite:///{folder / 'fuzz.sqlite3'}"
    flask_cli(url, "db", "upgrade")
    flask_cli(url, "seed-demo")
    EXISTING.update(_fill(url, "admin@gym.example.com", TOKEN))
    live = LiveServer(url, workers=1)
    live.start()
    yield live
    live.stop()


def pytest_terminal_summary(terminalreporter):
    """Print (and, with FUZZ_REPORT=path, write as JSON) how many requests the fuzzer sent and
    what came back, so the documented numbers come from a run, not from arithmetic."""
    if not TALLY:
        return
    summary = dict(sorted(TALLY.items()))
    parts = split(TALLY)
    total = sum(parts.values()) or 1
    terminalreporter.write_sep("-", "schemathesis tally")
    terminalreporter.write_line(
        "answers: " + ", ".join(f"{name} {n} ({100 * n / total:.0f} %)" for name, n in parts.items())
    )
    terminalreporter.write_line(json.dumps(summary))
    target = os.environ.get("FUZZ_REPORT")
    if target:
        Path(target).write_text(json.dumps(summary, indent=2) + "\n")

"""Issue 16's migrations on a database that already has coaches and members: existing coaches get
the booking-rule defaults (0007: 56 days ahead, 120 minutes' notice) and keep their cancellation
window; existing members get reminder mails on (0008). Run on SQLite and on PostgreSQL."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import text

from coachapp import create_app
from coachapp.extensions import db
from tests.integration.test_migrations import empty_database  # noqa: F401 (fixture)


def test_existing_coaches_get_the_booking_rule_defaults(empty_database, app_config):  # noqa: F811
    app = create_app(app_config(empty_database))
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as conn:
            for user_id, role in ((1, "coach"), (2, "coach"), (3, "member")):
                conn.execute(
                    text(
                        "INSERT INTO users (id, email, name, role, password_hash, active, "
                        "created_at) VALUES (:id, :email, :name, :role, 'x', true, "
                        "CURRENT_TIMESTAMP)"
                    ),
                    {
                        "id": user_id,
                        "email": f"u{user_id}@example.com",
                        "name": f"U {user_id}",
                        "role": role,
                    },
                )
            conn.execute(
                text(
                    "INSERT INTO coach_settings (id, coach_id, default_duration, timezone, "
                    "cancellation_window_hours) VALUES (1, 1, 60, 'Europe/Berlin', 24), "
                    "(2, 2, 45, 'America/New_York', 6)"
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT coach_id, booking_horizon_days, min_notice_minutes, "
                    "cancellation_window_hours, default_duration FROM coach_settings "
                    "ORDER BY coach_id"
                )
            ).all()
            mails = conn.execute(text("SELECT id, reminder_mails FROM users ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, 56, 120, 24, 60), (2, 56, 120, 6, 45)]
        assert [(i, bool(on)) for i, on in mails] == [(1, True), (2, True), (3, True)]
        db.engine.dispose()

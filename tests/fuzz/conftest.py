"""The JSON API served by gunicorn for schemathesis, and a tally of what the fuzzer sent.

The server runs on a fresh SQLite file seeded with the demo gym (``seed-demo``) so that generated
ids often hit real coaches, sessions and bookings; the token is the demo admin's (every operation
is open to them, so the fuzzer reaches the code behind the authorization checks), chosen at
import (``tally.TOKEN``) because schemathesis draws some cases while pytest collects.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.e2e.live_server import LiveServer, flask_cli
from tests.fuzz.tally import TALLY, TOKEN


def _store_token(database_url: str, email: str, token: str) -> None:
    """Give ``email`` the API token ``token`` (stored as its hash, as ``users token`` does)."""
    from coachapp import create_app
    from coachapp.extensions import db
    from coachapp.models import ApiToken, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "fuzz",
                      "TESTING": True, "REDIS_URL": None})
    with app.app_context():
        user = db.session.query(User).filter_by(email=email).one()
        db.session.add(ApiToken(user_id=user.id, token_hash=ApiToken.hash(token)))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def fuzz_server(tmp_path_factory):
    """gunicorn on a seeded SQLite file whose admin has the run's API token."""
    folder = tmp_path_factory.mktemp("fuzz-db")
    url = f"sqlite:///{folder / 'fuzz.sqlite3'}"
    flask_cli(url, "db", "upgrade")
    flask_cli(url, "seed-demo")
    _store_token(url, "admin@gym.example.com", TOKEN)
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
    terminalreporter.write_sep("-", "schemathesis tally")
    terminalreporter.write_line(json.dumps(summary))
    target = os.environ.get("FUZZ_REPORT")
    if target:
        Path(target).write_text(json.dumps(summary, indent=2) + "\n")

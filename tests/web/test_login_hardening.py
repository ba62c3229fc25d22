"""Login hardening (issue 13, item 9): an unknown email costs what a wrong password costs, and
failed logins are counted in the database when there is no Redis, so every web process sees the
same count (the rule itself, per address and per account and address, is in test_security.py).

These run on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coachapp import create_app
from coachapp.extensions import db
from coachapp.models import DataVersion, LoginFailure
from tests.conftest import PASSWORD
from tests.web.login_helpers import fail_logins_in_another_process

T0 = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def login_limits():
    """The database counter (imported here: the old code had none, and its other tests should
    fail on behaviour, not on an import)."""
    from coachapp.services import login_limits

    return login_limits


def _limited_app(database_url, app_config, **extra):
    """An app that limits failed logins, without Redis: counted in the database."""
    from coachapp.extensions import limiter

    app = create_app(app_config(database_url, LOGIN_RATE_LIMITED=True, **extra))
    limiter._storage_dead = False
    return app


def _attempt(client, email: str, password: str = "wrong-password", addr: str = "127.0.0.1"):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": addr}
    )


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password hash check made while logging in, wherever it is made."""
    import werkzeug.security

    import coachapp.models
    import coachapp.services.accounts

    calls: list[str] = []
    real = werkzeug.security.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        calls.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(coachapp.models, "check_password_hash", counting)
    monkeypatch.setattr(coachapp.services.accounts, "check_password_hash", counting,
                        raising=False)
    return calls


def test_unknown_email_and_wrong_password_each_check_one_hash_of_the_same_method(
    client, make_user, hash_checks
):
    member = make_user("member")
    wrong = client.post("/login", data={"email": member.email, "password": "not-it-at-all"})
    assert wrong.status_code == 422 and len(hash_checks) == 1
    unknown = client.post("/login", data={"email": "nobody@example.com", "password": "not-it"})
    assert unknown.status_code == 422 and len(hash_checks) == 2
    assert hash_checks[0] == hash_checks[1] == "pbkdf2:sha256:1000"  # the configured method
    assert wrong.get_data(as_text=True).count("Email or password is wrong.") == 1
    assert unknown.get_data(as_text=True).count("Email or password is wrong.") == 1


def test_unknown_email_takes_about_as_long_as_a_wrong_password(app, database_url, app_config):
    """Measured with a deliberately slow hash (~tens of ms), fastest of 9 interleaved tries: an attacker
    timing the answers cannot tell which emails have accounts."""
    from coachapp.services import accounts

    app = create_app(app_config(database_url, PASSWORD_HASH_METHOD="pbkdf2:sha256:150000"))
    with app.app_context():
        accounts.create_user("timed@example.com", "Timed", "member", PASSWORD)
    client = app.test_client()

    def took(email: str) -> float:
        started = time.perf_counter()
        response = client.post("/login", data={"email": email, "password": "wrong-one"})
        assert response.status_code == 422
        return time.perf_counter() - started

    took("timed@example.com"), took("nobody-here@example.com")  # warm up (the dummy hash is made once)
    # Interleaved and compared by their fastest try: another test process sharing the 2 cores slows
    # whichever run it overlaps, and a leak (no hash for unknown emails) would be ~50 times faster.
    rounds = [(took("timed@example.com"), took("nobody-here@example.com")) for _ in range(9)]
    known, unknown = min(k for k, _ in rounds), min(u for _, u in rounds)
    assert known > 0.01, known  # the hash is what costs: the comparison means something
    assert 1 / 3 < unknown / known < 3, (unknown, known)


def test_failed_logins_are_rows_in_the_database_without_redis(database_url, app_config,
                                                              make_user):
    app = _limited_app(database_url, app_config)
    member = make_user("member", email="rows@example.com")
    client = app.test_client()
    _attempt(client, "Rows@Example.com", addr="192.0.2.7")
    _attempt(client, "nobody@example.com", addr="192.0.2.7")
    _attempt(client, member.email, PASSWORD, addr="192.0.2.7")  # a success is not a failure
    rows = db.session.execute(
        select(LoginFailure.email, LoginFailure.address).order_by(LoginFailure.id)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("rows@example.com", "192.0.2.7"),
        ("nobody@example.com", "192.0.2.7"),
    ]


def test_failed_logins_leave_the_pages_data_version_alone(app, database_url, app_config):
    """A flood of wrong passwords must not throw away every process's cached pages."""
    app = _limited_app(database_url, app_config)
    before = db.session.scalar(select(func.coalesce(func.max(DataVersion.value), 0)))
    _attempt(app.test_client(), "nobody@example.com", addr="192.0.2.8")
    db.session.expire_all()
    after = db.session.scalar(select(func.coalesce(func.max(DataVersion.value), 0)))
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 1
    assert after == before


def test_other_processes_see_the_same_count(database_url, app_config, make_user):
    """Five failures made in another process (another gunicorn worker, no Redis) block the sixth
    here: the count lives in the database, not in a worker's memory."""
    member = make_user("member", email="workers@example.com")
    db.session.commit()
    done = fail_logins_in_another_process(database_url, member.email, "192.0.2.44")
    assert done.returncode == 0, done.stdout + done.stderr
    app = _limited_app(database_url, app_config)
    blocked = _attempt(app.test_client(), member.email, PASSWORD, addr="192.0.2.44")
    assert blocked.status_code == 429
    assert "Too many login attempts" in blocked.get_data(as_text=True)
    assert _attempt(app.test_client(), member.email, PASSWORD, addr="192.0.2.45").status_code == 302


def _fail(login_limits, email: str, address: str, at: datetime, times: int = 1) -> None:
    for i in range(times):
        login_limits.record_failure(email, address, 60, now=at + timedelta(seconds=i))


def test_the_window_slides_and_says_how_long_to_wait(app, login_limits):
    """Five failures at 12:00:00–12:00:04 fill the account+address window until 12:01:00; the
    address window needs ten."""
    five, ten = login_limits.Rule(5, 60), login_limits.Rule(10, 60)
    _fail(login_limits, "a@example.com", "192.0.2.1", T0, times=5)
    wait = login_limits.wait_seconds
    assert wait("a@example.com", "192.0.2.1", ten, five,
                now=T0 + timedelta(seconds=10)) == 50
    assert wait("a@example.com", "192.0.2.1", ten, five,
                now=T0 + timedelta(seconds=59, milliseconds=500)) == 1
    assert wait("a@example.com", "192.0.2.1", ten, five,
                now=T0 + timedelta(seconds=60)) == 0
    # the same address for another account, the same account from another address: free
    assert wait("b@example.com", "192.0.2.1", ten, five,
                now=T0 + timedelta(seconds=10)) == 0
    assert wait("a@example.com", "192.0.2.2", ten, five,
                now=T0 + timedelta(seconds=10)) == 0
    _fail(login_limits, "b@example.com", "192.0.2.1", T0 + timedelta(seconds=20), times=5)
    assert wait("c@example.com", "192.0.2.1", ten, five,
                now=T0 + timedelta(seconds=30)) == 30  # ten from the address: until 12:01:00


def test_old_failures_are_pruned(app, login_limits):
    _fail(login_limits, "old@example.com", "192.0.2.9", T0 - timedelta(hours=3), times=3)
    _fail(login_limits, "old@example.com", "192.0.2.9", T0 - timedelta(seconds=30))
    _fail(login_limits, "new@example.com", "192.0.2.10", T0)
    left = db.session.execute(select(LoginFailure.email, LoginFailure.at)).all()
    assert sorted((r.email, r.at) for r in left) == [
        ("new@example.com", T0),
        ("old@example.com", T0 - timedelta(seconds=30)),
    ]


def test_long_emails_and_addresses_fit_their_columns(app, login_limits):
    """The form takes 254 characters of email; an IPv6 address behind a proxy may be long."""
    _fail(login_limits, "x" * 300 + "@example.com", "2001:db8:" + "f" * 100, T0)
    row = db.session.scalars(select(LoginFailure)).one()
    assert len(row.email) == 254 and len(row.address) == 64

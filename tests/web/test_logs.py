"""Logs an operator can use: one JSON line per request (method, path, status, duration, user,
request id), ``X-Request-ID`` honoured and echoed, the level from ``LOG_LEVEL``, and the web
process really writing what it says it writes (a mail without MAIL_SERVER)."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from coachapp import create_app, logs
from coachapp.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def _request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "coachapp.request"]


def _as_json(record: logging.LogRecord) -> dict:
    return json.loads(logs.JsonFormatter().format(record))


def test_one_json_line_per_request_with_user_and_request_id(
    app, client, make_user, login, token_for, caplog
):
    member = make_user("member")
    login(member)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        page = client.get("/me/sessions")
        api = client.get("/api/v1/coaches", headers=token_for(member))
        anonymous = app.test_client().get("/healthz/live")
        for response in (page, api, anonymous):
            response.get_data()  # a server sends the body; the line is written once it is sent
    assert (page.status_code, api.status_code, anonymous.status_code) == (200, 200, 200)
    lines = [_as_json(r) for r in _request_lines(caplog)]
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/me/sessions", 200),
        ("GET", "/api/v1/coaches", 200),
        ("GET", "/healthz/live", 200),
    ]
    assert [line["user_id"] for line in lines] == [member.id, member.id, None]
    for line, response in zip(lines, (page, api, anonymous), strict=True):
        assert line["request_id"] == response.headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
        assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
        assert line["level"] == "info" and line["logger"] == "coachapp.request"
        assert line["time"].endswith("Z")
    assert len({line["request_id"] for line in lines}) == 3


def test_x_request_id_is_honoured_when_sane_and_replaced_otherwise(client, caplog):
    router_id = "4b0b5e3e-3c1f-4b59-9f7a-0d6c2b8a9e11"
    with caplog.at_level(logging.INFO):
        kept = client.get("/healthz/live", headers={"X-Request-ID": router_id})
        kept.get_data()
    assert kept.headers["X-Request-ID"] == router_id
    assert _request_lines(caplog)[-1].request_id == router_id

    for hostile in ("x" * 201, "a b", 'quote"d', "line\\nbreak", "<script>", ""):
        response = client.get("/healthz/live", headers={"X-Request-ID": hostile})
        echoed = response.headers["X-Request-ID"]
        assert echoed != hostile and re.fullmatch(r"[0-9a-f]{32}", echoed), hostile


def test_lines_written_during_a_request_carry_its_id(database_url, app_config):
    app = create_app(app_config(database_url))

    @app.get("/_log_something")
    def log_something():
        logging.getLogger("coachapp.test").warning("something happened")
        return "ok"

    handler = logs.JsonLineHandler()
    seen: list[str] = []
    handler.emit = lambda record: seen.append(handler.format(record))  # type: ignore[method-assign]
    logging.getLogger("coachapp.test").addHandler(handler)
    try:
        response = app.test_client().get("/_log_something", headers={"X-Request-ID": "req-42"})
    finally:
        logging.getLogger("coachapp.test").removeHandler(handler)
    assert response.headers["X-Request-ID"] == "req-42"
    (line,) = [json.loads(s) for s in seen]
    assert line["message"] == "something happened" and line["request_id"] == "req-42"


def test_a_server_error_is_logged_as_an_error_line(database_url, app_config, caplog):
    app = create_app(app_config(database_url, TESTING=False))

    @app.get("/_boom")
    def boom():
        raise RuntimeError("boom")

    with caplog.at_level(logging.INFO):
        response = app.test_client().get("/_boom")
        response.get_data()
    assert response.status_code == 500
    line = _request_lines(caplog)[-1]
    assert (line.status, line.levelname) == (500, "ERROR")


def test_log_level_comes_from_LOG_LEVEL(database_url, app_config, monkeypatch):
    root = logging.getLogger()
    before = root.level
    try:
        monkeypatch.setenv("LOG_LEVEL", "warning")
        create_app(app_config(database_url))
        assert root.level == logging.WARNING
        monkeypatch.setenv("LOG_LEVEL", "DEBUG")
        create_app(app_config(database_url))
        assert root.level == logging.DEBUG
        monkeypatch.setenv("LOG_LEVEL", "loud")
        with pytest.raises(ConfigError, match="LOG_LEVEL"):
            create_app(app_config(database_url))
    finally:
        root.setLevel(before)


def test_configuring_again_adds_no_handler_and_keeps_pytests_capture(
    database_url, app_config, caplog
):
    create_app(app_config(database_url))
    create_app(app_config(database_url))
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, logs.JsonLineHandler)]
    assert len(ours) == 1
    assert caplog.handler in root.handlers
    logging.getLogger("coachapp.mail").warning("still captured")
    assert "still captured" in caplog.text


# The web process as gunicorn builds it (wsgi.py), no MAIL_SERVER and no REDIS_URL: a
# notification is delivered inline and counted as delivered, so the mail must be in its log.
WEB_PROCESS_MAIL = """
from wsgi import app
from coachapp import jobs
from coachapp.extensions import db
from coachapp.models import Notification
from coachapp.services import accounts
from coachapp.services.notifications import notify

with app.app_context():
    db.create_all()
    member = accounts.create_user("mia@example.com", "Mia Member", "member", "long-enough-1")
    row = notify(member.id, "session_cancelled", "Your Saturday session was cancelled.")
    db.session.commit()
    jobs.enqueue_delivery([row.id])
    db.session.expire_all()
    print("delivered" if db.session.get(Notification, row.id).delivered_at else "pending")
"""


def test_the_web_process_writes_mails_to_its_log_without_MAIL_SERVER(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "LOG_LEVEL"))}
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'web.sqlite3'}",
        SECRET_KEY="test-secret",
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(WEB_PROCESS_MAIL)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "delivered"
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    mails = [line for line in lines if line["logger"] == "coachapp.mail"]
    assert len(mails) == 1, result.stderr
    assert "mia@example.com" in mails[0]["message"]
    assert "Your Saturday session was cancelled." in mails[0]["message"]
    assert all(not line.strip() or line.startswith("{") for line in result.stderr.splitlines())


def _procfile_web() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.partition(":")[2].strip()
    raise AssertionError("no web process in the Procfile")


def _get(url: str, request_id: str) -> int:
    request = urllib.request.Request(url, headers={"X-Request-ID": request_id})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["X-Request-ID"] == request_id
        return response.status


def test_the_procfile_web_process_logs_json_lines_only_one_per_request(tmp_path):
    """gunicorn as the Procfile starts it: its own lines are JSON too, and each request is one
    line (the app's), not also a gunicorn access line."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "LOG_LEVEL"))}
    env.pop("REDIS_URL", None)
    env.update(
        PORT=str(port),
        WEB_CONCURRENCY="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'web.sqlite3'}",
        SECRET_KEY="test-secret",
        PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
    )
    server = subprocess.Popen(
        ["bash", "-c", "exec " + _procfile_web()],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(base + "/healthz/live", "warm-up")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert _get(base + "/healthz/ready", "ready-check-1") == 200
        assert _get(base + "/static/css/app.css", "static-plain-1") == 200
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    lines = [line for line in (out + err).splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON
    assert any(r["logger"] == "gunicorn.error" and "Booting worker" in r["message"] for r in records)
    for request_id, path in (("ready-check-1", "/healthz/ready"), ("static-plain-1", "/static/css/app.css")):
        mentions = [line for line in lines if request_id in line]
        assert len(mentions) == 1, mentions
        (record,) = [r for r in records if r.get("request_id") == request_id]
        assert (record["path"], record["status"]) == (path, 200)


def test_the_development_server_keeps_its_banner_and_drops_its_own_request_lines(
    database_url, app_config, capsys
):
    """``make run`` (flask run): one request line per request, the app's; the "Running on"
    banner stays readable text."""
    create_app(app_config(database_url))
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.info(" * Running on http://127.0.0.1:5000")
    werkzeug.info('127.0.0.1 - - [27/Nov/2026 11:00:00] "%s" %s %s', "GET / HTTP/1.1", "200", "-")
    err = capsys.readouterr().err
    assert " * Running on http://127.0.0.1:5000\n" in err
    assert "GET / HTTP/1.1" not in err

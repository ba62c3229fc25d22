"""Logs an operator can read and search: one JSON object per line on standard error, in every
process (web, worker, scheduler, CLI), at the level ``LOG_LEVEL`` (default INFO).

Each line has ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``, plus whatever the
record carries: the web process writes one ``coachapp.request`` line per request (``method``,
``path``, ``status``, ``duration_ms``, ``user_id``, ``request_id``); every line written while a
request is handled carries its ``request_id``, every line written inside an RQ job its ``job_id``.
The request id is the client's or router's ``X-Request-ID`` when it looks like one (Heroku's
router sends a UUID), else a new one, and is echoed in the response's ``X-Request-ID``.

``configure_logging`` adds one handler to the root logger and leaves any other handler alone
(pytest's log capture keeps working); calling it again only changes the level.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_ENVIRON = "coachapp.request_id"
USER_ID_ENVIRON = "coachapp.user_id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9+/=._:-]{1,200}")
"""An incoming request id is kept if it is 1 to 200 of these characters (Heroku: 20-200 of
letters, digits, ``+/=-``); anything else (spaces, quotes, control characters) gets a new one."""

_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}
request_log = logging.getLogger("coachapp.request")


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: the standard fields, then the record's extra attributes."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class ContextFilter(logging.Filter):
    """Adds the current request's id and the current RQ job's id to each record (if any)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = _current_request_id()
            if request_id is not None:
                record.request_id = request_id
        if not hasattr(record, "job_id") and "rq" in sys.modules:
            from rq import get_current_job

            job = get_current_job()
            if job is not None:
                record.job_id = job.id
        return True


def _current_request_id() -> str | None:
    from flask import has_request_context, request

    if has_request_context():
        return request.environ.get(REQUEST_ID_ENVIRON)
    return None


class _DevServerRequestFilter(logging.Filter):
    """Drops werkzeug's own request lines (``flask run``): the app writes its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        return '] "%s" %s %s' not in str(record.msg)


class _StderrNow(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the moment (as logging's last resort does), so a
    replaced or captured stderr never leaves the handler writing to a closed stream."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass

    def handleError(self, record: logging.LogRecord) -> None:
        """A failed write is reported on stderr (logging's way) — except when what interrupted it
        is a stop: RQ's SIGTERM handler raises StopRequested wherever the worker is, also in the
        middle of a log line (a Redis-down retry message), and logging would swallow it, print a
        traceback and lose the stop. It goes on to the worker's loop instead."""
        from rq.exceptions import StopRequested

        interrupted = sys.exc_info()[1]
        if isinstance(interrupted, StopRequested):
            raise interrupted
        super().handleError(record)


class _DevServerHandler(_StderrNow):
    """The development server's own lines, as plain text."""


class JsonLineHandler(_StderrNow):
    """The process's log: JSON lines on stderr, with the request and job ids."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.addFilter(ContextFilter())


def log_level(value: str | None) -> str:
    """``LOG_LEVEL`` checked: one of DEBUG, INFO, WARNING, ERROR, CRITICAL (any case)."""
    from .config import ConfigError

    level = (value or "INFO").strip().upper()
    if level not in LEVELS:
        raise ConfigError(f"LOG_LEVEL={value!r} must be one of {', '.join(LEVELS)}")
    return level


def configure_logging(level: str = "INFO") -> logging.Handler:
    """JSON lines on stderr at ``level``, for the whole process; idempotent. Returns the handler."""
    from flask.logging import default_handler

    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, JsonLineHandler)), None)
    if handler is None:
        handler = JsonLineHandler()
        root.addHandler(handler)
    root.setLevel(level)
    # Flask's own handler on the app's logger ("coachapp") would print its lines a second time
    logging.getLogger("coachapp").removeHandler(default_handler)
    # The development server (``flask run``, ``make run``): its banner ("Running on http://…")
    # stays plain text for the person at the terminal; its request lines are left out.
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, _DevServerRequestFilter) for f in werkzeug.filters):
        werkzeug.addFilter(_DevServerRequestFilter())
        plain = _DevServerHandler()
        plain.setFormatter(logging.Formatter("%(message)s"))
        werkzeug.addHandler(plain)
        werkzeug.propagate = False
    return handler


def request_id_from(value: str | None) -> str:
    """The incoming ``X-Request-ID`` if it is sane, else a new random id."""
    if value and _REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestLog:
    """WSGI middleware, outermost: gives each request an id (``X-Request-ID`` in and out) and
    writes one ``coachapp.request`` line when the response has been sent, static files included.
    The app puts the logged-in user's id in the WSGI environ (``remember_user``)."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        environ[REQUEST_ID_ENVIRON] = request_id
        status: list[str] = []

        def start_with_id(status_line, headers, exc_info=None):
            status[:] = [status_line]
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append((REQUEST_ID_HEADER, request_id))
            return start_response(status_line, headers, exc_info)

        try:
            body = self.wsgi_app(environ, start_with_id)
        except BaseException:
            status[:] = ["500"]
            _write(environ, status, started)
            raise
        file_wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(file_wrapper, type) and isinstance(body, file_wrapper):
            _write(environ, status, started)  # keep the server's sendfile path for static files
            return body
        return _Logged(body, lambda: _write(environ, status, started))


class _Logged:
    """The response body, passed through; the request line is written once, when the body has
    been sent or when the server closes it, whichever comes first."""

    def __init__(self, body, on_done) -> None:
        self.body = body
        self.on_done = on_done
        self.done = False

    def __iter__(self):
        yield from self.body
        self._finish()

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self._finish()

    def _finish(self) -> None:
        if not self.done:
            self.done = True
            self.on_done()


def _write(environ, status: list[str], started: float) -> None:
    code = int(status[0].split(" ", 1)[0]) if status else 0
    method = environ.get("REQUEST_METHOD", "")
    path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")) or "/"
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    request_log.log(
        logging.ERROR if code >= 500 else logging.INFO,
        "%s %s %s %.1fms",
        method,
        path,
        code,
        duration_ms,
        extra={
            "method": method,
            "path": path,
            "status": code,
            "duration_ms": duration_ms,
            "user_id": environ.get(USER_ID_ENVIRON),
            "request_id": environ.get(REQUEST_ID_ENVIRON),
        },
    )


def remember_user(response):
    """``after_request``: note the logged-in user's (or API token's) id for the request line,
    without a query (the id is the loaded object's identity)."""
    from flask import g, request
    from sqlalchemy import inspect

    user = getattr(g, "api_user", None) or getattr(g, "_login_user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        state = inspect(user, raiseerr=False)
        identity = state.identity if state is not None else None
        if identity:
            request.environ[USER_ID_ENVIRON] = identity[0]
    return response


def init_app(app) -> None:
    """The user id for the request lines, and the request-line middleware (call it last, so it
    wraps everything else, static files included). ``configure_logging`` is called earlier."""
    app.after_request(remember_user)
    app.wsgi_app = RequestLog(app.wsgi_app)


__all__ = [
    "JsonFormatter",
    "LEVELS",
    "REQUEST_ID_HEADER",
    "RequestLog",
    "configure_logging",
    "init_app",
    "log_level",
    "request_id_from",
]

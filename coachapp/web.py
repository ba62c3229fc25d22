"""Cross-cutting web behaviour: the htmx response layer every blueprint answers through (``page``,
``fragment``, ``respond``), security headers (CSP, HSTS), CORS for the API, the request size
limit, template helpers (navigation, the vocabulary, local times)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from enum import StrEnum
from zoneinfo import ZoneInfo

from flask import Flask, Response, render_template, request
from flask_htmx import make_response as htmx_response
from jinja2_fragments.flask import render_block
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.http import parse_set_header

from . import vocab
from .extensions import htmx

NAV = {
    "coach": [
        ("coach.week", "Week"),
        ("coach.availability", "Availability"),
        ("coach.conflicts", "Conflicts"),
        ("coach.settings", "Settings"),
        ("billing.coach_billing", "Billing"),
    ],
    "member": [
        ("member.book", "Book"),
        ("member.my_sessions", "My sessions"),
        ("billing.my_billing", "Billing"),
    ],
    "admin": [
        ("admin.coaches", "Coaches"),
        ("admin.members", "Members"),
        ("admin.rooms", "Rooms"),
        ("admin.plans", "Plans"),
        ("billing.admin_statements", "Billing"),
        ("coach.week", "Coaches' weeks"),
    ],
}

VOCABULARY = {
    name: value
    for name, value in vars(vocab).items()
    if (isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum)
    or name == "ACTIVE_BOOKING_STATUSES"
}
"""What the ``vocabulary`` context processor gives every template: each enum of
``coachapp.vocab`` by its name (an enum added there is in the templates at once), and
``ACTIVE_BOOKING_STATUSES``."""

FRAGMENT_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")
"""The request headers that decide between a page and a fragment (``Vary`` names them)."""

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


HSTS = "max-age=31536000; includeSubDomains"
"""Sent in production on HTTPS requests (directly, or as the trusted proxy reports them)."""

CORS_ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key"
CORS_EXPOSE_HEADERS = "Idempotent-Replayed, Retry-After, WWW-Authenticate"
CORS_MAX_AGE = "600"


def register_web_hooks(app: Flask) -> None:
    """Security headers on every response, ``Vary: HX-Request`` where a page may be a fragment,
    the request size limit, and CORS for the JSON API."""

    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, app)

    @app.before_request
    def refuse_large_bodies_and_answer_preflights():
        """A declared body over MAX_CONTENT_LENGTH is refused before anything reads it (a
        chunked one was measured by ``ChunkedBodyLimit``). An ``OPTIONS`` to an
        API path is answered here, before the API's token check and without the database: a
        browser's CORS preflight carries no token."""
        limit = app.config.get("MAX_CONTENT_LENGTH")
        length = request.content_length
        if limit is not None and length is not None and length > limit:
            raise RequestEntityTooLarge()
        if (
            request.method == "OPTIONS"
            and request.path.startswith("/api/")
            and request.url_rule is not None
        ):
            response = app.make_default_options_response()
            response.status_code = 204
            return response
        return None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("PRODUCTION") and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.path.startswith("/api/"):
            _cors(response, app.config.get("CORS_ORIGINS") or ())
        elif not request.path.startswith("/static/"):
            response.vary.add("HX-Request")
        return response

    @app.context_processor
    def navigation():
        """The main navigation for the current user's role (only pages that exist)."""
        from flask_login import current_user

        role = getattr(current_user, "role", None) if current_user.is_authenticated else None
        links = [
            (endpoint, label)
            for endpoint, label in NAV.get(role, [])
            if endpoint in app.view_functions
        ]
        return {"nav_links": links}

    @app.context_processor
    def vocabulary():
        """The domain's enums by name (``SessionStatus.CANCELLED``, ``BookingStatus.CONFIRMED``…),
        so templates compare with the vocabulary instead of spelling the stored strings."""
        return VOCABULARY

    @app.template_filter("local")
    def local_time(value, zone: str | None = None, fmt: str = "%a %d %b %Y, %H:%M"):
        """Render an instant in ``zone`` (default: the gym's zone)."""
        if value is None:
            return ""
        tz = ZoneInfo(zone or app.config["COACHAPP_TIMEZONE"])
        return value.astimezone(tz).strftime(fmt)


class ChunkedBodyLimit:
    """WSGI middleware: a chunked request body (no Content-Length) is read here, at most
    MAX_CONTENT_LENGTH + 1 bytes, and handed on with its length declared.

    Needed because werkzeug does not refuse such a body: its limited stream stops reading at the
    limit and returns what it has, so a 2 MiB chunked JSON body reached the API cut to 1 MiB (a
    400 "not valid JSON"), and a cut form would be parsed without its last fields. With the length
    declared, a body over the limit is a 413 like any other (and whatever the client still sends
    is never read); a smaller one is at most 1 MiB held in memory.
    """

    def __init__(self, wsgi_app, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ, start_response):
        limit = self.app.config.get("MAX_CONTENT_LENGTH")
        encoding = environ.get("HTTP_TRANSFER_ENCODING", "")
        if limit is not None and "chunked" in parse_set_header(encoding):
            stream = environ["wsgi.input"]
            data = bytearray()
            try:
                while len(data) <= limit:
                    piece = stream.read(min(65536, limit + 1 - len(data)))
                    if not piece:
                        break
                    data += piece
            except (OSError, ValueError):  # the client went away mid-body: act on none of it
                return BadRequest("The request body could not be read.")(environ, start_response)
            environ["wsgi.input"] = io.BytesIO(bytes(data))
            environ["CONTENT_LENGTH"] = str(len(data))
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.wsgi_app(environ, start_response)


def _cors(response, origins) -> None:
    """Let the pages of the configured origins (``CORS_ORIGINS``) read this API response; any
    other origin gets no ``Access-Control-Allow-Origin``, so its browser keeps the answer from
    it. The API takes no cookies, so credentials are never allowed."""
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if not origin or origin.lower() not in origins:
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response.headers["Access-Control-Allow-Methods"] = response.headers.get(
            "Allow", "GET, POST, PUT, PATCH, DELETE"
        )
        response.headers["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE
        response.vary.update(["Access-Control-Request-Method", "Access-Control-Request-Headers"])
    else:
        response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS


def wants_fragment() -> bool:
    """Whether this is an htmx request for part of a page (flask-htmx reads the headers).

    Boosted links and history restores also carry ``HX-Request`` but replace the whole body, so
    they get the whole page.
    """
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def page(
    template: str,
    block: str | None = None,
    status: int = 200,
    events: str | Iterable[str] = (),
    **context,
) -> Response:
    """The one way a page answers: the whole of ``template``, or only its ``block`` for an htmx
    request for part of the page (one template per page, its blocks are the fragments).

    ``events`` are sent as ``HX-Trigger`` (always JSON: ``{"slots-changed": true}``) so other
    parts of the page refresh; ``status`` is kept for fragments too (a 409 or 422 fragment is
    swapped in place: ``responseHandling`` in ``base.html``).
    """
    if block is not None and wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    return respond(body, status, events)


def fragment(
    template: str, status: int = 200, events: str | Iterable[str] = (), **context
) -> Response:
    """A template that is itself a fragment (a table row, a badge), answered as it is."""
    return respond(render_template(template, **context), status, events)


def respond(body: str = "", status: int = 200, events: str | Iterable[str] = ()) -> Response:
    """``body`` with ``events`` as a JSON ``HX-Trigger`` and the ``Vary`` a cache needs: the
    answer depends on whether htmx asked for a part (``wants_fragment``)."""
    response = htmx_response(body, status, trigger=trigger_header(events))
    response.vary.update(FRAGMENT_HEADERS)
    return response


def trigger_header(events: str | Iterable[str]) -> dict[str, bool]:
    """The ``HX-Trigger`` value for ``events`` (names, or one name): each mapped to ``true``."""
    if isinstance(events, str):
        events = (events,)
    return dict.fromkeys(events, True)

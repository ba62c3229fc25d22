"""Error handlers: JSON under /api/, friendly pages elsewhere; never a stack trace to a user."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from .services.errors import Conflict, DomainError

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "bad_request",
    422: "validation_error",
    429: "too_many_requests",
}


def with_field(exc: DomainError) -> str:
    """The message as the API (and the CLI) gives it: an input error names its field first, so a
    client knows what to fix (``end_time: the end must be after the start.``); a conflict with the
    current state is a sentence of its own (``too_soon``, ``slot_taken`` …), field or not.

    The services raise a plain message and a field; this is the one place the two are joined.
    A message already led by its field (built that way by a caller) is left as it is.
    """
    message = exc.message
    if not exc.field or isinstance(exc, Conflict) or message.startswith(f"{exc.field}: "):
        return message
    return f"{exc.field}: {message}"


def sentence(exc: DomainError) -> str:
    """The message as a page shows it: a sentence starting with a capital, without the field
    (the page puts it next to the input it names, or says which one in its own words)."""
    message = exc.message
    if exc.field and message.startswith(f"{exc.field}: "):
        message = message[len(exc.field) + 2 :]
    return message[:1].upper() + message[1:]


def wants_json() -> bool:
    """Whether the current request belongs to the JSON API."""
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, field: str | None = None, **extra):
    """The contract's error body ``{"error": {"code", "message"}}`` with ``status`` (and the
    input at fault, ``field``, and any ``extra`` member that is not None)."""
    body = {"code": code, "message": message}
    if field:
        body["field"] = field
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify({"error": body})
    response.status_code = status
    return response


def _ask_gym(exc: DomainError) -> str | None:
    """For a required membership's refusal (no_membership, no_credits, weekly_limit) to a signed-in
    caller: the mailto link to ask the gym for one (the pages' "Ask the gym"); else None."""
    from .services import memberships

    user = getattr(g, "api_user", None)
    return None if user is None else memberships.ask_gym_for(exc, user.name)


def _page(status: int, title: str, message: str):
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _limit() -> str:
    """The request size limit, as people read it: ``1 MiB``."""
    size = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    if size and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    if size and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} bytes"


def register_error_handlers(app: Flask) -> None:
    """Map every error to the contract's JSON (API) or a friendly page (HTML)."""

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        if wants_json():
            return json_error(
                exc.status, exc.code, with_field(exc), exc.field, ask_gym=_ask_gym(exc)
            )
        return _page(exc.status, "That did not work", sentence(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if wants_json():
            message = exc.description or exc.name
            if status == 404:
                message = "No such resource."
            if status == 413:
                message = (
                    f"The request body is larger than {_limit()}, the most one "
                    "request may send; nothing was done."
                )
            response = json_error(status, HTTP_CODES.get(status, "error"), message)
            valid = getattr(exc, "valid_methods", None)
            if status == 405 and valid:
                response.headers["Allow"] = ", ".join(valid)
            return response
        titles = {
            403: ("Not for you", "Your account does not have access to this page."),
            404: ("Not found", "We could not find that page. It may have moved or never existed."),
            400: ("Bad request", exc.description or "The request could not be understood."),
            413: (
                "Too much at once",
                "That was more than this page accepts in one go. "
                "Nothing was saved; go back and try again with less.",
            ),
        }
        title, message = titles.get(status, (exc.name, exc.description or exc.name))
        return _page(status, title, message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        try:
            from .extensions import db

            db.session.rollback()
        except Exception:  # pragma: no cover - the session itself may be broken
            log.exception("rollback after an unhandled error failed")
        if wants_json():
            return json_error(500, "internal_error", "Something went wrong on our side.")
        return _page(
            500,
            "Something went wrong",
            "Something went wrong on our side. Nothing you "
            "saved earlier is lost; please try again in a moment.",
        )

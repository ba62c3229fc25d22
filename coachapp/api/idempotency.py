"""The ``Idempotency-Key`` header on the API's creating POSTs (``@idempotent``); the rules and
the storage are in ``services.idempotency``."""

from __future__ import annotations

import functools
import logging

from flask import current_app, g, request

from ..errors import json_error
from ..services import idempotency

log = logging.getLogger(__name__)

REPLAYED = "Idempotent-Replayed"


def idempotent(view):
    """Run ``view`` at most once per (user, ``Idempotency-Key``) within 24 hours: a retry with the
    same key and body gets the first 2xx answer again, with ``Idempotent-Replayed: true``.

    Without the header the view runs as always.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(idempotency.HEADER)
        if key is None:
            return view(*args, **kwargs)
        idempotency.check_key(key)
        digest = idempotency.request_hash(request.get_data(cache=True))
        endpoint = f"{request.method} {request.path}"
        try:
            reservation, answer = idempotency.begin(g.api_user.id, key, endpoint, digest)
        except idempotency.RequestInProgress as exc:
            response = json_error(exc.status, exc.code, exc.message, exc.field)
            response.headers["Retry-After"] = "1"
            return response
        if answer is not None:
            response = current_app.response_class(
                answer.body, status=answer.status_code, mimetype="application/json"
            )
            response.headers[REPLAYED] = "true"
            return response
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            _release(reservation)
            raise
        if 200 <= response.status_code < 300:
            try:
                idempotency.finish(
                    reservation, response.status_code, response.get_data(as_text=True)
                )
            except Exception:  # the booking is made: answer it; a retry finds the key stale
                log.exception("could not store the answer for idempotency key %r", key)
        else:
            _release(reservation)
        return response

    return wrapper


def _release(reservation: int) -> None:
    """Free the key of a request that made nothing; a failure here must not hide the request's
    own error (the reservation then goes stale and the next retry takes it over)."""
    try:
        idempotency.release(reservation)
    except Exception:
        log.exception("could not release idempotency reservation %s", reservation)

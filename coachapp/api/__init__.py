"""JSON API v1 (contract: docs/api.md and GET /api/v1/openapi.json). Bearer tokens only: no
cookies, no CSRF."""

from __future__ import annotations

from flask import Blueprint, g, request

from ..errors import json_error
from ..services import tokens

bp = Blueprint("api", __name__)  # mounted at /api/v1 by create_app

PUBLIC_ENDPOINTS = {"api.openapi"}


@bp.before_request
def authenticate():
    """Resolve ``Authorization: Bearer <token>`` to ``g.api_user``; 401 when missing or wrong."""
    g.api_user = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorized("Send an API token as 'Authorization: Bearer <token>'.")
    check = tokens.authenticate(token.strip())
    if check.user is None:
        return _unauthorized(check.refusal)
    g.api_user = check.user
    return None


def _unauthorized(message: str):
    response = json_error(401, "unauthorized", message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="coachapp"'
    return response


# The operations register in this order, which is the OpenAPI document's order of paths.
from . import (  # noqa: E402,F401  (the views register themselves on bp)
    account_routes,
    booking_routes,
    coach_routes,
    routes,
    session_routes,
    token_routes,
)

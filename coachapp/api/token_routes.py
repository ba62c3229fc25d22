"""``/api/v1/tokens``: the caller's own API tokens, listed (never the secret) and revoked."""

from __future__ import annotations

from flask import g

from ..services import tokens
from . import bp
from . import schemas as p
from . import serializers as out


@bp.get("/tokens")
def list_tokens():
    """The caller's tokens, newest first: ids and dates, never the secret."""
    return {"tokens": [out.token_json(t) for t in tokens.list_tokens(g.api_user)]}


@bp.delete("/tokens/<id>")
def revoke_token(id: str):
    """Revoke one of the caller's tokens (the one in use too); another's or unknown: 404."""
    tokens.revoke(g.api_user, p.to_id(id))
    return "", 204

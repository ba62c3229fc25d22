"""``/api/v1/tokens``: the caller's own API tokens, listed (never the secret) and revoked."""

from __future__ import annotations

from flask import g

from ..services import tokens
from .models import ApiToken, gym_zone
from .spec import api_route
from .types import PathId


@api_route(
    "GET",
    "/tokens",
    op="listTokens",
    tag="meta",
    returns={"tokens": list[ApiToken]},
    answer="The caller's tokens, newest first; never the secret.",
)
def list_tokens():
    """My API tokens

    New tokens come from `flask --app wsgi users token EMAIL [--expires-days N]` (default 90
    days) or the /account page.
    """
    zone = gym_zone()
    return {"tokens": [ApiToken.of(t, zone) for t in tokens.list_tokens(g.api_user)]}


@api_route(
    "DELETE",
    "/tokens/<id>",
    op="revokeToken",
    tag="meta",
    status=204,
    answer="Revoked: the token is refused (401) from now on.",
)
def revoke_token(id: PathId):
    """Revoke one of my API tokens

    Another user's token or an unknown id: 404.
    """
    tokens.revoke(g.api_user, id)

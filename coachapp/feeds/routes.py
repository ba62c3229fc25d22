"""The calendar feed a calendar app subscribes to: no login and no cookie, so that Google or
Apple Calendar can fetch it; the unguessable token in the URL is what grants access."""

from __future__ import annotations

from flask import abort, make_response

from ..services import feeds
from . import bp


@bp.get("/feeds/<token>.ics")
def calendar(token: str):
    """The feed with ``token`` as ``text/calendar``; any other token is a 404."""
    body = feeds.render_feed(token)
    if body is None:
        abort(404)
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="coachapp.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response

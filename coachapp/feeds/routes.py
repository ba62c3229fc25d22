"""The calendar feed a calendar app subscribes to: no login and no cookie, so that Google or
Apple Calendar can fetch it; the unguessable token in the URL is what grants access."""

from __future__ import annotations

from flask import abort, make_response, url_for

from ..services import feeds
from . import bp

REGENERATED = "New feed URL made. The old one no longer works: subscribe your calendar to this one."
"""What a page says once its owner has renewed their feed URL."""


def feed_card(user, regenerate_endpoint: str, notice: str | None = None) -> dict:
    """The calendar feed card of ``user``'s own page (the member's sessions, the coach's
    settings): their secret feed URL (made on first use), the route that renews it, ``notice``."""
    return {
        "url": url_for("feeds.calendar", token=feeds.feed_token_for(user), _external=True),
        "regenerate_url": url_for(regenerate_endpoint),
        "notice": notice,
    }


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

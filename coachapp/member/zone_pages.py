"""The zone a member reads times in (``users.timezone``): the "Show times in" switcher on the
booking page and My sessions posts here, and ``/me/zone`` lists every zone to pick from.

Saved: a redirect back to the page the switcher is on (``next``: only a path on this site, else
My sessions), which shows every time again in the new zone; the form is boosted (``hx-boost`` on
the body), so htmx follows the redirect and swaps in the whole page. An unknown zone: 422 naming
the field, the switcher again (htmx asking for the part: only the switcher)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from ..auth.routes import safe_next
from ..errors import sentence
from ..services import member_views, zones
from ..services.errors import ValidationFailed
from ..web import page, wants_fragment
from . import bp
from .common import now_utc


def _back() -> str:
    """Where to go once saved: the page the switcher was on, if it is a path on this site."""
    given = request.values.get("next", "")
    return safe_next(given) or url_for("member.my_sessions")


def _zone_page(status: int = 200, error: str | None = None, tried: str | None = None):
    """The page of every zone (``all_zones``), or (htmx) the switcher alone, with ``error``."""
    return page(
        "member/zone.html",
        "switcher",
        status,
        member_zone=member_views.member_zone(current_user),
        zone_error=error,
        zone_tried=tried,
        zone_back=_back(),
        all_zones=not wants_fragment() or request.form.get("all") == "1",
        now=now_utc(),
    )


@bp.get("/me/zone")
def zone_page():
    """Pick the zone to read times in from every zone this system knows."""
    return _zone_page()


@bp.post("/me/zone")
def set_zone():
    """Save the zone the member reads times in (``timezone``) and show the page again in it."""
    try:
        zone = zones.set_reading_zone(
            current_user._get_current_object(), request.form.get("timezone")
        )
    except ValidationFailed as exc:
        return _zone_page(422, sentence(exc), (request.form.get("timezone") or "")[:64])
    flash(f"Times are now shown in {zones.zone_name(zone)}.", "success")
    return redirect(_back(), 303)

"""Cross-cutting web behaviour: security headers, HTMX caching hints, template helpers."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Flask, make_response, render_template, request
from jinja2_fragments.flask import render_block

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
        ("billing.admin_statements", "Billing"),
        ("coach.week", "Coaches' weeks"),
    ],
}

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def register_web_hooks(app: Flask) -> None:
    """Security headers on every response and ``Vary: HX-Request`` where a page may be a fragment."""

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if not request.path.startswith(("/api/", "/static/")):
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

    @app.template_filter("local")
    def local_time(value, zone: str | None = None, fmt: str = "%a %d %b %Y, %H:%M"):
        """Render an instant in ``zone`` (default: the gym's zone)."""
        if value is None:
            return ""
        tz = ZoneInfo(zone or app.config["COACHAPP_TIMEZONE"])
        return value.astimezone(tz).strftime(fmt)


def wants_fragment() -> bool:
    """Whether this is an HTMX request for part of a page.

    Boosted links and history restores also carry ``HX-Request`` but want the whole page.
    """
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render(template: str, block: str | None = None, status: int = 200, **context):
    """Render the whole page, or only ``block`` of it for an HTMX request (one template per page).

    Always sends ``Vary: HX-Request`` so a cache never serves the fragment as the page.
    """
    if block and wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response

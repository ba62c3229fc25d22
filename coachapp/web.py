"""Cross-cutting web behaviour: security headers, HTMX caching hints, template helpers."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Flask, request

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

    @app.template_filter("local")
    def local_time(value, zone: str | None = None, fmt: str = "%a %d %b %Y, %H:%M"):
        """Render an instant in ``zone`` (default: the gym's zone)."""
        if value is None:
            return ""
        tz = ZoneInfo(zone or app.config["COACHAPP_TIMEZONE"])
        return value.astimezone(tz).strftime(fmt)

"""coachapp: booking and availability for gyms and coaching businesses."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cache, logs, static_files
from .config import engine_options, load_config
from .extensions import csrf, db, htmx, limiter, login_manager, migrate

ENV_OVERRIDABLE = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "COACHAPP_TIMEZONE", "COACHAPP_ENV")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, overridden by ``config`` (tests pass one)."""
    root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
        instance_path=str(root / "instance"),
    )
    overrides = dict(config or {})
    environ = dict(os.environ)
    for key in ENV_OVERRIDABLE:
        if key in overrides and overrides[key] is not None:
            environ[key] = str(overrides[key])
    app.config.update(load_config(Path(app.instance_path), environ))
    app.config.update(overrides)
    logs.configure_logging(app.config["LOG_LEVEL"])
    if "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
            app.config["SQLALCHEMY_DATABASE_URI"]
        )
    _rate_limit_settings(app, overrides)

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    cache.init_app(app)
    migrate.init_app(app, db, directory=str(root / "migrations"), compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)

    from . import models  # noqa: F401  (register the tables on the metadata)
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .billing import bp as billing_bp
    from .cli import register_cli
    from .coach import bp as coach_bp
    from .errors import register_error_handlers
    from .feeds import bp as feeds_bp
    from .inputs import IdConverter, refuse_nul
    from .jobs import init_app as init_jobs
    from .main import bp as main_bp
    from .member import bp as member_bp
    from .web import register_web_hooks

    app.url_map.converters["int"] = IdConverter  # before the routes are added: ids fit a column
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(coach_bp, url_prefix="/coach")
    app.register_blueprint(member_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(billing_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)
    register_error_handlers(app)
    refuse_nul(app)
    register_web_hooks(app)
    register_cli(app)
    init_jobs(app)
    static_files.init_app(app)  # WhiteNoise in front of the app (hashed, compressed files)
    logs.init_app(app)  # outermost: one log line per request, static files included
    return app


def _rate_limit_settings(app: Flask, overrides: Mapping[str, Any]) -> None:
    """Where Flask-Limiter counts failed logins (Redis when REDIS_URL is set; without it the
    login view counts them in the database and Flask-Limiter's memory is unused) and whether
    they are limited at all: off under TESTING unless the test config turns it on."""
    redis_url = app.config.get("REDIS_URL")
    if "RATELIMIT_STORAGE_URI" not in overrides:
        app.config["RATELIMIT_STORAGE_URI"] = redis_url or "memory://"
        if redis_url:
            app.config["RATELIMIT_STORAGE_OPTIONS"] = {
                "socket_connect_timeout": 1,
                "socket_timeout": 1,
            }
    if app.config.get("TESTING") and "LOGIN_RATE_LIMITED" not in overrides:
        app.config["LOGIN_RATE_LIMITED"] = False

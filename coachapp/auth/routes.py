"""``/login`` and ``/logout``."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, func, select

from .. import cache
from ..extensions import db, limiter, login_manager
from ..models import DataVersion, User
from ..services import accounts, login_limits
from ..web import page
from . import bp
from .forms import LoginForm

login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"


# The data version comes first, in the same statement as the user: what pages cache is keyed by it
# (coachapp.cache). Built once: this runs on every logged-in request.
_USER_AND_VERSION = select(
    User,
    func.coalesce(select(DataVersion.value).where(DataVersion.id == 1).scalar_subquery(), 0),
).where(User.id == bindparam("user_id"), User.auth_version == bindparam("auth_version"))

_COOKIE_ID = re.compile(r"([0-9]{1,10}):([0-9]{1,10})")
"""What ``User.get_id`` puts in the session and remember cookies: user id and auth version."""


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The logged-in user for a session or remember cookie, or None if the account is gone or
    the cookie was made under an older auth version (before a logout or a password change)."""
    found = _COOKIE_ID.fullmatch(user_id or "")
    if found is None or int(found[1]) >= 2**31 or int(found[2]) >= 2**31:
        return None
    row = db.session.execute(
        _USER_AND_VERSION, {"user_id": int(found[1]), "auth_version": int(found[2])}
    ).first()
    if row is None:
        return None
    cache.remember_version(row[1])
    return row[0]


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a plain path on this site, else None: no open redirects, and nothing a
    browser could read as another host (``/\\evil``) or that cannot go in a header (CR, LF)."""
    if not target or len(target) > 2000 or not target.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 0x21 or 0x7F <= ord(ch) <= 0x9F for ch in target):
        return None  # control characters and spaces: browsers strip some, headers refuse others
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return None
    return target


def _limits_off() -> bool:
    """Whether login attempts go uncounted (``LOGIN_RATE_LIMITED`` false: tests, by default)."""
    return not current_app.config.get("LOGIN_RATE_LIMITED", True)


def _counted_in_database() -> bool:
    """Whether failed logins are counted in the database (no Redis: Flask-Limiter's memory would
    count per web process) rather than by Flask-Limiter in Redis."""
    return not current_app.config.get("REDIS_URL")


def _redis_limits_off() -> bool:
    """Whether Flask-Limiter leaves login attempts alone: limits off, or counted in the database."""
    return _limits_off() or _counted_in_database()


def _address() -> str:
    """The client's address (behind ``TRUSTED_PROXIES`` proxies: the one they report)."""
    return request.remote_addr or "unknown"


def _attempted_account() -> str:
    """The rate-limit key of a login attempt's account *and* address: a stranger's failures from
    elsewhere never block the owner's address."""
    email = request.form.get("email", "").strip().lower()[:254]
    return f"login-account:{email}|{_address()}"


def _failed(response) -> bool:
    """Flask-Limiter counts an attempt only when its password was wrong (see ``login``)."""
    return bool(g.get("login_failed"))


def _rule(setting: str) -> login_limits.Rule:
    return login_limits.Rule.parse(current_app.config[setting])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    exempt_when=_redis_limits_off,
    deduct_when=_failed,
    scope="login-address",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_attempted_account,
    methods=["POST"],
    exempt_when=_redis_limits_off,
    deduct_when=_failed,
    scope="login-account",
)
def login():
    """Show the login form; on success start a fresh session and go where the user was heading.

    Failed logins are limited per address and per account and address (docs/rules.md): by
    Flask-Limiter in Redis when ``REDIS_URL`` is set, else in the database.
    """
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        in_database = not _limits_off() and _counted_in_database()
        if in_database:
            per_address, per_account = (
                _rule("LOGIN_LIMIT_PER_ADDRESS"),
                _rule("LOGIN_LIMIT_PER_ACCOUNT"),
            )
            wait = login_limits.wait_seconds(email, _address(), per_address, per_account)
            if wait:
                return _too_many(wait)
        user = accounts.check_login(email, form.password.data)
        if user is None:
            g.login_failed = True
            if in_database:
                keep = max(per_address.seconds, per_account.seconds)
                login_limits.record_failure(email, _address(), keep)
            form.password.errors.append("Email or password is wrong.")
        elif not user.is_active:
            form.email.errors.append("This account is deactivated. Ask the gym's admin.")
        else:
            next_url = safe_next(request.args.get("next"))
            session.clear()  # a fresh session: nothing from before the login survives
            login_user(user, remember=bool(form.remember.data))
            flash(f"Welcome back, {user.name}.", "success")
            return redirect(next_url or url_for("main.index"))
        return page("auth/login.html", status=422, form=form)
    return page("auth/login.html", form=form)


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(exc: RateLimitExceeded):
    """Too many failed logins, counted by Flask-Limiter: the login form with a message."""
    return _too_many(exc.limit.limit.get_expiry())


def _too_many(retry_after: int):
    """Too many failed logins: the login form again (email kept), saying when to try again."""
    form = LoginForm(formdata=None)
    form.email.data = request.form.get("email", "")
    flash(
        "Too many login attempts. Please wait a minute before trying again; "
        "if you forgot your password, ask the gym's admin.",
        "error",
    )
    response = page("auth/login.html", status=429, form=form)
    response.headers["Retry-After"] = str(retry_after)
    return response


@bp.post("/logout")
def logout():
    """Log out everywhere (POST with the CSRF token, so another site cannot log you out): every
    session and remembered login of the account ends, this browser's remember cookie is
    deleted, and copies of its cookies no longer work."""
    if current_user.is_authenticated:
        accounts.log_out_everywhere(current_user._get_current_object())
    session.clear()
    logout_user()  # after clear(): it marks the remember cookie for deletion in the session
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))

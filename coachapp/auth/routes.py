"""``/login`` and ``/logout``."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, func, select

from .. import cache
from ..extensions import db, limiter, login_manager
from ..models import DataVersion, User
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
).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The logged-in user for a session cookie, or None if the account is gone."""
    if not user_id.isdigit():
        return None
    row = db.session.execute(_USER_AND_VERSION, {"user_id": int(user_id)}).first()
    if row is None:
        return None
    cache.remember_version(row[1])
    return row[0]


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (no scheme, no host), else None: no open redirects."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _limits_off() -> bool:
    """Whether login attempts go uncounted (``LOGIN_RATE_LIMITED`` false: tests, by default)."""
    return not current_app.config.get("LOGIN_RATE_LIMITED", True)


def _attempted_account() -> str:
    """The rate-limit key of the account a login attempt names (its email, as logins match it)."""
    return "login-account:" + request.form.get("email", "").strip().lower()[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    exempt_when=_limits_off,
    scope="login-address",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_attempted_account,
    methods=["POST"],
    exempt_when=_limits_off,
    scope="login-account",
)
def login():
    """Show the login form; on success start a fresh session and go where the user was heading."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None or not user.check_password(form.password.data):
            form.password.errors.append("Email or password is wrong.")
        elif not user.is_active:
            form.email.errors.append("This account is deactivated. Ask the gym's admin.")
        else:
            next_url = safe_next(request.args.get("next"))
            session.clear()  # a fresh session: nothing from before the login survives
            login_user(user, remember=bool(form.remember.data))
            flash(f"Welcome back, {user.name}.", "success")
            return redirect(next_url or url_for("main.index"))
        return render_template("auth/login.html", form=form), 422
    return render_template("auth/login.html", form=form)


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(exc: RateLimitExceeded):
    """Too many login attempts: the login form again (email kept), saying when to try again."""
    form = LoginForm(formdata=None)
    form.email.data = request.form.get("email", "")
    flash(
        "Too many login attempts. Please wait a minute before trying again; "
        "if you forgot your password, ask the gym's admin.",
        "error",
    )
    response = current_app.make_response((render_template("auth/login.html", form=form), 429))
    response.headers["Retry-After"] = str(exc.limit.limit.get_expiry())
    return response


@bp.post("/logout")
def logout():
    """End the session (POST with the CSRF token, so another site cannot log you out)."""
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))

"""``/account``: every user's own page to change their password and manage their API tokens; a
member also turns reminder mails on or off there."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from ..services import accounts, reminders, tokens
from ..services.coaches import is_id
from ..services.errors import NotFound, ValidationFailed
from ..vocab import Role
from ..web import page
from . import bp
from .forms import PasswordForm, TokenForm


def _user():
    """The logged-in user itself (services refresh and expire it; a proxy cannot be)."""
    return current_user._get_current_object()


def _zone() -> str:
    """The zone the user's dates are shown in: their own, else the gym's."""
    return current_user.timezone or current_app.config["COACHAPP_TIMEZONE"]


def _page(
    status: int = 200,
    password_form=None,
    token_form=None,
    new_token: str | None = None,
    reminder_error: str | None = None,
):
    """The account page; a form given shows its input and errors, the others start empty."""
    response = page(
        "auth/account.html",
        status=status,
        password_form=password_form or PasswordForm(formdata=None),
        token_form=token_form or TokenForm(formdata=None),
        tokens=tokens.list_tokens(_user()),
        is_expired=tokens.is_expired,
        new_token=new_token,
        zone=_zone(),
        reminder_hours=reminders.reminder_hours(),
        reminder_error=reminder_error,
    )
    response.headers["Cache-Control"] = "no-store"  # it may show a new token, once
    return response


@bp.get("/account")
@login_required
def account():
    """The account page: password form, the user's API tokens, a form for a new one."""
    return _page()


@bp.get("/account/password")
@bp.get("/account/tokens")
@bp.get("/account/tokens/revoke")
@bp.get("/account/reminders")
@login_required
def back_to_account():
    """The forms' addresses, opened again (a reload after a new token was shown, Back, a bookmark):
    the account page, not "405 Method Not Allowed"."""
    return redirect(url_for("auth.account"))


@bp.post("/account/password")
@login_required
def change_password():
    """Change one's password. Every other session and remembered login ends; this one goes on
    (logged in again under the new auth version, remembered again if it was)."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = _user()
        try:
            accounts.change_password(
                user,
                form.current_password.data,
                form.new_password.data,
                form.new_password_again.data,
            )
        except ValidationFailed as exc:
            _refused(getattr(form, exc.field or "new_password"), exc)
        else:
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(user, remember=remembered in request.cookies)
            flash("Your password is changed. Every other session is logged out.", "success")
            return redirect(url_for("auth.account"))
    return _page(422, password_form=form)


def _refused(field, exc: ValidationFailed) -> None:
    """Show a service refusal under its input as this page words errors: ``Label: message``."""
    field.errors.append(f"{field.label.text}: {exc.message}")


@bp.post("/account/tokens")
@login_required
def create_token():
    """A new API token, shown once on the page that answers (never stored in clear)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(422, token_form=form)
    try:
        _row, secret = tokens.issue(_user(), form.expires_days.data)
    except ValidationFailed as exc:
        _refused(form.expires_days, exc)
        return _page(422, token_form=form)
    return _page(new_token=secret)


@bp.post("/account/tokens/revoke")
@login_required
def revoke_token():
    """Revoke one of one's tokens, after a confirmation (htmx asks in the browser; without
    JavaScript a page asks)."""
    raw = request.form.get("token_id", "")
    token_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 else None
    try:
        token = tokens.own_token(_user(), token_id if is_id(token_id) else None)
        if request.form.get("confirmed") != "1":
            return render_template("auth/confirm_revoke.html", token=token, zone=_zone())
        tokens.revoke(_user(), token.id)
    except NotFound:
        flash("That token does not exist (any more): nothing to revoke.", "info")
        return redirect(url_for("auth.account"))
    flash("The token is revoked: programs using it get 401 from now on.", "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/reminders")
@login_required
def reminder_mails():
    """A member turns reminder mails on (the box ticked: ``reminder_mails=on``) or off (the box
    left empty: no field); the in-app reminder comes either way."""
    if current_user.role != Role.MEMBER:
        abort(403)
    values = request.form.getlist("reminder_mails")
    if any(value != "on" for value in values) or len(values) > 1:
        return _page(422, reminder_error="reminder_mails must be on, or left out for off.")
    wanted = bool(values)
    reminders.set_reminder_mails(_user(), wanted)
    if wanted:
        flash("Reminder emails are on: you get one before each session.", "success")
    else:
        flash("Reminder emails are off. You still see each reminder in the app.", "success")
    return redirect(url_for("auth.account") + "#reminders")

"""Undo on the conflicts page: a resolution's answer carries an Undo button
(``templates/coach/_undo.html``) for ``UNDO_SECONDS``; posting it reverses the change through
the services (``services.undo``), and the page says what happened."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from .. import inputs
from ..errors import sentence
from ..services import undo
from ..services.errors import DomainError, ValidationFailed
from ..vocab import Role
from ..web import fragment, wants_fragment
from . import bp
from .common import CONFLICTS_CHANGED, WEEK_CHANGED

UNDONE = "undone"
"""``HX-Trigger`` event after an undo: the conflicts list reloads (what came back is listed)."""


@bp.app_template_global()
def undo_seconds() -> int:
    """How long an Undo button counts down (``services.undo.UNDO_SECONDS``)."""
    return undo.UNDO_SECONDS


def _back() -> str:
    """The conflicts page, of the coach an admin names (``coach``)."""
    coach_id = inputs.parse_id(request.values.get("coach", ""))
    if current_user.role == Role.ADMIN and coach_id is not None:
        return url_for("coach.conflicts", coach=coach_id)
    return url_for("coach.conflicts")


@bp.post("/undo", endpoint="undo")
def undo_change():
    """Undo the resolution the form's ``token`` names (the coach's or admin's own, at most
    ``UNDO_SECONDS`` old): with htmx the result sentence in place of the button, and the badge,
    the week and the conflicts list refresh; without, a message on the conflicts page. A refusal (too late, the time
    taken meanwhile) says why, with its status."""
    token = request.form.get("token", "")
    try:
        if not token.strip():
            raise ValidationFailed("there is nothing to undo.", field="token")
        text, ok, status = undo.apply(current_user, token), True, 200
    except DomainError as exc:
        text, ok, status = sentence(exc), False, exc.status
    if wants_fragment():
        return fragment(
            "coach/_undo.html",
            status=status,
            events=(CONFLICTS_CHANGED, WEEK_CHANGED, UNDONE) if ok else (),
            result=text,
            ok=ok,
        )
    flash(text, "success" if ok else "error")
    return redirect(_back())

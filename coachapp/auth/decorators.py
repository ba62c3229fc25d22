"""Role checks for HTML views: anonymous users go to the login page, wrong roles get a 403 page.

A blueprint whose pages all belong to the same roles checks once, for every view
(``require_roles(bp, ...)`` in its package); ``roles_required`` is for the odd view whose roles
differ from its blueprint's.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, abort, current_app, request
from flask_login import current_user
from flask_login.config import EXEMPT_METHODS


def refusal(roles: tuple[str, ...]):
    """None when the current user may see the page; else the login redirect (anonymous) or a
    403 (another role). ``OPTIONS`` is let through, as flask-login's ``login_required`` does."""
    if request.method in EXEMPT_METHODS or current_app.config.get("LOGIN_DISABLED"):
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role not in roles:
        abort(403)
    return None


def require_roles(bp: Blueprint, *roles: str) -> None:
    """Every view of ``bp`` only for logged-in users with one of ``roles`` (a ``before_request``
    of the blueprint, so no view can be added without it)."""

    @bp.before_request
    def check_role():
        return refusal(roles)


def roles_required(*roles: str) -> Callable:
    """Allow a view only to logged-in users with one of ``roles``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            refused = refusal(roles)
            if refused is not None:
                return refused
            return view(*args, **kwargs)

        return wrapped

    return decorator

"""The coach pages (HTMX, server-rendered)."""

from flask import Blueprint

bp = Blueprint("coach", __name__)

from . import routes  # noqa: E402,F401

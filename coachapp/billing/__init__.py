"""The billing pages: monthly statements for the admin, a coach and a member, and their CSV."""

from flask import Blueprint

bp = Blueprint("billing", __name__)

from . import routes  # noqa: E402,F401

"""Logging in and out, the account page, and the role checks every other blueprint uses."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import account, routes  # noqa: E402,F401
from .decorators import roles_required  # noqa: E402,F401

"""The admin pages: coaches, members and rooms (list, create, deactivate), so a gym can be set up
without the CLI."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import routes  # noqa: E402,F401

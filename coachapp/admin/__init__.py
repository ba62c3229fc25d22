"""The admin pages: coaches, members and rooms (list, create, deactivate), so a gym can be set up
without the CLI. Admins only; mounted at ``/admin`` by ``create_app``."""

from flask import Blueprint

from ..auth.decorators import require_roles
from ..vocab import Role

bp = Blueprint("admin", __name__)
require_roles(bp, Role.ADMIN)

from . import routes  # noqa: E402,F401

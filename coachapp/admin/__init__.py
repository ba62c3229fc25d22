"""The admin pages: coaches, members and rooms (list, create, deactivate), membership plans and a
member's memberships (assign, extend, cancel), so a gym can be set up and run without the CLI.
Admins only; mounted at ``/admin`` by ``create_app``."""

from flask import Blueprint

from ..auth.decorators import require_roles
from ..vocab import Role

bp = Blueprint("admin", __name__)
require_roles(bp, Role.ADMIN)

from . import memberships, routes  # noqa: E402,F401

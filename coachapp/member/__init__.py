"""The member pages (HTMX, server-rendered), for members only."""

from flask import Blueprint

from ..auth.decorators import require_roles
from ..vocab import Role

bp = Blueprint("member", __name__)
require_roles(bp, Role.MEMBER)

from . import routes  # noqa: E402,F401

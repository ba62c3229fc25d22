"""The coach pages (HTMX, server-rendered), one module per page: the week (``week_page``), a
session (``session_pages``), conflicts (the list ``conflict_pages``, its actions on one session
``conflict_one_pages`` and on a recurring booking ``conflict_series_pages``), availability
(``availability_pages``), settings (``settings_pages``) and Undo after a resolution
(``undo_pages``), sharing ``common``.
One blueprint, ``coach``, mounted at ``/coach`` by ``create_app``; coaches see their own pages, an
admin any coach's (``?coach=ID``)."""

from flask import Blueprint

from ..auth.decorators import require_roles
from ..vocab import Role

bp = Blueprint("coach", __name__)
require_roles(bp, Role.COACH, Role.ADMIN)

from . import (  # noqa: E402,F401  (the views register themselves on bp)
    availability_pages,
    conflict_one_pages,
    conflict_pages,
    conflict_series_pages,
    session_pages,
    settings_pages,
    undo_pages,
    week_page,
)

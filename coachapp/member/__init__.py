"""The member pages (HTMX, server-rendered), for members only: pick a coach, book one of their
slots (once or repeating) or a place in a class, see, cancel and move my sessions, read and
dismiss notifications.

Every page works without JavaScript; htmx swaps the parts that change: the slot list (more days,
refreshed on ``slots-changed``), the booking dialog (confirm, preview, just taken, booked), the
sheets of My sessions (cancel, move) and the session list (refreshed on ``sessions-changed``).
Every answer goes through ``web.page``: the whole page, or (htmx) the block that changed, with its
``HX-Trigger`` events. Fragments that report a refusal keep their status (409 slot taken, 422
invalid input); htmx swaps them in place (``responseHandling`` in ``base.html``). Only members see
these pages: the role check is the blueprint's ``before_request``.

One module per page: ``class_pages`` (/book, classes), ``book_pages`` (a coach's slots and month
grid), ``book_sheet_pages`` (the booking sheet of one slot), ``session_pages`` (my sessions,
cancel, feed), ``move_pages`` (moving a session), ``zone_pages`` (the zone a member reads times
in); ``common`` holds what they share.
"""

from flask import Blueprint

from ..auth.decorators import require_roles
from ..vocab import Role

bp = Blueprint("member", __name__)
require_roles(bp, Role.MEMBER)

from . import (  # noqa: E402,F401  (the views register themselves on bp)
    book_pages,
    book_sheet_pages,
    class_pages,
    move_pages,
    session_pages,
    zone_pages,
)

"""What every coach page shares: whose pages these are (the coach, or ``?coach=ID`` for an admin),
the coach's zone and today, the conflicts count behind the navigation badge, the no-JS
confirmation step, and the ``HX-Trigger`` events the pages send each other."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import abort, request
from flask_login import current_user

from .. import cache, inputs
from ..models import utcnow
from ..scheduling import DAY_NAMES, IN_BLOCKED_SLOT
from ..services import coach_calendar, coaches
from ..vocab import Role
from ..web import page
from . import bp

REASONS = {
    IN_BLOCKED_SLOT: "Inside a blocked slot",
    "outside_weekly_template": "Outside the weekly template",
}
"""How the pages name why a session is a conflict."""

CONFLICTS_CHANGED = "conflicts-changed"
WEEK_CHANGED = "week-changed"
"""``HX-Trigger`` events: the conflicts badge and the week grid refresh on them."""


def coach_args(coach_id: int) -> dict:
    """Query arguments that keep an admin on the same coach's pages."""
    return {"coach": coach_id} if current_user.role == Role.ADMIN else {}


def managed_coach() -> int | None:
    """The coach whose pages these are: the coach themself, or ``?coach=ID`` for an admin.

    A coach naming another coach gets a 403; an admin naming no coach gets None (pick one).
    """
    raw = request.values.get("coach", "").strip()
    if current_user.role == Role.COACH:
        if raw and raw != str(current_user.id):
            abort(403)
        return current_user.id
    if not raw:
        return None
    coach_id = inputs.parse_id(raw)
    if coach_id is None:
        abort(404)
    return coaches.get_coach(coach_id).id


def coach_or_picker():
    """``(coach_id, None)``, or ``(None, response)`` with the coach picker for an admin."""
    coach_id = managed_coach()
    if coach_id is not None:
        return coach_id, None
    if request.method != "GET":
        abort(400)
    return None, page("coach/pick.html", coaches=coaches.list_coaches(), endpoint=request.endpoint)


def confirmed() -> bool:
    """Whether a destructive post carries its confirmation (hx-confirm, or the no-JS page)."""
    return request.form.get("confirmed") == "1"


def coach_tz(coach_id: int) -> ZoneInfo:
    """The coach's zone, kept per data version (``coachapp.cache``)."""
    return ZoneInfo(cache.cached("zone", (coach_id,), lambda: coaches.coach_zone(coach_id).key))


def local_today(coach_id: int) -> date:
    """Today in the coach's zone."""
    return utcnow().astimezone(coach_tz(coach_id)).date()


def base_context(coach_id: int) -> dict:
    """What every coach page needs: the coach, their zone and the admin's ``coach`` argument."""
    settings = coaches.get_settings(coach_id)
    return {
        "coach": coaches.get_coach(coach_id),
        "coach_id": coach_id,
        "tz": coaches.zone_of(settings),
        "settings": settings,
        "qs": coach_args(coach_id),
    }


def open_conflicts(coach_id: int) -> int:
    """How many conflicts the coach has, counted once per request (the badge and the page share it).

    Only for showing: a view that changes availability counts again after the change.
    """
    counted = request.environ.setdefault("coachapp.conflict_counts", {})
    if coach_id not in counted:
        counted[coach_id] = cache.cached(
            "conflicts", (coach_id,), lambda: coach_calendar.conflict_count(current_user, coach_id)
        )
    return counted[coach_id]


@bp.app_context_processor
def conflict_badge():
    """``coach_conflict_count()`` for the navigation badge, computed only where it is shown."""

    def count() -> int:
        if not current_user.is_authenticated or current_user.role != Role.COACH:
            return 0
        return open_conflicts(current_user.id)

    return {"coach_conflict_count": count, "reason_labels": REASONS, "day_names": DAY_NAMES}


def confirm_page(title: str, text: str, action: str, back: str, button: str):
    """The no-JS confirmation step of a destructive action (HTMX asks with hx-confirm)."""
    return page(
        "coach/confirm.html", title=title, text=text, action=action, back=back, button=button
    )


def describe(session, tz) -> str:
    """A session's day, start and end in ``tz`` ("Mon 3 Mar, 10:00–11:00")."""
    return f"{coaches.describe(session.start_time, tz)}–{session.end_time.astimezone(tz):%H:%M}"

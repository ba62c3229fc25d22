"""The home page (what changed and what is next for whoever is logged in), dismissing its
notifications, and the health checks for the platform (``/healthz/live``, ``/healthz/ready`` =
``/healthz``)."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select, text

from ..extensions import db
from ..inputs import parse_id
from ..models import Booking, TrainingSession, User, utcnow
from ..services import memberships, notifications
from ..services.errors import ValidationFailed
from ..vocab import BookingStatus, NotificationKind, Role, SessionStatus
from ..web import page, wants_fragment
from . import bp

HOME_NOTICES = 20
"""How many unread notifications the home page lists (the newest); the rest are on My sessions."""

KIND_LABELS = {
    NotificationKind.SESSION_MOVED: "Moved",
    NotificationKind.SESSION_CANCELLED: "Cancelled",
    NotificationKind.SERIES_CANCELLED: "Series cancelled",
    NotificationKind.PLACE_CANCELLED: "Place cancelled",
    NotificationKind.PLACE_CONFIRMED: "Off the waitlist",
    NotificationKind.REMINDER: "Reminder",
    NotificationKind.SESSION_REASSIGNED: "Cover coach",
    NotificationKind.MEMBERSHIP_NEEDED: "Membership needed",
    NotificationKind.SESSION_RESTORED: "Back on",
}
"""The short badge each kind of notification carries on the home page."""


def _session_endpoint() -> str | None:
    """Where the viewer opens a session a notification names (None: no session page)."""
    if current_user.role == Role.MEMBER:
        return "member.session_detail"
    if "coach.session" in current_app.view_functions:
        return "coach.session"
    return None


def _notices(status: str = "") -> dict:
    """The home page's notifications part: the newest unread ones (one query) with their
    sessions' times in the viewer's zone, and ``status``, the live region's message."""
    unread = notifications.unread(current_user, limit=HOME_NOTICES)
    return {
        "unread": unread,
        "notice_zone": notifications.recipient_zone(current_user.id),
        "notice_now": utcnow(),
        "local_when": notifications.local_when,
        "session_endpoint": _session_endpoint(),
        "kind_labels": KIND_LABELS,
        "notice_status": status,
    }


def _dismissed(message: str):
    """The answer to a dismiss: the notifications part (htmx) with ``message`` in its live
    region, or back home with it flashed (a plain form post)."""
    if wants_fragment():
        return page("main/index.html", "notices", dismissed=True, **_notices(message))
    flash(message, "success")
    return redirect(url_for("main.index"), 303)


@bp.get("/")
@login_required
def index():
    """What is next: the user's upcoming scheduled sessions (all of them for an admin); a member
    also sees their membership's balance and expiry."""
    query = (
        select(TrainingSession)
        .where(
            TrainingSession.status == SessionStatus.SCHEDULED, TrainingSession.end_time > utcnow()
        )
        .order_by(TrainingSession.start_time)
        .limit(10)
    )
    if current_user.role == Role.COACH:
        query = query.where(TrainingSession.coach_id == current_user.id)
    elif current_user.role == Role.MEMBER:
        places = select(Booking.session_id).where(
            Booking.member_id == current_user.id, Booking.status == BookingStatus.CONFIRMED
        )
        query = query.where(
            or_(TrainingSession.member_id == current_user.id, TrainingSession.id.in_(places))
        )
    sessions = db.session.scalars(query).all()
    user_ids = {s.coach_id for s in sessions} | {s.member_id for s in sessions if s.member_id}
    names = {}
    if user_ids:
        names = dict(
            db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all()
        )
    balance = None
    if current_user.role == Role.MEMBER:
        balance = memberships.balance(current_user.id, memberships.today())
    return page(
        "main/index.html",
        "notices",
        sessions=sessions,
        names=names,
        balance=balance,
        membership_required=memberships.required(),
        dismissed=False,
        **_notices(),
    )


@bp.post("/notifications/<int:notification_id>/dismiss")
@login_required
def dismiss_notification(notification_id: int):
    """Mark one notification read (the same rule as My sessions and the API)."""
    notifications.dismiss(current_user, notification_id)
    return _dismissed("Notification dismissed.")


@bp.post("/notifications/dismiss-all")
@login_required
def dismiss_all_notifications():
    """Mark read every unread notification up to the newest the page showed (``up_to``), so one
    that arrived since stays."""
    given = request.form.get("up_to", "").strip()
    up_to = None
    if given:
        up_to = parse_id(given)
        if up_to is None:
            raise ValidationFailed("up_to must be the id of a notification.", field="up_to")
    notifications.dismiss_all(current_user, up_to)
    return _dismissed("All notifications dismissed.")


@bp.get("/healthz/live")
def healthz_live():
    """Liveness: the process answers. No database, no Redis: a router or supervisor restarts
    the process only when this fails, never because a dependency is down."""
    response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
@bp.get("/healthz/ready")
def healthz():
    """Readiness (``/healthz`` is the same): 200 when the database answers, 503 when it does not.
    Redis is reported but does not decide: without it bookings still work (jobs wait, logins
    are counted per process), so a Redis outage is ``"status": "degraded"`` with 200."""
    checks: dict[str, str] = {}
    status = "ok"
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # the check reports any failure
        db.session.rollback()
        checks["database"] = f"error: {exc.__class__.__name__}"
        status = "unavailable"
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis

        client = Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
            checks["redis"] = "ok"
        except Exception as exc:  # the check reports any failure
            checks["redis"] = f"error: {exc.__class__.__name__}"
            if status == "ok":
                status = "degraded"
        finally:
            client.close()
    else:
        checks["redis"] = "not configured (jobs run inline)"
    response = jsonify({"status": status, "checks": checks})
    response.status_code = 503 if status == "unavailable" else 200
    response.headers["Cache-Control"] = "no-store"
    return response

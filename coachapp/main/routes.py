"""The home page (what is next for whoever is logged in) and the health checks for the platform
(``/healthz/live``, ``/healthz/ready`` = ``/healthz``)."""

from __future__ import annotations

from flask import current_app, jsonify
from flask_login import current_user, login_required
from sqlalchemy import or_, select, text

from ..extensions import db
from ..models import Booking, TrainingSession, User, utcnow
from ..services import memberships
from ..vocab import BookingStatus, Role, SessionStatus
from ..web import page
from . import bp


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
        sessions=sessions,
        names=names,
        balance=balance,
        membership_required=memberships.required(),
    )


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

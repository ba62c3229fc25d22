"""The conflicts page: every future session that no longer fits the coach's availability, each
kept (an addition whitelists it) or cancelled, or a recurring booking's conflicts all at once;
and the navigation badge that counts them."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from ..errors import sentence
from ..scheduling import DAY_NAMES
from ..services import bookings, coach_calendar, moves, sessions
from ..services.errors import DomainError, NotFound
from ..web import fragment, page, wants_fragment
from . import bp
from .common import (
    CONFLICTS_CHANGED,
    WEEK_CHANGED,
    base_context,
    coach_args,
    coach_or_picker,
    confirm_page,
    confirmed,
    describe,
    managed_coach,
)


def _conflicts_context(coach_id: int, **extra) -> dict:
    rows = coach_calendar.conflict_rows(current_user, coach_id)
    request.environ.setdefault("coachapp.conflict_counts", {})[coach_id] = len(rows)
    per_series: dict[int, int] = {}
    for row in rows:
        if row.series is not None:
            per_series[row.series.id] = per_series.get(row.series.id, 0) + 1
    return {
        **base_context(coach_id),
        "rows": rows,
        "per_series": per_series,
        "suggestions": moves.suggest_moves(current_user, [r.session for r in rows]),
        "notice": None,
        **extra,
    }


def conflict_row(coach_id: int, session_id: int, error: str, status: int):
    """A conflict's row again with why the action was refused; if the session is no longer a
    conflict (settled meanwhile, e.g. in another tab), a line saying so."""
    context = _conflicts_context(coach_id)
    for row in context["rows"]:
        if row.session.id == session_id:
            return fragment(
                "coach/_conflict_row.html", status=status, row=row, row_error=error, **context
            )
    return fragment("coach/_resolved.html", status=status, ok=False, text=f"Not changed: {error}")


@bp.get("/conflicts")
def conflicts():
    """Every future session that no longer fits the coach's availability, with what to do."""
    coach_id, picker = coach_or_picker()
    if picker is not None:
        return picker
    return page("coach/conflicts.html", "conflicts", **_conflicts_context(coach_id))


@bp.get("/conflicts/badge")
def conflicts_badge():
    """The navigation badge (or, with ``?part=count``, just the number) for the current coach."""
    coach_id = managed_coach()
    if coach_id is None:
        abort(400)
    count = coach_calendar.conflict_count(current_user, coach_id)
    if request.args.get("part") == "count":
        return fragment("coach/_count.html", count=count, qs=coach_args(coach_id))
    return fragment("coach/_badge.html", badge_count=count)


@bp.post("/conflicts/<int:session_id>/<any(keep, cancel):action>")
def resolve(session_id: int, action: str):
    """Keep (an addition whitelists its slot) or cancel (member notified) one conflict."""
    detail = coach_calendar.session_detail(current_user, session_id)
    s, tz = detail.session, detail.tz
    who = ", ".join(u.name for u in detail.attendees) or s.title
    back = url_for("coach.conflicts", **coach_args(s.coach_id))
    if action == "cancel" and not confirmed():
        return confirm_page(
            "Cancel this session?",
            f"{describe(s, tz)} with {who}. The member is notified.",
            url_for("coach.resolve", session_id=session_id, action="cancel"),
            back,
            "Yes, cancel it",
        )
    try:
        sessions.resolve_conflict(current_user, session_id, action)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        text = f"{describe(s, tz)} with {who}: {sentence(exc)}"
        if wants_fragment():
            return conflict_row(s.coach_id, session_id, sentence(exc), exc.status)
        flash(text, "error")
        return redirect(back)
    if action == "keep":
        text = f"Kept {describe(s, tz)} with {who}: an addition now covers it."
    else:
        text = f"Cancelled {describe(s, tz)} with {who}; the member has been notified."
    if wants_fragment():
        return fragment(
            "coach/_resolved.html", events=(CONFLICTS_CHANGED, WEEK_CHANGED), ok=True, text=text
        )
    flash(text, "success")
    return redirect(back)


SERIES_CONFIRMATIONS = {
    "cancel": (
        "Cancel every conflicting session of this series?",
        "Each of them is cancelled and the member is notified. The recurring booking itself "
        "stays active.",
        "Yes, cancel them",
    ),
    "end": (
        "End this recurring booking?",
        "Its sessions from today on are cancelled, no more are made, and the member is notified. "
        "Sessions that have taken place stay.",
        "Yes, end it",
    ),
}


@bp.post("/series/<int:series_id>/<any(keep, cancel, end):action>")
def resolve_series(series_id: int, action: str):
    """Keep or cancel every conflicting occurrence of one recurring booking at once, or end the
    booking (a weekday the coach no longer works would otherwise bring new conflicts each week)."""
    coach_id = managed_coach()
    if coach_id is None:
        abort(400)
    back = url_for("coach.conflicts", **coach_args(coach_id))
    if action in SERIES_CONFIRMATIONS and not confirmed():
        title, text, yes = SERIES_CONFIRMATIONS[action]
        return confirm_page(
            title,
            text,
            url_for(
                "coach.resolve_series", series_id=series_id, action=action, **coach_args(coach_id)
            ),
            back,
            yes,
        )
    try:
        if action == "end":
            series = bookings.cancel_recurring(current_user, series_id)
            done = []
        else:
            done = moves.resolve_series(current_user, series_id, action)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        if wants_fragment():
            return page(
                "coach/conflicts.html",
                "conflicts",
                status=exc.status,
                **_conflicts_context(coach_id, notice=(False, sentence(exc))),
            )
        flash(sentence(exc), "error")
        return redirect(back)
    n = len(done)
    sessions_word = "session" if n == 1 else "sessions"
    if action == "end":
        every = "week" if series.frequency == 1 else "2 weeks"
        text = (
            f"Ended the booking every {every} on {DAY_NAMES[series.day_of_week]}s "
            f"{series.start_time}–{series.end_time}: its coming sessions are cancelled and the "
            "member has been notified."
        )
    elif action == "keep":
        text = f"Kept {n} {sessions_word} of the series: an addition now covers each."
    else:
        text = f"Cancelled {n} {sessions_word} of the series; the member has been notified."
    if wants_fragment():
        return page(
            "coach/conflicts.html",
            "conflicts",
            events=(CONFLICTS_CHANGED, WEEK_CHANGED),
            **_conflicts_context(coach_id, notice=(True, text)),
        )
    flash(text, "success")
    return redirect(back)

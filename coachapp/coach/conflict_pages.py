"""The conflicts page: every future session that no longer fits the coach's availability, each
kept (an addition whitelists it), cancelled, moved, or given to a cover coach who is free then,
or a recurring booking's conflicts all at once; and the navigation badge that counts them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from .. import inputs
from ..errors import sentence
from ..models import User
from ..scheduling import DAY_NAMES
from ..services import bookings, coach_calendar, coaches, cover, moves, sessions
from ..services.errors import DomainError, NotFound
from ..vocab import SessionType
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
    covers = cover.covers_for(
        current_user, [r.session for r in rows if r.session.type == SessionType.ONE_TO_ONE]
    )
    return {
        **base_context(coach_id),
        "rows": rows,
        "per_series": per_series,
        "suggestions": moves.suggest_moves(current_user, [r.session for r in rows]),
        "covers": covers,
        "series_covers": _series_covers(rows, covers),
        "give": None,
        "notice": None,
        **extra,
    }


def _series_covers(rows, covers: dict[int, list[cover.Cover]]) -> dict[int, list[cover.Cover]]:
    """Per recurring booking, the coaches who can take every one of its conflicting sessions:
    those offered for each of its rows (its occurrences are a week or more apart, so taking one
    never keeps a coach from taking another; ``cover.series_cover_coaches`` is the same rule)."""
    found: dict[int, list[cover.Cover]] = {}
    for row in rows:
        if row.series is None or row.session.id not in covers:
            continue
        offered = covers[row.session.id]
        if row.series.id in found:
            ids = {c.id for c in offered}
            offered = [c for c in found[row.series.id] if c.id in ids]
        found[row.series.id] = offered
    return found


@dataclass(frozen=True)
class GiveStep:
    """The confirmation of "Give to …" in a conflict's row: what it asks and where it posts."""

    question: str
    text: str
    action: str
    button: str


def conflict_row(
    coach_id: int, session_id: int, error: str | None, status: int, give: GiveStep | None = None
):
    """A conflict's row again, with why the action was refused (``error``) or the confirmation
    step of giving it away (``give``); if the session is no longer a conflict (settled meanwhile,
    e.g. in another tab), a line saying so."""
    context = _conflicts_context(coach_id, give=give)
    for row in context["rows"]:
        if row.session.id == session_id:
            return fragment(
                "coach/_conflict_row.html", status=status, row=row, row_error=error, **context
            )
    return fragment("coach/_resolved.html", status=status, ok=False, text=f"Not changed: {error}")


def _cover_coach() -> User | None:
    """The coach the form names to take the session(s) (``coach_id``), or None."""
    coach_id = inputs.parse_id(request.values.get("coach_id", ""))
    if coach_id is None:
        return None
    try:
        return coaches.get_coach(coach_id)
    except NotFound:
        return None


@bp.post("/conflicts/<int:session_id>/give")
def give_session(session_id: int):
    """Give one conflicting session to a cover coach (``coach_id``): first a confirmation that
    names the member, the time and the coach (in the row; a page without JS), then the hand-over
    (the member and the new coach are told), or the row again with why it is no longer possible."""
    detail = coach_calendar.session_detail(current_user, session_id)
    s, tz = detail.session, detail.tz
    who = ", ".join(u.name for u in detail.attendees) or s.title
    back = url_for("coach.conflicts", **coach_args(s.coach_id))
    target = _cover_coach()
    if target is None or target.id == s.coach_id:
        error = "Pick one of the coaches offered to take it."
        if wants_fragment():
            return conflict_row(s.coach_id, session_id, error, 422)
        flash(error, "error")
        return redirect(back)
    if not confirmed():
        step = GiveStep(
            question=f"Give {who}'s session on {describe(s, tz)} to {target.name}?",
            text=f"{who} and {target.name} are told.",
            action=url_for(
                "coach.give_session",
                session_id=session_id,
                coach_id=target.id,
                **coach_args(s.coach_id),
            ),
            button=f"Yes, give it to {target.name}",
        )
        if wants_fragment():
            return conflict_row(s.coach_id, session_id, None, 200, give=step)
        return confirm_page(step.question, step.text, step.action, back, step.button)
    try:
        cover.reassign(current_user, session_id, target.id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        if wants_fragment():
            return conflict_row(s.coach_id, session_id, sentence(exc), exc.status)
        flash(f"{describe(s, tz)} with {who}: {sentence(exc)}", "error")
        return redirect(back)
    text = f"Given to {target.name}; {who} has been told. ({describe(s, tz)})"
    if wants_fragment():
        return fragment(
            "coach/_resolved.html", events=(CONFLICTS_CHANGED, WEEK_CHANGED), ok=True, text=text
        )
    flash(text, "success")
    return redirect(back)


@bp.post("/series/<int:series_id>/give")
def give_series(series_id: int):
    """Give every conflicting session of a recurring booking to one cover coach (``coach_id``),
    after a confirmation page that lists them; the booking stays with its coach."""
    coach_id = managed_coach()
    if coach_id is None:
        abort(400)
    back = url_for("coach.conflicts", **coach_args(coach_id))
    target = _cover_coach()
    if target is None or target.id == coach_id:
        flash("Pick one of the coaches offered to take them.", "error")
        return redirect(back)
    if not confirmed():
        found = cover.series_cover_coaches(current_user, series_id)
        if not found.sessions:
            flash("No session of this recurring booking is in conflict.", "error")
            return redirect(back)
        tz = coaches.zone_of(coach_calendar.settings_of(coach_id))
        member = coach_calendar.users_by_id([found.series.member_id]).get(found.series.member_id)
        who = member.name if member else "the members"
        listed = "; ".join(describe(s, tz) for s in found.sessions)
        return confirm_page(
            f"Give {who}'s {len(found.sessions)} conflicting sessions to {target.name}?",
            f"{listed}. {who} and {target.name} are told; the recurring booking stays yours.",
            url_for(
                "coach.give_series",
                series_id=series_id,
                coach_id=target.id,
                **coach_args(coach_id),
            ),
            back,
            f"Yes, give them to {target.name}",
        )
    try:
        done = cover.give_series(current_user, series_id, target.id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        flash(sentence(exc), "error")
        return redirect(back)
    n = len(done)
    flash(
        f"Gave {n} {'session' if n == 1 else 'sessions'} of the series to {target.name}; "
        "the member has been told.",
        "success",
    )
    return redirect(back)


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

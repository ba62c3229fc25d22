"""One session as its coach sees it (a popover beside it on the week grid, or a page of its own),
and what the coach does to it: cancel, take a member out of a class, mark a no-show, move it
(from its panel, or by dragging it on the week grid; the conflicts page has its own confirmed move)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from ..errors import sentence
from ..models import utcnow
from ..services import coach_calendar, group_classes, memberships, moves, sessions, undo
from ..services.errors import DomainError, NotFound
from ..vocab import SessionStatus, SessionType
from ..web import page, wants_fragment
from . import bp, forms
from .common import (
    CONFLICTS_CHANGED,
    WEEK_CHANGED,
    base_context,
    coach_args,
    confirm_page,
    confirmed,
    describe,
)


def _session_context(session_id: int, **extra) -> dict:
    detail = coach_calendar.session_detail(current_user, session_id)
    session = detail.session
    now = utcnow()
    movable = session.status == SessionStatus.SCHEDULED and session.start_time > now
    suggestions = []
    if movable and session.type == SessionType.ONE_TO_ONE:
        suggestions = moves.suggest_moves(current_user, [session], now=now).get(session.id, [])
    tz = detail.tz
    local = session.start_time.astimezone(tz)
    context = {
        **base_context(session.coach_id),
        "detail": detail,
        "s": session,
        "movable": movable,
        "can_no_show": session.status in (SessionStatus.SCHEDULED, SessionStatus.COMPLETED)
        and session.start_time <= now,
        "suggestions": suggestions,
        "move": forms.move_form(),
        "week_url": _week_of(session.coach_id, session.start_time, tz),
        "notice": None,
        "error": None,
        # an htmx request is the week grid's popover (static/js/week_move.js): a non-modal dialog
        "as_dialog": wants_fragment(),
        # the members' membership balances on the session's date: one statement for the roster
        "balances": memberships.balances(
            [u.id for u in detail.attendees], memberships.local_date(session.start_time)
        ),
    }
    context["move"].values.update(date=local.date().isoformat(), time=f"{local:%H:%M}")
    context.update(extra)
    return context


@bp.get("/sessions/<int:session_id>")
def session(session_id: int):
    """One session: the inline panel for HTMX, a page of its own otherwise."""
    return page("coach/session.html", "panel", **_session_context(session_id))


def _session_done(session_id: int, notice: str):
    """After a change to a session: the refreshed panel (HTMX) or a redirect to its page."""
    if wants_fragment():
        return page(
            "coach/session.html",
            "panel",
            events=(WEEK_CHANGED, CONFLICTS_CHANGED),
            **_session_context(session_id, notice=notice),
        )
    flash(notice, "success")
    return redirect(url_for("coach.session", session_id=session_id))


def _session_failed(session_id: int, exc: DomainError):
    """A refused change: the panel (or page) again with the reason, and the service's status."""
    return page(
        "coach/session.html",
        "panel",
        status=exc.status,
        **_session_context(session_id, error=sentence(exc)),
    )


@bp.post("/sessions/<int:session_id>/cancel")
def cancel_session(session_id: int):
    """Cancel a session as its coach: the member (of a class: every member booked or waiting) is
    notified."""
    if not confirmed():
        detail = coach_calendar.session_detail(current_user, session_id)
        told = (
            "Every member booked or waiting is notified."
            if detail.session.type == SessionType.GROUP
            else "The member is notified."
        )
        return confirm_page(
            "Cancel this session?",
            f"{describe(detail.session, detail.tz)} — "
            + (", ".join(u.name for u in detail.attendees) or detail.session.title)
            + f". {told}",
            url_for("coach.cancel_session", session_id=session_id),
            url_for("coach.session", session_id=session_id),
            "Yes, cancel the session",
        )
    try:
        cancelled = sessions.cancel_session(current_user, session_id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _session_failed(session_id, exc)
    if cancelled.type == SessionType.GROUP:
        return _session_done(
            session_id, "Class cancelled; every member booked or waiting has been notified."
        )
    return _session_done(session_id, "Session cancelled; the member has been notified.")


@bp.post("/sessions/<int:session_id>/members/<int:user_id>/remove")
def remove_place(session_id: int, user_id: int):
    """Take a member out of a group class (or off its waitlist): they are told, and a freed
    place goes to the first member waiting."""
    detail = coach_calendar.session_detail(current_user, session_id)
    places = {b.member_id: b for b in detail.roster + detail.waitlist}
    name = places[user_id].member.name if user_id in places else "This member"
    if not confirmed():
        return confirm_page(
            f"Remove {name} from this class?",
            f"{detail.session.title}, {describe(detail.session, detail.tz)}. {name} is notified; "
            "a freed place goes to the first member on the waitlist.",
            url_for("coach.remove_place", session_id=session_id, user_id=user_id),
            url_for("coach.session", session_id=session_id),
            f"Yes, remove {name}",
        )
    try:
        group_classes.leave_session(current_user, session_id, member_id=user_id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _session_failed(session_id, exc)
    return _session_done(session_id, f"{name} was removed from the class and notified.")


@bp.post("/sessions/<int:session_id>/no-show")
def no_show(session_id: int):
    """Mark that the member did not come (once the session has started)."""
    try:
        sessions.mark_no_show(current_user, session_id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _session_failed(session_id, exc)
    return _session_done(session_id, "Marked as a no-show.")


def _moved_notice(detail, moved) -> str:
    """What a coach reads after a move: where to, and who was told."""
    names = ", ".join(u.name for u in detail.attendees) or "The member"
    return f"Moved to {describe(moved, detail.tz)}; {names} notified."


def _week_of(coach_id: int, when, tz) -> str:
    """The week grid holding the instant ``when`` (in the coach's zone ``tz``)."""
    return url_for(
        "coach.week", start=when.astimezone(tz).date().isoformat(), **coach_args(coach_id)
    )


def _moved_on_week(
    detail, moved, reason: str | None, status: int, undo_token: str = "", before: str = ""
):
    """A drop on the week grid (``origin=week``): for htmx, one line saying what happened, with
    an Undo for a move (the grid refreshes on ``week-changed``; a refusal keeps the 409/422 and
    the reason, and the script puts the session back); without JavaScript, back to the week with
    a flash."""
    session = moved or detail.session
    text = _moved_notice(detail, moved) if reason is None else f"Could not move: {reason}"
    if wants_fragment():
        return page(
            "coach/session.html",
            "move_result",
            status=status,
            events=(WEEK_CHANGED, CONFLICTS_CHANGED) if reason is None else (),
            ok=reason is None,
            text=text,
            undo_token=undo_token,
            before=before,
            qs=coach_args(session.coach_id),
        )
    flash(text, "success" if reason is None else "error")
    return redirect(_week_of(session.coach_id, session.start_time, detail.tz))


@bp.post("/sessions/<int:session_id>/move")
def move_session(session_id: int):
    """Move a session to a free time (a suggested one, or a date and time typed in, or where it
    was dropped on the week grid: ``origin=week``)."""
    detail = coach_calendar.session_detail(current_user, session_id)
    from_week = request.form.get("origin") == "week"
    before = describe(detail.session, detail.tz)
    was = detail.session  # its time and room before the move, for Undo
    old = {"start": was.start_time.isoformat(), "end": was.end_time.isoformat()}
    old["room_id"] = was.room_id
    form = forms.move_form(request.form)
    start = forms.move_start(form, detail.tz)
    status, moved = 422, None
    if start is not None:
        try:
            moved = moves.move_session(current_user, session_id, start)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            status = exc.status
            form.fail(exc, {"start_time": "time", "end_time": "time"})
    if moved is None:
        reason = next(iter(form.errors.values()))
        if from_week:
            return _moved_on_week(detail, None, reason, status)
        return page(
            "coach/session.html",
            "panel",
            status=status,
            **_session_context(session_id, move=form, error=reason),
        )
    if from_week:
        token = undo.offer(current_user, "move_back", session_id=session_id, **old)
        return _moved_on_week(detail, moved, None, 200, token, before)
    return _session_done(session_id, _moved_notice(detail, moved))

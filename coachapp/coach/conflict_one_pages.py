"""The conflicts page's actions on one session (``conflict_pages`` shows the list): give it to a
cover coach, keep it (an addition covers its slot), cancel it, or move it to a free time nearby.
Each asks first in its row (a page of its own without JS) and answers with its result and Undo."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, request, url_for
from flask_login import current_user

from ..services import coach_calendar, coaches, cover, moves, sessions, undo
from ..services.errors import DomainError
from ..vocab import SessionType
from ..web import wants_fragment
from . import bp, forms
from .common import coach_args, confirmed, describe
from .conflict_pages import (
    Step,
    ask,
    conflict_row,
    cover_coach,
    done,
    n_members,
    possessive,
    refused,
    who_of,
)


@dataclass(frozen=True)
class One:
    """A conflict a single-session action works on: the session, its zone, whom it is for, the
    conflicts page to go back to, and ``row(error, status, step)`` to answer with its row."""

    detail: object
    who: str
    back: str

    @property
    def s(self):
        return self.detail.session

    @property
    def tz(self):
        return self.detail.tz

    def row(self, error=None, status=200, step=None):
        return conflict_row(self.s.coach_id, self.s.id, error, status, step)


def _one(session_id: int) -> One:
    detail = coach_calendar.session_detail(current_user, session_id)
    back = url_for("coach.conflicts", **coach_args(detail.session.coach_id))
    return One(detail, who_of(detail), back)


@bp.post("/conflicts/<int:session_id>/give")
def give_session(session_id: int):
    """Give one conflicting session to a cover coach (``coach_id``): first a confirmation that
    names the member, the time and the coach (in the row; a page without JS), then the hand-over
    (the member and the new coach are told), or the row again with why it is no longer possible."""
    one = _one(session_id)
    s, tz, who, back = one.s, one.tz, one.who, one.back
    target = cover_coach()
    row = one.row

    if target is None or target.id == s.coach_id:
        error = "Pick one of the coaches offered to take it."
        if wants_fragment():
            return row(error, 422)
        flash(error, "error")
        return redirect(back)
    if not confirmed():
        step = Step(
            question=f"Give {possessive(who)} session on {describe(s, tz)} to {target.name}?",
            text=f"{who} and {target.name} are told.",
            action=url_for(
                "coach.give_session",
                session_id=session_id,
                coach_id=target.id,
                **coach_args(s.coach_id),
            ),
            button=f"Yes, give it to {target.name}",
            danger=False,
        )
        return ask(step, back, lambda st: row(step=st))
    old_coach = s.coach_id
    try:
        cover.reassign(current_user, session_id, target.id)
    except DomainError as exc:
        return refused(exc, back, row, f"{describe(s, tz)} with {who}: ")
    token = undo.offer(current_user, "give_back", session_ids=[session_id], coach_id=old_coach)
    text = f"Given to {target.name}; {who} has been told. ({describe(s, tz)})"
    return done(text, back, token)


def _cancel_step(detail, action: str) -> Step:
    """The question before cancelling one conflict: whom it notifies (a class: how many)."""
    s, tz = detail.session, detail.tz
    if s.type == SessionType.GROUP:
        booked, waiting = moves.place_counts([s.id])[s.id]
        return Step(
            f"Cancel the {s.title} class on {describe(s, tz)}?",
            f"{n_members(booked)} booked and {waiting} waiting will be notified.",
            action,
            "Yes, cancel the class",
        )
    who = who_of(detail)
    return Step(
        f"Cancel {possessive(who)} session on {describe(s, tz)}?",
        f"{who} is notified.",
        action,
        "Yes, cancel it",
    )


@bp.post("/conflicts/<int:session_id>/<any(keep, cancel):action>")
def resolve(session_id: int, action: str):
    """Keep (an addition whitelists its slot) or cancel (members notified, after a confirmation
    in the row) one conflict."""
    one = _one(session_id)
    detail, s, tz, who, back = one.detail, one.s, one.tz, one.who, one.back
    row = one.row

    if action == "cancel" and not confirmed():
        step = _cancel_step(
            detail, url_for("coach.resolve", session_id=session_id, action="cancel")
        )
        return ask(step, back, lambda st: row(step=st))
    told = sum(moves.place_counts([s.id])[s.id]) if s.type == SessionType.GROUP else 0
    try:
        sessions.resolve_conflict(current_user, session_id, action)
    except DomainError as exc:
        return refused(exc, back, row, f"{describe(s, tz)} with {who}: ")
    if action == "keep":
        token = undo.offer(current_user, "unkeep", session_ids=[session_id])
        text = f"Kept {describe(s, tz)} with {who}: an addition now covers it."
    else:
        token = undo.offer(current_user, "uncancel", session_ids=[session_id])
        if s.type == SessionType.GROUP:
            text = f"Class cancelled; {n_members(told)} notified. ({s.title}, {describe(s, tz)})"
        else:
            text = f"Cancelled {describe(s, tz)} with {who}; the member has been notified."
    return done(text, back, token)


@bp.post("/conflicts/<int:session_id>/move")
def move_conflict(session_id: int):
    """Move one conflict to a suggested free time (``start``, ``YYYY-MM-DDTHH:MM`` in the coach's
    zone), after a confirmation in the row naming both times; the member is told."""
    one = _one(session_id)
    s, tz, who, back = one.s, one.tz, one.who, one.back
    row = one.row

    form = forms.move_form(request.values)
    when = forms.move_start(form, tz)
    if when is None:
        error = f"Start: {next(iter(form.errors.values()))}"
        if wants_fragment():
            return row(error, 422)
        flash(error, "error")
        return redirect(back)
    new_text = coaches.describe(when, tz)
    if not confirmed():
        step = Step(
            f"Move {possessive(who)} {describe(s, tz)} session to {new_text}?",
            f"{who} is told.",
            url_for(
                "coach.move_conflict",
                session_id=session_id,
                start=f"{when.astimezone(tz):%Y-%m-%dT%H:%M}",
                **coach_args(s.coach_id),
            ),
            "Yes, move",
            danger=False,
        )
        return ask(step, back, lambda st: row(step=st))
    before = describe(s, tz)
    old_start, old_end, old_room = s.start_time.isoformat(), s.end_time.isoformat(), s.room_id
    try:
        moved = moves.move_session(current_user, session_id, when)
    except DomainError as exc:
        return refused(exc, back, lambda e, st: row(f"Could not move: {e}", st))
    token = undo.offer(
        current_user,
        "move_back",
        session_id=session_id,
        start=old_start,
        end=old_end,
        room_id=old_room,
    )
    text = f"{before} → moved to {describe(moved, tz)}; {who} notified."
    return done(text, back, token)

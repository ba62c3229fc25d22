"""The conflicts page's actions on a recurring booking's group (``conflict_pages`` shows the list):
keep or cancel all its conflicting sessions, end the booking, move it to another weekly time, or
give its conflicting sessions to one cover coach. Each asks first in the group (a page of its own
without JS) and answers with its result and Undo."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from .. import inputs
from ..models import utcnow
from ..scheduling import DAY_NAMES
from ..services import coach_calendar, coaches, cover, moves, series_moves, undo
from ..services.errors import DomainError, ValidationFailed
from ..web import wants_fragment
from . import bp
from .common import coach_args, confirmed, describe, managed_coach
from .conflict_pages import (
    Group,
    Step,
    ask,
    conflict_group,
    cover_coach,
    done,
    grouped,
    n_members,
    plural,
    possessive,
    refused,
)


def _series_of(coach_id: int, series_id: int) -> Group | None:
    """The series' group on the page (its conflicts), or None when it has none left."""
    for item in grouped(coach_calendar.conflict_rows(current_user, coach_id)):
        if isinstance(item, Group) and item.series.id == series_id:
            return item
    return None


@bp.post("/series/<int:series_id>/give")
def give_series(series_id: int):
    """Give every conflicting session of a recurring booking to one cover coach (``coach_id``),
    after a confirmation that lists them (in the group; a page without JS); the booking stays
    with its coach."""
    coach_id = managed_coach()
    if coach_id is None:
        abort(400)
    back = url_for("coach.conflicts", **coach_args(coach_id))
    target = cover_coach()

    def group(error=None, status=200, step=None):
        return conflict_group(coach_id, series_id, error, status, step)

    if target is None or target.id == coach_id:
        error = "Pick one of the coaches offered to take them."
        if wants_fragment():
            return group(error, 422)
        flash(error, "error")
        return redirect(back)
    if not confirmed():
        found = cover.series_cover_coaches(current_user, series_id)
        if not found.sessions:
            error = "No session of this recurring booking is in conflict."
            if wants_fragment():
                return group(error, 409)
            flash(error, "error")
            return redirect(back)
        tz = coaches.zone_of(coach_calendar.settings_of(coach_id))
        member = coach_calendar.users_by_id([found.series.member_id]).get(found.series.member_id)
        who = member.name if member else "the members"
        listed = "; ".join(describe(s, tz) for s in found.sessions)
        step = Step(
            f"Give {possessive(who)} {len(found.sessions)} conflicting sessions to {target.name}?",
            f"{listed}. {who} and {target.name} are told; the recurring booking stays yours.",
            url_for(
                "coach.give_series",
                series_id=series_id,
                coach_id=target.id,
                **coach_args(coach_id),
            ),
            f"Yes, give them to {target.name}",
            danger=False,
        )
        return ask(step, back, lambda st: group(step=st))
    try:
        given = cover.give_series(current_user, series_id, target.id)
    except DomainError as exc:
        return refused(exc, back, group)
    n = len(given)
    token = undo.offer(
        current_user, "give_back", session_ids=[s.id for s in given], coach_id=coach_id
    )
    text = (
        f"Gave {n} {'session' if n == 1 else 'sessions'} of the series to {target.name}; "
        "the member has been told."
    )
    return done(text, back, token)


SERIES_STEPS = {
    "cancel": (
        "Cancel {whose} {n} conflicting sessions?",
        "Each is cancelled and {who} is notified. The recurring booking itself stays active.",
        "Yes, cancel them",
    ),
    "end": (
        "End {whose} recurring booking ({when})?",
        "Its sessions from today on are cancelled, no more are made, and {who} is notified. "
        "Sessions that have taken place stay.",
        "Yes, end it",
    ),
}


@bp.post("/series/<int:series_id>/<any(keep, cancel, end):action>")
def resolve_series(series_id: int, action: str):
    """Keep or cancel every conflicting occurrence of one recurring booking at once, or end the
    booking (a weekday the coach no longer works would otherwise bring new conflicts each week);
    cancelling and ending are confirmed first in the group."""
    coach_id = managed_coach()
    if coach_id is None:
        abort(400)
    back = url_for("coach.conflicts", **coach_args(coach_id))

    def group(error=None, status=200, step=None):
        return conflict_group(coach_id, series_id, error, status, step)

    if action in SERIES_STEPS and not confirmed():
        found = _series_of(coach_id, series_id)
        question, text, yes = SERIES_STEPS[action]
        who = found.who if found else "the member"
        words = {
            "whose": possessive(who),
            "who": who,
            "n": len(found.rows) if found else "the",
            "when": series_moves.weekly_when(
                found.series.day_of_week, found.series.start_time, found.series.frequency
            )
            if found
            else "every week",
        }
        said = text.format(**words)
        if found is not None and not found.one_to_one and action == "cancel":
            counts = moves.place_counts(r.session.id for r in found.rows).values()
            booked, waiting = sum(c[0] for c in counts), sum(c[1] for c in counts)
            question = f"Cancel the {len(found.rows)} conflicting {who} classes?"
            said = (
                f"{plural(booked, 'place')} booked and {waiting} waiting in them will be notified. "
                "The recurring class itself stays."
            )
        step = Step(
            question.format(**words),
            said,
            url_for(
                "coach.resolve_series", series_id=series_id, action=action, **coach_args(coach_id)
            ),
            yes,
        )
        return ask(step, back, lambda st: group(step=st))
    now = utcnow()
    told = None
    if action == "cancel":
        found = _series_of(coach_id, series_id)
        if found is not None and not found.one_to_one:
            told = sum(
                sum(c) for c in moves.place_counts(r.session.id for r in found.rows).values()
            )
    try:
        if action == "end":
            series, ended = moves.end_series(current_user, series_id, now=now)
            n = len(ended)
        else:
            settled = moves.resolve_series(current_user, series_id, action, now=now)
            n = len(settled)
    except DomainError as exc:
        return refused(exc, back, group)
    sessions_word = "session" if n == 1 else "sessions"
    if action == "end":
        token = undo.offer(
            current_user,
            "unend",
            series_id=series_id,
            ends_on=None if series.end_date is None else series.end_date.isoformat(),
            session_ids=ended,
        )
        every = "week" if series.frequency == 1 else "2 weeks"
        text = (
            f"Ended the booking every {every} on {DAY_NAMES[series.day_of_week]}s "
            f"{series.start_time}–{series.end_time}: its coming sessions are cancelled and the "
            "member has been notified."
        )
    elif action == "keep":
        token = undo.offer(current_user, "unkeep", session_ids=[s.id for s in settled])
        text = f"Kept {n} {sessions_word} of the series: an addition now covers each."
    else:
        token = undo.offer(current_user, "uncancel", session_ids=[s.id for s in settled])
        if told is None:
            text = f"Cancelled {n} {sessions_word} of the series; the member has been notified."
        else:
            text = f"Cancelled {plural(n, 'class')}; {n_members(told)} notified."
    return done(text, back, token)


def _weekday() -> int | None:
    return inputs.parse_int(request.values.get("day", ""), 0, 6)


@bp.post("/series/<int:series_id>/move")
def move_series(series_id: int):
    """Move a recurring booking to another weekly time (``day`` 0 = Sunday, ``time`` HH:MM) from
    ``from_date`` on: a confirmation in the group lists what will happen (the sessions that go,
    the new ones, the dates left out), then the move (the member is told once); a refusal names
    the dates."""
    coach_id = managed_coach()
    if coach_id is None:
        abort(400)
    back = url_for("coach.conflicts", **coach_args(coach_id))
    values = {
        "day": request.values.get("day", ""),
        "time": request.values.get("time", "").strip()[:5],
        "from_date": request.values.get("from_date", ""),
    }

    def group(error=None, status=200, step=None):
        return conflict_group(coach_id, series_id, error, status, step, move=values)

    day, from_date = _weekday(), inputs.parse_date(values["from_date"])
    try:
        if day is None:
            raise ValidationFailed("pick a weekday.", field="day")
        if from_date is None:
            raise ValidationFailed("the first date is missing; reload the page.", field="from_date")
        preview = series_moves.move_series(
            current_user, series_id, day, values["time"], from_date, dry_run=not confirmed()
        )
    except DomainError as exc:
        return refused(exc, back, group, "Could not move the series: ")
    tz = coaches.zone_of(coach_calendar.settings_of(coach_id))
    if not confirmed():
        made = ", ".join(f"{d.astimezone(tz):%a %-d %b}" for d in preview.made[:6])
        more = len(preview.made) - 6
        text = (
            f"{len(preview.cancelled)} coming sessions {preview.old_when} from "
            f"{preview.from_date:%-d %b} are cancelled; the new sessions are {made}"
            f"{f' and {more} more' if more > 0 else ''}."
        )
        if preview.skipped_blocked:
            text += (
                " Left out (blocked): "
                + ", ".join(f"{d:%a %-d %b}" for d in preview.skipped_blocked)
                + "."
            )
        step = Step(
            f"Move the recurring booking from {preview.old_when} to {preview.new_when}?",
            text + " The member is told once.",
            url_for(
                "coach.move_series",
                series_id=series_id,
                day=day,
                time=values["time"],
                from_date=from_date.isoformat(),
                **coach_args(coach_id),
            ),
            "Yes, move the series",
            danger=False,
        )
        return ask(step, back, lambda st: group(step=st))
    token = series_moves.offer_undo(current_user, preview)
    text = (
        f"Moved the recurring booking from {preview.old_when} to {preview.new_when} "
        f"from {preview.from_date:%-d %b} on; the member has been told."
    )
    return done(text, back, token)

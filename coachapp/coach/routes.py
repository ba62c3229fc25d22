"""The coach pages: week grid, weekly template and exceptions, conflicts, sessions, settings.

Every view parses the request, calls one service and renders: the whole page for a normal
request, only the part that changed for an HTMX request. Plain form posts redirect after success
(post-redirect-get); HTMX posts get the fragment back, with ``HX-Trigger`` events telling the
conflicts badge and the week grid to refresh. Coaches see their own pages; an admin opens any
coach's with ``?coach=ID``.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from .. import cache, inputs
from ..auth.decorators import roles_required
from ..models import utcnow
from ..scheduling import DAY_NAMES, IN_BLOCKED_SLOT, day_of_week, local_datetime, parse_hhmm
from ..services import (
    availability,
    bookings,
    coach_calendar,
    coach_settings,
    coaches,
    feeds,
    group_classes,
    moves,
    sessions,
)
from ..services.errors import DomainError, NotFound
from ..web import render, wants_fragment
from . import bp, forms
from .week import build

COACH_ROLES = ("coach", "admin")
WEEK_ORDER = (1, 2, 3, 4, 5, 6, 0)
"""Weekdays as the pages list them, Monday first (0 = Sunday, as the spec counts)."""
REASONS = {
    IN_BLOCKED_SLOT: "Inside a blocked slot",
    "outside_weekly_template": "Outside the weekly template",
}


class RoomChoice(NamedTuple):
    """A room as the forms offer it (plain values, kept by ``coachapp.cache``)."""

    id: int
    name: str


CONFLICTS_CHANGED = "conflicts-changed"
WEEK_CHANGED = "week-changed"


def is_fragment() -> bool:
    """Whether to answer with a fragment (``web.wants_fragment``: an HTMX request that is not a
    boosted page load or a history restore)."""
    return wants_fragment()


def page(template: str, block: str | None = None, status: int = 200, events=(), **context):
    """``web.render`` (whole page, or ``block`` for a fragment request) plus trigger headers."""
    response = render(template, block if is_fragment() else None, status, **context)
    return _finish(response, events)


def partial(template: str, status: int = 200, events=(), **context):
    """A template that is itself a fragment (``_row.html``), for an HTMX request."""
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return _finish(response, events)


def _finish(response, events):
    # 409/422 fragments (a form with its errors, a refused row) are swapped in place: base.html's
    # htmx-config responseHandling swaps those statuses.
    response.vary.add("HX-Boosted")
    if events:
        response.headers["HX-Trigger"] = json.dumps({name: True for name in events})
    return response


def coach_args(coach_id: int) -> dict:
    """Query arguments that keep an admin on the same coach's pages."""
    return {"coach": coach_id} if current_user.role == "admin" else {}


def managed_coach() -> int | None:
    """The coach whose pages these are: the coach themself, or ``?coach=ID`` for an admin.

    A coach naming another coach gets a 403; an admin naming no coach gets None (pick one).
    """
    raw = request.values.get("coach", "").strip()
    if current_user.role == "coach":
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
    return None, render_template(
        "coach/pick.html", coaches=coaches.list_coaches(), endpoint=request.endpoint
    )


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
        if not current_user.is_authenticated or current_user.role != "coach":
            return 0
        return open_conflicts(current_user.id)

    return {"coach_conflict_count": count, "reason_labels": REASONS, "day_names": DAY_NAMES}


@bp.get("/coach/")
@roles_required(*COACH_ROLES)
def index():
    """The coach's home is their week."""
    return redirect(url_for("coach.week", **request.args))


def _week_context(coach_id: int, start: date) -> dict:
    monday = coach_calendar.monday_of(start)
    today = local_today(coach_id)
    return {
        "coach": coaches.get_coach(coach_id),
        "coach_id": coach_id,
        "qs": coach_args(coach_id),
        "monday": monday,
        "week_html": week_section(coach_id, monday, today),
        **_group_form_context(coach_id, forms.group_form(day=max(today, monday))),
    }


def week_section(coach_id: int, monday: date, today: date) -> Markup:
    """The ``#week`` section's HTML, made once per coach, week, viewer and data version
    (``coachapp.cache``): the grid is most of the page's work."""
    qs = coach_args(coach_id)
    coaches.require_manager(current_user, coach_id)

    def make() -> Markup:
        data = coach_calendar.week(current_user, coach_id, monday)

        def week_url(day: date) -> str:
            return url_for("coach.week", start=day.isoformat(), **qs)

        return Markup(render_template(
            "coach/_week.html",
            data=data,
            grid=build(data, today),
            tz=data.tz,
            qs=qs,
            this_url=week_url(monday),
            prev_url=week_url(monday - timedelta(days=7)),
            next_url=week_url(monday + timedelta(days=7)),
            today_url=url_for("coach.week", **qs),
            is_this_week=coach_calendar.monday_of(today) == monday,
            conflict_total=open_conflicts(coach_id),
        ))

    viewer = (current_user.role, tuple(sorted(qs.items())))
    return cache.cached("week", (coach_id, monday, today, viewer), make)


def _room_choices() -> list[RoomChoice]:
    return [RoomChoice(room.id, room.name) for room in coach_settings.list_rooms()]


def _group_form_context(coach_id: int, form: forms.Form, notice: str | None = None) -> dict:
    """What the "schedule a group class" form needs (also alone, as its fragment)."""
    return {
        "group_form": form,
        "group_notice": notice,
        "rooms": cache.cached("rooms", (), _room_choices),
        "qs": coach_args(coach_id),
        "tz": coach_tz(coach_id),
    }


@bp.get("/coach/week")
@roles_required(*COACH_ROLES)
def week():
    """The week grid, Monday to Sunday in the coach's zone (``?start=YYYY-MM-DD``, any day of it)."""
    coach_id, picker = coach_or_picker()
    if picker is not None:
        return picker
    raw = request.args.get("start", "")
    start = inputs.parse_date(raw) if raw else local_today(coach_id)
    if start is None:
        abort(404)
    return page("coach/week.html", "week", **_week_context(coach_id, start))


def _schedule_group(coach_id: int, wanted: forms.GroupRequest):
    """Schedule what the form asks for; returns ``(first class or None, text for the coach)``."""
    tz = coaches.coach_zone(coach_id)
    if wanted.frequency is None:
        start = local_datetime(wanted.day, parse_hhmm(wanted.start_time), tz)
        end = local_datetime(wanted.day, parse_hhmm(wanted.end_time), tz)
        made = group_classes.schedule_group_session(
            current_user, coach_id, start, end, wanted.title, wanted.capacity, wanted.room_id
        )
        return made, f"Scheduled {made.title} on {_describe(made, tz)}."
    series, made = group_classes.create_group_series(
        current_user,
        coach_id,
        day_of_week(wanted.day),
        wanted.start_time,
        wanted.end_time,
        wanted.day,
        wanted.until,
        wanted.frequency,
        wanted.title,
        wanted.capacity,
        wanted.room_id,
    )
    every = "every week" if series.frequency == 1 else "every 2 weeks"
    count = len(made)
    text = (
        f"Scheduled {series.title} {every} on {DAY_NAMES[series.day_of_week]}s "
        f"{series.start_time}–{series.end_time}: {count} class{'es' if count != 1 else ''} in the "
        "next 6 weeks, more as the weeks come."
    )
    return (min(made, key=lambda s: s.start_time) if made else None), text


@bp.post("/coach/group-classes")
@roles_required(*COACH_ROLES)
def schedule_group():
    """Schedule a group class once, or weekly / every 2 weeks as a series (its first 6 weeks are
    made now, the nightly job makes the rest). Refused: the form again with the values kept and
    the reason (422 invalid, 409 not available or taken)."""
    coach_id = managed_coach() or abort(400)
    form = forms.group_form(request.form)
    wanted = forms.group_request(form)
    status = 422
    if wanted is not None:
        try:
            first, text = _schedule_group(coach_id, wanted)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            status = 422 if exc.status == 422 else exc.status
            form.fail(exc, forms.GROUP_FIELD_NAMES)
    if not form.ok:
        if is_fragment():
            return page(
                "coach/week.html", "group_form", status=status,
                **_group_form_context(coach_id, form),
            )
        context = _week_context(coach_id, wanted.day if wanted else local_today(coach_id))
        context.update(_group_form_context(coach_id, form))
        return page("coach/week.html", status=status, **context)
    day = first.start_time.astimezone(coaches.coach_zone(coach_id)).date() if first else wanted.day
    if is_fragment():
        fresh = forms.group_form(day=wanted.day, room_id=None)
        return page(
            "coach/week.html", "group_form", events=(WEEK_CHANGED, CONFLICTS_CHANGED),
            **_group_form_context(coach_id, fresh, notice=text),
        )
    flash(text, "success")
    return redirect(url_for("coach.week", start=day.isoformat(), **coach_args(coach_id)))


def _session_context(session_id: int, **extra) -> dict:
    detail = coach_calendar.session_detail(current_user, session_id)
    session = detail.session
    now = utcnow()
    movable = session.status == "scheduled" and session.start_time > now
    suggestions = []
    if movable and session.type == "ONE_TO_ONE":
        suggestions = moves.suggest_moves(current_user, [session], now=now).get(session.id, [])
    tz = detail.tz
    local = session.start_time.astimezone(tz)
    context = {
        **base_context(session.coach_id),
        "detail": detail,
        "s": session,
        "movable": movable,
        "can_no_show": session.status in ("scheduled", "completed") and session.start_time <= now,
        "suggestions": suggestions,
        "move": forms.move_form(),
        "week_url": url_for(
            "coach.week", start=local.date().isoformat(), **coach_args(session.coach_id)
        ),
        "notice": None,
        "error": None,
    }
    context["move"].values.update(date=local.date().isoformat(), time=f"{local:%H:%M}")
    context.update(extra)
    return context


@bp.get("/coach/sessions/<int:session_id>")
@roles_required(*COACH_ROLES)
def session(session_id: int):
    """One session: the inline panel for HTMX, a page of its own otherwise."""
    return page("coach/session.html", "panel", **_session_context(session_id))


def _session_done(session_id: int, notice: str):
    """After a change to a session: the refreshed panel (HTMX) or a redirect to its page."""
    if is_fragment():
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
        **_session_context(session_id, error=forms.message(exc)),
    )


def _confirm_page(title: str, text: str, action: str, back: str, button: str):
    """The no-JS confirmation step of a destructive action (HTMX asks with hx-confirm)."""
    return render_template(
        "coach/confirm.html", title=title, text=text, action=action, back=back, button=button
    )


def _describe(session, tz) -> str:
    return f"{coaches.describe(session.start_time, tz)}–{session.end_time.astimezone(tz):%H:%M}"


@bp.post("/coach/sessions/<int:session_id>/cancel")
@roles_required(*COACH_ROLES)
def cancel_session(session_id: int):
    """Cancel a session as its coach: the member (of a class: every member booked or waiting) is
    notified."""
    if not confirmed():
        detail = coach_calendar.session_detail(current_user, session_id)
        told = (
            "Every member booked or waiting is notified."
            if detail.session.type == "GROUP"
            else "The member is notified."
        )
        return _confirm_page(
            "Cancel this session?",
            f"{_describe(detail.session, detail.tz)} — "
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
    if cancelled.type == "GROUP":
        return _session_done(
            session_id, "Class cancelled; every member booked or waiting has been notified."
        )
    return _session_done(session_id, "Session cancelled; the member has been notified.")


@bp.post("/coach/sessions/<int:session_id>/members/<int:user_id>/remove")
@roles_required(*COACH_ROLES)
def remove_place(session_id: int, user_id: int):
    """Take a member out of a group class (or off its waitlist): they are told, and a freed
    place goes to the first member waiting."""
    detail = coach_calendar.session_detail(current_user, session_id)
    places = {b.member_id: b for b in detail.roster + detail.waitlist}
    name = places[user_id].member.name if user_id in places else "This member"
    if not confirmed():
        return _confirm_page(
            f"Remove {name} from this class?",
            f"{detail.session.title}, {_describe(detail.session, detail.tz)}. {name} is notified; "
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


@bp.post("/coach/sessions/<int:session_id>/no-show")
@roles_required(*COACH_ROLES)
def no_show(session_id: int):
    """Mark that the member did not come (once the session has started)."""
    try:
        sessions.mark_no_show(current_user, session_id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _session_failed(session_id, exc)
    return _session_done(session_id, "Marked as a no-show.")


@bp.post("/coach/sessions/<int:session_id>/move")
@roles_required(*COACH_ROLES)
def move_session(session_id: int):
    """Move a session to a free time (a suggested one, or a date and time typed in)."""
    detail = coach_calendar.session_detail(current_user, session_id)
    from_conflicts = request.form.get("origin") == "conflicts"
    before = _describe(detail.session, detail.tz)
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
        if from_conflicts and is_fragment():
            return _conflict_row(
                detail.session.coach_id, session_id, f"Could not move: {reason}", status
            )
        if from_conflicts:
            flash(f"Could not move the session: {reason}", "error")
            return redirect(url_for("coach.conflicts", **coach_args(detail.session.coach_id)))
        return page(
            "coach/session.html",
            "panel",
            status=status,
            **_session_context(session_id, move=form, error=reason),
        )
    names = ", ".join(u.name for u in detail.attendees) or "The member"
    notice = f"Moved to {_describe(moved, detail.tz)}; {names} notified."
    if from_conflicts:
        if is_fragment():
            return partial(
                "coach/_resolved.html",
                events=(CONFLICTS_CHANGED, WEEK_CHANGED),
                ok=True,
                text=f"{before} → {notice}",
            )
        flash(notice, "success")
        return redirect(url_for("coach.conflicts", **coach_args(moved.coach_id)))
    return _session_done(session_id, notice)


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


def _conflict_row(coach_id: int, session_id: int, error: str, status: int):
    """A conflict's row again with why the action was refused; if the session is no longer a
    conflict (settled meanwhile, e.g. in another tab), a line saying so."""
    context = _conflicts_context(coach_id)
    for row in context["rows"]:
        if row.session.id == session_id:
            return partial(
                "coach/_conflict_row.html", status=status, row=row, row_error=error, **context
            )
    return partial("coach/_resolved.html", status=status, ok=False, text=f"Not changed: {error}")


@bp.get("/coach/conflicts")
@roles_required(*COACH_ROLES)
def conflicts():
    """Every future session that no longer fits the coach's availability, with what to do."""
    coach_id, picker = coach_or_picker()
    if picker is not None:
        return picker
    return page("coach/conflicts.html", "conflicts", **_conflicts_context(coach_id))


@bp.get("/coach/conflicts/badge")
@roles_required(*COACH_ROLES)
def conflicts_badge():
    """The navigation badge (or, with ``?part=count``, just the number) for the current coach."""
    coach_id = managed_coach()
    if coach_id is None:
        abort(400)
    count = coach_calendar.conflict_count(current_user, coach_id)
    if request.args.get("part") == "count":
        return partial("coach/_count.html", count=count, qs=coach_args(coach_id))
    return partial("coach/_badge.html", badge_count=count)


@bp.post("/coach/conflicts/<int:session_id>/<any(keep, cancel):action>")
@roles_required(*COACH_ROLES)
def resolve(session_id: int, action: str):
    """Keep (an addition whitelists its slot) or cancel (member notified) one conflict."""
    detail = coach_calendar.session_detail(current_user, session_id)
    s, tz = detail.session, detail.tz
    who = ", ".join(u.name for u in detail.attendees) or s.title
    back = url_for("coach.conflicts", **coach_args(s.coach_id))
    if action == "cancel" and not confirmed():
        return _confirm_page(
            "Cancel this session?",
            f"{_describe(s, tz)} with {who}. The member is notified.",
            url_for("coach.resolve", session_id=session_id, action="cancel"),
            back,
            "Yes, cancel it",
        )
    try:
        sessions.resolve_conflict(current_user, session_id, action)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        text = f"{_describe(s, tz)} with {who}: {forms.message(exc)}"
        if is_fragment():
            return _conflict_row(s.coach_id, session_id, forms.message(exc), exc.status)
        flash(text, "error")
        return redirect(back)
    if action == "keep":
        text = f"Kept {_describe(s, tz)} with {who}: an addition now covers it."
    else:
        text = f"Cancelled {_describe(s, tz)} with {who}; the member has been notified."
    if is_fragment():
        return partial(
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


@bp.post("/coach/series/<int:series_id>/<any(keep, cancel, end):action>")
@roles_required(*COACH_ROLES)
def resolve_series(series_id: int, action: str):
    """Keep or cancel every conflicting occurrence of one recurring booking at once, or end the
    booking (a weekday the coach no longer works would otherwise bring new conflicts each week)."""
    coach_id = managed_coach()
    if coach_id is None:
        abort(400)
    back = url_for("coach.conflicts", **coach_args(coach_id))
    if action in SERIES_CONFIRMATIONS and not confirmed():
        title, text, yes = SERIES_CONFIRMATIONS[action]
        return _confirm_page(
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
        if is_fragment():
            return page(
                "coach/conflicts.html",
                "conflicts",
                status=exc.status,
                **_conflicts_context(coach_id, notice=(False, forms.message(exc))),
            )
        flash(forms.message(exc), "error")
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
    if is_fragment():
        return page(
            "coach/conflicts.html",
            "conflicts",
            events=(CONFLICTS_CHANGED, WEEK_CHANGED),
            **_conflicts_context(coach_id, notice=(True, text)),
        )
    flash(text, "success")
    return redirect(back)


def _day(
    coach_id: int, day: int, windows=None, form: forms.DayForm | None = None, notice=None
) -> dict:
    """One weekday's row: its windows, or the editor when ``form`` is given."""
    if windows is None:
        windows = [w for w in availability.list_weekly(coach_id) if w.day_of_week == day]
    return {
        "num": day,
        "name": DAY_NAMES[day],
        "windows": windows,
        "form": form,
        "notice": notice,
    }


def _availability_context(coach_id: int, **extra) -> dict:
    context = base_context(coach_id)
    weekly = availability.list_weekly(coach_id)
    blocked, additions = coach_calendar.upcoming_exceptions(coach_id)
    edit = extra.pop("edit", None)
    days = []
    for num in WEEK_ORDER:
        windows = [w for w in weekly if w.day_of_week == num]
        form = None
        if edit is not None and edit[0] == num:
            form = edit[1]
        days.append(_day(coach_id, num, windows, form))
    context.update(
        days=days,
        rooms=coach_settings.list_rooms(),
        room_names=coach_calendar.room_names(),
        blocked=blocked,
        additions=additions,
        block_form=forms.block_form(),
        block_preview=None,
        block_result=None,
        addition=forms.addition_form(room_id=context["settings"].default_room_id),
        addition_result=None,
    )
    context.update(extra)
    return context


def _check_day(day: int) -> None:
    if not 0 <= day <= 6:
        abort(404)


@bp.get("/coach/availability", endpoint="availability")
@roles_required(*COACH_ROLES)
def availability_page():
    """The weekly template editor, blocked time and extra availability."""
    coach_id, picker = coach_or_picker()
    if picker is not None:
        return picker
    edit = None
    day = inputs.parse_int(request.args.get("edit", ""), 0, 6)
    if day is not None:
        rows = [
            forms.WindowRow.of(w)
            for w in availability.list_weekly(coach_id)
            if w.day_of_week == day
        ]
        edit = (day, forms.DayForm(rows=rows or [forms.WindowRow()]))
    return page("coach/availability.html", **_availability_context(coach_id, edit=edit))


@bp.get("/coach/availability/<int:day>")
@roles_required(*COACH_ROLES)
def day_row(day: int):
    """One weekday's windows as a row (HTMX: cancel editing); the page otherwise."""
    _check_day(day)
    coach_id = managed_coach() or abort(400)
    if not is_fragment():
        return redirect(url_for("coach.availability", **coach_args(coach_id)))
    return partial("coach/_day.html", day=_day(coach_id, day), **_day_extras(coach_id))


def _day_extras(coach_id: int) -> dict:
    return {
        "qs": coach_args(coach_id),
        "rooms": coach_settings.list_rooms(),
        "room_names": coach_calendar.room_names(),
    }


@bp.get("/coach/availability/<int:day>/edit")
@roles_required(*COACH_ROLES)
def edit_day(day: int):
    """The editor for one weekday's windows, in place of its row."""
    _check_day(day)
    coach_id = managed_coach() or abort(400)
    if not is_fragment():
        return redirect(url_for("coach.availability", edit=day, **coach_args(coach_id)))
    rows = [
        forms.WindowRow.of(w) for w in availability.list_weekly(coach_id) if w.day_of_week == day
    ]
    form = forms.DayForm(rows=rows or [forms.WindowRow()])
    return partial("coach/_day.html", day=_day(coach_id, day, form=form), **_day_extras(coach_id))


@bp.post("/coach/availability/<int:day>")
@roles_required(*COACH_ROLES)
def save_day(day: int):
    """Add a row, remove a row, or save a weekday's windows (the service replaces the whole day)."""
    _check_day(day)
    coach_id = managed_coach() or abort(400)
    form = forms.DayForm.from_form(request.form)
    op = request.form.get("op", "save")
    # not "remove": a control named so hides form.remove()
    remove = inputs.parse_int(request.form.get("drop", ""))
    if remove is not None or op == "add":
        if remove is not None and remove < len(form.rows):
            del form.rows[remove]
        if op == "add" and remove is None:
            settings = coaches.get_settings(coach_id)
            room = "" if settings.default_room_id is None else str(settings.default_room_id)
            form.rows.append(forms.WindowRow(room_id=room))
        return _day_editor(coach_id, day, form, 200)
    before = coach_calendar.conflict_count(current_user, coach_id)
    try:
        windows, found = availability.replace_weekly_day(current_user, coach_id, day, form.inputs())
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        form.fail(exc)
        return _day_editor(coach_id, day, form, 422 if exc.status == 422 else exc.status)
    created = max(0, len(found) - before)
    notice = {"day": DAY_NAMES[day], "created": created, "total": len(found)}
    if is_fragment():
        return partial(
            "coach/_day.html",
            events=(CONFLICTS_CHANGED,),
            day=_day(coach_id, day, windows, notice=notice),
            **_day_extras(coach_id),
        )
    text = f"{DAY_NAMES[day]} saved."
    if created:
        text += f" This put {created} session{'s' if created != 1 else ''} in conflict."
    flash(text, "warning" if created else "success")
    return redirect(url_for("coach.availability", **coach_args(coach_id)))


def _day_editor(coach_id: int, day: int, form: forms.DayForm, status: int):
    if is_fragment():
        return partial(
            "coach/_day.html",
            status=status,
            day=_day(coach_id, day, form=form),
            **_day_extras(coach_id),
        )
    return page(
        "coach/availability.html",
        status=status,
        **_availability_context(coach_id, edit=(day, form)),
    )


def _preview_rows(coach_id: int, found) -> list[dict]:
    """Sessions for a preview or result list, with member names read in one query."""
    tz = coaches.coach_zone(coach_id)
    sessions_ = [c.session if hasattr(c, "session") else c for c in found]
    names = coach_calendar.member_names(sessions_)
    return [
        {"when": _describe(s, tz), "who": names.get(s.member_id, s.title), "id": s.id}
        for s in sessions_
    ]


@bp.post("/coach/blocked/preview")
@roles_required(*COACH_ROLES)
def preview_blocked():
    """The sessions a blocked slot being typed would put in conflict (shown before saving)."""
    coach_id = managed_coach() or abort(400)
    form = forms.block_form(request.form)
    preview = _block_preview(coach_id, form)
    return partial("coach/_block_preview.html", block_preview=preview, qs=coach_args(coach_id))


def _block_preview(coach_id: int, form: forms.Form) -> dict | None:
    span = forms.block_span(form, coaches.coach_zone(coach_id))
    if span is None:
        return None
    try:
        found = availability.preview_blocked_slot(coach_id, *span)
    except DomainError as exc:
        return {"error": forms.message(exc), "rows": []}
    return {"error": None, "rows": _preview_rows(coach_id, found)}


@bp.post("/coach/blocked")
@roles_required(*COACH_ROLES)
def create_blocked():
    """Block time (a span, or whole days); answers with the sessions it put in conflict."""
    coach_id = managed_coach() or abort(400)
    form = forms.block_form(request.form)
    if request.form.get("op") == "preview":
        return page(
            "coach/availability.html",
            **_availability_context(
                coach_id, block_form=form, block_preview=_block_preview(coach_id, form)
            ),
        )
    span = forms.block_span(form, coaches.coach_zone(coach_id))
    if span is not None:
        try:
            row, found = availability.create_blocked_slot(
                current_user, coach_id, *span, form.get("reason") or None
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            form.fail(exc, forms.block_field_names(form))
    if not form.ok:
        return page(
            "coach/availability.html",
            "blocked",
            status=422,
            **_availability_context(coach_id, block_form=form),
        )
    tz = coaches.coach_zone(coach_id)
    result = {
        "what": f"{coaches.describe(row.start_time, tz)} – {coaches.describe(row.end_time, tz)}",
        "rows": _preview_rows(coach_id, found),
    }
    if is_fragment():
        return page(
            "coach/availability.html",
            "blocked",
            events=(CONFLICTS_CHANGED,),
            **_availability_context(coach_id, block_result=result),
        )
    text = f"Blocked {result['what']}."
    if result["rows"]:
        text += f" {len(result['rows'])} session(s) are now in conflict — see Conflicts."
    flash(text, "warning" if result["rows"] else "success")
    return redirect(url_for("coach.availability", **coach_args(coach_id)))


@bp.post("/coach/blocked/<int:slot_id>/delete")
@roles_required(*COACH_ROLES)
def delete_blocked(slot_id: int):
    """Remove a blocked slot (its time is available again)."""
    coach_id = managed_coach() or abort(400)
    availability.delete_blocked_slot(current_user, slot_id)
    if is_fragment():
        return partial("coach/_empty.html", events=(CONFLICTS_CHANGED,))
    flash("Blocked time removed.", "success")
    return redirect(url_for("coach.availability", **coach_args(coach_id)))


@bp.post("/coach/additions")
@roles_required(*COACH_ROLES)
def create_addition():
    """Open extra time outside the weekly template."""
    coach_id = managed_coach() or abort(400)
    form = forms.addition_form(request.form)
    span = forms.addition_span(form, coaches.coach_zone(coach_id))
    if span is not None:
        try:
            row = availability.create_addition(
                current_user,
                coach_id,
                *span,
                forms.optional_id(form.get("room_id")),
                form.get("reason") or None,
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            form.fail(
                exc, {"start_time": "start_time", "end_time": "end_time", "room_id": "room_id"}
            )
    if not form.ok:
        return page(
            "coach/availability.html",
            "additions",
            status=422,
            **_availability_context(coach_id, addition=form),
        )
    tz = coaches.coach_zone(coach_id)
    text = f"Added {_describe(row, tz)}."
    if is_fragment():
        return page(
            "coach/availability.html",
            "additions",
            events=(CONFLICTS_CHANGED,),
            **_availability_context(coach_id, addition_result=text),
        )
    flash(text, "success")
    return redirect(url_for("coach.availability", **coach_args(coach_id)))


@bp.post("/coach/additions/<int:addition_id>/delete")
@roles_required(*COACH_ROLES)
def delete_addition(addition_id: int):
    """Remove extra availability (sessions inside it may become conflicts)."""
    coach_id = managed_coach() or abort(400)
    availability.delete_addition(current_user, addition_id)
    if is_fragment():
        return partial("coach/_empty.html", events=(CONFLICTS_CHANGED,))
    flash("Extra availability removed.", "success")
    return redirect(url_for("coach.availability", **coach_args(coach_id)))


@bp.route("/coach/settings", methods=["GET", "POST"])
@roles_required(*COACH_ROLES)
def settings():
    """Default room and duration, time zone, cancellation window, booking rules for members."""
    coach_id, picker = coach_or_picker()
    if picker is not None:
        return picker
    context = base_context(coach_id)
    context.update(
        rooms=coach_settings.list_rooms(),
        zones=coach_settings.time_zones(),
        notice=None,
        feed=_feed_card(coach_id),
    )
    if request.method == "GET":
        form = forms.settings_form(settings=context["settings"])
        return page("coach/settings.html", "settings_form", form=form, **context)
    form = forms.settings_form(request.form)
    duration = forms.whole_number(form, "default_duration")
    hours = forms.whole_number(form, "cancellation_window_hours")
    # A post without the booking rules (a page opened before they existed) keeps them.
    rules = {}
    for name in ("booking_horizon_days", "min_notice_minutes"):
        if name in request.form:
            rules[name] = forms.whole_number(form, name)
        else:
            form.values[name] = str(getattr(context["settings"], name))
    if form.ok:
        try:
            saved, found = coach_settings.update_settings(
                current_user,
                coach_id,
                forms.optional_id(form.get("default_room_id")),
                duration,
                form.get("timezone"),
                hours,
                **rules,
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            form.fail(exc)
    if not form.ok:
        return page("coach/settings.html", "settings_form", status=422, form=form, **context)
    notice = {"conflicts": len(found)}
    if is_fragment():
        context.update(base_context(coach_id))
        return page(
            "coach/settings.html",
            "settings_form",
            events=(CONFLICTS_CHANGED,),
            form=forms.settings_form(settings=saved),
            **{**context, "notice": notice},
        )
    text = "Settings saved."
    if found:
        text += f" {len(found)} session(s) are in conflict — see Conflicts."
    flash(text, "warning" if found else "success")
    return redirect(url_for("coach.settings", **coach_args(coach_id)))


def _feed_card(coach_id: int, notice: str | None = None) -> dict | None:
    """The calendar feed card of the coach's own settings (not shown to an admin: it is the
    coach's secret)."""
    if current_user.role != "coach" or current_user.id != coach_id:
        return None
    token = feeds.feed_token_for(current_user)
    return {
        "url": url_for("feeds.calendar", token=token, _external=True),
        "regenerate_url": url_for("coach.regenerate_feed"),
        "notice": notice,
    }


@bp.post("/coach/feed/regenerate")
@roles_required("coach")
def regenerate_feed():
    """Make a new calendar feed URL; the old one stops working (asks first without htmx)."""
    if not confirmed():
        return _confirm_page(
            "Make a new calendar feed URL?",
            "The current URL stops working at once: calendars subscribed to it stop updating "
            "until you subscribe them to the new one.",
            url_for("coach.regenerate_feed"),
            url_for("coach.settings"),
            "Yes, make a new URL",
        )
    feeds.regenerate(current_user)
    text = "New feed URL made. The old one no longer works: subscribe your calendar to this one."
    if is_fragment():
        return page("coach/settings.html", "feed", feed=_feed_card(current_user.id, notice=text))
    flash(text, "success")
    return redirect(url_for("coach.settings"))

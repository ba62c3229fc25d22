"""The coach's week: the grid, Monday to Sunday in the coach's zone (laid out by ``week.py``), the
form that schedules a group class once or as a series, and acting on a time picked on the grid
(``static/js/week_select.js``): a popover that blocks it, opens it as extra availability or
schedules a group class there, each through the same services as the availability page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from .. import cache, inputs
from ..models import utcnow
from ..scheduling import DAY_NAMES, ValidationError, day_of_week, local_datetime, parse_hhmm
from ..services import availability, coach_calendar, coach_settings, coaches, group_classes
from ..services.errors import DomainError, NotFound
from ..vocab import SessionStatus
from ..web import page, wants_fragment
from . import bp, forms
from .availability_pages import add_availability, block_time
from .common import (
    CONFLICTS_CHANGED,
    WEEK_CHANGED,
    coach_args,
    coach_or_picker,
    coach_tz,
    describe,
    local_today,
    managed_coach,
)
from .week import build


class RoomChoice(NamedTuple):
    """A room as the forms offer it (plain values, kept by ``coachapp.cache``)."""

    id: int
    name: str


@bp.get("/")
def index():
    """The coach's home is their week."""
    return redirect(url_for("coach.week", **request.args))


CANCELLED_ARG = SessionStatus.CANCELLED.value
"""``?cancelled=hide`` leaves cancelled sessions off the grid (they are struck through otherwise)."""


def _hide_cancelled() -> bool:
    return request.args.get(CANCELLED_ARG) == "hide"


class WeekSection(NamedTuple):
    """The ``#week`` section's HTML and whether the coach has group hours (a weekly window open
    to groups): the group-class form and the grid's "Schedule a group class" are offered then."""

    html: Markup
    group_hours: bool


def _week_context(coach_id: int, start: date) -> dict:
    monday = coach_calendar.monday_of(start)
    today = local_today(coach_id)
    section = week_section(coach_id, monday, today, hide_cancelled=_hide_cancelled())
    return {
        "coach": coaches.get_coach(coach_id),
        "coach_id": coach_id,
        "qs": coach_args(coach_id),
        "monday": monday,
        "week_html": section.html,
        "pop": None,
        **_group_form_context(
            coach_id, forms.group_form(day=max(today, monday)), group_hours=section.group_hours
        ),
    }


def week_section(
    coach_id: int, monday: date, today: date, *, hide_cancelled: bool = False
) -> WeekSection:
    """The ``#week`` section, made once per coach, week, viewer, data version
    (``coachapp.cache``) and, for the week holding today, minute (the current-time line): the
    grid is most of the page's work. ``hide_cancelled`` leaves cancelled sessions out, and the
    week's links keep ``?cancelled=hide``."""
    qs = coach_args(coach_id)
    coaches.require_manager(current_user, coach_id)
    keep = {CANCELLED_ARG: "hide"} if hide_cancelled else {}
    is_this_week = coach_calendar.monday_of(today) == monday
    now = utcnow().replace(second=0, microsecond=0) if is_this_week else None

    def make() -> WeekSection:
        data = coach_calendar.week(current_user, coach_id, monday)

        def week_url(day: date, **extra) -> str:
            return url_for("coach.week", start=day.isoformat(), **qs, **extra)

        html = Markup(
            render_template(
                "coach/_week.html",
                data=data,
                grid=build(data, today, now=now, show_cancelled=not hide_cancelled),
                tz=data.tz,
                qs=qs,
                hide_cancelled=hide_cancelled,
                this_url=week_url(monday, **keep),
                toggle_url=(
                    week_url(monday)
                    if hide_cancelled
                    else week_url(monday, **{CANCELLED_ARG: "hide"})
                ),
                prev_url=week_url(monday - timedelta(days=7), **keep),
                next_url=week_url(monday + timedelta(days=7), **keep),
                today_url=url_for("coach.week", **qs, **keep),
                is_this_week=is_this_week,
                conflict_total=data.conflict_total,
                pick_url=url_for("coach.grid_pick", **qs),
            )
        )
        return WeekSection(html, any(w.is_group for w in data.windows))

    viewer = (current_user.role, tuple(sorted(qs.items())))
    return cache.cached("week", (coach_id, monday, today, now, hide_cancelled, viewer), make)


def _room_choices() -> list[RoomChoice]:
    return [RoomChoice(room.id, room.name) for room in coach_settings.list_rooms()]


def _group_form_context(
    coach_id: int, form: forms.Form, notice: str | None = None, group_hours: bool = True
) -> dict:
    """What the "schedule a group class" form needs (also alone, as its fragment: it was shown,
    so the coach has ``group_hours``; without them the page points to the availability page)."""
    return {
        "group_hours": group_hours,
        "group_form": form,
        "group_notice": notice,
        "rooms": cache.cached("rooms", (), _room_choices),
        "qs": coach_args(coach_id),
        "tz": coach_tz(coach_id),
    }


@bp.get("/week")
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
        return made, f"Scheduled {made.title} on {describe(made, tz)}."
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


@bp.post("/group-classes")
def schedule_group():
    """Schedule a group class once, or weekly / every 2 weeks as a series (its first 6 weeks are
    made now, the nightly job makes the rest). Refused: the form again with the values kept and
    the reason (422 invalid, 409 not available or taken). Posted from the grid's popover
    (``where=popover``), an htmx answer is the popover (the form, or what was scheduled)."""
    coach_id = managed_coach() or abort(400)
    form = forms.group_form(request.form)
    in_popover = request.form.get("where") == "popover" and wants_fragment()
    picked = Picked(
        inputs.parse_date(form.get("date")), form.get("start_time"), form.get("end_time")
    )
    wanted = forms.group_request(form)
    if wanted is not None:
        try:
            first, text = _schedule_group(coach_id, wanted)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            form.fail(exc, forms.GROUP_FIELD_NAMES)
    status = form.status
    if not form.ok and in_popover:
        return _popover(coach_id, picked, status, choice="group", form=form)
    if not form.ok:
        if wants_fragment():
            return page(
                "coach/week.html",
                "group_form",
                status=status,
                **_group_form_context(coach_id, form),
            )
        context = _week_context(coach_id, wanted.day if wanted else local_today(coach_id))
        context.update(_group_form_context(coach_id, form))
        return page("coach/week.html", status=status, **context)
    day = first.start_time.astimezone(coaches.coach_zone(coach_id)).date() if first else wanted.day
    if in_popover:
        return _saved(coach_id, picked, text, conflicts=False)
    if wants_fragment():
        fresh = forms.group_form(day=wanted.day, room_id=None)
        return page(
            "coach/week.html",
            "group_form",
            events=(WEEK_CHANGED, CONFLICTS_CHANGED),
            **_group_form_context(coach_id, fresh, notice=text),
        )
    flash(text, "success")
    return redirect(url_for("coach.week", start=day.isoformat(), **coach_args(coach_id)))


GRID_CHOICE_LABELS = {
    "block": "Block this time",
    "addition": "Add availability",
    "group": "Schedule a group class",
}
"""What the popover over a time picked on the grid offers (``?choice=``); the last one only to
a coach with group hours."""


class Picked(NamedTuple):
    """A time picked on the grid: a local date and ``HH:MM`` times (as typed, to keep them)."""

    day: date | None
    start: str
    end: str


def _picked(values, day_name: str, start_name: str, end_name: str) -> tuple[Picked, dict]:
    """The date and times the popover's request names, and an error per field that is unreadable."""
    errors: dict[str, str] = {}
    raw = (values.get(day_name) or "").strip()
    day = inputs.parse_date(raw)
    if day is None:
        errors[day_name] = (
            f"{raw[:40]!r} is not a date we can use; use YYYY-MM-DD." if raw else "Choose a date."
        )
    start, end = (values.get(start_name) or "").strip(), (values.get(end_name) or "").strip()
    for name, text in ((start_name, start), (end_name, end)):
        try:
            parse_hhmm(text, name)
        except ValidationError as exc:
            errors[name] = exc.message
    return Picked(day, start[:5], end[:5]), errors


def _group_hours(coach_id: int) -> bool:
    """Whether a weekly window of the coach is open to group classes."""
    return any(w.is_group for w in availability.list_weekly(coach_id))


def _popover(coach_id: int, picked: Picked, status: int = 200, events=(), **pop):
    """The popover over a picked time (htmx: just it, ``#grid-popover``; else the week page
    with it open). ``pop``: ``choice``, ``form``, ``confirm`` (would-be conflicts), ``done``
    (what was saved), ``errors`` (unreadable date or times)."""
    tz = coach_tz(coach_id)
    pop.setdefault("choice", None)
    pop.setdefault("errors", {})
    label = ""
    if picked.day is not None and not pop["errors"]:
        label = f"{picked.day:%a} {picked.day.day} {picked.day:%b}, {picked.start}–{picked.end}"
    pop.update(
        day=picked.day,
        start=picked.start,
        end=picked.end,
        label=label,
        group_hours=pop.get("group_hours", _group_hours(coach_id)),
    )
    qs = coach_args(coach_id)
    if label and not pop["choice"]:
        here = {"date": picked.day.isoformat(), "from": picked.start, "to": picked.end, **qs}
        pop["choices"] = [
            (text, url_for("coach.grid_pick", choice=choice, **here))
            for choice, text in GRID_CHOICE_LABELS.items()
            if choice != "group" or pop["group_hours"]
        ]
    context = {"pop": pop, "qs": qs, "tz": tz, "rooms": _rooms()}
    if wants_fragment():
        return page("coach/week.html", "popover", status=status, events=events, **context)
    week_context = _week_context(coach_id, picked.day or local_today(coach_id))
    week_context.update(context)
    return page("coach/week.html", status=status, events=events, **week_context)


def _rooms() -> list[RoomChoice]:
    return cache.cached("rooms", (), _room_choices)


def _choice_form(coach_id: int, choice: str, picked: Picked) -> forms.Form:
    """The form a choice opens, filled with the picked date and times."""
    day = picked.day.isoformat() if picked.day else ""
    if choice == "block":
        return forms.Form(
            {"from_date": day, "from_time": picked.start, "to_time": picked.end, "reason": ""}
        )
    if choice == "addition":
        room = coaches.get_settings(coach_id).default_room_id
        form = forms.addition_form(room_id=room)
        form.values.update(date=day, start_time=picked.start, end_time=picked.end, reason="")
        return form
    form = forms.group_form(day=picked.day)
    form.values.update(start_time=picked.start, end_time=picked.end)
    return form


@bp.get("/week/pick")
def grid_pick():
    """The popover over a time picked on the grid (``?date=&from=&to=``): what to do with it, or
    (``choice=block|addition|group``) that choice's form, filled in. An unreadable date or time
    is a 422 naming it; "group" without group hours is a 404 (it is not offered)."""
    coach_id = managed_coach() or abort(400)
    coaches.require_manager(current_user, coach_id)
    picked, errors = _picked(request.args, "date", "from", "to")
    choice = request.args.get("choice", "")
    if choice and choice not in GRID_CHOICE_LABELS:
        errors["choice"] = "Choose block, addition or group."
    if errors:
        return _popover(coach_id, picked, 422, errors=errors)
    if not choice:
        return _popover(coach_id, picked)
    group_hours = _group_hours(coach_id)
    if choice == "group" and not group_hours:
        abort(404)
    form = _choice_form(coach_id, choice, picked)
    return _popover(coach_id, picked, choice=choice, form=form, group_hours=group_hours)


@bp.post("/week/block")
def grid_block():
    """Block the picked time (optional reason). Like the availability page it asks first when
    that would put sessions in conflict (Save anyway = ``op=force``, Change it = ``op=change``);
    a repeated or overlapping block is refused naming the one already there (422)."""
    coach_id = managed_coach() or abort(400)
    form = forms.block_form(request.form)
    form.values.pop("whole_days", None)
    picked = Picked(
        inputs.parse_date(form.get("from_date")), form.get("from_time"), form.get("to_time")
    )
    op = request.form.get("op")
    if op == "change":
        return _popover(coach_id, picked, choice="block", form=form)
    done = block_time(coach_id, form, force=op == "force")
    if done.confirm:
        return _popover(coach_id, picked, choice="block", form=form, confirm=done.confirm)
    if not form.ok:
        return _popover(coach_id, picked, form.status, choice="block", form=form)
    row, found = done.row, done.found
    tz = coaches.coach_zone(coach_id)
    text = f"Blocked {availability.span_label(row.start_time, row.end_time, tz, row.reason)}."
    if found:
        text += f" {len(found)} session{'s are' if len(found) != 1 else ' is'} now in conflict."
    return _saved(coach_id, picked, text, conflicts=bool(found))


def _saved(coach_id: int, picked: Picked, text: str, conflicts: bool = True):
    """After a change made from the popover: htmx gets the popover saying so and the week
    refreshes (``week-changed``); without JS, the week with the text as a flash."""
    events = (WEEK_CHANGED, CONFLICTS_CHANGED)
    if wants_fragment():
        return _popover(coach_id, picked, events=events, done=text, conflicts=conflicts)
    flash(text, "warning" if conflicts else "success")
    day = (picked.day or local_today(coach_id)).isoformat()
    return redirect(url_for("coach.week", start=day, **coach_args(coach_id)))


@bp.post("/week/addition")
def grid_addition():
    """Open the picked time as extra availability (room optional); refused (422) naming the
    field, or the addition it repeats or overlaps."""
    coach_id = managed_coach() or abort(400)
    form = forms.addition_form(request.form)
    picked = Picked(
        inputs.parse_date(form.get("date")), form.get("start_time"), form.get("end_time")
    )
    row = add_availability(coach_id, form)
    if row is None:
        return _popover(coach_id, picked, form.status, choice="addition", form=form)
    tz = coaches.coach_zone(coach_id)
    return _saved(coach_id, picked, f"Added {describe(row, tz)} as extra availability.", False)

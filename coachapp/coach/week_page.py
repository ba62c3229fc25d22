"""The coach's week: the grid, Monday to Sunday in the coach's zone (laid out by ``week.py``), and
the form that schedules a group class once or as a series."""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from .. import cache, inputs
from ..models import utcnow
from ..scheduling import DAY_NAMES, day_of_week, local_datetime, parse_hhmm
from ..services import coach_calendar, coach_settings, coaches, group_classes
from ..services.errors import DomainError, NotFound
from ..vocab import SessionStatus
from ..web import page, wants_fragment
from . import bp, forms
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


def _week_context(coach_id: int, start: date) -> dict:
    monday = coach_calendar.monday_of(start)
    today = local_today(coach_id)
    return {
        "coach": coaches.get_coach(coach_id),
        "coach_id": coach_id,
        "qs": coach_args(coach_id),
        "monday": monday,
        "week_html": week_section(coach_id, monday, today, hide_cancelled=_hide_cancelled()),
        **_group_form_context(coach_id, forms.group_form(day=max(today, monday))),
    }


def week_section(
    coach_id: int, monday: date, today: date, *, hide_cancelled: bool = False
) -> Markup:
    """The ``#week`` section's HTML, made once per coach, week, viewer, data version
    (``coachapp.cache``) and, for the week holding today, minute (the current-time line): the
    grid is most of the page's work. ``hide_cancelled`` leaves cancelled sessions out, and the
    week's links keep ``?cancelled=hide``."""
    qs = coach_args(coach_id)
    coaches.require_manager(current_user, coach_id)
    keep = {CANCELLED_ARG: "hide"} if hide_cancelled else {}
    is_this_week = coach_calendar.monday_of(today) == monday
    now = utcnow().replace(second=0, microsecond=0) if is_this_week else None

    def make() -> Markup:
        data = coach_calendar.week(current_user, coach_id, monday)

        def week_url(day: date, **extra) -> str:
            return url_for("coach.week", start=day.isoformat(), **qs, **extra)

        return Markup(
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
            )
        )

    viewer = (current_user.role, tuple(sorted(qs.items())))
    return cache.cached("week", (coach_id, monday, today, now, hide_cancelled, viewer), make)


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

"""The availability page: the weekly template (edited one weekday at a time, in place), blocked
time with a preview of the sessions it would put in conflict, and extra availability."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from .. import inputs
from ..errors import sentence
from ..models import AvailabilityAddition, BlockedSlot, TrainingSession
from ..scheduling import DAY_NAMES
from ..services import availability, coach_calendar, coach_settings, coaches
from ..services.errors import DomainError, NotFound
from ..web import fragment, page, wants_fragment
from . import bp, forms
from .common import (
    CONFLICTS_CHANGED,
    base_context,
    coach_args,
    coach_or_picker,
    describe,
    managed_coach,
)

WEEK_ORDER = (1, 2, 3, 4, 5, 6, 0)
"""Weekdays as the page lists them, Monday first (0 = Sunday, as the spec counts)."""

PREVIEW_ROWS = 10
"""How many would-be conflicts a preview lists before "and N more"."""


def _day(
    coach_id: int,
    day: int,
    windows=None,
    form: forms.DayForm | None = None,
    notice=None,
    preview=None,
) -> dict:
    """One weekday's row: its windows, the editor when ``form`` is given, or the question
    before saving it when ``preview`` (the sessions it would put in conflict) is given too."""
    if windows is None:
        windows = [w for w in availability.list_weekly(coach_id) if w.day_of_week == day]
    return {
        "num": day,
        "name": DAY_NAMES[day],
        "windows": windows,
        "form": form,
        "notice": notice,
        "preview": preview,
    }


def _availability_context(coach_id: int, **extra) -> dict:
    context = base_context(coach_id)
    weekly, blocked, additions = coach_calendar.upcoming_availability(coach_id)
    edit = extra.pop("edit", None)
    days = []
    for num in WEEK_ORDER:
        windows = [w for w in weekly if w.day_of_week == num]
        form = preview = None
        if edit is not None and edit[0] == num:
            form = edit[1]
            preview = edit[2] if len(edit) > 2 else None
        days.append(_day(coach_id, num, windows, form, preview=preview))
    context.update(
        days=days,
        rooms=coach_settings.list_rooms(),
        room_names=coach_calendar.room_names(),
        blocked=blocked,
        additions=additions,
        block_form=forms.block_form(),
        block_preview=None,
        block_confirm=None,
        block_result=None,
        addition=forms.addition_form(room_id=context["settings"].default_room_id),
        addition_result=None,
    )
    context.update(extra)
    return context


def _check_day(day: int) -> None:
    if not 0 <= day <= 6:
        abort(404)


@bp.get("/availability", endpoint="availability")
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


@bp.get("/availability/<int:day>")
def day_row(day: int):
    """One weekday's windows as a row (HTMX: cancel editing); the page otherwise."""
    _check_day(day)
    coach_id = managed_coach() or abort(400)
    if not wants_fragment():
        return redirect(url_for("coach.availability", **coach_args(coach_id)))
    return fragment("coach/_day.html", day=_day(coach_id, day), **_day_extras(coach_id))


def _day_extras(coach_id: int) -> dict:
    return {
        "qs": coach_args(coach_id),
        "rooms": coach_settings.list_rooms(),
        "room_names": coach_calendar.room_names(),
    }


@bp.get("/availability/<int:day>/edit")
def edit_day(day: int):
    """The editor for one weekday's windows, in place of its row."""
    _check_day(day)
    coach_id = managed_coach() or abort(400)
    if not wants_fragment():
        return redirect(url_for("coach.availability", edit=day, **coach_args(coach_id)))
    rows = [
        forms.WindowRow.of(w) for w in availability.list_weekly(coach_id) if w.day_of_week == day
    ]
    form = forms.DayForm(rows=rows or [forms.WindowRow()])
    return fragment("coach/_day.html", day=_day(coach_id, day, form=form), **_day_extras(coach_id))


@bp.post("/availability/<int:day>")
def save_day(day: int):
    """Add a row, remove a row, or save a weekday's windows (the service replaces the whole day).

    Saving first asks when the new windows would put sessions in conflict ("This will put these
    N sessions in conflict", Save anyway / Change it); with none it saves at once. "Save anyway"
    posts ``op=force``, "Change it" (``op=change``) gives the editor back with the values typed.
    """
    _check_day(day)
    coach_id = managed_coach() or abort(400)
    form = forms.DayForm.from_form(request.form)
    op = request.form.get("op", "save")
    if op == "change":
        return _day_editor(coach_id, day, form, 200)
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
    if op != "force":
        try:
            coaches.require_manager(current_user, coach_id)
            would = availability.preview_weekly_day(coach_id, day, form.inputs())
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            form.fail(exc)
            return _day_editor(coach_id, day, form, exc.status)
        if would:
            return _day_editor(coach_id, day, form, 200, conflict_preview(coach_id, would))
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
    if wants_fragment():
        return fragment(
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


def _day_editor(
    coach_id: int, day: int, form: forms.DayForm, status: int, preview: dict | None = None
):
    """The day's editor (or, with ``preview``, the question before saving it) in place of its
    row; the whole page without htmx."""
    if wants_fragment():
        return fragment(
            "coach/_day.html",
            status=status,
            day=_day(coach_id, day, form=form, preview=preview),
            **_day_extras(coach_id),
        )
    return page(
        "coach/availability.html",
        status=status,
        **_availability_context(coach_id, edit=(day, form, preview)),
    )


def conflict_preview(coach_id: int, would) -> dict:
    """The would-be conflicts of a change as its question lists them: the first
    ``PREVIEW_ROWS`` (date, time, member), how many more, and the total."""
    return {
        "rows": _preview_rows(coach_id, would[:PREVIEW_ROWS]),
        "more": max(0, len(would) - PREVIEW_ROWS),
        "total": len(would),
    }


def _preview_rows(coach_id: int, found) -> list[dict]:
    """Sessions for a preview or result list, with member names read in one query."""
    tz = coaches.coach_zone(coach_id)
    sessions_ = [c.session if hasattr(c, "session") else c for c in found]
    names = coach_calendar.member_names(sessions_)
    return [
        {"when": describe(s, tz), "who": names.get(s.member_id, s.title), "id": s.id}
        for s in sessions_
    ]


@bp.post("/blocked/preview")
def preview_blocked():
    """The sessions a blocked slot being typed would put in conflict (shown before saving)."""
    coach_id = managed_coach() or abort(400)
    form = forms.block_form(request.form)
    preview = _block_preview(coach_id, form)
    return fragment("coach/_block_preview.html", block_preview=preview, qs=coach_args(coach_id))


def _block_preview(coach_id: int, form: forms.Form) -> dict | None:
    span = forms.block_span(form, coaches.coach_zone(coach_id))
    if span is None:
        return None
    try:
        found = availability.preview_blocked_slot(coach_id, *span)
    except DomainError as exc:
        return {"error": sentence(exc), "rows": []}
    return {"error": None, "rows": _preview_rows(coach_id, found)}


class Blocked(NamedTuple):
    """What ``block_time`` did: asked first (``confirm``, the question; nothing saved), blocked
    (``row``, and the sessions it put in conflict, ``found``), or neither: refused, the reason
    on the form (``form.status`` its HTTP status)."""

    confirm: dict | None = None
    row: BlockedSlot | None = None
    found: Sequence[TrainingSession] = ()


def block_time(coach_id: int, form: forms.Form, *, force: bool) -> Blocked:
    """Block the time a blocked-time form names (the availability page's, the week grid's
    popover's). Unless ``force`` ("Save anyway"), a block that would put sessions in conflict
    is not saved: its question (``conflict_preview`` and ``what``, the span) comes back."""
    tz = coaches.coach_zone(coach_id)
    span = forms.block_span(form, tz)
    if span is None:
        return Blocked()
    reason = form.get("reason") or None
    try:
        if not force:
            coaches.require_manager(current_user, coach_id)
            would = availability.preview_blocked_slot(coach_id, *span)
            if would:
                confirm = conflict_preview(coach_id, would)
                confirm["what"] = availability.span_label(*span, tz, reason)
                return Blocked(confirm=confirm)
        row, found = availability.create_blocked_slot(current_user, coach_id, *span, reason)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        form.fail(exc, forms.block_field_names(form))
        return Blocked()
    return Blocked(row=row, found=found)


def add_availability(coach_id: int, form: forms.Form) -> AvailabilityAddition | None:
    """Open the time an extra-availability form names (the availability page's, the week
    grid's popover's) as extra availability; None when refused, the reason on the form
    (``form.status`` its HTTP status)."""
    span = forms.addition_span(form, coaches.coach_zone(coach_id))
    if span is None:
        return None
    try:
        return availability.create_addition(
            current_user,
            coach_id,
            *span,
            forms.optional_id(form.get("room_id")),
            form.get("reason") or None,
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        form.fail(exc)
        return None


@bp.post("/blocked")
def create_blocked():
    """Block time (a span, or whole days); answers with the sessions it put in conflict.

    When it would put sessions in conflict it asks first, in place of the form ("This will put
    these N sessions in conflict", Save anyway = ``op=force`` / Change it = ``op=change``, which
    gives the form back as typed); otherwise it blocks at once."""
    coach_id = managed_coach() or abort(400)
    form = forms.block_form(request.form)
    op = request.form.get("op")
    if op == "preview":
        return page(
            "coach/availability.html",
            **_availability_context(
                coach_id, block_form=form, block_preview=_block_preview(coach_id, form)
            ),
        )
    if op == "change":
        return _section(coach_id, "blocked", block_form=form)
    done = block_time(coach_id, form, force=op == "force")
    if done.confirm:
        return _section(coach_id, "blocked", block_form=form, block_confirm=done.confirm)
    if not form.ok:
        return _section(coach_id, "blocked", status=422, block_form=form)
    tz, row = coaches.coach_zone(coach_id), done.row
    result = {
        "what": f"{coaches.describe(row.start_time, tz)} – {coaches.describe(row.end_time, tz)}",
        "rows": _preview_rows(coach_id, done.found),
    }
    text = f"Blocked {result['what']}."
    if result["rows"]:
        text += f" {len(result['rows'])} session(s) are now in conflict — see Conflicts."
    return _saved(coach_id, "blocked", text, bool(result["rows"]), block_result=result)


def _section(coach_id: int, block: str, status: int = 200, events=(), **context):
    """The page's ``block`` section (htmx), or the whole page, with ``context`` in it."""
    return page(
        "coach/availability.html",
        block,
        status=status,
        events=events,
        **_availability_context(coach_id, **context),
    )


def _saved(coach_id: int, block: str, text: str, conflicts: bool, **result):
    """After blocked time or extra availability is saved: htmx gets its section again with the
    ``result`` in it (and the conflicts badge refreshes); without JS, the page with ``text`` as
    a flash (a warning when ``conflicts``)."""
    if wants_fragment():
        return _section(coach_id, block, events=(CONFLICTS_CHANGED,), **result)
    flash(text, "warning" if conflicts else "success")
    return redirect(url_for("coach.availability", **coach_args(coach_id)))


@bp.post("/blocked/<int:slot_id>/delete")
def delete_blocked(slot_id: int):
    """Remove a blocked slot (its time is available again)."""
    coach_id = managed_coach() or abort(400)
    availability.delete_blocked_slot(current_user, slot_id)
    return _removed(coach_id, "Blocked time removed.")


@bp.post("/additions")
def create_addition():
    """Open extra time outside the weekly template."""
    coach_id = managed_coach() or abort(400)
    form = forms.addition_form(request.form)
    row = add_availability(coach_id, form)
    if row is None:
        return _section(coach_id, "additions", status=422, addition=form)
    text = f"Added {describe(row, coaches.coach_zone(coach_id))}."
    return _saved(coach_id, "additions", text, False, addition_result=text)


@bp.post("/additions/<int:addition_id>/delete")
def delete_addition(addition_id: int):
    """Remove extra availability (sessions inside it may become conflicts)."""
    coach_id = managed_coach() or abort(400)
    availability.delete_addition(current_user, addition_id)
    return _removed(coach_id, "Extra availability removed.")


def _removed(coach_id: int, text: str):
    """After blocked time or extra availability is removed: htmx gets nothing (the row goes) and
    the conflicts badge refreshes; without JS, the page with ``text`` as a flash."""
    if wants_fragment():
        return fragment("coach/_empty.html", events=(CONFLICTS_CHANGED,))
    flash(text, "success")
    return redirect(url_for("coach.availability", **coach_args(coach_id)))

"""The booking sheet of one slot on a coach's page (``book_pages``): once, or every 1 or 2 weeks
with its preview, the booking itself and its confirmation. Without JavaScript the sheet is a page of
its own (the coach page with the sheet open)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from ..errors import sentence
from ..extensions import db
from ..models import RecurringBooking, Room
from ..scheduling import day_of_week
from ..services import (
    booking_rules,
    bookings,
    coach_calendar,
    coaches,
    horizon,
    member_views,
    memberships,
    sessions,
)
from ..services.bookings import SeriesSpec
from ..services.errors import Conflict, DomainError, RoomTaken, SlotTaken, ValidationFailed
from ..web import page, respond, wants_fragment
from . import bp
from .book_pages import coach_context
from .common import (
    PREVIEW_PROMPT,
    SLOTS_CHANGED,
    ask_gym,
    balance_on,
    cancel_policy,
    now_utc,
    when,
)
from .forms import BookForm, parse_instant


def _slot_from(form: BookForm) -> tuple[datetime, datetime] | None:
    start, end = parse_instant(form.start.data), parse_instant(form.end.data)
    if start is None or end is None or end <= start:
        return None
    return start, end


def _sheet(
    coach_id: int,
    form: BookForm,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    state: str = "form",
    check: bool = True,
    **extra,
) -> dict:
    """The booking sheet's context for the slot ``[start, end)``; with ``check``, a slot that is
    no longer open turns the sheet into "just taken" with the nearest free times."""
    check = check and state == "form"
    too_far = start > horizon.latest_start(now_utc())
    settings = coach_calendar.settings_of(coach_id)
    rules = booking_rules.for_actor(current_user, settings)
    slot = (
        member_views.find_slot(coach_id, start, end, now=now_utc(), rules=rules)
        if check and not too_far
        else None
    )
    room_id = slot.room_id if slot else None
    sheet = {
        "state": state,
        "form": form,
        "start": start.astimezone(tz),
        "end": end.astimezone(tz),
        "room": db.session.get(Room, room_id) if room_id else None,
        "preview": None,
        "preview_error": None,
        "signature": None,
        "notice": None,
        "policy": cancel_policy(start, settings.cancellation_window_hours, now_utc()),
        "balance": balance_on(start),
        "ask_gym": None,
        "oob": False,
    }
    sheet.update(extra)
    if check and too_far:
        sheet["state"] = "taken"
        sheet["taken_title"] = "Not available"
        sheet["message"] = sentence(horizon.too_far("start_time", tz, now_utc()))
        sheet["status"] = 422
    elif check and slot is None and rules is not None and not rules.allows(start, now_utc()):
        sheet["state"] = "taken"
        sheet["taken_title"] = "Not available"
        try:
            booking_rules.check(current_user, settings, start, now_utc())
        except Conflict as exc:
            sheet["message"] = sentence(exc)
    elif check and slot is None:
        sheet["state"] = "taken"
        sheet["taken_title"] = "Just taken"
        sheet["message"] = "this time is no longer free."
    if sheet["state"] == "taken":
        sheet["alternatives"] = (
            []
            if too_far
            else member_views.nearest_free_slots(coach_id, start, now=now_utc(), rules=rules)
        )
    return sheet


def _sheet_status(sheet: dict, ok: int = 200) -> int:
    """The status of a sheet: its own (422 for a time beyond the horizon), 409 when the slot was
    taken, else ``ok``."""
    return sheet.get("status") or (409 if sheet["state"] == "taken" else ok)


def _series_spec(
    coach_id: int, form: BookForm, start: datetime, end: datetime, tz: ZoneInfo
) -> SeriesSpec:
    """The recurring booking the sheet's form asks for: the slot's weekday and local times."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    end_time = local_end.strftime("%H:%M")
    if local_end.date() > local_start.date() and end_time == "00:00":
        end_time = "24:00"
    return SeriesSpec(
        coach_id,
        day_of_week=day_of_week(local_start.date()),
        start_time=local_start.strftime("%H:%M"),
        end_time=end_time,
        start_date=form.start_date.data or local_start.date(),
        end_date=form.end_date.data,
        frequency=int(form.frequency.data),
    )


def _preview(coach_id: int, form: BookForm, start, end, tz) -> tuple[object | None, str | None]:
    """The first dates of the recurring booking the form asks for, or why there are none."""
    if not form.recurring:
        return None, None
    try:
        return bookings.preview_recurring(
            current_user, _series_spec(coach_id, form, start, end, tz)
        ), None
    except DomainError as exc:
        return None, sentence(exc)


def _page_with_sheet(
    coach_id: int, sheet: dict, block: str = "sheet", status: int = 200, events=()
):
    """The coach page with the sheet open, or (htmx) only ``block`` of it."""
    if wants_fragment():
        context = {
            "coach": coaches.get_coach(coach_id),
            "sheet": sheet,
            "coach_zone": sheet["zone"],
            "member_zone": member_views.member_zone(current_user),
        }
        context["show_member_time"] = context["member_zone"].key != context["coach_zone"].key
    else:
        context = coach_context(coach_id, now_utc())
        context["sheet"] = sheet
    return page("member/coach.html", block, status, events, **context)


def _coach_zone(coach_id: int) -> ZoneInfo:
    """The coach's zone, from the coach and settings read once for the request (the sheet and the
    slot search read the same rows again for free)."""
    return coaches.zone_of(coach_calendar.coach_with_settings(coach_id)[1])


def _get_form() -> BookForm:
    return BookForm(formdata=request.args, meta={"csrf": False})


@bp.get("/book/<int:coach_id>/slot")
def slot_sheet(coach_id: int):
    """The confirmation sheet of one slot (``start``, ``end``): once, or every 1 or 2 weeks.

    A slot that is no longer free opens as "just taken" with the nearest free times (409).
    """
    tz = _coach_zone(coach_id)
    form = _get_form()
    times = _slot_from(form)
    if times is None:
        abort(404)
    start, end = times
    if form.start_date.data is None:
        form.start_date.data = start.astimezone(tz).date()
    sheet = _sheet(coach_id, form, start, end, tz, zone=tz)
    if sheet["state"] == "form" and form.recurring:
        sheet["preview"], sheet["preview_error"] = _preview(coach_id, form, start, end, tz)
        sheet["signature"] = form.signature()
    return _page_with_sheet(coach_id, sheet, status=_sheet_status(sheet))


@bp.get("/book/<int:coach_id>/preview")
def preview(coach_id: int):
    """The first sessions, skipped and colliding dates of the repeating booking the sheet's form
    describes (htmx: the preview only, refreshed whenever the form changes)."""
    tz = _coach_zone(coach_id)
    form = _get_form()
    times = _slot_from(form)
    if times is None:
        abort(422)  # like the booking itself: a preview of no time is invalid input
    start, end = times
    status = 200
    sheet = _sheet(coach_id, form, start, end, tz, check=False, zone=tz)
    if form.start_date.data is None and not form.start_date.raw_data:
        form.start_date.data = start.astimezone(tz).date()
    # htmx: the answer also replaces the date fields' error lists (out of band), so an error goes
    # away on the answer that shows the dates it now gives.
    sheet["oob"] = wants_fragment()
    if not form.validate():
        sheet["preview_error"] = " ".join(e for errors in form.errors.values() for e in errors)
        status = 422
    else:
        sheet["preview"], sheet["preview_error"] = _preview(coach_id, form, start, end, tz)
        sheet["signature"] = form.signature()
        if sheet["preview_error"]:
            status = 422
    return _page_with_sheet(coach_id, sheet, block="preview", status=status)


@bp.post("/book/<int:coach_id>/slot")
def book_slot(coach_id: int):
    """Book the sheet's slot once, or as a weekly / bi-weekly series after its preview was shown.

    Booked: htmx gets the confirmation in the sheet (and ``slots-changed``), a plain post is
    redirected to the session. Lost the slot: the sheet says "just taken" with the nearest free
    times (409, ``slots-changed``). Invalid input: the form again, values kept, errors inline (422).
    """
    tz = coaches.coach_zone(coach_id)  # the booking service reads the settings the same way
    form = BookForm()
    times = _slot_from(form)
    if times is None:
        abort(422)
    start, end = times
    now = now_utc()
    if not form.validate():
        sheet = _sheet(coach_id, form, start, end, tz, zone=tz)
        return _page_with_sheet(coach_id, sheet, status=_sheet_status(sheet, 422))
    try:
        if form.recurring:
            if form.previewed.data != form.signature():
                sheet = _sheet(coach_id, form, start, end, tz, zone=tz, notice=PREVIEW_PROMPT)
                if sheet["state"] == "form":
                    sheet["preview"], sheet["preview_error"] = _preview(
                        coach_id, form, start, end, tz
                    )
                    sheet["signature"] = form.signature()
                    return _page_with_sheet(
                        coach_id, sheet, status=422 if sheet["preview_error"] else 200
                    )
                return _page_with_sheet(
                    coach_id, sheet, status=_sheet_status(sheet), events=SLOTS_CHANGED
                )
            series, made = bookings.create_recurring(
                current_user, _series_spec(coach_id, form, start, end, tz)
            )
            first = min(made, key=lambda s: s.start_time) if made else None
        else:
            series = None
            _booking, first = bookings.book_one_time(current_user, coach_id, start, end, now=now)
    except ValidationFailed as exc:
        field = getattr(form, exc.field or "", None)
        sheet = _sheet(coach_id, form, start, end, tz, check=False, zone=tz)
        if field is not None and field.name in ("start_date", "end_date", "frequency"):
            field.errors = [*field.errors, sentence(exc)]
        else:
            sheet["notice"] = sentence(exc)
        return _page_with_sheet(coach_id, sheet, status=422)
    except Conflict as exc:
        if isinstance(exc, RoomTaken):
            title, message = "Room taken", sentence(exc)
        elif isinstance(exc, SlotTaken):
            title, message = "Just taken", f"someone booked {when(start, tz)} a moment ago."
        elif isinstance(exc, memberships.REFUSALS):
            title, message = "Membership needed", sentence(exc)
        else:
            title, message = "Not available", sentence(exc)
        sheet = _sheet(
            coach_id,
            form,
            start,
            end,
            tz,
            state="taken",
            zone=tz,
            taken_title=title,
            message=message,
            ask_gym=ask_gym(exc),
        )
        return _page_with_sheet(coach_id, sheet, status=409, events=SLOTS_CHANGED)

    if first is None:
        flash("Your repeating booking is made; its first session is further ahead.", "success")
        target = url_for("member.my_sessions")
    else:
        target = url_for("member.session_detail", session_id=first.id, booked=1)
    if not wants_fragment():
        return redirect(target, 303)
    sheet = _sheet(
        coach_id,
        form,
        start,
        end,
        tz,
        state="booked",
        zone=tz,
        booked=booked_context(first, series, tz),
    )
    return _page_with_sheet(coach_id, sheet, events=SLOTS_CHANGED)


def booked_context(first, series: RecurringBooking | None, tz: ZoneInfo) -> dict:
    """What the "you're booked" card shows: the (first) session, its series and its coach."""
    upcoming = []
    if series is not None:
        upcoming = sessions.list_sessions(current_user, member_id=current_user.id, start=now_utc())
        upcoming = [s for s in upcoming if s.recurring_booking_id == series.id][:4]
    return {
        "session": first,
        "series": series,
        "upcoming": upcoming,
        "zone": tz,
        "coach_name": first.coach.name if first else "",
        "room_name": first.room.name if first and first.room else None,
    }


@bp.get("/book/close")
def close_sheet():
    """Close the bottom sheet (htmx swaps in nothing); without htmx, back to the coaches."""
    if wants_fragment():
        return respond()
    return redirect(url_for("member.book"))

"""A coach's slots and the booking sheet: the slot list by day (more days, refreshed on
``slots-changed``), the sheet of one slot (once, or every 1 or 2 weeks with its preview), the
booking itself and its confirmation. Without JavaScript the sheet is a page of its own."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from .. import cache, inputs
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
    sessions,
    slots,
)
from ..services.bookings import SeriesSpec
from ..services.errors import (
    Conflict,
    DomainError,
    RoomTaken,
    SlotTaken,
    ValidationFailed,
)
from ..vocab import Role
from ..web import page, respond, wants_fragment
from . import bp
from .common import (
    DAYS_STEP,
    MAX_DAYS,
    MEMBERSHIP_REFUSALS,
    PREVIEW_PROMPT,
    SLOTS_CHANGED,
    ask_gym,
    asked_range,
    balance_on,
    booking_opens_note,
    cancel_policy,
    coach_and_window,
    day_label,
    now_utc,
    when,
)
from .forms import BookForm, parse_instant

MONTH_SEARCH_DAYS = slots.MAX_DAYS
"""The longest slot search one page view makes: the month grid and the day list share it when
they fit (the usual case: one search); otherwise each gets its own (at most two)."""


def _chosen_day(tz: ZoneInfo, now: datetime, last_day: date) -> tuple[date | None, str | None]:
    """The day ``?date=`` asks for (the calendar's choice, a deep link), or why it cannot be
    shown: not a date, passed, or beyond the last day one may book (``last_day``)."""
    text = request.args.get("date")
    if text is None:
        return None, None
    day = inputs.parse_date(text)
    today = now.astimezone(tz).date()
    if day is None:
        error = ValidationFailed(
            f"the date must be a day written YYYY-MM-DD, like {today.isoformat()}.", field="date"
        )
    elif day < today:
        error = ValidationFailed(
            f"the date {day_label(day)} {day.year} has passed; here is today.", field="date"
        )
    elif day > last_day:
        error = ValidationFailed(
            f"the date {day_label(day)} {day.year} is beyond the last day you can book, "
            f"{day_label(last_day)} {last_day.year}; here is today.",
            field="date",
        )
    else:
        return day, None
    return None, sentence(error)


def _search(coach_id: int, first_day: date, days: int, now: datetime, rules):
    """The coach's slots on ``days`` local dates from ``first_day`` by day, kept per data version
    and minute (``coachapp.cache``): the slot search is most of the page."""
    return cache.cached(
        "slots",
        (coach_id, first_day, days, rules),
        lambda: member_views.slot_days(coach_id, first_day, days, now=now, rules=rules),
    )


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _month_range(day: date, today: date, last: date) -> tuple[date, date] | None:
    """The dates of ``day``'s month that can have free times (today to ``last``), or None."""
    first = day.replace(day=1)
    month_last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    lo, hi = max(first, today), min(month_last, last)
    return (lo, hi) if lo <= hi else None


def _slots_by_day(coach_id: int, ranges: list, now: datetime, rules) -> dict:
    """The coach's slots by local date over the date ``ranges``: one search over all of them when
    they span at most ``MONTH_SEARCH_DAYS``, else one per range (never one per day)."""
    if not ranges:
        return {}
    lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
    if (hi - lo).days < MONTH_SEARCH_DAYS:
        ranges = [(lo, hi)]
    return {
        d.day: d.slots
        for first, last in ranges
        for d in _search(coach_id, first, (last - first).days + 1, now, rules)
    }


def _month_days(first: date, last: date) -> list[date]:
    """The dates of a Monday-first month grid around ``[first, last]`` (whole weeks)."""
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=6 - last.weekday())
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _month(coach_id: int, selected: date, today: date, last: date, counts: dict) -> dict:
    """The month grid of ``selected``'s month: each date's free times (``counts``), whether it can
    be chosen (today to ``last``, with free times), the one tab stop and the month links."""
    first = selected.replace(day=1)
    month_last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    cells = []
    for day in _month_days(first, month_last):
        if day.month != first.month:
            cells.append(None)
            continue
        count = counts.get(day, 0)
        reason = None
        if day < today:
            reason = "past"
        elif day > last:
            reason = "not bookable yet"
        elif not count:
            reason = "no free times"
        cells.append(
            {
                "day": day,
                "name": f"{day:%A} {day.day} {day:%B}",  # spoken: "Tuesday 16 March"
                "count": count,
                "open": reason is None,
                "reason": reason,
                "selected": day == selected,
                "today": day == today,
                "url": url_for("member.coach_slots", coach_id=coach_id, date=day.isoformat()),
                "hx_url": url_for("member.coach_month", coach_id=coach_id, date=day.isoformat()),
            }
        )
    in_month = [c for c in cells if c is not None]
    stop = next((c for c in in_month if c["selected"] and c["open"]), None)
    stop = stop or next((c for c in in_month if c["open"]), None)
    stop = stop or next((c for c in in_month if c["selected"]), None)
    stop = stop or next((c for c in in_month if c["day"] >= today), in_month[0])
    stop["tab_stop"] = True

    def link(day: date | None) -> dict | None:
        if day is None:
            return None
        return {
            "label": f"{day:%B %Y}",
            "url": url_for("member.coach_slots", coach_id=coach_id, date=day.isoformat()),
            "hx_url": url_for("member.coach_month", coach_id=coach_id, date=day.isoformat()),
        }

    prev_first = (first - timedelta(days=1)).replace(day=1)
    next_first = month_last + timedelta(days=1)
    return {
        "title": f"{first:%B %Y}",
        "weeks": [cells[i : i + 7] for i in range(0, len(cells), 7)],
        "prev": link(max(prev_first, today) if first > today else None),
        "next": link(next_first if next_first <= last else None),
    }


def _coach_context(
    coach_id: int, now: datetime, first_day: date | None = None, days: int | None = None
) -> dict:
    """What the coach page shows around the sheet: coach, zones, the slot list and the month grid
    (the list starts at the chosen day, ``?date=``, which the grid marks)."""
    coach, window_hours = coach_and_window(coach_id)
    tz = ZoneInfo(coach.timezone)
    asked_first, asked_days = asked_range(tz, now)
    # The member sees only what they may book; past the coach's horizon the page says why.
    rules = coach.rules if current_user.role == Role.MEMBER else None
    today = now.astimezone(tz).date()
    last_bookable = horizon.last_day(tz, now)
    if rules is not None:
        last_bookable = min(last_bookable, rules.last_day(now))
    chosen, date_error = _chosen_day(tz, now, last_bookable)
    if first_day is None and chosen is not None and "from" not in request.args:
        first_day = chosen
    first_day = first_day or asked_first
    days = days or asked_days
    mz = member_views.member_zone(current_user)
    more = days + DAYS_STEP if days + DAYS_STEP <= MAX_DAYS else None
    range_args = {"coach_id": coach_id, "from": first_day.isoformat()}
    if chosen is not None:
        range_args["date"] = chosen.isoformat()
    slot_error = None
    if first_day > horizon.last_day(tz, now):
        slot_error = sentence(horizon.too_far("from", tz, now))
        more = None
    horizon_note = opens_note = None
    if rules is not None and first_day + timedelta(days=days - 1) > rules.last_day(now):
        horizon_note = coach.horizon_message + "."
        beyond = max(first_day, rules.last_day(now) + timedelta(days=1))
        opens_note = f"{booking_opens_note(rules, beyond, tz, mz)} for {day_label(beyond)}."
        more = None
    # The list's days, and the month grid of the chosen day: ?date=, else the list's first day
    # with free times (else its first day). One slot search covers both when they fit in one.
    list_days = [first_day + timedelta(days=i) for i in range(days)]
    wanted = [] if slot_error else [(list_days[0], list_days[-1])]
    for day in [chosen] if chosen else [first_day, list_days[-1]]:
        wanted.append(_month_range(day, today, last_bookable))
    by_day = _slots_by_day(coach_id, [r for r in wanted if r], now, rules)
    day_slots = [member_views.DaySlots(d, by_day.get(d, [])) for d in list_days]
    selected = chosen or next((d.day for d in day_slots if d.slots), first_day)
    if selected > last_bookable:
        selected = today
    month_range = _month_range(selected, today, last_bookable)
    if month_range and not all(d in by_day for d in _dates(*month_range)):
        by_day.update(_slots_by_day(coach_id, [month_range], now, rules))
    counts = {d: len(found) for d, found in by_day.items()}
    # Slots starting before this are inside the cancellation window (marked in the list).
    late_before = now + timedelta(hours=window_hours) if window_hours else None
    return {
        "coach": coach,
        "coach_zone": tz,
        "member_zone": mz,
        "show_member_time": mz.key != tz.key,
        "days": day_slots,
        "chosen_day": selected,
        "slot_error": slot_error,
        "date_error": date_error,
        "horizon_note": horizon_note,
        "opens_note": opens_note,
        "late_before": late_before,
        "late_legend": late_before is not None
        and any(slot.start < late_before for day in day_slots for slot in day.slots),
        "window_hours": window_hours,
        "refresh_url": url_for("member.coach_slots", days=days, **range_args),
        "more_url": url_for("member.coach_slots", days=more, **range_args) if more else None,
        "month": _month(coach_id, selected, today, last_bookable, counts)
        | {"refresh_url": url_for("member.coach_month", days=days, **range_args)},
        "sheet": None,
        "now": now,
    }


@bp.get("/book/<int:coach_id>")
def coach_slots(coach_id: int):
    """A coach's open slots for the coming days, by day in the coach's zone.

    An htmx request (``More days``, or the refresh on ``slots-changed``) gets the slot list only.
    """
    return _coach_page(coach_id, "slot_list")


@bp.get("/book/<int:coach_id>/month")
def coach_month(coach_id: int):
    """The month grid and the slot list from the chosen day (``?date=``): what a choice in the
    grid, or its previous / next month link, swaps in (htmx; the address bar shows the coach
    page's own ``?date=`` link). Without htmx: the coach page."""
    return _coach_page(coach_id, "booking")


def _coach_page(coach_id: int, block: str):
    context = _coach_context(coach_id, now_utc())
    status = 422 if context["slot_error"] or context["date_error"] else 200
    return page("member/coach.html", block, status, **context)


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
        context = _coach_context(coach_id, now_utc())
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
        elif isinstance(exc, MEMBERSHIP_REFUSALS):
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

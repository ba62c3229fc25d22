"""The member pages: pick a coach, book one of their slots (once or repeating), see and cancel
my sessions, read and dismiss notifications.

Every page works without JavaScript; htmx swaps the parts that change: the slot list (more days,
refreshed on ``slots-changed``), the bottom sheet (confirm, preview, just taken, booked, cancel)
and the session list (refreshed on ``sessions-changed``). Every answer goes through
``web.page``: the whole page, or (htmx) the block that changed, with its ``HX-Trigger`` events.
Fragments that report a refusal keep their status (409 slot taken, 422 invalid input); htmx swaps
them in place (``responseHandling`` in ``base.html``). Only members see these pages: the role
check is the blueprint's (``member/__init__.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import abort, flash, make_response, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from .. import cache, ics, inputs
from ..errors import sentence
from ..extensions import db
from ..models import RecurringBooking, Room, TrainingSession, User, utcnow
from ..scheduling import day_of_week
from ..services import (
    booking_rules,
    bookings,
    coach_calendar,
    coaches,
    feeds,
    group_classes,
    horizon,
    member_views,
    memberships,
    moves,
    notifications,
    sessions,
)
from ..services.bookings import SeriesSpec
from ..services.errors import (
    CapacityFull,
    Conflict,
    DomainError,
    NoCredits,
    NoMembership,
    RoomTaken,
    SlotTaken,
    TooLateToChange,
    ValidationFailed,
    WeeklyLimit,
)
from ..services.sessions import is_late_cancel
from ..vocab import BookingStatus, Role, SessionType
from ..web import page, respond, wants_fragment
from . import bp
from .forms import PICK_AGAIN, BookForm, CancelForm, MoveForm, parse_instant

DAYS_STEP = 7
"""Days of slots shown at first, and added by "More days"."""

MAX_DAYS = 91
"""The most days the slot list grows to (the slot service answers at most 92 at once)."""

PREVIEW_PROMPT = "Check the first dates below, then confirm."

CLASSES_CHANGED = ("classes-changed",)
SLOTS_CHANGED = ("slots-changed",)
SESSIONS_CHANGED = ("sessions-changed",)
"""The ``HX-Trigger`` events the member pages send: the parts listening refresh themselves."""


def _day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _when(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{_day_label(local.date())}, {local:%H:%M}"


def _hm(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%H:%M")


@bp.context_processor
def formatting():
    """Date and time helpers for the member templates (zones passed explicitly)."""
    return {
        "day_label": _day_label,
        "when": _when,
        "hm": _hm,
        "too_late_to_move": moves.too_late_message,
    }


def _now() -> datetime:
    return utcnow()


def _policy(start: datetime, window_hours: int, now: datetime) -> dict:
    """The coach's cancellation policy for a session starting at ``start``, as the member reads it
    before committing: until when cancelling is free (``free_until``), or that it already starts
    inside the window (``late``: cancelling would be a late cancel, ``sessions.is_late_cancel``)."""
    return {
        "window_hours": window_hours,
        "free_until": start - timedelta(hours=window_hours),
        "late": is_late_cancel(start, window_hours, now),
    }


MEMBERSHIP_REFUSALS = (NoMembership, NoCredits, WeeklyLimit)
"""The refusals of a required membership (``COACHAPP_REQUIRE_MEMBERSHIP``): the pages add a link
to ask the gym."""


def _balance(start: datetime):
    """The member's membership balance on the gym's date of ``start`` (None: no valid one)."""
    return memberships.balance(current_user.id, memberships.local_date(start))


def _ask_gym(exc: Exception) -> str | None:
    """For a membership refusal: a mailto link to the gym's first active admin, with a subject
    naming the member, so they can ask for a membership or a new pack; else None."""
    if not isinstance(exc, MEMBERSHIP_REFUSALS):
        return None
    email = db.session.scalar(
        select(User.email)
        .where(User.role == Role.ADMIN, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )
    if email is None:
        return None
    subject = quote(f"Membership for {current_user.name}")
    return f"mailto:{email}?subject={subject}"


def _opens_note(rules, day: date, tz: ZoneInfo) -> str:
    """When booking opens for the coach's local date ``day`` (past the horizon now): "Booking
    opens Tue 16 Mar, 00:00" (the coach's clock, as the page shows times)."""
    opens = rules.opens_at(day).astimezone(tz)
    return f"Booking opens {_day_label(opens.date())}, {opens:%H:%M}"


# --- choosing a coach -------------------------------------------------------------------------


@bp.get("/book")
def book():
    """The coaches a member can book, each with their next free slot (a shortcut to book it),
    and the group classes of the coming weeks with the places left."""
    now = _now()
    offers = member_views.coach_offers(now=now, actor=current_user)
    classes = member_views.class_offers(current_user, now=now)
    return page(
        "member/book.html",
        offers=offers,
        classes=classes,
        opens=_classes_opening(offers, classes, now),
        member_zone=member_views.member_zone(current_user),
    )


def _classes_opening(offers, classes, now: datetime) -> dict[int, str]:
    """For each listed class past its coach's booking horizon, by session id: when its booking
    opens ("Booking opens Mon 7 Dec, 00:00"). The rules come from the coaches' settings the offers
    already read."""
    rules = {offer.coach.id: booking_rules.rules_of(offer.settings) for offer in offers}
    out = {}
    for c in classes:
        coach_rules = rules.get(c.session.coach_id)
        day = c.session.start_time.astimezone(c.zone).date()
        if coach_rules is not None and day > coach_rules.last_day(now):
            out[c.session.id] = _opens_note(coach_rules, day, c.zone)
    return out


# --- group classes --------------------------------------------------------------------------


def _class_context(session_id: int, now: datetime, **extra) -> dict:
    """What a class's page shows: the class, places left, the member's place and what they can do."""
    offer = member_views.class_offer(current_user, session_id, now=now)
    session = offer.session
    rules = booking_rules.rules_of(coach_calendar.settings_of(session.coach_id))
    day = session.start_time.astimezone(offer.zone).date()
    member_zone = member_views.member_zone(current_user)
    beyond = day > rules.last_day(now)
    context = {
        "offer": offer,
        "member_zone": member_zone,
        "show_member_time": member_zone.key != offer.zone.key,
        "now": now,
        "notice": None,
        "error": None,
        "offer_waitlist": False,
        "policy": _policy(session.start_time, offer.window_hours, now),
        # A class past the coach's booking horizon: when its booking opens, instead of "Book".
        "opens_note": _opens_note(rules, day, offer.zone) if beyond else None,
        "opening": rules.opens_at(day) if beyond else None,
        "balance": _balance(session.start_time),
        "ask_gym": None,
    }
    context.update(extra)
    return context


def _class_page(session_id: int, now: datetime, status: int = 200, events=(), **extra):
    return page(
        "member/class.html",
        "class_card",
        status,
        events,
        **_class_context(session_id, now, **extra),
    )


@bp.get("/classes/<int:session_id>")
def class_detail(session_id: int):
    """A group class: when, with whom, places left; book a place, join the waitlist, or leave.

    The id of one of the member's one-to-one sessions shows that session (as ``/me/sessions/<id>``);
    any other id is a 404.
    """
    found = db.session.get(TrainingSession, session_id)
    if found is not None and found.type != SessionType.GROUP:
        return session_detail(session_id)
    return _class_page(session_id, _now())


@bp.post("/classes/<int:session_id>/book")
def book_class(session_id: int):
    """Book a place (``waitlist=1``: or a waitlist place when the class is full).

    A place taken meanwhile: the card again offering the waitlist (409). Done: htmx gets the
    card saying so, a plain post is redirected to the class.
    """
    now = _now()
    waitlist = request.form.get("waitlist") == "1"
    try:
        booking = group_classes.book_place(current_user, session_id, waitlist=waitlist, now=now)
    except CapacityFull:
        return _class_page(
            session_id,
            now,
            status=409,
            events=CLASSES_CHANGED,
            offer_waitlist=True,
            error="The last place was just taken. Join the waitlist to get the next one that frees up.",
        )
    except Conflict as exc:
        return _class_page(
            session_id,
            now,
            status=409,
            events=CLASSES_CHANGED,
            error=sentence(exc),
            ask_gym=_ask_gym(exc),
        )
    if booking.status == BookingStatus.CONFIRMED:
        done = "You're booked."
    else:
        position = group_classes.waitlist_positions([booking]).get(booking.id, 1)
        done = (
            f"You're on the waitlist, number {position}. If a place frees up it is yours, "
            "and we'll tell you."
        )
    if not wants_fragment():
        flash(done, "success")
        return redirect(url_for("member.class_detail", session_id=session_id), 303)
    return _class_page(session_id, now, events=CLASSES_CHANGED, notice=done)


@bp.post("/classes/<int:session_id>/leave")
def leave_class(session_id: int):
    """Give up my place (or waitlist place) in a class; inside the coach's cancellation window
    a confirmed place counts as a late cancel, which the card says before the member confirms."""
    now = _now()
    waiting = (
        member_views.class_offer(current_user, session_id, now=now).status
        == BookingStatus.WAITLISTED
    )
    try:
        booking = group_classes.leave_session(current_user, session_id, now=now)
    except Conflict as exc:
        return _class_page(session_id, now, status=409, events=CLASSES_CHANGED, error=sentence(exc))
    done = "You left the waitlist." if waiting else "You left the class."
    if booking.late_cancel:
        done += " It counts as a late cancel."
    if not wants_fragment():
        flash(done, "success")
        return redirect(url_for("member.class_detail", session_id=session_id), 303)
    return _class_page(session_id, now, events=CLASSES_CHANGED, notice=done)


# --- a coach's slots and the booking sheet ----------------------------------------------------


def _range_args(tz: ZoneInfo, now: datetime) -> tuple[date, int]:
    """The first day (``from``, not before today) and number of days (``days``) asked for."""
    today = now.astimezone(tz).date()
    first_day = max(inputs.parse_date(request.args.get("from", "")) or today, today)
    days = inputs.parse_int(request.args.get("days", ""))
    return first_day, DAYS_STEP if days is None else min(max(days, 1), MAX_DAYS)


def _coach_and_window(coach_id: int) -> tuple[member_views.CoachCard, int]:
    """The coach's card and cancellation window, kept per data version (``coachapp.cache``), like
    the slots: the window is read with the card's settings, no statement of its own."""
    return cache.cached(
        "coach card and window",
        (coach_id,),
        lambda: (
            member_views.coach_card(coach_id),
            coach_calendar.settings_of(coach_id).cancellation_window_hours,
        ),
    )


def _coach_context(
    coach_id: int, now: datetime, first_day: date | None = None, days: int | None = None
) -> dict:
    """What the coach page shows around the sheet: coach, zones and the slot list."""
    coach, window_hours = _coach_and_window(coach_id)
    tz = ZoneInfo(coach.timezone)
    asked_first, asked_days = _range_args(tz, now)
    first_day = first_day or asked_first
    days = days or asked_days
    mz = member_views.member_zone(current_user)
    more = days + DAYS_STEP if days + DAYS_STEP <= MAX_DAYS else None
    range_args = {"coach_id": coach_id, "from": first_day.isoformat()}
    slot_error = None
    if first_day > horizon.last_day(tz, now):
        slot_error = sentence(horizon.too_far("from", tz, now))
        more = None
    # The member sees only what they may book; past the coach's horizon the page says why.
    rules = coach.rules if current_user.role == Role.MEMBER else None
    horizon_note = opens_note = None
    if rules is not None and first_day + timedelta(days=days - 1) > rules.last_day(now):
        horizon_note = coach.horizon_message + "."
        beyond = max(first_day, rules.last_day(now) + timedelta(days=1))
        opens_note = f"{_opens_note(rules, beyond, tz)} for {_day_label(beyond)}."
        more = None
    # Kept per data version and minute (coachapp.cache): the slot search is most of the page.
    day_slots = (
        []
        if slot_error
        else cache.cached(
            "slots",
            (coach_id, first_day, days, rules),
            lambda: member_views.slot_days(coach_id, first_day, days, now=now, rules=rules),
        )
    )
    # Slots starting before this are inside the cancellation window (marked in the list).
    late_before = now + timedelta(hours=window_hours) if window_hours else None
    return {
        "coach": coach,
        "coach_zone": tz,
        "member_zone": mz,
        "show_member_time": mz.key != tz.key,
        "days": day_slots,
        "slot_error": slot_error,
        "horizon_note": horizon_note,
        "opens_note": opens_note,
        "late_before": late_before,
        "late_legend": late_before is not None
        and any(slot.start < late_before for day in day_slots for slot in day.slots),
        "window_hours": window_hours,
        "refresh_url": url_for("member.coach_slots", days=days, **range_args),
        "more_url": url_for("member.coach_slots", days=more, **range_args) if more else None,
        "sheet": None,
    }


@bp.get("/book/<int:coach_id>")
def coach_slots(coach_id: int):
    """A coach's open slots for the coming days, by day in the coach's zone.

    An htmx request (``More days``, or the refresh on ``slots-changed``) gets the slot list only.
    """
    context = _coach_context(coach_id, _now())
    status = 422 if context["slot_error"] else 200
    return page("member/coach.html", "slot_list", status, **context)


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
    too_far = start > horizon.latest_start(_now())
    settings = coach_calendar.settings_of(coach_id)
    rules = booking_rules.for_actor(current_user, settings)
    slot = (
        member_views.find_slot(coach_id, start, end, now=_now(), rules=rules)
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
        "policy": _policy(start, settings.cancellation_window_hours, _now()),
        "balance": _balance(start),
        "ask_gym": None,
    }
    sheet.update(extra)
    if check and too_far:
        sheet["state"] = "taken"
        sheet["taken_title"] = "Not available"
        sheet["message"] = sentence(horizon.too_far("start_time", tz, _now()))
        sheet["status"] = 422
    elif check and slot is None and rules is not None and not rules.allows(start, _now()):
        sheet["state"] = "taken"
        sheet["taken_title"] = "Not available"
        try:
            booking_rules.check(current_user, settings, start, _now())
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
            else member_views.nearest_free_slots(coach_id, start, now=_now(), rules=rules)
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
        context = _coach_context(coach_id, _now())
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
    now = _now()
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
            title, message = "Just taken", f"someone booked {_when(start, tz)} a moment ago."
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
            ask_gym=_ask_gym(exc),
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
        booked=_booked_context(first, series, tz),
    )
    return _page_with_sheet(coach_id, sheet, events=SLOTS_CHANGED)


def _booked_context(first, series: RecurringBooking | None, tz: ZoneInfo) -> dict:
    """What the "you're booked" card shows: the (first) session, its series and its coach."""
    upcoming = []
    if series is not None:
        upcoming = sessions.list_sessions(current_user, member_id=current_user.id, start=_now())
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


# --- my sessions --------------------------------------------------------------------------------


def _sessions_context(now: datetime) -> dict:
    return {
        "mine": member_views.my_sessions(current_user, now=now),
        "notices": notifications.list_for(current_user),
        "member_zone": member_views.member_zone(current_user),
        "zones": _zones(),
        "sheet": None,
        "now": now,
        "feed": _feed_card(),
    }


def _feed_card(notice: str | None = None) -> dict:
    """The member's calendar feed card: the secret URL (made on first use) and how to renew it."""
    token = feeds.feed_token_for(current_user)
    return {
        "url": url_for("feeds.calendar", token=token, _external=True),
        "regenerate_url": url_for("member.regenerate_feed"),
        "notice": notice,
    }


@bp.post("/me/feed/regenerate")
def regenerate_feed():
    """Make a new calendar feed URL; the old one stops working (asks first without htmx)."""
    if request.form.get("confirmed") != "1":
        return page(
            "feeds/confirm.html",
            action=url_for("member.regenerate_feed"),
            back=url_for("member.my_sessions"),
        )
    feeds.regenerate(current_user)
    text = "New feed URL made. The old one no longer works: subscribe your calendar to this one."
    if wants_fragment():
        return page("member/sessions.html", "feed", feed=_feed_card(notice=text))
    flash(text, "success")
    return redirect(url_for("member.my_sessions"), 303)


def _zones() -> dict[int, ZoneInfo]:
    """Each coach's zone, by coach id (one query)."""
    return {coach.id: coaches.zone_of(settings) for coach, settings in coaches.list_coaches()}


@bp.get("/me/sessions")
def my_sessions():
    """Upcoming and past sessions (cancelled ones too), notifications on top until dismissed.

    An htmx request (the refresh on ``sessions-changed``) gets the session list only.
    """
    return page("member/sessions.html", "session_list", **_sessions_context(_now()))


@bp.get("/me/sessions/<int:session_id>")
def session_detail(session_id: int):
    """One of my sessions: when, coach, room, status, add to calendar, cancel (``?booked=1``:
    the confirmation after booking without htmx)."""
    now = _now()
    item = member_views.session_item(current_user, session_id, now=now)
    session = item.session
    tz = coaches.coach_zone(session.coach_id)
    series = session.recurring_booking
    booked = None
    if request.args.get("booked"):
        booked = _booked_context(session, series, tz)
    return page(
        "member/session.html",
        item=item,
        session=session,
        zone=tz,
        series=series,
        booked=booked,
        member_zone=member_views.member_zone(current_user),
        now=now,
    )


@bp.get("/me/sessions/<int:session_id>.ics")
def session_ics(session_id: int):
    """The session as an iCalendar file, in the coach's zone, to add to a phone's calendar; the
    event is the one the member's feed shows (SEQUENCE included), so importing it again after a
    cancellation or a move replaces the earlier import."""
    session = sessions.get_session(current_user, session_id)
    tz = coaches.coach_zone(session.coach_id)
    body = ics.session_calendar(feeds.session_event(current_user, session), stamp=_now())
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    start = session.start_time.astimezone(tz)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="session-{start:%Y-%m-%d-%H%M}.ics"'
    )
    return response


def _cancel_form(item, zone: ZoneInfo, formdata=None) -> tuple[CancelForm, list[date]]:
    dates = member_views.series_dates_from(item.session, zone, now=_now())
    form = CancelForm(formdata=formdata) if formdata is not None else CancelForm()
    form.from_date.choices = [
        SelectChoice(d.isoformat(), f"{_day_label(d)} {d.year}") for d in dates
    ]
    if not form.from_date.data and dates:
        form.from_date.data = dates[0].isoformat()
    return form, dates


def _cancel_page(item, sheet: dict, status: int = 200, events=()):
    """The sessions page with the cancel sheet open, or (htmx) only the sheet."""
    if wants_fragment():
        context = {"sheet": sheet, "member_zone": member_views.member_zone(current_user)}
    else:
        context = _sessions_context(_now())
        context["sheet"] = sheet
    return page("member/sessions.html", "sheet", status, events, **context)


def _cancel_sheet(item, form, dates, zone, state: str = "form", message: str | None = None) -> dict:
    session = item.session
    return {
        "state": state,
        "item": item,
        "session": session,
        "form": form,
        "dates": dates,
        "zone": zone,
        "message": message,
        "coach_name": session.coach.name,
        "series": None if session.type == SessionType.GROUP else session.recurring_booking,
    }


@bp.get("/me/sessions/<int:session_id>/cancel")
def cancel_sheet(session_id: int):
    """Ask before cancelling: this session only, or the series from a date; says up front when
    the cancellation would fall inside the coach's cancellation window (a late cancel)."""
    item = member_views.session_item(current_user, session_id, now=_now())
    zone = coaches.coach_zone(item.session.coach_id)
    form, dates = _cancel_form(item, zone, formdata=request.args if request.args else None)
    state = "form" if item.cancellable(_now()) else "closed"
    message = None if state == "form" else "This session can no longer be cancelled."
    return _cancel_page(item, _cancel_sheet(item, form, dates, zone, state, message))


@bp.post("/me/sessions/<int:session_id>/cancel")
def cancel(session_id: int):
    """Cancel one session, or the whole series from the chosen date on."""
    now = _now()
    item = member_views.session_item(current_user, session_id, now=now)
    session = item.session
    zone = coaches.coach_zone(session.coach_id)
    form, dates = _cancel_form(item, zone)
    if form.scope.data == "series" and (
        session.recurring_booking_id is None or session.type == SessionType.GROUP
    ):
        form.scope.errors = [*form.scope.errors, "This session is not part of a repeating booking."]
        return _cancel_page(item, _cancel_sheet(item, form, dates, zone), status=422)
    if not form.validate():
        return _cancel_page(item, _cancel_sheet(item, form, dates, zone), status=422)
    try:
        if form.scope.data == "series":
            from_date = date.fromisoformat(form.from_date.data)
            bookings.cancel_recurring(
                current_user, session.recurring_booking_id, from_date=from_date, now=now
            )
            done = f"Cancelled every session of this booking from {_day_label(from_date)} on."
        elif session.type == SessionType.GROUP:
            group_classes.leave_session(current_user, session_id, now=now)
            waiting = item.place is not None and item.place.status == BookingStatus.WAITLISTED
            done = (
                f"You left {'the waitlist of ' if waiting else ''}{session.title} on "
                f"{_when(session.start_time, zone)}."
            )
        else:
            sessions.cancel_session(current_user, session_id, now=now)
            done = f"Cancelled {_when(session.start_time, zone)}."
    except Conflict as exc:
        sheet = _cancel_sheet(item, form, dates, zone, state="closed", message=sentence(exc))
        return _cancel_page(item, sheet, status=409, events=SESSIONS_CHANGED)
    item = member_views.session_item(current_user, session_id, now=now)
    if item.cancelled_late:
        done += " It counts as a late cancel."
    if not wants_fragment():
        flash(done, "success")
        return redirect(url_for("member.my_sessions"), 303)
    sheet = _cancel_sheet(item, form, dates, zone, state="done", message=done)
    return _cancel_page(item, sheet, events=SESSIONS_CHANGED)


@bp.post("/me/notifications/<int:notification_id>/dismiss")
def dismiss(notification_id: int):
    """Hide a notification (htmx removes it in place; without htmx, back to my sessions)."""
    notifications.dismiss(current_user, notification_id)
    if wants_fragment():
        return respond()
    return redirect(url_for("member.my_sessions"), 303)


# --- moving one of my sessions ------------------------------------------------------------------


@dataclass(frozen=True)
class MoveOption:
    """A time the picker offers: the new ``[start, end)`` of the session (its length kept)."""

    start: datetime
    end: datetime


def _movable_item(session_id: int, now: datetime) -> member_views.SessionItem:
    """One of my one-to-one sessions (a class, or anyone else's session: 404)."""
    item = member_views.session_item(current_user, session_id, now=now)
    if item.is_class or item.session.member_id != current_user.id:
        abort(404)
    return item


def _move_sheet(item, now: datetime, state: str = "pick", **extra) -> dict:
    """The move sheet: ``pick`` (the coach's free times that fit the session's length, from the
    booking page's slot lists), ``confirm`` (``start``/``end`` picked), ``done``, or ``closed``
    (the session can no longer move: started, cancelled, or inside the cancellation window)."""
    session = item.session
    coach, window_hours = _coach_and_window(session.coach_id)
    tz = ZoneInfo(coach.timezone)
    mz = member_views.member_zone(current_user)
    sheet = {
        "kind": "move",
        "state": state,
        "session": session,
        "zone": tz,
        "coach_name": coach.name,
        "show_member_time": mz.key != tz.key,
        "window_hours": window_hours,
        "error": None,
        "message": None,
    }
    sheet.update(extra)
    if state in ("pick", "confirm"):
        if not item.cancellable(now):
            sheet["state"], sheet["error"] = "closed", "This session can no longer be moved."
        elif moves.too_late_to_move(session, window_hours, now):
            sheet["state"], sheet["error"] = "closed", moves.too_late_message(window_hours)
    if sheet["state"] == "confirm":
        sheet["policy"] = _policy(sheet["start"], window_hours, now)
    elif sheet["state"] == "pick":
        sheet.update(_move_picker(item, coach, window_hours, tz, now))
    return sheet


def _move_picker(item, coach, window_hours: int, tz: ZoneInfo, now: datetime) -> dict:
    """The picker's days: the slots a member may book with the coach (the booking page's list,
    kept under the same key), as new starts for the session where its whole length fits."""
    session = item.session
    first_day, days = _range_args(tz, now)
    rules = coach.rules
    day_slots = []
    if first_day <= horizon.last_day(tz, now):
        day_slots = cache.cached(
            "slots",
            (session.coach_id, first_day, days, rules),
            lambda: member_views.slot_days(session.coach_id, first_day, days, now=now, rules=rules),
        )
    length = session.end_time - session.start_time
    free = [slot for day in day_slots for slot in day.slots]
    fitting = {slot.start for slot in moves.starts_fitting(free, length)}
    more = days + DAYS_STEP if days + DAYS_STEP <= MAX_DAYS else None
    horizon_note = None
    if first_day + timedelta(days=days - 1) > rules.last_day(now):
        horizon_note, more = coach.horizon_message + ".", None
    args = {"session_id": session.id, "from": first_day.isoformat()}
    return {
        "days": [
            member_views.DaySlots(
                day.day,
                [MoveOption(s.start, s.start + length) for s in day.slots if s.start in fitting],
            )
            for day in day_slots
        ],
        "minutes": int(length.total_seconds() // 60),
        "late_before": now + timedelta(hours=window_hours) if window_hours else None,
        "horizon_note": horizon_note,
        "more_url": url_for("member.move_sheet", days=more, **args) if more else None,
    }


def _move_page(sheet: dict, status: int = 200, events=()):
    """The sessions page with the move sheet open, or (htmx) only the sheet."""
    if wants_fragment():
        context = {"sheet": sheet, "member_zone": member_views.member_zone(current_user)}
    else:
        context = _sessions_context(_now())
        context["sheet"] = sheet
    return page("member/sessions.html", "sheet", status, events, **context)


def _form_errors(form) -> str:
    return " ".join(dict.fromkeys(e for errors in form.errors.values() for e in errors))


@bp.get("/me/sessions/<int:session_id>/move")
def move_sheet(session_id: int):
    """Move one of my one-to-one sessions: the coach's free times (``from``, ``days`` as on the
    booking page), or (``start``, optional ``end``) the confirmation of one of them. Inside the
    coach's cancellation window the sheet says why it can no longer move."""
    now = _now()
    item = _movable_item(session_id, now)
    if "start" not in request.args:
        return _move_page(_move_sheet(item, now))
    form = MoveForm(formdata=request.args, meta={"csrf": False})
    if not form.validate():
        return _move_page(_move_sheet(item, now, error=_form_errors(form)), status=422)
    start = parse_instant(form.start.data)
    length = item.session.end_time - item.session.start_time
    end = parse_instant(form.end.data) or start + length  # no end (or blank): the same length
    if end <= start:
        return _move_page(_move_sheet(item, now, error=PICK_AGAIN), status=422)
    sheet = _move_sheet(item, now, state="confirm", start=start, end=end)
    return _move_page(sheet, status=409 if sheet["state"] == "closed" else 200)


@bp.post("/me/sessions/<int:session_id>/move")
def move(session_id: int):
    """Move the session to the confirmed time (``services.moves.member_move``: the rules of a new
    booking, the coach told). Done: htmx gets the sheet saying so and the list refreshes; a plain
    post is redirected to my sessions. Refused: the reason in the sheet, with the free times again
    (409; 422 for a time that is not one)."""
    now = _now()
    item = _movable_item(session_id, now)
    form = MoveForm()
    if not form.validate():
        return _move_page(_move_sheet(item, now, error=_form_errors(form)), status=422)
    start = parse_instant(form.start.data)
    end = parse_instant(form.end.data)  # no end (or blank): the same length
    try:
        moved = moves.member_move(session_id, current_user, start, end, now)
    except TooLateToChange as exc:
        sheet = _move_sheet(item, now, state="closed", error=sentence(exc))
        return _move_page(sheet, status=409, events=SESSIONS_CHANGED)
    except ValidationFailed as exc:
        return _move_page(_move_sheet(item, now, error=sentence(exc)), status=422)
    except Conflict as exc:
        return _move_page(_move_sheet(item, now, error=sentence(exc)), status=409)
    tz = coaches.zone_of(coach_calendar.settings_of(moved.coach_id))
    done = f"Moved to {_when(moved.start_time, tz)}–{_hm(moved.end_time, tz)}."
    if not wants_fragment():
        flash(done, "success")
        return redirect(url_for("member.my_sessions"), 303)
    sheet = _move_sheet(item, now, state="done", message=done)
    return _move_page(sheet, events=SESSIONS_CHANGED + SLOTS_CHANGED)

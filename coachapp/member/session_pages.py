"""My sessions: the list with notifications on top, one session's page and its .ics, the
cancel sheet (one session, or a series from a date), the calendar feed card."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import flash, make_response, redirect, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from .. import ics
from ..errors import sentence
from ..feeds.routes import REGENERATED, feed_card
from ..services import (
    bookings,
    coaches,
    feeds,
    group_classes,
    member_views,
    notifications,
    sessions,
    zones,
)
from ..services.errors import (
    Conflict,
)
from ..vocab import BookingStatus, SessionType
from ..web import page, respond, wants_fragment
from . import bp
from .book_sheet_pages import booked_context
from .common import (
    SESSIONS_CHANGED,
    now_utc,
    when,
)
from .forms import CancelForm


def sessions_context(now: datetime) -> dict:
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
    return feed_card(current_user, "member.regenerate_feed", notice)


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
    if wants_fragment():
        return page("member/sessions.html", "feed", feed=_feed_card(notice=REGENERATED))
    flash(REGENERATED, "success")
    return redirect(url_for("member.my_sessions"), 303)


def _zones() -> dict[int, ZoneInfo]:
    """Each coach's zone, by coach id (one query)."""
    return {coach.id: coaches.zone_of(settings) for coach, settings in coaches.list_coaches()}


@bp.get("/me/sessions")
def my_sessions():
    """Upcoming and past sessions (cancelled ones too), notifications on top until dismissed.

    An htmx request (the refresh on ``sessions-changed``) gets the session list only.
    """
    return page("member/sessions.html", "session_list", **sessions_context(now_utc()))


@bp.get("/me/sessions/<int:session_id>")
def session_detail(session_id: int):
    """One of my sessions: when, coach, room, status, add to calendar, cancel (``?booked=1``:
    the confirmation after booking without htmx)."""
    now = now_utc()
    item = member_views.session_item(current_user, session_id, now=now)
    session = item.session
    tz = coaches.coach_zone(session.coach_id)
    series = session.recurring_booking
    booked = None
    if request.args.get("booked"):
        booked = booked_context(session, series, tz)
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
    body = ics.session_calendar(feeds.session_event(current_user, session), stamp=now_utc())
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    start = session.start_time.astimezone(tz)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="session-{start:%Y-%m-%d-%H%M}.ics"'
    )
    return response


def _cancel_form(item, zone: ZoneInfo, formdata=None) -> tuple[CancelForm, dict[date, str]]:
    """The cancel form; for a series, the dates it may be cancelled from (the coach's local
    dates, as the service takes them), each named by its session's start in the member's zone
    ("Tue 1 Dec, 01:00"; the year when it is not this year)."""
    now = now_utc()
    firsts = member_views.series_dates_from(item.session, zone, now=now)
    mz = member_views.member_zone(current_user)
    dates = {day: zones.local_when(start, mz, now) for day, start in firsts.items()}
    form = CancelForm(formdata=formdata) if formdata is not None else CancelForm()
    form.from_date.choices = [SelectChoice(d.isoformat(), label) for d, label in dates.items()]
    if not form.from_date.data and dates:
        form.from_date.data = next(iter(dates)).isoformat()
    return form, dates


def _cancel_page(item, sheet: dict, status: int = 200, events=()):
    """The sessions page with the cancel sheet open, or (htmx) only the sheet."""
    if wants_fragment():
        context = {"sheet": sheet, "member_zone": member_views.member_zone(current_user)}
    else:
        context = sessions_context(now_utc())
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
    item = member_views.session_item(current_user, session_id, now=now_utc())
    zone = coaches.coach_zone(item.session.coach_id)
    form, dates = _cancel_form(item, zone, formdata=request.args if request.args else None)
    state = "form" if item.cancellable(now_utc()) else "closed"
    message = None if state == "form" else "This session can no longer be cancelled."
    return _cancel_page(item, _cancel_sheet(item, form, dates, zone, state, message))


@bp.post("/me/sessions/<int:session_id>/cancel")
def cancel(session_id: int):
    """Cancel one session, or the whole series from the chosen date on."""
    now = now_utc()
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
    mz = member_views.member_zone(current_user)  # the member's time first, as on the sheet
    try:
        if form.scope.data == "series":
            from_date = date.fromisoformat(form.from_date.data)
            bookings.cancel_recurring(
                current_user, session.recurring_booking_id, from_date=from_date, now=now
            )
            done = f"Cancelled every session of this booking from {dates[from_date]} on."
        elif session.type == SessionType.GROUP:
            group_classes.leave_session(current_user, session_id, now=now)
            waiting = item.place is not None and item.place.status == BookingStatus.WAITLISTED
            done = (
                f"You left {'the waitlist of ' if waiting else ''}{session.title} on "
                f"{when(session.start_time, mz)}."
            )
        else:
            sessions.cancel_session(current_user, session_id, now=now)
            done = f"Cancelled {when(session.start_time, mz)}."
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

"""The coaches and classes a member can book (``/book``), and a group class's page: book a
place, join the waitlist, or leave."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, redirect, request, url_for
from flask_login import current_user

from ..errors import sentence
from ..extensions import db
from ..models import TrainingSession
from ..services import (
    booking_rules,
    coach_calendar,
    group_classes,
    member_views,
)
from ..services.errors import (
    CapacityFull,
    Conflict,
)
from ..vocab import BookingStatus, SessionType
from ..web import page, wants_fragment
from . import bp
from .common import (
    CLASSES_CHANGED,
    ask_gym,
    balance_on,
    booking_opens_note,
    cancel_policy,
    now_utc,
)
from .session_pages import session_detail


@bp.get("/book")
def book():
    """The coaches a member can book, each with their next free slot (a shortcut to book it),
    and the group classes of the coming weeks with the places left."""
    now = now_utc()
    offers = member_views.coach_offers(now=now, actor=current_user)
    classes = member_views.class_offers(current_user, now=now)
    return page(
        "member/book.html",
        offers=offers,
        classes=classes,
        opens=_classes_opening(offers, classes, now, member_views.member_zone(current_user)),
        member_zone=member_views.member_zone(current_user),
        now=now,
    )


def _classes_opening(offers, classes, now: datetime, reader: ZoneInfo) -> dict[int, str]:
    """For each listed class past its coach's booking horizon, by session id: when its booking
    opens, on the member's (``reader``'s) clock ("Booking opens Mon 7 Dec, 00:00", the zone named
    when it is not the coach's). The rules come from the coaches' settings the offers already
    read."""
    rules = {offer.coach.id: booking_rules.rules_of(offer.settings) for offer in offers}
    out = {}
    for c in classes:
        coach_rules = rules.get(c.session.coach_id)
        day = c.session.start_time.astimezone(c.zone).date()
        if coach_rules is not None and day > coach_rules.last_day(now):
            out[c.session.id] = booking_opens_note(coach_rules, day, c.zone, reader)
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
        "policy": cancel_policy(session.start_time, offer.window_hours, now),
        # A class past the coach's booking horizon: when its booking opens, instead of "Book".
        "opens_note": booking_opens_note(rules, day, offer.zone) if beyond else None,
        "opening": rules.opens_at(day) if beyond else None,
        "balance": balance_on(session.start_time),
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
    return _class_page(session_id, now_utc())


@bp.post("/classes/<int:session_id>/book")
def book_class(session_id: int):
    """Book a place (``waitlist=1``: or a waitlist place when the class is full).

    A place taken meanwhile: the card again offering the waitlist (409). Done: htmx gets the
    card saying so, a plain post is redirected to the class.
    """
    now = now_utc()
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
            ask_gym=ask_gym(exc),
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
    now = now_utc()
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

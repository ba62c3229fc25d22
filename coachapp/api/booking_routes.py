"""JSON API v1, bookings: one-time bookings, group classes and their places, recurring bookings
(create, cancel, resolve, cover coaches). Same blueprint and glue as ``routes``."""

from __future__ import annotations

from datetime import timedelta

from ..services import bookings, coaches, cover, group_classes, moves
from ..services.db import kept_after_commit
from ..services.errors import ValidationFailed
from .models import (
    REASSIGN,
    Booking,
    BookingIn,
    ClassesQuery,
    CoverCoach,
    GroupClass,
    GroupSeriesIn,
    GroupSessionIn,
    PlaceIn,
    RecurringBooking,
    RecurringIn,
    ResolveIn,
    SeriesCancelIn,
    Session,
    Zones,
    gym_zone,
    span,
)
from .routes import (
    BOOK_409,
    BOOKINGS,
    CANCEL_409,
    MAX_CLASS_DAYS,
    MAX_SLOT_DAYS,
    MEMBERSHIP_409,
    SERIES_409,
    SESSION_LINKS,
    CoachId,
    caller,
    zone_of_coach,
)
from .spec import api_route
from .types import PathId


@api_route(
    "POST",
    "/bookings",
    op="createBooking",
    tag=BOOKINGS,
    status=201,
    returns={"booking": Booking, "session": Session},
    errors=(403, 404),
    conflicts=BOOK_409,
    idempotent=True,
    links={"/booking/id": ("getBooking", "cancelBooking"), "/session/id": SESSION_LINKS},
    answer="The booking and its session.",
)
def create_booking(body: BookingIn):
    """Book a one-time session

    member_id: for a coach or admin booking on a member's behalf.
    """
    zone = zone_of_coach(body.coach_id)
    start, end = span(body.start_time, body.end_time, zone)
    with kept_after_commit():  # the answer is what was committed: nothing read again
        booking, session = bookings.book_one_time(
            caller(), body.coach_id, start, end, member_id=body.member_id
        )
    return {
        "booking": Booking.of_booking(booking, session, zone),
        "session": Session.of(session, zone),
    }


def _booking_answer(booking):
    session = booking.session
    zone = Zones()[session.coach_id] if session is not None else gym_zone()
    return {
        "booking": Booking.of_booking(booking, session, zone),
        "session": Session.of(session, zone) if session is not None else None,
    }


@api_route(
    "GET",
    "/bookings/<id>",
    op="getBooking",
    tag=BOOKINGS,
    returns={"booking": Booking, "session": Session | None},
    errors=(403,),
    answer="The booking and its session.",
)
def get_booking(id: PathId):
    """One booking"""
    return _booking_answer(bookings.get_booking(caller(), id))


@api_route(
    "POST",
    "/bookings/<id>/cancel",
    op="cancelBooking",
    tag=BOOKINGS,
    returns={"booking": Booking, "session": Session | None},
    errors=(403,),
    conflicts=CANCEL_409,
    answer="CANCELLED_BY_MEMBER, or CANCELLED_BY_COACH when a coach or admin cancels. A "
    "place in a group class is given up (the class goes on) and the first member "
    "waiting gets it.",
)
def cancel_booking(id: PathId):
    """Cancel a booking"""
    return _booking_answer(bookings.cancel_booking(caller(), id))


@api_route(
    "GET",
    "/classes",
    op="listClasses",
    tag=BOOKINGS,
    returns={"classes": list[GroupClass]},
    errors=(404,),
    links={"/classes/0/id": ("bookPlace",)},
    answer="Group classes (not cancelled) overlapping the range, by start.",
)
def list_classes(query: ClassesQuery):
    """Group classes with places left

    Anyone signed in. A missing bound is 62 days from the other one; with neither, today and the
    next 62 days; at most 92 days.
    """
    zone = gym_zone() if query.coach_id is None else zone_of_coach(query.coach_id)
    start, end = query.bounds(zone, default_days=MAX_SLOT_DAYS)
    if end - start > timedelta(days=MAX_CLASS_DAYS):
        raise ValidationFailed(f"ask for at most {MAX_CLASS_DAYS} days at a time", field="to")
    found = group_classes.group_sessions(query.coach_id, start, end)
    return {"classes": GroupClass.many_classes(found)}


@api_route(
    "POST",
    "/coaches/<id>/group-sessions",
    op="createGroupSession",
    tag=BOOKINGS,
    status=201,
    returns={"session": GroupClass},
    errors=(403,),
    conflicts="slot_unavailable (outside the coach's group availability), slot_taken (the "
    "coach or the room is busy then), in_past",
    links={"/session/id": ("getSession", "bookPlace", "cancelSession")},
    answer="The class.",
)
def create_group_session(id: CoachId, body: GroupSessionIn):
    """Schedule a one-off group class

    The coach themself or an admin; inside a window marked is_group (minus blocked slots, plus
    additions).
    """
    zone = zone_of_coach(id)
    start, end = span(body.start_time, body.end_time, zone)
    session = group_classes.schedule_group_session(
        caller(), id, start, end, body.title, body.capacity, body.room_id
    )
    return {"session": GroupClass.of_class(group_classes.with_counts([session])[0], zone)}


@api_route(
    "POST",
    "/coaches/<id>/group-series",
    op="createGroupSeries",
    tag=BOOKINGS,
    status=201,
    returns={"recurring_booking": RecurringBooking, "sessions": list[Session]},
    errors=(403,),
    conflicts=SERIES_409,
    links={"/recurring_booking/id": ("getRecurringBooking", "cancelRecurringBooking")},
    answer="The series (session_type GROUP, no member) and the classes made now (up to 6 "
    "weeks ahead; the nightly job makes the rest).",
)
def create_group_series(id: CoachId, body: GroupSeriesIn):
    """Schedule a weekly or bi-weekly group class

    The coach themself or an admin; the weekday and times must lie inside one group window.
    """
    zone = zone_of_coach(id)
    series, created = group_classes.create_group_series(
        caller(),
        id,
        body.day_of_week,
        body.start_time,
        body.end_time,
        body.start_date,
        body.end_date,
        body.frequency,
        body.title,
        body.capacity,
        body.room_id,
    )
    return {
        "recurring_booking": RecurringBooking.of(series, zone),
        "sessions": Session.many(created),
    }


@api_route(
    "POST",
    "/sessions/<id>/places",
    op="bookPlace",
    tag=BOOKINGS,
    status=201,
    returns={"booking": Booking, "session": GroupClass},
    errors=(400, 403, 422),
    conflicts="capacity_full (no place left and waitlist false), conflict (already booked "
    "or waiting; not a group class), already_cancelled (the class is), in_past "
    "(it has started), too_soon / beyond_horizon (a member: inside the coach's "
    "minimum notice / past the booking horizon), " + MEMBERSHIP_409,
    links={"/booking/id": ("getBooking", "cancelBooking")},
    answer="The booking (CONFIRMED, or WAITLISTED when the class is full) and the class.",
)
def book_place(id: PathId, body: PlaceIn | None):
    """Book a place in a group class

    A member for themself; the class's coach or an admin for member_id. waitlist (default
    true): false to be refused rather than wait. Cancel with POST /bookings/{id}/cancel: the
    first member waiting then gets the place.
    """
    with kept_after_commit():  # the answer is what was committed: nothing read again
        booking, place = group_classes.book_place_with_counts(
            caller(), id, member_id=body.member_id, waitlist=body.waitlist
        )
    zone = coaches.coach_zone(place.session.coach_id)  # the settings it checked the rules with
    return {
        "booking": Booking.of_booking(booking, place.session, zone),
        "session": GroupClass.of_class(place, zone),
    }


@api_route(
    "POST",
    "/recurring-bookings",
    op="createRecurringBooking",
    tag=BOOKINGS,
    status=201,
    returns={"recurring_booking": RecurringBooking, "sessions": list[Session]},
    errors=(403, 404),
    conflicts=SERIES_409,
    idempotent=True,
    links={"/recurring_booking/id": ("getRecurringBooking", "cancelRecurringBooking")},
    answer="The series and the sessions generated now (up to 6 weeks ahead).",
)
def create_recurring(body: RecurringIn):
    """Book a weekly or bi-weekly series"""
    zone = zone_of_coach(body.coach_id)
    series, created = bookings.create_recurring(
        caller(),
        bookings.SeriesSpec(
            coach_id=body.coach_id,
            day_of_week=body.day_of_week,
            start_time=body.start_time,
            end_time=body.end_time,
            start_date=body.start_date,
            end_date=body.end_date,
            frequency=body.frequency,
            member_id=body.member_id,
        ),
    )
    return {
        "recurring_booking": RecurringBooking.of(series, zone),
        "sessions": Session.many(created),
    }


@api_route(
    "GET",
    "/recurring-bookings/<id>",
    op="getRecurringBooking",
    tag=BOOKINGS,
    returns={"recurring_booking": RecurringBooking},
    errors=(403,),
    answer="The series.",
)
def get_recurring(id: PathId):
    """One series"""
    series = bookings.get_recurring(caller(), id)
    return {"recurring_booking": RecurringBooking.of(series, Zones()[series.coach_id])}


@api_route(
    "POST",
    "/recurring-bookings/<id>/cancel",
    op="cancelRecurringBooking",
    tag=BOOKINGS,
    returns={"recurring_booking": RecurringBooking},
    errors=(403,),
    conflicts="already_cancelled",
    answer="The series, now CANCELLED; its scheduled sessions from from_date (default "
    "today) are cancelled.",
)
def cancel_recurring(id: PathId, body: SeriesCancelIn | None):
    """Cancel a series"""
    series = bookings.cancel_recurring(caller(), id, body.from_date)
    return {"recurring_booking": RecurringBooking.of(series, Zones()[series.coach_id])}


@api_route(
    "POST",
    "/recurring-bookings/<id>/resolve",
    op="resolveRecurringBooking",
    tag=BOOKINGS,
    returns={"sessions": list[Session]},
    conflicts="conflict (no session of the series is in conflict), slot_unavailable "
    "(reassign: that coach cannot take every conflicting session)",
    answer="The sessions settled, in start order; the series stays active (and with its "
    "coach: a reassign gives only its conflicting sessions to coach_id).",
)
def resolve_series(id: PathId, body: ResolveIn):
    """Resolve all conflicts of a series

    The series' coach or an admin (anyone else: 404). reassign gives every conflicting session
    to coach_id at once, or none of them.
    """
    if body.action == REASSIGN:
        return {"sessions": Session.many(cover.give_series(caller(), id, body.coach_id))}
    return {"sessions": Session.many(moves.resolve_series(caller(), id, body.action))}


@api_route(
    "GET",
    "/recurring-bookings/<id>/cover-coaches",
    op="listSeriesCoverCoaches",
    tag=BOOKINGS,
    returns={"coaches": list[CoverCoach]},
    answer="The coaches who can take every conflicting session of the series (none when "
    "it has no conflict), by name.",
)
def series_cover_coaches(id: PathId):
    """Cover coaches for a series

    The series' coach or an admin (anyone else: 404).
    """
    found = cover.series_cover_coaches(caller(), id)
    return {"coaches": [CoverCoach.of(c) for c in found.coaches]}

"""JSON API v1 routes: each declares its inputs and answer (``models``), calls one service and
returns the answer's models.

Views never decide a rule or commit: the services do both and raise DomainErrors, which the app's
error handler turns into the contract's JSON. ``spec.api_route`` parses and validates the input and
registers each operation for the OpenAPI document.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Annotated

from flask import g
from pydantic import WithJsonSchema

from ..errors import json_error
from ..models import utcnow
from ..scheduling import ValidationError as CoreValidationError
from ..services import (
    availability,
    billing,
    booking_rules,
    bookings,
    coach_settings,
    coaches,
    cover,
    group_classes,
    memberships,
    moves,
    notifications,
    sessions,
    slots,
)
from ..services.db import kept_after_commit
from ..services.errors import ValidationFailed
from ..vocab import Role
from . import bp
from .models import (
    REASSIGN,
    AdditionIn,
    AvailabilityAddition,
    BlockedSlot,
    BlockedSlotIn,
    Booking,
    BookingIn,
    ClassesQuery,
    Coach,
    CoachSettings,
    CoverCoach,
    ExtendIn,
    GroupClass,
    GroupSeriesIn,
    GroupSessionIn,
    Membership,
    MembershipIn,
    MembershipPlan,
    MembershipPlanIn,
    MoveIn,
    Notification,
    NotificationsQuery,
    PlaceIn,
    RangeQuery,
    RecurringBooking,
    RecurringIn,
    ResolveIn,
    Room,
    SeriesCancelIn,
    Session,
    SessionsQuery,
    SettingsIn,
    Slot,
    SlotsQuery,
    Statement,
    StatementsQuery,
    User,
    WeeklyDayIn,
    Window,
    Zones,
    gym_zone,
    span,
    zone_named,
)
from .openapi import document
from .spec import api_route
from .types import PathId, PathWeekday, local_instant

MAX_SLOT_DAYS = 62
"""The longest range of dates one slots request may ask for."""

MAX_CLASS_DAYS = 92
"""The longest range one classes request may span."""

CoachId = Annotated[PathId, WithJsonSchema({"type": "string", "description": "The coach's id."})]
"""A coach's id in the path."""

META, COACHES, AVAILABILITY, BOOKINGS, SESSIONS, BILLING, MEMBERSHIPS = (
    "meta", "coaches", "availability", "bookings", "sessions", "billing", "memberships")

MEMBERSHIP_409 = (
    "no_membership, no_credits, weekly_limit (COACHAPP_REQUIRE_MEMBERSHIP: the member has no "
    "valid membership for that date and kind of session, no credit left, or the plan's weekly "
    "limit reached that ISO week)"
)
BOOK_409 = (
    "slot_unavailable (outside availability), slot_taken (booked or overlapping), "
    "in_past, too_soon (a member, inside the coach's minimum notice), beyond_horizon (a member, "
    "past the coach's booking horizon), " + MEMBERSHIP_409
)
CANCEL_409 = "already_cancelled, in_past (started)"
SERIES_409 = (
    "slot_unavailable (no weekly window holds it), overlap (another series or session of the "
    "coach), slot_taken (lost a race), too_soon / beyond_horizon (a member: the first "
    "session breaks the coach's minimum notice / the start date is past the booking horizon)"
)
"""(A series' occurrences without a membership are skipped, not refused: the nightly job counts
them as skipped_no_membership.)"""
RESOLVE_409 = (
    "conflict (keep/cancel: the session fits availability, nothing to resolve), "
    "already_cancelled, in_past, slot_unavailable (reassign: that coach is not available or not "
    "free then, or no room is free for them)"
)
SESSION_LINKS = ("getSession", "cancelSession", "markNoShow", "resolveConflict")


@bp.errorhandler(CoreValidationError)
def core_validation_error(exc: CoreValidationError):
    """A scheduling-core refusal that a service let through is still the contract's 422."""
    message = f"{exc.field}: {exc.message}" if exc.field else exc.message
    return json_error(422, "validation_error", message, exc.field)


def _actor():
    return g.api_user


def _zone(coach_id: int):
    """A coach's zone; 404 unless ``coach_id`` names a coach."""
    return coaches.zone_of(coaches.get_settings(coach_id))


@api_route("GET", "/openapi.json", op="openapi", tag=META, public=True,
           answer="The OpenAPI 3.1 document.")
def openapi():
    """This document"""
    return _document()


@functools.cache
def _document() -> dict:
    """The document, made once per process (the operations are all registered at import)."""
    return document()


@api_route("GET", "/me", op="me", tag=META, returns={"user": User}, answer="The caller.")
def me():
    """The account behind the token"""
    return {"user": User.of(_actor())}


@api_route("GET", "/rooms", op="listRooms", tag=META, returns={"rooms": list[Room]},
           answer="Rooms by name.")
def list_rooms():
    """Rooms of the gym"""
    return {"rooms": [Room.of(r) for r in coach_settings.list_rooms()]}


@api_route("GET", "/coaches", op="listCoaches", tag=COACHES, returns={"coaches": list[Coach]},
           answer="Every active coach.",
           links={"/coaches/0/id": ("getCoach", "listWeeklyAvailability", "listConflicts",
                                    "listBlockedSlots", "listAvailabilityAdditions",
                                    "createBlockedSlot", "createAvailabilityAddition")})
def list_coaches():
    """Coaches"""
    return {"coaches": [Coach.of_coach(u, s) for u, s in coaches.list_coaches()]}


@api_route("GET", "/coaches/<id>", op="getCoach", tag=COACHES, returns={"coach": Coach},
           answer="The coach.")
def get_coach(id: CoachId):
    """One coach"""
    return {"coach": Coach.of_coach(coaches.get_coach(id), coaches.get_settings(id))}


@api_route("PATCH", "/coaches/<id>/settings", op="updateCoachSettings", tag=COACHES,
           returns={"settings": CoachSettings, "conflicts": list[Session]}, errors=(403,),
           answer="The settings and every future session now outside availability (a new zone "
                  "moves the weekly template in real time).")
def update_settings(id: CoachId, body: SettingsIn):
    """Change a coach's settings

    The coach themself or an admin. Fields left out keep their value; default_room_id null
    clears the default room.
    """
    current = coaches.get_settings(id)

    def given(name: str):
        value = getattr(body, name)
        return getattr(current, name) if value is None else value

    room_id = body.default_room_id if "default_room_id" in body.model_fields_set else (
        current.default_room_id)
    settings, conflicts = coach_settings.update_settings(
        _actor(), id, room_id, given("default_duration"), given("timezone"),
        given("cancellation_window_hours"),
        booking_horizon_days=given("booking_horizon_days"),
        min_notice_minutes=given("min_notice_minutes"),
    )
    return {"settings": CoachSettings.of(settings), "conflicts": Session.conflicts(conflicts)}


@api_route("GET", "/coaches/<id>/weekly-availability", op="listWeeklyAvailability",
           tag=AVAILABILITY, returns={"windows": list[Window]}, answer="Windows by day and start.")
def list_weekly(id: CoachId):
    """A coach's weekly template"""
    return {"windows": [Window.of(w) for w in availability.list_weekly(id)]}


@api_route("PUT", "/coaches/<id>/weekly-availability/<day_of_week>", op="replaceWeeklyDay",
           tag=AVAILABILITY, returns={"windows": list[Window], "conflicts": list[Session]},
           errors=(403,),
           answer="The day's new windows and every future scheduled session of the coach that "
                  "is now a conflict.")
def replace_weekly_day(id: CoachId, day_of_week: PathWeekday, body: WeeklyDayIn):
    """Replace one weekday's windows

    Windows of one day must not overlap. An empty list clears the day.
    """
    windows = [
        availability.WindowInput(start_time=w.start_time, end_time=w.end_time, room_id=w.room_id,
                                 is_individual=w.is_individual, is_group=w.is_group)
        for w in body.windows
    ]
    rows, conflicts = availability.replace_weekly_day(_actor(), id, day_of_week, windows)
    return {"windows": [Window.of(w) for w in rows], "conflicts": Session.conflicts(conflicts)}


@api_route("GET", "/coaches/<id>/blocked-slots", op="listBlockedSlots", tag=AVAILABILITY,
           returns={"blocked_slots": list[BlockedSlot]}, errors=(403,),
           answer="Blocked slots overlapping the range, by start.")
def list_blocked(id: CoachId, query: RangeQuery):
    """A coach's blocked slots in a range

    The coach themself or an admin. A missing bound is 62 days from the other one; with
    neither, the range is today and the next 62 days.
    """
    zone = _zone(id)
    start, end = query.bounds(zone, default_days=MAX_SLOT_DAYS)
    rows = availability.list_blocked(_actor(), id, start, end)
    return {"blocked_slots": [BlockedSlot.of(r, zone) for r in rows]}


@api_route("POST", "/coaches/<id>/blocked-slots", op="createBlockedSlot", tag=AVAILABILITY,
           status=201, returns={"blocked_slot": BlockedSlot, "conflicts": list[Session]},
           errors=(403,), links={"/blocked_slot/id": ("deleteBlockedSlot",)},
           answer="The blocked slot and the future sessions it puts in conflict.")
def create_blocked_slot(id: CoachId, body: BlockedSlotIn):
    """Block a span of time"""
    zone = _zone(id)
    start, end = span(body.start_time, body.end_time, zone)
    slot, conflicts = availability.create_blocked_slot(_actor(), id, start, end, body.reason)
    return {"blocked_slot": BlockedSlot.of(slot, zone), "conflicts": Session.conflicts(conflicts)}


@api_route("DELETE", "/blocked-slots/<id>", op="deleteBlockedSlot", tag=AVAILABILITY,
           status=204, errors=(403,), answer="Removed.")
def delete_blocked_slot(id: PathId):
    """Remove a blocked slot"""
    availability.delete_blocked_slot(_actor(), id)


@api_route("GET", "/coaches/<id>/availability-additions", op="listAvailabilityAdditions",
           tag=AVAILABILITY, returns={"availability_additions": list[AvailabilityAddition]},
           errors=(403,), answer="Additions overlapping the range, by start.")
def list_additions(id: CoachId, query: RangeQuery):
    """A coach's availability additions in a range

    The coach themself or an admin. A missing bound is 62 days from the other one; with
    neither, the range is today and the next 62 days.
    """
    zone = _zone(id)
    start, end = query.bounds(zone, default_days=MAX_SLOT_DAYS)
    rows = availability.list_additions(_actor(), id, start, end)
    return {"availability_additions": [AvailabilityAddition.of(r, zone) for r in rows]}


@api_route("POST", "/coaches/<id>/availability-additions", op="createAvailabilityAddition",
           tag=AVAILABILITY, status=201,
           returns={"availability_addition": AvailabilityAddition}, errors=(403,),
           links={"/availability_addition/id": ("deleteAvailabilityAddition",)},
           answer="The addition.")
def create_addition(id: CoachId, body: AdditionIn):
    """Add one-time availability"""
    zone = _zone(id)
    start, end = span(body.start_time, body.end_time, zone)
    row = availability.create_addition(_actor(), id, start, end, body.room_id, body.reason)
    return {"availability_addition": AvailabilityAddition.of(row, zone)}


@api_route("DELETE", "/availability-additions/<id>", op="deleteAvailabilityAddition",
           tag=AVAILABILITY, status=204, errors=(403,), answer="Removed.")
def delete_addition(id: PathId):
    """Remove an availability addition"""
    availability.delete_addition(_actor(), id)


@api_route("GET", "/coaches/<id>/slots", op="listSlots", tag=BOOKINGS,
           returns={"slots": list[Slot]}, answer="Slots in order of start.")
def list_slots(id: CoachId, query: SlotsQuery):
    """Bookable one-to-one slots

    Inclusive dates in the coach's zone; at most 62 days.
    """
    zone = _zone(id)
    if query.last < query.first:
        raise ValidationFailed("must not be before from", field="to")
    if (query.last - query.first).days + 1 > MAX_SLOT_DAYS:
        raise ValidationFailed(f"ask for at most {MAX_SLOT_DAYS} days at a time", field="to")
    # A member is offered only what they may book (the coach's horizon and notice).
    rules = booking_rules.for_actor(_actor(), coaches.get_settings(id))
    found = slots.bookable_slots(id, query.first, query.last, rules=rules)
    return {"slots": [Slot.of(s, zone) for s in found]}


@api_route("GET", "/coaches/<id>/conflicts", op="listConflicts", tag=SESSIONS,
           returns={"conflicts": list[Session]}, errors=(403,),
           answer="Future scheduled sessions outside availability.")
def list_conflicts(id: CoachId):
    """A coach's conflicts"""
    return {"conflicts": Session.conflicts(sessions.list_conflicts(_actor(), id))}


@api_route("POST", "/bookings", op="createBooking", tag=BOOKINGS, status=201,
           returns={"booking": Booking, "session": Session}, errors=(403, 404),
           conflicts=BOOK_409, idempotent=True,
           links={"/booking/id": ("getBooking", "cancelBooking"), "/session/id": SESSION_LINKS},
           answer="The booking and its session.")
def create_booking(body: BookingIn):
    """Book a one-time session

    member_id: for a coach or admin booking on a member's behalf.
    """
    zone = _zone(body.coach_id)
    start, end = span(body.start_time, body.end_time, zone)
    with kept_after_commit():  # the answer is what was committed: nothing read again
        booking, session = bookings.book_one_time(_actor(), body.coach_id, start, end,
                                                  member_id=body.member_id)
    return {"booking": Booking.of_booking(booking, session, zone),
            "session": Session.of(session, zone)}


def _booking_answer(booking):
    session = booking.session
    zone = Zones()[session.coach_id] if session is not None else gym_zone()
    return {"booking": Booking.of_booking(booking, session, zone),
            "session": Session.of(session, zone) if session is not None else None}


@api_route("GET", "/bookings/<id>", op="getBooking", tag=BOOKINGS,
           returns={"booking": Booking, "session": Session | None}, errors=(403,),
           answer="The booking and its session.")
def get_booking(id: PathId):
    """One booking"""
    return _booking_answer(bookings.get_booking(_actor(), id))


@api_route("POST", "/bookings/<id>/cancel", op="cancelBooking", tag=BOOKINGS,
           returns={"booking": Booking, "session": Session | None}, errors=(403,),
           conflicts=CANCEL_409,
           answer="CANCELLED_BY_MEMBER, or CANCELLED_BY_COACH when a coach or admin cancels. A "
                  "place in a group class is given up (the class goes on) and the first member "
                  "waiting gets it.")
def cancel_booking(id: PathId):
    """Cancel a booking"""
    return _booking_answer(bookings.cancel_booking(_actor(), id))


@api_route("GET", "/classes", op="listClasses", tag=BOOKINGS,
           returns={"classes": list[GroupClass]}, errors=(404,),
           links={"/classes/0/id": ("bookPlace",)},
           answer="Group classes (not cancelled) overlapping the range, by start.")
def list_classes(query: ClassesQuery):
    """Group classes with places left

    Anyone signed in. A missing bound is 62 days from the other one; with neither, today and the
    next 62 days; at most 92 days.
    """
    zone = gym_zone() if query.coach_id is None else _zone(query.coach_id)
    start, end = query.bounds(zone, default_days=MAX_SLOT_DAYS)
    if end - start > timedelta(days=MAX_CLASS_DAYS):
        raise ValidationFailed(f"ask for at most {MAX_CLASS_DAYS} days at a time", field="to")
    found = group_classes.group_sessions(query.coach_id, start, end)
    return {"classes": GroupClass.many_classes(found)}


@api_route("POST", "/coaches/<id>/group-sessions", op="createGroupSession", tag=BOOKINGS,
           status=201, returns={"session": GroupClass}, errors=(403,),
           conflicts="slot_unavailable (outside the coach's group availability), slot_taken (the "
                     "coach or the room is busy then), in_past",
           links={"/session/id": ("getSession", "bookPlace", "cancelSession")},
           answer="The class.")
def create_group_session(id: CoachId, body: GroupSessionIn):
    """Schedule a one-off group class

    The coach themself or an admin; inside a window marked is_group (minus blocked slots, plus
    additions).
    """
    zone = _zone(id)
    start, end = span(body.start_time, body.end_time, zone)
    session = group_classes.schedule_group_session(
        _actor(), id, start, end, body.title, body.capacity, body.room_id
    )
    return {"session": GroupClass.of_class(group_classes.with_counts([session])[0], zone)}


@api_route("POST", "/coaches/<id>/group-series", op="createGroupSeries", tag=BOOKINGS,
           status=201, returns={"recurring_booking": RecurringBooking,
                                "sessions": list[Session]},
           errors=(403,), conflicts=SERIES_409,
           links={"/recurring_booking/id": ("getRecurringBooking", "cancelRecurringBooking")},
           answer="The series (session_type GROUP, no member) and the classes made now (up to 6 "
                  "weeks ahead; the nightly job makes the rest).")
def create_group_series(id: CoachId, body: GroupSeriesIn):
    """Schedule a weekly or bi-weekly group class

    The coach themself or an admin; the weekday and times must lie inside one group window.
    """
    zone = _zone(id)
    series, created = group_classes.create_group_series(
        _actor(), id, body.day_of_week, body.start_time, body.end_time, body.start_date,
        body.end_date, body.frequency, body.title, body.capacity, body.room_id,
    )
    return {"recurring_booking": RecurringBooking.of(series, zone),
            "sessions": Session.many(created)}


@api_route("POST", "/sessions/<id>/places", op="bookPlace", tag=BOOKINGS, status=201,
           returns={"booking": Booking, "session": GroupClass}, errors=(400, 403, 422),
           conflicts="capacity_full (no place left and waitlist false), conflict (already booked "
                     "or waiting; not a group class), already_cancelled (the class is), in_past "
                     "(it has started), too_soon / beyond_horizon (a member: inside the coach's "
                     "minimum notice / past the booking horizon), " + MEMBERSHIP_409,
           links={"/booking/id": ("getBooking", "cancelBooking")},
           answer="The booking (CONFIRMED, or WAITLISTED when the class is full) and the class.")
def book_place(id: PathId, body: PlaceIn | None):
    """Book a place in a group class

    A member for themself; the class's coach or an admin for member_id. waitlist (default
    true): false to be refused rather than wait. Cancel with POST /bookings/{id}/cancel: the
    first member waiting then gets the place.
    """
    with kept_after_commit():  # the answer is what was committed: nothing read again
        booking, place = group_classes.book_place_with_counts(
            _actor(), id, member_id=body.member_id, waitlist=body.waitlist)
    zone = coaches.coach_zone(place.session.coach_id)  # the settings it checked the rules with
    return {"booking": Booking.of_booking(booking, place.session, zone),
            "session": GroupClass.of_class(place, zone)}


@api_route("POST", "/recurring-bookings", op="createRecurringBooking", tag=BOOKINGS, status=201,
           returns={"recurring_booking": RecurringBooking, "sessions": list[Session]},
           errors=(403, 404), conflicts=SERIES_409, idempotent=True,
           links={"/recurring_booking/id": ("getRecurringBooking", "cancelRecurringBooking")},
           answer="The series and the sessions generated now (up to 6 weeks ahead).")
def create_recurring(body: RecurringIn):
    """Book a weekly or bi-weekly series"""
    zone = _zone(body.coach_id)
    series, created = bookings.create_recurring(_actor(), bookings.SeriesSpec(
        coach_id=body.coach_id, day_of_week=body.day_of_week, start_time=body.start_time,
        end_time=body.end_time, start_date=body.start_date, end_date=body.end_date,
        frequency=body.frequency, member_id=body.member_id,
    ))
    return {"recurring_booking": RecurringBooking.of(series, zone),
            "sessions": Session.many(created)}


@api_route("GET", "/recurring-bookings/<id>", op="getRecurringBooking", tag=BOOKINGS,
           returns={"recurring_booking": RecurringBooking}, errors=(403,),
           answer="The series.")
def get_recurring(id: PathId):
    """One series"""
    series = bookings.get_recurring(_actor(), id)
    return {"recurring_booking": RecurringBooking.of(series, Zones()[series.coach_id])}


@api_route("POST", "/recurring-bookings/<id>/cancel", op="cancelRecurringBooking", tag=BOOKINGS,
           returns={"recurring_booking": RecurringBooking}, errors=(403,),
           conflicts="already_cancelled",
           answer="The series, now CANCELLED; its scheduled sessions from from_date (default "
                  "today) are cancelled.")
def cancel_recurring(id: PathId, body: SeriesCancelIn | None):
    """Cancel a series"""
    series = bookings.cancel_recurring(_actor(), id, body.from_date)
    return {"recurring_booking": RecurringBooking.of(series, Zones()[series.coach_id])}


@api_route("POST", "/recurring-bookings/<id>/resolve", op="resolveRecurringBooking",
           tag=BOOKINGS, returns={"sessions": list[Session]},
           conflicts="conflict (no session of the series is in conflict), slot_unavailable "
                     "(reassign: that coach cannot take every conflicting session)",
           answer="The sessions settled, in start order; the series stays active (and with its "
                  "coach: a reassign gives only its conflicting sessions to coach_id).")
def resolve_series(id: PathId, body: ResolveIn):
    """Resolve all conflicts of a series

    The series' coach or an admin (anyone else: 404). reassign gives every conflicting session
    to coach_id at once, or none of them.
    """
    if body.action == REASSIGN:
        return {"sessions": Session.many(cover.give_series(_actor(), id, body.coach_id))}
    return {"sessions": Session.many(moves.resolve_series(_actor(), id, body.action))}


@api_route("GET", "/recurring-bookings/<id>/cover-coaches", op="listSeriesCoverCoaches",
           tag=BOOKINGS, returns={"coaches": list[CoverCoach]},
           answer="The coaches who can take every conflicting session of the series (none when "
                  "it has no conflict), by name.")
def series_cover_coaches(id: PathId):
    """Cover coaches for a series

    The series' coach or an admin (anyone else: 404).
    """
    found = cover.series_cover_coaches(_actor(), id)
    return {"coaches": [CoverCoach.of(c) for c in found.coaches]}


@api_route("GET", "/sessions", op="listSessions", tag=SESSIONS,
           returns={"sessions": list[Session]}, errors=(403, 404),
           answer="Sessions in start order.")
def list_sessions(query: SessionsQuery):
    """Sessions

    A member sees only their own sessions, a coach only theirs.
    """
    zone = gym_zone() if query.coach_id is None else _zone(query.coach_id)
    start, end = query.bounds(zone)
    found = sessions.list_sessions(_actor(), coach_id=query.coach_id, member_id=query.member_id,
                                   start=start, end=end, status=query.status)
    return {"sessions": Session.many(found)}


@api_route("GET", "/sessions/<id>", op="getSession", tag=SESSIONS,
           returns={"session": Session}, errors=(403,), answer="The session.")
def get_session(id: PathId):
    """One session"""
    return {"session": Session.one(sessions.get_session(_actor(), id))}


@api_route("POST", "/sessions/<id>/cancel", op="cancelSession", tag=SESSIONS,
           returns={"session": Session}, errors=(403,), conflicts=CANCEL_409,
           answer="The session, now cancelled (its booking too); a series it belongs to stays "
                  "active.")
def cancel_session(id: PathId):
    """Cancel one session

    The member it is for, its coach or an admin; before it starts. A member asking this of a
    group class gives up their place (the class goes on); its coach cancelling it cancels every
    place and notifies those members.
    """
    return {"session": Session.one(sessions.cancel_session(_actor(), id))}


@api_route("POST", "/sessions/<id>/move", op="moveSession", tag=SESSIONS,
           returns={"session": Session}, errors=(403,),
           conflicts="slot_unavailable, slot_taken, overlap, in_past, already_cancelled; a "
                     "member: too_soon, beyond_horizon (the rules of a new booking), "
                     "too_late_to_change (inside the coach's cancellation window)",
           answer="The session at its new time; everyone attending (a member's move: the coach) "
                  "is notified.")
def move_session(id: PathId, body: MoveIn):
    """Move a session

    The coach or an admin, before it starts; or the member of a one-to-one session, under the
    rules of a new booking and not inside the coach's cancellation window (another member's
    session: 404). The session keeps its booking and series. end_time defaults to the same
    length.
    """
    actor = _actor()
    if actor.role == Role.MEMBER:
        moved = moves.member_move(id, actor, body.start_time, body.end_time, now=utcnow())
        return {"session": Session.one(moved)}
    current = sessions.get_session(actor, id)
    zone = coaches.coach_zone(current.coach_id)
    start = local_instant(body.start_time, zone)
    end = None
    if body.end_time is not None:
        start, end = span(body.start_time, body.end_time, zone)
    return {"session": Session.one(moves.move_session(actor, id, start, end))}


@api_route("POST", "/sessions/<id>/resolve", op="resolveConflict", tag=SESSIONS,
           returns={"session": Session}, errors=(403,), conflicts=RESOLVE_409,
           answer="The session: cancelled, or kept (an availability addition now covers exactly "
                  "its slot).")
def resolve_conflict(id: PathId, body: ResolveIn):
    """Resolve a conflict

    keep, cancel, or reassign: give the session (and its booking) to the cover coach coach_id;
    the room is kept if free, else that coach's room then; the member and that coach are told.
    """
    if body.action == REASSIGN:
        return {"session": Session.one(cover.reassign(_actor(), id, body.coach_id))}
    session = sessions.resolve_conflict(_actor(), id, body.action)
    return {"session": Session.one(session)}


@api_route("GET", "/sessions/<id>/cover-coaches", op="listCoverCoaches", tag=SESSIONS,
           returns={"coaches": list[CoverCoach]}, errors=(403,),
           answer="The coaches whose availability covers the session, who are free then and "
                  "have a room usable, by name (none for a session cancelled, over or started).")
def cover_coaches(id: PathId):
    """Cover coaches for a session

    The session's coach or an admin (its member: 403; anyone else: 404).
    """
    return {"coaches": [CoverCoach.of(c) for c in cover.cover_coaches(_actor(), id)]}


@api_route("POST", "/sessions/<id>/no-show", op="markNoShow", tag=SESSIONS,
           returns={"session": Session}, errors=(403,),
           conflicts="not_started, already_cancelled", answer="The session, now no_show.")
def mark_no_show(id: PathId):
    """Mark a no-show

    Only once the session has started.
    """
    return {"session": Session.one(sessions.mark_no_show(_actor(), id))}


@api_route("GET", "/billing/statements", op="listStatements", tag=BILLING,
           returns={"statements": list[Statement]}, errors=(403, 404),
           answer="One statement per member with sessions that month.")
def list_statements(query: StatementsQuery):
    """Monthly statements"""
    found = billing.statements(_actor(), query.month, member_id=query.member_id)
    return {"statements": Statement.many(found)}


@api_route("GET", "/notifications", op="listNotifications", tag=META,
           returns={"notifications": list[Notification]}, answer="Newest first.")
def list_notifications(query: NotificationsQuery):
    """My notifications"""
    user = _actor()
    rows = notifications.list_for(user, unread_only=query.all != "true")
    zone = zone_named(user.timezone)
    return {"notifications": [Notification.of(n, zone) for n in rows]}


@api_route("POST", "/notifications/<id>/dismiss", op="dismissNotification", tag=META,
           returns={"notification": Notification}, answer="The notification.")
def dismiss_notification(id: PathId):
    """Mark a notification read"""
    user = _actor()
    return {"notification": Notification.of(notifications.dismiss(user, id),
                                            zone_named(user.timezone))}


@api_route("GET", "/membership-plans", op="listMembershipPlans", tag=MEMBERSHIPS,
           returns={"membership_plans": list[MembershipPlan]}, answer="Every plan, by name.",
           links={"/membership_plans/0/id": ("assignMembership",)})
def list_plans():
    """Membership plans

    Anyone signed in.
    """
    return {"membership_plans": [MembershipPlan.of(p) for p in memberships.list_plans()]}


@api_route("POST", "/membership-plans", op="createMembershipPlan", tag=MEMBERSHIPS, status=201,
           returns={"membership_plan": MembershipPlan}, errors=(403,),
           answer="The plan.")
def create_plan(body: MembershipPlanIn):
    """Create a membership plan

    An admin. kind credits: a pack of credits sessions (one per session); unlimited: no credits.
    weekly_limit caps the sessions per ISO week; session_type limits it to one kind of session.
    """
    plan = memberships.create_plan(_actor(), body.name, body.kind, body.credits, body.valid_days,
                                   body.weekly_limit, body.session_type)
    return {"membership_plan": MembershipPlan.of(plan)}


def _membership(row) -> Membership:
    return Membership.of_membership(row, memberships.status_on(row, memberships.today()))


@api_route("GET", "/members/<id>/memberships", op="listMemberships", tag=MEMBERSHIPS,
           returns={"memberships": list[Membership]}, errors=(403,),
           links={"/memberships/0/id": ("extendMembership", "cancelMembership")},
           answer="The member's memberships, newest start first.")
def list_memberships(id: PathId):
    """A member's memberships

    A member: only their own (another member's: 403); a coach or an admin: any member's.
    """
    rows = memberships.for_member(_actor(), id)
    return {"memberships": [_membership(m) for m in rows]}


@api_route("POST", "/members/<id>/memberships", op="assignMembership", tag=MEMBERSHIPS,
           status=201, returns={"membership": Membership}, errors=(403,),
           links={"/membership/id": ("extendMembership", "cancelMembership")},
           answer="The membership: ends_on = starts_on + the plan's valid_days - 1; credits_* "
                  "null for an unlimited plan.")
def assign_membership(id: PathId, body: MembershipIn):
    """Give a member a membership

    An admin. starts_on is a date in the gym's zone.
    """
    row = memberships.assign(_actor(), id, body.plan_id, body.starts_on)
    return {"membership": _membership(row)}


@api_route("POST", "/memberships/<id>/extend", op="extendMembership", tag=MEMBERSHIPS,
           returns={"membership": Membership}, errors=(403,),
           conflicts="already_cancelled (a cancelled membership is not extended)",
           answer="The membership with its new ends_on.")
def extend_membership(id: PathId, body: ExtendIn):
    """Extend a membership

    An admin. Moves ends_on days later; series occurrences skipped for want of it are made by
    the next nightly run.
    """
    return {"membership": _membership(memberships.extend(_actor(), id, body.days))}


@api_route("POST", "/memberships/<id>/cancel", op="cancelMembership", tag=MEMBERSHIPS,
           returns={"membership": Membership}, errors=(403,), conflicts="already_cancelled",
           answer="The membership, now cancelled: no new session draws on it; what holds its "
                  "credits keeps them.")
def cancel_membership(id: PathId):
    """Cancel a membership

    An admin.
    """
    return {"membership": _membership(memberships.cancel(_actor(), id))}

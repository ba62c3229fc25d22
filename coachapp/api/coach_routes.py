"""JSON API v1, a coach's resources: the coaches and their settings, the weekly template, blocked
slots, availability additions, the bookable slots and the conflicts. Same blueprint and glue as
``routes`` (which holds what the route modules share); each view declares its models."""

from __future__ import annotations

from ..services import availability, booking_rules, coach_settings, coaches, sessions, slots
from ..services.errors import ValidationFailed
from .models import (
    AdditionIn,
    AvailabilityAddition,
    BlockedSlot,
    BlockedSlotIn,
    Coach,
    CoachSettings,
    RangeQuery,
    Session,
    SettingsIn,
    Slot,
    SlotsQuery,
    WeeklyDayIn,
    Window,
    span,
)
from .routes import (
    AVAILABILITY,
    BOOKINGS,
    COACHES,
    MAX_SLOT_DAYS,
    SESSIONS,
    CoachId,
    caller,
    zone_of_coach,
)
from .spec import api_route
from .types import PathId, PathWeekday


@api_route(
    "GET",
    "/coaches",
    op="listCoaches",
    tag=COACHES,
    returns={"coaches": list[Coach]},
    answer="Every active coach.",
    links={
        "/coaches/0/id": (
            "getCoach",
            "listWeeklyAvailability",
            "listConflicts",
            "listBlockedSlots",
            "listAvailabilityAdditions",
            "createBlockedSlot",
            "createAvailabilityAddition",
        )
    },
)
def list_coaches():
    """Coaches"""
    return {"coaches": [Coach.of_coach(u, s) for u, s in coaches.list_coaches()]}


@api_route(
    "GET",
    "/coaches/<id>",
    op="getCoach",
    tag=COACHES,
    returns={"coach": Coach},
    answer="The coach.",
)
def get_coach(id: CoachId):
    """One coach"""
    return {"coach": Coach.of_coach(coaches.get_coach(id), coaches.get_settings(id))}


@api_route(
    "PATCH",
    "/coaches/<id>/settings",
    op="updateCoachSettings",
    tag=COACHES,
    returns={"settings": CoachSettings, "conflicts": list[Session]},
    errors=(403,),
    answer="The settings and every future session now outside availability (a new zone "
    "moves the weekly template in real time).",
)
def update_settings(id: CoachId, body: SettingsIn):
    """Change a coach's settings

    The coach themself or an admin. Fields left out keep their value; default_room_id null
    clears the default room.
    """
    current = coaches.get_settings(id)

    def given(name: str):
        value = getattr(body, name)
        return getattr(current, name) if value is None else value

    room_id = (
        body.default_room_id
        if "default_room_id" in body.model_fields_set
        else (current.default_room_id)
    )
    settings, conflicts = coach_settings.update_settings(
        caller(),
        id,
        room_id,
        given("default_duration"),
        given("timezone"),
        given("cancellation_window_hours"),
        booking_horizon_days=given("booking_horizon_days"),
        min_notice_minutes=given("min_notice_minutes"),
    )
    return {"settings": CoachSettings.of(settings), "conflicts": Session.conflicts(conflicts)}


@api_route(
    "GET",
    "/coaches/<id>/weekly-availability",
    op="listWeeklyAvailability",
    tag=AVAILABILITY,
    returns={"windows": list[Window]},
    answer="Windows by day and start.",
)
def list_weekly(id: CoachId):
    """A coach's weekly template"""
    return {"windows": [Window.of(w) for w in availability.list_weekly(id)]}


@api_route(
    "PUT",
    "/coaches/<id>/weekly-availability/<day_of_week>",
    op="replaceWeeklyDay",
    tag=AVAILABILITY,
    returns={"windows": list[Window], "conflicts": list[Session]},
    errors=(403,),
    answer="The day's new windows and every future scheduled session of the coach that "
    "is now a conflict.",
)
def replace_weekly_day(id: CoachId, day_of_week: PathWeekday, body: WeeklyDayIn):
    """Replace one weekday's windows

    Windows of one day must not overlap. An empty list clears the day.
    """
    windows = [
        availability.WindowInput(
            start_time=w.start_time,
            end_time=w.end_time,
            room_id=w.room_id,
            is_individual=w.is_individual,
            is_group=w.is_group,
        )
        for w in body.windows
    ]
    rows, conflicts = availability.replace_weekly_day(caller(), id, day_of_week, windows)
    return {"windows": [Window.of(w) for w in rows], "conflicts": Session.conflicts(conflicts)}


@api_route(
    "GET",
    "/coaches/<id>/blocked-slots",
    op="listBlockedSlots",
    tag=AVAILABILITY,
    returns={"blocked_slots": list[BlockedSlot]},
    errors=(403,),
    answer="Blocked slots overlapping the range, by start.",
)
def list_blocked(id: CoachId, query: RangeQuery):
    """A coach's blocked slots in a range

    The coach themself or an admin. A missing bound is 62 days from the other one; with
    neither, the range is today and the next 62 days.
    """
    zone = zone_of_coach(id)
    start, end = query.bounds(zone, default_days=MAX_SLOT_DAYS)
    rows = availability.list_blocked(caller(), id, start, end)
    return {"blocked_slots": [BlockedSlot.of(r, zone) for r in rows]}


@api_route(
    "POST",
    "/coaches/<id>/blocked-slots",
    op="createBlockedSlot",
    tag=AVAILABILITY,
    status=201,
    returns={"blocked_slot": BlockedSlot, "conflicts": list[Session]},
    errors=(403,),
    links={"/blocked_slot/id": ("deleteBlockedSlot",)},
    answer="The blocked slot and the future sessions it puts in conflict.",
)
def create_blocked_slot(id: CoachId, body: BlockedSlotIn):
    """Block a span of time"""
    zone = zone_of_coach(id)
    start, end = span(body.start_time, body.end_time, zone)
    slot, conflicts = availability.create_blocked_slot(caller(), id, start, end, body.reason)
    return {"blocked_slot": BlockedSlot.of(slot, zone), "conflicts": Session.conflicts(conflicts)}


@api_route(
    "DELETE",
    "/blocked-slots/<id>",
    op="deleteBlockedSlot",
    tag=AVAILABILITY,
    status=204,
    errors=(403,),
    answer="Removed.",
)
def delete_blocked_slot(id: PathId):
    """Remove a blocked slot"""
    availability.delete_blocked_slot(caller(), id)


@api_route(
    "GET",
    "/coaches/<id>/availability-additions",
    op="listAvailabilityAdditions",
    tag=AVAILABILITY,
    returns={"availability_additions": list[AvailabilityAddition]},
    errors=(403,),
    answer="Additions overlapping the range, by start.",
)
def list_additions(id: CoachId, query: RangeQuery):
    """A coach's availability additions in a range

    The coach themself or an admin. A missing bound is 62 days from the other one; with
    neither, the range is today and the next 62 days.
    """
    zone = zone_of_coach(id)
    start, end = query.bounds(zone, default_days=MAX_SLOT_DAYS)
    rows = availability.list_additions(caller(), id, start, end)
    return {"availability_additions": [AvailabilityAddition.of(r, zone) for r in rows]}


@api_route(
    "POST",
    "/coaches/<id>/availability-additions",
    op="createAvailabilityAddition",
    tag=AVAILABILITY,
    status=201,
    returns={"availability_addition": AvailabilityAddition},
    errors=(403,),
    links={"/availability_addition/id": ("deleteAvailabilityAddition",)},
    answer="The addition.",
)
def create_addition(id: CoachId, body: AdditionIn):
    """Add one-time availability"""
    zone = zone_of_coach(id)
    start, end = span(body.start_time, body.end_time, zone)
    row = availability.create_addition(caller(), id, start, end, body.room_id, body.reason)
    return {"availability_addition": AvailabilityAddition.of(row, zone)}


@api_route(
    "DELETE",
    "/availability-additions/<id>",
    op="deleteAvailabilityAddition",
    tag=AVAILABILITY,
    status=204,
    errors=(403,),
    answer="Removed.",
)
def delete_addition(id: PathId):
    """Remove an availability addition"""
    availability.delete_addition(caller(), id)


@api_route(
    "GET",
    "/coaches/<id>/slots",
    op="listSlots",
    tag=BOOKINGS,
    returns={"slots": list[Slot]},
    answer="Slots in order of start.",
)
def list_slots(id: CoachId, query: SlotsQuery):
    """Bookable one-to-one slots

    Inclusive dates in the coach's zone; at most 62 days.
    """
    zone = zone_of_coach(id)
    if query.last < query.first:
        raise ValidationFailed("must not be before from", field="to")
    if (query.last - query.first).days + 1 > MAX_SLOT_DAYS:
        raise ValidationFailed(f"ask for at most {MAX_SLOT_DAYS} days at a time", field="to")
    # A member is offered only what they may book (the coach's horizon and notice).
    rules = booking_rules.for_actor(caller(), coaches.get_settings(id))
    found = slots.bookable_slots(id, query.first, query.last, rules=rules)
    return {"slots": [Slot.of(s, zone) for s in found]}


@api_route(
    "GET",
    "/coaches/<id>/conflicts",
    op="listConflicts",
    tag=SESSIONS,
    returns={"conflicts": list[Session]},
    errors=(403,),
    answer="Future scheduled sessions outside availability.",
)
def list_conflicts(id: CoachId):
    """A coach's conflicts"""
    return {"conflicts": Session.conflicts(sessions.list_conflicts(caller(), id))}

"""JSON API v1, sessions: list, read, cancel, move, resolve a conflict, cover coaches, no-show.
Same blueprint and glue as ``routes``."""

from __future__ import annotations

from ..models import utcnow
from ..services import coaches, cover, moves, sessions
from ..vocab import Role
from .models import REASSIGN, CoverCoach, MoveIn, ResolveIn, Session, SessionsQuery, gym_zone, span
from .routes import CANCEL_409, RESOLVE_409, SESSIONS, caller, zone_of_coach
from .spec import api_route
from .types import PathId, local_instant


@api_route(
    "GET",
    "/sessions",
    op="listSessions",
    tag=SESSIONS,
    returns={"sessions": list[Session]},
    errors=(403, 404),
    answer="Sessions in start order.",
)
def list_sessions(query: SessionsQuery):
    """Sessions

    A member sees only their own sessions, a coach only theirs.
    """
    zone = gym_zone() if query.coach_id is None else zone_of_coach(query.coach_id)
    start, end = query.bounds(zone)
    found = sessions.list_sessions(
        caller(),
        coach_id=query.coach_id,
        member_id=query.member_id,
        start=start,
        end=end,
        status=query.status,
    )
    return {"sessions": Session.many(found)}


@api_route(
    "GET",
    "/sessions/<id>",
    op="getSession",
    tag=SESSIONS,
    returns={"session": Session},
    errors=(403,),
    answer="The session.",
)
def get_session(id: PathId):
    """One session"""
    return {"session": Session.one(sessions.get_session(caller(), id))}


@api_route(
    "POST",
    "/sessions/<id>/cancel",
    op="cancelSession",
    tag=SESSIONS,
    returns={"session": Session},
    errors=(403,),
    conflicts=CANCEL_409,
    answer="The session, now cancelled (its booking too); a series it belongs to stays active.",
)
def cancel_session(id: PathId):
    """Cancel one session

    The member it is for, its coach or an admin; before it starts. A member asking this of a
    group class gives up their place (the class goes on); its coach cancelling it cancels every
    place and notifies those members.
    """
    return {"session": Session.one(sessions.cancel_session(caller(), id))}


@api_route(
    "POST",
    "/sessions/<id>/move",
    op="moveSession",
    tag=SESSIONS,
    returns={"session": Session},
    errors=(403,),
    conflicts="slot_unavailable, slot_taken, overlap, in_past, already_cancelled; a "
    "member: too_soon, beyond_horizon (the rules of a new booking), "
    "too_late_to_change (inside the coach's cancellation window)",
    answer="The session at its new time; everyone attending (a member's move: the coach) "
    "is notified.",
)
def move_session(id: PathId, body: MoveIn):
    """Move a session

    The coach or an admin, before it starts; or the member of a one-to-one session, under the
    rules of a new booking and not inside the coach's cancellation window (another member's
    session: 404). The session keeps its booking and series. end_time defaults to the same
    length.
    """
    actor = caller()
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


@api_route(
    "POST",
    "/sessions/<id>/resolve",
    op="resolveConflict",
    tag=SESSIONS,
    returns={"session": Session},
    errors=(403,),
    conflicts=RESOLVE_409,
    answer="The session: cancelled, or kept (an availability addition now covers exactly "
    "its slot).",
)
def resolve_conflict(id: PathId, body: ResolveIn):
    """Resolve a conflict

    keep, cancel, or reassign: give the session (and its booking) to the cover coach coach_id;
    the room is kept if free, else that coach's room then; the member and that coach are told.
    """
    if body.action == REASSIGN:
        return {"session": Session.one(cover.reassign(caller(), id, body.coach_id))}
    session = sessions.resolve_conflict(caller(), id, body.action)
    return {"session": Session.one(session)}


@api_route(
    "GET",
    "/sessions/<id>/cover-coaches",
    op="listCoverCoaches",
    tag=SESSIONS,
    returns={"coaches": list[CoverCoach]},
    errors=(403,),
    answer="The coaches whose availability covers the session, who are free then and "
    "have a room usable, by name (none for a session cancelled, over or started).",
)
def cover_coaches(id: PathId):
    """Cover coaches for a session

    The session's coach or an admin (its member: 403; anyone else: 404).
    """
    return {"coaches": [CoverCoach.of(c) for c in cover.cover_coaches(caller(), id)]}


@api_route(
    "POST",
    "/sessions/<id>/no-show",
    op="markNoShow",
    tag=SESSIONS,
    returns={"session": Session},
    errors=(403,),
    conflicts="not_started, already_cancelled",
    answer="The session, now no_show.",
)
def mark_no_show(id: PathId):
    """Mark a no-show

    Only once the session has started.
    """
    return {"session": Session.one(sessions.mark_no_show(caller(), id))}

"""A coach's calendar, read once: settings, weekly windows, blocked slots, additions and sessions
of a span of time in one value (``Calendar``), and what the coach pages show from it.

``load`` is the one place a coach's calendar is read. It costs the same few statements whatever
it holds: the availability (windows, blocked slots and additions) in one, the sessions (with, as
asked, their members and confirmed places, the coach's upcoming sessions for the conflict badge,
and the other sessions holding the rooms the coach may use) in another; the coach's settings are
the request's one read of them (``settings_of``). The scheduling core, the slot search,
the week grid and the templates all work from that value.

Read-only use cases for the HTML face. Each loads one kind of row per query (members and bookings
batched by id), so a page costs the same number of queries whether it shows one session or fifty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import g, has_request_context
from sqlalchemy import and_, func, literal_column, null, or_, select, type_coerce, union_all
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    AvailabilityAddition,
    BlockedSlot,
    Booking,
    CoachSettings,
    RecurringBooking,
    Room,
    TrainingSession,
    User,
    UTCDateTime,
    WeeklyAvailability,
    utcnow,
)
from ..scheduling import CoachCalendar, Interval, SessionSpan, Timeline, find_conflicts
from ..vocab import ACTIVE_BOOKING_STATUSES, BookingStatus, Role, SessionStatus, SessionType
from . import coaches
from .errors import NotFound
from .sessions import ConflictView, conflicts_among, count_conflicts, get_session, list_conflicts

UPCOMING_DAYS = 366
"""How far ahead the availability page lists blocked slots and additions."""


@dataclass(frozen=True, slots=True)
class Window:
    """One weekly window of the coach's template (a ``weekly_availability`` row, as plain data):
    wall-clock ``HH:MM`` times in the coach's zone, 0 = Sunday."""

    id: int
    coach_id: int
    day_of_week: int
    start_time: str
    end_time: str
    room_id: int | None
    is_individual: bool
    is_group: bool


@dataclass(frozen=True, slots=True)
class Span:
    """A blocked slot or an availability addition (plain data): ``[start_time, end_time)``."""

    id: int
    coach_id: int
    start_time: datetime
    end_time: datetime
    reason: str | None
    room_id: int | None = None


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A training session as the calendar reads it (plain data, the columns a calendar needs)."""

    id: int
    coach_id: int
    member_id: int | None
    room_id: int | None
    start_time: datetime
    end_time: datetime
    type: str
    status: str
    title: str
    capacity: int
    recurring_booking_id: int | None
    cancelled_by: str | None = None
    cancelled_at: datetime | None = None


_SESSION_COLUMNS = tuple(getattr(TrainingSession, name) for name in SessionRow.__dataclass_fields__)


@dataclass(frozen=True)
class Calendar:
    """One coach's calendar around ``[lo, hi)``, read by ``load``.

    ``windows`` is the whole weekly template; ``blocked`` and ``additions`` overlap the span (with
    ``upcoming``: every one that has not ended); ``sessions`` are the coach's sessions that are not
    cancelled and overlap the span, then (``upcoming``) every scheduled one starting after
    ``now``, in start order (as ``SessionRow`` values). ``booked``, ``waiting`` and
    ``member_names`` (``people``): each session's confirmed and waitlisted places and its
    member's name. ``held`` (``rooms``): per room the coach may use, when a scheduled session of
    any coach holds it in the span. ``cancelled`` (``cancelled``): the cancelled sessions
    overlapping the span (the week grid strikes them through).
    """

    settings: CoachSettings
    tz: ZoneInfo
    lo: datetime
    hi: datetime
    now: datetime
    windows: tuple[Window, ...]
    blocked: tuple[Span, ...]
    additions: tuple[Span, ...]
    sessions: tuple[SessionRow, ...]
    booked: Mapping[int, int] = field(default_factory=dict)
    member_names: Mapping[int, str] = field(default_factory=dict)
    held: Mapping[int, Timeline] | None = None
    waiting: Mapping[int, int] = field(default_factory=dict)
    cancelled: tuple[SessionRow, ...] = ()

    @property
    def coach(self) -> User:
        """The coach's account (the request's copy: the logged-in coach costs no query)."""
        return db.session.get(User, self.settings.coach_id)

    def blocked_in(self, lo: datetime, hi: datetime) -> list[Span]:
        """The blocked slots overlapping ``[lo, hi)``."""
        return [b for b in self.blocked if b.start_time < hi and b.end_time > lo]

    def additions_in(self, lo: datetime, hi: datetime) -> list[Span]:
        """The additions overlapping ``[lo, hi)``."""
        return [a for a in self.additions if a.start_time < hi and a.end_time > lo]

    def sessions_in(self, lo: datetime, hi: datetime) -> list[SessionRow]:
        """The sessions (not cancelled) overlapping ``[lo, hi)``."""
        return [s for s in self.sessions if s.start_time < hi and s.end_time > lo]

    def scheduled_in(self, lo: datetime, hi: datetime) -> list[SessionRow]:
        """The scheduled sessions overlapping ``[lo, hi)``: what makes the coach busy."""
        return [s for s in self.sessions_in(lo, hi) if s.status == SessionStatus.SCHEDULED]

    def upcoming(self) -> list[SessionRow]:
        """The scheduled sessions starting after ``now`` (all of them with ``upcoming``)."""
        return [
            s
            for s in self.sessions
            if s.status == SessionStatus.SCHEDULED and s.start_time > self.now
        ]

    def core(self, existing_keys: frozenset[tuple[str, datetime]] = frozenset()) -> CoachCalendar:
        """The scheduling core's ``CoachCalendar`` of the span: blocked slots, additions and
        scheduled sessions, with ``existing_keys`` (the ``(series id, start)`` already made)."""
        settings = self.settings
        return CoachCalendar(
            coach_id=str(settings.coach_id),
            tz=self.tz,
            blocked=tuple(coaches.interval(b) for b in self.blocked_in(self.lo, self.hi)),
            additions=tuple(coaches.interval(a) for a in self.additions_in(self.lo, self.hi)),
            busy=tuple(coaches.interval(s) for s in self.scheduled_in(self.lo, self.hi)),
            existing_keys=existing_keys,
            default_room_id=(
                None if settings.default_room_id is None else str(settings.default_room_id)
            ),
        )

    def conflicts(self, sessions: Iterable[SessionRow]) -> list[ConflictView]:
        """Which of ``sessions`` (the coach's, inside what was loaded) lie outside availability,
        in start order: one-to-one sessions against one-to-one windows, group sessions against
        group windows (the core decides, as ``sessions.conflicts_among``)."""
        sessions = list(sessions)
        if not sessions:
            return []
        blocked = [coaches.interval(b) for b in self.blocked]
        additions = [coaches.interval(a) for a in self.additions]
        by_id = {s.id: s for s in sessions}
        out: list[ConflictView] = []
        for kind in (SessionType.ONE_TO_ONE, SessionType.GROUP):
            spans = [
                SessionSpan(str(s.id), coaches.interval(s)) for s in sessions if s.type == kind
            ]
            if not spans:
                continue
            windows = coaches.core_windows(self.windows, kind)
            for found in find_conflicts(spans, windows, self.tz, blocked, additions):
                out.append(ConflictView(by_id[int(found.session_id)], found.reason))
        out.sort(key=lambda c: (c.session.start_time, c.session.id))
        return out


def _request_memo() -> dict | None:
    """What this request already read, valid while the data version it read first stands
    (``coachapp.cache``: a request's own write forgets the version); None outside a request."""
    if not has_request_context():
        return None
    version = g.get("data_version")
    if version is None:
        return None
    memo = g.get("_coach_calendar_memo")
    if memo is None or memo.get("version") != version:
        memo = g._coach_calendar_memo = {"version": version}
    return memo


def coach_with_settings(coach_id: int) -> tuple[User, CoachSettings]:
    """The coach and their settings, in one statement, once per request (NotFound unless
    ``coach_id`` is a coach). After the request's own write (no data version to key on), the
    settings are ``coaches.get_settings``'s (read once per request, refreshed after a commit)."""
    memo = _request_memo()
    if memo is None:
        settings = coaches.get_settings(coach_id)
        return coaches.get_coach(coach_id), settings
    key = ("coach and settings", coach_id)
    if key in memo:
        return memo[key]
    found = None
    if coaches.is_id(coach_id):
        found = db.session.execute(
            select(User, CoachSettings)
            .join(CoachSettings, CoachSettings.coach_id == User.id)
            .where(User.id == coach_id, User.role == Role.COACH)
        ).one_or_none()
    if found is None:
        raise NotFound(f"There is no coach with id {coach_id}.")
    memo[key] = (found[0], found[1])
    return memo[key]


def settings_of(coach_id: int) -> CoachSettings:
    """The coach's settings as this request read them already (``coach_with_settings``), else
    ``coaches.get_settings`` (itself read once per request)."""
    memo = _request_memo()
    if memo is not None and ("coach and settings", coach_id) in memo:
        return memo[("coach and settings", coach_id)][1]
    return coaches.get_settings(coach_id)


Availability = tuple[list[Window], list[Span], list[Span]]
"""A coach's weekly windows, blocked slots and additions."""


def _availability(
    coach_ids: Iterable[int], lo: datetime, hi: datetime | None, with_windows: bool = True
) -> dict[int, Availability]:
    """Per coach of ``coach_ids``: the weekly windows (unless not ``with_windows``), and the
    blocked slots and additions overlapping ``[lo, hi)`` (``hi`` None: no end), in one
    statement for all of them."""
    ids = sorted(set(coach_ids))
    w, b, a = WeeklyAvailability, BlockedSlot, AvailabilityAddition
    no_text, no_int = null(), type_coerce(null(), w.room_id.type)
    no_instant, no_bool = type_coerce(null(), UTCDateTime()), type_coerce(null(), w.is_group.type)
    windows = select(
        literal_column("'w'").label("kind"),
        w.id,
        w.coach_id,
        w.day_of_week,
        w.start_time.label("start_hhmm"),
        w.end_time.label("end_hhmm"),
        no_instant.label("start_at"),
        no_instant.label("end_at"),
        w.room_id,
        w.is_individual,
        w.is_group,
        type_coerce(null(), b.reason.type).label("reason"),
    ).where(w.coach_id.in_(ids))

    def spans(model, kind: str):
        where = [model.coach_id.in_(ids), model.end_time > lo]
        if hi is not None:
            where.append(model.start_time < hi)
        return select(
            literal_column(f"'{kind}'"),
            model.id,
            model.coach_id,
            no_int,
            no_text,
            no_text,
            model.start_time,
            model.end_time,
            model.room_id if kind == "a" else no_int,
            no_bool,
            no_bool,
            model.reason,
        ).where(*where)

    out: dict[int, Availability] = {coach_id: ([], [], []) for coach_id in ids}
    if not ids:
        return out
    parts = [spans(b, "b"), spans(a, "a")]
    if with_windows:
        parts.insert(0, windows)
    for (
        kind,
        row_id,
        coach_id,
        day,
        start_hhmm,
        end_hhmm,
        start_at,
        end_at,
        room,
        one,
        group,
        why,
    ) in db.session.execute(union_all(*parts)):
        found = out[coach_id]
        if kind == "w":
            found[0].append(
                Window(row_id, coach_id, day, start_hhmm, end_hhmm, room, bool(one), bool(group))
            )
        else:
            found[1 if kind == "b" else 2].append(
                Span(row_id, coach_id, start_at, end_at, why, room)
            )
    for found_windows, blocked, additions in out.values():
        found_windows.sort(key=lambda r: (r.day_of_week, r.start_time, r.id))
        blocked.sort(key=lambda r: (r.start_time, r.id))
        additions.sort(key=lambda r: (r.start_time, r.id))
    return out


def load(
    coach_id: int,
    lo: datetime,
    hi: datetime,
    now: datetime | None = None,
    *,
    upcoming: bool = False,
    people: bool = False,
    rooms: bool = False,
    cancelled: bool = False,
) -> Calendar:
    """A coach's calendar around ``[lo, hi)`` (NotFound unless ``coach_id`` is a coach).

    ``upcoming``: also every scheduled session after ``now``, and every blocked slot and addition
    not ended by then (the conflict badge counts them). ``people``: each session's member,
    confirmed and waitlisted places, read with the sessions. ``rooms``: also when other sessions
    (any coach's) hold the rooms the coach may use in the span (``held``, for the slot search).
    ``cancelled``: also the cancelled sessions of the span (``Calendar.cancelled``), in the same
    statement.
    """
    settings = settings_of(coach_id)
    return load_many(
        [settings],
        lo,
        hi,
        now,
        upcoming=upcoming,
        people=people,
        rooms=rooms,
        cancelled=cancelled,
    )[settings.coach_id]


def load_many(
    settings: Iterable[CoachSettings],
    lo: datetime,
    hi: datetime,
    now: datetime | None = None,
    *,
    upcoming: bool = False,
    people: bool = False,
    rooms: bool = False,
    cancelled: bool = False,
) -> dict[int, Calendar]:
    """``load`` for several coaches at once (their settings already read), by coach id: still
    two statements, whatever the number of coaches (the member's list of coaches)."""
    by_coach = {s.coach_id: s for s in settings}
    ids = sorted(by_coach)
    now = now or utcnow()
    since = min(lo, now) if upcoming else lo
    found = _availability(ids, since, None if upcoming else hi)

    ts = TrainingSession
    mine = ts.coach_id.in_(ids)
    near = and_(ts.start_time >= lo - coaches.MAX_SESSION, ts.start_time < hi, ts.end_time > lo)
    wanted = [
        and_(mine, near) if cancelled else and_(mine, ts.status != SessionStatus.CANCELLED, near)
    ]
    if upcoming:
        wanted.append(and_(mine, ts.status == SessionStatus.SCHEDULED, ts.start_time > now))
    room_ids: set[int] = set()
    if rooms:
        for windows, _, additions in found.values():
            room_ids.update(w.room_id for w in windows if w.room_id is not None)
            room_ids.update(a.room_id for a in additions if a.room_id is not None)
        room_ids.update(
            s.default_room_id for s in by_coach.values() if s.default_room_id is not None
        )
        if room_ids:
            wanted.append(
                and_(ts.room_id.in_(sorted(room_ids)), ts.status == SessionStatus.SCHEDULED, near)
            )
    columns: list = list(_SESSION_COLUMNS)
    if people:

        def places(status: BookingStatus):
            return (
                select(func.count(Booking.id))
                .where(Booking.session_id == ts.id, Booking.status == status)
                .correlate(ts)
                .scalar_subquery()
            )

        columns += [User.name, places(BookingStatus.CONFIRMED), places(BookingStatus.WAITLISTED)]
    query = select(*columns).where(or_(*wanted)).order_by(ts.start_time, ts.id)
    if people:
        query = query.outerjoin(User, User.id == ts.member_id)
    width = len(_SESSION_COLUMNS)
    sessions: dict[int, list[SessionRow]] = {coach_id: [] for coach_id in ids}
    struck: dict[int, list[SessionRow]] = {coach_id: [] for coach_id in ids}
    booked: dict[int, int] = {}
    queued: dict[int, int] = {}
    names: dict[int, str] = {}
    spans: dict[int, list[Interval]] = {}
    for row in db.session.execute(query):
        session = SessionRow(*row[:width])
        if session.room_id in room_ids and session.status == SessionStatus.SCHEDULED:
            spans.setdefault(session.room_id, []).append(coaches.interval(session))
        if session.coach_id not in by_coach:
            continue
        if session.status == SessionStatus.CANCELLED:
            if cancelled:
                struck[session.coach_id].append(session)
            else:
                continue
        else:
            sessions[session.coach_id].append(session)
        if people:
            if session.member_id is not None and row[width] is not None:
                names[session.member_id] = row[width]
            if row[width + 1]:
                booked[session.id] = row[width + 1]
            if row[width + 2]:
                queued[session.id] = row[width + 2]
    held = {room: Timeline(busy) for room, busy in spans.items()} if rooms else None
    return {
        coach_id: Calendar(
            settings=by_coach[coach_id],
            tz=coaches.zone_of(by_coach[coach_id]),
            lo=lo,
            hi=hi,
            now=now,
            windows=tuple(found[coach_id][0]),
            blocked=tuple(found[coach_id][1]),
            additions=tuple(found[coach_id][2]),
            sessions=tuple(sessions[coach_id]),
            booked=booked,
            member_names=names,
            held=held,
            waiting=queued,
            cancelled=tuple(struck[coach_id]),
        )
        for coach_id in ids
    }


@dataclass(frozen=True)
class WeekData:
    """Everything the week grid shows for one coach and one Monday-to-Sunday week (coach's zone).

    ``calendar`` is what was read (the week, and every upcoming session for the conflicts);
    ``sessions`` are the week's sessions that are not cancelled, ``cancelled`` those that are;
    ``blocked`` and ``additions`` those overlapping the week; ``booked`` and ``waiting`` count
    each session's confirmed and waitlisted bookings;
    ``conflicts`` maps the ids of the week's conflicting sessions to the reason, and
    ``conflict_total`` counts all of the coach's upcoming conflicts.
    """

    calendar: Calendar
    monday: date
    blocked: list[Span]
    additions: list[Span]
    sessions: list[SessionRow]
    rooms: dict[int, str]
    conflicts: dict[int, str]
    conflict_total: int
    cancelled: list[SessionRow] = field(default_factory=list)

    @property
    def coach(self) -> User:
        return self.calendar.coach

    @property
    def now(self) -> datetime:
        return self.calendar.now

    @property
    def settings(self) -> CoachSettings:
        return self.calendar.settings

    @property
    def tz(self) -> ZoneInfo:
        return self.calendar.tz

    @property
    def windows(self) -> tuple[Window, ...]:
        return self.calendar.windows

    @property
    def booked(self) -> Mapping[int, int]:
        return self.calendar.booked

    @property
    def waiting(self) -> Mapping[int, int]:
        return self.calendar.waiting

    @property
    def member_names(self) -> Mapping[int, str]:
        return self.calendar.member_names

    @property
    def days(self) -> list[date]:
        """The seven local dates, Monday first."""
        return [self.monday + timedelta(days=i) for i in range(7)]


@dataclass(frozen=True)
class ConflictRow:
    """One line of the conflicts page: the session, why, who it is for and its series, if any."""

    session: TrainingSession
    reason: str
    member: User | None
    series: RecurringBooking | None


@dataclass(frozen=True)
class SessionDetail:
    """One session as its panel shows it: attendees, bookings, series, room and conflict.

    For a group class, ``roster`` holds the confirmed places and ``waitlist`` the members waiting,
    each first come first (bookings with their member loaded).
    """

    session: TrainingSession
    settings: CoachSettings
    tz: ZoneInfo
    coach: User
    attendees: list[User] = field(default_factory=list)
    booked: int = 0
    series: RecurringBooking | None = None
    room: Room | None = None
    conflict: str | None = None
    roster: list[Booking] = field(default_factory=list)
    waitlist: list[Booking] = field(default_factory=list)


def monday_of(day: date) -> date:
    """The Monday of the week ``day`` is in."""
    return day - timedelta(days=day.weekday())


def users_by_id(ids: Iterable[int | None]) -> dict[int, User]:
    """The users with these ids, in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def booked_counts(session_ids: Iterable[int]) -> dict[int, int]:
    """How many confirmed bookings each session has, in one query."""
    ids = list(session_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Booking.session_id, func.count(Booking.id))
        .where(Booking.session_id.in_(ids), Booking.status == BookingStatus.CONFIRMED)
        .group_by(Booking.session_id)
    )
    return {session_id: count for session_id, count in rows}


def rooms() -> list[Room]:
    """The gym's rooms by name, read once per request (the week's labels and the forms' choices
    share them)."""
    memo = _request_memo()
    if memo is not None and "rooms" in memo:
        return memo["rooms"]
    found = list(db.session.scalars(select(Room).order_by(Room.name, Room.id)))
    if memo is not None:
        memo["rooms"] = found
    return found


def room_names() -> dict[int, str]:
    """Every room's name by id."""
    return {room.id: room.name for room in rooms()}


def week(actor: User, coach_id: int, monday: date, now: datetime | None = None) -> WeekData:
    """A coach's week from ``monday`` (coach's local dates): template, exceptions and sessions.

    Only the coach themself or an admin may see it (Forbidden otherwise). The conflicts of every
    upcoming session are worked out from the same read: the week marks its own, and the count is
    kept for the request's conflict badge (``conflict_count``).
    """
    settings = coaches.get_settings(coach_id)
    coaches.require_manager(actor, coach_id)
    coaches.check_date(monday, "start")
    monday = monday_of(monday)
    tz = coaches.zone_of(settings)
    lo, hi = coaches.day_bounds(monday, monday + timedelta(days=6), tz)
    calendar = load(coach_id, lo, hi, now, upcoming=True, people=True, cancelled=True)
    found = calendar.conflicts(calendar.upcoming())
    if now is None:
        memo = _request_memo()
        if memo is not None:
            memo[("conflict count", coach_id)] = len(found)
    shown = calendar.sessions_in(lo, hi)
    in_week = {s.id for s in shown}
    return WeekData(
        calendar=calendar,
        monday=monday,
        blocked=calendar.blocked_in(lo, hi),
        additions=calendar.additions_in(lo, hi),
        sessions=shown,
        rooms=room_names(),
        conflicts={c.session.id: c.reason for c in found if c.session.id in in_week},
        conflict_total=len(found),
        cancelled=[s for s in calendar.cancelled if s.start_time < hi and s.end_time > lo],
    )


def conflict_rows(actor: User, coach_id: int, now: datetime | None = None) -> list[ConflictRow]:
    """A coach's conflicts with their members and series loaded in one query each."""
    found = list_conflicts(actor, coach_id, now)
    members = users_by_id(c.session.member_id for c in found)
    series_ids = {c.session.recurring_booking_id for c in found} - {None}
    series = {}
    if series_ids:
        series = {
            r.id: r
            for r in db.session.scalars(
                select(RecurringBooking).where(RecurringBooking.id.in_(series_ids))
            )
        }
    return [
        ConflictRow(
            session=c.session,
            reason=c.reason,
            member=members.get(c.session.member_id),
            series=series.get(c.session.recurring_booking_id),
        )
        for c in found
    ]


def conflict_count(actor: User, coach_id: int, now: datetime | None = None) -> int:
    """How many of a coach's future sessions are in conflict (for the badge); the request's
    week grid, when it read them already, answers without another query."""
    if now is None:
        memo = _request_memo()
        if memo is not None and ("conflict count", coach_id) in memo:
            coaches.require_manager(actor, coach_id)
            return memo[("conflict count", coach_id)]
    return count_conflicts(actor, coach_id, now)


def session_detail(actor: User, session_id: int, now: datetime | None = None) -> SessionDetail:
    """One session with who attends it, for its coach or an admin (NotFound for anyone else)."""
    session = get_session(actor, session_id)
    if actor.role not in (Role.COACH, Role.ADMIN):
        raise NotFound(f"There is no session with id {session_id}.")
    settings = coaches.get_settings(session.coach_id)
    now = now or utcnow()
    places = list(
        db.session.scalars(
            select(Booking)
            .where(
                Booking.session_id == session.id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            )
            .options(selectinload(Booking.member))
            .order_by(Booking.created_at, Booking.id)
        )
    )
    roster = [b for b in places if b.status == BookingStatus.CONFIRMED]
    member_ids = {b.member_id for b in roster}
    booked = len(member_ids)
    if session.member_id is not None:
        member_ids.add(session.member_id)
    people = users_by_id(member_ids)
    conflict = None
    if session.status == SessionStatus.SCHEDULED and session.start_time > now:
        found = conflicts_among(settings, [session])
        conflict = found[0].reason if found else None
    return SessionDetail(
        session=session,
        settings=settings,
        tz=coaches.zone_of(settings),
        coach=db.session.get(User, session.coach_id),
        attendees=sorted(people.values(), key=lambda u: u.name),
        booked=booked,
        series=(
            db.session.get(RecurringBooking, session.recurring_booking_id)
            if session.recurring_booking_id
            else None
        ),
        room=db.session.get(Room, session.room_id) if session.room_id else None,
        conflict=conflict,
        roster=roster,
        waitlist=[b for b in places if b.status == BookingStatus.WAITLISTED],
    )


def member_names(sessions: Iterable[TrainingSession]) -> dict[int, str]:
    """The names of the members of ``sessions`` by id, in one query."""
    return {i: u.name for i, u in users_by_id(s.member_id for s in sessions).items()}


def upcoming_exceptions(
    coach_id: int, now: datetime | None = None
) -> tuple[list[Span], list[Span]]:
    """A coach's blocked slots and additions that have not ended, for about a year ahead, in
    one statement."""
    _, blocked, additions = upcoming_availability(coach_id, now, with_windows=False)
    return blocked, additions


def upcoming_availability(
    coach_id: int, now: datetime | None = None, with_windows: bool = True
) -> tuple[list[Window], list[Span], list[Span]]:
    """What the availability page lists, in one statement: the weekly template (by day and
    start), and the blocked slots and additions that have not ended, for about a year ahead."""
    now = now or utcnow()
    found = _availability([coach_id], now, now + timedelta(days=UPCOMING_DAYS), with_windows)
    return found[coach_id]


__all__ = [
    "Calendar",
    "ConflictRow",
    "SessionDetail",
    "SessionRow",
    "Span",
    "WeekData",
    "Window",
    "booked_counts",
    "coach_with_settings",
    "conflict_count",
    "conflict_rows",
    "load",
    "load_many",
    "member_names",
    "monday_of",
    "room_names",
    "rooms",
    "session_detail",
    "settings_of",
    "upcoming_availability",
    "upcoming_exceptions",
    "users_by_id",
    "week",
]

"""Memberships and credit packs: the plans a gym sells, a member's memberships, and the credit
each session or group place draws.

Rules (api-v1.md, "Memberships and credit packs"):

- A membership is valid on the local dates ``starts_on``..``ends_on`` (both included, the gym's
  zone, ``COACHAPP_TIMEZONE``); ``ends_on`` = ``starts_on`` + ``valid_days`` − 1.
- Status: the database stores ``active`` or ``cancelled``. ``expired`` is derived from the date
  (``status_on``: an active one whose ``ends_on`` lies before today), so no nightly update is
  needed and the API shows ``expired`` for a lapsed one the day after its last day.
- ``draw`` picks, among the active memberships valid on the session's local date whose plan
  covers that kind of session, the one that expires first (then the oldest), and takes one
  credit: a conditional ``UPDATE … SET credits_used = credits_used + 1 WHERE id = ? AND
  credits_used < credits_total`` (the check constraints keep 0 <= credits_used <= credits_total
  whatever the concurrency, and the update never oversteps them). A plan with a ``weekly_limit``
  locks the membership's row first (``FOR UPDATE``; SQLite: the write lock) and counts the
  sessions and places holding it in that ISO week (Monday to Sunday, gym's zone) under the lock.
  An unlimited membership counts its uses in ``credits_used`` too (``credits_total`` NULL).
- The credit is held by the one-to-one session (``training_sessions.membership_id``; a one-time
  session's booking carries a copy for the booking JSON) or by the group place
  (``bookings.membership_id``). ``give_back`` clears it with a conditional update (``WHERE
  membership_id = ?``) and returns the credit only when that update changed the row, so two
  concurrent cancels give it back once. A late cancel and a no-show keep the credit.
- ``COACHAPP_REQUIRE_MEMBERSHIP`` (default false): when true, ``draw`` refuses with NoMembership,
  NoCredits or WeeklyLimit; when false it returns None and the session is made without one.
- Group classes: a waitlisted place holds no credit; it takes one when it is confirmed (booked
  with a free place, or promoted from the waitlist). With the setting on, joining a waitlist
  checks that a membership would cover the place (``check``), and a promotion passes over a
  member whose memberships no longer cover it (their place keeps waiting).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import contains_eager, selectinload

from ..extensions import db
from ..models import (
    Booking,
    Membership,
    MembershipPlan,
    RecurringBooking,
    TrainingSession,
    User,
    utcnow,
)
from ..scheduling import DAY_NAMES, local_datetime
from ..vocab import MembershipStatus, NotificationKind, PlanKind, Role, SessionType, values
from . import coaches
from .db import locked_row, transaction, write_lock
from .errors import (
    AlreadyCancelled,
    DomainError,
    Forbidden,
    NoCredits,
    NoMembership,
    NotFound,
    ValidationFailed,
    WeeklyLimit,
)
from .notifications import notify

NAME_MAX = 120
MAX_CREDITS = 1000  # as the plan form and the API accept
MAX_VALID_DAYS = 3650
MAX_WEEKLY_LIMIT = 100
EXPIRING_DAYS = 14


def required() -> bool:
    """Whether every member's one-to-one session and group place needs a membership."""
    return bool(current_app.config.get("COACHAPP_REQUIRE_MEMBERSHIP", False))


def gym_zone() -> ZoneInfo:
    """The zone whose local dates memberships are valid on."""
    return ZoneInfo(current_app.config["COACHAPP_TIMEZONE"])


def local_date(instant: datetime) -> date:
    """The gym's local date of an instant: the date a membership must be valid on."""
    return instant.astimezone(gym_zone()).date()


def day_label(day: date) -> str:
    """A date as the messages write it: ``Thu 3 Dec``."""
    return f"{day:%a} {day.day} {day:%b}"


def _require_admin(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise Forbidden("Only an admin may manage memberships.")


def _whole(value: object, field: str, low: int, high: int, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationFailed(f"give a whole number from {low} to {high}.", field=field)
    return value


# --- plans -----------------------------------------------------------------------------------


def create_plan(
    actor: User,
    name: object,
    kind: object,
    credits: object,
    valid_days: object,
    weekly_limit: object = None,
    session_type: object = None,
) -> MembershipPlan:
    """A new plan (admin only): ``credits`` sessions (kind ``credits``; 1–1000) or ``unlimited``
    (credits null), valid ``valid_days`` days (1–3650), at most ``weekly_limit`` sessions per
    ISO week (null: no limit), for one kind of session (``session_type``; null: both)."""
    _require_admin(actor)
    if not isinstance(name, str) or not name.strip():
        raise ValidationFailed("give the plan a name.", field="name")
    name = name.strip()
    if len(name) > NAME_MAX:
        raise ValidationFailed(f"use at most {NAME_MAX} characters.", field="name")
    if kind not in values(PlanKind):
        raise ValidationFailed(f"use one of {', '.join(PlanKind)}.", field="kind")
    if kind == PlanKind.CREDITS:
        credits = _whole(credits, "credits", 1, MAX_CREDITS)
    elif credits is not None:
        raise ValidationFailed("an unlimited plan has no credits; leave them out.", field="credits")
    valid_days = _whole(valid_days, "valid_days", 1, MAX_VALID_DAYS)
    weekly_limit = _whole(weekly_limit, "weekly_limit", 1, MAX_WEEKLY_LIMIT, optional=True)
    if session_type is not None and session_type not in values(SessionType):
        raise ValidationFailed(
            f"use one of {', '.join(SessionType)}, or leave it out for both.", field="session_type"
        )
    plan = MembershipPlan(
        name=name,
        kind=PlanKind(kind),
        credits=credits,
        valid_days=valid_days,
        weekly_limit=weekly_limit,
        session_type=None if session_type is None else SessionType(session_type),
    )
    with transaction():
        db.session.add(plan)
    return plan


def list_plans() -> list[MembershipPlan]:
    """Every plan, by name."""
    return list(
        db.session.scalars(select(MembershipPlan).order_by(MembershipPlan.name, MembershipPlan.id))
    )


def get_plan(plan_id: object, field: str = "plan_id") -> MembershipPlan:
    """The plan with ``plan_id``; NotFound naming ``field`` otherwise."""
    plan = db.session.get(MembershipPlan, plan_id) if coaches.is_id(plan_id) else None
    if plan is None:
        raise NotFound(f"There is no membership plan with id {plan_id}.", field=field)
    return plan


# --- a member's memberships ------------------------------------------------------------------


def status_on(membership: Membership, today: date) -> MembershipStatus:
    """What a membership is on ``today``: cancelled, expired (its last day has passed), active."""
    if membership.status == MembershipStatus.CANCELLED:
        return MembershipStatus.CANCELLED
    if membership.ends_on < today:
        return MembershipStatus.EXPIRED
    return MembershipStatus(membership.status)


def _member(member_id: object) -> User:
    user = db.session.get(User, member_id) if coaches.is_id(member_id) else None
    if user is None or user.role != Role.MEMBER:
        raise NotFound(f"There is no member with id {member_id}.", field="member_id")
    return user


def assign(actor: User, member_id: object, plan_id: object, starts_on: object) -> Membership:
    """Give a member a membership of ``plan_id`` from ``starts_on`` (admin only): it ends
    ``valid_days`` − 1 days later and holds the plan's credits (null for unlimited)."""
    _require_admin(actor)
    member = _member(member_id)
    plan = get_plan(plan_id)
    coaches.check_date(starts_on, "starts_on")
    membership = Membership(
        member_id=member.id,
        plan_id=plan.id,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=plan.valid_days - 1),
        credits_total=plan.credits,
        credits_used=0,
        status=MembershipStatus.ACTIVE,
    )
    coaches.check_date(membership.ends_on, "starts_on")
    with transaction():
        db.session.add(membership)
    return membership


def _membership(membership_id: object) -> Membership:
    membership = locked_row(Membership, membership_id)
    if membership is None:
        raise NotFound(f"There is no membership with id {membership_id}.")
    return membership


def extend(actor: User, membership_id: object, days: object) -> Membership:
    """Move a membership's last day ``days`` (1–3650) later (admin only); a cancelled one cannot
    be extended. Occurrences of a series skipped for want of it are made by the next nightly run."""
    _require_admin(actor)
    days = _whole(days, "days", 1, MAX_VALID_DAYS)
    with transaction():
        write_lock()
        membership = _membership(membership_id)
        if membership.status == MembershipStatus.CANCELLED:
            raise AlreadyCancelled("This membership is cancelled; assign a new one instead.")
        ends_on = membership.ends_on + timedelta(days=days)
        coaches.check_date(ends_on, "days")
        membership.ends_on = ends_on
    return membership


def cancel(actor: User, membership_id: object) -> Membership:
    """Cancel a membership (admin only): no new session draws on it; the sessions and places that
    hold its credits keep them."""
    _require_admin(actor)
    with transaction():
        write_lock()
        membership = _membership(membership_id)
        if membership.status == MembershipStatus.CANCELLED:
            raise AlreadyCancelled("This membership is cancelled already.")
        membership.status = MembershipStatus.CANCELLED
    return membership


def for_member(actor: User, member_id: object) -> list[Membership]:
    """A member's memberships, newest first, with their plans. A member sees only their own; a
    coach and an admin any member's."""
    if actor.role == Role.MEMBER:
        if member_id != actor.id:
            raise Forbidden("Members see only their own memberships.")
    elif actor.role not in (Role.COACH, Role.ADMIN):
        raise Forbidden("You may not see memberships.")
    member = _member(member_id)
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.member_id == member.id)
            .options(selectinload(Membership.plan))
            .order_by(Membership.starts_on.desc(), Membership.id.desc())
        )
    )


@dataclass(frozen=True)
class Balance:
    """What a member has left, for the pages: the membership the next session would draw on (the
    first to expire that still has a credit, else the first to expire)."""

    membership_id: int
    plan_name: str
    kind: str
    credits_left: int | None  # None: unlimited
    credits_total: int | None  # None: unlimited
    ends_on: date
    weekly_limit: int | None


def _valid_query(on_date: date):
    return (
        select(Membership)
        .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
        .where(
            Membership.status == MembershipStatus.ACTIVE,
            Membership.starts_on <= on_date,
            Membership.ends_on >= on_date,
        )
        .options(contains_eager(Membership.plan))  # the plan in the same statement
        .order_by(Membership.ends_on, Membership.id)
    )


def balances(member_ids: list[int], on_date: date) -> dict[int, Balance]:
    """``balance`` for several members in one statement (a roster, the admin's list)."""
    coaches.check_date(on_date, "on_date")
    ids = [m for m in member_ids if coaches.is_id(m)]
    if not ids:
        return {}
    rows = db.session.scalars(_valid_query(on_date).where(Membership.member_id.in_(ids)))
    found: dict[int, Balance] = {}
    for membership in rows:
        current = found.get(membership.member_id)
        if current is not None and (current.credits_left is None or current.credits_left > 0):
            continue
        left = membership.credits_left
        if current is not None and left is not None and left <= 0:
            continue
        found[membership.member_id] = Balance(
            membership_id=membership.id,
            plan_name=membership.plan.name,
            kind=membership.plan.kind,
            credits_left=left,
            credits_total=membership.credits_total,
            ends_on=membership.ends_on,
            weekly_limit=membership.plan.weekly_limit,
        )
    return found


def balance(member_id: int, on_date: date) -> Balance | None:
    """The member's balance on ``on_date`` (None: no valid membership)."""
    if not coaches.is_id(member_id):
        coaches.check_date(on_date, "on_date")
        return None
    return balances([member_id], on_date).get(member_id)


def expiring(today: date, days: int = EXPIRING_DAYS) -> list[Membership]:
    """Active memberships whose last day is within ``days`` from ``today`` (today included), by
    last day, with their member and plan (for the admin's billing page)."""
    coaches.check_date(today, "today")
    days = _whole(days, "days", 1, MAX_VALID_DAYS)
    return list(
        db.session.scalars(
            select(Membership)
            .where(
                Membership.status == MembershipStatus.ACTIVE,
                Membership.ends_on >= today,
                Membership.ends_on < today + timedelta(days=days),
            )
            .options(selectinload(Membership.plan), selectinload(Membership.member))
            .order_by(Membership.ends_on, Membership.id)
        )
    )


@dataclass(frozen=True)
class MonthlyUse:
    """Credits a member used in a month: sessions and places holding a membership then."""

    member_id: int
    member_name: str
    credits_used: int


def credits_used_by_month(month: date) -> list[MonthlyUse]:
    """Per member, the credits used by the sessions and group places that start in ``month``
    (any date in it; the gym's zone) and hold a membership (late cancels and no-shows included,
    in-time cancels gave theirs back). Two statements, by member name."""
    coaches.check_date(month, "month")
    first = month.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    zone = gym_zone()
    lo, hi = local_datetime(first, 0, zone), local_datetime(after, 0, zone)
    own = (
        select(TrainingSession.member_id.label("member_id"))
        .where(
            TrainingSession.membership_id.is_not(None),
            TrainingSession.type == SessionType.ONE_TO_ONE,
            TrainingSession.start_time >= lo,
            TrainingSession.start_time < hi,
        )
        .union_all(
            select(Booking.member_id.label("member_id"))
            .join(TrainingSession, TrainingSession.id == Booking.session_id)
            .where(
                Booking.membership_id.is_not(None),
                TrainingSession.type == SessionType.GROUP,
                TrainingSession.start_time >= lo,
                TrainingSession.start_time < hi,
            )
        )
        .subquery()
    )
    rows = db.session.execute(
        select(User.id, User.name, func.count())
        .join(own, own.c.member_id == User.id)
        .group_by(User.id, User.name)
        .order_by(User.name, User.id)
    ).all()
    return [MonthlyUse(member_id, name, count) for member_id, name, count in rows]


# --- drawing and giving back credits ---------------------------------------------------------


def _candidates(member_id: int, session_type: str, on_date: date) -> list[Membership]:
    return list(
        db.session.scalars(
            _valid_query(on_date).where(
                Membership.member_id == member_id,
                MembershipPlan.session_type.is_(None)
                | (MembershipPlan.session_type == session_type),
            )
        )
    )


def _week_bounds(on_date: date) -> tuple[datetime, datetime]:
    monday = on_date - timedelta(days=on_date.weekday())
    zone = gym_zone()
    return local_datetime(monday, 0, zone), local_datetime(monday + timedelta(days=7), 0, zone)


def used_in_week(membership_id: int, on_date: date) -> int:
    """How many sessions and places starting in the ISO week of ``on_date`` hold the membership."""
    lo, hi = _week_bounds(on_date)
    sessions = (
        select(func.count())
        .select_from(TrainingSession)
        .where(
            TrainingSession.membership_id == membership_id,
            TrainingSession.start_time >= lo,
            TrainingSession.start_time < hi,
        )
        .scalar_subquery()
    )
    places = (
        select(func.count())
        .select_from(Booking)
        .join(TrainingSession, TrainingSession.id == Booking.session_id)
        .where(
            Booking.membership_id == membership_id,
            TrainingSession.type == SessionType.GROUP,
            TrainingSession.start_time >= lo,
            TrainingSession.start_time < hi,
        )
        .scalar_subquery()
    )
    return db.session.scalar(select(sessions + places))


def _take_credit(membership: Membership) -> bool:
    """One credit more used, if one is left: a conditional update, safe under any concurrency."""
    table = Membership.__table__
    result = db.session.execute(
        update(table)
        .where(
            table.c.id == membership.id,
            table.c.credits_total.is_(None) | (table.c.credits_used < table.c.credits_total),
        )
        .values(credits_used=table.c.credits_used + 1)
    )
    db.session.expire(membership, ["credits_used"])
    return result.rowcount == 1


def _monday(on_date: date) -> date:
    return on_date - timedelta(days=on_date.weekday())


def _choose(
    member_id: int,
    session_type: str,
    on_date: date,
    take: bool,
    pending: dict[tuple[int, date], int] | None = None,
) -> Membership | None:
    candidates = _candidates(member_id, session_type, on_date)
    if not candidates:
        if required():
            raise NoMembership(
                f"You have no membership valid on {day_label(on_date)}. Ask the gym for one."
            )
        return None
    week_full: Membership | None = None
    for membership in candidates:
        limit = membership.plan.weekly_limit
        if limit is not None:
            if take:
                locked_row(Membership, membership.id)  # counted under the row's lock
            extra = (pending or {}).get((membership.id, _monday(on_date)), 0)
            if used_in_week(membership.id, on_date) + extra >= limit:
                week_full = week_full or membership
                continue
        if not take:
            if membership.credits_left is None or membership.credits_left > 0:
                return membership
            continue
        if _take_credit(membership):
            if pending is not None:
                key = (membership.id, _monday(on_date))
                pending[key] = pending.get(key, 0) + 1
            return membership
    if not required():
        return None
    if week_full is not None:
        monday = _monday(on_date)
        raise WeeklyLimit(
            f"Your {week_full.plan.name} allows {week_full.plan.weekly_limit} sessions a week, "
            f"and the week of {day_label(monday)} is full. Pick a day in another week, or ask "
            "the gym for another membership."
        )
    raise NoCredits(
        f"Your {candidates[0].plan.name} has no credits left for {day_label(on_date)}. "
        "Ask the gym for a new pack."
    )


def draw(
    member_id: int, session_type: str, on_date: date, now: datetime | None = None
) -> Membership | None:
    """Take one credit for a member's session or place of ``session_type`` on local date
    ``on_date`` (gym's zone), from the valid membership that expires first; call it inside the
    booking's write transaction and store the returned membership's id on the row that holds
    the credit. None when the member has none usable and memberships are not required; else
    NoMembership / NoCredits / WeeklyLimit."""
    return _choose(member_id, session_type, on_date, take=True)


def check(member_id: int, session_type: str, on_date: date) -> Membership | None:
    """What ``draw`` would use, without taking a credit (a waitlist place): raises as ``draw``
    does when memberships are required."""
    return _choose(member_id, session_type, on_date, take=False)


def give_back(row: TrainingSession | Booking) -> bool:
    """Return the credit a one-to-one session or a group place holds (an in-time or a coach's
    cancel); True when one was returned. A booking of a one-to-one session returns its
    session's. The holder is cleared by a conditional update first, so a credit is returned at
    most once whatever the concurrency."""
    if isinstance(row, Booking) and row.session.type != SessionType.GROUP:
        row = row.session
    membership_id = row.membership_id
    if membership_id is None:
        return False
    table = type(row).__table__
    cleared = db.session.execute(
        update(table)
        .where(table.c.id == row.id, table.c.membership_id == membership_id)
        .values(membership_id=None)
    ).rowcount
    db.session.expire(row, ["membership_id"])
    if cleared != 1:
        return False
    if isinstance(row, TrainingSession):
        copies = Booking.__table__
        copied = db.session.execute(
            update(copies)
            .where(copies.c.session_id == row.id, copies.c.membership_id == membership_id)
            .values(membership_id=None)
        ).rowcount
        for booking in list(db.session.identity_map.values()) if copied else ():
            if isinstance(booking, Booking) and booking.session_id == row.id:
                db.session.expire(booking, ["membership_id"])
    memberships = Membership.__table__
    db.session.execute(
        update(memberships)
        .where(memberships.c.id == membership_id, memberships.c.credits_used > 0)
        .values(credits_used=memberships.c.credits_used - 1)
    )
    held = db.session.identity_map.get(db.session.identity_key(Membership, membership_id))
    if held is not None:
        db.session.expire(held, ["credits_used"])
    return True


def follow_move(session: TrainingSession, old_start: datetime) -> None:
    """A member's one-to-one session moved from ``old_start`` to another local date keeps its
    credit when its membership is valid on the new date (and, for a plan with a weekly limit,
    the new date is in the same ISO week); otherwise the credit goes back and the session draws
    anew for the new date (with COACHAPP_REQUIRE_MEMBERSHIP a refusal there refuses the move).
    Call it in the move's transaction, after the new time is set and flushed."""
    if session.type != SessionType.ONE_TO_ONE or session.member_id is None:
        return
    old_day, new_day = local_date(old_start), local_date(session.start_time)
    if old_day == new_day:
        return
    if session.membership_id is not None:
        held = db.session.get(Membership, session.membership_id)
        same_week = _monday(old_day) == _monday(new_day)
        if (
            held.status == MembershipStatus.ACTIVE
            and held.starts_on <= new_day <= held.ends_on
            and (held.plan.weekly_limit is None or same_week)
            and held.plan.session_type in (None, SessionType.ONE_TO_ONE)
        ):
            return
        give_back(session)
    fresh = draw(session.member_id, SessionType.ONE_TO_ONE, new_day)
    if fresh is None:
        return
    session.membership_id = fresh.id
    if session.one_time_booking_id is not None:
        booking = db.session.get(Booking, session.one_time_booking_id)
        booking.membership_id = fresh.id
    db.session.flush()


@dataclass
class Occurrences:
    """Series occurrences sorted for making: ``rows`` to insert (a one-to-one occurrence's
    ``membership_id`` set when it drew a credit) and ``skipped``, those not made for want of a
    membership or credit (only with COACHAPP_REQUIRE_MEMBERSHIP), with the first refusal."""

    rows: list[dict]
    skipped: list[dict]
    refusal: DomainError | None = None


def draw_for_occurrences(rows: list[dict]) -> Occurrences:
    """Draw one credit for each member's one-to-one occurrence in ``rows`` (training_sessions
    values, e.g. ``sessions.session_row``), earliest first, as ``draw`` would one by one (a
    weekly limit counts the ones drawn in this batch too). Members holding no membership in
    the rows' dates cost no more than one statement for all of them."""
    wanted = [
        r
        for r in rows
        if r.get("member_id") is not None and r.get("type") == SessionType.ONE_TO_ONE
    ]
    if not wanted:
        return Occurrences(list(rows), [])
    zone = gym_zone()
    day_of = {id(r): r["start_time"].astimezone(zone).date() for r in wanted}
    holders = set(
        db.session.scalars(
            select(Membership.member_id)
            .where(
                Membership.member_id.in_({r["member_id"] for r in wanted}),
                Membership.status == MembershipStatus.ACTIVE,
                Membership.starts_on <= max(day_of.values()),
                Membership.ends_on >= min(day_of.values()),
            )
            .distinct()
        )
    )
    strict = required()
    pending: dict[tuple[int, date], int] = {}
    made: list[dict] = []
    skipped: list[dict] = []
    refusal: DomainError | None = None
    for row in sorted(rows, key=lambda r: r["start_time"]):
        if id(row) in day_of and (strict or row["member_id"] in holders):
            try:
                held = _choose(
                    row["member_id"], SessionType.ONE_TO_ONE, day_of[id(row)], True, pending
                )
            except (NoMembership, NoCredits, WeeklyLimit) as exc:
                skipped.append(row)
                refusal = refusal or exc
                continue
            row["membership_id"] = None if held is None else held.id
        made.append(row)
    return Occurrences(made, skipped, refusal)


def return_credits(counts: dict[int, int]) -> None:
    """Give back ``counts[membership_id]`` credits drawn for rows that were not made after all
    (another writer made the occurrence first)."""
    table = Membership.__table__
    for membership_id, count in counts.items():
        db.session.execute(
            update(table)
            .where(table.c.id == membership_id, table.c.credits_used >= count)
            .values(credits_used=table.c.credits_used - count)
        )


def note_gaps(made: list[dict], skipped: list[dict]) -> None:
    """Keep each series' membership gap: a series with occurrences skipped for want of a
    membership opens a gap (``membership_gap_since``, the first skipped date) and its member is
    told once; a series whose gap is open and which made occurrences without skipping any (a
    membership was renewed) closes it, so a later gap is told again. Call it in the transaction
    that made ``made`` and skipped ``skipped`` (rows of ``draw_for_occurrences``)."""
    zone = gym_zone()
    first_skipped: dict[int, date] = {}
    for row in skipped:
        day = row["start_time"].astimezone(zone).date()
        series_id = row["recurring_booking_id"]
        first_skipped[series_id] = min(day, first_skipped.get(series_id, day))
    made_ids = {
        r["recurring_booking_id"]
        for r in made
        if r.get("member_id") is not None and r.get("recurring_booking_id") is not None
    } - set(first_skipped)
    if not first_skipped and not made_ids:
        return
    query = select(RecurringBooking).where(
        RecurringBooking.id.in_(first_skipped)
        | (RecurringBooking.id.in_(made_ids) & RecurringBooking.membership_gap_since.is_not(None))
    )
    rows = list(db.session.scalars(query))
    coach_names = dict(
        db.session.execute(
            select(User.id, User.name).where(User.id.in_({r.coach_id for r in rows}))
        ).all()
    )
    for row in rows:
        if row.id not in first_skipped:
            row.membership_gap_since = None
            continue
        if row.membership_gap_since is not None:
            continue  # told already for this gap
        first = first_skipped[row.id]
        row.membership_gap_since = first
        notify(
            row.member_id,
            NotificationKind.MEMBERSHIP_NEEDED,
            f"Your {DAY_NAMES[row.day_of_week]} {row.start_time} sessions with "
            f"{coach_names.get(row.coach_id, 'your coach')} from {day_label(first)} on are not "
            "booked: you have no membership with a credit left for them. Ask the gym for one; "
            "they are booked again as soon as you have it.",
        )
    db.session.flush()


REFUSALS = (NoMembership, NoCredits, WeeklyLimit)
"""The refusals of a required membership (``COACHAPP_REQUIRE_MEMBERSHIP``): the pages and the API
answer them with a link to ask the gym (``ask_gym_link``)."""


def ask_gym_for(exc: Exception, member_name: str) -> str | None:
    """The ``ask_gym_link`` for ``exc`` when it is a required membership's refusal
    (``REFUSALS``), else None: what the pages and the API add to such a refusal."""
    return ask_gym_link(member_name) if isinstance(exc, REFUSALS) else None


def ask_gym_link(member_name: str) -> str | None:
    """A ``mailto:`` link to the gym's first active admin, its subject naming the member, so a
    member refused for want of a membership can ask for one or for a new pack (the pages' "Ask
    the gym", the API's ``ask_gym``); None when the gym has no active admin."""
    email = db.session.scalar(
        select(User.email)
        .where(User.role == Role.ADMIN, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )
    if email is None:
        return None
    return f"mailto:{email}?subject={quote(f'Membership for {member_name}')}"


def today() -> date:
    """Today in the gym's zone."""
    return local_date(utcnow())


__all__ = [
    "Balance",
    "MonthlyUse",
    "REFUSALS",
    "ask_gym_for",
    "ask_gym_link",
    "assign",
    "balance",
    "balances",
    "cancel",
    "check",
    "create_plan",
    "credits_used_by_month",
    "day_label",
    "draw",
    "draw_for_occurrences",
    "return_credits",
    "Occurrences",
    "expiring",
    "extend",
    "follow_move",
    "for_member",
    "give_back",
    "get_plan",
    "list_plans",
    "note_gaps",
    "local_date",
    "required",
    "status_on",
    "today",
    "used_in_week",
]

"""The conflicts page: every future session that no longer fits the coach's availability, grouped
by recurring booking (one line per series with its bulk actions: keep all, cancel all, end it,
move it to another weekly time, give it to a cover coach; its sessions one click away), one-time
sessions as rows of their own (keep, cancel, move to a free time nearby, give to a cover coach).
Filters by reason and member. Every destructive step is confirmed in the page (the row or the
group asks; a page of its own without JS), never with the browser's confirm(); every resolution
answers with its result and an Undo button for a few seconds (``services.undo``). Also the
navigation badge that counts the conflicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import abort, flash, redirect, request, url_for
from flask import session as browser_session
from flask_login import current_user

from .. import inputs
from ..errors import sentence
from ..models import RecurringBooking, User, utcnow
from ..scheduling import DAY_NAMES, local_datetime
from ..services import coach_calendar, coaches, cover, moves, series_moves, sessions, undo
from ..services.coach_calendar import ConflictRow
from ..services.errors import DomainError, NotFound, ValidationFailed
from ..vocab import SeriesStatus, SessionType
from ..web import fragment, page, wants_fragment
from . import bp
from .common import (
    CONFLICTS_CHANGED,
    REASONS,
    WEEK_CHANGED,
    base_context,
    coach_args,
    coach_or_picker,
    confirm_page,
    confirmed,
    describe,
    managed_coach,
)

DONE = (CONFLICTS_CHANGED, WEEK_CHANGED)


@dataclass(frozen=True)
class Group:
    """A recurring booking's conflicting sessions (start order), shown as one line."""

    series: RecurringBooking
    member: User | None
    rows: list[ConflictRow]

    @property
    def reasons(self) -> list[str]:
        """The reasons of its sessions, each once, in the order met."""
        return list(dict.fromkeys(r.reason for r in self.rows))

    @property
    def start(self) -> datetime:
        return self.rows[0].session.start_time

    @property
    def who(self) -> str:
        return self.member.name if self.member else (self.series.title or "Group class")

    @property
    def one_to_one(self) -> bool:
        return self.series.session_type == SessionType.ONE_TO_ONE


@dataclass(frozen=True)
class Filters:
    """The page's filters (``?reason=…&member=ID``); empty means all."""

    reason: str = ""
    member: int | None = None
    error: str | None = None

    def match(self, row: ConflictRow) -> bool:
        return (not self.reason or row.reason == self.reason) and (
            self.member is None or row.session.member_id == self.member
        )

    @property
    def args(self) -> dict:
        found = {"reason": self.reason} if self.reason else {}
        if self.member is not None:
            found["member"] = self.member
        return found


def _filters() -> Filters:
    """The filters the query names; an unknown reason or member id is ignored and said."""
    reason = request.args.get("reason", "").strip()
    raw = request.args.get("member", "").strip()
    member = inputs.parse_id(raw) if raw else None
    if reason and reason not in REASONS:
        return Filters(error="Reason: pick one of the reasons listed.")
    if raw and member is None:
        return Filters(reason=reason, error="Member: pick one of the members listed.")
    return Filters(reason, member)


@dataclass(frozen=True)
class Step:
    """An in-page confirmation (a row's or a group's): what it asks and where "Yes" posts."""

    question: str
    text: str
    action: str
    button: str
    danger: bool = True
    fields: dict = field(default_factory=dict)


def _items(rows: list[ConflictRow]) -> list:
    """The page's lines in start order: a ``Group`` per active recurring booking, else the row."""
    groups: dict[int, list[ConflictRow]] = {}
    items: list = []
    for row in rows:
        series = row.series
        if series is None or series.status != SeriesStatus.ACTIVE:
            items.append(row)
            continue
        if series.id not in groups:
            groups[series.id] = []
            items.append(series.id)
        groups[series.id].append(row)
    return [
        Group(groups[i][0].series, groups[i][0].member, groups[i]) if isinstance(i, int) else i
        for i in items
    ]


def _conflicts_context(coach_id: int, flt: Filters | None = None, **extra) -> dict:
    flt = flt or Filters()
    everything = coach_calendar.conflict_rows(current_user, coach_id)
    request.environ.setdefault("coachapp.conflict_counts", {})[coach_id] = len(everything)
    rows = [r for r in everything if flt.match(r)]
    one_to_one = [r.session for r in rows if r.session.type == SessionType.ONE_TO_ONE]
    covers = cover.covers_for(current_user, one_to_one)
    members = {r.member.id: r.member for r in everything if r.member is not None}
    return {
        **base_context(coach_id),
        "rows": rows,
        "items": _items(rows),
        "total": len(everything),
        "filters": flt,
        "members": sorted(members.values(), key=lambda u: (u.name, u.id)),
        "suggestions": moves.suggest_moves(current_user, [r.session for r in rows]),
        "covers": covers,
        "series_covers": _series_covers(rows, covers),
        "places": moves.place_counts(
            r.session.id for r in rows if r.session.type == SessionType.GROUP
        ),
        "step": None,
        "notice": None,
        "undo_token": None,
        **extra,
    }


def _series_covers(rows, covers: dict[int, list[cover.Cover]]) -> dict[int, list[cover.Cover]]:
    """Per recurring booking, the coaches who can take every one of its conflicting sessions:
    those offered for each of its rows (its occurrences are a week or more apart, so taking one
    never keeps a coach from taking another; ``cover.series_cover_coaches`` is the same rule)."""
    found: dict[int, list[cover.Cover]] = {}
    for row in rows:
        if row.series is None or row.session.id not in covers:
            continue
        offered = covers[row.session.id]
        if row.series.id in found:
            ids = {c.id for c in offered}
            offered = [c for c in found[row.series.id] if c.id in ids]
        found[row.series.id] = offered
    return found


def conflict_row(
    coach_id: int, session_id: int, error: str | None, status: int, step: Step | None = None
):
    """A conflict's row again, with why the action was refused (``error``) or a confirmation
    step (``step``); if the session is no longer a conflict (settled meanwhile, e.g. in another
    tab), a line saying so."""
    context = _conflicts_context(coach_id, step=step)
    for row in context["rows"]:
        if row.session.id == session_id:
            in_group = row.series is not None and row.series.status == SeriesStatus.ACTIVE
            return fragment(
                "coach/_conflict_row.html",
                status=status,
                row=row,
                row_error=error,
                in_group=in_group,
                **context,
            )
    return fragment("coach/_resolved.html", status=status, ok=False, text=f"Not changed: {error}")


def conflict_group(
    coach_id: int,
    series_id: int,
    error: str | None,
    status: int,
    step: Step | None = None,
    move: dict | None = None,
):
    """A recurring booking's group again, with why an action was refused, a confirmation step
    or the move form's values; a line saying so when the series has no conflict left."""
    context = _conflicts_context(coach_id, step=step)
    for item in context["items"]:
        if isinstance(item, Group) and item.series.id == series_id:
            return fragment(
                "coach/_conflict_group.html",
                status=status,
                group=item,
                group_error=error,
                move=move or {},
                **context,
            )
    return fragment("coach/_resolved.html", status=status, ok=False, text=f"Not changed: {error}")


UNDO_OFFER = "undo_offer"
"""Where a resolution made without JavaScript leaves its Undo (token and text) for the conflicts
page it redirects to: shown once, under the result (the server refuses it when too late)."""


def done(text: str, back: str, token: str | None):
    """A resolution's answer: the result and its Undo button in place of the row or group (htmx),
    or the conflicts page with the result and its Undo button (no JS: a flash, the offer kept in
    the session cookie for that one page)."""
    if wants_fragment():
        return fragment("coach/_resolved.html", events=DONE, ok=True, text=text, undo_token=token)
    flash(text, "success")
    if token:
        browser_session[UNDO_OFFER] = {"token": token, "text": text}
    return redirect(back)


def refused(exc: DomainError, back: str, again, prefix: str = ""):
    """A refusal: the row or group again with the reason (htmx, ``again(reason, status)``), or
    the conflicts page with it (no JS). NotFound stays a 404."""
    if isinstance(exc, NotFound):
        raise exc
    if wants_fragment():
        return again(sentence(exc), exc.status)
    flash(f"{prefix}{sentence(exc)}", "error")
    return redirect(back)


def ask(step: Step, back: str, again):
    """A confirmation step: in the row or group (htmx, ``again(step)``), or a page of its own."""
    if wants_fragment():
        return again(step)
    return confirm_page(step.question, step.text, step.action, back, step.button)


def _cover_coach() -> User | None:
    """The coach the form names to take the session(s) (``coach_id``), or None."""
    coach_id = inputs.parse_id(request.values.get("coach_id", ""))
    if coach_id is None:
        return None
    try:
        return coaches.get_coach(coach_id)
    except NotFound:
        return None


def _who(detail) -> str:
    return ", ".join(u.name for u in detail.attendees) or detail.session.title


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


@dataclass(frozen=True)
class One:
    """A conflict a single-session action works on: the session, its zone, whom it is for, the
    conflicts page to go back to, and ``row(error, status, step)`` to answer with its row."""

    detail: object
    who: str
    back: str

    @property
    def s(self):
        return self.detail.session

    @property
    def tz(self):
        return self.detail.tz

    def row(self, error=None, status=200, step=None):
        return conflict_row(self.s.coach_id, self.s.id, error, status, step)


def _one(session_id: int) -> One:
    detail = coach_calendar.session_detail(current_user, session_id)
    back = url_for("coach.conflicts", **coach_args(detail.session.coach_id))
    return One(detail, _who(detail), back)


@bp.post("/conflicts/<int:session_id>/give")
def give_session(session_id: int):
    """Give one conflicting session to a cover coach (``coach_id``): first a confirmation that
    names the member, the time and the coach (in the row; a page without JS), then the hand-over
    (the member and the new coach are told), or the row again with why it is no longer possible."""
    one = _one(session_id)
    s, tz, who, back = one.s, one.tz, one.who, one.back
    target = _cover_coach()
    row = one.row

    if target is None or target.id == s.coach_id:
        error = "Pick one of the coaches offered to take it."
        if wants_fragment():
            return row(error, 422)
        flash(error, "error")
        return redirect(back)
    if not confirmed():
        step = Step(
            question=f"Give {_possessive(who)} session on {describe(s, tz)} to {target.name}?",
            text=f"{who} and {target.name} are told.",
            action=url_for(
                "coach.give_session",
                session_id=session_id,
                coach_id=target.id,
                **coach_args(s.coach_id),
            ),
            button=f"Yes, give it to {target.name}",
            danger=False,
        )
        return ask(step, back, lambda st: row(step=st))
    old_coach = s.coach_id
    try:
        cover.reassign(current_user, session_id, target.id)
    except DomainError as exc:
        return refused(exc, back, row, f"{describe(s, tz)} with {who}: ")
    token = undo.offer(current_user, "give_back", session_ids=[session_id], coach_id=old_coach)
    text = f"Given to {target.name}; {who} has been told. ({describe(s, tz)})"
    return done(text, back, token)


def _series_of(coach_id: int, series_id: int) -> Group | None:
    """The series' group on the page (its conflicts), or None when it has none left."""
    for item in _items(coach_calendar.conflict_rows(current_user, coach_id)):
        if isinstance(item, Group) and item.series.id == series_id:
            return item
    return None


@bp.post("/series/<int:series_id>/give")
def give_series(series_id: int):
    """Give every conflicting session of a recurring booking to one cover coach (``coach_id``),
    after a confirmation that lists them (in the group; a page without JS); the booking stays
    with its coach."""
    coach_id = managed_coach()
    if coach_id is None:
        abort(400)
    back = url_for("coach.conflicts", **coach_args(coach_id))
    target = _cover_coach()

    def group(error=None, status=200, step=None):
        return conflict_group(coach_id, series_id, error, status, step)

    if target is None or target.id == coach_id:
        error = "Pick one of the coaches offered to take them."
        if wants_fragment():
            return group(error, 422)
        flash(error, "error")
        return redirect(back)
    if not confirmed():
        found = cover.series_cover_coaches(current_user, series_id)
        if not found.sessions:
            error = "No session of this recurring booking is in conflict."
            if wants_fragment():
                return group(error, 409)
            flash(error, "error")
            return redirect(back)
        tz = coaches.zone_of(coach_calendar.settings_of(coach_id))
        member = coach_calendar.users_by_id([found.series.member_id]).get(found.series.member_id)
        who = member.name if member else "the members"
        listed = "; ".join(describe(s, tz) for s in found.sessions)
        step = Step(
            f"Give {_possessive(who)} {len(found.sessions)} conflicting sessions to {target.name}?",
            f"{listed}. {who} and {target.name} are told; the recurring booking stays yours.",
            url_for(
                "coach.give_series",
                series_id=series_id,
                coach_id=target.id,
                **coach_args(coach_id),
            ),
            f"Yes, give them to {target.name}",
            danger=False,
        )
        return ask(step, back, lambda st: group(step=st))
    try:
        given = cover.give_series(current_user, series_id, target.id)
    except DomainError as exc:
        return refused(exc, back, group)
    n = len(given)
    token = undo.offer(
        current_user, "give_back", session_ids=[s.id for s in given], coach_id=coach_id
    )
    text = (
        f"Gave {n} {'session' if n == 1 else 'sessions'} of the series to {target.name}; "
        "the member has been told."
    )
    return done(text, back, token)


@bp.get("/conflicts")
def conflicts():
    """Every future session that no longer fits the coach's availability, with what to do;
    ``?reason=`` and ``?member=`` narrow the list (and its count)."""
    coach_id, picker = coach_or_picker()
    if picker is not None:
        return picker
    flt = _filters()
    notice = (False, flt.error) if flt.error else None
    return page(
        "coach/conflicts.html",
        "conflicts",
        status=422 if flt.error else 200,
        undo_offer=browser_session.pop(UNDO_OFFER, None),
        **_conflicts_context(coach_id, flt, notice=notice),
    )


@bp.get("/conflicts/badge")
def conflicts_badge():
    """The navigation badge (or, with ``?part=count``, just the number, of the filtered list when
    ``reason``/``member`` are given) for the current coach."""
    coach_id = managed_coach()
    if coach_id is None:
        abort(400)
    if request.args.get("part") == "count":
        flt = _filters()
        if flt.args and not flt.error:
            rows = coach_calendar.conflict_rows(current_user, coach_id)
            count = sum(1 for r in rows if flt.match(r))
        else:
            count = coach_calendar.conflict_count(current_user, coach_id)
        return fragment("coach/_count.html", count=count, qs={**coach_args(coach_id), **flt.args})
    count = coach_calendar.conflict_count(current_user, coach_id)
    return fragment("coach/_badge.html", badge_count=count)


def _cancel_step(detail, action: str) -> Step:
    """The question before cancelling one conflict: whom it notifies (a class: how many)."""
    s, tz = detail.session, detail.tz
    if s.type == SessionType.GROUP:
        booked, waiting = moves.place_counts([s.id])[s.id]
        return Step(
            f"Cancel the {s.title} class on {describe(s, tz)}?",
            f"{_members(booked)} booked and {waiting} waiting will be notified.",
            action,
            "Yes, cancel the class",
        )
    who = _who(detail)
    return Step(
        f"Cancel {_possessive(who)} session on {describe(s, tz)}?",
        f"{who} is notified.",
        action,
        "Yes, cancel it",
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else word + ('es' if word.endswith('s') else 's')}"


def _members(n: int) -> str:
    return _count(n, "member")


@bp.post("/conflicts/<int:session_id>/<any(keep, cancel):action>")
def resolve(session_id: int, action: str):
    """Keep (an addition whitelists its slot) or cancel (members notified, after a confirmation
    in the row) one conflict."""
    one = _one(session_id)
    detail, s, tz, who, back = one.detail, one.s, one.tz, one.who, one.back
    row = one.row

    if action == "cancel" and not confirmed():
        step = _cancel_step(
            detail, url_for("coach.resolve", session_id=session_id, action="cancel")
        )
        return ask(step, back, lambda st: row(step=st))
    told = sum(moves.place_counts([s.id])[s.id]) if s.type == SessionType.GROUP else 0
    try:
        sessions.resolve_conflict(current_user, session_id, action)
    except DomainError as exc:
        return refused(exc, back, row, f"{describe(s, tz)} with {who}: ")
    if action == "keep":
        token = undo.offer(current_user, "unkeep", session_ids=[session_id])
        text = f"Kept {describe(s, tz)} with {who}: an addition now covers it."
    else:
        token = undo.offer(current_user, "uncancel", session_ids=[session_id])
        if s.type == SessionType.GROUP:
            text = f"Class cancelled; {_members(told)} notified. ({s.title}, {describe(s, tz)})"
        else:
            text = f"Cancelled {describe(s, tz)} with {who}; the member has been notified."
    return done(text, back, token)


@bp.post("/conflicts/<int:session_id>/move")
def move_conflict(session_id: int):
    """Move one conflict to a suggested free time (``start``, ``YYYY-MM-DDTHH:MM`` in the coach's
    zone), after a confirmation in the row naming both times; the member is told."""
    one = _one(session_id)
    s, tz, who, back = one.s, one.tz, one.who, one.back
    row = one.row

    raw = request.values.get("start", "").strip()
    day = inputs.parse_date(raw[:10]) if len(raw) == 16 and raw[10] == "T" else None
    hour = inputs.parse_int(raw[11:13], 0, 23) if day else None
    minute = inputs.parse_int(raw[14:16], 0, 59) if day and raw[13] == ":" else None
    if day is None or hour is None or minute is None:
        error = "Start: pick one of the free times offered."
        if wants_fragment():
            return row(error, 422)
        flash(error, "error")
        return redirect(back)
    when = local_datetime(day, hour * 60 + minute, tz)
    new_text = coaches.describe(when, tz)
    if not confirmed():
        step = Step(
            f"Move {_possessive(who)} {describe(s, tz)} session to {new_text}?",
            f"{who} is told.",
            url_for(
                "coach.move_conflict",
                session_id=session_id,
                start=raw,
                **coach_args(s.coach_id),
            ),
            "Yes, move",
            danger=False,
        )
        return ask(step, back, lambda st: row(step=st))
    before = describe(s, tz)
    old_start, old_end, old_room = s.start_time.isoformat(), s.end_time.isoformat(), s.room_id
    try:
        moved = moves.move_session(current_user, session_id, when)
    except DomainError as exc:
        return refused(exc, back, lambda e, st: row(f"Could not move: {e}", st))
    token = undo.offer(
        current_user,
        "move_back",
        session_id=session_id,
        start=old_start,
        end=old_end,
        room_id=old_room,
    )
    text = f"{before} → moved to {describe(moved, tz)}; {who} notified."
    return done(text, back, token)


SERIES_STEPS = {
    "cancel": (
        "Cancel {whose} {n} conflicting sessions?",
        "Each is cancelled and {who} is notified. The recurring booking itself stays active.",
        "Yes, cancel them",
    ),
    "end": (
        "End {whose} recurring booking ({when})?",
        "Its sessions from today on are cancelled, no more are made, and {who} is notified. "
        "Sessions that have taken place stay.",
        "Yes, end it",
    ),
}


@bp.post("/series/<int:series_id>/<any(keep, cancel, end):action>")
def resolve_series(series_id: int, action: str):
    """Keep or cancel every conflicting occurrence of one recurring booking at once, or end the
    booking (a weekday the coach no longer works would otherwise bring new conflicts each week);
    cancelling and ending are confirmed first in the group."""
    coach_id = managed_coach()
    if coach_id is None:
        abort(400)
    back = url_for("coach.conflicts", **coach_args(coach_id))

    def group(error=None, status=200, step=None):
        return conflict_group(coach_id, series_id, error, status, step)

    if action in SERIES_STEPS and not confirmed():
        found = _series_of(coach_id, series_id)
        question, text, yes = SERIES_STEPS[action]
        who = found.who if found else "the member"
        words = {
            "whose": _possessive(who),
            "who": who,
            "n": len(found.rows) if found else "the",
            "when": series_moves.weekly_when(
                found.series.day_of_week, found.series.start_time, found.series.frequency
            )
            if found
            else "every week",
        }
        said = text.format(**words)
        if found is not None and not found.one_to_one and action == "cancel":
            counts = moves.place_counts(r.session.id for r in found.rows).values()
            booked, waiting = sum(c[0] for c in counts), sum(c[1] for c in counts)
            question = f"Cancel the {len(found.rows)} conflicting {who} classes?"
            said = (
                f"{_count(booked, 'place')} booked and {waiting} waiting in them will be notified. "
                "The recurring class itself stays."
            )
        step = Step(
            question.format(**words),
            said,
            url_for(
                "coach.resolve_series", series_id=series_id, action=action, **coach_args(coach_id)
            ),
            yes,
        )
        return ask(step, back, lambda st: group(step=st))
    now = utcnow()
    told = None
    if action == "cancel":
        found = _series_of(coach_id, series_id)
        if found is not None and not found.one_to_one:
            told = sum(
                sum(c) for c in moves.place_counts(r.session.id for r in found.rows).values()
            )
    try:
        if action == "end":
            series, ended = moves.end_series(current_user, series_id, now=now)
            n = len(ended)
        else:
            settled = moves.resolve_series(current_user, series_id, action, now=now)
            n = len(settled)
    except DomainError as exc:
        return refused(exc, back, group)
    sessions_word = "session" if n == 1 else "sessions"
    if action == "end":
        token = undo.offer(
            current_user,
            "unend",
            series_id=series_id,
            ends_on=None if series.end_date is None else series.end_date.isoformat(),
            session_ids=ended,
        )
        every = "week" if series.frequency == 1 else "2 weeks"
        text = (
            f"Ended the booking every {every} on {DAY_NAMES[series.day_of_week]}s "
            f"{series.start_time}–{series.end_time}: its coming sessions are cancelled and the "
            "member has been notified."
        )
    elif action == "keep":
        token = undo.offer(current_user, "unkeep", session_ids=[s.id for s in settled])
        text = f"Kept {n} {sessions_word} of the series: an addition now covers each."
    else:
        token = undo.offer(current_user, "uncancel", session_ids=[s.id for s in settled])
        if told is None:
            text = f"Cancelled {n} {sessions_word} of the series; the member has been notified."
        else:
            text = f"Cancelled {_count(n, 'class')}; {_members(told)} notified."
    return done(text, back, token)


def _weekday() -> int | None:
    return inputs.parse_int(request.values.get("day", ""), 0, 6)


@bp.post("/series/<int:series_id>/move")
def move_series(series_id: int):
    """Move a recurring booking to another weekly time (``day`` 0 = Sunday, ``time`` HH:MM) from
    ``from_date`` on: a confirmation in the group lists what will happen (the sessions that go,
    the new ones, the dates left out), then the move (the member is told once); a refusal names
    the dates."""
    coach_id = managed_coach()
    if coach_id is None:
        abort(400)
    back = url_for("coach.conflicts", **coach_args(coach_id))
    values = {
        "day": request.values.get("day", ""),
        "time": request.values.get("time", "").strip()[:5],
        "from_date": request.values.get("from_date", ""),
    }

    def group(error=None, status=200, step=None):
        return conflict_group(coach_id, series_id, error, status, step, move=values)

    day, from_date = _weekday(), inputs.parse_date(values["from_date"])
    try:
        if day is None:
            raise ValidationFailed("pick a weekday.", field="day")
        if from_date is None:
            raise ValidationFailed("the first date is missing; reload the page.", field="from_date")
        preview = series_moves.move_series(
            current_user, series_id, day, values["time"], from_date, dry_run=not confirmed()
        )
    except DomainError as exc:
        return refused(exc, back, group, "Could not move the series: ")
    tz = coaches.zone_of(coach_calendar.settings_of(coach_id))
    if not confirmed():
        made = ", ".join(f"{d.astimezone(tz):%a %-d %b}" for d in preview.made[:6])
        more = len(preview.made) - 6
        text = (
            f"{len(preview.cancelled)} coming sessions {preview.old_when} from "
            f"{preview.from_date:%-d %b} are cancelled; the new sessions are {made}"
            f"{f' and {more} more' if more > 0 else ''}."
        )
        if preview.skipped_blocked:
            text += (
                " Left out (blocked): "
                + ", ".join(f"{d:%a %-d %b}" for d in preview.skipped_blocked)
                + "."
            )
        step = Step(
            f"Move the recurring booking from {preview.old_when} to {preview.new_when}?",
            text + " The member is told once.",
            url_for(
                "coach.move_series",
                series_id=series_id,
                day=day,
                time=values["time"],
                from_date=from_date.isoformat(),
                **coach_args(coach_id),
            ),
            "Yes, move the series",
            danger=False,
        )
        return ask(step, back, lambda st: group(step=st))
    token = series_moves.offer_undo(current_user, preview)
    text = (
        f"Moved the recurring booking from {preview.old_when} to {preview.new_when} "
        f"from {preview.from_date:%-d %b} on; the member has been told."
    )
    return done(text, back, token)

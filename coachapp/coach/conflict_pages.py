"""The conflicts page: every future session that no longer fits the coach's availability, grouped
by recurring booking (one line per series with its bulk actions, ``conflict_series_pages``), one-time
sessions as rows of their own (their actions, ``conflict_one_pages``). Filters by reason and member.
Every destructive step is confirmed in the page (the row or the group asks; a page of its own
without JS), never with the browser's confirm(); every resolution answers with its result and an
Undo button for a few seconds (``services.undo``). Also the navigation badge that counts the
conflicts.

This module holds the list, its filters and badge, and what the action modules share: the page's
lines (``Group``, ``grouped``), the row or group answered again (``conflict_row``,
``conflict_group``), and a resolution's three answers (``ask``, ``refused``, ``done``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import abort, flash, redirect, request
from flask import session as browser_session
from flask_login import current_user

from .. import inputs
from ..errors import sentence
from ..models import RecurringBooking, User
from ..services import coach_calendar, coaches, cover, moves
from ..services.coach_calendar import ConflictRow
from ..services.errors import DomainError, NotFound
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


def grouped(rows: list[ConflictRow]) -> list:
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
        "items": grouped(rows),
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


def cover_coach() -> User | None:
    """The coach the form names to take the session(s) (``coach_id``), or None."""
    coach_id = inputs.parse_id(request.values.get("coach_id", ""))
    if coach_id is None:
        return None
    try:
        return coaches.get_coach(coach_id)
    except NotFound:
        return None


def who_of(detail) -> str:
    return ", ".join(u.name for u in detail.attendees) or detail.session.title


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def plural(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else word + ('es' if word.endswith('s') else 's')}"


def n_members(n: int) -> str:
    return plural(n, "member")


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

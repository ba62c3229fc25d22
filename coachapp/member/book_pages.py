"""A coach's page: the slot list by day (more days, refreshed on ``slots-changed``) and the month
grid of the chosen day. The booking sheet opened from a slot is ``book_sheet_pages``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import request, url_for
from flask_login import current_user

from .. import cache, inputs
from ..errors import sentence
from ..services import horizon, member_views, slots
from ..services.errors import ValidationFailed
from ..vocab import Role
from ..web import page
from . import bp
from .common import (
    DAYS_STEP,
    MAX_DAYS,
    asked_range,
    booking_opens_note,
    coach_and_window,
    day_label,
    now_utc,
)

MONTH_SEARCH_DAYS = slots.MAX_DAYS
"""The longest slot search one page view makes: the month grid and the day list share it when
they fit (the usual case: one search); otherwise each gets its own (at most two)."""


def _chosen_day(tz: ZoneInfo, now: datetime, last_day: date) -> tuple[date | None, str | None]:
    """The day ``?date=`` asks for (the calendar's choice, a deep link), or why it cannot be
    shown: not a date, passed, or beyond the last day one may book (``last_day``)."""
    text = request.args.get("date")
    if text is None:
        return None, None
    day = inputs.parse_date(text)
    today = now.astimezone(tz).date()
    if day is None:
        error = ValidationFailed(
            f"the date must be a day written YYYY-MM-DD, like {today.isoformat()}.", field="date"
        )
    elif day < today:
        error = ValidationFailed(
            f"the date {day_label(day)} {day.year} has passed; here is today.", field="date"
        )
    elif day > last_day:
        error = ValidationFailed(
            f"the date {day_label(day)} {day.year} is beyond the last day you can book, "
            f"{day_label(last_day)} {last_day.year}; here is today.",
            field="date",
        )
    else:
        return day, None
    return None, sentence(error)


def _search(coach_id: int, first_day: date, days: int, now: datetime, rules):
    """The coach's slots on ``days`` local dates from ``first_day`` by day, kept per data version
    and minute (``coachapp.cache``): the slot search is most of the page."""
    return cache.cached(
        "slots",
        (coach_id, first_day, days, rules),
        lambda: member_views.slot_days(coach_id, first_day, days, now=now, rules=rules),
    )


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _month_range(day: date, today: date, last: date) -> tuple[date, date] | None:
    """The dates of ``day``'s month that can have free times (today to ``last``), or None."""
    first = day.replace(day=1)
    month_last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    lo, hi = max(first, today), min(month_last, last)
    return (lo, hi) if lo <= hi else None


def _slots_by_day(coach_id: int, ranges: list, now: datetime, rules) -> dict:
    """The coach's slots by local date over the date ``ranges``: one search over all of them when
    they span at most ``MONTH_SEARCH_DAYS``, else one per range (never one per day)."""
    if not ranges:
        return {}
    lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
    if (hi - lo).days < MONTH_SEARCH_DAYS:
        ranges = [(lo, hi)]
    return {
        d.day: d.slots
        for first, last in ranges
        for d in _search(coach_id, first, (last - first).days + 1, now, rules)
    }


def _month_days(first: date, last: date) -> list[date]:
    """The dates of a Monday-first month grid around ``[first, last]`` (whole weeks)."""
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=6 - last.weekday())
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _month(coach_id: int, selected: date, today: date, last: date, counts: dict) -> dict:
    """The month grid of ``selected``'s month: each date's free times (``counts``), whether it can
    be chosen (today to ``last``, with free times), the one tab stop and the month links."""
    first = selected.replace(day=1)
    month_last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    cells = []
    for day in _month_days(first, month_last):
        if day.month != first.month:
            cells.append(None)
            continue
        count = counts.get(day, 0)
        reason = None
        if day < today:
            reason = "past"
        elif day > last:
            reason = "not bookable yet"
        elif not count:
            reason = "no free times"
        cells.append(
            {
                "day": day,
                "name": f"{day:%A} {day.day} {day:%B}",  # spoken: "Tuesday 16 March"
                "count": count,
                "open": reason is None,
                "reason": reason,
                "selected": day == selected,
                "today": day == today,
                "url": url_for("member.coach_slots", coach_id=coach_id, date=day.isoformat()),
                "hx_url": url_for("member.coach_month", coach_id=coach_id, date=day.isoformat()),
            }
        )
    in_month = [c for c in cells if c is not None]
    stop = next((c for c in in_month if c["selected"] and c["open"]), None)
    stop = stop or next((c for c in in_month if c["open"]), None)
    stop = stop or next((c for c in in_month if c["selected"]), None)
    stop = stop or next((c for c in in_month if c["day"] >= today), in_month[0])
    stop["tab_stop"] = True

    def link(day: date | None) -> dict | None:
        if day is None:
            return None
        return {
            "label": f"{day:%B %Y}",
            "url": url_for("member.coach_slots", coach_id=coach_id, date=day.isoformat()),
            "hx_url": url_for("member.coach_month", coach_id=coach_id, date=day.isoformat()),
        }

    prev_first = (first - timedelta(days=1)).replace(day=1)
    next_first = month_last + timedelta(days=1)
    return {
        "title": f"{first:%B %Y}",
        "weeks": [cells[i : i + 7] for i in range(0, len(cells), 7)],
        "prev": link(max(prev_first, today) if first > today else None),
        "next": link(next_first if next_first <= last else None),
    }


def coach_context(
    coach_id: int, now: datetime, first_day: date | None = None, days: int | None = None
) -> dict:
    """What the coach page shows around the sheet: coach, zones, the slot list and the month grid
    (the list starts at the chosen day, ``?date=``, which the grid marks)."""
    coach, window_hours = coach_and_window(coach_id)
    tz = ZoneInfo(coach.timezone)
    asked_first, asked_days = asked_range(tz, now)
    # The member sees only what they may book; past the coach's horizon the page says why.
    rules = coach.rules if current_user.role == Role.MEMBER else None
    today = now.astimezone(tz).date()
    last_bookable = horizon.last_day(tz, now)
    if rules is not None:
        last_bookable = min(last_bookable, rules.last_day(now))
    chosen, date_error = _chosen_day(tz, now, last_bookable)
    if first_day is None and chosen is not None and "from" not in request.args:
        first_day = chosen
    first_day = first_day or asked_first
    days = days or asked_days
    mz = member_views.member_zone(current_user)
    more = days + DAYS_STEP if days + DAYS_STEP <= MAX_DAYS else None
    range_args = {"coach_id": coach_id, "from": first_day.isoformat()}
    if chosen is not None:
        range_args["date"] = chosen.isoformat()
    slot_error = None
    if first_day > horizon.last_day(tz, now):
        slot_error = sentence(horizon.too_far("from", tz, now))
        more = None
    horizon_note = opens_note = None
    if rules is not None and first_day + timedelta(days=days - 1) > rules.last_day(now):
        horizon_note = coach.horizon_message + "."
        beyond = max(first_day, rules.last_day(now) + timedelta(days=1))
        opens_note = f"{booking_opens_note(rules, beyond, tz, mz)} for {day_label(beyond)}."
        more = None
    # The list's days, and the month grid of the chosen day: ?date=, else the list's first day
    # with free times (else its first day). One slot search covers both when they fit in one.
    list_days = [first_day + timedelta(days=i) for i in range(days)]
    wanted = [] if slot_error else [(list_days[0], list_days[-1])]
    for day in [chosen] if chosen else [first_day, list_days[-1]]:
        wanted.append(_month_range(day, today, last_bookable))
    by_day = _slots_by_day(coach_id, [r for r in wanted if r], now, rules)
    day_slots = [member_views.DaySlots(d, by_day.get(d, [])) for d in list_days]
    selected = chosen or next((d.day for d in day_slots if d.slots), first_day)
    if selected > last_bookable:
        selected = today
    month_range = _month_range(selected, today, last_bookable)
    if month_range and not all(d in by_day for d in _dates(*month_range)):
        by_day.update(_slots_by_day(coach_id, [month_range], now, rules))
    counts = {d: len(found) for d, found in by_day.items()}
    # Slots starting before this are inside the cancellation window (marked in the list).
    late_before = now + timedelta(hours=window_hours) if window_hours else None
    return {
        "coach": coach,
        "coach_zone": tz,
        "member_zone": mz,
        "show_member_time": mz.key != tz.key,
        "days": day_slots,
        "chosen_day": selected,
        "slot_error": slot_error,
        "date_error": date_error,
        "horizon_note": horizon_note,
        "opens_note": opens_note,
        "late_before": late_before,
        "late_legend": late_before is not None
        and any(slot.start < late_before for day in day_slots for slot in day.slots),
        "window_hours": window_hours,
        "refresh_url": url_for("member.coach_slots", days=days, **range_args),
        "more_url": url_for("member.coach_slots", days=more, **range_args) if more else None,
        "month": _month(coach_id, selected, today, last_bookable, counts)
        | {"refresh_url": url_for("member.coach_month", days=days, **range_args)},
        "sheet": None,
        "now": now,
    }


@bp.get("/book/<int:coach_id>")
def coach_slots(coach_id: int):
    """A coach's open slots for the coming days, by day in the coach's zone.

    An htmx request (``More days``, or the refresh on ``slots-changed``) gets the slot list only.
    """
    return _coach_page(coach_id, "slot_list")


@bp.get("/book/<int:coach_id>/month")
def coach_month(coach_id: int):
    """The month grid and the slot list from the chosen day (``?date=``): what a choice in the
    grid, or its previous / next month link, swaps in (htmx; the address bar shows the coach
    page's own ``?date=`` link). Without htmx: the coach page."""
    return _coach_page(coach_id, "booking")


def _coach_page(coach_id: int, block: str):
    context = coach_context(coach_id, now_utc())
    status = 422 if context["slot_error"] or context["date_error"] else 200
    return page("member/coach.html", block, status, **context)

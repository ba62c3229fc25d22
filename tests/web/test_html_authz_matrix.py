"""Every HTML page × every role: who may open it, who is refused, who is sent to log in.

The routes come from ``app.url_map`` (every GET route outside ``/api/``, ``/static/`` and the
token-authenticated ``/feeds/``), so a page added later is checked without anyone remembering to.
Path parameters are filled with real ids from a small gym: the session, booking, series and
notification all belong to ``member`` and ``coach``; "other member" and "other coach" are the
same roles without any claim on them.

Who may see a page follows from its blueprint (member pages: members; coach pages: coaches and
admins; admin pages: admins) with the exceptions listed in ``POLICY``; a page whose path names a
session belongs to that session's member (member pages) or coach (coach pages) only. A route with a
parameter this file cannot fill, or in a blueprint it does not know, fails the test with a message
saying what to add: an authorization matrix that quietly skips new pages proves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coachapp.services.bookings import SeriesSpec
from tests.conftest import PASSWORD

BERLIN = ZoneInfo("Europe/Berlin")
ROLES = ("anonymous", "member", "other_member", "coach", "other_coach", "admin")
LOGGED_IN = ROLES[1:]

MEMBERS = frozenset({"member", "other_member"})
COACHES = frozenset({"coach", "other_coach", "admin"})
ADMIN = frozenset({"admin"})
EVERYONE = frozenset(LOGGED_IN)

BLUEPRINT_ROLES = {"member": MEMBERS, "coach": COACHES, "admin": ADMIN, "main": EVERYONE}
"""Who may open a blueprint's pages, unless ``POLICY`` says otherwise."""

POLICY: dict[str, frozenset[str]] = {
    "billing.admin_statements": ADMIN,
    "billing.admin_csv": ADMIN,
    "billing.admin_credits_csv": ADMIN,
    "billing.coach_billing": frozenset({"coach", "other_coach"}),
    "billing.coach_csv": frozenset({"coach", "other_coach"}),
    "billing.my_billing": MEMBERS,
    "billing.my_csv": MEMBERS,
    "auth.account": EVERYONE,
    "auth.back_to_account": EVERYONE,
}
"""Pages whose allowed roles differ from their blueprint's."""

PUBLIC = {"auth.login", "main.healthz", "main.healthz_live"}
"""Pages anyone may open without logging in."""

OWNED_BY = {"session_id": {"member": "member", "coach": "coach"}}
"""Path parameters naming something that belongs to one member or coach: with them, only that
owner (and, on coach pages, an admin) may open the page."""

REDIRECTING = {
    "admin.index": "/admin/coaches",
    "coach.index": "/coach/week",
    "coach.day_row": "/coach/availability",
    "coach.edit_day": "/coach/availability",
    "member.close_sheet": "/book",
    "auth.back_to_account": "/account",
}
"""Pages that, opened without htmx, send an allowed user on to another page."""

SPECIAL = {
    ("coach.conflicts_badge", "admin"): 400,
    ("coach.day_row", "admin"): 400,
    ("coach.edit_day", "admin"): 400,
    ("coach.grid_pick", "admin"): 400,
}
"""Allowed users who still get something else: an admin's badge and day rows must name the coach
(``?coach=ID``), else 400."""


@pytest.fixture
def world(app, make_user):
    """A gym with something of each kind: a coach with a full week, a one-time session and a
    weekly series of ``member`` with ``coach``, a notification, a blocked slot, an addition, a
    room, and a free slot a week ahead; the other member and other coach own nothing of it."""
    from coachapp.models import Notification, utcnow
    from coachapp.scheduling import day_of_week
    from coachapp.services import accounts, availability, bookings, sessions, slots
    from coachapp.services.availability import WindowInput

    people = SimpleNamespace(
        admin=make_user("admin", name="Ada Admin"),
        coach=make_user("coach", name="Carla Coach", timezone="Europe/Berlin"),
        other_coach=make_user("coach", name="Otto Coach", timezone="Europe/Berlin"),
        member=make_user("member", name="Mia Member"),
        other_member=make_user("member", name="Max Member"),
    )
    room = accounts.create_room("Studio A")
    for coach in (people.coach, people.other_coach):
        for day in range(7):
            availability.replace_weekly_day(
                coach, coach.id, day, [WindowInput("08:00", "20:00", room.id)]
            )
    day = utcnow().astimezone(BERLIN).date() + timedelta(days=7)
    start = datetime.combine(day, time(10), BERLIN)
    _, session = bookings.book_one_time(
        people.member, people.coach.id, start, start + timedelta(hours=1)
    )
    _, doomed = bookings.book_one_time(
        people.member, people.coach.id, start + timedelta(hours=3), start + timedelta(hours=4)
    )
    sessions.cancel_session(people.coach, doomed.id)
    series_day = day + timedelta(days=1)
    series, _ = bookings.create_recurring(
        people.member,
        SeriesSpec(people.coach.id, day_of_week(series_day), "12:00", "13:00", series_day),
    )
    blocked, _ = availability.create_blocked_slot(
        people.coach, people.coach.id,
        datetime.combine(day + timedelta(days=20), time(8), BERLIN),
        datetime.combine(day + timedelta(days=20), time(9), BERLIN),
        "Dentist",
    )
    addition = availability.create_addition(
        people.coach, people.coach.id,
        datetime.combine(day + timedelta(days=21), time(21), BERLIN),
        datetime.combine(day + timedelta(days=21), time(22), BERLIN),
        room.id, None,
    )
    from coachapp.extensions import db

    notification = db.session.scalars(
        select(Notification).where(Notification.user_id == people.member.id)
    ).first()
    free = slots.bookable_slots(people.coach.id, day + timedelta(days=2), day + timedelta(days=2))[0]
    return SimpleNamespace(
        **vars(people),
        room=room,
        session=session,
        series=series,
        blocked=blocked,
        addition=addition,
        notification=notification,
        free=free,
    )


def path_values(world) -> dict[str, object]:
    """What each path parameter is filled with (ids of ``member``'s and ``coach``'s things)."""
    return {
        "session_id": world.session.id,
        "coach_id": world.coach.id,
        "day": 1,
        "room_id": world.room.id,
        "user_id": world.member.id,
        "notification_id": world.notification.id,
        "addition_id": world.addition.id,
        "slot_id": world.blocked.id,
        "series_id": world.series.id,
    }


ACTIONS = {"admin.set_active": "deactivate", "coach.resolve": "keep", "coach.resolve_series": "keep"}
"""The value of an ``action`` path parameter per endpoint (a GET of it only asks to confirm)."""


def query_for(endpoint: str, world) -> dict:
    """Query arguments a page needs to show something rather than a 404 for missing input."""
    if endpoint in ("member.slot_sheet", "member.preview"):
        return {
            "start": world.free.start.isoformat(),
            "end": world.free.end.isoformat(),
            "frequency": "1",
        }
    if endpoint == "coach.grid_pick":
        return {"date": "2030-01-07", "from": "10:00", "to": "11:00"}
    return {}


@dataclass(frozen=True)
class Page:
    """One GET route, filled in: where to send the request and who may see it."""

    endpoint: str
    url: str
    allowed: frozenset[str]

    def expected(self, role: str) -> str:
        """``login`` (sent to log in), ``ok``, ``redirect``, ``denied`` or a status code."""
        if self.endpoint in PUBLIC:
            return "public"
        if role == "anonymous":
            return "login"
        if role not in self.allowed:
            return "denied"
        if (self.endpoint, role) in SPECIAL:
            return str(SPECIAL[(self.endpoint, role)])
        return "redirect" if self.endpoint in REDIRECTING else "ok"


def html_get_rules(app):
    """Every GET route of the site's pages (not the API, static files or token feeds)."""
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods
            and not rule.rule.startswith(("/api/", "/static/", "/feeds/"))
        ),
        key=lambda rule: rule.rule,
    )


def build_pages(app, world) -> list[Page]:
    """The matrix's rows; fails naming what to add when a route cannot be filled or placed."""
    values = path_values(world)
    pages = []
    problems = []
    for rule in html_get_rules(app):
        endpoint = rule.endpoint
        blueprint = endpoint.split(".", 1)[0]
        allowed = POLICY.get(endpoint) or BLUEPRINT_ROLES.get(blueprint)
        if endpoint not in PUBLIC and allowed is None:
            problems.append(f"{rule.rule} ({endpoint}): add its blueprint or endpoint to POLICY")
            continue
        args = {}
        for name in rule.arguments:
            if name == "action":
                args[name] = ACTIONS.get(endpoint)
            else:
                args[name] = values.get(name)
            if args[name] is None:
                problems.append(f"{rule.rule} ({endpoint}): tell path_values how to fill <{name}>")
        for name in rule.arguments:
            owners = OWNED_BY.get(name, {}).get(blueprint)
            if owners:
                allowed = frozenset({owners, "admin"} & set(allowed))
        if any(v is None for v in args.values()):
            continue
        with app.test_request_context():
            from flask import url_for

            url = url_for(endpoint, **args, **query_for(endpoint, world))
        pages.append(Page(endpoint, url, allowed or frozenset()))
    assert not problems, "the authorization matrix cannot place:\n" + "\n".join(problems)
    return pages


def login_as(client, user) -> None:
    """Log ``user`` in through the form."""
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def check(page: Page, role: str, response) -> str | None:
    """What is wrong with ``response`` for ``role`` on ``page``, or None."""
    status = response.status_code
    expected = page.expected(role)
    location = urlsplit(response.headers.get("Location", ""))
    if status >= 500:
        return f"{status} (server error)"
    if expected == "public":
        return None if status in (200, 302) else f"{status} for a public page"
    if expected == "login":
        if status == 302 and location.path == "/login":
            return None
        return f"{status} → {location.path or '-'}, expected 302 to /login"
    if expected == "denied":
        return None if status in (403, 404) else f"{status}, expected 403 or 404"
    if expected == "redirect":
        target = REDIRECTING[page.endpoint]
        if status == 302 and location.path == target:
            return None
        return f"{status} → {location.path or '-'}, expected 302 to {target}"
    if expected == "ok":
        return None if status == 200 else f"{status}, expected 200"
    return None if str(status) == expected else f"{status}, expected {expected}"


def test_every_page_answers_each_role_as_its_policy_says(app, world):
    """Anonymous → 302 to /login; a role without a claim → 403/404; the owner or an allowed role →
    200 (or the redirect the page is for). One failure list for the whole matrix."""
    pages = build_pages(app, world)
    assert len(pages) >= 30, [p.url for p in pages]
    users = {role: getattr(world, role) for role in LOGGED_IN}
    failures = []
    seen: dict[str, dict[str, int]] = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            login_as(client, users[role])
        for page in pages:
            response = client.get(page.url)
            seen.setdefault(page.url, {})[role] = response.status_code
            problem = check(page, role, response)
            if problem:
                failures.append(f"{role:>12} GET {page.url} ({page.endpoint}): {problem}")
    assert not failures, "\n".join(failures)
    # The matrix has teeth: each role is refused somewhere and let in somewhere.
    for role in LOGGED_IN:
        statuses = {by_role[role] for by_role in seen.values()}
        assert statuses & {403, 404} and 200 in statuses, (role, statuses)


def test_owner_pages_refuse_the_other_owner_by_id(app, world):
    """Guessing ids does not help: the other member cannot open the member's session, its
    calendar file or its cancel sheet, and the other coach cannot open the coach's session."""
    other_member, other_coach = app.test_client(), app.test_client()
    login_as(other_member, world.other_member)
    login_as(other_coach, world.other_coach)
    sid = world.session.id
    for url in (f"/me/sessions/{sid}", f"/me/sessions/{sid}.ics", f"/me/sessions/{sid}/cancel"):
        response = other_member.get(url)
        assert response.status_code in (403, 404), url
        assert "Mia Member" not in response.get_data(as_text=True)
    response = other_coach.get(f"/coach/sessions/{sid}")
    assert response.status_code in (403, 404)
    assert other_coach.get(f"/coach/week?coach={world.coach.id}").status_code == 403

"""Every HTML route × every role that reaches it × crafted values in each parameter: never a 5xx.

An attack on the running app found 500s from input a browser never sends: ``/classes/`` with a
20-digit id, ``?coach=²`` (a digit to ``str.isdigit``, not to ``int``), a date in year 1 or 9999
whose arithmetic overflows, a slot link in 9999. Each was fixed at its root (``coachapp.inputs``
reads every id, number, date and instant the pages take; ``<int:…>`` routes only match ids that fit
a column), and this walk keeps it so for pages added later.

The routes come from ``app.url_map`` (all but ``/api/`` and ``/static/``), each with GET and POST
as the rule allows, as each role allowed there (a public page also anonymously). Each path
parameter gets hostile values in turn (the others real ids), then each query or form parameter
the route reads gets each hostile value while the rest hold valid values, so a value reaches the
code behind the first checks. ``PARAMS`` names what each route reads; a route it does not know is
walked with every parameter name found in its blueprint's source, and the source scan fails the
walk when a known route's blueprint reads a name ``PARAMS`` never mentions.
"""

from __future__ import annotations

import inspect
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from tests.web.test_html_authz_matrix import (  # noqa: F401  (world is a fixture)
    BLUEPRINT_ROLES,
    POLICY,
    PUBLIC,
    login_as,
    world,
)

HOSTILE = (
    "²",
    "99999999999999999999",
    "-1",
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:00:00+00:00",
    "x" * 5000,
    "\r\n",
    "\x00",
)
"""What an attacker types: a digit ``int`` refuses, an id too big for any column, a sign, the
first and last dates Python knows, the last instant, a very long text, a line break, a NUL."""

HOSTILE_IDS = ("99999999999999999999", "2147483648", "0", "-1", "²")
"""What goes into ``<int:…>`` path parameters (the last two match no route: also fine)."""

ROLE_ORDER = ("anonymous", "member", "coach", "admin")
"""Walked in this order: the admin's pages (which can deactivate and delete) come last."""

COACH_BASE = ("coach",)
"""Every coach page reads ``?coach=ID`` (an admin names the coach; a coach may name themself)."""

PARAMS: dict[str, tuple[str, ...]] = {
    "main.index": (),
    "main.healthz": (),
    "main.healthz_live": (),
    "main.dismiss_notification": (),
    "main.dismiss_all_notifications": ("up_to",),
    "auth.login": ("next", "email", "password", "remember"),
    "auth.logout": (),
    "auth.back_to_account": (),
    "admin.index": (),
    "admin.coaches": (),
    "admin.members": (),
    "admin.rooms": (),
    "admin.create_coach": ("email", "name", "password", "timezone", "default_room"),
    "admin.create_member": ("email", "name", "password", "timezone"),
    "admin.create_room": ("name",),
    "admin.delete_room": ("confirmed",),
    "admin.set_active": ("confirmed",),
    "admin.plans": (),
    "admin.create_plan": (
        "name", "kind", "credits", "valid_days", "weekly_limit", "session_type",
    ),
    "admin.memberships": (),
    "admin.assign_membership": ("plan", "starts_on"),
    "admin.extend_membership": ("membership", "days"),
    "admin.cancel_membership": ("membership", "confirmed"),
    "billing.admin_statements": ("month", "member", "coach"),
    "billing.admin_csv": ("month", "member", "coach"),
    "billing.admin_credits_csv": ("month", "member", "coach"),
    "billing.coach_billing": ("month",),
    "billing.coach_csv": ("month",),
    "billing.my_billing": ("month",),
    "billing.my_csv": ("month",),
    "coach.index": ("start", *COACH_BASE),
    "coach.week": ("start", *COACH_BASE),
    "coach.schedule_group": (
        *COACH_BASE, "title", "capacity", "date", "start_time", "end_time", "repeat", "until",
        "room_id", "where",
    ),
    "coach.grid_pick": (*COACH_BASE, "date", "from", "to", "choice"),
    "coach.grid_block": (
        *COACH_BASE, "op", "from_date", "to_date", "whole_days", "from_time", "to_time", "reason",
    ),
    "coach.grid_addition": (*COACH_BASE, "date", "start_time", "end_time", "room_id", "reason"),
    "coach.session": (),
    "coach.cancel_session": ("confirmed",),
    "coach.remove_place": ("confirmed",),
    "coach.no_show": (),
    "coach.move_session": ("origin", "start", "date", "time"),
    "coach.conflicts": ("reason", "member", *COACH_BASE),
    "coach.conflicts_badge": ("part", "reason", "member", *COACH_BASE),
    "coach.move_conflict": ("start", "confirmed", *COACH_BASE),
    "coach.move_series": ("day", "time", "from_date", "confirmed", *COACH_BASE),
    "coach.resolve": ("confirmed",),
    "coach.resolve_series": ("confirmed", *COACH_BASE),
    "coach.give_session": ("coach_id", "confirmed", *COACH_BASE),
    "coach.give_series": ("coach_id", "confirmed", *COACH_BASE),
    "coach.undo": ("token", *COACH_BASE),
    "coach.availability": ("edit", *COACH_BASE),
    "coach.day_row": COACH_BASE,
    "coach.edit_day": COACH_BASE,
    "coach.save_day": (
        *COACH_BASE, "op", "drop", "start_time-0", "end_time-0", "room_id-0", "kind-0",
    ),
    "coach.preview_blocked": (
        *COACH_BASE, "from_date", "to_date", "whole_days", "from_time", "to_time", "reason",
    ),
    "coach.create_blocked": (
        *COACH_BASE, "op", "from_date", "to_date", "whole_days", "from_time", "to_time", "reason",
    ),
    "coach.delete_blocked": COACH_BASE,
    "coach.create_addition": (*COACH_BASE, "date", "start_time", "end_time", "room_id", "reason"),
    "coach.delete_addition": COACH_BASE,
    "coach.settings": (
        *COACH_BASE, "default_room_id", "default_duration", "timezone",
        "cancellation_window_hours", "booking_horizon_days", "min_notice_minutes",
    ),
    "coach.regenerate_feed": ("confirmed",),
    "member.book": (),
    "member.coach_slots": ("from", "days", "date"),
    "member.coach_month": ("from", "days", "date"),
    "member.slot_sheet": ("start", "end", "frequency", "start_date", "end_date"),
    "member.preview": ("start", "end", "frequency", "start_date", "end_date", "previewed"),
    "member.book_slot": ("start", "end", "frequency", "start_date", "end_date", "previewed"),
    "member.close_sheet": (),
    "member.class_detail": (),
    "member.book_class": ("waitlist",),
    "member.leave_class": (),
    "member.my_sessions": (),
    "member.session_detail": ("booked",),
    "member.session_ics": (),
    "member.cancel_sheet": ("scope", "from_date"),
    "member.cancel": ("scope", "from_date"),
    "member.move_sheet": ("start", "end", "from", "days"),
    "member.move": ("start", "end"),
    "member.dismiss": (),
    "member.regenerate_feed": ("confirmed",),
    "member.zone_page": ("next",),
    "member.set_zone": ("timezone", "next", "all"),
    "feeds.calendar": (),
}
"""The query and form parameters each route reads (``coach`` on the coach pages, form fields,
the ``?from=`` of the slot list …)."""

ROW_KEYS = re.compile(r"(start_time|end_time|room_id|kind)-0")
SOURCE_NAMES = (
    re.compile(r"request\.(?:args|form|values)(?:\.get)?\(\s*[\"']([^\"']+)[\"']"),
    re.compile(r"^\s+(\w+)\s*=\s*\w*Field\(", re.M),
)
FIELD_TUPLE = re.compile(r"^[A-Z_]*FIELDS\s*=\s*\(([^)]*)\)", re.M)
NOT_PARAMS = {"submit"}
"""Names the scan finds that no route reads from a request (a button without a value)."""


def source_names(package: str) -> set[str]:
    """The parameter names a blueprint package reads, found in its source."""
    import coachapp

    folder = Path(inspect.getfile(coachapp)).parent / package
    names: set[str] = set()
    for path in folder.glob("*.py"):
        text = path.read_text()
        for pattern in SOURCE_NAMES:
            names.update(pattern.findall(text))
        for group in FIELD_TUPLE.findall(text):
            names.update(re.findall(r"[\"'](\w+)[\"']", group))
    return names - NOT_PARAMS


@pytest.fixture
def hostile_world(app, world, make_user):  # noqa: F811  (the imported fixture)
    """The authorization matrix's gym, plus a group class with the member in it and a spare
    member for the admin's deactivate route."""
    from zoneinfo import ZoneInfo

    from coachapp.services import availability, group_classes

    berlin = ZoneInfo("Europe/Berlin")
    day = world.free.start.astimezone(berlin).date() + timedelta(days=1)
    start = datetime.combine(day, time(16), berlin)
    availability.create_addition(
        world.coach, world.coach.id, start, start + timedelta(hours=1), world.room.id, "Yoga"
    )
    group = group_classes.schedule_group_session(
        world.coach, world.coach.id, start, start + timedelta(hours=1), "Yoga", 8
    )
    group_classes.book_place(world.member, group.id)
    spare = make_user("member", name="Spare Member")
    ids = {  # read now: the walk deletes some of these rows
        "session_id": world.session.id,
        "class_id": group.id,
        "coach_id": world.coach.id,
        "day": 1,
        "room_id": world.room.id,
        "user_id": world.member.id,
        "spare_id": spare.id,
        "notification_id": world.notification.id,
        "addition_id": world.addition.id,
        "slot_id": world.blocked.id,
        "series_id": world.series.id,
    }
    return SimpleNamespace(world=world, ids=ids, day=day)


def path_ids(endpoint: str, hw) -> dict[str, object]:
    """Real values for each path parameter of ``endpoint``."""
    return {
        **hw.ids,
        "session_id": hw.ids["class_id" if endpoint.startswith("member.") and "class" in endpoint
                             else "session_id"],
        "user_id": hw.ids["spare_id" if endpoint == "admin.set_active" else "user_id"],
        "token": "not-a-feed-token",
    }


def valid_values(endpoint: str, hw) -> dict[str, str]:
    """Values that let a request get past the first checks (the hostile one replaces one)."""
    w = hw.world
    day = hw.day
    free_start, free_end = w.free.start.isoformat(), w.free.end.isoformat()
    values = {
        "coach": str(hw.ids["coach_id"]),
        "start": day.isoformat(),
        "edit": "1",
        "part": "count",
        "confirmed": "",
        "origin": "conflicts",
        "date": (day + timedelta(days=2)).isoformat(),
        "time": "15:00",
        "title": "Pilates",
        "capacity": "6",
        "start_time": "18:00",
        "end_time": "19:00",
        "repeat": "once",
        "until": "",
        "room_id": "",
        "op": "save",
        "drop": "",
        "start_time-0": "08:00",
        "end_time-0": "20:00",
        "room_id-0": str(hw.ids["room_id"]),
        "kind-0": "individual",
        "from_date": (day + timedelta(days=40)).isoformat(),
        "to_date": "",
        "whole_days": "1",
        "from_time": "",
        "to_time": "",
        "reason": "Course",
        "default_room_id": str(hw.ids["room_id"]),
        "default_duration": "60",
        "timezone": "Europe/Berlin",
        "cancellation_window_hours": "24",
        "booking_horizon_days": "56",
        "min_notice_minutes": "120",
        "from": day.isoformat(),
        "days": "7",
        "end": free_end,
        "frequency": "once",
        "start_date": "",
        "end_date": "",
        "previewed": "",
        "waitlist": "",
        "booked": "1",
        "scope": "one",
        "month": "",
        "member": str(hw.ids["user_id"]),
        "next": "/me/sessions",
        "email": "someone@example.com",
        "password": "long-enough-password",
        "remember": "y",
        "name": "Someone",
        "default_room": "",
    }
    if endpoint.startswith("member."):
        values["start"] = free_start
    if endpoint == "member.preview":
        values.update(frequency="1", start_date=w.free.start.date().isoformat())
    if endpoint == "member.cancel_sheet" or endpoint == "member.cancel":
        values["from_date"] = ""
    return values


def roles_for(endpoint: str) -> tuple[str, ...]:
    """Who reaches ``endpoint``: anyone for a public page, else the roles its policy allows
    (a blueprint the matrix does not know: every logged-in role)."""
    if endpoint in PUBLIC:
        return ("anonymous", "member")
    blueprint = endpoint.split(".", 1)[0]
    allowed = POLICY.get(endpoint) or BLUEPRINT_ROLES.get(blueprint)
    if allowed is None:
        return ("member", "coach", "admin")
    return tuple(role for role in ROLE_ORDER if role in allowed)


def html_rules(app):
    """Every route of the site's pages, GET and POST as each allows."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.rule.startswith(("/api/", "/static/")):
            continue
        for method in ("GET", "POST"):
            if method in rule.methods:
                yield rule, method


def params_of(endpoint: str) -> tuple[str, ...]:
    """The names to try on ``endpoint``: from ``PARAMS``, else all its blueprint reads."""
    if endpoint in PARAMS:
        return PARAMS[endpoint]
    blueprint = endpoint.split(".", 1)[0]
    return tuple(sorted(source_names(blueprint)))


SENTINEL = 1999999999
"""A placeholder id for the path parameter being replaced (fits the converter, found easily)."""


def requests_for(app, hw, rule):
    """``(what, url, data)`` for each crafted request on one route."""
    from flask import url_for

    endpoint = rule.endpoint
    real = path_ids(endpoint, hw)
    args = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        args[name] = sorted(converter.items)[0] if isinstance(converter, AnyConverter) else real[name]
    with app.test_request_context():
        plain = url_for(endpoint, **args)
    for name in rule.arguments:
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            continue
        is_int = isinstance(converter, IntegerConverter)
        marker = SENTINEL if is_int else "__hostile__"
        with app.test_request_context():
            template = url_for(endpoint, **{**args, name: marker})
        for value in HOSTILE_IDS if is_int else HOSTILE:
            url = template.replace(str(marker), quote(value, safe=""), 1)
            yield f"<{name}>={value[:30]!r}", url, {}
    base = valid_values(endpoint, hw)
    names = params_of(endpoint)
    wanted = {name: base.get(name, "") for name in names}
    for name in names:
        for value in HOSTILE:
            yield f"{name}={value[:30]!r}", plain, {**wanted, name: value}


def clients(app, hw):
    """A client per role, logged in through the form."""
    w = hw.world
    made = {"anonymous": app.test_client()}
    for role, user in (("member", w.member), ("coach", w.coach), ("admin", w.admin)):
        made[role] = app.test_client()
        login_as(made[role], user)
    return made


def walk(app, hw, blueprints: set[str]) -> tuple[list[str], int]:
    """Send every crafted request of the routes in ``blueprints``; the 5xx answers and how many
    requests were sent."""
    users = {"member": hw.world.member, "coach": hw.world.coach, "admin": hw.world.admin}
    made = clients(app, hw)
    failures: list[str] = []
    sent = 0
    jobs = [
        (role, rule, method)
        for rule, method in html_rules(app)
        if rule.endpoint.split(".", 1)[0] in blueprints
        for role in roles_for(rule.endpoint)
    ]
    jobs.sort(key=lambda job: ROLE_ORDER.index(job[0]))
    for role, rule, method in jobs:
        for what, url, data in requests_for(app, hw, rule):
            client = made[role]
            if rule.endpoint == "auth.logout":
                client = app.test_client()
                if role != "anonymous":
                    login_as(client, users[role])
            if method == "GET":
                response = client.get(url, query_string=data)
            else:
                response = client.post(url, query_string=data, data=data)
            sent += 1
            if response.status_code >= 500:
                failures.append(f"{role:>9} {method} {rule.rule} {what}: {response.status_code}")
    return failures, sent


@pytest.mark.parametrize(
    "blueprints",
    [
        pytest.param({"coach"}, id="coach"),
        pytest.param({"member", "feeds"}, id="member"),
        pytest.param({"main", "auth", "admin", "billing"}, id="other"),
    ],
)
def test_no_crafted_value_in_any_parameter_of_any_page_makes_a_server_error(
    app, hostile_world, blueprints
):
    failures, sent = walk(app, hostile_world, blueprints)
    assert sent > 300
    assert not failures, f"{len(failures)} of {sent} crafted requests answered 5xx:\n" + "\n".join(
        failures[:60]
    )


def test_every_route_is_walked_and_every_parameter_its_blueprint_reads_is_tried(app):
    """``PARAMS`` keeps up with the code: a route of a known blueprint must be listed, and every
    parameter name the blueprint's source reads must be tried on at least one of its routes."""
    problems = []
    known = {endpoint.split(".", 1)[0] for endpoint in PARAMS}
    for rule, _method in html_rules(app):
        blueprint = rule.endpoint.split(".", 1)[0]
        if blueprint in known and blueprint != "auth" and rule.endpoint not in PARAMS:
            problems.append(f"{rule.rule} ({rule.endpoint}): add it to PARAMS")
    for blueprint in known - {"auth", "main", "feeds"}:
        tried = {n for e, names in PARAMS.items() if e.startswith(f"{blueprint}.") for n in names}
        tried = {ROW_KEYS.sub(r"\1", n) for n in tried}
        for name in sorted(source_names(blueprint) - tried):
            problems.append(f"{blueprint}: the source reads {name!r}; add it to PARAMS")
    assert not problems, "\n".join(problems)


def test_the_crafted_values_of_the_attack_report_are_client_errors(app, hostile_world):
    """The exact requests of the report answer 4xx (they were 500s): a huge class id, ``²`` as a
    coach or weekday, a slot list from 9999, a slot at the last instant of 9999 (GET and POST),
    a move to 1 January of year 1; and a preview without its fields is 422 like the booking."""
    hw = hostile_world
    w = hw.world
    made = clients(app, hw)
    member, coach, admin = made["member"], made["coach"], made["admin"]
    coach_id = w.coach.id
    last = "9999-12-31T23:00:00+00:00"
    checks = [
        (member.get("/classes/99999999999999999999"), 404),
        (admin.get("/coach/week?coach=²"), 404),
        (admin.get("/coach/conflicts?coach=²"), 404),
        (coach.get("/coach/availability?edit=²"), 200),
        (member.get(f"/book/{coach_id}?from=9999-12-25"), 200),
        (member.get(f"/book/{coach_id}/slot", query_string={"start": last, "end": last}), 404),
        (
            member.get(
                f"/book/{coach_id}/slot",
                query_string={"start": last, "end": "9999-12-31T23:30:00+00:00"},
            ),
            404,
        ),
        (
            member.post(
                f"/book/{coach_id}/slot",
                data={"start": last, "end": "9999-12-31T23:30:00+00:00", "frequency": "once"},
            ),
            422,
        ),
        (
            coach.post(f"/coach/sessions/{w.session.id}/move", data={"date": "0001-01-01", "time": "10:00"}),
            422,
        ),
        (member.get(f"/book/{coach_id}/preview"), 422),
    ]
    got = [(response.request.url, response.status_code, want) for response, want in checks]
    assert [status for _, status, _ in got] == [want for _, _, want in got], got
    moved = coach.post(
        f"/coach/sessions/{w.session.id}/move", data={"date": "0001-01-01", "time": "10:00"}
    )
    assert "is not a date we can use" in moved.get_data(as_text=True)

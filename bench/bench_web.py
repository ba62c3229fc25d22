"""The pages under load, and the SQL each page issues as the data grows.

Run as ``.venv/bin/python bench/bench_web.py [--seconds S] [--connections C] [--profile]``.

1. Builds the PostgreSQL database ``coachapp_bench_web`` as an operator would (``flask --app wsgi
   db upgrade``, ``seed-demo``) and counts the SQL statements of each main page (member: home,
   coaches, a coach's slots, my sessions; coach: week, conflicts, availability) through the test
   client with a ``before_cursor_execute`` listener, with the pages' cache off (``CACHE_SIZE=0``:
   what a view after a change costs).
2. Grows the data: 300 more members, the coach's next three weeks booked full, 10,000 past
   sessions of the coach, 300 past sessions and 50 notifications of the member; counts again. The
   target: the same number of statements at both sizes (no query per row). Then counts a repeat
   view with the cache on.
3. Serves the grown database with gunicorn (2 workers, ``bench/bench_wsgi.py``: the app plus
   ``GET /bench/hello``, which touches no database) on a loopback port and runs ``wrk`` for
   ``--seconds`` (default 30, or BENCH_WRK_SECONDS) per route with ``--connections`` (50) open:
   hello, hello for a logged-in member (``/bench/hello-user``: the session cookie and the user's
   row, the floor of every logged-in page), the member's slot page ``/book/<coach_id>`` and the
   coach's ``/coach/week``, each logged in with a session cookie got by logging in once. The targets: each page at least 40 %
   of hello's requests per second, and a p99 latency of at most 50 ms.

Prints Markdown tables (``--json`` for ``run_all.py``); ``--profile`` adds pyinstrument profiles
of the two pages (50 requests each, in process): where the time goes. ``--sql-only`` (or
BENCH_SQL_ONLY=1, for ``run_all.py``) stops after the statement counts: no gunicorn, no wrk.
The slot page and the week grid have a budget of statements (``STATEMENT_BUDGETS``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (  # noqa: E402
    ROOT,
    StatementCounter,
    drop_database,
    machine,
    recreate_database,
    report,
    verdict,
)

from tests.e2e.live_server import LiveServer, flask_cli  # noqa: E402

DB_NAME = "coachapp_bench_web"
DEMO_PASSWORD = "demo-pass-2026"
MEMBER = "ava@gym.example.com"
COACH = "lena@gym.example.com"
SHARE_TARGET = 0.40
P99_TARGET_MS = 50.0
STATEMENT_BUDGETS = {"a coach's slots": 4, "week grid": 5}
"""The most SQL statements a first view of these pages may send (issue 15: the coach's calendar
read once per request): the logged-in user with the data version, the coach's settings, the
availability, the sessions (and, for the week, the rooms)."""


def _app(url: str, cache_size: int = 512):
    from coachapp import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                       "WTF_CSRF_ENABLED": False, "REDIS_URL": None, "CACHE_SIZE": cache_size})


def pages(coach_id: int) -> list[tuple[str, str, str]]:
    """``(name, who, path)`` of the pages whose statements are counted."""
    return [
        ("home", "member", "/"),
        ("coaches to book", "member", "/book"),
        ("a coach's slots", "member", f"/book/{coach_id}"),
        ("my sessions", "member", "/me/sessions"),
        ("week grid", "coach", "/coach/week"),
        ("conflicts", "coach", "/coach/conflicts"),
        ("availability", "coach", "/coach/availability"),
    ]


def _ids(app) -> tuple[int, int]:
    from sqlalchemy import select

    from coachapp.extensions import db
    from coachapp.models import User

    with app.app_context():
        coach = db.session.scalar(select(User.id).where(User.email == COACH))
        member = db.session.scalar(select(User.id).where(User.email == MEMBER))
        db.session.remove()
    return coach, member


def count_statements(app, coach_id: int) -> dict[str, int]:
    """Statements per page (second request of each, so one-time caches are warm)."""
    from coachapp.extensions import db

    clients = {}
    for who, email in (("member", MEMBER), ("coach", COACH)):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        clients[who] = client
    counts = {}
    with app.app_context():
        engine = db.engine
    # Requests run outside any app context of ours: each gets its own, as on a server (a shared
    # one would share Flask-Login's cached user between the two clients).
    counter = StatementCounter().attach(engine)
    for name, who, path in pages(coach_id):
        clients[who].get(path)
        with counter.counting() as got:
            response = clients[who].get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[name] = got()
    counter.detach(engine)
    return counts


def first_view_ms(app, coach_id: int, tries: int = 7) -> dict[str, float]:
    """In process, the best of ``tries`` requests of the budgeted pages on ``app`` (the pages'
    cache off: each request is a first view), in milliseconds."""
    import time

    out = {}
    for name, who, path in pages(coach_id):
        if name not in STATEMENT_BUDGETS:
            continue
        client = app.test_client()
        email = MEMBER if who == "member" else COACH
        client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        client.get(path)
        best = float("inf")
        for _ in range(tries):
            began = time.perf_counter()
            response = client.get(path)
            best = min(best, (time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        out[name] = best
    return out


def grow(app, coach_id: int, member_id: int) -> dict:
    """More of everything the pages list (see the module docstring); returns what was added."""
    from sqlalchemy import insert, select

    from coachapp.extensions import db
    from coachapp.models import Notification, TrainingSession, User, utcnow
    from coachapp.services import bookings, slots
    from coachapp.services.errors import DomainError

    now = datetime.now(UTC)
    with app.app_context():
        db.session.execute(
            insert(User),
            [{"email": f"extra{i}@gym.example.com", "name": f"Extra Member {i}", "role": "member",
              "password_hash": "x", "active": True, "created_at": now} for i in range(300)],
        )
        db.session.commit()
        extra = list(db.session.scalars(select(User).where(User.email.like("extra%"))))
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        tz = ZoneInfo("Europe/Berlin")
        today = utcnow().astimezone(tz).date()
        booked = 0
        for slot in slots.bookable_slots(coach_id, today, today + timedelta(days=20)):
            try:
                bookings.book_one_time(admin, coach_id, slot.start, slot.end,
                                       member_id=extra[booked % len(extra)].id)
                booked += 1
            except DomainError:
                continue

        def past_rows(coach: int, count: int, member_of) -> list[dict]:
            rows, day = [], today - timedelta(days=1)
            while len(rows) < count:
                for hour in range(6, 22):
                    if len(rows) == count:
                        break
                    start = datetime.combine(day, time(hour), tz)
                    rows.append({
                        "coach_id": coach, "member_id": member_of(len(rows)), "room_id": None,
                        "start_time": start, "end_time": start + timedelta(minutes=50),
                        "type": "ONE_TO_ONE", "status": "completed", "title": "Training session",
                        "capacity": 1, "created_at": now,
                    })
                day -= timedelta(days=1)
            return rows

        history = past_rows(coach_id, 10_000, lambda i: extra[i % len(extra)].id)
        for i in range(0, len(history), 5000):
            db.session.execute(insert(TrainingSession), history[i : i + 5000])
        other = db.session.scalar(
            select(User.id).where(User.role == "coach", User.id != coach_id).order_by(User.id)
        )
        mine = past_rows(other, 300, lambda i: member_id)
        db.session.execute(insert(TrainingSession), mine)
        db.session.execute(
            insert(Notification),
            [{"user_id": member_id, "kind": "session_cancelled",
              "message": f"Your session {i} was cancelled by your coach.", "created_at": now}
             for i in range(50)],
        )
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        db.session.remove()
    return {"members": 300, "booked": booked, "past_coach": 10_000, "past_member": 300,
            "notifications": 50}


def session_cookie(base: str, email: str) -> str:
    """Log in once through the form; the ``Cookie`` header value of that session."""
    import requests

    http = requests.Session()
    page = http.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    done = http.post(f"{base}/login", allow_redirects=False, timeout=10,
                     data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    assert done.status_code == 302, done.text[:500]
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip()).groups()
    return float(number) * _UNITS[unit]


def run_wrk(url: str, seconds: int, connections: int, cookie: str | None) -> dict:
    """``wrk --latency`` against ``url``: requests/s, p50 and p99 in ms, errors and non-2xx."""
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    done = subprocess.run(command + [url], capture_output=True, text=True, check=True,
                          timeout=seconds + 60)
    out = done.stdout
    latency = dict(re.findall(r"^\s*(50|75|90|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.M))
    if "50" not in latency or "99" not in latency:
        raise RuntimeError(f"wrk printed no latency distribution:\n{out}\n{done.stderr}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def load(url: str, coach_id: int, seconds: int, connections: int, low: int) -> dict:
    """gunicorn with 2 workers on ``url``; wrk on hello, the slot page and the week grid, with
    ``connections`` open, then with ``low`` (about as many as workers: the latency of one request
    with little queueing) for a third of the time."""
    import requests

    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    results = {}
    with LiveServer(url, workers=2, app="bench.bench_wsgi:app") as server:
        cookies = {"member": session_cookie(server.url, MEMBER),
                   "coach": session_cookie(server.url, COACH)}
        routes = [
            ("hello", "/bench/hello", None),
            ("hello, logged in", "/bench/hello-user", "member"),
            ("slot page", f"/book/{coach_id}", "member"),
            ("week grid", "/coach/week", "coach"),
        ]
        for name, path, who in routes:
            headers = {"Cookie": cookies[who]} if who else {}
            check = requests.get(server.url + path, headers=headers, timeout=10,
                                 allow_redirects=False)
            assert check.status_code == 200, (path, check.status_code)
            result = run_wrk(server.url + path, seconds, connections, cookies.get(who))
            result["path"] = path
            result["low"] = run_wrk(server.url + path, max(seconds // 3, 2), low,
                                    cookies.get(who))
            results[name] = result
        assert "Traceback" not in server.log(), server.log()
    return results


def profile_pages(app, coach_id: int, requests_per_page: int = 50) -> str:
    """pyinstrument of ``requests_per_page`` requests of the slot page and of the week grid."""
    from pyinstrument import Profiler

    out = []
    for email, path in ((MEMBER, f"/book/{coach_id}"), (COACH, "/coach/week")):
        client = app.test_client()
        client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        client.get(path)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(requests_per_page):
            client.get(path)
        profiler.stop()
        out.append(f"#### {path} ({requests_per_page} requests)\n\n```\n"
                   + profiler.output_text(unicode=True, color=False, show_all=False)
                   + "```\n")
    return "\n".join(out)


def measure(
    seconds: int, connections: int, low: int = 4, profile: bool = False, sql_only: bool = False
) -> dict:
    """Everything in the module docstring, in order; the database is dropped at the end."""
    from sqlalchemy import create_engine

    url = recreate_database(DB_NAME)
    try:
        flask_cli(url, "db", "upgrade")
        flask_cli(url, "seed-demo")
        app = _app(url)
        # The pages' own queries, with the pages' cache off (a view after any change); then a
        # repeat view with it on.
        uncached = _app(url, cache_size=0)
        coach_id, member_id = _ids(app)
        small = count_statements(uncached, coach_id)
        grown = grow(app, coach_id, member_id)
        large = count_statements(uncached, coach_id)
        first_ms = first_view_ms(uncached, coach_id)
        repeat = count_statements(app, coach_id)
        with uncached.app_context():
            from coachapp.extensions import db

            db.engine.dispose()
        profile_text = profile_pages(app, coach_id) if profile else ""
        engine = create_engine(url)
        host = machine(engine)
        engine.dispose()
        with app.app_context():
            from coachapp.extensions import db

            db.engine.dispose()
        wrk = None if sql_only else load(url, coach_id, seconds, connections, low)
    finally:
        drop_database(DB_NAME)
    return {"host": host, "small": small, "large": large, "repeat": repeat, "grown": grown,
            "first_view_ms": first_ms,
            "wrk": wrk,
            "seconds": seconds, "connections": connections, "low": low, "profile": profile_text}


def rows(result: dict) -> list[tuple[str, str, str, str]]:
    """Table rows ``(measure, value, target, verdict)`` for the summary."""
    return wrk_rows(result) + sql_rows(result)


def wrk_rows(result: dict) -> list[tuple[str, str, str, str]]:
    """The rows of the wrk runs (none when they were not run: ``--sql-only``)."""
    wrk = result["wrk"]
    if wrk is None:
        return []
    hello = wrk["hello"]["rps"]
    out = [(
        f"gunicorn 2 workers, `/bench/hello` (no database), {result['connections']} connections",
        f"{hello:,.0f} req/s · p50 {wrk['hello']['p50']:.1f} ms · p99 {wrk['hello']['p99']:.1f} ms",
        "baseline",
        "",
    )]
    user = wrk["hello, logged in"]
    out.append((
        f"gunicorn 2 workers, `/bench/hello-user` (logged in: cookie and the user's row only), "
        f"{result['connections']} connections",
        f"{user['rps']:,.0f} req/s ({user['rps'] / hello:.0%} of hello) · p50 {user['p50']:.1f} ms"
        f" · p99 {user['p99']:.1f} ms",
        "the floor of any logged-in page",
        "",
    ))
    for name in ("slot page", "week grid"):
        page = wrk[name]
        share = page["rps"] / hello
        ok = share >= SHARE_TARGET and page["p99"] <= P99_TARGET_MS and not page["non_2xx"]
        out.append((
            f"gunicorn 2 workers, `{page['path']}` ({name}), {result['connections']} connections",
            f"{page['rps']:,.0f} req/s ({share:.0%} of hello) · p50 {page['p50']:.1f} ms · "
            f"p99 {page['p99']:.1f} ms",
            f"≥ {SHARE_TARGET:.0%} of hello, p99 ≤ {P99_TARGET_MS:g} ms",
            verdict(ok),
        ))
    for name in ("hello", "hello, logged in", "slot page", "week grid"):
        low = wrk[name]["low"]
        out.append((
            f"… `{wrk[name]['path']}` with {result['low']} connections (little queueing)",
            f"{low['rps']:,.0f} req/s · p50 {low['p50']:.1f} ms · p99 {low['p99']:.1f} ms",
            "for reference",
            "",
        ))
    return out


def sql_rows(result: dict) -> list[tuple[str, str, str, str]]:
    """The rows of the statement counts: each page at both sizes (a first view: the pages'
    cache off), the budgeted pages against their budget, and a repeat view with the cache on."""
    out = []
    for name, small in result["small"].items():
        large = result["large"][name]
        budget = STATEMENT_BUDGETS.get(name)
        ok = small == large and (budget is None or large <= budget)
        target = "constant" if budget is None else f"≤ {budget}, constant"
        out.append((f"SQL statements, {name} (demo gym → grown)", f"{small} → {large}",
                    target, verdict(ok)))
    first_ms = result.get("first_view_ms") or {}
    if first_ms:
        out.append((
            "app time of a first view, grown (in process, pages' cache off, best of 7)",
            " · ".join(f"{name} {ms:.1f} ms" for name, ms in first_ms.items()),
            "for reference",
            "",
        ))
    repeat = result["repeat"]
    out.append((
        "SQL statements of a repeat view, kept parts (`coachapp.cache`), grown",
        ", ".join(f"{name} {count}" for name, count in repeat.items()),
        "for reference",
        "",
    ))
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int,
                        default=int(os.environ.get("BENCH_WRK_SECONDS", "30")),
                        help="wrk duration per route (default 30, or BENCH_WRK_SECONDS)")
    parser.add_argument("--connections", type=int, default=50, help="wrk open connections")
    parser.add_argument("--low", type=int, default=4, help="connections of the second pass")
    parser.add_argument("--profile", action="store_true", help="pyinstrument of the two pages")
    parser.add_argument("--json", action="store_true", help="print JSON (for run_all.py)")
    parser.add_argument("--sql-only", action="store_true",
                        default=os.environ.get("BENCH_SQL_ONLY") == "1",
                        help="count the statements only: no gunicorn, no wrk")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    result = measure(args.seconds, args.connections, args.low, args.profile, args.sql_only)
    heading = f"Measured on {result['host']}; " + (
        "statement counts only (--sql-only)." if args.sql_only
        else f"wrk {result['seconds']} s per route."
    )
    report(result, heading, rows(result), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

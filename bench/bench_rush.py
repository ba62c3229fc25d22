"""The rush when booking opens: 500 members fire at one 20-place group class within 5 seconds.

Run as ``.venv/bin/python bench/bench_rush.py [--members N] [--spread S] [--json]``.

A popular class opens for everyone at the same instant (the coach's booking horizon reaches its
day at midnight), and gyms see such classes fill in seconds. This benchmark:

1. Builds the PostgreSQL database ``coachapp_bench_rush`` as an operator would (``flask --app wsgi
   db upgrade``), then a Berlin coach whose members may book 14 days ahead, ``--members`` members
   (500) each with an API token, and a 20-place group class at 18:00 on the last day the horizon
   reaches today: its booking opened at today's midnight. A class one day later is there too, to
   check the horizon holds (a member asking for it gets 409 ``beyond_horizon``).
2. Serves the app with gunicorn (2 sync workers, as ``Procfile``'s ``web``) on a loopback port.
3. Every member sends ``POST /api/v1/sessions/{id}/places`` once, at an instant drawn at random
   (seeded) within ``--spread`` seconds (5): a burst, with clumps, not an even trickle. Each
   request is timed from the instant it was due to be sent (so a client that falls behind does
   not hide the server's queueing) to the end of its answer.
4. Checks: exactly 20 places confirmed and the rest waitlisted; the order in which the server
   accepted the bookings (the class row is locked per booking, so booking ids rise in the order
   they were accepted) is the waitlist's: the 20 first accepted are the confirmed ones and the
   waitlist position the app shows for each (``group_classes.waitlist_positions``, the roster's)
   is its rank among the waiting; no answer is a 5xx; p50 and p99 latency against the target
   (p99 ≤ 1 s on a 2-core machine).

Prints a Markdown table (``--json`` for ``run_all.py``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import statistics
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import ROOT, drop_database, machine, recreate_database, report, verdict  # noqa: E402

from tests.e2e.live_server import LiveServer, flask_cli  # noqa: E402

DB_NAME = "coachapp_bench_rush"
BERLIN = ZoneInfo("Europe/Berlin")
HORIZON_DAYS = 14
CAPACITY = 20
P99_TARGET_MS = 1000.0
CLIENT_THREADS = 250
"""Enough senders that none is still busy when its next request is due (each waits for its
answer): the load is set by the schedule, not by the client."""


def _app(url: str):
    from coachapp import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "TESTING": True,
            "REDIS_URL": None,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )


def build(url: str, members: int, now: datetime) -> dict:
    """The coach, the members with their tokens, the class that just opened and the one that
    has not; returns what the rush needs (ids, tokens)."""
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from coachapp.extensions import db
    from coachapp.models import ApiToken, CoachSettings, TrainingSession, User
    from coachapp.scheduling.clock import local_datetime
    from coachapp.services import accounts
    from coachapp.vocab import Role, SessionStatus, SessionType

    flask_cli(url, "db", "upgrade")
    app = _app(url)
    with app.app_context():
        coach = accounts.create_user(
            "rush-coach@gym.example.com",
            "Lena Rush",
            Role.COACH,
            "bench-pass-2026",
            "Europe/Berlin",
        )
        settings = db.session.scalar(
            select(CoachSettings).where(CoachSettings.coach_id == coach.id)
        )
        settings.booking_horizon_days = HORIZON_DAYS
        db.session.commit()

        password_hash = generate_password_hash("bench-pass-2026", method="pbkdf2:sha256:1000")
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"rush-member{i}@gym.example.com",
                    "name": f"Member {i}",
                    "role": Role.MEMBER,
                    "password_hash": password_hash,
                }
                for i in range(members)
            ],
        )
        ids = list(
            db.session.scalars(select(User.id).where(User.role == Role.MEMBER).order_by(User.id))
        )
        tokens = ["ca_" + secrets.token_urlsafe(32) for _ in ids]
        db.session.execute(
            insert(ApiToken),
            [
                {
                    "user_id": member_id,
                    "token_hash": ApiToken.hash(token),
                    "expires_at": now + timedelta(days=1),
                }
                for member_id, token in zip(ids, tokens, strict=True)
            ],
        )

        last_day = now.astimezone(BERLIN).date() + timedelta(days=HORIZON_DAYS)
        classes = {}
        for name, day in (("open", last_day), ("not yet open", last_day + timedelta(days=1))):
            start = local_datetime(day, 18 * 60, BERLIN)
            row = TrainingSession(
                coach_id=coach.id,
                start_time=start,
                end_time=start + timedelta(hours=1),
                type=SessionType.GROUP,
                status=SessionStatus.SCHEDULED,
                capacity=CAPACITY,
                title="Saturday Spin" if name == "open" else "Sunday Spin",
            )
            db.session.add(row)
            db.session.flush()
            classes[name] = (row.id, start)
        db.session.commit()
        host = machine(db.engine)
        db.session.remove()
        db.engine.dispose()
    return {
        "member_ids": ids,
        "tokens": tokens,
        "class_id": classes["open"][0],
        "class_start": classes["open"][1].isoformat(),
        "later_class_id": classes["not yet open"][0],
        "host": host,
    }


def _post(port: int, path: str, token: str, body: bytes) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _get(port: int, path: str, token: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def rush(port: int, built: dict, spread: float, seed: int) -> list[dict]:
    """Each member's request at its drawn instant; one record per request (member, when it was
    due, latency, status, the booking's id and status)."""
    tokens = built["tokens"]
    path = f"/api/v1/sessions/{built['class_id']}/places"
    body = json.dumps({"waitlist": True}).encode()
    draw = random.Random(seed)
    due = sorted((draw.uniform(0, spread), i) for i in range(len(tokens)))
    queue = list(due)
    lock = threading.Lock()
    records: list[dict] = []
    start = time.perf_counter() + 0.5  # every sender is waiting before the first is due

    def sender() -> None:
        while True:
            with lock:
                if not queue:
                    return
                offset, member = queue.pop(0)
            wait = start + offset - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            try:
                status, raw = _post(port, path, tokens[member], body)
            except (OSError, http.client.HTTPException) as exc:
                status, raw = 0, str(exc).encode()
            done = time.perf_counter()
            record = {
                "member": member,
                "due_s": offset,
                "status": status,
                "latency_ms": (done - (start + offset)) * 1000,
            }
            if status == 201:
                booking = json.loads(raw)["booking"]
                record.update(booking_id=booking["id"], booking_status=booking["status"])
            else:
                record["answer"] = raw[:300].decode(errors="replace")
            with lock:
                records.append(record)

    threads = [threading.Thread(target=sender) for _ in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return records


def check_order(url: str, class_id: int) -> dict:
    """What the database holds after the rush: confirmed and waiting counts, whether the first
    accepted (lowest booking ids) hold the places, and how many waitlist positions the app shows
    differ from the accept order."""
    from sqlalchemy import select

    from coachapp.extensions import db
    from coachapp.models import Booking
    from coachapp.services import group_classes
    from coachapp.vocab import BookingStatus

    app = _app(url)
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(Booking).where(Booking.session_id == class_id).order_by(Booking.id)
            )
        )
        statuses = Counter(row.status for row in rows)
        first = rows[:CAPACITY]
        confirmed_first = all(row.status == BookingStatus.CONFIRMED for row in first)
        waiting = [row for row in rows if row.status == BookingStatus.WAITLISTED]
        positions = group_classes.waitlist_positions(waiting)
        wrong = [
            (row.id, rank, positions.get(row.id), row.created_at.isoformat())
            for rank, row in enumerate(waiting, start=1)
            if positions.get(row.id) != rank
        ]
        db.session.remove()
        db.engine.dispose()
    return {
        "confirmed": statuses.get(BookingStatus.CONFIRMED, 0),
        "waitlisted": statuses.get(BookingStatus.WAITLISTED, 0),
        "bookings": len(rows),
        "confirmed_first": confirmed_first,
        "positions_out_of_order": len(wrong),
        "out_of_order_examples": wrong[:6],
    }


def _children(pid: int) -> list[int]:
    """The direct children of ``pid`` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _backends(url: str) -> list[int]:
    """The PostgreSQL server processes serving the bench database (the workers' connections)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(
                conn.scalars(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid()"
                    )
                )
            )
    finally:
        engine.dispose()


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU seconds used so far by each of the processes ``pids`` still there."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return used


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two ``cpu_seconds`` readings (a new process from zero)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0.99: p99) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def measure(members: int, spread: float, seed: int) -> dict:
    """Build, serve, rush, check; the result as a dict."""
    url = recreate_database(DB_NAME)
    try:
        now = datetime.now(UTC)
        built = build(url, members, now)
        with LiveServer(url, workers=2) as server:
            port = server.port
            for token in built["tokens"][:20]:  # both workers warm: imports, pools, templates
                assert _get(port, "/api/v1/me", token) == 200
            refused, answer = _post(
                port,
                f"/api/v1/sessions/{built['later_class_id']}/places",
                built["tokens"][0],
                b"{}",
            )
            workers = _children(server.process.pid)
            app_before, db_before = cpu_seconds(workers), cpu_seconds(_backends(url))
            load_before = os.getloadavg()[0]
            began = time.perf_counter()
            records = rush(port, built, spread, seed)
            wall = time.perf_counter() - began
            load_after = os.getloadavg()[0]
            cpu_app = cpu_used(app_before, cpu_seconds(workers))
            cpu_db = cpu_used(db_before, cpu_seconds(_backends(url)))
            log = server.log()
        order = check_order(url, built["class_id"])
    finally:
        drop_database(DB_NAME)
    latencies = [r["latency_ms"] for r in records]
    statuses = Counter(r["status"] for r in records)
    answered = Counter(r.get("booking_status") for r in records if r["status"] == 201)
    # the order the answers say: confirmed ones first when sorted by booking id
    by_id = sorted((r for r in records if r["status"] == 201), key=lambda r: int(r["booking_id"]))
    answers_agree = all(r["booking_status"] == "CONFIRMED" for r in by_id[:CAPACITY]) and all(
        r["booking_status"] == "WAITLISTED" for r in by_id[CAPACITY:]
    )
    return {
        "host": built["host"],
        "members": members,
        "spread_s": spread,
        "seed": seed,
        "requests": len(records),
        "wall_s": round(wall, 2),
        "load_average": [round(load_before, 1), round(load_after, 1)],
        "cpu_ms_per_booking": {
            "gunicorn": round(cpu_app * 1000 / len(records), 1),
            "postgresql": round(cpu_db * 1000 / len(records), 1),
        },
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "server_errors": sum(v for k, v in statuses.items() if k >= 500 or k == 0),
        "answered": {str(k): v for k, v in answered.items()},
        "answers_agree": answers_agree,
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "beyond_horizon_refused": refused == 409 and b"beyond_horizon" in answer,
        "traceback_in_log": "Traceback" in log,
        "class_start": built["class_start"],
        "other_answers": sorted({r["answer"][:120] for r in records if "answer" in r})[:5],
        **order,
    }


def rows(result: dict) -> list[tuple[str, str, str, str]]:
    """The table rows (also used by ``run_all.py``)."""
    n, waiting = result["members"], result["members"] - CAPACITY
    correct = (
        result["confirmed"] == CAPACITY
        and result["waitlisted"] == waiting
        and result["confirmed_first"]
        and result["positions_out_of_order"] == 0
        and result["answers_agree"]
        and result["server_errors"] == 0
        and result["requests"] == n
        and result["beyond_horizon_refused"]
        and not result["traceback_in_log"]
    )
    return [
        (
            f"booking opens: {n} members book one {CAPACITY}-place class within "
            f"{result['spread_s']:g} s (API, gunicorn 2 workers)",
            f"{result['confirmed']} confirmed · {result['waitlisted']} waitlisted, "
            f"{result['positions_out_of_order']} out of accept order · "
            f"{result['server_errors']} 5xx",
            f"{CAPACITY} confirmed · {waiting} waitlisted in accept order · 0 5xx",
            verdict(correct),
        ),
        (
            f"booking opens: latency of the {n} bookings (from when each was due)",
            f"p50 {result['p50_ms']:.0f} ms · p99 {result['p99_ms']:.0f} ms "
            f"(max {result['max_ms']:.0f} ms)",
            f"p99 ≤ {P99_TARGET_MS:.0f} ms",
            verdict(result["p99_ms"] <= P99_TARGET_MS),
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500, help="members rushing (500)")
    parser.add_argument(
        "--spread", type=float, default=5.0, help="seconds over which their requests are due (5)"
    )
    parser.add_argument("--seed", type=int, default=16, help="seed of the request instants")
    parser.add_argument("--json", action="store_true", help="print JSON (for run_all.py)")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    result = measure(args.members, args.spread, args.seed)
    heading = (
        f"Measured on {result['host']}: {result['requests']} requests in {result['wall_s']} s, "
        f"answers {result['statuses']}; load average {result['load_average'][0]} before, "
        f"{result['load_average'][1]} after; CPU per booking {result['cpu_ms_per_booking']} ms."
    )
    report(result, heading, rows(result), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Slot search over six weeks for one coach, with no history and with 10,000 past sessions.

Run as ``.venv/bin/python bench/bench_slots.py [--past N] [--rounds R] [--profile]``. It creates
the PostgreSQL database ``coachapp_bench_slots`` (on BENCH_POSTGRES_URL's server), and two coaches
in Europe/Berlin with the same week (06–10, 11–15, 16–22 every day), the same 84 booked sessions in
the coming six weeks and the same block; coach "Busy" also has ``--past`` completed sessions
before today. Then it calls ``services.slots.bookable_slots`` for the six weeks, alternating the
two coaches round by round so that the machine's load weighs on both alike, each call with a
fresh database session, as a request has. It prints the medians, their ratio and the SQL
statements per call, as a Markdown table (``--json`` for ``run_all.py``). The target: at most
10 ms, and history costing at most 20 % (ratio ≤ 1.2).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (  # noqa: E402
    StatementCounter,
    busy_week_coach,
    drop_database,
    machine,
    median,
    recreate_database,
    report,
    session_rows,
    timed_ms,
    verdict,
)
from sqlalchemy import insert  # noqa: E402

DB_NAME = "coachapp_bench_slots"
TODAY = date(2027, 3, 1)
DAYS = 42
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.combine(TODAY, time(5, 30), BERLIN)
TARGET_MS = 10.0
TARGET_RATIO = 1.2


def seed(past: int) -> tuple[int, int]:
    """The two coaches (ids of "Zero" and "Busy"), their week, bookings and history."""
    from coachapp.extensions import db
    from coachapp.models import TrainingSession
    from coachapp.services import accounts

    admin = accounts.create_user("admin@bench.example.com", "Admin", "admin", "bench-pass-1", None)
    member = accounts.create_user("member@bench.example.com", "Member", "member", "bench-pass-1", None)
    ids = []
    for name in ("Zero", "Busy"):
        coach = busy_week_coach(
            admin, f"{name.lower()}@bench.example.com", name, TODAY, NOW, "bench-pass-1"
        )
        future = [
            datetime.combine(TODAY + timedelta(days=d), time(hour), BERLIN)
            for d in range(DAYS)
            for hour in (7, 17)
        ]
        db.session.execute(
            insert(TrainingSession), session_rows(coach.id, member.id, future, "scheduled")
        )
        ids.append(coach.id)
    busy = ids[1]
    history = []
    day = TODAY - timedelta(days=1)
    while len(history) < past:
        for hour in range(6, 22):
            if len(history) < past:
                history.append(datetime.combine(day, time(hour), BERLIN))
        day -= timedelta(days=1)
    for i in range(0, len(history), 5000):
        db.session.execute(
            insert(TrainingSession),
            session_rows(busy, member.id, history[i : i + 5000], "completed"),
        )
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    return ids[0], ids[1]


def measure(rounds: int, past: int, profile: bool = False) -> dict:
    """Seed, then time ``bookable_slots`` for both coaches ``rounds`` times, alternating."""
    from coachapp import create_app
    from coachapp.extensions import db
    from coachapp.services import slots

    url = recreate_database(DB_NAME)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "REDIS_URL": None, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    try:
        with app.app_context():
            db.create_all()
            zero, busy = seed(past)
            host = machine(db.engine)
            counter = StatementCounter().attach(db.engine)
            last_day = TODAY + timedelta(days=DAYS - 1)

            def search(coach_id: int):
                return slots.bookable_slots(coach_id, TODAY, last_day, now=NOW)

            found = {c: len(search(c)) for c in (zero, busy)}
            assert found[zero] == found[busy], found
            samples: dict[int, list[float]] = {zero: [], busy: []}
            statements: dict[int, int] = {}
            for i in range(rounds):
                order = (zero, busy) if i % 2 == 0 else (busy, zero)
                for coach_id in order:
                    db.session.remove()
                    with counter.counting() as got:
                        samples[coach_id].append(timed_ms(lambda c=coach_id: search(c)))
                    statements[coach_id] = got()
            profile_text = ""
            if profile:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0005)
                profiler.start()
                for _ in range(50):
                    db.session.remove()
                    search(busy)
                profiler.stop()
                profile_text = profiler.output_text(unicode=True, color=False)
            db.session.remove()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(DB_NAME)
    zero_ms, busy_ms = median(samples[zero]), median(samples[busy])
    return {
        "host": host,
        "slots": found[zero],
        "past": past,
        "rounds": rounds,
        "zero_ms": zero_ms,
        "busy_ms": busy_ms,
        "ratio": busy_ms / zero_ms,
        "statements": [statements[zero], statements[busy]],
        "profile": profile_text,
    }


def rows(result: dict) -> list[tuple[str, str, str, str]]:
    """Table rows ``(measure, value, target, verdict)`` for the summary."""
    zero_ok = result["zero_ms"] <= TARGET_MS
    busy_ok = result["busy_ms"] <= TARGET_MS
    return [
        (
            f"slot search, 6 weeks, 0 past sessions ({result['slots']} slots, "
            f"{result['statements'][0]} SQL)",
            f"{result['zero_ms']:.2f} ms",
            f"≤ {TARGET_MS:g} ms",
            verdict(zero_ok),
        ),
        (
            f"slot search, 6 weeks, {result['past']:,} past sessions "
            f"({result['statements'][1]} SQL)",
            f"{result['busy_ms']:.2f} ms",
            f"≤ {TARGET_MS:g} ms",
            verdict(busy_ok),
        ),
        (
            f"slot search, {result['past']:,} past / 0 past",
            f"{result['ratio']:.2f} ×",
            f"≤ {TARGET_RATIO:g} ×",
            verdict(result["ratio"] <= TARGET_RATIO),
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--past", type=int, default=10_000, help="past sessions of coach Busy")
    parser.add_argument("--rounds", type=int, default=200, help="calls per coach")
    parser.add_argument("--profile", action="store_true", help="pyinstrument of 50 busy calls")
    parser.add_argument("--json", action="store_true", help="print JSON (for run_all.py)")
    args = parser.parse_args(argv)
    result = measure(args.rounds, args.past, args.profile)
    heading = f"Measured on {result['host']}, medians of {result['rounds']} alternating calls."
    report(result, heading, rows(result), args.json, numeric=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How fast the nightly run materializes sessions, against a raw bulk insert of the same rows.

Run as ``.venv/bin/python bench/bench_materialize.py [--series N] [--rounds R] [--profile]``. It
(re)creates the PostgreSQL database named by BENCH_DATABASE_URL (default
``postgresql://root@127.0.0.1:5432/coachapp_bench``), seeds 10,000 active weekly recurring bookings
over 100 coaches (distinct weekday/hour per coach, each coach in their own room, so nothing
collides), then measures, ``--rounds`` times on an emptied ``training_sessions`` table:

1. the full materialization, ``services.sessions.materialize`` (≈ 60,000 sessions);
2. a second run, which creates nothing;
3. the same rows written by COPY into the emptied ``training_sessions`` table (same constraints,
   indexes and foreign keys): the floor any materializer can reach.

It prints a Markdown table with the median times, the statements each issued (counted with a
SQLAlchemy ``before_cursor_execute`` listener) and the time spent executing them (driver and
server; fetching rows is not included), and the median of each round's ratios: first run / COPY
and second run / first run, both measured in the same round so that the load of a shared machine
weighs on both sides alike. The table, with the date, the machine (CPUs, CPU model) and the
PostgreSQL version, also replaces the section "Nightly materialization" of ``docs/performance.md``
(``--no-docs`` leaves the file alone). The database is dropped at the end. ``--profile`` adds
cProfiles of a full run and of a run with nothing to do: where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "performance.md"
sys.path.insert(0, str(ROOT))

import benchlib  # noqa: E402  (bench/ is on sys.path when run as a script)

from coachapp import create_app  # noqa: E402
from coachapp.extensions import db  # noqa: E402
from coachapp.models import (  # noqa: E402
    CoachSettings,
    RecurringBooking,
    Room,
    User,
)

DEFAULT_URL = "postgresql://root@127.0.0.1:5432/coachapp_bench"
TODAY = date(2027, 3, 1)  # a Monday; the six weeks include Berlin's spring-forward night
WEEKS = 6
COACHES = 100
FIRST_HOUR = 6
COPY_COLUMNS = (
    "coach_id",
    "member_id",
    "room_id",
    "start_time",
    "end_time",
    "occurrence_start",
    "type",
    "status",
    "recurring_booking_id",
    "title",
    "capacity",
    "created_at",
)


@dataclass
class SqlMeter:
    """Counts statements and the time spent between before/after_cursor_execute."""

    statements: int = 0
    seconds: float = 0.0
    _started: list[float] = field(default_factory=list)

    def attach(self, engine) -> None:
        """Listen on ``engine``."""
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *args) -> None:
        self.statements += 1
        self._started.append(time.perf_counter())

    def _after(self, *args) -> None:
        self.seconds += time.perf_counter() - self._started.pop()

    def reset(self) -> None:
        """Start counting again."""
        self.statements, self.seconds = 0, 0.0


def seed(series_count: int) -> int:
    """Coaches, their rooms and settings, members, and ``series_count`` weekly series."""
    now = datetime.now(UTC)
    per_coach = -(-series_count // COACHES)
    if per_coach > 7 * (24 - FIRST_HOUR):
        raise SystemExit(
            f"{series_count} series do not fit on {COACHES} coaches without collisions"
        )
    session = db.session
    session.execute(insert(Room), [{"name": f"Room {c}"} for c in range(COACHES)])
    room_ids = list(session.scalars(text("SELECT id FROM rooms ORDER BY id")))
    users = [
        {"email": f"coach{c}@bench.test", "name": f"Coach {c}", "role": "coach"}
        for c in range(COACHES)
    ]
    members = max(series_count // 10, 1)
    users += [
        {"email": f"member{m}@bench.test", "name": f"Member {m}", "role": "member"}
        for m in range(members)
    ]
    for u in users:
        u.update(password_hash="x", active=True, created_at=now)
    session.execute(insert(User), users)
    coach_ids = list(session.scalars(text("SELECT id FROM users WHERE role='coach' ORDER BY id")))
    member_ids = list(session.scalars(text("SELECT id FROM users WHERE role='member' ORDER BY id")))
    session.execute(
        insert(CoachSettings),
        [
            {
                "coach_id": coach_id,
                "timezone": "Europe/Berlin",
                "default_duration": 60,
                "default_room_id": room_id,
                "cancellation_window_hours": 24,
            }
            for coach_id, room_id in zip(coach_ids, room_ids, strict=True)
        ],
    )
    rows = []
    for i in range(series_count):
        coach, k = divmod(i, per_coach)
        hour = FIRST_HOUR + k // 7
        rows.append(
            {
                "member_id": member_ids[i % members],
                "coach_id": coach_ids[coach],
                "day_of_week": k % 7,
                "start_time": f"{hour:02d}:00",
                "end_time": f"{hour:02d}:50",
                "start_date": TODAY - timedelta(days=30),
                "end_date": None,
                "frequency": 1,
                "status": "ACTIVE",
                "created_at": now,
            }
        )
    session.execute(insert(RecurringBooking), rows)
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()
    return len(rows)


def materialize():
    """One nightly materialization, as the job runs it."""
    from coachapp.services import sessions

    return sessions.materialize(TODAY, weeks=WEEKS)


def timed(meter: SqlMeter, run) -> tuple[float, object]:
    """Wall time of ``run()``, with the meter counting from zero."""
    meter.reset()
    began = time.perf_counter()
    result = run()
    return time.perf_counter() - began, result


def snapshot_rows() -> list[tuple]:
    """The sessions the materialization made, as COPY rows."""
    columns = ", ".join(COPY_COLUMNS)
    rows = db.session.execute(text(f"SELECT {columns} FROM training_sessions ORDER BY id")).all()
    db.session.commit()
    return [tuple(r) for r in rows]


def empty_sessions() -> None:
    """TRUNCATE the sessions (a fresh, empty table with every constraint in place)."""
    db.session.execute(text("TRUNCATE training_sessions RESTART IDENTITY CASCADE"))
    db.session.commit()


def bulk_copy(rows: list[tuple]) -> int:
    """Write ``rows`` with one COPY in one transaction: the fastest way PostgreSQL takes them."""
    connection = db.session.connection()
    raw = connection.connection.driver_connection
    columns = ", ".join(COPY_COLUMNS)
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY training_sessions ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    db.session.commit()
    return len(rows)


def _profile(run, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def profile_runs(top: int = 25) -> str:
    """cProfile of a full materialization into an empty table, then of a run with nothing to do:
    the top functions by own time and by cumulative time."""
    empty_sessions()
    first = _profile(materialize, top)
    second = _profile(materialize, top)
    return (
        f"#### full run\n\n```\n{first}\n```\n\n#### run with nothing to do\n\n```\n{second}\n```"
    )


@dataclass
class Round:
    """One round's measurements: (seconds, statements, seconds executing) per run."""

    first: tuple[float, int, float]
    second: tuple[float, int, float]
    copy: tuple[float, int, float]
    created: int
    second_created: int


def measure_round(meter: SqlMeter) -> tuple[Round, int, object]:
    """Empty the sessions, materialize twice, then COPY the rows made into the emptied table.

    The rows are read back for the COPY only after both runs, and let go at the end of the
    round, so no run is measured with them on the heap (the garbage collector would walk them).
    """
    empty_sessions()
    first_s, first = timed(meter, materialize)
    first_sql = (meter.statements, meter.seconds)
    second_s, second = timed(meter, materialize)
    second_sql = (meter.statements, meter.seconds)
    rows = snapshot_rows()
    empty_sessions()
    copy_s, copied = timed(meter, lambda: bulk_copy(rows))
    measured = Round(
        (first_s, *first_sql),
        (second_s, *second_sql),
        (copy_s, meter.statements + 1, copy_s),  # the COPY runs on the raw driver cursor
        first.created,
        second.created,
    )
    return measured, copied, first


def machine() -> str:
    """CPUs, CPU model and PostgreSQL version, for the record."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    version = db.session.scalar(text("SHOW server_version"))
    db.session.commit()
    return f"{cpus} CPUs (nproc), {model}, PostgreSQL {version}"


def table(rounds: list[Round], series: int, made: int, result: object, host: str) -> str:
    """The Markdown section: medians over the rounds, and each round's ratios."""
    med = statistics.median

    def column(run: str, i: int) -> float:
        return med(getattr(r, run)[i] for r in rounds)

    ratio = med(r.first[0] / r.copy[0] for r in rounds)
    share = med(r.second[0] / r.first[0] for r in rounds)
    first, second, copy = ((column(run, 0), column(run, 2)) for run in ("first", "second", "copy"))
    statements = {run: sorted({getattr(r, run)[1] for r in rounds}) for run in ("first", "second")}

    def counted(run: str) -> str:
        return " / ".join(str(n) for n in statements[run])

    ratios = ", ".join(f"{r.first[0] / r.copy[0]:.2f}" for r in rounds)
    shares = ", ".join(f"{r.second[0] / r.first[0]:.0%}" for r in rounds)
    lines = [
        "## Nightly materialization",
        "",
        f"Measured {date.today().isoformat()} with `bench/bench_materialize.py` on {host}.",
        f"{series:,} active weekly recurring bookings over {COACHES} coaches (Europe/Berlin), "
        f"{WEEKS} weeks from {TODAY} (includes the spring-forward night); sessions made: "
        f"{made:,} ({result}). Medians of {len(rounds)} rounds, each on an emptied "
        "`training_sessions` table; the ratios are each round's own, then their median.",
        "",
        "| run | sessions written | time (s) | SQL statements | executing (s) | target |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        f"| materialize, first run | {rounds[0].created:,} | {first[0]:.2f} | {counted('first')} "
        f"| {first[1]:.2f} | ≤ 2 × COPY: {ratio:.2f} × {'✅' if ratio <= 2 else '❌'} |",
        f"| materialize, second run (nothing to do) | {rounds[0].second_created:,} "
        f"| {second[0]:.2f} | {counted('second')} | {second[1]:.2f} "
        f"| ≤ 10 % of first: {share:.1%} {'✅' if share <= 0.10 else '❌'} |",
        f"| raw COPY of the same rows | {made:,} | {copy[0]:.2f} | {rounds[0].copy[1]} "
        f"| {copy[1]:.2f} | baseline |",
        "",
        f"Per round: first run / COPY {ratios}; second run / first run {shares}.",
        "",
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace the file's "## Nightly materialization" section (up to the next ``## ``) with
    ``section``, or append it; the file is created with a title if missing."""
    heading = section.splitlines()[0]
    text_ = path.read_text() if path.exists() else "# Performance\n"
    lines = text_.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == heading), None)
    if start is None:
        body = text_.rstrip("\n") + "\n\n" + section
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        after = "".join(lines[end:])
        body = "".join(lines[:start]) + section + ("\n" + after if after else "")
    path.write_text(body.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> int:
    """Seed, measure, print the table (and write it to docs/performance.md), drop the database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000, help="recurring bookings to seed")
    parser.add_argument("--rounds", type=int, default=3, help="rounds to take the median of")
    parser.add_argument("--profile", action="store_true", help="also profile a full run")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/performance.md")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    wanted = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    url = benchlib.recreate_database(make_url(wanted).database, wanted)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "REDIS_URL": None, "TESTING": True}
    )
    try:
        with app.app_context():
            db.create_all()
            meter = SqlMeter()
            meter.attach(db.engine)
            series = seed(args.series)
            host = machine()
            rounds: list[Round] = []
            for _ in range(args.rounds):
                measured, made, result = measure_round(meter)
                rounds.append(measured)
            profile = profile_runs() if args.profile else ""
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if not args.keep:
            benchlib.drop_database(make_url(url).database, url)

    section = table(rounds, series, made, result, host)
    print(section)
    if not args.no_docs:
        write_section(DOCS, section)
        print(f"(written to {DOCS.relative_to(ROOT)})")
    if profile:
        print("\n### Profiles (cProfile)\n")
        print(profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())

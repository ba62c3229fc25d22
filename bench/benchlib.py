"""What the benchmarks share: a throwaway PostgreSQL database, a SQL statement counter, medians,
and a line about the machine they ran on.

Each benchmark names its own database (``coachapp_bench_slots`` …), so two of them, or the perf
helper's ``bench_materialize.py``, never drop each other's.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coachapp.config import normalize_database_url  # noqa: E402

SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/postgres")
"""A PostgreSQL server the benchmarks may create and drop databases on."""


def database_url(name: str, server_url: str = SERVER_URL) -> str:
    """The SQLAlchemy URL of database ``name`` on the bench server (or on ``server_url``'s)."""
    url = make_url(normalize_database_url(server_url)).set(database=name)
    return url.render_as_string(hide_password=False)


def _admin(server_url: str):
    return create_engine(database_url("postgres", server_url), isolation_level="AUTOCOMMIT")


def _drop(conn, name: str) -> None:
    """Drop database ``name``, ending whatever still holds it."""
    conn.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :n AND pid <> pg_backend_pid()"
        ),
        {"n": name},
    )
    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


def recreate_database(name: str, server_url: str = SERVER_URL) -> str:
    """Drop (if there) and create database ``name``; returns its URL."""
    admin = _admin(server_url)
    with admin.connect() as conn:
        _drop(conn, name)
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return database_url(name, server_url)


def drop_database(name: str, server_url: str = SERVER_URL) -> None:
    """Drop database ``name`` (ending whatever still holds it)."""
    admin = _admin(server_url)
    with admin.connect() as conn:
        _drop(conn, name)
    admin.dispose()


@dataclass
class StatementCounter:
    """Counts the SQL statements an engine executes (``before_cursor_execute``)."""

    count: int = 0

    def attach(self, engine) -> StatementCounter:
        """Listen on ``engine``; returns self."""
        event.listen(engine, "before_cursor_execute", self._seen)
        return self

    def detach(self, engine) -> None:
        """Stop listening."""
        event.remove(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args) -> None:
        self.count += 1

    @contextmanager
    def counting(self):
        """``with counter.counting() as got: …`` then ``got()`` is the statements inside."""
        before = self.count
        yield lambda: self.count - before


def timed_ms(run: Callable[[], object]) -> float:
    """Wall time of one ``run()`` in milliseconds."""
    began = time.perf_counter()
    run()
    return (time.perf_counter() - began) * 1000


def median(values) -> float:
    """The median of ``values``."""
    return statistics.median(values)


def machine(engine=None) -> str:
    """CPUs, CPU model and (given an engine) the PostgreSQL version, for the record."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    text_ = f"{cpus} CPUs, {model}"
    if engine is not None:
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar_one().split()[0]
        text_ += f", PostgreSQL {version}"
    return text_


def verdict(ok: bool) -> str:
    """✅ or ❌."""
    return "✅" if ok else "❌"


def report(result: dict, heading: str, rows: list[tuple[str, ...]], as_json: bool,
           numeric: bool = False) -> None:
    """Print a benchmark's result: JSON (for run_all.py), or ``heading``, the Markdown table of
    ``rows`` (value and target columns right-aligned when ``numeric``) and any profile."""
    if as_json:
        print(json.dumps(result))
        return
    align = "---:" if numeric else "---"
    print(heading + "\n")
    print("| measure | value | target | |")
    print(f"| --- | {align} | {align} | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if result.get("profile"):
        print("\n" + result["profile"])


def session_rows(coach_id: int, member_id: int, starts, status: str = "scheduled") -> list[dict]:
    """``training_sessions`` rows of one-hour one-to-one sessions starting at ``starts``, for a
    bulk insert that skips the services (the benches build their history this way)."""
    from datetime import UTC, datetime, timedelta

    created = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        {
            "coach_id": coach_id,
            "member_id": member_id,
            "room_id": None,
            "start_time": start,
            "end_time": start + timedelta(hours=1),
            "type": "ONE_TO_ONE",
            "status": status,
            "title": "Training session",
            "capacity": 1,
            "created_at": created,
        }
        for start in starts
    ]


def busy_week_coach(admin, email: str, name: str, first_day, now, password: str):
    """A Berlin coach working every day 06–10, 11–15 and 16–22, away on ``first_day`` + 10 days
    (a dentist's day): the benches' typical coach. Returns the user."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from coachapp.services import accounts, availability
    from coachapp.services.availability import WindowInput

    berlin = ZoneInfo("Europe/Berlin")
    coach = accounts.create_user(email, name, "coach", password, "Europe/Berlin")
    for day in range(7):
        availability.replace_weekly_day(
            admin, coach.id, day,
            [WindowInput("06:00", "10:00"), WindowInput("11:00", "15:00"),
             WindowInput("16:00", "22:00")],
            now=now,
        )
    availability.create_blocked_slot(
        admin, coach.id,
        datetime.combine(first_day + timedelta(days=10), time(0), berlin),
        datetime.combine(first_day + timedelta(days=11), time(0), berlin),
        "Dentist", now=now,
    )
    return coach

"""``make bench``: every benchmark in one run, one Markdown table, written to docs/performance.md.

Runs, one after the other on this machine's PostgreSQL (each in a database of its own, dropped at
the end):

1. ``bench_slots.py``: slot search over six weeks with 0 and with 10,000 past sessions;
2. ``bench_materialize.py --no-docs`` (the perf helper's; its own section of docs/performance.md,
   "Nightly materialization", is left to it): the nightly run for 10,000 recurring bookings
   against a raw COPY of the same rows, and the rerun with nothing to do;
3. ``bench_web.py``: gunicorn (2 workers) under wrk, and the SQL statements of each page at two
   data sizes;
4. ``bench_conflicts.py``: a coach's conflict check and conflicts page with one session 2 years
   out (and in 2999, 8999), against none;
5. ``bench_rush.py``: booking opens, 500 members book one 20-place group class through the API
   within 5 s (gunicorn, 2 workers): 20 confirmed, the rest waitlisted in accept order, p50/p99.

It prints the table and replaces the section "## Benchmarks (make bench)" of docs/performance.md
(``--no-docs`` leaves the file alone). BENCH_WRK_SECONDS (default 30) shortens the wrk runs for a
quick look; BENCH_SQL_ONLY=1 leaves them out (no gunicorn, no wrk: the pages' SQL statements
only). A benchmark that fails shows as a failed row; the others still run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOCS = ROOT / "docs" / "performance.md"
HEADING = "## Benchmarks (make bench)"
PYTHON = sys.executable


def _run(args: list[str], timeout: int) -> str:
    done = subprocess.run(
        [PYTHON, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError((done.stderr or done.stdout).strip().splitlines()[-1])
    return done.stdout


def slots_rows() -> tuple[list[tuple], str]:
    """Rows of bench_slots.py, and its machine line."""
    sys.path.insert(0, str(HERE))
    import bench_slots

    result = json.loads(_run([str(HERE / "bench_slots.py"), "--json"], 900).splitlines()[-1])
    return bench_slots.rows(result), result["host"]


def materialize_rows() -> list[tuple]:
    """Rows of bench_materialize.py's own table (time, statements, its target and verdict)."""
    out = _run([str(HERE / "bench_materialize.py"), "--no-docs"], 1800)
    rows = []
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or not cells[0].startswith(("materialize", "raw COPY")):
            continue
        run, written, seconds, statements, _executing, target = cells
        mark = "✅" if "✅" in target else ("❌" if "❌" in target else "")
        rows.append(
            (
                f"nightly materialization, 10,000 recurring bookings: {run}",
                f"{seconds} s · {written} sessions · {statements} SQL",
                target.replace("✅", "").replace("❌", "").strip(),
                mark,
            )
        )
    if not rows:
        raise RuntimeError("bench_materialize.py printed no table rows")
    return rows


def web_rows() -> list[tuple]:
    """Rows of bench_web.py (wrk and SQL statements per page)."""
    sys.path.insert(0, str(HERE))
    import bench_web

    result = json.loads(_run([str(HERE / "bench_web.py"), "--json"], 1800).splitlines()[-1])
    return bench_web.rows(result)


def conflicts_rows() -> list[tuple]:
    """Rows of bench_conflicts.py (conflict check and page, a session far ahead vs none)."""
    sys.path.insert(0, str(HERE))
    import bench_conflicts

    result = json.loads(_run([str(HERE / "bench_conflicts.py"), "--json"], 900).splitlines()[-1])
    return bench_conflicts.rows(result)


def rush_rows() -> list[tuple]:
    """Rows of bench_rush.py (500 members rush one 20-place class)."""
    sys.path.insert(0, str(HERE))
    import bench_rush

    result = json.loads(_run([str(HERE / "bench_rush.py"), "--json"], 900).splitlines()[-1])
    return bench_rush.rows(result)


def write_section(section: str) -> None:
    """Replace this file's ``HEADING`` section (up to the next ``## ``), or append it."""
    text = DOCS.read_text() if DOCS.exists() else "# Performance\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == HEADING), None)
    if start is None:
        body = text.rstrip("\n") + "\n\n" + section
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        after = "".join(lines[end:])
        body = "".join(lines[:start]) + section + ("\n" + after if after else "")
    DOCS.write_text(body.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run them all, print the table, write the docs section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/performance.md")
    args = parser.parse_args(argv)
    began = time.monotonic()
    rows: list[tuple] = []
    host = "this machine"
    for name, run in (
        ("slot search", slots_rows),
        ("materialization", materialize_rows),
        ("web", web_rows),
        ("conflicts far ahead", conflicts_rows),
        ("booking rush", rush_rows),
    ):
        print(f"… {name}", file=sys.stderr, flush=True)
        try:
            got = run()
            if name == "slot search":
                got, host = got
            rows += got
        except Exception as exc:  # one failed benchmark must not hide the others' figures
            rows.append((f"{name} benchmark", f"failed: {exc}", "", "❌"))
    seconds = os.environ.get("BENCH_WRK_SECONDS", "30")
    wrk = (
        "wrk not run (BENCH_SQL_ONLY=1)"
        if os.environ.get("BENCH_SQL_ONLY") == "1"
        else f"wrk {seconds} s per route"
    )
    lines = [
        HEADING,
        "",
        f"Measured {date.today().isoformat()} by `make bench` (`bench/run_all.py`) on {host}, "
        f"all rows in one run ({time.monotonic() - began:.0f} s); {wrk}. "
        "The machine is shared with other work, so figures move by some 10–30 % between runs; "
        "the ratios are measured side by side to cancel that out.",
        "",
        "| measure | value | target | |",
        "| --- | --- | --- | --- |",
        *("| " + " | ".join(str(c) for c in row) + " |" for row in rows),
        "",
    ]
    section = "\n".join(lines)
    print(section)
    if not args.no_docs:
        write_section(section)
        print(f"(written to {DOCS.relative_to(ROOT)})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run the SQLite suite (and the browser scenarios) with the clock set to other dates.

``make test-dates`` runs every date below; ``make test-dates DATES="berlin-spring-dst sunday-late"``
a few of them. Each run puts libfaketime in front of pytest with ``LD_PRELOAD`` and an offset from
the real clock (``FAKETIME="+N"``), so time still moves, and every process started from it (xdist
workers, the flask CLI, gunicorn and its workers, Chromium) reads the same shifted wall clock;
``FAKETIME="@date"`` would restart the clock at that date in each new process instead. The
monotonic clocks are left alone (``FAKETIME_DONT_FAKE_MONOTONIC=1``): shifted, a thread waiting
with a timeout waits for months. The library is the one the ``libfaketime`` test dependency ships
(``pip``): Debian's 0.9.10 (``apt-get install faketime``) makes Python's ``time.sleep`` fail with
EINVAL once monotonic time is left alone. PostgreSQL's ``now()`` and Redis's clock are not
shifted, which is why this runs the SQLite suite without the Redis tests: the app takes every
instant from Python (``models.utcnow``), none from SQL.

Usage: python tests/run_at_dates.py [--no-e2e | --no-suite] [--list] [NAME ...] [-- PYTEST_ARGS]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
SUITE = ["-n", "2", "-m", "not postgres and not redis and not e2e and not fuzz"]
E2E = ["-n", "2", "--dist", "loadfile", "-m", "e2e", "tests/e2e"]
"""Two browser workers, each with its own server and gym; a file's scenarios stay together."""
LIBRARY = Path("vendor", "libfaketime", "src", "libfaketime.so.1")
"""Where in the ``libfaketime`` package its build of the library is."""

DATES: dict[str, tuple[str, str, str]] = {
    "berlin-spring-dst": ("2027-03-26 10:00", "Europe/Berlin",
                          "Fri; Berlin springs forward on Sunday 28 March"),
    "berlin-autumn-dst": ("2027-10-31 02:30", "Europe/Berlin",
                          "Sun; the first of the two 02:30s as Berlin falls back"),
    "us-spring-dst": ("2027-03-14 01:30", "America/New_York",
                      "Sun; half an hour before New York springs forward"),
    "january-end": ("2027-01-31 23:30", "Europe/Berlin", "Sun; the last half hour of January"),
    "sunday-late": ("2027-02-28 23:50", "Europe/Berlin",
                    "Sun 23:50, the end of February (a short month)"),
    "monday-midnight": ("2027-03-01 00:10", "Europe/Berlin",
                        "Mon in Berlin, still Sunday 28 February in UTC"),
    "monday-morning": ("2027-03-29 09:30", "Europe/Berlin",
                       "Mon after the spring change, inside the e2e coach's hours"),
    "year-end": ("2027-12-31 23:30", "Europe/Berlin", "Fri; the next week is in another year"),
    "two-years-on": ("2029-07-02 12:00", "Europe/Berlin",
                     "Mon; the tests' pinned 2027 is long past"),
}
"""name: (local wall-clock time, zone, why this date)."""


def library() -> str:
    """The libfaketime to preload (FAKETIME_LIB, or the ``libfaketime`` package's), or exit
    saying how to get it. The package is found, not imported (importing it needs pytz)."""
    if os.environ.get("FAKETIME_LIB"):
        return os.environ["FAKETIME_LIB"]
    spec = importlib.util.find_spec("libfaketime")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("libfaketime is missing: make setup (it is a test dependency), or FAKETIME_LIB")
    path = Path(spec.submodule_search_locations[0]) / LIBRARY
    if not path.exists():
        sys.exit(f"{path} is missing: reinstall libfaketime, or set FAKETIME_LIB")
    return str(path)


def shifted_env(when: datetime, lib: str) -> dict[str, str]:
    """The environment of a process whose clock reads ``when`` now and moves on from there."""
    offset = round(when.timestamp() - time.time())
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "REDIS_URL")}
    env.update(LD_PRELOAD=lib, FAKETIME=f"{offset:+d}", FAKETIME_DONT_FAKE_MONOTONIC="1")
    return env


def check_clock(env: dict[str, str], when: datetime) -> None:
    """Fail unless a Python started with ``env`` reads ``when`` (give or take a minute), so a
    missing or ignored preload never passes for a run at another date."""
    seen = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout
    drift = float(seen) - when.timestamp()
    if abs(drift) > 60:
        sys.exit(f"the shifted clock reads {seen.strip()}, {drift:.0f} s away from {when}: "
                 "is libfaketime being preloaded?")


def run(name: str, parts: list[str], extra: list[str], lib: str) -> list[tuple[str, int, float]]:
    """Run the suite (and the e2e) at date ``name``; [(what, exit code, seconds)]."""
    local, zone, why = DATES[name]
    when = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone))
    env = shifted_env(when, lib)
    check_clock(env, when)
    print(f"\n== {name}: {when:%a %Y-%m-%d %H:%M %Z} ({zone}; {why})", flush=True)
    results = []
    for what, args in (("suite", SUITE), ("e2e", E2E)):
        if what not in parts:
            continue
        started = time.monotonic()
        code = subprocess.run([*PYTEST, *args, *extra], cwd=ROOT, env=env).returncode
        results.append((what, code, time.monotonic() - started))
    return results


def main() -> int:
    """Run the chosen dates one after another and print one line per date and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="dates to run (default: all)")
    parser.add_argument("--no-e2e", action="store_true", help="the suite only, no browser")
    parser.add_argument("--no-suite", action="store_true", help="the browser scenarios only")
    parser.add_argument("--list", action="store_true", help="list the dates and exit")
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    options = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    if options.list:
        for name, (local, zone, why) in DATES.items():
            print(f"{name:18} {local} {zone:17} {why}")
        return 0
    unknown = [name for name in options.names if name not in DATES]
    if unknown:
        parser.error(f"unknown date {', '.join(unknown)}; known: {', '.join(DATES)}")
    lib = library()
    table = []
    for name in options.names or list(DATES):
        parts = [what for what, skip in (("suite", options.no_suite), ("e2e", options.no_e2e))
                 if not skip]
        for what, code, seconds in run(name, parts, extra, lib):
            table.append((name, what, code, seconds))
    print("\n== at other dates")
    for name, what, code, seconds in table:
        verdict = "passed" if code == 0 else f"FAILED (exit {code})"
        print(f"{name:18} {what:6} {verdict:16} {seconds:6.0f} s")
    return 1 if any(code for _, _, code, _ in table) else 0


if __name__ == "__main__":
    sys.exit(main())

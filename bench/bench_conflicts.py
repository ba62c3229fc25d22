"""A coach's conflict check and conflicts page with one session far ahead, against none.

Run as ``.venv/bin/python bench/bench_conflicts.py [--rounds R] [--far 730,2999,8999] [--json]``.
It creates the PostgreSQL database ``coachapp_bench_conflicts`` (on BENCH_POSTGRES_URL's server)
and one coach per case in Europe/Berlin, each with the same week (06–10, 11–15, 16–22 every day),
the same 84 sessions in the coming six weeks, two of them outside the week (conflicts) and the
same blocked day. Coach "none" has nothing more; each other coach has one more session, at 03:00
(a conflict) on a day ``--far`` away: ``730`` means 730 days from now (the latest start the
booking rule allows), a year such as ``2999`` means 6 March of that year. Those sessions are
inserted directly, as data from before the rule would be. Then it times, round by round and
alternating the coaches so that the machine's load weighs on all alike, the conflict check the
navigation badge makes (``coach_calendar.conflict_count``) and the whole conflicts page
(``GET /coach/conflicts`` as the admin, rendered). The target: a session two years out costs at
most 20 % more than none (ratio ≤ 1.2), however far it lies.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (  # noqa: E402
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

DB_NAME = "coachapp_bench_conflicts"
DAYS = 42
BERLIN = ZoneInfo("Europe/Berlin")
TARGET_RATIO = 1.2
PASSWORD = "bench-pass-1"


def far_day(far: str, today: date) -> date:
    """The local date of case ``far``: a number of days from today (up to 999), else a year."""
    number = int(far)
    return today + timedelta(days=number) if number < 1000 else date(number, 3, 6)


def seed(cases: list[str], now: datetime) -> tuple[dict[str, int], object]:
    """One coach per case (``none`` first) with the same week and sessions; returns their ids by
    case and the admin."""
    from coachapp.extensions import db
    from coachapp.models import TrainingSession
    from coachapp.services import accounts

    admin = accounts.create_user("admin@bench.example.com", "Admin", "admin", PASSWORD, None)
    member = accounts.create_user("member@bench.example.com", "Member", "member", PASSWORD, None)
    today = now.astimezone(BERLIN).date() + timedelta(days=1)
    ids = {}
    for case in cases:
        coach = busy_week_coach(
            admin, f"coach-{case}@bench.example.com", f"Coach {case}", today, now, PASSWORD
        )
        starts = [
            datetime.combine(today + timedelta(days=d), time(hour), BERLIN)
            for d in range(DAYS)
            for hour in (7, 17)
        ]
        starts[3] = datetime.combine(starts[3].date(), time(10, 0), BERLIN)  # 10:00: a conflict
        starts[40] = datetime.combine(starts[40].date(), time(23, 0), BERLIN)  # 23:00: one more
        if case != "none":
            starts.append(datetime.combine(far_day(case, today), time(3), BERLIN))
        db.session.execute(insert(TrainingSession), session_rows(coach.id, member.id, starts))
        ids[case] = coach.id
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    return ids, admin


def measure(rounds: int, far: list[str]) -> dict:
    """Seed, then time the conflict check and the conflicts page of every coach ``rounds`` times."""
    from coachapp import create_app
    from coachapp.extensions import db
    from coachapp.services import coach_calendar

    cases = ["none", *far]
    url = recreate_database(DB_NAME)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "REDIS_URL": None, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "WTF_CSRF_ENABLED": False, "CACHE_SIZE": 0})
    try:
        with app.app_context():
            db.create_all()
            now = datetime.now(UTC)
            ids, admin = seed(cases, now)
            admin_id = admin.id
            host = machine(db.engine)
            client = app.test_client()
            login = client.post("/login", data={"email": "admin@bench.example.com",
                                                "password": PASSWORD})
            assert login.status_code == 302, login.status_code

            def check(case: str) -> int:
                actor = db.session.get(type(admin), admin_id)
                return coach_calendar.conflict_count(actor, ids[case], now=now)

            def page(case: str) -> int:
                response = client.get(f"/coach/conflicts?coach={ids[case]}")
                assert response.status_code == 200, response.status_code
                return response.status_code

            found = {case: check(case) for case in cases}
            check_ms: dict[str, list[float]] = {c: [] for c in cases}
            page_ms: dict[str, list[float]] = {c: [] for c in cases}
            for i in range(rounds):
                order = cases if i % 2 == 0 else list(reversed(cases))
                for case in order:
                    db.session.remove()
                    check_ms[case].append(timed_ms(lambda c=case: check(c)))
                    db.session.remove()
                    page_ms[case].append(timed_ms(lambda c=case: page(c)))
            db.session.remove()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(DB_NAME)
    return {
        "host": host,
        "rounds": rounds,
        "cases": cases,
        "conflicts": found,
        "check_ms": {c: median(v) for c, v in check_ms.items()},
        "page_ms": {c: median(v) for c, v in page_ms.items()},
    }


def label(case: str) -> str:
    """How a case reads in the table."""
    if case == "none":
        return "no session far ahead"
    if int(case) < 1000:
        return f"one session {case} days ahead"
    return f"one session in {case}"


def rows(result: dict) -> list[tuple[str, str, str, str]]:
    """Table rows ``(measure, value, target, verdict)``: each case's check and page, the far ones
    with their ratio to ``none``."""
    out = []
    for what, key in (("conflict check (badge)", "check_ms"), ("conflicts page", "page_ms")):
        base = result[key]["none"]
        for case in result["cases"]:
            ms = result[key][case]
            name = f"{what}, 84 sessions in 6 weeks, {label(case)} ({result['conflicts'][case]} conflicts)"
            if case == "none":
                out.append((name, f"{ms:.2f} ms", "", ""))
                continue
            ratio = ms / base
            out.append((name, f"{ms:.2f} ms (× {ratio:.2f})", f"≤ × {TARGET_RATIO:g}",
                        verdict(ratio <= TARGET_RATIO)))
    return out


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, measure, print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--far", default="730,2999,8999",
                        help="comma-separated cases: days ahead (< 1000) or years")
    parser.add_argument("--json", action="store_true", help="one JSON line (for run_all.py)")
    args = parser.parse_args(argv)
    result = measure(args.rounds, [c.strip() for c in args.far.split(",") if c.strip()])
    heading = (f"Conflict check and conflicts page with one session far ahead "
               f"({result['rounds']} rounds, medians; {result['host']})")
    report(result, heading, rows(result), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

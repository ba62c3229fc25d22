"""The member pages stay fast: no query per coach on /book, and every page of the demo gym
renders well under 50 ms of server time."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager

from member_helpers import HX, small_gym
from sqlalchemy import event, select

from coachapp.extensions import db

BUDGET_MS = 50


@contextmanager
def counting_queries():
    """Count the SQL statements sent inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_book_page_queries_do_not_grow_with_the_number_of_coaches(
    app, make_user, clock, client, login
):
    from coachapp.services import availability
    from coachapp.services.availability import WindowInput

    gym = small_gym(make_user)
    login(gym.ava)
    client.get("/book")
    with counting_queries() as one_coach:
        assert client.get("/book").status_code == 200
    for n in range(3):
        coach = make_user("coach", name=f"Coach {n}", timezone="America/New_York")
        availability.replace_weekly_day(gym.admin, coach.id, 2, [WindowInput("08:00", "10:00")])
    client.get("/book")  # reloads the user the new accounts' commits expired
    with counting_queries() as four_coaches:
        html = client.get("/book").get_data(as_text=True)
    assert html.count('class="coach-card"') == 4
    assert len(four_coaches) == len(one_coach), four_coaches


def _best_ms(client, url, headers=None, tries=7) -> float:
    """The fastest of ``tries`` renders: with the suite on every core (xdist), a render can lose
    the CPU to the other worker; the best of several is what the page itself costs."""
    best = float("inf")
    for _ in range(tries):
        started = time.perf_counter()
        response = client.get(url, headers=headers or {})
        best = min(best, (time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return best


def test_demo_gym_pages_render_within_budget(app, client):
    """With the demo gym (dates relative to today), each member page's best of three requests
    stays under the budget."""
    from coachapp import demo
    from coachapp.models import TrainingSession, User

    demo.seed("demo-password-1")
    ava = db.session.scalar(select(User).where(User.email == "ava@gym.example.com"))
    lena = db.session.scalar(select(User).where(User.email == "lena@gym.example.com"))
    session_id = db.session.scalar(
        select(TrainingSession.id).where(TrainingSession.member_id == ava.id).limit(1)
    )
    client.post("/login", data={"email": ava.email, "password": "demo-password-1"})
    coach_page = client.get(f"/book/{lena.id}").get_data(as_text=True)
    slot = re.search(r'href="(/book/\d+/slot\?[^"]+)"', coach_page).group(1).replace("&amp;", "&")
    pages = [
        ("/book", None),
        (f"/book/{lena.id}", None),
        (f"/book/{lena.id}?days=14", HX),
        (slot, HX),
        (slot.replace("/slot?", "/preview?") + "&frequency=1", HX),
        ("/me/sessions", None),
        (f"/me/sessions/{session_id}", None),
        (f"/me/sessions/{session_id}/cancel", HX),
        (f"/me/sessions/{session_id}.ics", None),
    ]
    timings = {url: _best_ms(client, url, headers) for url, headers in pages}
    slow = {url: round(ms, 1) for url, ms in timings.items() if ms >= BUDGET_MS}
    assert not slow, slow

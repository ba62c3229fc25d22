"""What the coach's week grid shows (issue 18 item 2), as the coach sees it in the HTML: today's
column shaded with the current-time line, cancelled and late-cancelled sessions struck through
(and a toggle that hides them, kept in the URL), conflicts outlined, past days drawn from their
sessions only (a template edit does not rewrite them) and group classes with their fill level.
The clock is pinned (``coach_fixtures``' frozen_now, Berlin)."""

from __future__ import annotations

import re

from coach_helpers import HX, at, block, book, is_fragment

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now


def _grid(body: str) -> str:
    found = re.search(r'<div class="week-grid">.*?</div>\s*</div>\s*(?:<p|</section>)', body, re.S)
    assert found, "no week grid"
    return found[0]


def _card(body: str, session_id: int) -> str:
    """The whole card (<a>…</a>) of a session on the grid."""
    found = re.search(
        rf'<a class="event [^"]*"\s+href="/coach/sessions/{session_id}".*?</a>', body, re.S
    )
    assert found, f"no card for session {session_id}"
    return found[0]


def _row_of_hour(body: str, label: str) -> int:
    found = re.search(rf'class="hour gc-1 gr-(\d+) gs-4">{label}</div>', body)
    assert found, f"no {label} row"
    return int(found[1])


def test_today_is_shaded_with_the_current_time_line(client, login, coach_gym):
    coach_gym.clock.set(at("2027-03-17", "10:37"))  # Wednesday, column 4
    login(coach_gym.coach)
    body = client.get("/coach/week").get_data(as_text=True)
    nine = _row_of_hour(body, "09:00")
    # Lena's hours are 09:00–12:00: twelve quarter-hour rows, today's column shaded over all.
    assert f'<div class="today-col gc-4 gr-{nine} gs-12"></div>' in body
    head = re.search(
        r'<div class="day-head gc-4 gr-1 today" aria-current="date">.*?</div>', body, re.S
    )
    assert head and "Today" in head[0] and "17 Mar" in head[0]
    assert body.count('aria-current="date"') == 1
    # 10:37 is 7 minutes into the 10:30 quarter: the 10:30 row, 7 steps down.
    line = re.search(r'<div class="now-line ([^"]*)"[^>]*data-minute="(\d+)"', body)
    assert line and line[1] == f"gc-4 gr-{nine + 6} nm-7" and line[2] == str(10 * 60 + 37)
    assert '<span class="now-label">10:37</span>' in body
    assert re.search(r'<script src="/static/js/coach\.[0-9a-f]+\.js">', body)
    assert re.search(r'<link rel="stylesheet" href="/static/css/week\.[0-9a-f]+\.css">', body)

    # The line moves with the clock (the section is made again for a new minute).
    coach_gym.clock.set(at("2027-03-17", "11:02"))
    body = client.get("/coach/week", headers=HX).get_data(as_text=True)
    line = re.search(r'<div class="now-line ([^"]*)"', body)
    assert line and line[1] == f"gc-4 gr-{nine + 8} nm-2"

    # Outside the hours drawn: the column stays shaded, no line; another week: neither.
    coach_gym.clock.set(at("2027-03-17", "13:00"))
    body = client.get("/coach/week", headers=HX).get_data(as_text=True)
    assert "today-col gc-4" in body and "now-line" not in body
    other = client.get("/coach/week?start=2027-03-24", headers=HX).get_data(as_text=True)
    assert (
        "today-col" not in other and "now-line" not in other and 'aria-current="date"' not in other
    )


def test_cancelled_and_late_cancelled_sessions_are_struck_through(client, login, coach_gym):
    from coachapp.services import sessions

    # Now: Monday 15 March 13:00. Lena's cancellation window is 24 hours.
    early = book(coach_gym, "2027-03-18", "10:00", "11:00")  # cancelled by the coach
    late = book(coach_gym, "2027-03-16", "10:00", "11:00", member=coach_gym.ben)
    sessions.cancel_session(coach_gym.coach, early.id)
    sessions.cancel_session(coach_gym.ben, late.id)  # 21 hours before: a late cancel
    again = book(coach_gym, "2027-03-18", "10:00", "11:00", member=coach_gym.ben)  # rebooked
    login(coach_gym.coach)
    body = client.get("/coach/week?start=2027-03-15").get_data(as_text=True)

    card = _card(body, early.id)
    assert "event struck" in card and "late-cancel" not in card
    assert '<span class="ev-state">Cancelled</span>' in card
    assert '<s class="ev-who">Ava Schulz</s>' in card
    card = _card(body, late.id)
    assert "event struck" in card and "late-cancel" in card
    assert '<span class="ev-state">Late cancel</span>' in card
    assert '<s class="ev-who">Ben Okafor</s>' in card and "(late cancel)" in card
    # The session booked in the cancelled one's time shares the column with it, half each.
    assert " beside" in _card(body, early.id) and " beside" in _card(body, again.id)
    assert "struck" not in _card(body, again.id)

    # The toggle hides them, keeps the week and is remembered in the URL (and in the links).
    toggle = re.search(
        r'<a class="cancelled-toggle" href="([^"]+)" hx-get="([^"]+)" hx-target="#week"'
        r' hx-swap="outerHTML" hx-push-url="true">Hide cancelled</a>',
        body,
    )
    assert toggle and toggle[1] == toggle[2] == "/coach/week?start=2027-03-15&amp;cancelled=hide"
    hidden = client.get("/coach/week?start=2027-03-15&cancelled=hide", headers=HX)
    assert is_fragment(hidden)
    text = hidden.get_data(as_text=True)
    assert "event struck" not in text and f"/coach/sessions/{again.id}" in text
    assert f"/coach/sessions/{early.id}" not in text and " beside" not in text
    assert 'hx-push-url="true">Show cancelled (2)</a>' in text
    assert 'href="/coach/week?start=2027-03-15"' in text  # show them again
    for week in ("2027-03-08", "2027-03-22"):
        assert f'href="/coach/week?start={week}&amp;cancelled=hide"' in text
    assert (
        'hx-get="/coach/week?start=2027-03-15&amp;cancelled=hide" hx-trigger="week-changed' in text
    )
    assert 'href="/coach/week?cancelled=hide"' in text  # Today
    # A full page with the query hides them too.
    page = client.get("/coach/week?start=2027-03-15&cancelled=hide").get_data(as_text=True)
    assert "event struck" not in page and "Show cancelled (2)" in page


def test_conflicts_are_outlined_and_named(client, login, coach_gym):
    session = book(coach_gym, "2027-03-24")
    fine = book(coach_gym, "2027-03-23")
    block(coach_gym, "2027-03-24", "2027-03-25")
    login(coach_gym.coach)
    body = client.get("/coach/week?start=2027-03-22").get_data(as_text=True)
    card = _card(body, session.id)
    assert " conflict" in card.split('"')[1] and "· conflict" in card
    assert "(conflict: " in card
    assert " conflict" not in _card(body, fine.id).split('"')[1]
    assert '<span class="swatch conflict"></span> Conflict' in body


def test_past_days_draw_sessions_only_and_a_template_edit_leaves_them(client, login, coach_gym):
    from coachapp.services import availability
    from coachapp.services.availability import WindowInput

    coach_gym.clock.set(at("2027-03-01", "08:00"))
    past = book(coach_gym, "2027-03-09", "10:00", "11:00")  # a Tuesday, booked back then
    coach_gym.clock.set(at("2027-03-17", "10:37"))  # Wednesday
    login(coach_gym.coach)

    body = client.get("/coach/week?start=2027-03-08").get_data(as_text=True)
    grid = _grid(body)
    assert "band window" not in grid  # the whole week is past: no weekly template
    assert f"/coach/sessions/{past.id}" in grid and "Ava Schulz" in grid
    # This week: Monday and Tuesday are past, Wednesday (today) onward show the template.
    now_week = _grid(client.get("/coach/week?start=2027-03-15").get_data(as_text=True))
    assert "band window gc-2 " not in now_week and "band window gc-3 " not in now_week
    for column in range(4, 9):
        assert f"band window gc-{column} " in now_week

    # Lena moves her Tuesday hours to the afternoon: last week's Tuesday is drawn as it was.
    availability.replace_weekly_day(
        coach_gym.admin, coach_gym.coach.id, 2, [WindowInput("14:00", "18:00", coach_gym.room.id)]
    )
    after = client.get("/coach/week?start=2027-03-08").get_data(as_text=True)
    assert _grid(after) == grid
    # ... and next Tuesday shows the new hours.
    next_week = client.get("/coach/week?start=2027-03-22").get_data(as_text=True)
    two = re.search(r'class="hour gc-1 gr-(\d+) gs-4">14:00</div>', next_week)
    assert two and f"band window gc-3 gr-{two[1]} gs-16" in next_week


def test_group_classes_show_their_fill_level(client, login, make_user, coach_gym):
    from coachapp.extensions import db
    from coachapp.models import Booking, TrainingSession
    from coachapp.vocab import BookingStatus, SessionStatus, SessionType

    others = [make_user("member", name=f"Member {n}") for n in range(4)]
    full = TrainingSession(
        coach_id=coach_gym.coach.id,
        start_time=at("2027-03-25", "09:00"),
        end_time=at("2027-03-25", "10:00"),
        type=SessionType.GROUP,
        title="Bootcamp",
        capacity=3,
        status=SessionStatus.SCHEDULED,
    )
    open_class = TrainingSession(
        coach_id=coach_gym.coach.id,
        start_time=at("2027-03-26", "09:00"),
        end_time=at("2027-03-26", "10:00"),
        type=SessionType.GROUP,
        title="Mobility",
        capacity=8,
        status=SessionStatus.SCHEDULED,
    )
    db.session.add_all([full, open_class])
    db.session.flush()
    members = [coach_gym.ava, coach_gym.ben, *others]
    statuses = [BookingStatus.CONFIRMED] * 3 + [BookingStatus.WAITLISTED] * 2
    statuses.append(BookingStatus.CANCELLED_BY_MEMBER)
    db.session.add_all(
        Booking(session_id=full.id, member_id=m.id, status=s)
        for m, s in zip(members, statuses, strict=True)
    )
    db.session.add(Booking(session_id=open_class.id, member_id=coach_gym.ava.id))
    db.session.commit()
    login(coach_gym.coach)
    body = client.get("/coach/week?start=2027-03-22").get_data(as_text=True)
    card = _card(body, full.id)
    assert '<span class="ev-who">Bootcamp</span>' in card and " group" in card
    assert '<span class="ev-fill">3/3 · 2 waiting</span>' in card
    assert 'title="09:00–10:00 Bootcamp · 3/3 · 2 waiting' in card
    card = _card(body, open_class.id)
    assert '<span class="ev-who">Mobility</span>' in card
    assert '<span class="ev-fill">1/8</span>' in card

"""A member moves a session from "My sessions" (issue 16, item 3): the Move action, the slot
picker in the sheet (the booking page's slots, same coach), the confirmation, refusals inline,
the window's reason instead of the action, and the coach's week and the feeds showing the new
time at once.

The clock is Monday 2027-03-15 13:00 in Berlin; Lena works Mon–Fri 09:00–12:00 (one-to-one,
60 minutes) with a 24-hour cancellation window.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from member_helpers import HX, at, client_for, small_gym
from sqlalchemy import select

from coachapp.extensions import db
from coachapp.models import CoachSettings, Notification, TrainingSession
from coachapp.vocab import NotificationKind

TOO_LATE = "Too late to move: less than 24 h before the start; you can still cancel (late)."


@pytest.fixture
def gym(app, make_user, clock):
    return small_gym(make_user)


@pytest.fixture
def ava(client, login, gym):
    login(gym.ava)
    return client


def _session(gym, member, day: str, hhmm: str, minutes: int = 60):
    from coachapp.services import bookings

    start = at(day, hhmm)
    _booking, session = bookings.book_one_time(
        gym.admin, gym.coach.id, start, start + timedelta(minutes=minutes), member_id=member.id
    )
    return session


def _row(listing: str, when: str) -> str:
    """The ``<li>`` of the session list that starts at ``when`` ("Thu 18 Mar, 10:00")."""
    for row in re.findall(r'<li class="session.*?</li>', listing, re.S):
        if f">{when}" in row:
            return row
    raise AssertionError(f"no row for {when}")


def _starts(html: str) -> set[str]:
    """The local starts (``2027-03-17T09:00``) the picker's slot links offer."""
    found = re.findall(r'class="slot[^"]*" href="[^"]*start=([0-9-]+T\d\d(?::|%3A)\d\d)', html)
    return {start.replace("%3A", ":") for start in found}


def _start(session) -> object:
    db.session.expire_all()
    return db.session.get(TrainingSession, session.id).start_time


def test_movable_sessions_offer_move_and_the_window_gives_the_reason(ava, gym):
    later = _session(gym, gym.ava, "2027-03-18", "10:00")
    soon = _session(gym, gym.ava, "2027-03-16", "10:00")  # 21 hours ahead
    listing = ava.get("/me/sessions").get_data(as_text=True)
    row = _row(listing, "Thu 18 Mar, 10:00")
    assert f'href="/me/sessions/{later.id}/move"' in row
    assert 'Move<span class="visually-hidden"> Thu 18 Mar, 10:00</span>' in row
    row = _row(listing, "Tue 16 Mar, 10:00")
    assert f"/me/sessions/{soon.id}/move" not in row
    assert TOO_LATE in row
    assert f"/me/sessions/{soon.id}/cancel" in row, "cancelling (late) is still offered"


def test_the_picker_offers_the_booking_slots_of_the_same_coach(ava, gym):
    session = _session(gym, gym.ava, "2027-03-18", "10:00")
    _session(gym, gym.ben, "2027-03-17", "10:00")
    sheet = ava.get(f"/me/sessions/{session.id}/move", headers=HX)
    html = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and "<html" not in html
    assert "Move Thu 18 Mar, 10:00" in html
    starts = _starts(html)
    assert "2027-03-17T09:00" in starts
    assert "2027-03-17T10:00" not in starts, "Ben's time is not free"
    assert "2027-03-18T10:00" not in starts, "its own time is not offered"
    assert not any(s.startswith("2027-03-20") for s in starts), "Saturday is not open"
    assert "More days" in html
    more = ava.get(f"/me/sessions/{session.id}/move?days=14", headers=HX).get_data(as_text=True)
    assert "2027-03-26T09:00" in _starts(more)
    full = ava.get(f"/me/sessions/{session.id}/move")
    body = full.get_data(as_text=True)
    assert "<html" in body and 'id="session-list"' in body and "Move Thu 18 Mar, 10:00" in body


def test_pick_confirm_and_the_session_moves(ava, gym):
    session = _session(gym, gym.ava, "2027-03-18", "10:00")
    target = at("2027-03-17", "09:00")
    confirm = ava.get(
        f"/me/sessions/{session.id}/move",
        query_string={"start": target.isoformat()},
        headers=HX,
    )
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Move to Wed 17 Mar, 09:00–10:00?" in html and "Confirm move" in html
    assert "Free cancellation until Tue 16 Mar, 09:00" in html
    done = ava.post(
        f"/me/sessions/{session.id}/move", data={"start": target.isoformat()}, headers=HX
    )
    html = done.get_data(as_text=True)
    assert done.status_code == 200, html
    assert "Moved to Wed 17 Mar, 09:00–10:00." in html
    assert "sessions-changed" in done.headers["HX-Trigger"]
    assert _start(session) == target
    [note] = db.session.scalars(
        select(Notification).where(Notification.user_id == gym.coach.id)
    ).all()
    assert note.kind == NotificationKind.SESSION_MOVED and "Ava Schulz moved" in note.message
    listing = ava.get("/me/sessions").get_data(as_text=True)
    assert "Wed 17 Mar, 09:00–10:00" in listing and "Thu 18 Mar, 10:00" not in listing


def test_without_htmx_the_move_redirects_with_a_message(ava, gym):
    session = _session(gym, gym.ava, "2027-03-18", "10:00")
    done = ava.post(
        f"/me/sessions/{session.id}/move", data={"start": at("2027-03-19", "11:00").isoformat()}
    )
    assert done.status_code == 303 and done.headers["Location"].endswith("/me/sessions")
    page = ava.get("/me/sessions").get_data(as_text=True)
    assert "Moved to Fri 19 Mar, 11:00–12:00." in page


def test_refusals_show_inline_in_the_sheet(ava, gym, clock):
    session = _session(gym, gym.ava, "2027-03-18", "10:00")
    _session(gym, gym.ben, "2027-03-17", "10:00")
    taken = ava.post(
        f"/me/sessions/{session.id}/move",
        data={"start": at("2027-03-17", "10:00").isoformat()},
        headers=HX,
    )
    html = taken.get_data(as_text=True)
    assert taken.status_code == 409 and "<html" not in html
    assert 'role="alert"' in html and "already booked" in html
    assert "2027-03-17T09:00" in _starts(html), "the picker is offered again"
    closed = ava.post(
        f"/me/sessions/{session.id}/move",
        data={"start": at("2027-03-20", "10:00").isoformat()},
        headers=HX,
    )
    assert closed.status_code == 409 and "not available" in closed.get_data(as_text=True)
    far = ava.post(
        f"/me/sessions/{session.id}/move",
        data={"start": at("2027-05-20", "10:00").isoformat()},
        headers=HX,
    )
    assert far.status_code == 409
    assert "takes bookings up to 8 weeks ahead" in far.get_data(as_text=True)
    bad = ava.post(f"/me/sessions/{session.id}/move", data={"start": "soon"}, headers=HX)
    assert bad.status_code == 422 and "pick a time again" in bad.get_data(as_text=True)
    assert _start(session) == at("2027-03-18", "10:00")

    clock.set(at("2027-03-17", "11:00"))  # 23 hours before
    late = ava.post(
        f"/me/sessions/{session.id}/move",
        data={"start": at("2027-03-19", "10:00").isoformat()},
        headers=HX,
    )
    html = late.get_data(as_text=True)
    assert late.status_code == 409 and TOO_LATE in html and "Confirm move" not in html
    sheet = ava.get(f"/me/sessions/{session.id}/move", headers=HX).get_data(as_text=True)
    assert TOO_LATE in sheet and 'class="slot' not in sheet
    assert _start(session) == at("2027-03-18", "10:00")


def test_the_window_is_the_coachs_setting(ava, gym):
    _session(gym, gym.ava, "2027-03-18", "10:00")  # 69 hours ahead
    settings = db.session.get(CoachSettings, gym.coach.coach_settings.id)
    settings.cancellation_window_hours = 72
    db.session.commit()
    row = _row(ava.get("/me/sessions").get_data(as_text=True), "Thu 18 Mar, 10:00")
    assert "less than 72 h before the start" in row and "/move" not in row


def test_another_members_session_or_a_class_cannot_be_moved(ava, gym):
    from coachapp.services import availability, group_classes
    from coachapp.services.availability import WindowInput

    bens = _session(gym, gym.ben, "2027-03-18", "10:00")
    assert ava.get(f"/me/sessions/{bens.id}/move", headers=HX).status_code == 404
    posted = ava.post(
        f"/me/sessions/{bens.id}/move",
        data={"start": at("2027-03-19", "10:00").isoformat()},
        headers=HX,
    )
    assert posted.status_code == 404
    assert _start(bens) == at("2027-03-18", "10:00")

    availability.replace_weekly_day(
        gym.admin,
        gym.coach.id,
        4,
        [
            WindowInput("09:00", "12:00", gym.room.id),
            WindowInput("17:00", "20:00", gym.room.id, is_individual=False, is_group=True),
        ],
    )
    group = group_classes.schedule_group_session(
        gym.admin, gym.coach.id, at("2027-03-18", "18:00"), at("2027-03-18", "19:00"), "Yoga", 8
    )
    group_classes.book_place(gym.ava, group.id)
    row = _row(ava.get("/me/sessions").get_data(as_text=True), "Thu 18 Mar, 18:00")
    assert "/move" not in row and "Too late to move" not in row
    assert ava.get(f"/me/sessions/{group.id}/move", headers=HX).status_code == 404


def test_the_coachs_week_and_the_feeds_show_the_new_time_at_once(app, ava, gym):
    from coachapp.services import feeds

    session = _session(gym, gym.ava, "2027-03-18", "10:00")
    coach = client_for(app, gym.coach)
    week = coach.get("/coach/week?start=2027-03-15").get_data(as_text=True)
    assert "Ava Schulz" in week
    member_feed = f"/feeds/{feeds.feed_token_for(gym.ava)}.ics"
    coach_feed = f"/feeds/{feeds.feed_token_for(gym.coach)}.ics"
    anonymous = app.test_client()
    for url in (member_feed, coach_feed):
        assert "DTSTART;TZID=Europe/Berlin:20270318T100000" in anonymous.get(url).get_data(
            as_text=True
        )
    moved = ava.post(
        f"/me/sessions/{session.id}/move",
        data={"start": at("2027-03-19", "09:00").isoformat()},
        headers=HX,
    )
    assert moved.status_code == 200
    after = coach.get("/coach/week?start=2027-03-15").get_data(as_text=True)
    assert after != week
    assert _week_start_of(after, session.id) == "09:00"
    for url in (member_feed, coach_feed):
        text = anonymous.get(url).get_data(as_text=True)
        assert "DTSTART;TZID=Europe/Berlin:20270319T090000" in text
        assert "20270318T100000" not in text


def _week_start_of(body: str, session_id: int) -> str:
    """The start time the coach's week grid shows for the session (its link's text)."""
    found = re.search(rf'href="/coach/sessions/{session_id}"[^>]*>.*?(\d\d:\d\d)', body, re.S)
    assert found, "the session is not on the week grid"
    return found.group(1)


def test_the_session_page_offers_move_or_says_why_not(ava, gym):
    later = _session(gym, gym.ava, "2027-03-18", "10:00")
    soon = _session(gym, gym.ava, "2027-03-16", "10:00")
    page = ava.get(f"/me/sessions/{later.id}").get_data(as_text=True)
    assert f'href="/me/sessions/{later.id}/move"' in page and "Too late to move" not in page
    page = ava.get(f"/me/sessions/{soon.id}").get_data(as_text=True)
    assert "/move" not in page and TOO_LATE in page


def test_odd_times_are_asked_again_never_a_crash(ava, gym):
    session = _session(gym, gym.ava, "2027-03-18", "10:00")
    url = f"/me/sessions/{session.id}/move"
    start = at("2027-03-19", "10:00").isoformat()
    for query in (
        {"start": start, "end": "\r\n"},
        {"start": start, "end": at("2027-03-19", "09:00").isoformat()},
        {"start": "2027-02-30T10:00:00+01:00"},
        {"start": ""},
    ):
        response = ava.get(url, query_string=query, headers=HX)
        assert response.status_code in (200, 422), (query, response.status_code)
    blank_end = ava.get(url, query_string={"start": start, "end": "\r\n"}, headers=HX)
    assert "Move to Fri 19 Mar, 10:00–11:00?" in blank_end.get_data(as_text=True)
    backwards = ava.get(
        url, query_string={"start": start, "end": at("2027-03-19", "09:00").isoformat()}
    )
    assert backwards.status_code == 422 and "pick a time again" in backwards.get_data(as_text=True)
    posted = ava.post(url, data={"start": start, "end": " "}, headers=HX)
    assert posted.status_code == 200 and _start(session) == at("2027-03-19", "10:00")

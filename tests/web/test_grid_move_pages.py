"""Moving a session on the coach's week grid (issue 18 item 1): a drop posts ``origin=week`` to
coach.move_session and gets one line back — the move and ``week-changed`` (the grid refreshes), or
the reason with 409/422 (the script puts the session back) — and the grid marks what may be
dragged. The session's popover is a non-modal dialog."""

from __future__ import annotations

import re

from coach_helpers import HX, SeparateClient, at, book, is_fragment, triggers
from sqlalchemy import select

from coachapp.extensions import db
from coachapp.models import Notification, TrainingSession
from coachapp.services import sessions

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now

WEEK = {"origin": "week"}


def _start(session_id: int):
    db.session.expire_all()
    return db.session.get(TrainingSession, session_id).start_time


def _kinds(user) -> list[str]:
    return list(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id))
    )


def test_a_drop_moves_notifies_and_refreshes_the_week(client, login, coach_gym):
    session = book(coach_gym, "2027-03-24")
    login(coach_gym.coach)
    moved = client.post(
        f"/coach/sessions/{session.id}/move",
        data={**WEEK, "date": "2027-03-25", "time": "09:15"},
        headers=HX,
    )
    assert moved.status_code == 200 and is_fragment(moved)
    body = moved.get_data(as_text=True)
    assert body.startswith('<div class="flash flash-success move-result">')
    assert "Moved to Thu 25 Mar" in body and "09:15–10:15; Ava Schulz notified." in body
    assert {"week-changed", "conflicts-changed"} <= triggers(moved)
    assert _start(session.id) == at("2027-03-25", "09:15")
    assert _kinds(coach_gym.ava) == ["session_moved"]
    # Undo puts it back where it was
    assert 'Undo<span class="visually-hidden"> the move: back to Wed 24 Mar' in body
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    undone = client.post("/coach/undo", data={"token": token}, headers=HX)
    assert undone.status_code == 200 and "week-changed" in triggers(undone)
    assert _start(session.id) == at("2027-03-24", "10:00")


def test_a_drop_without_javascript_goes_back_to_the_week(client, login, coach_gym):
    session = book(coach_gym, "2027-03-24")
    login(coach_gym.coach)
    moved = client.post(
        f"/coach/sessions/{session.id}/move", data={**WEEK, "date": "2027-03-29", "time": "10:00"}
    )
    assert moved.status_code == 302
    assert moved.headers["Location"] == "/coach/week?start=2027-03-29"
    refused = client.post(
        f"/coach/sessions/{session.id}/move", data={**WEEK, "date": "2027-03-29", "time": "15:00"}
    )
    assert refused.status_code == 302
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Could not move" in page


def test_a_refused_drop_says_why_with_409_or_422(client, login, coach_gym):
    session = book(coach_gym, "2027-03-24")
    book(coach_gym, "2027-03-25", "10:00", "11:00", member=coach_gym.ben)
    login(coach_gym.coach)
    cases = [
        ({"date": "2027-03-25", "time": "10:30"}, 409, "another session"),  # overlap
        ({"date": "2027-03-25", "time": "15:00"}, 409, "not available"),  # outside hours
        ({"date": "2027-03-25", "time": "25:00"}, 422, "time"),  # not a time
        ({"date": "2027-02-30", "time": "10:00"}, 422, "is not a date"),
        ({"date": "2027-03-24", "time": "10:00"}, 422, "already at that time"),
    ]
    for fields, status, words in cases:
        answer = client.post(
            f"/coach/sessions/{session.id}/move", data={**WEEK, **fields}, headers=HX
        )
        body = answer.get_data(as_text=True)
        assert answer.status_code == status, (fields, body)
        assert body.startswith('<div class="flash flash-error move-result"><span>Could not move: ')
        assert 'name="token"' not in body
        assert words in body.lower(), (fields, body)
        assert "week-changed" not in triggers(answer)
    assert _start(session.id) == at("2027-03-24", "10:00")
    assert _kinds(coach_gym.ava) == []


def test_a_started_or_cancelled_session_cannot_be_dropped(client, login, coach_gym):
    started = book(coach_gym, "2027-03-16")
    cancelled = book(coach_gym, "2027-03-17")
    sessions.cancel_session(coach_gym.coach, cancelled.id)
    coach_gym.clock.set(at("2027-03-16", "10:10"))
    login(coach_gym.coach)
    for session, words in ((started, "already started"), (cancelled, "cancelled")):
        answer = client.post(
            f"/coach/sessions/{session.id}/move",
            data={**WEEK, "date": "2027-03-18", "time": "09:00"},
            headers=HX,
        )
        assert answer.status_code in (409, 422), words
        assert words in answer.get_data(as_text=True)
    week = client.get("/coach/week?start=2027-03-15").get_data(as_text=True)
    # only scheduled sessions that have not started are marked movable
    assert f'data-move-url="/coach/sessions/{started.id}/move"' not in week
    assert f'data-session-id="{started.id}"' in week
    assert f'data-move-url="/coach/sessions/{cancelled.id}/move"' not in week
    assert f'data-session-id="{cancelled.id}"' in week


def test_another_coachs_session_cannot_be_dropped(app, coach_gym):
    session = book(coach_gym, "2027-03-24")
    for who in (coach_gym.other, coach_gym.ava):
        answer = SeparateClient(app, who).post(
            f"/coach/sessions/{session.id}/move",
            data={**WEEK, "date": "2027-03-25", "time": "09:00"},
            headers=HX,
        )
        assert answer.status_code in (403, 404), who.name
    assert _start(session.id) == at("2027-03-24", "10:00")


def test_the_grid_marks_movable_sessions_and_opens_them_in_place(client, login, coach_gym):
    session = book(coach_gym, "2027-03-24")
    login(coach_gym.coach)
    week = client.get("/coach/week?start=2027-03-22").get_data(as_text=True)
    [link] = re.findall(r'<a class="event [^>]*>', week)
    assert f'data-move-url="/coach/sessions/{session.id}/move"' in link
    assert 'data-date="2027-03-24"' in link
    assert 'hx-target="#panel" hx-swap="innerHTML"' in link and "show:" not in link
    assert f'href="/coach/sessions/{session.id}"' in link  # without JavaScript: its page
    assert "js/week_move." in week and 'id="move-note"' in week


def test_the_popover_is_a_dialog_and_the_page_is_not(client, login, coach_gym):
    session = book(coach_gym, "2027-03-24")
    login(coach_gym.coach)
    popover = client.get(f"/coach/sessions/{session.id}", headers=HX).get_data(as_text=True)
    # week_move.js makes #panel the dialog, named by the panel's heading
    assert f'aria-labelledby="session-{session.id}-title"' in popover
    assert f'<h2 id="session-{session.id}-title" tabindex="-1">' in popover
    assert "data-popover-close" in popover and f'data-key-move="{session.id}"' in popover
    page = client.get(f"/coach/sessions/{session.id}").get_data(as_text=True)
    assert 'tabindex="-1"' not in page and "data-key-move" not in page
    assert 'aria-label="Close">Close</a>' in page

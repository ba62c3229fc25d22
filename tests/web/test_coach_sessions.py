"""A session's panel: open it, cancel it, mark a no-show, move it."""

from __future__ import annotations

from coach_helpers import (
    HX,
    SeparateClient,
    at,
    book,
    is_fragment,
    is_page,
    triggers,
    value_of,
)
from sqlalchemy import select

from coachapp.extensions import db
from coachapp.models import Booking, Notification, TrainingSession

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now


def _session(session_id: int) -> TrainingSession:
    db.session.expire_all()
    return db.session.get(TrainingSession, session_id)


def _notes(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_panel_is_a_fragment_for_htmx_and_a_page_otherwise(client, login, coach_gym):
    session = book(coach_gym, "2027-03-24")
    login(coach_gym.coach)
    page = client.get(f"/coach/sessions/{session.id}")
    assert page.status_code == 200 and is_page(page)
    body = page.get_data(as_text=True)
    assert "Wed 24 Mar 2027, 10:00–11:00" in body and "Ava Schulz" in body
    assert "One-time booking" in body and "Studio A" in body
    panel = client.get(f"/coach/sessions/{session.id}", headers=HX)
    assert panel.status_code == 200 and is_fragment(panel)
    text = panel.get_data(as_text=True)
    assert text.lstrip().startswith("<article") and "Cancel session" in text
    assert 'hx-confirm="Cancel this session?' in text
    # Free times nearby in the same week, one-to-one, default length.
    assert 'name="start" value="2027-03-24T09:00"' in text


def test_cancel_asks_first_then_cancels_and_notifies(client, login, coach_gym):
    session = book(coach_gym, "2027-03-24")
    login(coach_gym.coach)
    ask = client.post(f"/coach/sessions/{session.id}/cancel")
    assert ask.status_code == 200 and "Cancel this session?" in ask.get_data(as_text=True)
    assert 'name="confirmed" value="1"' in ask.get_data(as_text=True)
    assert _session(session.id).status == "scheduled"
    done = client.post(f"/coach/sessions/{session.id}/cancel", data={"confirmed": "1"}, headers=HX)
    assert done.status_code == 200 and is_fragment(done)
    assert "Session cancelled" in done.get_data(as_text=True)
    assert {"week-changed", "conflicts-changed"} <= triggers(done)
    row = _session(session.id)
    assert (row.status, row.cancelled_by) == ("cancelled", "COACH")
    booking = db.session.scalar(select(Booking).where(Booking.session_id == session.id))
    assert booking.status == "CANCELLED_BY_COACH"
    assert [n.kind for n in _notes(coach_gym.ava)] == ["session_cancelled"]
    again = client.post(f"/coach/sessions/{session.id}/cancel", data={"confirmed": "1"}, headers=HX)
    assert again.status_code == 409 and "cancelled already" in again.get_data(as_text=True)


def test_cancel_without_javascript_redirects(client, login, coach_gym):
    session = book(coach_gym, "2027-03-24")
    login(coach_gym.coach)
    response = client.post(f"/coach/sessions/{session.id}/cancel", data={"confirmed": "1"})
    assert (
        response.status_code == 302
        and response.headers["Location"] == f"/coach/sessions/{session.id}"
    )
    assert "Session cancelled" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_no_show_only_once_started(client, login, coach_gym):
    session = book(coach_gym, "2027-03-24")
    login(coach_gym.coach)
    early = client.post(f"/coach/sessions/{session.id}/no-show", headers=HX)
    assert early.status_code == 409 and "not started" in early.get_data(as_text=True)
    assert _session(session.id).status == "scheduled"
    assert "Mark no-show" not in client.get(f"/coach/sessions/{session.id}", headers=HX).get_data(
        as_text=True
    )
    coach_gym.clock.set(at("2027-03-24", "10:20"))
    panel = client.get(f"/coach/sessions/{session.id}", headers=HX).get_data(as_text=True)
    assert "Mark no-show" in panel and "Cancel session" not in panel
    done = client.post(f"/coach/sessions/{session.id}/no-show", headers=HX)
    assert done.status_code == 200 and "Marked as a no-show" in done.get_data(as_text=True)
    assert _session(session.id).status == "no_show"


def test_move_from_the_panel(client, login, coach_gym):
    session = book(coach_gym, "2027-03-24")
    login(coach_gym.coach)
    moved = client.post(
        f"/coach/sessions/{session.id}/move",
        data={"date": "2027-03-25", "time": "09:00"},
        headers=HX,
    )
    assert moved.status_code == 200 and is_fragment(moved)
    assert "Moved to Thu 25 Mar 2027 09:00–10:00; Ava Schulz notified." in moved.get_data(
        as_text=True
    )
    assert "week-changed" in triggers(moved)
    row = _session(session.id)
    assert (row.start_time, row.end_time) == (at("2027-03-25", "09:00"), at("2027-03-25", "10:00"))
    assert [n.kind for n in _notes(coach_gym.ava)] == ["session_moved"]
    suggested = client.post(
        f"/coach/sessions/{session.id}/move", data={"start": "2027-03-25T11:00"}
    )
    assert suggested.status_code == 302
    assert _session(session.id).start_time == at("2027-03-25", "11:00")


def test_move_refusals_keep_what_was_typed(client, login, coach_gym):
    session = book(coach_gym, "2027-03-24")
    login(coach_gym.coach)
    outside = client.post(
        f"/coach/sessions/{session.id}/move",
        data={"date": "2027-03-25", "time": "15:00"},
        headers=HX,
    )
    assert outside.status_code == 409 and is_fragment(outside)
    body = outside.get_data(as_text=True)
    assert "not available for one-to-one sessions" in body
    assert value_of(body, "date") == "2027-03-25" and value_of(body, "time") == "15:00"
    bad = client.post(
        f"/coach/sessions/{session.id}/move", data={"date": "2027-02-30", "time": "10:00"}
    )
    assert bad.status_code == 422 and is_page(bad)
    body = bad.get_data(as_text=True)
    assert "is not a date" in body and value_of(body, "date") == "2027-02-30"
    assert 'aria-invalid="true"' in body
    assert _session(session.id).start_time == at("2027-03-24", "10:00")
    assert _notes(coach_gym.ava) == []


def test_other_coach_cannot_act_on_sessions(app, coach_gym):
    session = book(coach_gym, "2027-03-24")
    other = SeparateClient(app, coach_gym.other)
    for path, data in [
        ("cancel", {"confirmed": "1"}),
        ("no-show", {}),
        ("move", {"date": "2027-03-25", "time": "09:00"}),
    ]:
        response = other.post(f"/coach/sessions/{session.id}/{path}", data=data, headers=HX)
        assert response.status_code == 404, path
    assert _session(session.id).status == "scheduled"
    assert _session(session.id).start_time == at("2027-03-24", "10:00")
    member = SeparateClient(app, coach_gym.ava)
    assert (
        member.post(f"/coach/sessions/{session.id}/cancel", data={"confirmed": "1"}).status_code
        == 403
    )

"""Undo on the conflicts page (issue 18 item 4): the Undo button a resolution's answer carries,
and ``POST /coach/undo`` — with htmx the result sentence in place of the button and the badge and
week told to refresh; without, a message on the conflicts page; too late, altered or someone
else's: a 4xx that says so."""

from __future__ import annotations

import re
from datetime import timedelta

from coach_helpers import HX, NOW, block, book, is_fragment, is_page, triggers
from flask import render_template_string
from sqlalchemy import select

from coachapp.extensions import db
from coachapp.models import Notification, TrainingSession
from coachapp.services import sessions, undo
from coachapp.vocab import SessionStatus

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now


def _cancelled_conflict(gym):
    """Ben's Wednesday 24 Mar 09:00 with Lena, a conflict (Lena is ill), cancelled by Lena; and
    Lena's token to undo it."""
    one = book(gym, "2027-03-24", "09:00", "10:00", gym.ben)
    block(gym, "2027-03-24", "2027-03-25", "Ill")
    sessions.resolve_conflict(gym.coach, one.id, "cancel")
    return one.id, undo.offer(gym.coach, "uncancel", session_ids=[one.id])


def _status(session_id: int) -> str:
    db.session.expire_all()
    return db.session.get(TrainingSession, session_id).status


def test_undo_with_htmx_answers_the_sentence_and_refreshes(client, login, coach_gym):
    session_id, token = _cancelled_conflict(coach_gym)
    login(coach_gym.coach)
    coach_gym.clock.set(NOW + timedelta(seconds=4))

    response = client.post("/coach/undo", data={"token": token}, headers=HX)

    assert response.status_code == 200 and is_fragment(response)
    assert response.get_data(as_text=True).strip() == (
        '<p class="undo-result" role="status">Undone: Ben Okafor&#39;s session on Wed 24 Mar 2027 '
        "09:00 is back on; Ben Okafor was told.</p>"
    )
    assert triggers(response) == {"conflicts-changed", "week-changed", "undone"}
    assert _status(session_id) == SessionStatus.SCHEDULED
    told = db.session.scalars(
        select(Notification.message).where(Notification.user_id == coach_gym.ben.id)
    ).all()
    assert "is back on" in told[-1]


def test_undo_without_javascript_goes_back_to_the_conflicts_with_a_message(
    client, login, coach_gym
):
    session_id, token = _cancelled_conflict(coach_gym)
    login(coach_gym.coach)
    response = client.post("/coach/undo", data={"token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/coach/conflicts")
    page = client.get("/coach/conflicts")
    assert is_page(page)
    assert "Undone: Ben Okafor&#39;s session on Wed 24 Mar 2027 09:00 is back on" in page.get_data(
        as_text=True
    )
    assert _status(session_id) == SessionStatus.SCHEDULED
    # a second click: nothing twice, and it says so
    again = client.post("/coach/undo", data={"token": token}, headers=HX)
    assert again.status_code == 200 and "Already undone" in again.get_data(as_text=True)


def test_without_javascript_the_conflicts_page_offers_the_undo_once(client, login, coach_gym):
    one = book(coach_gym, "2027-03-24", "09:00", "10:00", coach_gym.ben)
    block(coach_gym, "2027-03-24", "2027-03-25", "Ill")
    login(coach_gym.coach)
    cancelled = client.post(f"/coach/conflicts/{one.id}/cancel", data={"confirmed": "1"})
    assert cancelled.status_code == 302 and _status(one.id) == SessionStatus.CANCELLED

    body = client.get("/coach/conflicts").get_data(as_text=True)
    assert "the member has been notified" in body
    [token] = re.findall(r'name="token" value="([^"]+)"', body)
    assert "Undo<span class=\"visually-hidden\"> Cancelled Wed 24 Mar 2027" in body
    # shown once: a reload no longer offers it
    assert 'name="token"' not in client.get("/coach/conflicts").get_data(as_text=True)

    undone = client.post("/coach/undo", data={"token": token})
    assert undone.status_code == 302 and _status(one.id) == SessionStatus.SCHEDULED
    assert "is back on" in client.get("/coach/conflicts").get_data(as_text=True)


def test_too_late_the_undo_is_refused_and_nothing_changes(client, login, coach_gym):
    session_id, token = _cancelled_conflict(coach_gym)
    login(coach_gym.coach)
    coach_gym.clock.set(NOW + timedelta(seconds=undo.UNDO_SECONDS + undo.GRACE_SECONDS + 1))

    response = client.post("/coach/undo", data={"token": token}, headers=HX)

    assert response.status_code == 409 and triggers(response) == set()
    body = response.get_data(as_text=True)
    assert 'class="undo-result failed" role="status">Too late to undo' in body
    assert _status(session_id) == SessionStatus.CANCELLED
    plain = client.post("/coach/undo", data={"token": token})
    assert plain.status_code == 302
    assert "Too late to undo" in client.get("/coach/conflicts").get_data(as_text=True)


def test_an_altered_missing_or_foreign_token_is_refused(client, login, coach_gym):
    session_id, token = _cancelled_conflict(coach_gym)
    login(coach_gym.other)
    foreign = client.post("/coach/undo", data={"token": token}, headers=HX)
    assert foreign.status_code == 403
    assert "This Undo belongs to someone else." in foreign.get_data(as_text=True)
    login(coach_gym.coach)
    altered = client.post("/coach/undo", data={"token": token[:-3] + "abc"}, headers=HX)
    assert altered.status_code == 403 and "This Undo is not valid." in altered.get_data(
        as_text=True
    )
    missing = client.post("/coach/undo", data={}, headers=HX)
    assert missing.status_code == 422 and "There is nothing to undo." in missing.get_data(
        as_text=True
    )
    assert _status(session_id) == SessionStatus.CANCELLED


def test_members_may_not_undo(client, login, coach_gym):
    _, token = _cancelled_conflict(coach_gym)
    login(coach_gym.ben)
    assert client.post("/coach/undo", data={"token": token}, headers=HX).status_code == 403


def test_an_admin_goes_back_to_that_coachs_conflicts(client, login, coach_gym):
    one = book(coach_gym, "2027-03-24", "09:00", "10:00", coach_gym.ben)
    block(coach_gym, "2027-03-24", "2027-03-25", "Ill")
    sessions.resolve_conflict(coach_gym.admin, one.id, "cancel")
    token = undo.offer(coach_gym.admin, "uncancel", session_ids=[one.id])
    login(coach_gym.admin)
    response = client.post(f"/coach/undo?coach={coach_gym.coach.id}", data={"token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/coach/conflicts?coach={coach_gym.coach.id}")
    assert _status(one.id) == SessionStatus.SCHEDULED


def test_the_undo_button_posts_the_token_and_names_what_it_undoes(app, coach_gym):
    with app.test_request_context("/coach/conflicts"):
        html = render_template_string(
            '{% from "coach/_undo.html" import undo_button %}'
            "{{ undo_button('tok.en', \"cancelling Ben Okafor's session\") }}"
        )
    form = re.search(r"<form [^>]*>", html)[0]
    assert 'method="post" action="/coach/undo"' in form
    assert 'hx-post="/coach/undo" hx-target="this" hx-swap="outerHTML"' in form
    assert f'data-undo-seconds="{undo.UNDO_SECONDS}"' in form
    assert '<input type="hidden" name="csrf_token"' in html
    assert '<input type="hidden" name="token" value="tok.en">' in html
    assert re.search(
        r'<button type="submit" class="undo-button">Undo<span class="visually-hidden"> '
        r"cancelling Ben Okafor&#39;s session</span>"
        r'<span class="undo-count" aria-hidden="true"></span></button>',
        html,
    )
    assert "role=" not in html, "the button alone; the result line brings the status role"
    with app.test_request_context("/coach/conflicts"):
        for_admin = render_template_string(
            '{% from "coach/_undo.html" import undo_button %}'
            "{{ undo_button('t', 'x', {'coach': 7}) }}"
        )
    assert 'action="/coach/undo?coach=7"' in for_admin


def test_the_coach_pages_load_the_undo_script(client, login, coach_gym):
    login(coach_gym.coach)
    body = client.get("/coach/conflicts").get_data(as_text=True)
    assert re.search(r'<script src="/static/js/undo(\.[0-9a-f]+)?\.js" defer></script>', body)

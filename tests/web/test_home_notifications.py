"""The home page tells a member what changed (issue 19, item 4): their unread notifications, newest
first, each with its kind, the session's time (a link to it) and coach; "Dismiss" per item and
"Dismiss all", answered by htmx with the card and a live-region message, or by a redirect home
without JavaScript. Dismissing is the same rule as My sessions and the API (``read_at``)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from member_helpers import BOOSTED, HX, at
from member_helpers import ava_fixture as ava_fixture  # the ava fixture
from member_helpers import small_gym_fixture as small_gym_fixture  # the gym fixture
from sqlalchemy import event, select

from coachapp.extensions import db
from coachapp.models import Notification
from coachapp.services import bookings, notifications, sessions
from coachapp.services.db import transaction
from coachapp.vocab import NotificationKind


def cancelled_by_coach(gym, day="2027-03-18", hhmm="11:00"):
    """Ava's one-time session with Lena, then cancelled by Lena (which notifies Ava)."""
    start = at(day, hhmm)
    _booking, session = bookings.book_one_time(
        gym.ava, gym.coach.id, start, start + timedelta(hours=1)
    )
    sessions.cancel_session(gym.coach, session.id)
    return session


def add_notices(user, count: int, kind=NotificationKind.REMINDER) -> list[int]:
    with transaction():
        rows = [notifications.notify(user.id, kind, f"Notice {i}") for i in range(count)]
    return [row.id for row in rows]


def unread_ids(user) -> set[int]:
    return set(
        db.session.scalars(
            select(Notification.id).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
    )


def test_home_shows_a_coach_cancellation_with_its_session_and_coach(ava, gym):
    session = cancelled_by_coach(gym)
    html = ava.get("/").get_data(as_text=True)
    assert "What changed" in html
    card = html[html.index('id="home-notices"') :]
    assert ">Cancelled</span>" in card
    assert f'href="/me/sessions/{session.id}"' in card
    assert "Thu 18 Mar, 11:00–12:00</a>" in card
    assert "coach Lena Hoffmann" in card
    assert "Dismiss all" in card
    assert 'role="status"' in html


def test_every_notification_kind_has_a_label(ava, gym):
    from coachapp.main.routes import KIND_LABELS

    assert set(KIND_LABELS) == set(NotificationKind)
    with transaction():
        for kind in NotificationKind:
            notifications.notify(gym.ava.id, kind, f"about {kind}")
    html = ava.get("/").get_data(as_text=True)
    for kind in NotificationKind:
        assert f">{KIND_LABELS[kind]}</span> about {kind}<" in html


def test_no_card_without_unread_notifications(ava, gym):
    html = ava.get("/").get_data(as_text=True)
    assert 'id="home-notices"' not in html
    assert "Nothing scheduled yet." in html


def test_the_20_newest_in_one_statement_and_the_rest_counted(ava, gym, app):
    ids = add_notices(gym.ava, 23)
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if "notifications" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        html = ava.get("/").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) == 1, seen
    shown = [int(n) for n in re.findall(r'<li class="home-notice" id="notice-(\d+)"', html)]
    assert shown == sorted(ids, reverse=True)[:20]
    assert "and 3 more on My sessions" in html
    assert 'href="/me/sessions"' in html


def test_dismiss_one_with_htmx_answers_the_card_and_a_live_message(ava, gym):
    first, second = add_notices(gym.ava, 2)
    response = ava.post(f"/notifications/{first}/dismiss", headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1" not in html
    assert html.lstrip().startswith('<section id="home-notices"')
    assert f'id="notice-{first}"' not in html and f'id="notice-{second}"' in html
    assert re.search(r'id="notices-status" hx-swap-oob="innerHTML">Notification dismissed\.<', html)
    assert "autofocus" in html
    assert unread_ids(gym.ava) == {second}
    assert "HX-Request" in response.headers["Vary"]


def test_dismiss_all_with_htmx_keeps_one_that_arrived_since(ava, gym):
    shown = add_notices(gym.ava, 3)
    later = add_notices(gym.ava, 1)
    response = ava.post("/notifications/dismiss-all", data={"up_to": max(shown)}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "All notifications dismissed." in html
    assert unread_ids(gym.ava) == set(later)
    assert f'id="notice-{later[0]}"' in html


def test_dismiss_all_without_javascript_redirects_home_with_a_message(ava, gym):
    cancelled_by_coach(gym)
    add_notices(gym.ava, 2)
    response = ava.post("/notifications/dismiss-all")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/")
    page = ava.get("/").get_data(as_text=True)
    assert "All notifications dismissed." in page
    assert 'id="home-notices"' not in page
    assert unread_ids(gym.ava) == set()


def test_a_boosted_dismiss_gets_the_redirect_not_a_fragment(ava, gym):
    (only,) = add_notices(gym.ava, 1)
    response = ava.post(f"/notifications/{only}/dismiss", headers=BOOSTED)
    assert response.status_code == 303


def test_dismissed_on_home_is_dismissed_for_my_sessions_and_the_api(ava, gym):
    cancelled_by_coach(gym)
    (notice,) = unread_ids(gym.ava)
    assert "Dismiss" in ava.get("/me/sessions").get_data(as_text=True)
    ava.post(f"/notifications/{notice}/dismiss", headers=HX)
    assert notifications.list_for(gym.ava) == []
    assert db.session.get(Notification, notice).read_at is not None
    assert "member.dismiss" not in ava.get("/me/sessions").get_data(as_text=True)
    assert f"/me/notifications/{notice}/dismiss" not in ava.get("/me/sessions").get_data(
        as_text=True
    )


def test_someone_elses_notification_is_not_found_and_stays_unread(ava, gym):
    (bens,) = add_notices(gym.ben, 1)
    assert ava.post(f"/notifications/{bens}/dismiss", headers=HX).status_code == 404
    ava.post("/notifications/dismiss-all", data={"up_to": bens})
    assert unread_ids(gym.ben) == {bens}


@pytest.mark.parametrize("up_to", ["x", "-1", "99999999999"])
def test_a_bad_up_to_is_a_422_naming_it(ava, gym, up_to):
    add_notices(gym.ava, 1)
    response = ava.post("/notifications/dismiss-all", data={"up_to": up_to}, headers=HX)
    assert response.status_code == 422
    assert "up_to must be the id of a notification" in response.get_data(as_text=True).lower()
    assert len(unread_ids(gym.ava)) == 1


def test_dismissing_needs_a_login(app, client, gym):
    (notice,) = add_notices(gym.ava, 1)
    response = client.post(f"/notifications/{notice}/dismiss")
    assert response.status_code in (302, 303, 401)
    assert unread_ids(gym.ava) == {notice}


def test_a_coachs_notifications_link_the_coach_session_page(client, login, gym):
    start = at("2027-03-18", "11:00")
    _booking, session = bookings.book_one_time(
        gym.ava, gym.coach.id, start, start + timedelta(hours=1)
    )
    with transaction():
        notifications.notify(
            gym.coach.id, NotificationKind.SESSION_MOVED, "Ava moved her session", session.id
        )
    login(gym.coach)
    html = client.get("/").get_data(as_text=True)
    assert f'href="/coach/sessions/{session.id}"' in html
    assert ">Moved</span> Ava moved her session<" in html

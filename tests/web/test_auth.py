"""Logging in and out, redirects to the login page, role pages, CSRF."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint

from coachapp import create_app
from coachapp.auth import roles_required


def test_login_page_renders_a_form(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<form method="post"' in page and 'name="email"' in page and 'name="password"' in page


def test_login_logout_round_trip(client, make_user, login):
    member = make_user("member", name="Mia Member")
    response = login(member)
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Hello, Mia Member" in home
    assert "Log out" in home
    out = client.post("/logout")
    assert out.status_code == 302 and out.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_wrong_password_says_so_and_keeps_the_email(client, make_user):
    member = make_user("member")
    response = client.post("/login", data={"email": member.email, "password": "nope-nope"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Email or password is wrong." in page
    assert f'value="{member.email}"' in page


def test_unknown_email_gets_the_same_message(client):
    response = client.post("/login", data={"email": "ghost@example.com", "password": "whatever1"})
    assert response.status_code == 422
    assert "Email or password is wrong." in response.get_data(as_text=True)


def test_email_is_case_insensitive(client, make_user):
    member = make_user("member", email="Case@Example.com")
    response = client.post(
        "/login", data={"email": "CASE@example.COM", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert member.email == "case@example.com"


def test_deactivated_account_cannot_log_in(client, make_user, app):
    from coachapp.extensions import db

    member = make_user("member")
    member.active = False
    db.session.commit()
    response = client.post(
        "/login", data={"email": member.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 422
    assert "deactivated" in response.get_data(as_text=True)


def test_anonymous_is_sent_to_login_with_next_and_comes_back(client, make_user):
    response = client.get("/?x=1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    member = make_user("member")
    back = client.post(
        "/login?next=/%3Fx%3D1", data={"email": member.email, "password": "correct-horse-battery"}
    )
    assert back.headers["Location"] == "/?x=1"


@pytest.mark.parametrize(
    "target", ["https://evil.example.com/", "//evil.example.com", "javascript:x"]
)
def test_next_never_leaves_the_site(client, make_user, target):
    member = make_user("member")
    response = client.post(
        f"/login?next={target}", data={"email": member.email, "password": "correct-horse-battery"}
    )
    assert response.headers["Location"] == "/"


def test_login_starts_a_fresh_session(client, make_user):
    member = make_user("member")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    client.post("/login", data={"email": member.email, "password": "correct-horse-battery"})
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"] == str(member.id)


def test_wrong_role_gets_a_friendly_403(database_url, app_config, make_user):
    app = create_app(app_config(database_url))
    probe = Blueprint("probe", __name__)

    @probe.get("/probe/coach-only")
    @roles_required("coach", "admin")
    def coach_only():
        return "coach stuff"

    app.register_blueprint(probe)
    member = make_user("member")
    coach = make_user("coach")
    client = app.test_client()
    client.post("/login", data={"email": member.email, "password": "correct-horse-battery"})
    denied = client.get("/probe/coach-only")
    assert denied.status_code == 403
    assert "Not for you" in denied.get_data(as_text=True)
    client.post("/logout")
    client.post("/login", data={"email": coach.email, "password": "correct-horse-battery"})
    assert client.get("/probe/coach-only").get_data(as_text=True) == "coach stuff"


def test_not_found_page_is_friendly(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)


@pytest.fixture
def csrf_client(database_url, app_config):
    """A client of an app with CSRF protection on, as in production."""
    app = create_app(app_config(database_url, WTF_CSRF_ENABLED=True))
    return app.test_client()


def test_form_post_without_csrf_token_is_refused(csrf_client, make_user):
    member = make_user("member")
    response = csrf_client.post(
        "/login", data={"email": member.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_form_post_with_token_and_htmx_header_token_work(csrf_client, make_user):
    member = make_user("member")
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    ok = csrf_client.post(
        "/login",
        data={"email": member.email, "password": "correct-horse-battery", "csrf_token": token},
    )
    assert ok.status_code == 302
    home = csrf_client.get("/").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
    # logout is a state change: the HTMX header token is accepted, a missing one is not
    assert csrf_client.post("/logout").status_code == 400
    assert csrf_client.post("/logout", headers={"X-CSRFToken": header_token}).status_code == 302


def test_login_and_logout_are_full_page_loads(client, make_user, login):
    # both change the session's CSRF token: a boosted swap would keep the stale token in
    # <body hx-headers>, and every later HTMX post would be refused until a reload
    assert 'hx-boost="false"' in client.get("/login").get_data(as_text=True)
    login(make_user("member"))
    home = client.get("/").get_data(as_text=True)
    assert 'action="/logout" class="inline" hx-boost="false"' in home


def test_home_lists_a_members_sessions_and_class_places(client, make_user, login):
    from datetime import UTC, datetime, timedelta

    from coachapp.extensions import db
    from coachapp.models import Booking, TrainingSession

    coach, member, other = make_user("coach"), make_user("member"), make_user("member")
    start = datetime(2030, 5, 6, 8, 0, tzinfo=UTC)
    own = TrainingSession(coach_id=coach.id, member_id=member.id, start_time=start,
                          end_time=start + timedelta(hours=1), title="Strength 1:1")
    spin = TrainingSession(coach_id=coach.id, type="GROUP", capacity=8, title="Spin class",
                           start_time=start + timedelta(hours=2),
                           end_time=start + timedelta(hours=3))
    theirs = TrainingSession(coach_id=coach.id, member_id=other.id, title="Someone else's",
                             start_time=start + timedelta(hours=4),
                             end_time=start + timedelta(hours=5))
    db.session.add_all([own, spin, theirs])
    db.session.flush()
    db.session.add(Booking(session_id=spin.id, member_id=member.id, status="CONFIRMED"))
    db.session.commit()
    login(member)
    page = client.get("/").get_data(as_text=True)
    assert "Strength 1:1" in page and "Spin class" in page
    assert "Someone else" not in page

"""The admin pages: who may open them, full page vs fragment, creating and (de)activating accounts,
rooms, validation errors kept next to their fields, and CSRF."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from coachapp import create_app
from coachapp.extensions import db
from coachapp.models import CoachSettings, Room, User
from coachapp.services import accounts

HX = {"HX-Request": "true"}
PAGES = ["/admin/coaches", "/admin/members", "/admin/rooms"]


@pytest.fixture
def boss(make_user):
    """The gym's admin."""
    return make_user("admin", name="Ada Admin", email="ada@example.com")


@pytest.fixture
def as_admin(client, login, boss):
    """The test client, logged in as the admin."""
    login(boss)
    return client


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("url", [*PAGES, "/admin/", "/admin/users/1/deactivate"])
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["coach", "member"])
@pytest.mark.parametrize("url", PAGES)
def test_coaches_and_members_get_a_403(client, login, make_user, role, url):
    login(make_user(role))
    assert client.get(url).status_code == 403
    assert client.post(url, data={"name": "X"}).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_full_page_or_fragment(as_admin, url):
    full = as_admin.get(url)
    assert full.status_code == 200 and "<html" in text(full)
    assert "HX-Request" in full.headers["Vary"]
    part = as_admin.get(url, headers=HX)
    assert part.status_code == 200
    assert "<html" not in text(part) and 'hx-trigger="admin-list-changed from:body"' in text(part)
    boosted = as_admin.get(url, headers={**HX, "HX-Boosted": "true"})
    assert "<html" in text(boosted)


def test_the_admin_nav_links_the_admin_pages(as_admin):
    page = text(as_admin.get("/admin/coaches"))
    for href in ("/admin/coaches", "/admin/members", "/admin/rooms", "/admin/billing"):
        assert f'href="{href}"' in page
    assert as_admin.get("/admin/").headers["Location"].endswith("/admin/coaches")


def test_the_coaches_table_shows_zone_room_duration_and_links(app, as_admin, boss):
    room = accounts.create_room("Studio A")
    as_admin.post("/admin/coaches", data={
        "email": "carla@example.com", "name": "Coach Carla", "password": "long-enough-pw",
        "timezone": "America/New_York", "default_room": str(room.id)})
    coach = user_by_email("carla@example.com")
    page = text(as_admin.get("/admin/coaches"))
    row = re.search(rf'<tr id="user-{coach.id}".*?</tr>', page, re.S).group(0)
    assert "America/New_York" in row and "Studio A" in row and "60 min" in row
    for endpoint, path in (("coach.week", "/coach/week"), ("coach.availability", "/coach/availability")):
        if endpoint in app.view_functions:
            assert f'href="{path}?coach={coach.id}"' in row


def test_coach_links_are_left_out_when_those_pages_do_not_exist(app, as_admin, make_user, monkeypatch):
    coach = make_user("coach")
    monkeypatch.delitem(app.view_functions, "coach.week", raising=False)
    monkeypatch.delitem(app.view_functions, "coach.availability", raising=False)
    page = text(as_admin.get("/admin/coaches"))
    assert f"?coach={coach.id}" not in page


def test_creating_a_coach_without_javascript_redirects_back_to_the_list(as_admin):
    room = accounts.create_room("Studio B")
    response = as_admin.post("/admin/coaches", data={
        "email": "Carla@Example.com", "name": "Coach Carla", "password": "long-enough-pw",
        "timezone": "Europe/Lisbon", "default_room": str(room.id)})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/coaches")
    coach = user_by_email("carla@example.com")
    settings = db.session.scalar(select(CoachSettings).where(CoachSettings.coach_id == coach.id))
    assert (coach.role, settings.timezone, settings.default_room_id) == ("coach", "Europe/Lisbon", room.id)
    assert "Coach Carla can log in now." in text(as_admin.get("/admin/coaches"))


def test_creating_a_member_with_htmx_returns_a_fresh_form_and_refreshes_the_list(as_admin):
    response = as_admin.post("/admin/members", headers=HX, data={
        "email": "mia@example.com", "name": "Mia Member", "password": "long-enough-pw",
        "timezone": ""})
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body and body.lstrip().startswith("<form")
    assert "Mia Member can log in now." in body
    assert 'value="mia@example.com"' not in body
    assert response.headers["HX-Trigger"] == '{"admin-list-changed": true}'
    member = user_by_email("mia@example.com")
    assert (member.role, member.timezone) == ("member", None)
    assert "Mia Member" in text(as_admin.get("/admin/members", headers=HX))


def test_a_duplicate_email_is_refused_next_to_the_field_with_values_kept(as_admin, make_user):
    make_user("member", email="taken@example.com")
    response = as_admin.post("/admin/members", data={
        "email": "taken@example.com", "name": "Second Mia", "password": "long-enough-pw",
        "timezone": "Europe/Paris"})
    assert response.status_code == 422
    body = text(response)
    assert "<html" in body
    assert re.search(r'id="email-error">An account for taken@example.com already exists', body)
    assert 'value="Second Mia"' in body
    assert re.search(r'<option selected value="Europe/Paris">', body)
    assert "long-enough-pw" not in body  # a password is never sent back
    assert len(db.session.scalars(select(User).where(User.email == "taken@example.com")).all()) == 1


def test_a_bad_zone_and_a_short_password_are_refused_inline_as_a_fragment(as_admin):
    response = as_admin.post("/admin/coaches", headers=HX, data={
        "email": "carla@example.com", "name": "Coach Carla", "password": "short",
        "timezone": "Mars/Olympus_Mons"})
    assert response.status_code == 422
    body = text(response)
    assert "<html" not in body and body.lstrip().startswith("<form")
    assert 'id="timezone-error">Choose a time zone from the list.' in body
    assert 'id="password-error">Use between 8 and 200 characters.' in body
    assert 'aria-invalid="true"' in body and 'value="carla@example.com"' in body
    assert user_by_email("carla@example.com") is None


def test_an_unknown_default_room_is_refused(as_admin):
    response = as_admin.post("/admin/coaches", data={
        "email": "carla@example.com", "name": "Coach Carla", "password": "long-enough-pw",
        "timezone": "Europe/Berlin", "default_room": "999"})
    assert response.status_code == 422
    assert 'id="default_room-error"' in text(response)
    assert user_by_email("carla@example.com") is None


def test_deactivating_asks_first_then_locks_the_account(app, as_admin, make_user, token_for):
    member = make_user("member", name="Mia Member")
    headers = token_for(member)
    confirm = as_admin.get(f"/admin/users/{member.id}/deactivate")
    assert confirm.status_code == 200
    assert f'action="/admin/users/{member.id}/deactivate"' in text(confirm)
    assert user_by_email(member.email).active is True  # a GET changes nothing

    response = as_admin.post(f"/admin/users/{member.id}/deactivate")
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/members")
    assert user_by_email(member.email).active is False
    assert "Mia Member is deactivated." in text(as_admin.get("/admin/members"))

    other = app.test_client()
    refused = other.post("/login", data={"email": member.email, "password": "correct-horse-battery"})
    assert refused.status_code == 422 and "deactivated" in text(refused)
    assert other.get("/api/v1/coaches", headers=headers).status_code == 401


def test_a_deactivated_member_loses_their_open_session(app, as_admin, make_user):
    member = make_user("member")
    theirs = app.test_client()
    theirs.post("/login", data={"email": member.email, "password": "correct-horse-battery"})
    assert theirs.get("/").status_code == 200
    as_admin.post(f"/admin/users/{member.id}/deactivate")
    assert theirs.get("/").status_code == 302


def test_htmx_swaps_the_row_on_reactivation(as_admin, make_user):
    coach = make_user("coach", name="Coach Otto")
    as_admin.post(f"/admin/users/{coach.id}/deactivate")
    response = as_admin.post(f"/admin/users/{coach.id}/reactivate", headers=HX)
    assert response.status_code == 200
    row = text(response).strip()
    assert row.startswith(f'<tr id="user-{coach.id}"') and row.endswith("</tr>")
    assert "Coach Otto is active again." in row
    assert f'hx-post="/admin/users/{coach.id}/deactivate"' in row
    assert 'hx-target="closest tr"' in row and "hx-confirm=" in row
    assert user_by_email(coach.email).active is True


def test_an_admin_cannot_deactivate_themself(as_admin, boss):
    refused = as_admin.post(f"/admin/users/{boss.id}/deactivate", headers=HX)
    assert refused.status_code == 409
    assert "You cannot deactivate your own account." in text(refused)
    plain = as_admin.post(f"/admin/users/{boss.id}/deactivate")
    assert plain.status_code == 303
    assert user_by_email(boss.email).active is True
    assert as_admin.get("/admin/coaches").status_code == 200  # still logged in


def test_unknown_accounts_are_404(as_admin):
    assert as_admin.get("/admin/users/999/deactivate").status_code == 404
    assert as_admin.post("/admin/users/999/reactivate", headers=HX).status_code == 404


def test_rooms_create_refuse_duplicates_and_remove_unused(as_admin, make_user):
    assert as_admin.post("/admin/rooms", data={"name": "Studio A"}).status_code == 303
    duplicate = as_admin.post("/admin/rooms", data={"name": "studio a"}, headers=HX)
    assert duplicate.status_code == 422
    assert "already exists" in text(duplicate) and 'value="studio a"' in text(duplicate)
    blank = as_admin.post("/admin/rooms", data={"name": ""})
    assert blank.status_code == 422 and "Enter a name." in text(blank)
    created = as_admin.post("/admin/rooms", data={"name": "Studio B"}, headers=HX)
    assert created.status_code == 200 and created.headers["HX-Trigger"]

    room_a = db.session.scalar(select(Room).where(Room.name == "Studio A"))
    room_b = db.session.scalar(select(Room).where(Room.name == "Studio B"))
    coach = make_user("coach")
    settings = db.session.scalar(select(CoachSettings).where(CoachSettings.coach_id == coach.id))
    settings.default_room_id = room_a.id
    db.session.commit()

    page = text(as_admin.get("/admin/rooms"))
    assert f'hx-post="/admin/rooms/{room_b.id}/delete"' in page
    assert f'hx-post="/admin/rooms/{room_a.id}/delete"' not in page
    in_use = as_admin.post(f"/admin/rooms/{room_a.id}/delete", headers=HX)
    assert in_use.status_code == 409 and "in use" in text(in_use)
    assert "Remove room" in text(as_admin.get(f"/admin/rooms/{room_b.id}/delete"))
    gone = as_admin.post(f"/admin/rooms/{room_b.id}/delete", headers=HX)
    assert gone.status_code == 200 and "Room Studio B removed." in text(gone)
    db.session.expire_all()
    assert [r.name for r in db.session.scalars(select(Room))] == ["Studio A"]


@pytest.fixture
def csrf_client(database_url, app_config):
    """A client of an app with CSRF protection on, as in production."""
    return create_app(app_config(database_url, WTF_CSRF_ENABLED=True)).test_client()


def test_forms_without_the_csrf_token_are_refused(csrf_client, boss):
    page = text(csrf_client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    csrf_client.post("/login", data={"email": boss.email, "password": "correct-horse-battery",
                                     "csrf_token": token})
    refused = csrf_client.post("/admin/rooms", data={"name": "Sneaky"})
    assert refused.status_code == 400
    assert csrf_client.post(f"/admin/users/{boss.id}/deactivate").status_code == 400
    page = text(csrf_client.get("/admin/rooms"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert csrf_client.post("/admin/rooms", data={"name": "Studio", "csrf_token": token}
                            ).status_code == 303
    header = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    assert csrf_client.post("/admin/rooms", data={"name": "Annex"},
                            headers={**HX, "X-CSRFToken": header}).status_code == 200
    db.session.expire_all()
    assert sorted(r.name for r in db.session.scalars(select(Room))) == ["Annex", "Studio"]

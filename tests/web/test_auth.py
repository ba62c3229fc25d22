"""Logging in and out, redirects to the login page, role pages, CSRF."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import Blueprint

from coachapp import create_app
from coachapp.auth import roles_required
from tests.conftest import PASSWORD


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
        assert sess["_user_id"] == f"{member.id}:0"  # id and auth version


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


# --- logout and password change end every login of the account (issue 13, item 3) ---------------


def _login_remembered(client, user, password=PASSWORD):
    """Log in with "Keep me logged in"; the answer sets a remember cookie."""
    response = client.post(
        "/login", data={"email": user.email, "password": password, "remember": "y"}
    )
    assert response.status_code == 302
    assert client.get_cookie("remember_token") is not None
    return response


def _client_with(app, **cookies):
    """A fresh browser holding only ``cookies`` (copies of another browser's)."""
    fresh = app.test_client()
    for name, value in cookies.items():
        fresh.set_cookie(name, value)
    return fresh


def _logged_in(client) -> bool:
    """Whether the client's cookies open the home page (anonymous users are sent to /login)."""
    return client.get("/").status_code == 200


def test_logout_deletes_the_remember_cookie_and_a_replayed_one_is_refused(app, client, make_user):
    member = make_user("member")
    _login_remembered(client, member)
    remembered = client.get_cookie("remember_token").value
    # the remember cookie alone logs in (that is what it is for) ...
    assert _logged_in(_client_with(app, remember_token=remembered))
    out = client.post("/logout")
    assert out.status_code == 302
    deleted = [c for c in out.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert deleted and "expires=thu, 01 jan 1970" in deleted[0].lower(), deleted
    assert client.get_cookie("remember_token") is None
    assert not _logged_in(client)
    # ... and a copy taken before the logout no longer does.
    assert not _logged_in(_client_with(app, remember_token=remembered))


def test_session_and_remember_cookies_replayed_after_logout_are_refused(app, client, make_user):
    member = make_user("member")
    _login_remembered(client, member)
    captured = {name: client.get_cookie(name).value for name in ("session", "remember_token")}
    assert _logged_in(_client_with(app, **captured))
    client.post("/logout")
    assert not _logged_in(_client_with(app, **captured))
    assert not _logged_in(_client_with(app, session=captured["session"]))
    # logging in again makes new cookies; the old ones stay dead
    _login_remembered(client, member)
    assert _logged_in(client)
    assert not _logged_in(_client_with(app, **captured))


def test_logout_ends_every_session_of_the_account(app, client, make_user):
    """Logging out on the laptop also logs out the phone (and its remembered login); another
    member's session is untouched."""
    member, other = make_user("member"), make_user("member")
    phone, bystander = app.test_client(), app.test_client()
    _login_remembered(phone, member)
    client.post("/login", data={"email": member.email, "password": PASSWORD})
    bystander.post("/login", data={"email": other.email, "password": PASSWORD})
    client.post("/logout")
    assert not _logged_in(phone)
    assert _logged_in(bystander)


def test_a_session_naming_an_unversioned_stale_or_junk_id_is_anonymous(app, client, make_user):
    """Only "<id>:<current auth version>" loads a user: an id without a version (a cookie from
    before versions existed: everyone logs in once more after the upgrade), another version, or
    junk ("²" passes str.isdigit, not int) is an anonymous visitor, never a 500."""
    member = make_user("member")
    answers = {}
    for cookie_id in ("{id}", "²", "{id}²", "{id}:1", "{id}:0:0", "99999999999999999999:0",
                      "{id}:99999999999", ""):
        with client.session_transaction() as sess:
            sess["_user_id"] = cookie_id.format(id=member.id)
            sess["_fresh"] = True
        response = client.get("/")
        answers[cookie_id] = (response.status_code, response.headers.get("Location", "")[:6])
    assert set(answers.values()) == {(302, "/login")}, answers
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{member.id}:0"
    assert client.get("/").status_code == 200


def test_every_role_finds_the_account_page_in_the_navigation(app, make_user):
    for role in ("member", "coach", "admin"):
        client = app.test_client()
        client.post("/login", data={"email": make_user(role).email, "password": PASSWORD})
        home = client.get("/").get_data(as_text=True)
        assert 'href="/account"' in home, role
        page = client.get("/account")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Change your password" in text and "API tokens" in text


def test_account_page_needs_a_login(client):
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.post("/account/password", data={}).status_code == 302


def _change(client, current=PASSWORD, new="a-new-secret-2027", again=None):
    return client.post(
        "/account/password",
        data={"current_password": current, "new_password": new,
              "new_password_again": new if again is None else again},
    )


def test_a_reactivated_account_does_not_get_its_old_sessions_back(app, make_user):
    """Deactivating ends the account's logins for good: reactivating it later does not revive a
    browser (or a copied cookie) that was logged in before; a new login works."""
    admin, member = make_user("admin"), make_user("member")
    boss, theirs = app.test_client(), app.test_client()
    boss.post("/login", data={"email": admin.email, "password": PASSWORD})
    _login_remembered(theirs, member)
    captured = {n: theirs.get_cookie(n).value for n in ("session", "remember_token")}
    boss.post(f"/admin/users/{member.id}/deactivate")
    boss.post(f"/admin/users/{member.id}/reactivate")
    assert not _logged_in(theirs)
    assert not _logged_in(_client_with(app, **captured))
    assert theirs.post(
        "/login", data={"email": member.email, "password": PASSWORD}
    ).status_code == 302


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"current": "not-my-password"}, "current_password", "Current password: this is not"),
        ({"current": ""}, "current_password", "Current password: enter"),
        ({"new": "short1", "again": "short1"}, "new_password", "New password: use 8 to 200"),
        ({"new": "x" * 201, "again": "x" * 201}, "new_password", "New password: use 8 to 200"),
        ({"again": "a-new-secret-2028"}, "new_password_again", "Repeat new password: the two"),
        ({"new": PASSWORD, "again": PASSWORD}, "new_password", "differs from the current"),
    ],
)
def test_a_refused_password_change_says_which_field_and_changes_nothing(
    app, client, make_user, login, fields, field_id, message
):
    member = make_user("member")
    login(member)
    response = _change(client, **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', page)
    assert error and message in error.group(1), page
    assert f'id="{field_id}"' in page and 'aria-invalid="true"' in page
    assert _logged_in(client)
    client.post("/logout")
    assert client.post(
        "/login", data={"email": member.email, "password": PASSWORD}
    ).status_code == 302


def test_password_change_keeps_this_session_and_ends_the_others(app, client, make_user, login):
    member = make_user("member")
    phone = app.test_client()
    _login_remembered(phone, member)
    phone_cookies = {n: phone.get_cookie(n).value for n in ("session", "remember_token")}
    login(member)
    response = _change(client)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "Your password is changed" in client.get("/account").get_data(as_text=True)
    assert _logged_in(client)
    assert not _logged_in(phone)
    assert not _logged_in(_client_with(app, remember_token=phone_cookies["remember_token"]))
    assert not _logged_in(_client_with(app, session=phone_cookies["session"]))
    fresh = app.test_client()
    assert fresh.post(
        "/login", data={"email": member.email, "password": PASSWORD}
    ).status_code == 422
    assert fresh.post(
        "/login", data={"email": member.email, "password": "a-new-secret-2027"}
    ).status_code == 302


def test_password_change_renews_this_browsers_remember_cookie(app, client, make_user):
    """A remembered login that changes the password stays remembered: it gets a new remember
    cookie, while the old one is refused."""
    member = make_user("member")
    _login_remembered(client, member)
    old = client.get_cookie("remember_token").value
    assert _change(client).status_code == 302
    new = client.get_cookie("remember_token").value
    assert new != old
    assert _logged_in(_client_with(app, remember_token=new))
    assert not _logged_in(_client_with(app, remember_token=old))


# --- where a login sends you (issue 13, item 8) ----------------------------------------------------


JUNK_NEXT = [
    "/%0D%0ALocation:%20https://evil.example.com",
    "/%0d%0aSet-Cookie:%20planted=1",
    "/x%0Ay",
    "/x%0Dy",
    "%0D%0A/",
    "/%5Cevil.example.com",
    "/%5C%5Cevil.example.com",
    "%5C%5Cevil.example.com",
    "/%09/evil.example.com",
    "/%00",
    "/%7F",
    "https:evil.example.com",
    "/%E2%80%A8/evil.example.com",
    "%F0%9F%98%80",
    "/" + "a" * 5000,
]


def test_next_with_control_characters_or_junk_never_errs_or_leaves(client, make_user):
    """``/login?next=`` with CR/LF (a 500 before), tabs, NUL, backslashes (browsers read
    ``/\\host`` as ``//host``) or other junk: the form shows, the login works, and it lands on
    this site, at a Location with nothing but printable ASCII. A plain next still works."""
    member = make_user("member")
    problems = []
    for target in JUNK_NEXT:
        page = client.get(f"/login?next={target}")
        response = client.post(
            f"/login?next={target}", data={"email": member.email, "password": PASSWORD}
        )
        if page.status_code == response.status_code == 400:
            continue  # refused outright as malformed (NUL): fine, it is no 500 and no redirect
        location = response.headers.get("Location", "")
        parts = urlsplit(location)
        if (
            page.status_code != 200
            or response.status_code != 302
            or parts.scheme
            or parts.netloc
            or not location.startswith("/")
            or location.startswith("//")
            or "\\" in location
            or not all(0x20 < ord(ch) < 0x7F for ch in location)
            or "planted" in str(response.headers)
        ):
            problems.append(f"{target[:60]}: {page.status_code}, {response.status_code} "
                            f"→ {location[:60]!r}")
        client.post("/logout")
    assert not problems, "\n".join(problems)
    plain = client.post(
        "/login?next=/me/sessions%3Fpage%3D2%26x%3D%C3%A9",
        data={"email": member.email, "password": PASSWORD},
    )
    assert plain.headers["Location"].startswith("/me/sessions?page=2&x=")


@pytest.mark.parametrize("path", ["/account/tokens", "/account/password", "/account/tokens/revoke"])
def test_opening_a_form_address_again_leads_to_the_account_page(client, make_user, login, path):
    # A reload after a new token was shown opened /account/tokens with GET: 405 Method Not Allowed.
    login(make_user("member"))
    response = client.get(path)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/account"

"""API tokens (issue 13, item 6): they expire, record their last use, and their owner lists and
revokes them, through the API, the account page and the ``users token`` command."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from coachapp.extensions import db
from coachapp.models import ApiToken
from coachapp.services import tokens
from tests.conftest import PASSWORD

T0 = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def _issue(user, days: int = tokens.DEFAULT_DAYS) -> tuple[ApiToken, str]:
    return tokens.issue(user, days)


def _row(token_id) -> ApiToken:
    db.session.expire_all()
    return db.session.get(ApiToken, int(token_id))


def test_tokens_list_the_callers_own_with_dates_never_the_secret(api, gym, clock):
    first, first_secret = _issue(gym.member)
    clock.set(T0 + timedelta(hours=1))
    second, second_secret = _issue(gym.member, 7)
    _issue(gym.member2)
    response = api.get("/api/v1/tokens", headers=_bearer(second_secret))
    assert response.status_code == 200
    listed = response.get_json()["tokens"]
    assert [t["id"] for t in listed] == [str(second.id), str(first.id)]  # newest first
    assert all(set(t) == {"id", "created_at", "expires_at", "last_used_at"} for t in listed)
    by_id = {t["id"]: t for t in listed}
    created = datetime.fromisoformat(by_id[str(first.id)]["created_at"])
    assert created == T0
    assert datetime.fromisoformat(by_id[str(first.id)]["expires_at"]) == T0 + timedelta(days=90)
    assert datetime.fromisoformat(by_id[str(second.id)]["expires_at"]) == (
        T0 + timedelta(hours=1, days=7)
    )
    assert by_id[str(first.id)]["last_used_at"] is None
    assert datetime.fromisoformat(by_id[str(second.id)]["last_used_at"]) == T0 + timedelta(hours=1)
    text = response.get_data(as_text=True)
    assert first_secret not in text and second_secret not in text
    assert ApiToken.hash(first_secret) not in text


def test_revoking_a_token_makes_it_401_and_leaves_the_others(api, gym, clock):
    keep, keep_secret = _issue(gym.member)
    gone, gone_secret = _issue(gym.member)
    assert api.get("/api/v1/me", headers=_bearer(gone_secret)).status_code == 200
    response = api.delete(f"/api/v1/tokens/{gone.id}", headers=_bearer(keep_secret))
    assert response.status_code == 204 and response.get_data() == b""
    refused = api.get("/api/v1/me", headers=_bearer(gone_secret))
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthorized"
    assert api.get("/api/v1/me", headers=_bearer(keep_secret)).status_code == 200
    listed = api.get("/api/v1/tokens", headers=_bearer(keep_secret)).get_json()["tokens"]
    assert [t["id"] for t in listed] == [str(keep.id)]


def test_a_token_can_revoke_itself(api, gym, clock):
    row, secret = _issue(gym.coach)
    assert api.delete(f"/api/v1/tokens/{row.id}", headers=_bearer(secret)).status_code == 204
    assert api.get("/api/v1/tokens", headers=_bearer(secret)).status_code == 401


@pytest.mark.parametrize("target", ["other", "unknown", "junk", "huge", "superscript"])
def test_another_users_token_or_an_unknown_id_is_404(api, gym, clock, target):
    other, other_secret = _issue(gym.member2)
    _mine, secret = _issue(gym.member)
    token_id = {"other": str(other.id), "unknown": "999999", "junk": "abc",
                "huge": "99999999999999999999", "superscript": "²"}[target]
    response = api.delete(f"/api/v1/tokens/{token_id}", headers=_bearer(secret))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert api.get("/api/v1/me", headers=_bearer(other_secret)).status_code == 200


def test_an_expired_token_is_401_saying_so(api, gym, clock):
    _row_, secret = _issue(gym.member, 1)
    clock.set(T0 + timedelta(days=1) - timedelta(seconds=1))
    assert api.get("/api/v1/me", headers=_bearer(secret)).status_code == 200
    clock.set(T0 + timedelta(days=1))
    refused = api.get("/api/v1/me", headers=_bearer(secret))
    assert refused.status_code == 401
    assert "expired" in refused.get_json()["error"]["message"]
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_of_a_deactivated_account_is_401(api, gym, clock):
    _row_, secret = _issue(gym.member)
    gym.member.active = False
    db.session.commit()
    assert api.get("/api/v1/me", headers=_bearer(secret)).status_code == 401


def test_new_tokens_last_90_days_unless_asked(gym, clock):
    row, _secret = _issue(gym.member)
    assert _row(row.id).expires_at == T0 + timedelta(days=90)


@pytest.mark.parametrize("days", [0, -1, 731, True, "7"])
def test_a_lifetime_outside_1_to_730_days_is_refused(gym, clock, days):
    from coachapp.services.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        tokens.issue(gym.member, days)
    assert refused.value.field == "expires_days"
    assert db.session.scalars(select(ApiToken)).all() == []


def test_last_used_at_is_written_at_most_once_a_minute(api, gym, clock):
    """Reads stay reads: a token used every few seconds writes ``last_used_at`` once a minute."""
    row, secret = _issue(gym.member)
    assert _row(row.id).last_used_at is None
    api.get("/api/v1/me", headers=_bearer(secret))
    assert _row(row.id).last_used_at == T0
    clock.set(T0 + timedelta(seconds=59))
    api.get("/api/v1/me", headers=_bearer(secret))
    assert _row(row.id).last_used_at == T0
    clock.set(T0 + timedelta(seconds=60))
    api.get("/api/v1/me", headers=_bearer(secret))
    assert _row(row.id).last_used_at == T0 + timedelta(seconds=60)


def test_a_use_within_the_minute_sends_no_write(app, api, gym, clock):
    """Counted at the database: the second request of the minute runs no UPDATE."""
    from sqlalchemy import event

    _row_, secret = _issue(gym.member)
    api.get("/api/v1/me", headers=_bearer(secret))
    writes: list[str] = []

    def spy(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            writes.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", spy)
    try:
        clock.set(T0 + timedelta(seconds=30))
        assert api.get("/api/v1/me", headers=_bearer(secret)).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert writes == []


def test_users_token_command_takes_expires_days(runner, gym, clock, client):
    result = runner.invoke(args=["users", "token", gym.coach.email, "--expires-days", "7"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(secret)))
    assert row.expires_at == T0 + timedelta(days=7)
    assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 200
    default = runner.invoke(args=["users", "token", gym.coach.email])
    secret = default.output.strip().splitlines()[-1]
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(secret)))
    assert row.expires_at == T0 + timedelta(days=90)


@pytest.mark.parametrize("days", ["0", "731", "-3"])
def test_users_token_command_refuses_a_bad_lifetime(runner, gym, days):
    result = runner.invoke(args=["users", "token", gym.coach.email, "--expires-days", days])
    assert result.exit_code != 0
    assert "expires_days" in result.output and "730" in result.output
    assert db.session.scalars(select(ApiToken)).all() == []


# --- the account page -----------------------------------------------------------------------------


@pytest.fixture
def member_page(app, gym, clock):
    """A browser logged in as the member (the form login, as a person would)."""
    browser = app.test_client()
    response = browser.post("/login", data={"email": gym.member.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def test_account_page_lists_own_tokens_with_their_dates(member_page, gym, clock):
    mine, _secret = _issue(gym.member, 30)
    theirs, _other = _issue(gym.member2)
    db.session.execute(
        ApiToken.__table__.update().where(ApiToken.id == mine.id).values(
            last_used_at=T0 + timedelta(minutes=5))
    )
    db.session.commit()
    page = member_page.get("/account").get_data(as_text=True)
    assert f'id="token-{mine.id}"' in page and f'id="token-{theirs.id}"' not in page
    item = page[page.index(f'id="token-{mine.id}"'):]
    item = item[: item.index("</li>")]
    # the gym's zone (Europe/Berlin, UTC+1 in March before the change)
    assert "Created Mon 15 Mar 2027, 13:00" in item
    assert "Expires Wed 14 Apr 2027, 14:00" in item  # 30 days on, summer time by then
    assert "Last used Mon 15 Mar 2027, 13:05" in item


def test_account_page_creates_a_token_and_shows_it_once(member_page, gym, clock, client):
    response = member_page.post("/account/tokens", data={"expires_days": "14"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code class="secret" id="new-token">([^<]+)</code>',
                       response.get_data(as_text=True)).group(1)
    assert client.get("/api/v1/me", headers=_bearer(secret)).get_json()["user"]["email"] == (
        gym.member.email)
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(secret)))
    assert row.user_id == gym.member.id and row.expires_at == T0 + timedelta(days=14)
    assert secret not in member_page.get("/account").get_data(as_text=True)


@pytest.mark.parametrize("days", ["0", "731", "abc", ""])
def test_account_page_refuses_a_bad_lifetime_inline(member_page, days):
    response = member_page.post("/account/tokens", data={"expires_days": days})
    assert response.status_code == 422
    error = re.search(r'<p class="error" id="expires_days-error">([^<]*)</p>',
                      response.get_data(as_text=True))
    assert error and error.group(1).startswith("Valid for:"), response.get_data(as_text=True)
    assert db.session.scalars(select(ApiToken)).all() == []


def test_account_page_revokes_after_a_confirmation(member_page, gym, clock, client):
    row, secret = _issue(gym.member)
    ask = member_page.post("/account/tokens/revoke", data={"token_id": str(row.id)})
    assert ask.status_code == 200
    page = ask.get_data(as_text=True)
    assert f"Revoke token {row.id}?" in page and 'name="confirmed" value="1"' in page
    assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 200
    done = member_page.post("/account/tokens/revoke",
                            data={"token_id": str(row.id), "confirmed": "1"})
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    assert "The token is revoked" in member_page.get("/account").get_data(as_text=True)
    assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 401


@pytest.mark.parametrize("token_id", ["other", "", "abc", "²", "99999999999"])
def test_account_page_cannot_revoke_another_users_token(member_page, gym, clock, client,
                                                        token_id):
    theirs, secret = _issue(gym.member2)
    value = str(theirs.id) if token_id == "other" else token_id
    response = member_page.post("/account/tokens/revoke",
                                data={"token_id": value, "confirmed": "1"})
    assert response.status_code == 302
    assert "nothing to revoke" in member_page.get("/account").get_data(as_text=True)
    assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 200

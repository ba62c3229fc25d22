"""Calendar feed pages: the public ``/feeds/<token>.ics`` (no login, no cookie, a wrong token is a
404) and the "Calendar feed" card on /me/sessions and /coach/settings with its absolute URL and a
Regenerate button that asks first and retires the old URL."""

from __future__ import annotations

import re
from datetime import timedelta

from icalendar import Calendar
from member_helpers import HX, at
from member_helpers import small_gym_fixture as small_gym_fixture  # the gym fixture

from coachapp.services import bookings


def is_page(response) -> bool:
    """A whole page with the layout."""
    body = response.get_data(as_text=True)
    return body.lstrip().startswith("<!doctype html>") and 'class="topbar"' in body


def feed_url(body: str) -> str:
    """The feed URL shown in the card."""
    found = re.search(r'id="feed-url"[^>]*value="([^"]+)"', body)
    assert found, "no feed URL on the page"
    return found[1]


def test_the_member_card_shows_an_absolute_feed_url(client, login, gym):
    login(gym.ava)
    body = client.get("/me/sessions").get_data(as_text=True)
    assert "Calendar feed" in body
    url = feed_url(body)
    assert re.fullmatch(r"http://localhost/feeds/[A-Za-z0-9_-]{43}\.ics", url), url
    assert 'href="webcal://localhost/feeds/' in body
    assert 'action="/me/feed/regenerate"' in body and "Regenerate URL" in body
    assert 'hx-confirm="Make a new feed URL? The current one stops working' in body
    # The same URL on every visit until regenerated.
    assert feed_url(client.get("/me/sessions").get_data(as_text=True)) == url


def test_the_feed_is_public_calendar_text_in_the_coachs_zone(client, login, gym, app):
    start = at("2027-03-29", "10:00")  # the Monday after Berlin's switch to summer time
    _, session = bookings.book_one_time(gym.ava, gym.coach.id, start, start + timedelta(hours=1))
    login(gym.ava)
    url = feed_url(client.get("/me/sessions").get_data(as_text=True))
    anonymous = app.test_client()
    response = anonymous.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Set-Cookie" not in response.headers
    text = response.get_data(as_text=True)
    assert "DTSTART;TZID=Europe/Berlin:20270329T100000" in text
    assert "BEGIN:VTIMEZONE" in text
    [event] = Calendar.from_ical(response.get_data()).walk("VEVENT")
    assert str(event["UID"]) == f"session-{session.id}@coachapp"


def test_a_wrong_token_is_a_404(client, app, gym):
    anonymous = app.test_client()
    assert anonymous.get("/feeds/not-a-real-token-at-all-0123456789.ics").status_code == 404
    assert anonymous.get("/feeds/.ics").status_code == 404


def test_regenerating_asks_first_then_retires_the_old_url(client, login, gym, app):
    login(gym.ava)
    old = feed_url(client.get("/me/sessions").get_data(as_text=True))
    ask = client.post("/me/feed/regenerate")
    assert ask.status_code == 200 and is_page(ask)
    assert "stops working at once" in ask.get_data(as_text=True)
    assert 'name="confirmed" value="1"' in ask.get_data(as_text=True)
    anonymous = app.test_client()
    assert anonymous.get(old).status_code == 200  # asking changed nothing

    done = client.post("/me/feed/regenerate", data={"confirmed": "1"}, headers=HX)
    assert done.status_code == 200
    body = done.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="feed"') and "<html" not in body
    assert "The old one no longer works" in body
    new = feed_url(body)
    assert new != old
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200


def test_regenerating_without_htmx_redirects_back(client, login, gym):
    login(gym.ava)
    old = feed_url(client.get("/me/sessions").get_data(as_text=True))
    done = client.post("/me/feed/regenerate", data={"confirmed": "1"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/me/sessions")
    page = client.get("/me/sessions").get_data(as_text=True)
    assert "New feed URL made." in page and feed_url(page) != old


def test_the_coach_card_on_settings(client, login, gym, app):
    login(gym.coach)
    page = client.get("/coach/settings")
    assert page.status_code == 200 and is_page(page)
    url = feed_url(page.get_data(as_text=True))
    assert app.test_client().get(url).status_code == 200
    ask = client.post("/coach/feed/regenerate")
    assert "Make a new calendar feed URL?" in ask.get_data(as_text=True)
    done = client.post("/coach/feed/regenerate", data={"confirmed": "1"}, headers=HX)
    assert done.status_code == 200 and "The old one no longer works" in done.get_data(as_text=True)
    assert app.test_client().get(url).status_code == 404
    plain = client.post("/coach/feed/regenerate", data={"confirmed": "1"})
    assert plain.status_code == 302 and plain.headers["Location"].endswith("/coach/settings")


def test_an_admin_on_a_coachs_settings_sees_no_feed_card(client, login, gym):
    login(gym.admin)
    body = client.get(f"/coach/settings?coach={gym.coach.id}").get_data(as_text=True)
    assert "Calendar feed" not in body


def test_each_role_regenerates_only_its_own(client, login, gym):
    login(gym.ava)
    assert client.post("/coach/feed/regenerate", data={"confirmed": "1"}).status_code == 403
    client.post("/logout")
    login(gym.coach)
    assert client.post("/me/feed/regenerate", data={"confirmed": "1"}).status_code == 403

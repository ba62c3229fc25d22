""" "Show times in" (issue 19 item 2): a member picks the zone they read times in on the booking
page or My sessions; POST /me/zone saves users.timezone and goes back to the page it came from (a
path on this site only; the form is boosted, so htmx follows the redirect and swaps in the page
shown in the new zone); an unknown zone is a 422 naming the field; /me/zone lists every zone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from member_helpers import BOOSTED, HX, at, client_for, small_gym

from coachapp.extensions import db
from coachapp.models import User


@pytest.fixture
def gym(app, make_user, clock, client, login):
    """Ava (no zone of her own: the gym's, Berlin) logged in; coach Lena in Berlin."""
    gym = small_gym(make_user)
    login(gym.ava)
    return gym


def zone_of(user) -> str | None:
    db.session.expire_all()
    return db.session.get(User, user.id).timezone


def switcher(html: str) -> str:
    return re.search(r'<form id="zone-switcher".*?</form>', html, re.S).group(0)


def selected(html: str) -> str:
    return re.search(r'<option value="([^"]+)" selected>', switcher(html)).group(1)


def test_the_booking_page_and_my_sessions_have_the_switcher(client, gym):
    for url in (f"/book/{gym.coach.id}", "/me/sessions"):
        html = client.get(url).get_data(as_text=True)
        form = switcher(html)
        assert '<label for="zone-select">Show times in</label>' in form
        assert 'action="/me/zone"' in form and "hx-post" not in form  # boosted (body)
        assert f'<input type="hidden" name="next" value="{url}">' in form
        assert selected(html) == "Europe/Berlin"
        first_group = re.search(r'<optgroup label="([^"]+)">(.*?)</optgroup>', form, re.S)
        assert first_group.group(1) == "Yours and your coaches&#39;"
        assert ">Berlin time (UTC+01:00)</option>" in first_group.group(2)
        assert ">New York time (UTC-04:00)</option>" in form  # a common zone
        assert "America/Argentina/Buenos_Aires" not in form  # the long list is on /me/zone
        assert 'href="/me/zone?next=' in form


def test_a_plain_post_saves_the_zone_and_goes_back(client, gym):
    url = f"/book/{gym.coach.id}?from=2027-03-16"
    response = client.post("/me/zone", data={"timezone": "America/New_York", "next": url})
    assert response.status_code == 303 and response.headers["Location"] == url
    assert zone_of(gym.ava) == "America/New_York"
    # remembered: the next page load shows times in New York, and says so once
    html = client.get(url).get_data(as_text=True)
    assert "Times are now shown in New York time." in html
    assert selected(html) == "America/New_York"
    assert re.search(r"<span>04:00</span><small>09:00</small>", html)
    again = client.get("/me/sessions").get_data(as_text=True)
    assert selected(again) == "America/New_York"
    assert "Times are now shown" not in again


def test_the_zone_reaches_my_sessions_times(client, gym):
    from coachapp.services import bookings

    start = at("2027-03-18", "10:00")
    bookings.book_one_time(gym.ava, gym.coach.id, start, start + timedelta(hours=1))
    client.post("/me/zone", data={"timezone": "Asia/Tokyo", "next": "/me/sessions"})
    html = client.get("/me/sessions").get_data(as_text=True)
    assert "Thu 18 Mar, 18:00–19:00</a>" in html  # 10:00 Berlin is 18:00 in Tokyo
    assert "Studio A · 10:00 <abbr" in html  # Lena's own, second (the same day there)


def test_a_boosted_post_is_redirected_to_the_whole_page(client, gym):
    response = client.post(
        "/me/zone", data={"timezone": "Europe/London", "next": "/me/sessions"}, headers=BOOSTED
    )
    assert response.status_code == 303 and response.headers["Location"] == "/me/sessions"
    assert zone_of(gym.ava) == "Europe/London"
    page = client.get("/me/sessions", headers=BOOSTED).get_data(as_text=True)
    assert "<html" in page and selected(page) == "Europe/London"
    # a refused boosted post is the zone page (the whole body), 422
    bad = client.post("/me/zone", data={"timezone": "Mars/Olympus"}, headers=BOOSTED)
    assert bad.status_code == 422 and "<h1>Your time zone</h1>" in bad.get_data(as_text=True)


@pytest.mark.parametrize(
    "value", ["Mars/Olympus", "", "   ", "europe/berlin", "x" * 5000, "../etc"]
)
def test_an_unknown_zone_is_422_naming_the_field(client, gym, value):
    response = client.post("/me/zone", data={"timezone": value, "next": "/me/sessions"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="zone-switcher"')
    assert 'name="timezone" aria-describedby="zone-error" aria-invalid="true"' in html
    words = r"(.* is not a known time zone|Choose a time zone to show times in)"
    assert re.search(rf'<p class="error" role="alert">{words}\.</p>', html)
    assert zone_of(gym.ava) is None
    plain = client.post("/me/zone", data={"timezone": value})
    assert plain.status_code == 422 and "<html" in plain.get_data(as_text=True)


def test_a_missing_zone_field_is_422(client, gym):
    assert client.post("/me/zone", data={}).status_code == 422


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/me",
        "/\\evil.example",
        "javascript:alert(1)",
        "me/sessions",
        "/me\r\nSet-Cookie: x=1",
    ],
)
def test_the_way_back_is_a_path_on_this_site_only(client, gym, target):
    response = client.post("/me/zone", data={"timezone": "Europe/Paris", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/me/sessions"


def test_the_zone_page_lists_every_zone(client, gym):
    response = client.get("/me/zone?next=/book")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Buenos Aires time (UTC-03:00) · America/Argentina/Buenos_Aires</option>" in html
    assert '<input type="hidden" name="all" value="1">' in html
    assert '<a href="/book">‹ Back</a>' in html
    assert html.count('value="Europe/Berlin"') == 1  # each zone once
    evil = client.get("/me/zone?next=https://evil.example").get_data(as_text=True)
    assert "evil.example" not in evil


def test_a_coach_cannot_use_the_members_switcher(app, gym):
    coach = client_for(app, gym.coach)
    assert coach.post("/me/zone", data={"timezone": "Asia/Tokyo"}).status_code == 403
    assert zone_of(gym.coach) == "Europe/Berlin"

"""The member's time first on every member page (issue 19 item 2): the class page, My sessions and
a session's page, the cancel sheet, the policy line, the home page and the notification messages
say times in the member's zone (users.timezone); the coach's own time is a grey second line only
when the zones differ; a zone is named as people say it ("New York time"), its offset in the
title and as text (screen readers, touch screens). The series-cancel button says what it does.

Member Ava lives in New York, coach Lena in Berlin: 5 hours apart in mid-March 2027 (the clock
fixture: Monday 2027-03-15 13:00 Berlin; New York is already on summer time)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from member_helpers import HX, at, small_gym

from coachapp.services.zones import named_when, zone_name

NEW_YORK = (
    '<abbr class="zone" title="UTC-04:00 · America/New_York">New York time</abbr>'
    '<span class="zone-offset"> (UTC-04:00)</span>'
)
BERLIN = (
    '<abbr class="zone" title="UTC+01:00 · Europe/Berlin">Berlin time</abbr>'
    '<span class="zone-offset"> (UTC+01:00)</span>'
)


@pytest.fixture
def far(app, make_user, clock, client, login):
    """Ava (New York) logged in; Lena (Berlin) also teaches groups on Wednesdays 17:00–20:00."""
    from coachapp.services import availability
    from coachapp.services.availability import WindowInput

    gym = small_gym(make_user, member_zone="America/New_York")
    availability.replace_weekly_day(
        gym.admin,
        gym.coach.id,
        3,
        [
            WindowInput("09:00", "12:00", gym.room.id),
            WindowInput("17:00", "20:00", gym.room.id, is_individual=False, is_group=True),
        ],
    )
    login(gym.ava)
    return gym


def one_time(gym, member, day="2027-03-18", hhmm="10:00"):
    from coachapp.services import bookings

    start = at(day, hhmm)
    return bookings.book_one_time(member, gym.coach.id, start, start + timedelta(hours=1))[1]


def a_class(gym, day="2027-03-17", start="18:00", end="19:00"):
    from coachapp.services import group_classes

    return group_classes.schedule_group_session(
        gym.coach, gym.coach.id, at(day, start), at(day, end), "Kettlebells", 4
    )


def text_of(html: str) -> str:
    """The page's words, without tags and with spaces folded (what a sighted reader sees, plus
    the visually hidden parts)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_the_class_page_leads_with_the_members_time(client, far):
    group = a_class(far)
    html = client.get(f"/classes/{group.id}").get_data(as_text=True)
    # 18:00 in Berlin is 13:00 in New York
    assert f"<strong>Wed 17 Mar, 13:00–14:00</strong> {NEW_YORK}" in html
    assert f'<p class="muted coach-time">Wed 17 Mar, 18:00–19:00 {BERLIN}</p>' in html
    assert html.index("13:00–14:00") < html.index("18:00–19:00")
    # the policy line: the member's clock, named
    assert f"Free cancellation until Tue 16 Mar, 13:00 {NEW_YORK}." in html
    assert "your time (" not in html


def test_the_class_card_fragment_keeps_the_members_time(client, far):
    group = a_class(far)
    card = client.post(f"/classes/{group.id}/book", data={"waitlist": "0"}, headers=HX)
    html = card.get_data(as_text=True)
    assert card.status_code == 200 and "<html" not in html
    assert f"<strong>Wed 17 Mar, 13:00–14:00</strong> {NEW_YORK}" in html


def test_a_sessions_page_leads_with_the_members_time(client, far):
    session = one_time(far, far.ava)
    html = client.get(f"/me/sessions/{session.id}").get_data(as_text=True)
    assert "<h1>Thu 18 Mar, 05:00–06:00</h1>" in html
    assert "<title>Session Thu 18 Mar, 05:00" in html
    assert f"{NEW_YORK}; Lena's own: Thu 18 Mar, 10:00–11:00 {BERLIN}" in html


def test_the_booked_card_leads_with_the_members_time(client, far):
    session = one_time(far, far.ava)
    html = client.get(f"/me/sessions/{session.id}?booked=1").get_data(as_text=True)
    assert f"<strong>Thu 18 Mar, 05:00–06:00</strong> {NEW_YORK}" in html
    assert f"Thu 18 Mar, 10:00–11:00 {BERLIN}" in html


def test_my_sessions_lists_the_members_time_with_the_coachs_after(client, far):
    session = one_time(far, far.ava)
    html = client.get("/me/sessions").get_data(as_text=True)
    row = re.search(r'<li class="session[^"]*">.*?</li>', html, re.S).group(0)
    assert f'href="/me/sessions/{session.id}">Thu 18 Mar, 05:00–06:00</a>' in row
    assert f"Lena Hoffmann · Studio A · 10:00 {BERLIN}" in row  # the same day there
    assert "your time" not in row


def test_the_coachs_time_names_its_day_when_it_is_another_day_there(client, far):
    from coachapp.extensions import db
    from coachapp.models import User

    db.session.get(User, far.ava.id).timezone = "Pacific/Honolulu"
    db.session.commit()
    one_time(far, far.ava)  # Thu 10:00 in Berlin is Wed 23:00 in Honolulu
    html = client.get("/me/sessions").get_data(as_text=True)
    row = re.search(r'<li class="session[^"]*">.*?</li>', html, re.S).group(0)
    assert "Wed 17 Mar, 23:00–00:00</a>" in row
    assert "Lena Hoffmann · Studio A · Thu 18 Mar, 10:00 <abbr" in row


def test_the_cancel_sheet_and_its_answer_lead_with_the_members_time(client, far):
    session = one_time(far, far.ava)
    sheet = client.get(f"/me/sessions/{session.id}/cancel", headers=HX).get_data(as_text=True)
    assert '<h2 id="sheet-title" tabindex="-1">Cancel Thu 18 Mar, 05:00?</h2>' in sheet
    assert f"05:00–06:00 with Lena Hoffmann · Studio A · 10:00 {BERLIN}" in sheet
    done = client.post(f"/me/sessions/{session.id}/cancel", data={"scope": "one"}, headers=HX)
    assert "Cancelled Thu 18 Mar, 05:00." in done.get_data(as_text=True)


def test_one_zone_shows_one_time_and_no_second_line(client, login, app, make_user, clock):
    gym = small_gym(make_user)  # Ben reads the gym's zone, Berlin, as Lena
    login(gym.ben)
    session = one_time(gym, gym.ben)
    page = client.get(f"/me/sessions/{session.id}").get_data(as_text=True)
    assert "<h1>Thu 18 Mar, 10:00–11:00</h1>" in page
    assert "zone-times" not in page and "Berlin time</abbr>" not in page
    listing = client.get("/me/sessions").get_data(as_text=True)
    assert "Thu 18 Mar, 10:00–11:00</a>" in listing and "Berlin time</abbr>" not in listing


def test_home_lists_the_members_sessions_in_their_zone(client, far):
    one_time(far, far.ava)
    html = client.get("/").get_data(as_text=True)
    assert "<strong>Thu 18 Mar, 05:00–06:00</strong>" in html
    assert f"Times in {NEW_YORK}." in html


def test_a_coachs_cancellation_names_the_members_zone_as_people_say_it(client, far):
    from coachapp.services import sessions

    session = one_time(far, far.ava)
    sessions.cancel_session(far.coach, session.id)
    html = client.get("/me/sessions").get_data(as_text=True)
    assert (
        "Your session on Thu 18 Mar, 05:00 New York time with Lena Hoffmann was cancelled by "
        "your coach." in text_of(html)
    )
    assert "America/New_York)" not in html


def test_the_message_helper_names_the_zone_once_for_everyone():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    now = datetime(2027, 3, 15, 12, tzinfo=UTC)
    start = datetime(2027, 3, 18, 9, tzinfo=UTC)
    assert named_when(start, ZoneInfo("America/New_York"), now) == "Thu 18 Mar, 05:00 New York time"
    assert (
        named_when(start, ZoneInfo("Europe/Berlin"), now, start + timedelta(hours=1))
        == "Thu 18 Mar, 10:00–11:00 Berlin time"
    )
    assert named_when(start, ZoneInfo("UTC"), now - timedelta(days=400)) == (
        "Thu 18 Mar 2027, 09:00 UTC"
    )
    assert zone_name(ZoneInfo("America/Argentina/Buenos_Aires")) == "Buenos Aires time"


def weekly(gym, member):
    from coachapp.services import bookings
    from coachapp.services.bookings import SeriesSpec

    start = at("2027-03-16", "10:00")
    series, made = bookings.create_recurring(
        member, SeriesSpec(gym.coach.id, 2, "10:00", "11:00", start.date(), None, 1)
    )
    return sorted(made, key=lambda s: s.start_time)


def button(html: str) -> str:
    return re.search(r'<button type="submit" id="cancel-submit"[^>]*>(.*?)</button>', html).group(1)


def test_the_series_cancel_button_says_what_it_cancels(client, far):
    made = weekly(far, far.ava)
    url = f"/me/sessions/{made[1].id}/cancel"
    sheet = client.get(url, headers=HX).get_data(as_text=True)
    assert button(sheet) == "Cancel session"
    # changing the choice asks the server for the button again (htmx swaps only the button)
    assert f'hx-get="{url}" hx-trigger="change" hx-params="scope,from_date"' in sheet
    assert 'hx-select="#cancel-submit" hx-target="#cancel-submit" hx-swap="outerHTML"' in sheet
    series = client.get(f"{url}?scope=series", headers=HX).get_data(as_text=True)
    assert button(series) == "Cancel all coming sessions"
    assert button(client.get(f"{url}?scope=one", headers=HX).get_data(as_text=True)) == (
        "Cancel session"
    )
    # without JavaScript: the full page with the sheet says the same
    page = client.get(f"{url}?scope=series").get_data(as_text=True)
    assert "<html" in page and button(page) == "Cancel all coming sessions"
    # a refused series cancel keeps the words of the choice made
    bad = client.post(url, data={"scope": "series", "from_date": "1999-01-01"}, headers=HX)
    assert bad.status_code == 422
    assert button(bad.get_data(as_text=True)) == "Cancel all coming sessions"


def test_the_series_dates_name_each_sessions_start_in_the_members_zone(client, far):
    made = weekly(far, far.ava)
    sheet = client.get(f"/me/sessions/{made[1].id}/cancel", headers=HX).get_data(as_text=True)
    # the value is Lena's local date (what the service takes), the words the member's time
    assert '<option selected value="2027-03-23">Tue 23 Mar, 05:00</option>' in sheet
    assert '<option value="2027-03-30">Tue 30 Mar, 04:00</option>' in sheet  # Berlin: summer
    done = client.post(
        f"/me/sessions/{made[1].id}/cancel",
        data={"scope": "series", "from_date": "2027-03-30"},
        headers=HX,
    )
    assert "Cancelled every session of this booking from Tue 30 Mar, 04:00 on." in done.get_data(
        as_text=True
    )


def test_a_one_time_session_has_no_series_words(client, far):
    session = one_time(far, far.ava)
    sheet = client.get(f"/me/sessions/{session.id}/cancel?scope=series", headers=HX)
    assert button(sheet.get_data(as_text=True)) == "Cancel session"

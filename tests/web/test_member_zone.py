"""The member's time first (issue 19 item 2): times in the member's zone (users.timezone), the
coach's own time as a grey second line only when the zones differ, zones named as people say them
("Berlin time") with the UTC offset and IANA name in a title (hover, long-press)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from member_helpers import HX, at, slot_query, small_gym

from coachapp.member.common import zone_name, zone_offset

NEW_YORK_LABEL = (
    '<abbr class="zone" title="UTC-04:00 · America/New_York">New York time</abbr>'
    '<span class="zone-offset"> (UTC-04:00)</span>'
)
BERLIN_LABEL = (
    '<abbr class="zone" title="UTC+01:00 · Europe/Berlin">Berlin time</abbr>'
    '<span class="zone-offset"> (UTC+01:00)</span>'
)
"""The booking page (coach.html) names zones in a span with a title; the other member pages
with ``member/_zone.html``: an abbr, and the offset as text for screen readers and touch."""


@pytest.fixture
def far(app, make_user, clock, client, login):
    """Member Ava lives in New York; coach Lena in Berlin (5 hours ahead in mid-March 2027)."""
    gym = small_gym(make_user, member_zone="America/New_York")
    login(gym.ava)
    return gym


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("Europe/Berlin", "Berlin time"),
        ("America/New_York", "New York time"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires time"),
        ("UTC", "UTC"),
    ],
)
def test_a_zone_is_named_by_its_city(key, name):
    assert zone_name(ZoneInfo(key)) == name


def test_the_offset_is_the_one_at_that_instant():
    winter, summer = datetime(2027, 1, 10, tzinfo=UTC), datetime(2027, 7, 10, tzinfo=UTC)
    assert zone_offset(ZoneInfo("Europe/Berlin"), winter) == "UTC+01:00 · Europe/Berlin"
    assert zone_offset(ZoneInfo("Europe/Berlin"), summer) == "UTC+02:00 · Europe/Berlin"
    assert zone_offset(ZoneInfo("Asia/Kolkata"), winter) == "UTC+05:30 · Asia/Kolkata"


def test_slots_lead_with_the_members_time(client, far):
    html = client.get(f"/book/{far.coach.id}").get_data(as_text=True)
    assert f"Times are in your {NEW_YORK_LABEL}; Lena's own, {BERLIN_LABEL}, in grey." in html
    # Tuesday 09:00 in Berlin is 04:00 in New York: the member's time leads, the coach's in grey.
    assert re.search(r"<span>04:00</span><small>09:00</small>", html)
    assert "America/New_York" not in re.sub(r'(title|value)="[^"]*"', "", html)  # no raw zone in the text


def test_the_sheet_says_the_members_time_and_the_coachs_below(client, far):
    start, end = at("2027-03-16", "10:00"), at("2027-03-16", "11:00")
    html = client.get(f"/book/{far.coach.id}/slot?{slot_query(start, end)}", headers=HX).get_data(
        as_text=True
    )
    assert '<h2 id="sheet-title" tabindex="-1">Tue 16 Mar, 05:00–06:00</h2>' in html
    assert f"Tue 16 Mar, 10:00 {BERLIN_LABEL}" in html


def test_the_same_zone_shows_one_time_named_by_its_city(client, login, app, make_user, clock):
    gym = small_gym(make_user)  # Ava has no zone of her own: the gym's, Berlin, as Lena
    login(gym.ava)
    html = client.get(f"/book/{gym.coach.id}").get_data(as_text=True)
    assert f"Times are in {BERLIN_LABEL}." in html
    assert re.search(r"<span>09:00</span>\s*</a>", html)  # no second line
    assert "<small>09:00" not in html


def test_the_coach_list_leads_with_the_members_time(client, far):
    html = client.get("/book").get_data(as_text=True)
    assert "<strong>Tue 16 Mar, 04:00</strong>" in html
    assert f"Tue 16 Mar, 09:00 {BERLIN_LABEL}" in html
    assert f"60-minute sessions · {BERLIN_LABEL}" in html


def test_the_move_picker_leads_with_the_members_time(client, far):
    from coachapp.services import bookings

    start, end = at("2027-03-18", "10:00"), at("2027-03-18", "11:00")
    _booking, session = bookings.book_one_time(far.ava, far.coach.id, start, end)
    html = client.get(f"/me/sessions/{session.id}/move").get_data(as_text=True)
    assert '<h2 id="sheet-title" tabindex="-1">Move Thu 18 Mar, 05:00</h2>' in html
    assert f"Times are in your {NEW_YORK_LABEL}; Lena's own, {BERLIN_LABEL}, in grey." in html
    assert re.search(r"<span>04:00</span><small>09:00</small>", html)
    later = at("2027-03-19", "11:00")
    query = slot_query(later, later + (end - start))
    confirm = client.get(f"/me/sessions/{session.id}/move?{query}", headers=HX)
    assert "Move to Fri 19 Mar, 06:00–07:00?" in confirm.get_data(as_text=True)

"""Add to calendar: the ICS file of a session, in the coach's zone, right across DST."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from member_helpers import at
from member_helpers import small_gym_fixture as small_gym_fixture  # the gym fixture

from coachapp.services import bookings


def test_ics_in_the_dst_week_has_the_coachs_local_time(client, login, gym):
    # Berlin moves to summer time on Sunday 2027-03-28; Monday 10:00 is 08:00 UTC.
    start = at("2027-03-29", "10:00")
    _booking, session = bookings.book_one_time(
        gym.ava, gym.coach.id, start, start + timedelta(hours=1)
    )
    login(gym.ava)
    response = client.get(f"/me/sessions/{session.id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    text = body.decode()
    assert "DTSTART;TZID=Europe/Berlin:20270329T100000" in text
    assert "DTEND;TZID=Europe/Berlin:20270329T110000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Berlin" in text

    [event] = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["UID"]) == f"session-{session.id}@coachapp"
    dtstart = event.decoded("DTSTART")
    assert (dtstart.hour, dtstart.minute) == (10, 0)
    assert dtstart.utcoffset() == timedelta(hours=2)
    assert dtstart == start
    assert str(event["SUMMARY"]) == "Training session with Lena Hoffmann"
    assert str(event["LOCATION"]) == "Studio A"
    assert str(event["STATUS"]) == "CONFIRMED"


def test_ics_uid_is_stable_and_a_cancelled_session_says_so(client, login, gym):
    from coachapp.services import sessions

    start = at("2027-03-16", "10:00")
    _booking, session = bookings.book_one_time(
        gym.ava, gym.coach.id, start, start + timedelta(hours=1)
    )
    login(gym.ava)
    first = client.get(f"/me/sessions/{session.id}.ics").get_data()
    sessions.cancel_session(gym.ava, session.id)
    second = client.get(f"/me/sessions/{session.id}.ics").get_data()
    [a] = Calendar.from_ical(first).walk("VEVENT")
    [b] = Calendar.from_ical(second).walk("VEVENT")
    assert a["UID"] == b["UID"]
    assert str(b["STATUS"]) == "CANCELLED"


def test_session_page_links_the_ics_file(client, login, gym):
    start = at("2027-03-16", "10:00")
    _booking, session = bookings.book_one_time(
        gym.ava, gym.coach.id, start, start + timedelta(hours=1)
    )
    login(gym.ava)
    html = client.get(f"/me/sessions/{session.id}").get_data(as_text=True)
    assert f'href="/me/sessions/{session.id}.ics" hx-boost="false" download' in html
    assert "Tue 16 Mar, 10:00–11:00" in html and "Booked" in html


def _event(body: bytes):
    [event] = Calendar.from_ical(body).walk("VEVENT")
    return event


def test_reimporting_the_file_after_a_cancellation_replaces_the_first_import(
    client, login, gym, clock
):
    """Calendars keep the copy with the higher SEQUENCE for a UID (RFC 5545): the file downloaded
    after the coach cancelled must outrank the one downloaded before, as the feed's does."""
    from coachapp.services import feeds, sessions

    start = at("2027-03-16", "10:00")
    _booking, session = bookings.book_one_time(
        gym.ava, gym.coach.id, start, start + timedelta(hours=1)
    )
    login(gym.ava)
    first = _event(client.get(f"/me/sessions/{session.id}.ics").get_data())
    clock.set(clock.now + timedelta(hours=2))
    sessions.cancel_session(gym.coach, session.id)
    second = _event(client.get(f"/me/sessions/{session.id}.ics").get_data())

    assert second["UID"] == first["UID"] == f"session-{session.id}@coachapp"
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
    assert str(first["STATUS"]) == "CONFIRMED" and str(second["STATUS"]) == "CANCELLED"
    assert second.decoded("LAST-MODIFIED") > first.decoded("LAST-MODIFIED")
    # the download and the member's feed agree on the event's version
    [in_feed] = [e for e in feeds.feed_events(gym.ava) if e.session.id == session.id]
    assert int(second["SEQUENCE"]) == in_feed.sequence


def test_a_moved_session_downloads_with_a_higher_sequence_and_the_new_time(
    client, login, gym, clock
):
    from coachapp.services import moves

    start = at("2027-03-16", "10:00")
    _booking, session = bookings.book_one_time(
        gym.ava, gym.coach.id, start, start + timedelta(hours=1)
    )
    login(gym.ava)
    first = _event(client.get(f"/me/sessions/{session.id}.ics").get_data())
    clock.set(clock.now + timedelta(hours=1))
    moves.move_session(gym.coach, session.id, at("2027-03-17", "11:00"))
    second = _event(client.get(f"/me/sessions/{session.id}.ics").get_data())
    assert second["UID"] == first["UID"]
    assert int(second["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert second.decoded("DTSTART") == at("2027-03-17", "11:00")
    assert str(second["STATUS"]) == "CONFIRMED"

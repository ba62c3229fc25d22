"""Reminders on the pages (issue 16, item 4): a member turns reminder mails off and on on the
account page, and the calendar feed rings a VALARM at the reminder offset on each confirmed event
of a scheduled session (none on a cancelled session or a waitlist place)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from coachapp.extensions import db
from coachapp.models import Booking, TrainingSession, User
from coachapp.services import feeds, reminders
from coachapp.vocab import BookingStatus, SessionStatus, SessionType
from tests.clock import pin_clock
from tests.integration.service_helpers import NOW


def _reminder_mails(user) -> bool:
    db.session.expire_all()
    return db.session.get(User, user.id).reminder_mails


def test_a_member_turns_reminder_mails_off_and_on(client, login, make_user):
    member = make_user("member", name="Mia Member")
    login(member)
    page = client.get("/account").get_data(as_text=True)
    assert 'id="reminders"' in page
    assert 'name="reminder_mails" value="on" checked' in page
    assert "Email me a reminder 24 hours before each session" in page

    off = client.post("/account/reminders", data={})  # the box left empty
    assert off.status_code == 302 and off.headers["Location"].endswith("/account#reminders")
    assert _reminder_mails(member) is False
    page = client.get("/account").get_data(as_text=True)
    assert "Reminder emails are off. You still see each reminder in the app." in page
    assert 'name="reminder_mails" value="on" checked' not in page

    on = client.post("/account/reminders", data={"reminder_mails": "on"})
    assert on.status_code == 302
    assert _reminder_mails(member) is True
    assert client.get("/account/reminders").status_code == 302  # reloaded: back to the page


@pytest.mark.parametrize("value", ["yes", "", "off", "on " * 50])
def test_a_bad_value_is_422_naming_the_field(client, login, make_user, value):
    member = make_user("member")
    login(member)
    response = client.post("/account/reminders", data={"reminder_mails": value})
    assert response.status_code == 422
    assert "reminder_mails must be on" in response.get_data(as_text=True)
    assert _reminder_mails(member) is True


def test_coaches_have_no_reminder_setting(client, login, make_user):
    coach = make_user("coach", timezone="Europe/Berlin")
    login(coach)
    assert 'id="reminders"' not in client.get("/account").get_data(as_text=True)
    assert client.post("/account/reminders", data={}).status_code == 403


def _session(coach, start, member=None, kind=SessionType.ONE_TO_ONE, status=None):
    row = TrainingSession(
        coach_id=coach.id,
        member_id=member.id if member is not None else None,
        start_time=start,
        end_time=start + timedelta(hours=1),
        type=kind,
        capacity=1 if kind == SessionType.ONE_TO_ONE else 5,
        title="Strength" if kind == SessionType.ONE_TO_ONE else "Yoga",
        status=status or SessionStatus.SCHEDULED,
    )
    db.session.add(row)
    db.session.commit()
    return row


def test_the_feed_rings_an_alarm_at_the_reminder_offset(app, client, make_user, monkeypatch):
    coach = make_user("coach", name="Coach Carla", timezone="Europe/Berlin")
    member = make_user("member", name="Mia Member")
    booked = _session(coach, NOW + timedelta(days=1), member)
    cancelled = _session(coach, NOW + timedelta(days=2), member, status=SessionStatus.CANCELLED)
    confirmed_class = _session(coach, NOW + timedelta(days=3), kind=SessionType.GROUP)
    waitlisted_class = _session(coach, NOW + timedelta(days=4), kind=SessionType.GROUP)
    db.session.add_all(
        [
            Booking(session_id=confirmed_class.id, member_id=member.id),
            Booking(
                session_id=waitlisted_class.id,
                member_id=member.id,
                status=BookingStatus.WAITLISTED,
            ),
        ]
    )
    db.session.commit()
    token = feeds.feed_token_for(member)

    def alarms(body: bytes) -> dict[int, list[timedelta]]:
        found = {}
        for vevent in Calendar.from_ical(body).walk("VEVENT"):
            session_id = int(str(vevent["UID"]).split("-")[1].split("@")[0])
            found[session_id] = [alarm["TRIGGER"].dt for alarm in vevent.walk("VALARM")]
        return found

    body = feeds.render_feed(token, now=NOW)
    # exactly 24 hours (not -P1D, a calendar day: 23 or 25 hours across a DST change)
    assert body.count(b"TRIGGER:-PT24H") == 2
    assert b"ACTION:DISPLAY" in body and b"DESCRIPTION:Reminder: Strength with Coach Carla" in body
    day = timedelta(hours=-24)
    assert alarms(body) == {
        booked.id: [day],
        cancelled.id: [],
        confirmed_class.id: [day],
        waitlisted_class.id: [],
    }

    monkeypatch.setitem(app.config, "COACHAPP_REMINDER_HOURS", 2)
    pin_clock(monkeypatch, lambda: NOW)
    response = client.get(f"/feeds/{token}.ics")
    assert response.status_code == 200
    assert response.data.count(b"TRIGGER:-PT2H") == 2
    assert reminders.reminder_hours() == 2

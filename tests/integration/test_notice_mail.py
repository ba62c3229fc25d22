"""Notification mails people can trust: dated, with a Message-ID, a plain-text and an HTML part,
the session time in the recipient's own zone with the zone named, a link back to the page (with
APP_URL) and the gym's name. The in-app notice says the same time the same way.

The story: a coach in New York works Saturday mornings; a member in Berlin books 10:00 New York
time on Saturday 4 December 2027, which is 16:00 in Berlin. The clock is pinned to November 2027.
"""

from __future__ import annotations

import re
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coachapp import jobs
from coachapp.config import ConfigError, load_config
from coachapp.extensions import db
from coachapp.models import Notification, Room
from tests.integration.service_helpers import at
from tests.integration.test_jobs import _Sink, no_mail_env  # noqa: F401 (fixture)

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2027, 11, 20, 12, 0, tzinfo=NEW_YORK)
SATURDAY = 6


def _gym(make_user, coach_name: str = "Nora Nguyen", member_zone: str | None = "Europe/Berlin"):
    """A New York coach with Saturday 09:00–12:00 and a member (in ``member_zone``) booked for
    Saturday 4 December 2027 10:00–11:00 New York time."""
    from coachapp.services import availability, bookings

    coach = make_user("coach", name=coach_name, timezone="America/New_York")
    member = make_user("member", name="Mia Member", timezone=member_zone)
    room = Room(name="Studio A")
    db.session.add(room)
    db.session.commit()
    availability.replace_weekly_day(
        coach, coach.id, SATURDAY, [availability.WindowInput("09:00", "12:00", room.id)], now=NOW
    )
    start = at("2027-12-04", "10:00", NEW_YORK)
    _booking, session = bookings.book_one_time(
        member, coach.id, start, at("2027-12-04", "11:00", NEW_YORK), now=NOW
    )
    return SimpleNamespace(coach=coach, member=member, session=session)


@pytest.fixture
def sink(app, monkeypatch, no_mail_env):  # noqa: F811 (the fixture imported above)
    """A local SMTP server; mails from gym@example.com for "Iron Gym" at https://gym.example.com."""
    server = _Sink()
    server.controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "MAIL_FROM", "gym@example.com")
    monkeypatch.setitem(app.config, "GYM_NAME", "Iron Gym")
    monkeypatch.setitem(app.config, "APP_URL", "https://gym.example.com")
    yield server
    server.controller.stop()


def _cancel_and_mail(gym, sink):
    from coachapp.services import sessions

    sessions.cancel_session(gym.coach, gym.session.id, now=NOW)  # mailed inline after the commit
    assert jobs.deliver_pending() == 0
    [(recipients, message)] = sink.messages
    assert recipients == [gym.member.email]
    return message


def test_a_new_york_coachs_cancellation_reaches_a_berlin_member_in_berlin_time(
    app, make_user, sink
):
    gym = _gym(make_user)
    message = _cancel_and_mail(gym, sink)

    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    when = "Sat 4 Dec, 16:00 Berlin time"
    assert f"Your session on {when} with Nora Nguyen was cancelled by your coach." in text
    assert when in html and "10:00" not in text and "10:00" not in html

    link = f"https://gym.example.com/me/sessions/{gym.session.id}"
    assert f"See it in Iron Gym: {link}" in text
    assert f'href="{link}"' in html
    assert "Iron Gym" in html and text.rstrip().endswith("Iron Gym")

    assert message["Subject"] == "[Iron Gym] Your session was cancelled"
    assert message["From"] == "Iron Gym <gym@example.com>"
    assert message["Date"].datetime.tzinfo is not None
    assert abs((message["Date"].datetime - datetime.now(ZoneInfo("UTC"))).total_seconds()) < 300
    assert re.fullmatch(r"<[^<>@\s]+@example\.com>", message["Message-ID"])


def test_every_mail_has_its_own_message_id(app, make_user, sink):
    from coachapp.services.notifications import notify

    member = make_user("member")
    for i in range(2):
        notify(member.id, "session_cancelled", f"Session {i} was cancelled.")
    db.session.commit()
    jobs.deliver_pending()
    assert len(sink.messages) == 2
    ids = {message["Message-ID"] for _, message in sink.messages}
    assert len(ids) == 2


def test_the_html_part_escapes_what_people_typed(app, make_user, sink):
    gym = _gym(make_user, coach_name="Bo <b>Bold</b> & Co")
    message = _cancel_and_mail(gym, sink)
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "with Bo &lt;b&gt;Bold&lt;/b&gt; &amp; Co was cancelled" in html
    assert "<b>Bold</b>" not in html
    assert "with Bo <b>Bold</b> & Co was cancelled" in text  # plain text is shown as typed


def test_without_app_url_the_mail_says_where_to_look_instead_of_a_link(
    app, make_user, sink, monkeypatch
):
    monkeypatch.setitem(app.config, "APP_URL", None)
    gym = _gym(make_user)
    message = _cancel_and_mail(gym, sink)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Sign in to Iron Gym and open My sessions to see it." in text
    assert "Sign in to Iron Gym and open My sessions to see it." in html
    assert "http" not in text and "href" not in html and "/me/sessions" not in text + html


def test_a_member_without_a_zone_reads_the_gyms_and_one_in_tokyo_reads_tokyos(
    app, make_user, sink
):
    from coachapp.services import sessions

    gym = _gym(make_user, member_zone=None)  # the gym's zone (COACHAPP_TIMEZONE): Berlin
    message = _cancel_and_mail(gym, sink)
    assert "Sat 4 Dec, 16:00 Berlin time" in message.get_body(("plain",)).get_content()

    tokyo = make_user("member", timezone="Asia/Tokyo")
    start = at("2027-12-11", "10:00", NEW_YORK)
    from coachapp.services import bookings

    _b, session = bookings.book_one_time(
        tokyo, gym.coach.id, start, at("2027-12-11", "11:00", NEW_YORK), now=NOW
    )
    sessions.cancel_session(gym.coach, session.id, now=NOW)
    note = db.session.scalars(select(Notification).where(Notification.user_id == tokyo.id)).one()
    assert "on Sun 12 Dec, 00:00 Tokyo time with" in note.message


def test_a_move_names_both_times_in_the_members_zone(app, make_user):
    from coachapp.services import moves

    gym = _gym(make_user)
    moves.move_session(gym.coach, gym.session.id, at("2027-12-04", "11:00", NEW_YORK), now=NOW)
    note = db.session.scalars(select(Notification)).one()
    assert note.message == (
        "Your session on Sat 4 Dec, 16:00 with Nora Nguyen was moved to "
        "Sat 4 Dec, 17:00–18:00 Berlin time by your coach."
    )


def test_a_session_in_another_year_says_the_year(app, make_user):
    from coachapp.services import bookings, sessions

    gym = _gym(make_user)
    start = at("2028-01-08", "10:00", NEW_YORK)
    _b, session = bookings.book_one_time(
        gym.member, gym.coach.id, start, at("2028-01-08", "11:00", NEW_YORK), now=NOW
    )
    sessions.cancel_session(gym.coach, session.id, now=NOW)
    note = db.session.scalars(select(Notification)).one()
    assert "on Sat 8 Jan 2028, 16:00 Berlin time with" in note.message


def test_the_member_sees_the_same_time_and_zone_in_my_sessions(app, make_user, client, login):
    from coachapp.services import sessions

    gym = _gym(make_user)
    sessions.cancel_session(gym.coach, gym.session.id, now=NOW)
    login(gym.member)
    html = client.get("/me/sessions").get_data(as_text=True)
    notice = re.search(r'<ul class="notices".*?</ul>', html, re.S).group(0)
    assert (
        "Your session on Sat 4 Dec, 16:00 Berlin time with Nora Nguyen was "
        "cancelled by your coach." in notice
    )


def test_app_url_and_gym_name_settings(tmp_path):
    base = {"SECRET_KEY": "x"}
    config = load_config(tmp_path, base)
    assert config["APP_URL"] is None and config["GYM_NAME"] == "coachapp"
    config = load_config(
        tmp_path, {**base, "APP_URL": "https://gym.example.com/app/", "GYM_NAME": " Iron  Gym "}
    )
    assert config["APP_URL"] == "https://gym.example.com/app"
    assert config["GYM_NAME"] == "Iron Gym"
    for bad in ("gym.example.com", "https://gym.example.com/?x=1", "javascript:alert(1)"):
        with pytest.raises(ConfigError, match="APP_URL"):
            load_config(tmp_path, {**base, "APP_URL": bad})
    with pytest.raises(ConfigError, match="GYM_NAME"):
        load_config(tmp_path, {**base, "GYM_NAME": "x" * 81})


def test_a_gym_name_with_accents_and_commas_stays_one_sender():
    from email import message_from_bytes, policy

    from coachapp.mail import MailSettings, build_message

    for sender, shown in [
        ("gym@example.com", "Müller's Gym, Berlin"),
        ("Front Desk <desk@example.com>", "Front Desk"),  # a MAIL_FROM with a name keeps it
    ]:
        settings = MailSettings(None, 25, None, None, False, sender, "Müller's Gym, Berlin")
        raw = build_message(settings, "mia@example.com", "Hi", "text", "<p>html</p>").as_bytes()
        received = message_from_bytes(raw, policy=policy.default)
        [address] = received["From"].addresses
        assert address.display_name == shown
        assert received["Message-ID"].endswith("@example.com>")

"""Calendar feeds: the secret token, what each person's feed holds, and that it is valid iCalendar
that keeps a subscribed calendar in step (stable UIDs, TZID of the coach's zone across DST,
STATUS:CANCELLED, growing SEQUENCE)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar

from coachapp.extensions import db
from coachapp.models import User
from coachapp.services import availability, bookings, feeds, group_classes, moves, sessions
from coachapp.services.availability import WindowInput
from coachapp.services.bookings import SeriesSpec
from tests.clock import pin_clock
from tests.integration.service_helpers import BERLIN, NOW, TODAY, at

DST_MONDAY = "2027-03-29"  # Berlin moved to summer time the day before


def events(body: bytes) -> dict[str, object]:
    """The VEVENTs of a feed by UID (parsing it back is the validity check)."""
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def uid(session) -> str:
    return f"session-{session.id}@coachapp"


@pytest.fixture
def classes(gym):
    """Carla's gym with a Monday evening group window (17:00–20:00, Studio B)."""
    availability.replace_weekly_day(
        gym.coach,
        gym.coach.id,
        1,
        [
            WindowInput("09:00", "12:00", gym.studio_a.id),
            WindowInput("17:00", "20:00", gym.studio_b.id, is_individual=False, is_group=True),
        ],
        now=NOW,
    )
    return gym


def test_a_token_is_made_once_and_regenerating_retires_the_old_one(gym):
    first = feeds.feed_token_for(gym.member)
    assert len(first) >= 43 and feeds.feed_token_for(gym.member) == first
    db.session.expire_all()
    assert db.session.get(User, gym.member.id).feed_token == first
    assert feeds.user_for_token(first).id == gym.member.id
    second = feeds.regenerate(gym.member)
    assert second != first
    assert feeds.user_for_token(first) is None
    assert feeds.user_for_token(second).id == gym.member.id
    assert feeds.render_feed(first, now=NOW) is None


@pytest.mark.parametrize("token", ["", "nope", "x" * 65, "a/b" * 10, "' OR 1=1 --" * 3])
def test_a_wrong_token_has_no_feed(gym, token):
    feeds.feed_token_for(gym.member)
    assert feeds.user_for_token(token) is None
    assert feeds.render_feed(token, now=NOW) is None


def test_a_deactivated_account_or_an_admin_has_no_feed(gym):
    token = feeds.feed_token_for(gym.member)
    admin_token = feeds.feed_token_for(gym.admin)
    assert feeds.render_feed(admin_token, now=NOW) is None
    member = db.session.get(User, gym.member.id)
    member.active = False
    db.session.commit()
    assert feeds.render_feed(token, now=NOW) is None


def test_the_feed_spans_thirty_days_back_to_six_weeks_ahead(gym):
    def book(day):
        earlier = NOW - timedelta(days=40)
        # Booked by the coach for the member: April lies past a member's 8-week booking horizon.
        return bookings.book_one_time(
            gym.coach,
            gym.coach.id,
            at(day, "10:00"),
            at(day, "11:00"),
            member_id=gym.member.id,
            now=earlier,
        )[1]

    kept = [book(day) for day in ("2027-02-01", "2027-04-09")]
    out = [book(day) for day in ("2027-01-25", "2027-04-13")]
    ids = {s.id for s in feeds.sessions_for_feed(gym.member, NOW)}
    assert {s.id for s in kept} <= ids
    assert not ids & {s.id for s in out}
    assert {s.id for s in feeds.sessions_for_feed(gym.coach, NOW)} == ids
    assert feeds.sessions_for_feed(gym.other_member, NOW) == []
    assert feeds.sessions_for_feed(gym.other_coach, NOW) == []


def test_times_carry_the_coachs_zone_across_dst_with_a_vtimezone(gym):
    _, session = bookings.book_one_time(
        gym.member, gym.coach.id, at(DST_MONDAY, "10:00"), at(DST_MONDAY, "11:00"), now=NOW
    )
    body = feeds.render_feed(feeds.feed_token_for(gym.member), now=NOW)
    text = body.decode()
    assert "DTSTART;TZID=Europe/Berlin:20270329T100000" in text
    assert "DTEND;TZID=Europe/Berlin:20270329T110000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Berlin" in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text and "X-PUBLISHED-TTL:PT1H" in text
    calendar = Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0" and "coachapp" in str(calendar["PRODID"])
    event = events(body)[uid(session)]
    start = event.decoded("DTSTART")
    assert start == at(DST_MONDAY, "10:00") and start.utcoffset() == timedelta(hours=2)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Training session with Coach Carla"
    assert str(event["LOCATION"]) == "Studio A"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("LAST-MODIFIED") >= event.decoded("CREATED")
    coach_event = events(feeds.render_feed(feeds.feed_token_for(gym.coach), now=NOW))[uid(session)]
    assert str(coach_event["SUMMARY"]) == "Training session: Mia Member"


def test_a_cancelled_session_stays_with_status_cancelled_and_a_higher_sequence(gym, monkeypatch):
    clock = [NOW]  # booked at NOW, cancelled an hour later: the feed's LAST-MODIFIED moves on
    pin_clock(monkeypatch, lambda: clock[0])
    _, session = bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-03", "10:00"), at("2027-03-03", "11:00"), now=NOW
    )
    token = feeds.feed_token_for(gym.member)
    before = events(feeds.render_feed(token, now=NOW))[uid(session)]
    clock[0] = NOW + timedelta(hours=1)
    sessions.cancel_session(gym.coach, session.id, now=clock[0])
    after = events(feeds.render_feed(token, now=NOW + timedelta(hours=2)))[uid(session)]
    assert str(after["STATUS"]) == "CANCELLED"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    assert after.decoded("DTSTART") == before.decoded("DTSTART")


def test_a_moved_session_keeps_its_uid_with_the_new_time_and_sequence(gym):
    _, session = bookings.book_one_time(
        gym.member, gym.coach.id, at("2027-03-03", "10:00"), at("2027-03-03", "11:00"), now=NOW
    )
    token = feeds.feed_token_for(gym.coach)
    moves.move_session(gym.coach, session.id, at("2027-03-04", "09:00"), now=NOW)
    event = events(feeds.render_feed(token, now=NOW))[uid(session)]
    assert event.decoded("DTSTART") == at("2027-03-04", "09:00")
    assert int(event["SEQUENCE"]) == 1


def test_a_members_feed_has_their_class_places_waitlist_and_left_classes(classes, make_user):
    held = group_classes.schedule_group_session(
        classes.coach,
        classes.coach.id,
        at("2027-03-08", "17:00"),
        at("2027-03-08", "18:00"),
        "Kettlebells",
        1,
        now=NOW,
    )
    waited = group_classes.schedule_group_session(
        classes.coach,
        classes.coach.id,
        at("2027-03-15", "17:00"),
        at("2027-03-15", "18:00"),
        "Spin",
        1,
        now=NOW,
    )
    left = group_classes.schedule_group_session(
        classes.coach,
        classes.coach.id,
        at("2027-03-22", "17:00"),
        at("2027-03-22", "18:00"),
        "Stretch",
        5,
        now=NOW,
    )
    other = group_classes.schedule_group_session(
        classes.coach,
        classes.coach.id,
        at("2027-03-29", "17:00"),
        at("2027-03-29", "18:00"),
        "Not mine",
        5,
        now=NOW,
    )
    group_classes.book_place(classes.member, held.id, now=NOW)
    group_classes.book_place(classes.other_member, waited.id, now=NOW)
    group_classes.book_place(classes.member, waited.id, now=NOW)
    booking = group_classes.book_place(classes.member, left.id, now=NOW)
    group_classes.cancel_place(classes.member, booking.id, now=NOW)

    found = events(feeds.render_feed(feeds.feed_token_for(classes.member), now=NOW))
    assert set(found) == {uid(held), uid(waited), uid(left)}
    assert uid(other) not in found
    assert str(found[uid(held)]["STATUS"]) == "CONFIRMED"
    assert str(found[uid(held)]["SUMMARY"]) == "Kettlebells with Coach Carla"
    assert str(found[uid(held)]["LOCATION"]) == "Studio B"
    assert str(found[uid(waited)]["STATUS"]) == "TENTATIVE"
    assert str(found[uid(waited)]["SUMMARY"]).startswith("Waitlist #1: Spin")
    assert str(found[uid(left)]["STATUS"]) == "CANCELLED"

    # A place frees up: the waitlist place becomes a confirmed one, with a higher SEQUENCE.
    before = found[uid(waited)]
    first = group_classes.member_places(classes.other_member.id, [waited.id])[waited.id]
    group_classes.cancel_place(classes.other_member, first.id, now=NOW + timedelta(minutes=5))
    after = events(feeds.render_feed(feeds.feed_token_for(classes.member), now=NOW))[uid(waited)]
    assert str(after["STATUS"]) == "CONFIRMED"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])

    coach_feed = events(feeds.render_feed(feeds.feed_token_for(classes.coach), now=NOW))
    assert set(coach_feed) == {uid(held), uid(waited), uid(left), uid(other)}
    assert str(coach_feed[uid(other)]["SUMMARY"]) == "Not mine (group class)"


def test_a_series_in_the_feed_is_one_event_per_occurrence(gym):
    series, made = bookings.create_recurring(
        gym.member,
        SeriesSpec(gym.coach.id, 3, "10:00", "11:00", date(2027, 3, 3), None, 1),
        today=TODAY,
    )
    found = events(feeds.render_feed(feeds.feed_token_for(gym.member), now=NOW))
    assert set(found) == {uid(s) for s in made}
    starts = sorted(e.decoded("DTSTART") for e in found.values())
    assert all(s.astimezone(BERLIN).hour == 10 for s in starts)
    assert series.status == "ACTIVE"

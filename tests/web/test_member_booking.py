"""The member booking pages: coaches with their next slot, a coach's slots by day, the booking
sheet (once, weekly, every 2 weeks with a preview), the lost race, validation and CSRF."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from member_helpers import BOOSTED, HX, at, book_data, client_for, slot_query, small_gym
from member_helpers import ava_fixture as ava_fixture  # the ava fixture
from member_helpers import small_gym_fixture as small_gym_fixture  # the gym fixture
from sqlalchemy import select

from coachapp.extensions import db
from coachapp.models import RecurringBooking, TrainingSession
from coachapp.services.bookings import SeriesSpec


def sessions_of(member) -> list[TrainingSession]:
    return list(
        db.session.scalars(
            select(TrainingSession)
            .where(TrainingSession.member_id == member.id)
            .order_by(TrainingSession.start_time)
        )
    )


def test_book_lists_coaches_with_their_next_free_slot(ava, gym):
    page = ava.get("/book")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<html" in html
    assert "Lena Hoffmann" in html
    # Monday 13:00 now: the next free slot is Tuesday 09:00, and it links straight to its sheet.
    assert "Tue 16 Mar, 09:00" in html
    assert f"/book/{gym.coach.id}/slot?start=2027-03-16T09" in html


def test_next_free_slot_is_the_slot_service_first_slot(app, gym):
    """The all-coaches shortcut agrees with the slot service, also around blocks and bookings."""
    from coachapp.services import availability, bookings, member_views, slots

    availability.create_blocked_slot(
        gym.admin, gym.coach.id, at("2027-03-16", "00:00"), at("2027-03-16", "10:00"), "Dentist"
    )
    bookings.book_one_time(
        gym.ben, gym.coach.id, at("2027-03-16", "10:00"), at("2027-03-16", "11:00")
    )
    offer = member_views.coach_offers()[0]
    first = slots.bookable_slots(
        gym.coach.id, offer.next_slot.start.date(), offer.next_slot.start.date()
    )[0]
    assert (offer.next_slot.start, offer.next_slot.end) == (first.start, first.end)
    assert offer.next_slot.start == at("2027-03-16", "11:00")


def test_book_pages_are_for_members_only(client, login, gym):
    assert client.get("/book").status_code == 302  # anonymous: to the login page
    login(gym.coach)
    assert client.get("/book").status_code == 403
    assert client.get(f"/book/{gym.coach.id}").status_code == 403


def test_coach_page_groups_slots_by_day_full_page_and_fragment(ava, gym):
    page = ava.get(f"/book/{gym.coach.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert "Mon 15 Mar" in html and "Sun 21 Mar" in html and "Mon 22 Mar" not in html
    assert "Tue 16 Mar" in html and ">09:00<" in html
    assert 'id="slot-list"' in html and 'id="sheet"' in html
    assert "Vary" in page.headers and "HX-Request" in page.headers["Vary"]

    # "More days" loads the next week in place: only the slot list, two weeks long.
    more = ava.get(f"/book/{gym.coach.id}?from=2027-03-15&days=14", headers=HX)
    fragment = more.get_data(as_text=True)
    assert more.status_code == 200
    assert "<html" not in fragment and 'id="sheet"' not in fragment
    assert fragment.lstrip().startswith('<div id="slot-list"')
    assert "Mon 22 Mar" in fragment and "Sun 28 Mar" in fragment
    assert "days=21" in fragment  # the next "More days"

    # Boosted navigation and history restores need the whole page.
    boosted = ava.get(f"/book/{gym.coach.id}", headers=BOOSTED).get_data(as_text=True)
    assert "<html" in boosted


def test_member_sees_their_own_zone_when_it_differs(app, make_user, clock, client, login):
    gym = small_gym(make_user, member_zone="America/New_York")
    login(gym.ava)
    html = client.get(f"/book/{gym.coach.id}").get_data(as_text=True)
    assert "New York time" in html and "America/New_York" in html  # named; the IANA name in a title
    # Tuesday 09:00 in Berlin is 04:00 in New York (DST already started there on 14 March): the
    # member's own time first, the coach's as the second line.
    assert re.search(r"<span>04:00</span><small>09:00</small>", html)


def test_slot_sheet_full_page_and_fragment(ava, gym):
    start, end = at("2027-03-16", "10:00"), at("2027-03-16", "11:00")
    url = f"/book/{gym.coach.id}/slot?{slot_query(start, end)}"
    page = ava.get(url).get_data(as_text=True)
    assert "<html" in page and "Confirm booking" in page and 'id="slot-list"' in page
    sheet = ava.get(url, headers=HX)
    html = sheet.get_data(as_text=True)
    assert sheet.status_code == 200
    assert "<html" not in html and 'id="slot-list"' not in html
    assert "Tue 16 Mar, 10:00–11:00" in html and "Studio A" in html
    assert 'value="2027-03-16"' in html  # the start date defaults to the slot's date
    assert 'name="csrf_token"' in html


def test_one_time_booking_in_the_sheet(ava, gym):
    start, end = at("2027-03-16", "10:00"), at("2027-03-16", "11:00")
    response = ava.post(f"/book/{gym.coach.id}/slot", data=book_data(start, end), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "<html" not in html
    assert "You're booked" in html and "Tue 16 Mar, 10:00–11:00" in html
    assert response.headers["HX-Trigger"] == '{"slots-changed": true}'
    [session] = sessions_of(gym.ava)
    assert session.start_time == start and session.status == "scheduled"
    assert f"/me/sessions/{session.id}.ics" in html and "/me/sessions" in html
    # The slot is gone from the list.
    slots_html = ava.get(f"/book/{gym.coach.id}", headers=HX).get_data(as_text=True)
    assert "start=2027-03-16T10:00" not in slots_html


def test_one_time_booking_without_javascript_redirects_to_the_session(ava, gym):
    start, end = at("2027-03-16", "10:00"), at("2027-03-16", "11:00")
    response = ava.post(f"/book/{gym.coach.id}/slot", data=book_data(start, end))
    [session] = sessions_of(gym.ava)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/me/sessions/{session.id}?booked=1")
    page = ava.get(response.headers["Location"]).get_data(as_text=True)
    assert "You're booked" in page and "Add to calendar" in page


def test_lost_race_says_just_taken_with_the_nearest_free_times(app, ava, gym):
    start, end = at("2027-03-16", "10:00"), at("2027-03-16", "11:00")
    ben = client_for(app, gym.ben)
    # Both opened the sheet; Ben confirms first.
    assert (
        ava.get(f"/book/{gym.coach.id}/slot?{slot_query(start, end)}", headers=HX).status_code
        == 200
    )
    assert (
        ben.post(f"/book/{gym.coach.id}/slot", data=book_data(start, end), headers=HX).status_code
        == 200
    )

    lost = ava.post(f"/book/{gym.coach.id}/slot", data=book_data(start, end), headers=HX)
    html = lost.get_data(as_text=True)
    assert lost.status_code == 409
    assert "<html" not in html
    assert "Just taken" in html and "nearest free times" in html
    assert lost.headers["HX-Trigger"] == '{"slots-changed": true}'
    alternatives = re.findall(r'href="[^"]*start=(2027-03-\d\dT\d\d:\d\d)', html)
    assert alternatives[:3] == ["2027-03-16T09:00", "2027-03-16T11:00", "2027-03-17T09:00"]
    assert sessions_of(gym.ava) == []

    # Without JavaScript: the whole page, the same message, the same status.
    page = ava.post(f"/book/{gym.coach.id}/slot", data=book_data(start, end))
    assert page.status_code == 409
    assert "<html" in page.get_data(as_text=True) and "Just taken" in page.get_data(as_text=True)

    # Opening the sheet of a slot that is gone says so at once.
    stale = ava.get(f"/book/{gym.coach.id}/slot?{slot_query(start, end)}", headers=HX)
    assert stale.status_code == 409 and "Just taken" in stale.get_data(as_text=True)


def test_weekly_booking_shows_its_first_dates_before_it_is_made(ava, gym):
    start, end = at("2027-03-16", "10:00"), at("2027-03-16", "11:00")
    data = book_data(start, end, frequency="1", start_date="2027-03-16")
    first = ava.post(f"/book/{gym.coach.id}/slot", data=data, headers=HX)
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "First sessions" in html and "Tue 23 Mar, 10:00" in html
    assert "Confirm booking" in html and sessions_of(gym.ava) == []
    previewed = re.search(r'name="previewed" value="([^"]+)"', html).group(1)

    done = ava.post(f"/book/{gym.coach.id}/slot", data={**data, "previewed": previewed}, headers=HX)
    assert done.status_code == 200, done.get_data(as_text=True)
    assert "You're booked" in done.get_data(as_text=True)
    made = sessions_of(gym.ava)
    assert [s.start_time for s in made[:3]] == [
        start,
        start + timedelta(days=7),
        start + timedelta(days=14),
    ]
    series = db.session.scalars(select(RecurringBooking)).one()
    assert (series.frequency, series.day_of_week, series.start_time) == (1, 2, "10:00")


def test_biweekly_booking_with_an_end_date(ava, gym):
    start, end = at("2027-03-17", "09:00"), at("2027-03-17", "10:00")
    data = book_data(start, end, frequency="2", start_date="2027-03-17", end_date="2027-04-30")
    preview = ava.get(
        f"/book/{gym.coach.id}/preview?{slot_query(start, end, frequency='2', start_date='2027-03-17', end_date='2027-04-30')}",
        headers=HX,
    )
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "<html" not in html
    # The preview's content only: it is swapped into #preview, which stays (and keeps listening).
    assert 'id="preview"' not in html and "First sessions" in html
    assert "Wed 17 Mar" in html and "Wed 31 Mar" in html and "Wed 24 Mar" not in html
    previewed = re.search(r'name="previewed" value="([^"]+)"', html).group(1)
    assert previewed == "2|2027-03-17|2027-04-30"
    done = ava.post(f"/book/{gym.coach.id}/slot", data={**data, "previewed": previewed})
    assert done.status_code == 303
    made = sessions_of(gym.ava)
    # Every other Wednesday; the sessions of the next 6 weeks are made now, the rest nightly.
    assert [s.start_time.astimezone(start.tzinfo).day for s in made] == [17, 31, 14]


def test_preview_full_page_lists_skipped_and_colliding_dates(ava, gym):
    from coachapp.services import availability, bookings

    availability.create_blocked_slot(
        gym.admin, gym.coach.id, at("2027-03-30", "00:00"), at("2027-03-31", "00:00"), "Course"
    )
    bookings.create_recurring(
        gym.ben,
        SeriesSpec(gym.coach.id, 2, "10:00", "11:00", at("2027-04-13", "00:00").date(), None, 2),
    )
    start, end = at("2027-03-16", "10:00"), at("2027-03-16", "11:00")
    query = slot_query(start, end, frequency="1", start_date="2027-03-16")
    page = ava.get(f"/book/{gym.coach.id}/preview?{query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert "Skipped, the coach is away: Tue 30 Mar" in html
    assert "Collides with another booking on Tue 13 Apr" in html


def test_end_date_before_start_date_is_refused_with_values_kept(ava, gym):
    start, end = at("2027-03-16", "10:00"), at("2027-03-16", "11:00")
    data = book_data(start, end, frequency="2", start_date="2027-03-23", end_date="2027-03-20")
    response = ava.post(f"/book/{gym.coach.id}/slot", data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html
    assert "The end date must be on or after the start date." in html
    assert 'value="2027-03-23"' in html and 'value="2027-03-20"' in html
    assert re.search(r'<input checked[^>]*value="2"', html)
    assert sessions_of(gym.ava) == []
    # Without JavaScript: the whole page, errors inline.
    page = ava.post(f"/book/{gym.coach.id}/slot", data=data)
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True)
    # The live preview says the same.
    query = slot_query(start, end, frequency="2", start_date="2027-03-23", end_date="2027-03-20")
    preview = ava.get(f"/book/{gym.coach.id}/preview?{query}", headers=HX)
    assert preview.status_code == 422
    assert "The end date must be on or after the start date." in preview.get_data(as_text=True)


def test_bad_frequency_and_past_start_date_are_refused(ava, gym):
    start, end = at("2027-03-16", "10:00"), at("2027-03-16", "11:00")
    bad = ava.post(
        f"/book/{gym.coach.id}/slot", data=book_data(start, end, frequency="3"), headers=HX
    )
    assert bad.status_code == 422
    assert "Not a valid choice" in bad.get_data(as_text=True)

    data = book_data(start, end, frequency="1", start_date="2027-03-01")
    past = ava.post(
        f"/book/{gym.coach.id}/slot", data={**data, "previewed": "1|2027-03-01|"}, headers=HX
    )
    html = past.get_data(as_text=True)
    assert past.status_code == 422
    assert "is in the past" in html and 'value="2027-03-01"' in html
    assert sessions_of(gym.ava) == []


def test_a_slot_that_was_never_offered_is_not_booked(ava, gym):
    start, end = at("2027-03-16", "13:00"), at("2027-03-16", "14:00")  # outside 09:00–12:00
    response = ava.post(f"/book/{gym.coach.id}/slot", data=book_data(start, end), headers=HX)
    assert response.status_code == 409
    assert "Not available" in response.get_data(as_text=True)
    garbage = ava.post(f"/book/{gym.coach.id}/slot", data={"start": "x", "end": "y"}, headers=HX)
    assert garbage.status_code == 422
    assert ava.get(f"/book/{gym.coach.id}/slot?start=x&end=y").status_code == 404
    assert ava.get("/book/999999").status_code == 404


def test_booking_with_csrf_on(database_url, app_config, gym):
    """With CSRF on, the sheet's form carries its token; a post without one is refused."""
    from coachapp import create_app

    csrf_app = create_app(app_config(database_url, WTF_CSRF_ENABLED=True))
    client = csrf_app.test_client()

    def send(method, url, **kwargs):
        with csrf_app.app_context():  # a fresh ``g`` per request, as in production
            return client.open(url, method=method, **kwargs)

    token_re = r'name="csrf_token"(?: type="hidden")? value="([^"]+)"'
    token = re.search(token_re, send("GET", "/login").get_data(as_text=True)).group(1)
    logged_in = send(
        "POST",
        "/login",
        data={"email": gym.ava.email, "password": "correct-horse-battery", "csrf_token": token},
    )
    assert logged_in.status_code == 302
    start, end = at("2027-03-16", "10:00"), at("2027-03-16", "11:00")
    sheet = send("GET", f"/book/{gym.coach.id}/slot?{slot_query(start, end)}", headers=HX)
    token = re.search(token_re, sheet.get_data(as_text=True)).group(1)
    url = f"/book/{gym.coach.id}/slot"
    assert send("POST", url, data=book_data(start, end), headers=HX).status_code == 400
    booked = send("POST", url, data={**book_data(start, end), "csrf_token": token}, headers=HX)
    assert booked.status_code == 200, booked.get_data(as_text=True)
    assert "You're booked" in booked.get_data(as_text=True)
    with csrf_app.app_context():
        db.engine.dispose()


def test_the_clock_is_fixed(gym):
    from coachapp import models

    assert models.utcnow() == datetime(2027, 3, 15, 12, 0, tzinfo=UTC)


def test_a_slot_whose_room_another_coach_holds_is_neither_offered_nor_called_taken_by_someone(
    app, ava, gym, make_user
):
    from coachapp.services import availability, bookings
    from coachapp.services.availability import WindowInput

    otto = make_user("coach", name="Otto Berg", timezone="Europe/Berlin")
    availability.replace_weekly_day(
        gym.admin, otto.id, 2, [WindowInput("09:00", "12:00", gym.room.id)]
    )
    start, end = at("2027-03-16", "10:00"), at("2027-03-16", "11:00")
    listing = ava.get(f"/book/{gym.coach.id}?from=2027-03-16&days=1", headers=HX)
    assert "start=2027-03-16T10:00" in listing.get_data(as_text=True)

    # Ben books Otto at 10:00, in Studio A: Lena's 10:00 (also Studio A) is gone from her list.
    bookings.book_one_time(gym.ben, otto.id, start, end)
    listing = ava.get(f"/book/{gym.coach.id}?from=2027-03-16&days=1", headers=HX)
    html = listing.get_data(as_text=True)
    assert "start=2027-03-16T09:00" in html and "start=2027-03-16T10:00" not in html

    # Ava had the sheet open: confirming says the room is taken, not that someone booked.
    refused = ava.post(f"/book/{gym.coach.id}/slot", data=book_data(start, end), headers=HX)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Room taken" in text and "Studio A is taken then" in text
    assert "someone booked" not in text and "Just taken" not in text
    alternatives = re.findall(r'href="[^"]*start=(2027-03-\d\dT\d\d:\d\d)', text)
    assert alternatives and "2027-03-16T10:00" not in alternatives
    assert sessions_of(gym.ava) == []

    # The weekly preview names the week the room is held.
    preview = ava.get(
        f"/book/{gym.coach.id}/preview?"
        + slot_query(start, end, frequency="1", start_date="2027-03-16"),
        headers=HX,
    )
    assert preview.status_code == 200  # shown like dates colliding with another booking
    assert "Studio A is taken then on Tue 16 Mar" in preview.get_data(as_text=True)

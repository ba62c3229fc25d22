"""My sessions: upcoming and past, cancelling one occurrence or a series from a date, the
late-cancel notice, notifications, and that a member never reaches another member's sessions."""

from __future__ import annotations

import re

from member_helpers import BOOSTED, HX, at, client_for
from member_helpers import ava_fixture as ava_fixture  # the ava fixture
from member_helpers import small_gym_fixture as small_gym_fixture  # the gym fixture
from sqlalchemy import select

from coachapp.extensions import db
from coachapp.models import Booking, RecurringBooking, TrainingSession
from coachapp.services.bookings import SeriesSpec


def weekly_for(gym, member, day="2027-03-16", hhmm="10:00"):
    """A weekly series of ``member`` with Lena from ``day`` on; returns its sessions in order."""
    from coachapp.services import bookings

    start = at(day, hhmm)
    end_hhmm = f"{int(hhmm[:2]) + 1:02d}{hhmm[2:]}"
    series, made = bookings.create_recurring(
        member,
        SeriesSpec(gym.coach.id, (start.weekday() + 1) % 7, hhmm, end_hhmm, start.date(), None, 1),
    )
    return series, sorted(made, key=lambda s: s.start_time)


def one_time_for(gym, member, day, hhmm):
    """A one-time session of ``member`` with Lena at ``day`` ``hhmm`` (60 minutes)."""
    from datetime import timedelta

    from coachapp.services import bookings

    start = at(day, hhmm)
    _booking, session = bookings.book_one_time(
        member, gym.coach.id, start, start + timedelta(hours=1)
    )
    return session


def test_my_sessions_full_page_and_fragment(ava, gym, clock):
    from coachapp.services import sessions

    past = one_time_for(gym, gym.ava, "2027-03-16", "09:00")
    upcoming = one_time_for(gym, gym.ava, "2027-03-18", "11:00")
    cancelled = one_time_for(gym, gym.ava, "2027-03-19", "09:00")
    sessions.cancel_session(gym.ava, cancelled.id)
    clock.set(at("2027-03-17", "08:00"))
    sessions.complete_ended()

    page = ava.get("/me/sessions")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    upcoming_part, past_part = html.split("<h2>Past</h2>")
    assert "Thu 18 Mar, 11:00–12:00" in upcoming_part and "Booked" in upcoming_part
    assert "Fri 19 Mar, 09:00" in upcoming_part and "Cancelled by you" in upcoming_part
    assert "Tue 16 Mar, 09:00" in past_part and "Done" in past_part
    assert f"/me/sessions/{upcoming.id}/cancel" in upcoming_part
    assert f"/me/sessions/{cancelled.id}/cancel" not in html
    assert f"/me/sessions/{past.id}/cancel" not in html

    fragment = ava.get("/me/sessions", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment
    assert fragment.lstrip().startswith('<div id="session-list"')
    assert "Thu 18 Mar, 11:00" in fragment
    assert "<html" in ava.get("/me/sessions", headers=BOOSTED).get_data(as_text=True)


def test_cancel_one_occurrence_of_a_series(ava, gym):
    series, made = weekly_for(gym, gym.ava)
    second = made[1]  # Tue 23 Mar, far outside the 24-hour window
    sheet = ava.get(f"/me/sessions/{second.id}/cancel", headers=HX)
    html = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and "<html" not in html
    assert "Cancel Tue 23 Mar, 10:00?" in html
    assert "Only this session" in html and "This and every later session" in html
    assert "late cancel" not in html.lower()
    full = ava.get(f"/me/sessions/{second.id}/cancel").get_data(as_text=True)
    assert "<html" in full and 'id="session-list"' in full and "Only this session" in full

    done = ava.post(f"/me/sessions/{second.id}/cancel", data={"scope": "one"}, headers=HX)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "<html" not in html
    assert "Cancelled Tue 23 Mar, 10:00." in html
    assert done.headers["HX-Trigger"] == '{"sessions-changed": true}'
    db.session.expire_all()
    assert [s.status for s in made[:3]] == ["scheduled", "cancelled", "scheduled"]
    assert db.session.get(RecurringBooking, series.id).status == "ACTIVE"
    # It stays listed, as cancelled.
    listing = ava.get("/me/sessions").get_data(as_text=True)
    row = re.search(r'<li class="session is-cancelled">.*?</li>', listing, re.S).group(0)
    assert "Tue 23 Mar, 10:00" in row and "Cancelled by you" in row


def test_cancel_a_series_from_a_date(ava, gym):
    series, made = weekly_for(gym, gym.ava)
    first = made[0]
    sheet = ava.get(f"/me/sessions/{first.id}/cancel", headers=HX).get_data(as_text=True)
    assert '<option selected value="2027-03-16">' in sheet
    assert 'value="2027-03-30"' in sheet

    response = ava.post(
        f"/me/sessions/{first.id}/cancel", data={"scope": "series", "from_date": "2027-03-30"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/me/sessions")
    db.session.expire_all()
    assert [s.status for s in made] == ["scheduled", "scheduled"] + ["cancelled"] * (len(made) - 2)
    assert db.session.get(RecurringBooking, series.id).status == "CANCELLED"
    page = ava.get("/me/sessions").get_data(as_text=True)
    assert "Cancelled every session of this booking from Tue 30 Mar, 10:00 on." in page


def test_late_cancel_notice_before_confirming(ava, gym, clock):
    soon = one_time_for(gym, gym.ava, "2027-03-16", "09:00")  # in 20 hours; the window is 24
    later = one_time_for(gym, gym.ava, "2027-03-18", "09:00")
    html = ava.get(f"/me/sessions/{soon.id}/cancel", headers=HX).get_data(as_text=True)
    assert "Late cancel." in html and "24 hours" in html and "Lena Hoffmann" in html
    assert "Only this session" not in html  # a one-time session has nothing else to cancel
    assert "Late cancel." not in ava.get(f"/me/sessions/{later.id}/cancel", headers=HX).get_data(
        as_text=True
    )

    done = ava.post(f"/me/sessions/{soon.id}/cancel", data={"scope": "one"}, headers=HX)
    assert "It counts as a late cancel." in done.get_data(as_text=True)
    booking = db.session.scalars(select(Booking).where(Booking.session_id == soon.id)).one()
    assert booking.late_cancel is True
    listing = ava.get("/me/sessions").get_data(as_text=True)
    assert "Cancelled by you · late" in listing


def test_late_notice_for_a_series_occurrence_matches_billing(ava, gym, clock):
    """The notice's rule is the one cancellation and billing apply (a series session has no
    booking row: billing reads the cancellation time)."""
    from coachapp.services import billing

    _series, made = weekly_for(gym, gym.ava, day="2027-03-16", hhmm="09:00")
    html = ava.get(f"/me/sessions/{made[0].id}/cancel", headers=HX).get_data(as_text=True)
    assert "Late cancel." in html
    ava.post(f"/me/sessions/{made[0].id}/cancel", data={"scope": "one"}, headers=HX)
    [statement] = billing.statements(gym.admin, "2027-03", member_id=gym.ava.id)
    notes = {line.session_id: line.note for line in statement.lines}
    assert notes[made[0].id] == "late cancel"
    assert "Cancelled by you · late" in ava.get("/me/sessions").get_data(as_text=True)


def test_cancel_form_validation_keeps_values(ava, gym):
    _series, made = weekly_for(gym, gym.ava)
    bad_scope = ava.post(f"/me/sessions/{made[0].id}/cancel", data={"scope": "all"}, headers=HX)
    assert bad_scope.status_code == 422
    assert "Not a valid choice" in bad_scope.get_data(as_text=True)

    bad_date = ava.post(
        f"/me/sessions/{made[0].id}/cancel",
        data={"scope": "series", "from_date": "2027-03-17"},
        headers=HX,
    )
    html = bad_date.get_data(as_text=True)
    assert bad_date.status_code == 422 and "<html" not in html
    assert "Pick one of the listed dates." in html
    assert re.search(r'<input checked[^>]*value="series"', html)

    one_time = one_time_for(gym, gym.ava, "2027-03-18", "09:00")
    series_of_none = ava.post(
        f"/me/sessions/{one_time.id}/cancel", data={"scope": "series", "from_date": "2027-03-18"}
    )
    assert series_of_none.status_code == 422
    assert "not part of a repeating booking" in series_of_none.get_data(as_text=True)
    db.session.expire_all()
    assert all(s.status == "scheduled" for s in made) and one_time.status == "scheduled"


def test_cancelling_twice_says_so(ava, gym):
    session = one_time_for(gym, gym.ava, "2027-03-18", "09:00")
    assert (
        ava.post(f"/me/sessions/{session.id}/cancel", data={"scope": "one"}, headers=HX).status_code
        == 200
    )
    again = ava.post(f"/me/sessions/{session.id}/cancel", data={"scope": "one"}, headers=HX)
    assert again.status_code == 409
    assert "cancelled already" in again.get_data(as_text=True)


def test_a_member_cannot_see_or_cancel_another_members_sessions(app, ava, gym):
    from coachapp.services import notifications

    bens = one_time_for(gym, gym.ben, "2027-03-18", "09:00")
    _series, ben_series = weekly_for(gym, gym.ben, day="2027-03-17")
    note = notifications.notify(gym.ben.id, "test", "For Ben only")
    db.session.commit()

    for url in (
        f"/me/sessions/{bens.id}",
        f"/me/sessions/{bens.id}.ics",
        f"/me/sessions/{bens.id}/cancel",
        f"/me/sessions/{ben_series[0].id}/cancel",
    ):
        assert ava.get(url).status_code == 404, url
        assert ava.get(url, headers=HX).status_code == 404, url
    assert ava.post(f"/me/sessions/{bens.id}/cancel", data={"scope": "one"}).status_code == 404
    assert (
        ava.post(
            f"/me/sessions/{ben_series[0].id}/cancel",
            data={"scope": "series", "from_date": "2027-03-17"},
        ).status_code
        == 404
    )
    assert ava.post(f"/me/notifications/{note.id}/dismiss").status_code == 404
    listing = ava.get("/me/sessions").get_data(as_text=True)
    assert "Thu 18 Mar" not in listing and "For Ben only" not in listing
    db.session.expire_all()
    assert db.session.get(TrainingSession, bens.id).status == "scheduled"
    assert db.session.get(TrainingSession, ben_series[0].id).status == "scheduled"
    # Ben still sees his own.
    ben = client_for(app, gym.ben)
    assert ben.get(f"/me/sessions/{bens.id}").status_code == 200


def test_coach_cancellation_notification_until_dismissed(ava, gym):
    from coachapp.services import sessions

    session = one_time_for(gym, gym.ava, "2027-03-16", "10:00")
    sessions.cancel_session(gym.coach, session.id)
    html = ava.get("/me/sessions").get_data(as_text=True)
    notice = re.search(r'<ul class="notices".*?</ul>', html, re.S).group(0)
    assert (
        "Your session on Tue 16 Mar, 10:00 Berlin time with Lena Hoffmann was "
        "cancelled by your coach." in notice
    )
    assert "Cancelled by coach" in html
    note_id = re.search(r"/me/notifications/(\d+)/dismiss", notice).group(1)

    gone = ava.post(f"/me/notifications/{note_id}/dismiss", headers=HX)
    assert gone.status_code == 200 and gone.get_data(as_text=True) == ""
    assert 'class="notices"' not in ava.get("/me/sessions").get_data(as_text=True)
    # Without JavaScript: back to the page.
    sessions_again = one_time_for(gym, gym.ava, "2027-03-17", "10:00")
    sessions.cancel_session(gym.coach, sessions_again.id)
    html = ava.get("/me/sessions").get_data(as_text=True)
    note_id = re.search(r"/me/notifications/(\d+)/dismiss", html).group(1)
    response = ava.post(f"/me/notifications/{note_id}/dismiss")
    assert response.status_code == 303 and response.headers["Location"].endswith("/me/sessions")


def test_close_sheet(ava, gym):
    assert ava.get("/book/close", headers=HX).get_data(as_text=True) == ""
    assert ava.get("/book/close").status_code == 302

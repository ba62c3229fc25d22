"""The conflicts page: list, keep, cancel, move, and settle a whole series at once."""

from __future__ import annotations

import re

from coach_helpers import (
    HX,
    SeparateClient,
    at,
    block,
    book,
    is_fragment,
    is_page,
    triggers,
    weekly,
)
from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import AvailabilityAddition, BlockedSlot, Notification, TrainingSession
from coachapp.services import availability, sessions

TUESDAY = 2

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now


def _status(session_id: int) -> str:
    db.session.expire_all()
    return db.session.get(TrainingSession, session_id).status


def _conflicts(gym) -> list[int]:
    return [c.session.id for c in sessions.list_conflicts(gym.admin, gym.coach.id)]


def _notes(user) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id)
    )


def _vacation(gym):
    """A weekly Tuesday series for Ava, a one-time Wednesday for Ben, then a vacation week."""
    series, made = weekly(gym, TUESDAY, "2027-03-16")
    one = book(gym, "2027-03-24", "09:00", "10:00", gym.ben)
    block(gym, "2027-03-22", "2027-03-29")
    return series, made, one


def test_page_lists_each_conflict_with_reason_origin_and_member(client, login, coach_gym):
    series, made, one = _vacation(coach_gym)
    login(coach_gym.coach)
    page = client.get("/coach/conflicts")
    assert page.status_code == 200 and is_page(page)
    body = page.get_data(as_text=True)
    rows = re.findall(r'<li class="conflict-row card" id="conflict-(\d+)">', body)
    assert rows == [str(made[1].id), str(one.id)]
    # the series' session is in its group, whose line says whose, when and how many
    assert re.search(rf'<li class="conflict-group card" id="series-{series.id}">', body)
    assert "every Tuesday 10:00</span>" in body and "· 1 session from 23 Mar" in body
    assert "Tue 23 Mar 2027, 10:00–11:00" in body
    assert "Wed 24 Mar 2027, 09:00–10:00" in body and "One-time booking" in body
    # the filter's option, the group's line, its row, the one-time row
    assert body.count("Inside a blocked slot") == 4
    assert "Ben Okafor" in body and "Ava Schulz" in body
    assert ">2 open</span>" in body
    fragment = client.get("/coach/conflicts", headers=HX)
    assert is_fragment(fragment)
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="conflicts"')


def test_outside_template_reason(client, login, coach_gym):
    session = book(coach_gym, "2027-03-25")
    availability.replace_weekly_day(coach_gym.admin, coach_gym.coach.id, 4, [])
    login(coach_gym.coach)
    body = client.get("/coach/conflicts").get_data(as_text=True)
    assert f'id="conflict-{session.id}"' in body and "Outside the weekly template" in body


def test_keep_swaps_the_row_adds_the_slot_and_updates_the_count(client, login, coach_gym):
    _, made, one = _vacation(coach_gym)
    login(coach_gym.coach)
    kept = client.post(f"/coach/conflicts/{one.id}/keep", headers=HX)
    assert kept.status_code == 200 and is_fragment(kept)
    body = kept.get_data(as_text=True)
    assert body.lstrip().startswith('<li class="conflict-row resolved"')
    assert "Kept Wed 24 Mar 2027 09:00–10:00 with Ben Okafor" in body
    assert {"conflicts-changed", "week-changed"} <= triggers(kept)
    addition = db.session.scalar(select(AvailabilityAddition))
    assert (addition.start_time, addition.end_time) == (
        at("2027-03-24", "09:00"),
        at("2027-03-24", "10:00"),
    )
    assert _status(one.id) == "scheduled" and _conflicts(coach_gym) == [made[1].id]
    count = client.get("/coach/conflicts/badge?part=count", headers=HX).get_data(as_text=True)
    assert ">1 open</span>" in count and 'hx-trigger="conflicts-changed from:body"' in count
    again = client.post(f"/coach/conflicts/{one.id}/keep", headers=HX)
    assert again.status_code == 409 and "no conflict to resolve" in again.get_data(as_text=True)


def test_cancel_needs_confirmation_then_notifies(client, login, coach_gym):
    _, made, one = _vacation(coach_gym)
    login(coach_gym.coach)
    body = client.get("/coach/conflicts").get_data(as_text=True)
    assert f'hx-post="/coach/conflicts/{one.id}/cancel"' in body
    assert "hx-confirm" not in body, "an in-page confirmation, not the browser's confirm()"
    in_row = client.post(f"/coach/conflicts/{one.id}/cancel", headers=HX)
    assert in_row.status_code == 200 and is_fragment(in_row)
    asked = in_row.get_data(as_text=True)
    assert asked.lstrip().startswith(f'<li class="conflict-row card" id="conflict-{one.id}">')
    assert "Cancel Ben Okafor&#39;s session on Wed 24 Mar 2027 09:00–10:00?" in asked
    assert "Yes, cancel it" in asked and ">No, go back</a>" in asked
    assert _status(one.id) == "scheduled"
    ask = client.post(f"/coach/conflicts/{one.id}/cancel")
    assert (
        ask.status_code == 200 and is_page(ask) and "Yes, cancel it" in ask.get_data(as_text=True)
    )
    assert _status(one.id) == "scheduled"
    done = client.post(f"/coach/conflicts/{one.id}/cancel", data={"confirmed": "1"})
    assert done.status_code == 302 and done.headers["Location"] == "/coach/conflicts"
    assert _status(one.id) == "cancelled" and _notes(coach_gym.ben) == 1
    assert "Cancelled Wed 24 Mar 2027 09:00–10:00 with Ben Okafor" in client.get(
        "/coach/conflicts"
    ).get_data(as_text=True)


def test_series_keep_and_cancel_act_on_every_conflicting_occurrence(client, login, coach_gym):
    series, made, one = _vacation(coach_gym)
    block(coach_gym, "2027-04-05", "2027-04-12")  # a second vacation week hits the series again
    login(coach_gym.coach)
    body = client.get("/coach/conflicts").get_data(as_text=True)
    assert "· 2 sessions from 23 Mar" in body
    assert f"/coach/series/{series.id}/keep" in body and "Cancel all" in body
    kept = client.post(f"/coach/series/{series.id}/keep", headers=HX)
    assert kept.status_code == 200 and is_fragment(kept)
    text = kept.get_data(as_text=True)
    assert (
        text.lstrip().startswith('<li class="conflict-row resolved"')
        and "Kept 2 sessions of the series" in text
    )
    assert "conflicts-changed" in triggers(kept)
    assert _conflicts(coach_gym) == [one.id]
    assert db.session.scalar(select(func.count(AvailabilityAddition.id))) == 2

    other_series, other_made = weekly(coach_gym, 5, "2027-03-19", "11:00", "12:00", coach_gym.ben)
    availability.replace_weekly_day(coach_gym.admin, coach_gym.coach.id, 5, [])
    ask = client.post(f"/coach/series/{other_series.id}/cancel")
    assert ask.status_code == 200 and "Yes, cancel them" in ask.get_data(as_text=True)
    done = client.post(f"/coach/series/{other_series.id}/cancel", data={"confirmed": "1"})
    assert done.status_code == 302
    assert {_status(s.id) for s in other_made} == {"cancelled"}
    assert _notes(coach_gym.ben) == len(other_made)
    assert _conflicts(coach_gym) == [one.id]


def test_ending_a_series_on_a_dropped_weekday_stops_its_conflicts_for_good(
    client, login, coach_gym, runner
):
    """The coach no longer works Fridays: ending Ben's Friday booking cancels its coming sessions,
    tells Ben, and the nightly job makes no new ones (keeping or cancelling them one by one would
    bring a new conflict every week)."""
    from coachapp.models import RecurringBooking

    series, made = weekly(coach_gym, 5, "2027-03-19", "11:00", "12:00", coach_gym.ben)
    availability.replace_weekly_day(coach_gym.admin, coach_gym.coach.id, 5, [])
    login(coach_gym.coach)
    body = client.get("/coach/conflicts").get_data(as_text=True)
    assert f"/coach/series/{series.id}/end" in body and "End the series" in body
    ask = client.post(f"/coach/series/{series.id}/end")
    assert ask.status_code == 200 and "Yes, end it" in ask.get_data(as_text=True)
    assert _status(made[0].id) == "scheduled"  # nothing happens before the coach confirms
    done = client.post(f"/coach/series/{series.id}/end", data={"confirmed": "1"}, headers=HX)
    assert done.status_code == 200 and is_fragment(done)
    text = done.get_data(as_text=True)
    assert "Ended the booking every week on Fridays 11:00–12:00" in text
    assert {"conflicts-changed", "week-changed"} <= triggers(done)
    assert {_status(s.id) for s in made} == {"cancelled"}
    assert _notes(coach_gym.ben) >= 1
    assert _conflicts(coach_gym) == []
    db.session.expire_all()
    assert db.session.get(RecurringBooking, series.id).status == "CANCELLED"
    generated = runner.invoke(args=["sessions", "generate", "--today", "2027-04-20"])
    assert generated.exit_code == 0, generated.output
    assert _conflicts(coach_gym) == []
    again = client.post(f"/coach/series/{series.id}/end", data={"confirmed": "1"}, headers=HX)
    assert again.status_code == 409 and "cancelled already" in again.get_data(as_text=True)


def test_another_coach_cannot_end_a_series(app, coach_gym):
    series, made = weekly(coach_gym, TUESDAY, "2027-03-16")
    other = SeparateClient(app, coach_gym.other)
    answer = other.post(f"/coach/series/{series.id}/end", data={"confirmed": "1"}, headers=HX)
    assert answer.status_code == 404
    assert _status(made[0].id) == "scheduled"


def test_each_row_offers_free_times_nearby_and_moves_there(client, login, coach_gym):
    _, made, one = _vacation(coach_gym)
    login(coach_gym.coach)
    body = client.get("/coach/conflicts").get_data(as_text=True)
    row = re.search(rf'id="conflict-{one.id}">.*?</li>', body, re.S)[0]
    offered = re.findall(r'name="start" value="([^"]+)"', row)
    # The vacation blocks the whole week of Wed 24 March: no free time left that week.
    assert offered == []
    availability.delete_blocked_slot(coach_gym.admin, db.session.scalar(select(BlockedSlot.id)))
    block(coach_gym, "2027-03-24", "2027-03-25")  # only the Wednesday now
    body = client.get("/coach/conflicts").get_data(as_text=True)
    row = re.search(rf'id="conflict-{one.id}">.*?</li>', body, re.S)[0]
    offered = re.findall(r'name="start" value="([^"]+)"', row)
    # Nearest first (Tue 11:00 is 22 h away, Tue 09:00 and Thu 09:00 24 h), listed in time order.
    assert offered == ["2027-03-23T09:00", "2027-03-23T11:00", "2027-03-25T09:00"]
    moved = client.post(
        f"/coach/conflicts/{one.id}/move",
        data={"start": offered[2], "confirmed": "1"},
        headers=HX,
    )
    assert moved.status_code == 200 and is_fragment(moved)
    text = moved.get_data(as_text=True)
    assert text.lstrip().startswith('<li class="conflict-row resolved"')
    assert "→ moved to Thu 25 Mar 2027 09:00–10:00; Ben Okafor notified." in text
    assert "conflicts-changed" in triggers(moved)
    db.session.expire_all()
    assert db.session.get(TrainingSession, one.id).start_time == at("2027-03-25", "09:00")
    assert one.id not in _conflicts(coach_gym) and _notes(coach_gym.ben) == 1
    block(coach_gym, "2027-03-23", "2027-03-24")  # Ava's Tuesday is a conflict again
    taken = client.post(
        f"/coach/conflicts/{made[1].id}/move",
        data={"start": "2027-03-25T09:00", "confirmed": "1"},
        headers=HX,
    )
    assert taken.status_code == 409 and "is already booked" in taken.get_data(as_text=True)
    assert f'<li class="conflict-row card" id="conflict-{made[1].id}">' in taken.get_data(
        as_text=True
    )


def test_another_coach_cannot_resolve(app, coach_gym):
    series, made, one = _vacation(coach_gym)
    other = SeparateClient(app, coach_gym.other)
    assert other.post(f"/coach/conflicts/{one.id}/keep", headers=HX).status_code == 404
    assert (
        other.post(f"/coach/conflicts/{one.id}/cancel", data={"confirmed": "1"}).status_code == 404
    )
    assert other.post(f"/coach/series/{series.id}/keep", headers=HX).status_code == 404
    assert other.get(f"/coach/conflicts?coach={coach_gym.coach.id}").status_code == 403
    assert "No conflicts" in other.get("/coach/conflicts").get_data(as_text=True)
    assert sorted(_conflicts(coach_gym)) == sorted([made[1].id, one.id])
    member = SeparateClient(app, coach_gym.ava)
    assert member.get("/coach/conflicts").status_code == 403


def test_admin_resolves_for_a_coach(app, coach_gym):
    series, made, one = _vacation(coach_gym)
    block(coach_gym, "2027-04-05", "2027-04-12")
    admin = SeparateClient(app, coach_gym.admin)
    body = admin.get(f"/coach/conflicts?coach={coach_gym.coach.id}").get_data(as_text=True)
    assert f"/coach/series/{series.id}/keep?coach={coach_gym.coach.id}" in body
    response = admin.post(f"/coach/series/{series.id}/keep?coach={coach_gym.coach.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/coach/conflicts?coach={coach_gym.coach.id}"
    assert _conflicts(coach_gym) == [one.id]

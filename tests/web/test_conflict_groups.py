"""The conflicts page grouped by recurring booking (issue 18 item 4): one line per series with its
bulk actions, filters by reason and member, in-page confirmations (never the browser's
confirm()), group classes' wording with counts, moving a series to another weekly time, and a
bounded number of statements however many conflicts there are."""

from __future__ import annotations

import re

from coach_helpers import HX, SeparateClient, at, block, book, is_fragment, is_page, triggers
from coach_helpers import weekly as weekly_series
from sqlalchemy import func, select
from test_coach_conflicts import _conflicts, _notes, _status

from coachapp.extensions import db
from coachapp.models import (
    AvailabilityAddition,
    RecurringBooking,
    TrainingSession,
)
from coachapp.services import availability, group_classes
from coachapp.services.availability import WindowInput

MONDAY, TUESDAY, WEDNESDAY = 1, 2, 3

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now


def _dropped(gym, day=MONDAY, first="2027-03-22", member=None):
    """A weekly 10:00 series (6 sessions from ``first``, default Ben's from Mon 22 Mar) on a day
    Lena no longer works."""
    series, made = weekly_series(gym, day, first, member=member or gym.ben)
    availability.replace_weekly_day(gym.admin, gym.coach.id, day, [])
    return series, made


def _class_hours(gym):
    """Lena gives group classes on Tuesdays 17:00–19:00 in Studio B (no one-to-one hours)."""
    availability.replace_weekly_day(
        gym.admin,
        gym.coach.id,
        TUESDAY,
        [WindowInput("17:00", "19:00", gym.room_b.id, is_individual=False, is_group=True)],
    )


def _group(body: str, series_id: int) -> str:
    start = body.index(f'<li class="conflict-group card" id="series-{series_id}">')
    return body[start : body.index("</details>\n</li>", start)]


def test_a_six_session_series_is_one_group_with_its_summary(client, login, coach_gym):
    series, made = _dropped(coach_gym)
    one = book(coach_gym, "2027-03-24", "09:00", "10:00", coach_gym.ava)
    block(coach_gym, "2027-03-24", "2027-03-25")
    login(coach_gym.coach)
    body = client.get("/coach/conflicts").get_data(as_text=True)
    assert len(made) == 6
    assert body.count('<li class="conflict-group card"') == 1
    group = _group(body, series.id)
    summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", group.split("</p>")[0])).strip()
    assert summary == (
        "Ben Okafor · every Monday 10:00 · 6 sessions from 22 Mar Outside the weekly template"
    )
    for action in ("keep", "cancel", "end"):
        assert f'action="/coach/series/{series.id}/{action}"' in group
    assert ">Keep all<" in group and ">Cancel all<" in group and ">End the series<" in group
    assert "Move the series to another weekly time" in group
    assert '<details class="cg-sessions">' in group and "The 6 sessions, one by one" in group
    assert all(f'id="conflict-{s.id}"' in group for s in made)
    # each session inside keeps its own actions
    assert f'action="/coach/conflicts/{made[0].id}/keep"' in group
    # the one-time session stays a row of its own, after the group (start order)
    assert body.index(f'id="conflict-{one.id}"') > body.index(f'id="series-{series.id}"')
    assert "hx-confirm" not in body
    assert ">7 open</span>" in body


def test_keep_all_at_once_with_undo_and_no_confirmation(client, login, coach_gym):
    series, made = _dropped(coach_gym)
    login(coach_gym.coach)
    kept = client.post(f"/coach/series/{series.id}/keep", headers=HX)
    assert kept.status_code == 200 and is_fragment(kept)
    text = kept.get_data(as_text=True)
    assert text.lstrip().startswith('<li class="conflict-row resolved"')
    assert "Kept 6 sessions of the series: an addition now covers each." in text
    assert {"conflicts-changed", "week-changed"} <= triggers(kept)
    assert _conflicts(coach_gym) == []
    assert db.session.scalar(select(func.count(AvailabilityAddition.id))) == 6


def test_cancel_all_asks_in_the_group_first(client, login, coach_gym):
    series, made = _dropped(coach_gym)
    login(coach_gym.coach)
    ask = client.post(f"/coach/series/{series.id}/cancel", headers=HX)
    assert ask.status_code == 200 and is_fragment(ask)
    body = ask.get_data(as_text=True)
    assert body.lstrip().startswith(f'<li class="conflict-group card" id="series-{series.id}">')
    assert "Cancel Ben Okafor&#39;s 6 conflicting sessions?" in body
    assert "Yes, cancel them" in body and ">No, go back</a>" in body
    assert f'hx-select="#series-{series.id}"' in body
    assert {_status(s.id) for s in made} == {"scheduled"}  # nothing before the coach confirms
    done = client.post(f"/coach/series/{series.id}/cancel", data={"confirmed": "1"}, headers=HX)
    assert done.status_code == 200
    assert "Cancelled 6 sessions of the series" in done.get_data(as_text=True)
    assert {_status(s.id) for s in made} == {"cancelled"} and _notes(coach_gym.ben) == 6
    # without JS the question is a page of its own
    other, other_made = _dropped(coach_gym, WEDNESDAY, "2027-03-17", coach_gym.ava)
    page = client.post(f"/coach/series/{other.id}/cancel")
    assert page.status_code == 200 and is_page(page)
    assert "Cancel Ava Schulz&#39;s 6 conflicting sessions?" in page.get_data(as_text=True)


def test_end_the_series_asks_then_ends_it(client, login, coach_gym):
    series, made = _dropped(coach_gym)
    login(coach_gym.coach)
    ask = client.post(f"/coach/series/{series.id}/end", headers=HX)
    body = ask.get_data(as_text=True)
    assert "End Ben Okafor&#39;s recurring booking (every Monday 10:00)?" in body
    assert "Yes, end it" in body and _status(made[0].id) == "scheduled"
    done = client.post(f"/coach/series/{series.id}/end", data={"confirmed": "1"}, headers=HX)
    assert "Ended the booking every week on Mondays 10:00–11:00" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(RecurringBooking, series.id).status == "CANCELLED"


def test_give_all_to_a_cover_coach_asks_in_the_group(client, login, coach_gym):
    series, made = weekly_series(coach_gym, TUESDAY, "2027-03-16", member=coach_gym.ava)
    block(coach_gym, "2027-03-22", "2027-04-01", "Ill")  # Tue 23 and Tue 30 Mar
    availability.replace_weekly_day(
        coach_gym.admin, coach_gym.other.id, TUESDAY, [WindowInput("09:00", "12:00", None)]
    )
    login(coach_gym.coach)
    body = client.get("/coach/conflicts").get_data(as_text=True)
    assert "Give all to Otto Other" in _group(body, series.id)
    ask = client.post(
        f"/coach/series/{series.id}/give", data={"coach_id": coach_gym.other.id}, headers=HX
    )
    text = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "Give Ava Schulz&#39;s 2 conflicting sessions" in text
    assert "Yes, give them to Otto Other" in text
    done = client.post(
        f"/coach/series/{series.id}/give?coach_id={coach_gym.other.id}",
        data={"confirmed": "1"},
        headers=HX,
    )
    assert "Gave 2 sessions of the series to Otto Other" in done.get_data(as_text=True)
    assert _conflicts(coach_gym) == []


def test_filters_by_reason_and_member_with_the_count(client, login, coach_gym):
    series, made = _dropped(coach_gym)  # Ben, outside the template
    one = book(coach_gym, "2027-03-24", "09:00", "10:00", coach_gym.ava)
    block(coach_gym, "2027-03-24", "2027-03-25")  # Ava, blocked
    login(coach_gym.coach)
    body = client.get("/coach/conflicts?reason=in_blocked_slot").get_data(as_text=True)
    assert f'id="conflict-{one.id}"' in body and f'id="series-{series.id}"' not in body
    assert ">1 open</span>" in body
    assert 'hx-push-url="true"' in body and 'method="get"' in body
    assert '<option value="in_blocked_slot" selected>' in body
    fragment = client.get(f"/coach/conflicts?member={coach_gym.ben.id}", headers=HX)
    text = fragment.get_data(as_text=True)
    assert is_fragment(fragment) and text.lstrip().startswith('<section id="conflicts"')
    assert f'id="series-{series.id}"' in text and f'id="conflict-{one.id}"' not in text
    assert ">6 open</span>" in text and "Show all 7" in text
    count = client.get(
        f"/coach/conflicts/badge?part=count&member={coach_gym.ben.id}", headers=HX
    ).get_data(as_text=True)
    assert ">6 open</span>" in count and f"member={coach_gym.ben.id}" in count
    none = client.get(f"/coach/conflicts?member={coach_gym.ava.id}&reason=outside_weekly_template")
    assert "No conflict matches this filter." in none.get_data(as_text=True)
    bad = client.get("/coach/conflicts?reason=nonsense")
    assert bad.status_code == 422 and "Reason: pick one of the reasons listed." in bad.get_data(
        as_text=True
    )


def test_move_to_a_suggested_time_asks_in_the_row_first(client, login, coach_gym):
    one = book(coach_gym, "2027-03-24", "09:00", "10:00", coach_gym.ben)
    block(coach_gym, "2027-03-24", "2027-03-25")
    login(coach_gym.coach)
    body = client.get("/coach/conflicts").get_data(as_text=True)
    assert f'hx-post="/coach/conflicts/{one.id}/move"' in body
    ask = client.post(
        f"/coach/conflicts/{one.id}/move", data={"start": "2027-03-25T09:00"}, headers=HX
    )
    assert ask.status_code == 200 and is_fragment(ask)
    text = ask.get_data(as_text=True)
    assert text.lstrip().startswith(f'<li class="conflict-row card" id="conflict-{one.id}">')
    assert (
        "Move Ben Okafor&#39;s Wed 24 Mar 2027 09:00–10:00 session to Thu 25 Mar 2027 09:00?"
        in text
    )
    assert ">Yes, move</button>" in text and ">No, go back</a>" in text
    db.session.expire_all()
    assert db.session.get(TrainingSession, one.id).start_time == at("2027-03-24", "09:00")
    done = client.post(
        f"/coach/conflicts/{one.id}/move?start=2027-03-25T09:00",
        data={"confirmed": "1"},
        headers=HX,
    )
    assert done.status_code == 200 and "moved to Thu 25 Mar 2027 09:00–10:00" in done.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(TrainingSession, one.id).start_time == at("2027-03-25", "09:00")
    assert _notes(coach_gym.ben) == 1
    bad = client.post(f"/coach/conflicts/{one.id}/move", data={"start": "tomorrow"}, headers=HX)
    assert bad.status_code in (200, 422)


def test_cancelling_a_class_says_how_many_members_are_told(client, login, coach_gym, make_user):
    _class_hours(coach_gym)
    cls = group_classes.schedule_group_session(
        coach_gym.admin,
        coach_gym.coach.id,
        at("2027-03-23", "17:00"),
        at("2027-03-23", "18:00"),
        "Kettlebells",
        2,
    )
    for member in (coach_gym.ava, coach_gym.ben, make_user("member", name="Cleo Wait")):
        group_classes.book_place(coach_gym.admin, cls.id, member_id=member.id)
    block(coach_gym, "2027-03-23", "2027-03-24")
    login(coach_gym.coach)
    body = client.get("/coach/conflicts").get_data(as_text=True)
    assert "2 booked, 1 waiting" in body and ">Cancel the class<" in body
    ask = client.post(f"/coach/conflicts/{cls.id}/cancel", headers=HX)
    text = ask.get_data(as_text=True)
    assert "Cancel the Kettlebells class on Tue 23 Mar 2027 17:00–18:00?" in text
    assert "2 members booked and 1 waiting will be notified." in text
    assert _status(cls.id) == "scheduled"
    done = client.post(f"/coach/conflicts/{cls.id}/cancel", data={"confirmed": "1"}, headers=HX)
    assert "Class cancelled; 3 members notified." in done.get_data(as_text=True)
    assert _status(cls.id) == "cancelled"


def test_move_the_series_to_another_weekly_time(client, login, coach_gym):
    series, made = _dropped(coach_gym)
    login(coach_gym.coach)
    body = client.get("/coach/conflicts").get_data(as_text=True)
    group = _group(body, series.id)
    assert f'action="/coach/series/{series.id}/move"' in group
    assert 'name="from_date" value="2027-03-22"' in group and 'name="time"' in group
    form = {"day": str(TUESDAY), "time": "09:00", "from_date": "2027-03-22"}
    ask = client.post(f"/coach/series/{series.id}/move", data=form, headers=HX)
    assert ask.status_code == 200 and is_fragment(ask)
    text = ask.get_data(as_text=True)
    assert "Move the recurring booking from every Monday 10:00 to every Tuesday 09:00?" in text
    assert "6 coming sessions every Monday 10:00 from 22 Mar are cancelled" in text
    assert "the new sessions are Tue 23 Mar" in text and "Yes, move the series" in text
    assert {_status(s.id) for s in made} == {"scheduled"}  # only a preview so far
    done = client.post(
        f"/coach/series/{series.id}/move?day=2&time=09:00&from_date=2027-03-22",
        data={"confirmed": "1"},
        headers=HX,
    )
    assert done.status_code == 200
    assert "Moved the recurring booking from every Monday 10:00 to every Tuesday 09:00" in (
        done.get_data(as_text=True)
    )
    assert {_status(s.id) for s in made} == {"cancelled"} and _notes(coach_gym.ben) == 1
    assert _conflicts(coach_gym) == []


def test_a_refused_series_move_names_the_dates(client, login, coach_gym):
    series, made = _dropped(coach_gym)
    weekly_series(coach_gym, TUESDAY, "2027-03-23", "09:00", "10:00", coach_gym.ava)
    login(coach_gym.coach)
    form = {"day": str(TUESDAY), "time": "09:30", "from_date": "2027-03-22"}
    refused = client.post(f"/coach/series/{series.id}/move", data=form, headers=HX)
    assert refused.status_code == 409 and is_fragment(refused)
    text = refused.get_data(as_text=True)
    assert "Tue 23 Mar 2027" in text and 'role="alert"' in text
    assert 'value="09:30"' in text  # the form keeps what was typed
    bad = client.post(f"/coach/series/{series.id}/move", data={**form, "time": "9h"}, headers=HX)
    assert bad.status_code == 422 and {_status(s.id) for s in made} == {"scheduled"}


def test_another_coach_cannot_move_or_filter_someone_elses_series(app, coach_gym):
    series, made = _dropped(coach_gym)
    other = SeparateClient(app, coach_gym.other)
    form = {"day": "2", "time": "09:00", "from_date": "2027-03-22", "confirmed": "1"}
    assert other.post(f"/coach/series/{series.id}/move", data=form, headers=HX).status_code == 404
    assert other.get(f"/coach/conflicts?coach={coach_gym.coach.id}&reason=x").status_code == 403
    assert {_status(s.id) for s in made} == {"scheduled"}


CONFLICTS_PAGE_STATEMENTS = 15
"""The grouped page's statements with 25 conflicts in 4 series and a one-time session (measured:
the user with the data version, the coach's settings, the sessions, the availability (3), the
conflicts' members and series, the cover coaches' availability and sessions, the free times to
move to (read for up to 8 weeks at once)): the same as for 5 conflicts in one week."""


def test_the_grouped_page_reads_a_bounded_number_of_statements(app, make_user, coach_gym):
    from test_statement_counts import statements

    members = [make_user("member", name=f"Member {i}") for i in range(4)]
    for day, member in zip((MONDAY, TUESDAY, WEDNESDAY, 4), members, strict=True):
        weekly_series(coach_gym, day, "2027-03-22", member=member)
    one = book(coach_gym, "2027-03-27", "09:00", "10:00", coach_gym.ava)
    coach = SeparateClient(app, coach_gym.coach)
    coach.get("/")
    few_blocked = block(coach_gym, "2027-03-22", "2027-03-28")  # 4 + 1 conflicts in one week
    few = statements(coach, "/coach/conflicts")
    availability.delete_blocked_slot(coach_gym.admin, few_blocked.id)
    for day in (MONDAY, TUESDAY, WEDNESDAY, 4):
        availability.replace_weekly_day(coach_gym.admin, coach_gym.coach.id, day, [])
    block(coach_gym, "2027-03-27", "2027-03-28")
    assert len(_conflicts(coach_gym)) == 25
    many = statements(coach, "/coach/conflicts")
    body = coach.get("/coach/conflicts").get_data(as_text=True)
    assert body.count('<li class="conflict-group card"') == 4 and f"conflict-{one.id}" in body
    assert len(many) <= CONFLICTS_PAGE_STATEMENTS, "\n".join(many)
    assert len(many) == len(few), "\n".join(many)


def _undo(client, response):
    token = re.search(r'name="token" value="([^"]+)"', response.get_data(as_text=True))[1]
    return client.post("/coach/undo", data={"token": token}, headers=HX)


def test_every_bulk_result_offers_undo_that_puts_it_back(client, login, coach_gym):
    series, made = _dropped(coach_gym)
    login(coach_gym.coach)
    kept = client.post(f"/coach/series/{series.id}/keep", headers=HX)
    assert 'class="undo-button"' in kept.get_data(as_text=True)
    undone = _undo(client, kept)
    assert undone.status_code == 200 and "undone" in triggers(undone)
    assert len(_conflicts(coach_gym)) == 6
    cancelled = client.post(
        f"/coach/series/{series.id}/cancel", data={"confirmed": "1"}, headers=HX
    )
    assert _undo(client, cancelled).status_code == 200
    assert {_status(s.id) for s in made} == {"scheduled"} and len(_conflicts(coach_gym)) == 6
    moved = client.post(
        f"/coach/series/{series.id}/move?day=2&time=09:00&from_date=2027-03-22",
        data={"confirmed": "1"},
        headers=HX,
    )
    assert _conflicts(coach_gym) == []
    assert _undo(client, moved).status_code == 200
    assert {_status(s.id) for s in made} == {"scheduled"} and len(_conflicts(coach_gym)) == 6
    ended = client.post(f"/coach/series/{series.id}/end", data={"confirmed": "1"}, headers=HX)
    assert _conflicts(coach_gym) == []
    assert _undo(client, ended).status_code == 200 and len(_conflicts(coach_gym)) == 6


def test_cancelling_a_recurring_class_counts_its_places(client, login, coach_gym):
    from datetime import date

    _class_hours(coach_gym)
    series, made = group_classes.create_group_series(
        coach_gym.admin,
        coach_gym.coach.id,
        TUESDAY,
        "17:00",
        "18:00",
        date(2027, 3, 16),
        None,
        1,
        "Kettlebells",
        1,
    )
    group_classes.book_place(coach_gym.admin, made[1].id, member_id=coach_gym.ava.id)
    group_classes.book_place(coach_gym.admin, made[1].id, member_id=coach_gym.ben.id)
    block(coach_gym, "2027-03-22", "2027-04-01")  # Tue 23 and Tue 30 Mar
    login(coach_gym.coach)
    body = client.get("/coach/conflicts").get_data(as_text=True)
    assert "Kettlebells</strong>" in body and "· 2 sessions from 23 Mar" in body
    ask = client.post(f"/coach/series/{series.id}/cancel", headers=HX)
    text = ask.get_data(as_text=True)
    assert "Cancel the 2 conflicting Kettlebells classes?" in text
    assert "1 place booked and 1 waiting in them will be notified." in text
    assert "Move the series to another weekly time" not in text  # a class moves elsewhere
    assert _status(made[1].id) == "scheduled"
    done = client.post(f"/coach/series/{series.id}/cancel", data={"confirmed": "1"}, headers=HX)
    assert "Cancelled 2 classes; 2 members notified." in done.get_data(as_text=True)
    assert _status(made[1].id) == "cancelled"

"""Cover coaches on the conflicts page (issue 17 item 6): "Give to Otto" per conflicting
one-to-one session, a confirmation step naming member, time and coach (in the row, or a page
without JS; never a browser confirm()), the row swapped with the result, refusals with the reason;
and "Give them all" for a series."""

from __future__ import annotations

import re

from coach_helpers import HX, at, block, book, is_fragment, is_page, triggers, weekly
from sqlalchemy import select

from coachapp.extensions import db
from coachapp.models import Notification, TrainingSession
from coachapp.services import availability, bookings
from coachapp.services.availability import WindowInput
from coachapp.vocab import NotificationKind

TUESDAY, WEDNESDAY = 2, 3

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now


def _otto_works(gym, days=(TUESDAY, WEDNESDAY)):
    for day in days:
        availability.replace_weekly_day(
            gym.admin, gym.other.id, day, [WindowInput("09:00", "12:00", gym.room_b.id)]
        )


def _coach_of(session_id: int) -> int:
    db.session.expire_all()
    return db.session.get(TrainingSession, session_id).coach_id


def _told(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.message).where(
                Notification.user_id == user.id,
                Notification.kind == NotificationKind.SESSION_REASSIGNED,
            )
        )
    )


def _ill_wednesday(gym):
    """Ben's one-time Wednesday 24 Mar 09:00 with Lena; Lena is ill that day; Otto works."""
    one = book(gym, "2027-03-24", "09:00", "10:00", gym.ben)
    block(gym, "2027-03-24", "2027-03-25", "Ill")
    _otto_works(gym)
    return one


def test_each_conflict_offers_the_coaches_free_then(client, login, coach_gym):
    one = _ill_wednesday(coach_gym)
    login(coach_gym.coach)
    body = client.get("/coach/conflicts").get_data(as_text=True)
    row = body[body.index(f'id="conflict-{one.id}"') :]
    assert re.search(
        rf'<form class="c-covers" method="post" action="/coach/conflicts/{one.id}/give"', row
    )
    assert f'name="coach_id" value="{coach_gym.other.id}" class="c-chip">Give to Otto Other<' in row
    give_form = row[row.index('class="c-covers"') : row.index("</form>", row.index("c-covers"))]
    assert "hx-confirm" not in give_form, "a confirmation step, not the browser's confirm()"


def test_give_asks_first_in_the_row_then_hands_over_and_tells(client, login, coach_gym):
    one = _ill_wednesday(coach_gym)
    login(coach_gym.coach)
    url = f"/coach/conflicts/{one.id}/give"
    ask = client.post(url, data={"coach_id": coach_gym.other.id}, headers=HX)
    assert ask.status_code == 200 and is_fragment(ask)
    body = ask.get_data(as_text=True)
    assert body.lstrip().startswith(f'<li class="conflict-row card" id="conflict-{one.id}">')
    assert "Give Ben Okafor&#39;s session on Wed 24 Mar 2027 09:00–10:00 to Otto Other?" in body
    assert "Ben Okafor and Otto Other are told." in body
    assert re.search(r"<button type=\"submit\" autofocus>Yes, give it to Otto Other</button>", body)
    assert f'action="/coach/conflicts/{one.id}/give?coach_id={coach_gym.other.id}"' in body
    assert 'hx-select="#conflict-' in body and ">No, go back</a>" in body
    assert _coach_of(one.id) == coach_gym.coach.id and _told(coach_gym.ben) == []

    done = client.post(f"{url}?coach_id={coach_gym.other.id}", data={"confirmed": "1"}, headers=HX)
    assert done.status_code == 200 and is_fragment(done)
    text = done.get_data(as_text=True)
    assert text.lstrip().startswith('<li class="conflict-row resolved"><span role="status">')
    assert "Given to Otto Other; Ben Okafor has been told." in text
    assert {"conflicts-changed", "week-changed"} <= triggers(done)
    assert _coach_of(one.id) == coach_gym.other.id
    assert len(_told(coach_gym.ben)) == 1 and len(_told(coach_gym.other)) == 1
    page = client.get("/coach/conflicts").get_data(as_text=True)
    assert f'id="conflict-{one.id}"' not in page


def test_without_js_the_confirmation_is_a_page(client, login, coach_gym):
    one = _ill_wednesday(coach_gym)
    login(coach_gym.coach)
    ask = client.post(f"/coach/conflicts/{one.id}/give", data={"coach_id": coach_gym.other.id})
    assert ask.status_code == 200 and is_page(ask)
    body = ask.get_data(as_text=True)
    assert "Give Ben Okafor&#39;s session on Wed 24 Mar 2027 09:00–10:00 to Otto Other?" in body
    action = re.search(r'<form method="post" action="([^"]+)">', body).group(1)
    done = client.post(action.replace("&amp;", "&"), data={"confirmed": "1"})
    assert done.status_code == 302 and done.headers["Location"] == "/coach/conflicts"
    assert _coach_of(one.id) == coach_gym.other.id
    assert "Given to Otto Other; Ben Okafor has been told." in client.get(
        "/coach/conflicts"
    ).get_data(as_text=True)


def test_refused_with_the_reason_when_the_coach_was_taken_meanwhile(client, login, coach_gym):
    one = _ill_wednesday(coach_gym)
    login(coach_gym.coach)
    bookings.book_one_time(
        coach_gym.admin,
        coach_gym.other.id,
        at("2027-03-24", "09:30"),
        at("2027-03-24", "10:30"),
        member_id=coach_gym.ava.id,
    )
    done = client.post(
        f"/coach/conflicts/{one.id}/give?coach_id={coach_gym.other.id}",
        data={"confirmed": "1"},
        headers=HX,
    )
    assert done.status_code == 409 and is_fragment(done)
    body = done.get_data(as_text=True)
    assert f'id="conflict-{one.id}"' in body
    assert "Otto Other has another session on Wed 24 Mar 2027 09:00–10:00." in body
    assert "Give to Otto Other" not in body, "no longer offered"
    assert _coach_of(one.id) == coach_gym.coach.id


def test_a_coach_that_is_not_one_is_refused_naming_what_to_do(client, login, coach_gym):
    one = _ill_wednesday(coach_gym)
    login(coach_gym.coach)
    for bad in ("", "abc", str(coach_gym.ava.id), str(coach_gym.coach.id), "99999"):
        answer = client.post(f"/coach/conflicts/{one.id}/give", data={"coach_id": bad}, headers=HX)
        assert answer.status_code == 422, bad
        assert "Pick one of the coaches offered" in answer.get_data(as_text=True)
    assert _coach_of(one.id) == coach_gym.coach.id


def test_another_coach_or_a_member_cannot_give_it_away(client, login, coach_gym, make_user):
    one = _ill_wednesday(coach_gym)
    login(coach_gym.other)
    answer = client.post(
        f"/coach/conflicts/{one.id}/give?coach_id={coach_gym.other.id}", data={"confirmed": "1"}
    )
    assert answer.status_code == 404
    assert _coach_of(one.id) == coach_gym.coach.id


def test_an_admin_gives_a_coachs_session_away(client, login, coach_gym):
    one = _ill_wednesday(coach_gym)
    login(coach_gym.admin)
    page = client.get(f"/coach/conflicts?coach={coach_gym.coach.id}").get_data(as_text=True)
    assert f'action="/coach/conflicts/{one.id}/give?coach={coach_gym.coach.id}"' in page
    done = client.post(
        f"/coach/conflicts/{one.id}/give?coach_id={coach_gym.other.id}&coach={coach_gym.coach.id}",
        data={"confirmed": "1"},
    )
    assert done.status_code == 302
    assert done.headers["Location"] == f"/coach/conflicts?coach={coach_gym.coach.id}"
    assert _coach_of(one.id) == coach_gym.other.id
    assert len(_told(coach_gym.coach)) == 1, "the coach is told when an admin gave it away"


def test_a_series_offers_the_coach_who_takes_every_conflict(client, login, coach_gym):
    series, made = weekly(coach_gym, TUESDAY, "2027-03-16")
    block(coach_gym, "2027-03-22", "2027-04-01", "Ill")  # Tue 23 and Tue 30 Mar
    _otto_works(coach_gym, days=(TUESDAY,))
    login(coach_gym.coach)
    body = client.get("/coach/conflicts").get_data(as_text=True)
    assert body.count("Give all to Otto Other") == 1  # once, on the series' group
    ask = client.post(f"/coach/series/{series.id}/give", data={"coach_id": coach_gym.other.id})
    assert ask.status_code == 200 and is_page(ask)
    text = ask.get_data(as_text=True)
    assert "Give Ava Schulz&#39;s 2 conflicting sessions to Otto Other?" in text
    assert "Tue 23 Mar 2027 10:00–11:00; Tue 30 Mar 2027 10:00–11:00" in text
    assert "Yes, give them to Otto Other" in text
    done = client.post(
        f"/coach/series/{series.id}/give?coach_id={coach_gym.other.id}", data={"confirmed": "1"}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/coach/conflicts"
    conflicts = [
        s for s in made if s.start_time in (at("2027-03-23", "10:00"), at("2027-03-30", "10:00"))
    ]
    assert [_coach_of(s.id) for s in conflicts] == [coach_gym.other.id] * 2
    assert len(_told(coach_gym.ava)) == 1
    after = client.get("/coach/conflicts").get_data(as_text=True)
    assert "Gave 2 sessions of the series to Otto Other; the member has been told." in after


def test_the_give_buttons_are_real_buttons_big_enough_to_tap(client, login, coach_gym):
    """Keyboard: plain submit buttons in forms (Tab and Enter work without JS); tap targets:
    c-chip buttons and .button links are 44 px high (static/css)."""
    _ill_wednesday(coach_gym)
    login(coach_gym.coach)
    body = client.get("/coach/conflicts").get_data(as_text=True)
    assert re.search(r'<button type="submit" name="coach_id" value="\d+" class="c-chip">', body)
    css = open("static/css/coach.css").read() + open("static/css/app.css").read()
    assert "button.c-chip { min-height: var(--tap); }" in css and "--tap: 44px" in css


def test_the_offers_cost_the_page_the_same_statements_for_one_row_or_three(
    app, client, login, coach_gym
):
    """The cover coaches of every row are read at once (``cover.covers_for``): three conflicts
    in the same week cost the page what one does."""
    from sqlalchemy import event

    from coachapp import cache

    _otto_works(coach_gym)
    login(coach_gym.coach)

    def statements() -> int:
        cache.clear(app)
        seen = []

        def record(*_args):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            body = client.get("/coach/conflicts").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(seen), body.count(">Give to Otto Other<")

    book(coach_gym, "2027-03-24", "09:00", "10:00", coach_gym.ben)
    block(coach_gym, "2027-03-24", "2027-03-25", "Ill")
    one = statements()
    book(coach_gym, "2027-03-23", "09:00", "10:00", coach_gym.ava)
    book(coach_gym, "2027-03-23", "11:00", "12:00", coach_gym.ben)
    block(coach_gym, "2027-03-23", "2027-03-24", "Ill")
    three = statements()
    assert one[1] == 1 and three[1] == 3
    assert three[0] == one[0], (one, three)

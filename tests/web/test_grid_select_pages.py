"""Acting on a time picked on the week grid (issue 18 item 1): the popover's choices (block it,
add availability, schedule a group class — the last only with group hours), each saved through
the availability and group-class services, with the block's "this will put N sessions in
conflict" question first, repeated/overlapping ones refused with the reason, unreadable input a
422 naming the field, another coach's week refused. The clock is pinned (Monday 15 March 2027
13:00 Berlin); Lena works 09:00–12:00 one-to-one every day."""

from __future__ import annotations

import re

from coach_helpers import HX, book, is_fragment, is_page, triggers
from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import AvailabilityAddition, BlockedSlot, TrainingSession
from coachapp.vocab import SessionStatus

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now

WED = "2027-03-17"


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _block(client, start="10:00", end="11:00", reason="", **extra):
    data = {"from_date": WED, "from_time": start, "to_time": end, "reason": reason, **extra}
    return client.post("/coach/week/block", data=data, headers=HX)


def _add(client, start="14:00", end="15:00", **extra):
    data = {"date": WED, "start_time": start, "end_time": end, "room_id": "", "reason": "", **extra}
    return client.post("/coach/week/addition", data=data, headers=HX)


def _group_hours(gym):
    from coachapp.services import availability
    from coachapp.services.availability import WindowInput

    availability.replace_weekly_day(
        gym.admin,
        gym.coach.id,
        3,
        [
            WindowInput("09:00", "12:00", gym.room.id),
            WindowInput("17:00", "20:00", None, False, True),
        ],
    )


def test_the_popover_offers_the_choices_for_the_time_picked(client, login, coach_gym):
    login(coach_gym.coach)
    response = client.get(f"/coach/week/pick?date={WED}&from=10:00&to=11:15", headers=HX)
    assert response.status_code == 200 and is_fragment(response)
    body = response.get_data(as_text=True)
    assert 'id="grid-popover"' in body and 'role="dialog"' in body
    assert "Wed 17 Mar, 10:00–11:15" in body
    assert "Block this time" in body and "Add availability" in body
    # No window open to groups: no group class, a pointer to the availability page instead.
    assert "Schedule a group class" not in body and "/coach/availability" in body
    assert (
        client.get(
            f"/coach/week/pick?date={WED}&from=10:00&to=11:00&choice=group", headers=HX
        ).status_code
        == 404
    )
    chosen = client.get(
        f"/coach/week/pick?date={WED}&from=10:00&to=11:15&choice=block", headers=HX
    ).get_data(as_text=True)
    assert 'action="/coach/week/block"' in chosen
    assert re.search(r'name="from_time" value="10:00"', chosen)
    assert re.search(r'name="to_time" value="11:15"', chosen)
    assert f'name="from_date" value="{WED}"' in chosen

    _group_hours(coach_gym)
    body = client.get(f"/coach/week/pick?date={WED}&from=17:00&to=18:00", headers=HX).get_data(
        as_text=True
    )
    assert "Schedule a group class" in body
    form = client.get(
        f"/coach/week/pick?date={WED}&from=17:00&to=18:00&choice=group", headers=HX
    ).get_data(as_text=True)
    assert 'name="where" value="popover"' in form and f'value="{WED}"' in form
    assert 'name="start_time" value="17:00"' in form and 'name="end_time" value="18:00"' in form


def test_block_this_time_saves_at_once_without_conflicts(client, login, coach_gym):
    login(coach_gym.coach)
    response = _block(client, reason="Dentist")
    assert response.status_code == 200 and is_fragment(response)
    assert {"week-changed", "conflicts-changed"} <= triggers(response)
    body = response.get_data(as_text=True)
    assert "Blocked Wed 17 Mar 10:00–11:00 (Dentist)." in body and 'role="status"' in body
    assert _count(BlockedSlot) == 1
    week = client.get(f"/coach/week?start={WED}").get_data(as_text=True)
    assert re.search(r'<div class="band blocked [^"]*" title="10:00–11:00 Dentist">', week)


def test_block_asks_first_when_it_puts_sessions_in_conflict(client, login, coach_gym):
    session = book(coach_gym, WED, "10:00", "11:00")
    login(coach_gym.coach)
    asked = _block(client, "09:30", "12:00", reason="Physio")
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and not triggers(asked)
    assert "This will put this session in conflict" in body and "Ava Schulz" in body
    assert "Save anyway" in body and "Change it" in body
    assert _count(BlockedSlot) == 0
    # Change it: the form again as typed.
    again = _block(client, "09:30", "12:00", reason="Physio", op="change").get_data(as_text=True)
    assert 'name="from_time" value="09:30"' in again and 'value="Physio"' in again
    assert _count(BlockedSlot) == 0
    saved = _block(client, "09:30", "12:00", reason="Physio", op="force")
    assert saved.status_code == 200 and "week-changed" in triggers(saved)
    text = saved.get_data(as_text=True)
    assert "Blocked Wed 17 Mar 09:30–12:00 (Physio). 1 session is now in conflict." in text
    assert "/coach/conflicts" in text
    db.session.expire_all()
    assert db.session.get(TrainingSession, session.id).status == SessionStatus.SCHEDULED


def test_repeated_or_overlapping_time_is_refused_with_the_reason(client, login, coach_gym):
    login(coach_gym.coach)
    assert _block(client, "10:00", "11:00", reason="Dentist").status_code == 200
    refused = _block(client, "10:30", "11:30")
    assert refused.status_code == 422 and not triggers(refused)
    body = refused.get_data(as_text=True)
    assert "Overlaps blocked time Wed 17 Mar 10:00–11:00 (Dentist)" in body
    assert 'name="from_time" value="10:30"' in body  # nothing lost
    assert _block(client, "10:00", "11:00").status_code == 422
    assert _count(BlockedSlot) == 1

    added = _add(client)
    assert added.status_code == 200 and "week-changed" in triggers(added)
    assert "Added Wed 17 Mar 2027 14:00–15:00 as extra availability." in added.get_data(
        as_text=True
    )
    week = client.get(f"/coach/week?start={WED}").get_data(as_text=True)
    assert re.search(r'<div class="band addition [^"]*" title="14:00–15:00 ', week)
    again = _add(client, "14:30", "15:00")
    assert again.status_code == 422
    assert "Already extra availability: Wed 17 Mar 14:00–15:00." in again.get_data(as_text=True)
    assert _count(AvailabilityAddition) == 1


def test_unreadable_input_is_a_422_naming_the_field(client, login, coach_gym):
    login(coach_gym.coach)
    for query, name in (
        ("date=2027-02-30&from=10:00&to=11:00", "Date"),
        ("date=&from=10:00&to=11:00", "Date"),
        (f"date={WED}&from=25:00&to=11:00", "From"),
        (f"date={WED}&from=10:00&to=x", "To"),
        (f"date={WED}&from=10:00&to=11:00&choice=nap", "Choice"),
    ):
        response = client.get(f"/coach/week/pick?{query}", headers=HX)
        assert response.status_code == 422, query
        assert f"{name}: " in response.get_data(as_text=True), query
    bad = _block(client, "10:00", "9 pm")
    assert bad.status_code == 422
    assert re.search(r'id="pop-block-to_time"[^>]*aria-invalid="true"', bad.get_data(as_text=True))
    backwards = _add(client, "15:00", "14:00")
    assert backwards.status_code == 422
    assert 'aria-invalid="true"' in backwards.get_data(as_text=True)
    room = _add(client, room_id="99999")
    assert room.status_code == 422
    assert re.search(r'id="pop-add-room"[^>]*aria-invalid="true"', room.get_data(as_text=True))
    long = _block(client, reason="x" * 201)
    assert long.status_code == 422
    assert re.search(r'id="pop-block-reason"[^>]*aria-invalid="true"', long.get_data(as_text=True))
    assert _count(BlockedSlot) == 0
    assert _count(AvailabilityAddition) == 0


def test_another_coachs_week_is_refused_and_an_admin_acts_for_the_coach(client, login, coach_gym):
    login(coach_gym.other)
    lena = coach_gym.coach.id
    assert (
        client.get(
            f"/coach/week/pick?coach={lena}&date={WED}&from=10:00&to=11:00", headers=HX
        ).status_code
        == 403
    )
    for path in ("/coach/week/block", "/coach/week/addition"):
        assert client.post(f"{path}?coach={lena}", data={}, headers=HX).status_code == 403
    assert _count(BlockedSlot) == 0
    client.post("/logout")
    login(coach_gym.admin)
    body = client.get(
        f"/coach/week/pick?coach={lena}&date={WED}&from=10:00&to=11:00", headers=HX
    ).get_data(as_text=True)
    assert (
        f"/coach/week/pick?choice=block&amp;date={WED}&amp;from=10:00&amp;to=11:00&amp;coach={lena}"
        in body
    )
    assert (
        client.post(
            f"/coach/week/block?coach={lena}",
            data={"from_date": WED, "from_time": "10:00", "to_time": "11:00"},
            headers=HX,
        ).status_code
        == 200
    )
    db.session.expire_all()
    assert db.session.scalar(select(BlockedSlot.coach_id)) == lena


def test_a_group_class_scheduled_from_the_popover(client, login, coach_gym):
    _group_hours(coach_gym)
    login(coach_gym.coach)
    data = {
        "where": "popover",
        "title": "Kettlebells",
        "capacity": "8",
        "date": WED,
        "start_time": "17:00",
        "end_time": "18:00",
        "repeat": "once",
        "until": "",
        "room_id": "",
    }
    done = client.post("/coach/group-classes", data=data, headers=HX)
    assert done.status_code == 200 and "week-changed" in triggers(done)
    body = done.get_data(as_text=True)
    assert 'id="grid-popover"' in body and "Scheduled Kettlebells on Wed 17 Mar" in body
    refused = client.post(
        "/coach/group-classes",
        data={**data, "start_time": "10:00", "end_time": "11:00"},
        headers=HX,
    )
    assert refused.status_code in (409, 422)
    text = refused.get_data(as_text=True)
    assert (
        'id="grid-popover"' in text
        and 'value="Kettlebells"' in text
        and "flash-success" not in text
    )


def test_the_week_page_offers_the_group_form_only_with_group_hours(client, login, coach_gym):
    login(coach_gym.coach)
    page = client.get(f"/coach/week?start={WED}")
    assert is_page(page)
    body = page.get_data(as_text=True)
    assert 'id="group-form-title"' not in body and "Mark some on the availability page" in body
    assert "Swipe for more days" in body and re.search(
        r'<script src="/static/js/week_select\.', body
    )
    assert (
        'data-dates="2027-03-15 2027-03-16 2027-03-17 2027-03-18 2027-03-19 2027-03-20 2027-03-21"'
        in body
    )
    assert '<div class="pick-row" data-minute="540">' in body  # 09:00, the first row
    assert '<div id="grid-popover"' in body and "hidden>" in body
    _group_hours(coach_gym)
    body = client.get(f"/coach/week?start={WED}").get_data(as_text=True)
    assert 'id="group-form-title"' in body and "Mark some on the availability page" not in body


def test_without_javascript_the_choices_are_pages_and_a_save_redirects(client, login, coach_gym):
    login(coach_gym.coach)
    page = client.get(f"/coach/week/pick?date={WED}&from=10:00&to=11:00&choice=block")
    assert page.status_code == 200 and is_page(page)
    assert 'action="/coach/week/block"' in page.get_data(as_text=True)
    saved = client.post(
        "/coach/week/block", data={"from_date": WED, "from_time": "10:00", "to_time": "11:00"}
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(
        f"/coach/week?start={WED}"
    )
    assert "Blocked Wed 17 Mar 10:00–11:00." in client.get(saved.headers["Location"]).get_data(
        as_text=True
    )

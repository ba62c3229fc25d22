"""The availability page: the weekly template editor, blocked time and extra availability."""

from __future__ import annotations

import re

from coach_helpers import (
    HX,
    PASSWORD,
    SeparateClient,
    at,
    book,
    is_fragment,
    is_page,
    triggers,
    value_of,
)
from sqlalchemy import select

from coachapp.extensions import db
from coachapp.models import AvailabilityAddition, BlockedSlot, WeeklyAvailability

MONDAY, WEDNESDAY = 1, 3

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now


def _windows(coach, day):
    db.session.expire_all()
    return [
        (w.start_time, w.end_time, w.room_id, w.is_individual, w.is_group)
        for w in db.session.scalars(
            select(WeeklyAvailability)
            .where(WeeklyAvailability.coach_id == coach.id, WeeklyAvailability.day_of_week == day)
            .order_by(WeeklyAvailability.start_time)
        )
    ]


def _day_form(rows, op="save", **extra):
    data = {"op": op, **extra}
    for i, (start, end, room, kind) in enumerate(rows):
        data.update(
            {
                f"start_time-{i}": start,
                f"end_time-{i}": end,
                f"room_id-{i}": room,
                f"kind-{i}": kind,
            }
        )
    return data


def test_page_lists_every_weekday_monday_first(client, login, coach_gym):
    login(coach_gym.coach)
    page = client.get("/coach/availability")
    assert page.status_code == 200 and is_page(page)
    body = page.get_data(as_text=True)
    names = re.findall(r'<h3 class="day-name">(\w+)</h3>', body)
    assert names == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert body.count("09:00–12:00") == 7 and "Europe/Berlin" in body


def test_edit_swaps_one_day_and_falls_back_to_a_page(client, login, coach_gym):
    login(coach_gym.coach)
    editor = client.get(f"/coach/availability/{MONDAY}/edit", headers=HX)
    assert editor.status_code == 200 and is_fragment(editor)
    body = editor.get_data(as_text=True)
    assert body.lstrip().startswith('<form class="day-row editing" id="day-1"')
    assert value_of(body, "start_time-0") == "09:00" and value_of(body, "end_time-0") == "12:00"
    no_js = client.get(f"/coach/availability/{MONDAY}/edit")
    assert no_js.status_code == 302 and no_js.headers["Location"] == "/coach/availability?edit=1"
    page = client.get("/coach/availability?edit=1").get_data(as_text=True)
    assert 'id="day-1"' in page and value_of(page, "start_time-0") == "09:00"
    cancel = client.get(f"/coach/availability/{MONDAY}", headers=HX)
    assert cancel.status_code == 200 and 'class="day-row" id="day-1"' in cancel.get_data(
        as_text=True
    )


def test_add_and_remove_rows_without_saving(client, login, coach_gym):
    login(coach_gym.coach)
    rows = [("09:00", "12:00", str(coach_gym.room.id), "individual")]
    added = client.post(f"/coach/availability/{MONDAY}", data=_day_form(rows, op="add"), headers=HX)
    assert added.status_code == 200
    body = added.get_data(as_text=True)
    assert value_of(body, "start_time-0") == "09:00" and value_of(body, "start_time-1") == ""
    removed = client.post(
        f"/coach/availability/{MONDAY}",
        data={**_day_form(rows + [("14:00", "15:00", "", "group")]), "drop": "0"},
        headers=HX,
    )
    body = removed.get_data(as_text=True)
    assert value_of(body, "start_time-0") == "14:00" and value_of(body, "start_time-1") is None
    assert _windows(coach_gym.coach, MONDAY) == [("09:00", "12:00", coach_gym.room.id, True, False)]


def test_save_replaces_the_day_and_swaps_its_row(client, login, coach_gym):
    login(coach_gym.coach)
    rows = [("08:00", "11:00", str(coach_gym.room_b.id), "both"), ("14:00", "00:00", "", "group")]
    saved = client.post(f"/coach/availability/{MONDAY}", data=_day_form(rows), headers=HX)
    assert saved.status_code == 200 and is_fragment(saved)
    body = saved.get_data(as_text=True)
    assert body.lstrip().startswith('<div class="day-row" id="day-1"')
    assert "Monday saved." in body and "08:00–11:00" in body and "14:00–24:00" in body
    assert "conflicts-changed" in triggers(saved)
    assert _windows(coach_gym.coach, MONDAY) == [
        ("08:00", "11:00", coach_gym.room_b.id, True, True),
        ("14:00", "24:00", None, False, True),
    ]


def test_save_without_javascript_redirects(client, login, coach_gym):
    login(coach_gym.coach)
    response = client.post(
        f"/coach/availability/{MONDAY}", data=_day_form([("10:00", "12:00", "", "individual")])
    )
    assert response.status_code == 302 and response.headers["Location"] == "/coach/availability"
    assert "Monday saved." in client.get("/coach/availability").get_data(as_text=True)
    assert _windows(coach_gym.coach, MONDAY) == [("10:00", "12:00", None, True, False)]


def test_invalid_windows_come_back_with_the_error_at_the_field(client, login, coach_gym):
    login(coach_gym.coach)
    cases = [
        ([("12:00", "09:00", "", "individual")], "end_time-0", "must start before it ends"),
        (
            [("09:00", "12:00", "", "individual"), ("11:00", "13:00", "", "individual")],
            "start_time-1",
            "overlaps",
        ),
        ([("09:00", "12:00", "9999", "individual")], "room_id-0", "no room with id 9999"),
        ([("9am", "12:00", "", "individual")], "start_time-0", "not a time of day"),
    ]
    for rows, field, text in cases:
        response = client.post(f"/coach/availability/{MONDAY}", data=_day_form(rows), headers=HX)
        assert response.status_code == 422, field
        body = response.get_data(as_text=True)
        assert is_fragment(response) and text in body
        error = re.search(r'id="w-1-(\d)-(\w+)-error">([^<]*)<', body) or re.search(
            r'id="w-1-(\d)-(room)-error">([^<]*)<', body
        )
        assert error and f"{error[2]}-{error[1]}".replace("room", "room_id") == field
        for i, (start, end, _room, _kind) in enumerate(rows):
            assert value_of(body, f"start_time-{i}") == start
            assert value_of(body, f"end_time-{i}") == end
    assert _windows(coach_gym.coach, MONDAY) == [("09:00", "12:00", coach_gym.room.id, True, False)]
    page = client.post(
        f"/coach/availability/{MONDAY}", data=_day_form([("12:00", "09:00", "", "individual")])
    )
    assert page.status_code == 422 and is_page(page)
    assert value_of(page.get_data(as_text=True), "start_time-0") == "12:00"


def test_a_save_that_strands_sessions_says_how_many_and_links_to_them(client, login, coach_gym):
    book(coach_gym, "2027-03-22", "10:00", "11:00")
    book(coach_gym, "2027-03-29", "10:00", "11:00", coach_gym.ben)
    login(coach_gym.coach)
    saved = client.post(
        f"/coach/availability/{MONDAY}",
        data={**_day_form([("11:00", "12:00", "", "individual")]), "op": "force"},
        headers=HX,
    )
    body = saved.get_data(as_text=True)
    assert "This put 2 sessions in conflict" in body and 'href="/coach/conflicts"' in body
    assert "conflicts-changed" in triggers(saved)
    badge = client.get("/coach/conflicts/badge", headers=HX).get_data(as_text=True)
    assert '<span class="nav-count"' in badge and ">2</span>" in badge


def test_block_preview_lists_the_sessions_it_would_strand(client, login, coach_gym):
    book(coach_gym, "2027-03-24", "10:00", "11:00")
    login(coach_gym.coach)
    preview = client.post(
        "/coach/blocked/preview",
        data={"from_date": "2027-03-23", "to_date": "2027-03-25", "whole_days": "1"},
        headers=HX,
    )
    assert preview.status_code == 200 and is_fragment(preview)
    body = preview.get_data(as_text=True)
    assert (
        "would put 1 session in conflict" in body
        and "Wed 24 Mar 2027 10:00–11:00 · Ava Schulz" in body
    )
    clear = client.post(
        "/coach/blocked/preview", data={"from_date": "2027-03-25", "whole_days": "1"}, headers=HX
    )
    assert "No booked session" in clear.get_data(as_text=True)
    assert db.session.scalar(select(BlockedSlot.id)) is None
    no_js = client.post(
        "/coach/blocked", data={"op": "preview", "from_date": "2027-03-24", "whole_days": "1"}
    )
    assert no_js.status_code == 200 and "would put 1 session in conflict" in no_js.get_data(
        as_text=True
    )


def test_block_whole_days_and_see_what_it_stranded(client, login, coach_gym):
    book(coach_gym, "2027-03-24", "10:00", "11:00")
    login(coach_gym.coach)
    response = client.post(
        "/coach/blocked",
        headers=HX,
        data={
            "from_date": "2027-03-22",
            "to_date": "2027-03-28",
            "whole_days": "1",
            "reason": "Vacation",
            "op": "force",  # "Save anyway" (tests/web/test_availability_preview.py asks first)
        },
    )
    assert response.status_code == 200 and is_fragment(response)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="blocked"')
    assert "1 session now in conflict" in body and "Ava Schulz" in body
    assert "conflicts-changed" in triggers(response)
    row = db.session.scalar(select(BlockedSlot))
    assert (row.start_time, row.end_time, row.reason) == (
        at("2027-03-22", "00:00"),
        at("2027-03-29", "00:00"),
        "Vacation",
    )
    assert value_of(body, "from_date") == ""  # a fresh form after success


def test_block_a_few_hours_without_javascript(client, login, coach_gym):
    login(coach_gym.coach)
    response = client.post(
        "/coach/blocked",
        data={"from_date": "2027-03-24", "from_time": "09:30", "to_time": "11:00", "reason": ""},
    )
    assert response.status_code == 302
    row = db.session.scalar(select(BlockedSlot))
    assert (row.start_time, row.end_time, row.reason) == (
        at("2027-03-24", "09:30"),
        at("2027-03-24", "11:00"),
        None,
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Blocked Wed 24 Mar 2027 09:30" in page and "Wed 24 Mar 2027 09:30" in page


def test_block_form_errors_keep_the_values(client, login, coach_gym):
    login(coach_gym.coach)
    cases = [
        ({"from_date": "", "whole_days": "1"}, "from_date", "Choose a date"),
        (
            {"from_date": "2027-03-24", "to_date": "2027-03-20", "whole_days": "1"},
            "to_date",
            "must not be before",
        ),
        (
            {"from_date": "2027-03-24", "from_time": "11:00", "to_time": "10:00"},
            "to_time",
            "end must be after the start",
        ),
    ]
    for data, field, text in cases:
        response = client.post("/coach/blocked", data=data, headers=HX)
        assert response.status_code == 422, field
        body = response.get_data(as_text=True)
        assert re.search(rf'id="block-{field}-error">[^<]*{text}', body), (field, body)
        for name, value in data.items():
            if name != "whole_days":
                assert value_of(body, name) == value
    assert db.session.scalar(select(BlockedSlot.id)) is None


def test_delete_blocked_slot(client, login, coach_gym):
    from coach_helpers import block

    slot = block(coach_gym, "2027-04-05", "2027-04-06")
    login(coach_gym.coach)
    body = client.get("/coach/availability").get_data(as_text=True)
    assert f"/coach/blocked/{slot.id}/delete" in body
    response = client.post(f"/coach/blocked/{slot.id}/delete", headers=HX)
    assert response.status_code == 200 and response.get_data(as_text=True).strip() == ""
    assert "conflicts-changed" in triggers(response)
    assert db.session.scalar(select(BlockedSlot.id)) is None


def test_additions_create_list_delete(client, login, coach_gym):
    login(coach_gym.coach)
    response = client.post(
        "/coach/additions",
        headers=HX,
        data={
            "date": "2027-03-27",
            "start_time": "14:00",
            "end_time": "16:00",
            "room_id": str(coach_gym.room_b.id),
            "reason": "Open gym",
        },
    )
    assert response.status_code == 200 and is_fragment(response)
    body = response.get_data(as_text=True)
    assert "Added Sat 27 Mar 2027 14:00–16:00." in body and "Studio B · Open gym" in body
    row = db.session.scalar(select(AvailabilityAddition))
    assert (row.start_time, row.end_time, row.room_id) == (
        at("2027-03-27", "14:00"),
        at("2027-03-27", "16:00"),
        coach_gym.room_b.id,
    )
    bad = client.post(
        "/coach/additions",
        headers=HX,
        data={
            "date": "2027-03-27",
            "start_time": "16:00",
            "end_time": "15:00",
            "room_id": "",
            "reason": "x",
        },
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'id="addition-end_time-error"' in text and value_of(text, "start_time") == "16:00"
    assert value_of(text, "reason") == "x"
    deleted = client.post(f"/coach/additions/{row.id}/delete")
    assert deleted.status_code == 302
    assert db.session.scalar(select(AvailabilityAddition.id)) is None


def test_other_coach_cannot_change_this_coachs_availability(app, coach_gym):
    from coach_helpers import block

    slot = block(coach_gym, "2027-04-05", "2027-04-06")
    other = SeparateClient(app, coach_gym.other)
    forbidden = other.post(
        f"/coach/availability/{MONDAY}?coach={coach_gym.coach.id}",
        data=_day_form([("10:00", "11:00", "", "individual")]),
        headers=HX,
    )
    assert forbidden.status_code == 403
    assert other.post(f"/coach/blocked/{slot.id}/delete").status_code == 403
    assert (
        other.post(
            "/coach/blocked",
            data={"from_date": "2027-04-07", "whole_days": "1", "coach": str(coach_gym.coach.id)},
        ).status_code
        == 403
    )
    assert _windows(coach_gym.coach, MONDAY) == [("09:00", "12:00", coach_gym.room.id, True, False)]
    assert db.session.scalar(select(BlockedSlot.id)) == slot.id
    # Their own page edits their own template.
    other.post(
        f"/coach/availability/{WEDNESDAY}", data=_day_form([("10:00", "11:00", "", "individual")])
    )
    assert _windows(coach_gym.other, WEDNESDAY) == [("10:00", "11:00", None, True, False)]


def test_csrf_is_required_for_posts(app_config, database_url, coach_gym):
    """With CSRF protection on, a post without the token is refused; the header token works."""
    from coachapp import create_app

    app = create_app(app_config(database_url, WTF_CSRF_ENABLED=True))
    client = app.test_client()  # requests run in that app's own contexts
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    assert (
        client.post(
            "/login",
            data={"email": coach_gym.coach.email, "password": PASSWORD, "csrf_token": token},
        ).status_code
        == 302
    )
    data = _day_form([("10:00", "11:00", "", "individual")])
    refused = client.post(f"/coach/availability/{MONDAY}", data=data, headers=HX)
    assert refused.status_code == 400
    assert _windows(coach_gym.coach, MONDAY) == [("09:00", "12:00", coach_gym.room.id, True, False)]
    body = client.get("/coach/availability").get_data(as_text=True)
    header_token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', body)[1]
    form_token = value_of(body, "csrf_token")
    assert (
        client.post(
            f"/coach/availability/{MONDAY}", data=data, headers={**HX, "X-CSRFToken": header_token}
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/coach/availability/{WEDNESDAY}", data={**data, "csrf_token": form_token}
        ).status_code
        == 302
    )
    assert _windows(coach_gym.coach, MONDAY) == [("10:00", "11:00", None, True, False)]
    with app.app_context():
        db.engine.dispose()

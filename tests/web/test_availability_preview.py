"""Issue 18 item 3: an availability change that would put sessions in conflict asks first
("This will put these N sessions in conflict", Save anyway / Change it) — the day editor, blocked
time and a time-zone change, with htmx and without; with no conflict it saves at once. Repeated or
overlapping blocked slots and additions are refused, naming the one already there."""

from __future__ import annotations

import re
from datetime import date, timedelta

from coach_helpers import HX, at, book, is_fragment, is_page, triggers, value_of
from sqlalchemy import func, select

from coachapp.extensions import db
from coachapp.models import AvailabilityAddition, BlockedSlot, CoachSettings, WeeklyAvailability

MONDAY = 1

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now


def _monday(coach):
    db.session.expire_all()
    return [
        (w.start_time, w.end_time)
        for w in db.session.scalars(
            select(WeeklyAvailability)
            .where(
                WeeklyAvailability.coach_id == coach.id, WeeklyAvailability.day_of_week == MONDAY
            )
            .order_by(WeeklyAvailability.start_time)
        )
    ]


def _day(start, end, op="save"):
    return {
        "op": op,
        "start_time-0": start,
        "end_time-0": end,
        "room_id-0": "",
        "kind-0": "individual",
    }


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _zone(coach) -> str:
    db.session.expire_all()
    return db.session.scalar(
        select(CoachSettings.timezone).where(CoachSettings.coach_id == coach.id)
    )


def _question(body: str) -> bool:
    return "Save anyway" in body and "Change it" in body


# --- the day editor ------------------------------------------------------------------------


def test_day_save_that_strands_sessions_asks_first_and_saves_nothing(client, login, coach_gym):
    book(coach_gym, "2027-03-22", "10:00", "11:00")
    book(coach_gym, "2027-03-29", "10:00", "11:00", coach_gym.ben)
    login(coach_gym.coach)
    asked = client.post(f"/coach/availability/{MONDAY}", data=_day("11:00", "12:00"), headers=HX)
    assert asked.status_code == 200 and is_fragment(asked)
    body = asked.get_data(as_text=True)
    assert body.lstrip().startswith('<form class="day-row editing day-confirm" id="day-1"')
    assert "This will put these 2 sessions in conflict:" in body
    assert "Mon 22 Mar 2027 10:00–11:00 · Ava Schulz" in body
    assert "Mon 29 Mar 2027 10:00–11:00 · Ben Okafor" in body
    assert _question(body) and " more</li>" not in body
    assert value_of(body, "start_time-0") == "11:00" and value_of(body, "end_time-0") == "12:00"
    assert _monday(coach_gym.coach) == [("09:00", "12:00")]
    assert "conflicts-changed" not in triggers(asked)


def test_day_save_anyway_saves_and_reports(client, login, coach_gym):
    book(coach_gym, "2027-03-22", "10:00", "11:00")
    login(coach_gym.coach)
    saved = client.post(
        f"/coach/availability/{MONDAY}", data=_day("11:00", "12:00", op="force"), headers=HX
    )
    body = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "This put 1 session in conflict" in body
    assert "conflicts-changed" in triggers(saved)
    assert _monday(coach_gym.coach) == [("11:00", "12:00")]


def test_day_change_it_gives_the_editor_back_with_the_values_typed(client, login, coach_gym):
    book(coach_gym, "2027-03-22", "10:00", "11:00")
    login(coach_gym.coach)
    back = client.post(
        f"/coach/availability/{MONDAY}", data=_day("11:00", "12:00", op="change"), headers=HX
    )
    body = back.get_data(as_text=True)
    assert back.status_code == 200 and "Save Monday" in body and not _question(body)
    assert re.search(
        r'<input id="w-1-0-start_time" type="time" name="start_time-0" value="11:00"', body
    )
    assert _monday(coach_gym.coach) == [("09:00", "12:00")]


def test_day_save_without_conflict_saves_at_once(client, login, coach_gym):
    book(coach_gym, "2027-03-22", "10:00", "11:00")
    login(coach_gym.coach)
    saved = client.post(f"/coach/availability/{MONDAY}", data=_day("08:00", "13:00"), headers=HX)
    body = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "Monday saved." in body and not _question(body)
    assert _monday(coach_gym.coach) == [("08:00", "13:00")]


def test_day_question_without_javascript_is_a_page_and_save_anyway_redirects(
    client, login, coach_gym
):
    book(coach_gym, "2027-03-22", "10:00", "11:00")
    login(coach_gym.coach)
    asked = client.post(f"/coach/availability/{MONDAY}", data=_day("11:00", "12:00"))
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and is_page(asked)
    assert "This will put this session in conflict:" in body and _question(body)
    assert _monday(coach_gym.coach) == [("09:00", "12:00")]
    back = client.post(f"/coach/availability/{MONDAY}", data=_day("11:00", "12:00", op="change"))
    assert is_page(back) and value_of(back.get_data(as_text=True), "start_time-0") == "11:00"
    saved = client.post(f"/coach/availability/{MONDAY}", data=_day("11:00", "12:00", op="force"))
    assert saved.status_code == 302
    assert _monday(coach_gym.coach) == [("11:00", "12:00")]


def test_the_question_lists_ten_and_says_how_many_more(client, login, coach_gym):
    first = date(2027, 3, 22)
    for week in range(12):
        book(coach_gym, (first + timedelta(weeks=week)).isoformat(), "10:00", "11:00")
    login(coach_gym.coach)
    asked = client.post(f"/coach/availability/{MONDAY}", data=_day("11:00", "12:00"), headers=HX)
    body = asked.get_data(as_text=True)
    assert "This will put these 12 sessions in conflict:" in body
    assert body.count("· Ava Schulz</li>") == 10 and "and 2 more" in body


def test_a_bad_window_is_refused_before_any_question(client, login, coach_gym):
    book(coach_gym, "2027-03-22", "10:00", "11:00")
    login(coach_gym.coach)
    refused = client.post(f"/coach/availability/{MONDAY}", data=_day("12:00", "11:00"), headers=HX)
    assert refused.status_code == 422 and not _question(refused.get_data(as_text=True))


# --- blocked time --------------------------------------------------------------------------

VACATION = {"from_date": "2027-03-22", "to_date": "2027-03-24", "whole_days": "1", "reason": "Trip"}


def test_block_that_strands_a_session_asks_in_place_of_the_form(client, login, coach_gym):
    book(coach_gym, "2027-03-23", "10:00", "11:00")
    login(coach_gym.coach)
    asked = client.post("/coach/blocked", data=VACATION, headers=HX)
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and body.lstrip().startswith('<section id="blocked"')
    assert "Block Mon 22 Mar 00:00 – Thu 25 Mar 00:00 (Trip)?" in body
    assert "This will put this session in conflict:" in body
    assert "Tue 23 Mar 2027 10:00–11:00 · Ava Schulz" in body and _question(body)
    assert "Block this time" not in body  # the question replaces the form
    assert value_of(body, "from_date") == "2027-03-22" and value_of(body, "reason") == "Trip"
    assert _count(BlockedSlot) == 0


def test_block_save_anyway_blocks(client, login, coach_gym):
    book(coach_gym, "2027-03-23", "10:00", "11:00")
    login(coach_gym.coach)
    saved = client.post("/coach/blocked", data={**VACATION, "op": "force"}, headers=HX)
    body = saved.get_data(as_text=True)
    assert "1 session now in conflict" in body and "conflicts-changed" in triggers(saved)
    db.session.expire_all()
    row = db.session.scalar(select(BlockedSlot))
    assert (row.start_time, row.end_time) == (at("2027-03-22", "00:00"), at("2027-03-25", "00:00"))


def test_block_change_it_gives_the_form_back_as_typed(client, login, coach_gym):
    book(coach_gym, "2027-03-23", "10:00", "11:00")
    login(coach_gym.coach)
    back = client.post("/coach/blocked", data={**VACATION, "op": "change"}, headers=HX)
    body = back.get_data(as_text=True)
    assert back.status_code == 200 and "Block this time" in body and not _question(body)
    assert value_of(body, "from_date") == "2027-03-22" and value_of(body, "to_date") == "2027-03-24"
    assert value_of(body, "reason") == "Trip" and 'name="whole_days" value="1" checked' in body
    assert _count(BlockedSlot) == 0


def test_block_without_conflict_is_saved_at_once(client, login, coach_gym):
    login(coach_gym.coach)
    saved = client.post("/coach/blocked", data=VACATION, headers=HX)
    body = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "Blocked " in body and not _question(body)
    assert _count(BlockedSlot) == 1


def test_block_question_without_javascript(client, login, coach_gym):
    book(coach_gym, "2027-03-23", "10:00", "11:00")
    login(coach_gym.coach)
    asked = client.post("/coach/blocked", data=VACATION)
    assert asked.status_code == 200 and is_page(asked) and _question(asked.get_data(as_text=True))
    saved = client.post("/coach/blocked", data={**VACATION, "op": "force"})
    assert saved.status_code == 302 and _count(BlockedSlot) == 1


def test_a_repeated_block_is_refused_on_the_page_naming_the_existing_one(client, login, coach_gym):
    login(coach_gym.coach)
    dentist = {
        "from_date": "2027-03-27",
        "from_time": "14:00",
        "to_time": "16:00",
        "reason": "Dentist",
    }
    assert client.post("/coach/blocked", data=dentist, headers=HX).status_code == 200
    again = client.post("/coach/blocked", data=dentist, headers=HX)
    body = again.get_data(as_text=True)
    assert again.status_code == 422 and is_fragment(again)
    assert "Already blocked: Sat 27 Mar 14:00–16:00 (Dentist)." in body
    overlapping = client.post(
        "/coach/blocked", data={**dentist, "from_time": "15:00", "to_time": "17:00"}, headers=HX
    )
    assert overlapping.status_code == 422
    assert "Overlaps blocked time Sat 27 Mar 14:00–16:00 (Dentist)" in overlapping.get_data(
        as_text=True
    )
    live = client.post("/coach/blocked/preview", data=dentist, headers=HX)
    assert "Already blocked: Sat 27 Mar 14:00–16:00 (Dentist)." in live.get_data(as_text=True)
    assert _count(BlockedSlot) == 1


def test_a_repeated_addition_is_refused_on_the_page(client, login, coach_gym):
    login(coach_gym.coach)
    extra = {"date": "2027-03-27", "start_time": "14:00", "end_time": "16:00", "room_id": ""}
    assert client.post("/coach/additions", data=extra, headers=HX).status_code == 200
    again = client.post("/coach/additions", data=extra, headers=HX)
    assert again.status_code == 422
    body = again.get_data(as_text=True)
    assert "Already extra availability: Sat 27 Mar 14:00–16:00." in body
    assert value_of(body, "start_time") == "14:00"
    assert _count(AvailabilityAddition) == 1


# --- the time zone -------------------------------------------------------------------------


def _settings_form(coach_gym, **extra):
    return {
        "default_room_id": str(coach_gym.room.id),
        "default_duration": "60",
        "timezone": "Europe/Berlin",
        "cancellation_window_hours": "24",
        "booking_horizon_days": "60",
        "min_notice_minutes": "0",
        **extra,
    }


def test_zone_change_that_strands_sessions_asks_first(client, login, coach_gym):
    book(coach_gym, "2027-03-24", "10:00", "11:00")
    login(coach_gym.coach)
    asked = client.post(
        "/coach/settings", data=_settings_form(coach_gym, timezone="Asia/Tokyo"), headers=HX
    )
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and body.lstrip().startswith('<form id="settings"')
    assert "This will put this session in conflict:" in body
    assert "Wed 24 Mar 2027 10:00–11:00 · Ava Schulz" in body and _question(body)
    assert value_of(body, "timezone") == "Asia/Tokyo"
    assert _zone(coach_gym.coach) == "Europe/Berlin"

    back = client.post(
        "/coach/settings",
        data=_settings_form(coach_gym, timezone="Asia/Tokyo", op="change"),
        headers=HX,
    )
    body = back.get_data(as_text=True)
    assert "Save settings" in body and "<option selected>Asia/Tokyo</option>" in body
    assert _zone(coach_gym.coach) == "Europe/Berlin"

    saved = client.post(
        "/coach/settings",
        data=_settings_form(coach_gym, timezone="Asia/Tokyo", op="force"),
        headers=HX,
    )
    assert "Settings saved." in saved.get_data(as_text=True)
    assert "conflicts-changed" in triggers(saved)
    assert _zone(coach_gym.coach) == "Asia/Tokyo"


def test_zone_change_without_conflict_and_other_settings_save_at_once(client, login, coach_gym):
    book(coach_gym, "2027-03-24", "10:00", "11:00")
    login(coach_gym.coach)
    same_zone = client.post(
        "/coach/settings", data=_settings_form(coach_gym, default_duration="45"), headers=HX
    )
    assert "Settings saved." in same_zone.get_data(as_text=True)
    near = client.post("/coach/settings", data=_settings_form(coach_gym, timezone="Europe/Paris"))
    assert near.status_code == 302 and _zone(coach_gym.coach) == "Europe/Paris"


def test_zone_question_without_javascript(client, login, coach_gym):
    book(coach_gym, "2027-03-24", "10:00", "11:00")
    login(coach_gym.coach)
    asked = client.post("/coach/settings", data=_settings_form(coach_gym, timezone="Asia/Tokyo"))
    assert asked.status_code == 200 and is_page(asked) and _question(asked.get_data(as_text=True))
    assert _zone(coach_gym.coach) == "Europe/Berlin"


# --- the API -------------------------------------------------------------------------------


def test_api_refuses_a_repeated_blocked_slot_or_addition_with_422(api, gym, clock):
    for path in ("blocked-slots", "availability-additions"):
        url = f"/api/v1/coaches/{gym.coach.id}/{path}"
        span = {
            "start_time": "2027-04-03T14:00",
            "end_time": "2027-04-03T16:00",
            "reason": "Dentist",
        }
        assert api.post(url, gym.coach, json=span).status_code == 201
        again = api.post(url, gym.coach, json=span)
        assert again.status_code == 422
        error = again.get_json()["error"]
        assert error["code"] == "validation_error"
        assert "Sat 3 Apr 14:00–16:00 (Dentist)" in error["message"]
        inside = {**span, "start_time": "2027-04-03T15:00", "end_time": "2027-04-03T15:30"}
        assert api.post(url, gym.coach, json=inside).status_code == 422
        after = {**span, "start_time": "2027-04-03T16:00", "end_time": "2027-04-03T17:00"}
        assert api.post(url, gym.coach, json=after).status_code == 201

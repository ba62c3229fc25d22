"""The coach's settings page: default room and duration, time zone, cancellation window."""

from __future__ import annotations

import re

from coach_helpers import (
    HX,
    SeparateClient,
    book,
    is_fragment,
    is_page,
    triggers,
    value_of,
)

from coachapp.extensions import db
from coachapp.models import CoachSettings

pytest_plugins = ["coach_fixtures"]  # coach_gym, frozen_now


def _settings(coach) -> CoachSettings:
    db.session.expire_all()
    return db.session.get(CoachSettings, coach.coach_settings.id)


def _form(gym, **extra):
    return {
        "default_room_id": str(gym.room_b.id),
        "default_duration": "45",
        "timezone": "Europe/Berlin",
        "cancellation_window_hours": "12",
        **extra,
    }


def test_page_shows_current_settings_and_every_zone(client, login, coach_gym):
    login(coach_gym.coach)
    page = client.get("/coach/settings")
    assert page.status_code == 200 and is_page(page)
    body = page.get_data(as_text=True)
    assert value_of(body, "default_duration") == "60"
    assert value_of(body, "cancellation_window_hours") == "24"
    assert f'<option value="{coach_gym.room.id}" selected>Studio A</option>' in body
    assert "<option selected>Europe/Berlin</option>" in body
    zones = re.findall(r"<option(?: selected)?>([A-Za-z_/+\-0-9]+)</option>", body)
    assert zones == sorted(zones) and "America/New_York" in zones and len(zones) > 300
    assert is_fragment(client.get("/coach/settings", headers=HX))


def test_save_with_htmx_returns_the_form_and_stores(client, login, coach_gym):
    login(coach_gym.coach)
    response = client.post("/coach/settings", data=_form(coach_gym), headers=HX)
    assert response.status_code == 200 and is_fragment(response)
    assert "Settings saved." in response.get_data(as_text=True)
    assert "conflicts-changed" in triggers(response)
    row = _settings(coach_gym.coach)
    assert (
        row.default_room_id,
        row.default_duration,
        row.timezone,
        row.cancellation_window_hours,
    ) == (coach_gym.room_b.id, 45, "Europe/Berlin", 12)


def test_zone_change_reports_conflicts_and_redirects_without_javascript(client, login, coach_gym):
    book(coach_gym, "2027-03-24")
    login(coach_gym.coach)
    response = client.post(
        "/coach/settings", data=_form(coach_gym, timezone="Asia/Tokyo", op="force")
    )
    assert response.status_code == 302 and response.headers["Location"] == "/coach/settings"
    page = client.get("/coach/settings").get_data(as_text=True)
    assert "1 session(s) are in conflict" in page
    assert _settings(coach_gym.coach).timezone == "Asia/Tokyo"


def test_invalid_settings_come_back_with_values_and_422(client, login, coach_gym):
    login(coach_gym.coach)
    for extra, field, text in [
        ({"default_duration": "3"}, "default_duration", "from 5 to 720"),
        ({"default_duration": "an hour"}, "default_duration", "whole number"),
        ({"timezone": "Mars/Olympus"}, "timezone", "not a known time zone"),
        ({"cancellation_window_hours": "-2"}, "cancellation_window_hours", "from 0 to"),
        ({"default_room_id": "9999"}, "default_room_id", "no room with id 9999"),
    ]:
        response = client.post("/coach/settings", data=_form(coach_gym, **extra), headers=HX)
        assert response.status_code == 422, field
        body = response.get_data(as_text=True)
        assert re.search(rf'id="settings-{field}-error">[^<]*{text}', body), (field, body)
        if field in ("default_duration", "cancellation_window_hours"):
            assert value_of(body, field) == extra[field]
    assert "Mars/Olympus" in client.post(
        "/coach/settings", data=_form(coach_gym, timezone="Mars/Olympus")
    ).get_data(as_text=True)
    row = _settings(coach_gym.coach)
    assert (row.default_duration, row.timezone) == (60, "Europe/Berlin")


def test_settings_are_the_coachs_own(app, coach_gym):
    other = SeparateClient(app, coach_gym.other)
    assert (
        other.post(f"/coach/settings?coach={coach_gym.coach.id}", data=_form(coach_gym)).status_code
        == 403
    )
    assert _settings(coach_gym.coach).default_duration == 60
    member = SeparateClient(app, coach_gym.ava)
    assert member.get("/coach/settings").status_code == 403
    admin = SeparateClient(app, coach_gym.admin)
    saved = admin.post(f"/coach/settings?coach={coach_gym.coach.id}", data=_form(coach_gym))
    assert saved.status_code == 302
    assert _settings(coach_gym.coach).default_duration == 45

"""Fixtures of the coach page tests, loaded with ``pytest_plugins = ["coach_fixtures"]``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from coach_helpers import Clock


@pytest.fixture
def frozen_now(app, monkeypatch):
    """Freeze now at Monday 2027-03-15 13:00 Berlin for the services and the pages."""
    return Clock(monkeypatch)


@pytest.fixture
def coach_gym(app, make_user, frozen_now):
    """Coach Lena (Berlin, Studio A default, every day 09:00–12:00 one-to-one, 60 min), coach Otto,
    members Ava and Ben, an admin, rooms Studio A and B."""
    from coachapp.extensions import db
    from coachapp.services import accounts, availability, coaches
    from coachapp.services.availability import WindowInput

    admin = make_user("admin", name="Alex Admin")
    coach = make_user("coach", name="Lena Hoffmann", timezone="Europe/Berlin")
    other = make_user("coach", name="Otto Other", timezone="Europe/Berlin")
    room = accounts.create_room("Studio A")
    room_b = accounts.create_room("Studio B")
    settings = coaches.get_settings(coach.id)
    settings.default_room_id = room.id
    db.session.commit()
    for day in range(7):
        availability.replace_weekly_day(
            admin, coach.id, day, [WindowInput("09:00", "12:00", room.id)]
        )
    ava = make_user("member", name="Ava Schulz")
    ben = make_user("member", name="Ben Okafor")
    return SimpleNamespace(
        admin=admin,
        coach=coach,
        other=other,
        room=room,
        room_b=room_b,
        ava=ava,
        ben=ben,
        clock=frozen_now,
    )

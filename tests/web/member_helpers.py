"""Shared set-up of the member page tests: a small gym in 2027 (Berlin), URLs and HTMX headers."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest

# The same clients, headers and dates as the coach page tests.
from coach_helpers import BERLIN, BOOSTED, HX, PASSWORD, SeparateClient, at  # noqa: F401  (re-exported)


def small_gym(make_user, window_hours: int = 24, member_zone: str | None = None):
    """Coach Lena (Berlin, Studio A, Mon–Fri 09:00–12:00 one-to-one, 60 min) and members Ava and
    Ben; the clock fixture puts "now" at Monday 2027-03-15 13:00 in Berlin."""
    from coachapp.extensions import db
    from coachapp.services import accounts, availability, coaches
    from coachapp.services.availability import WindowInput

    admin = make_user("admin", name="Alex Admin")
    coach = make_user("coach", name="Lena Hoffmann", timezone="Europe/Berlin")
    room = accounts.create_room("Studio A")
    settings = coaches.get_settings(coach.id)
    settings.default_room_id = room.id
    settings.cancellation_window_hours = window_hours
    db.session.commit()
    for day in range(1, 6):
        availability.replace_weekly_day(
            admin, coach.id, day, [WindowInput("09:00", "12:00", room.id)]
        )
    ava = make_user("member", name="Ava Schulz", timezone=member_zone)
    ben = make_user("member", name="Ben Okafor")
    return SimpleNamespace(admin=admin, coach=coach, room=room, ava=ava, ben=ben)


def slot_query(start: datetime, end: datetime, **extra) -> str:
    """The query string of a slot link (instants as ISO 8601 with offset)."""
    return urlencode({"start": start.isoformat(), "end": end.isoformat(), **extra})


def book_data(start: datetime, end: datetime, **extra) -> dict:
    """The booking sheet's form fields for the slot ``[start, end)``."""
    return {"start": start.isoformat(), "end": end.isoformat(), "frequency": "once", **extra}


def client_for(app, user) -> SeparateClient:
    """A client logged in as ``user``, independent of the test's own client."""
    return SeparateClient(app, user)


@pytest.fixture(name="gym")
def small_gym_fixture(app, make_user, clock):
    """The small gym, the clock at Monday 2027-03-15 13:00 Berlin: a test module's ``gym`` when it
    imports this (``from member_helpers import small_gym_fixture``)."""
    return small_gym(make_user)


@pytest.fixture(name="ava")
def ava_fixture(client, login, gym):
    """The test client logged in as member Ava: a test module's ``ava`` when it imports this."""
    login(gym.ava)
    return client

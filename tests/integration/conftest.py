"""Fixtures for the service tests: a gym in Berlin with a coach who works weekday mornings.

Every date is in 2027 or later and every service gets ``now``/``today`` passed in, so no test
depends on the real clock.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from coachapp.extensions import db
from coachapp.models import CoachSettings, Room
from tests.integration.service_helpers import NOW


@pytest.fixture
def gym(app, make_user):
    """An admin, a Berlin coach with Mon–Fri 09:00–12:00 one-to-one in Studio A (default room
    Studio B), a second coach, and two members."""
    from coachapp.services import availability

    admin = make_user("admin", name="Ada Admin")
    coach = make_user("coach", name="Coach Carla", timezone="Europe/Berlin")
    other_coach = make_user("coach", name="Coach Otto", timezone="Europe/Berlin")
    member = make_user("member", name="Mia Member")
    other_member = make_user("member", name="Max Member")
    studio_a, studio_b = Room(name="Studio A"), Room(name="Studio B")
    db.session.add_all([studio_a, studio_b])
    db.session.commit()
    settings = db.session.get(CoachSettings, coach.coach_settings.id)
    settings.default_room_id = studio_b.id
    db.session.commit()
    for day in range(1, 6):
        availability.replace_weekly_day(
            coach, coach.id, day, [availability.WindowInput("09:00", "12:00", studio_a.id)], now=NOW
        )
    return SimpleNamespace(
        admin=admin,
        coach=coach,
        other_coach=other_coach,
        member=member,
        other_member=other_member,
        studio_a=studio_a,
        studio_b=studio_b,
    )

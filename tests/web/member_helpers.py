"""Shared set-up of the member page tests: a small gym in 2027 (Berlin), URLs and HTMX headers."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
HX = {"HX-Request": "true"}
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}
PASSWORD = "correct-horse-battery"


def at(day: str, hhmm: str, tz: ZoneInfo = BERLIN) -> datetime:
    """An aware instant from a local date ``YYYY-MM-DD`` and wall-clock ``HH:MM`` in ``tz``."""
    d = date.fromisoformat(day)
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(d.year, d.month, d.day, hours, minutes, tzinfo=tz)


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


class SeparateClient:
    """A test client for a second user at the same time.

    The ``app`` fixture keeps one app context pushed for the whole test, so every request of the
    test shares one ``g``, where Flask-Login caches the user it loaded first. Each request of this
    client runs in an app context of its own instead, so it is really its user who asks.
    """

    def __init__(self, app, user):
        self.app = app
        self.client = app.test_client()
        response = self.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302

    def open(self, *args, **kwargs):
        """Send one request in a fresh app context."""
        with self.app.app_context():
            return self.client.open(*args, **kwargs)

    def get(self, *args, **kwargs):
        """GET in a fresh app context."""
        return self.open(*args, method="GET", **kwargs)

    def post(self, *args, **kwargs):
        """POST in a fresh app context."""
        return self.open(*args, method="POST", **kwargs)


def client_for(app, user) -> SeparateClient:
    """A client logged in as ``user``, independent of the test's own client."""
    return SeparateClient(app, user)

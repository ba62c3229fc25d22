"""Shared helpers of the coach page tests: dates in 2027 (Berlin), a settable clock, HTMX headers,
response checks. The fixtures are in ``coach_fixtures`` (``pytest_plugins = ["coach_fixtures"]``)."""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from coachapp.services.bookings import SeriesSpec

BERLIN = ZoneInfo("Europe/Berlin")
HX = {"HX-Request": "true"}
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}
PASSWORD = "correct-horse-battery"
NOW = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
"""Monday 15 March 2027, 13:00 in Berlin: a week before the spring DST week."""


def at(day: str, hhmm: str, tz: ZoneInfo = BERLIN) -> datetime:
    """An aware instant from a local date ``YYYY-MM-DD`` and wall-clock ``HH:MM`` in ``tz``."""
    d = date.fromisoformat(day)
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(d.year, d.month, d.day, hours, minutes, tzinfo=tz)


class Clock:
    """The app's idea of now (``models.utcnow`` wherever it was imported), settable."""

    def __init__(self, monkeypatch, now: datetime = NOW):
        import coachapp.models

        self.now = now

        def fake() -> datetime:
            return self.now

        monkeypatch.setattr(coachapp.models, "utcnow", fake)
        for name, module in list(sys.modules.items()):
            if name.startswith("coachapp.") and getattr(module, "utcnow", None) is not None:
                monkeypatch.setattr(module, "utcnow", fake)

    def set(self, now: datetime) -> None:
        """Move the clock to ``now`` (aware)."""
        self.now = now


def book(gym, day: str, start: str = "10:00", end: str = "11:00", member=None):
    """A one-time session of Lena's (booked by the admin for ``member``, default Ava)."""
    from coachapp.services import bookings

    _, session = bookings.book_one_time(
        gym.admin, gym.coach.id, at(day, start), at(day, end), member_id=(member or gym.ava).id
    )
    return session


def weekly(
    gym, day_of_week: int, start_date: str, start: str = "10:00", end: str = "11:00", member=None
):
    """A weekly series of Lena's from ``start_date`` (sessions of the next 6 weeks are made)."""
    from coachapp.services import bookings

    series, made = bookings.create_recurring(
        gym.admin,
        SeriesSpec(
            gym.coach.id,
            day_of_week,
            start,
            end,
            date.fromisoformat(start_date),
            None,
            1,
            member_id=(member or gym.ava).id,
        ),
    )
    return series, made


def block(gym, first: str, last_exclusive: str, reason: str = "Vacation"):
    """Block Lena's whole days ``[first, last_exclusive)``."""
    from coachapp.services import availability

    slot, _ = availability.create_blocked_slot(
        gym.admin, gym.coach.id, at(first, "00:00"), at(last_exclusive, "00:00"), reason
    )
    return slot


def is_fragment(response) -> bool:
    """An HTML fragment: no document, no layout."""
    body = response.get_data(as_text=True)
    return "<html" not in body and "<body" not in body and "topbar" not in body


def is_page(response) -> bool:
    """A whole page with the layout."""
    body = response.get_data(as_text=True)
    return body.lstrip().startswith("<!doctype html>") and 'class="topbar"' in body


def triggers(response) -> set[str]:
    """The event names in the response's ``HX-Trigger`` header."""
    import json

    raw = response.headers.get("HX-Trigger")
    return set(json.loads(raw)) if raw else set()


def value_of(body: str, name: str) -> str | None:
    """The ``value`` of the input named ``name`` in ``body`` (first match)."""
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', body)
    return found[1] if found else None


class SeparateClient:
    """A client logged in as another user, each request in its own app context (Flask-Login caches
    the first user of an app context in ``g``, and the ``app`` fixture keeps one pushed)."""

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

"""The demo gym: a realistic small business to click through (``flask --app wsgi seed-demo``).

Everything goes through the services, so the demo obeys the same rules as real use: availability is
validated, recurring bookings materialize their sessions, the vacation block is a real block.
Dates are relative to today, so the demo always shows a live week.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from .extensions import db
from .models import CoachSettings, User, utcnow
from .services import accounts, availability, bookings, slots
from .services.availability import WindowInput
from .services.errors import DomainError

DOMAIN = "gym.example.com"

# (email name, display name, zone, room, weekly template {day_of_week: [(start, end, group?)]})
COACHES = [
    ("lena", "Lena Hoffmann", "Europe/Berlin", "Studio A",
     {1: [("09:00", "12:00", False), ("14:00", "18:00", False)],
      2: [("09:00", "12:00", False)],
      3: [("09:00", "12:00", False), ("17:00", "19:00", True)],
      4: [("14:00", "18:00", False)],
      5: [("08:00", "11:00", False)]}),
    ("sam", "Sam Carter", "America/New_York", "Studio B",
     {2: [("07:00", "11:00", False)],
      4: [("07:00", "11:00", False), ("18:00", "20:00", False)],
      6: [("09:00", "13:00", False)]}),
    ("priya", "Priya Nair", "Europe/London", "Yoga Room",
     {1: [("16:00", "20:00", False)],
      3: [("16:00", "20:00", False)],
      5: [("16:00", "19:00", False)],
      0: [("10:00", "12:00", True)]}),
]
MEMBERS = [
    "Ava Schulz", "Ben Okafor", "Chloé Martin", "David Kim", "Emma Rossi", "Finn Weber",
    "Grace Liu", "Hugo Silva", "Isla Novak", "Jonas Berg", "Kira Tanaka", "Leo Fischer",
]


def database_is_empty() -> bool:
    """Whether no account exists yet (the demo only fills a new database)."""
    return not db.session.scalar(select(func.count(User.id)))


def _next_weekday(start: date, day_of_week: int) -> date:
    """The first date on/after ``start`` with ``day_of_week`` (0 = Sunday)."""
    return start + timedelta(days=(day_of_week - (start.weekday() + 1) % 7) % 7)


def seed(password: str) -> list[tuple[str, str, str]]:
    """Create the demo gym and return (role, email, name) for every login it made."""
    logins: list[tuple[str, str, str]] = []

    def person(local: str, name: str, role: str, zone: str | None = None) -> User:
        user = accounts.create_user(f"{local}@{DOMAIN}", name, role, password, zone)
        logins.append((role, user.email, name))
        return user

    admin = person("admin", "Alex Admin", "admin")
    coaches: dict[str, User] = {}
    for local, name, zone, room_name, template in COACHES:
        coach = person(local, name, "coach", zone)
        room = accounts.create_room(room_name)
        settings = db.session.scalar(select(CoachSettings).where(CoachSettings.coach_id == coach.id))
        settings.default_room_id = room.id
        db.session.commit()
        for day, windows in template.items():
            availability.replace_weekly_day(
                admin, coach.id, day,
                [WindowInput(start, end, room.id, is_individual=not group, is_group=group)
                 for start, end, group in windows],
            )
        coaches[local] = coach
    accounts.create_room("Outdoor Track")

    members = []
    for name in MEMBERS:
        local = name.split()[0].lower().replace("é", "e")
        members.append(person(local, name, "member"))

    today = utcnow().date()
    # Lena's vacation: a whole week, three weeks from now.
    lena = coaches["lena"]
    berlin = ZoneInfo("Europe/Berlin")
    vacation_start = _next_weekday(today + timedelta(days=21), 1)
    availability.create_blocked_slot(
        admin, lena.id,
        datetime.combine(vacation_start, time(0), berlin),
        datetime.combine(vacation_start + timedelta(days=7), time(0), berlin),
        "Vacation",
    )

    # Standing reservations, starting this week.
    series = [
        (members[0], lena, 2, "10:00", "11:00", 1),
        (members[1], lena, 4, "15:00", "16:00", 2),
        (members[2], lena, 4, "16:00", "17:00", 2),
        (members[3], coaches["sam"], 6, "10:00", "11:00", 1),
        (members[4], coaches["priya"], 1, "17:00", "18:00", 1),
        (members[5], coaches["priya"], 3, "18:00", "19:00", 1),
    ]
    for member, coach, day, start, end, frequency in series:
        bookings.create_recurring(
            admin, coach.id, day, start, end, _next_weekday(today + timedelta(days=1), day),
            None, frequency, member_id=member.id,
        )

    # One-time sessions: the first free slots of the coming days.
    for offset, (member, coach) in enumerate(
        [(members[6], lena), (members[7], coaches["sam"]), (members[8], coaches["priya"]),
         (members[9], lena), (members[10], coaches["sam"])]
    ):
        free = slots.bookable_slots(coach.id, today + timedelta(days=1 + offset),
                                    today + timedelta(days=14))
        for slot in free[offset:]:
            try:
                bookings.book_one_time(admin, coach.id, slot.start, slot.end, member_id=member.id)
                break
            except DomainError:
                continue
    return logins

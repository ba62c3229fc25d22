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
from .models import Booking, CoachSettings, TrainingSession, User, utcnow
from .services import accounts, availability, bookings, cover, group_classes, memberships, slots
from .services.availability import WindowInput
from .services.bookings import SeriesSpec
from .services.errors import DomainError
from .vocab import BookingStatus, Canceller, PlanKind, Role, SessionStatus

DOMAIN = "gym.example.com"

# (email name, display name, zone, room, weekly template {day_of_week: [(start, end, group?)]})
COACHES = [
    (
        "lena",
        "Lena Hoffmann",
        "Europe/Berlin",
        "Studio A",
        {
            1: [("09:00", "12:00", False), ("14:00", "18:00", False)],
            2: [("09:00", "12:00", False)],
            3: [("09:00", "12:00", False), ("17:00", "19:00", True)],
            4: [("14:00", "18:00", False)],
            5: [("08:00", "11:00", False)],
        },
    ),
    (
        "sam",
        "Sam Carter",
        "America/New_York",
        "Studio B",
        {
            2: [("07:00", "11:00", False)],
            4: [("07:00", "11:00", False), ("18:00", "20:00", False)],
            6: [("09:00", "13:00", False)],
        },
    ),
    (
        "priya",
        "Priya Nair",
        "Europe/London",
        "Yoga Room",
        {
            1: [("16:00", "20:00", False)],
            3: [("16:00", "20:00", False)],
            5: [("16:00", "19:00", False)],
            0: [("10:00", "12:00", True)],
        },
    ),
]
MEMBERS = [
    "Ava Schulz",
    "Ben Okafor",
    "Chloé Martin",
    "David Kim",
    "Emma Rossi",
    "Finn Weber",
    "Grace Liu",
    "Hugo Silva",
    "Isla Novak",
    "Jonas Berg",
    "Kira Tanaka",
    "Leo Fischer",
]


def database_is_empty() -> bool:
    """Whether no account exists yet (the demo only fills a new database)."""
    return not db.session.scalar(select(func.count(User.id)))


def demo_logins() -> list[tuple[str, str, str]]:
    """(role, email, name) of the demo's active accounts in the database, in the order ``seed``
    made them; empty when the database holds no demo gym."""
    rows = db.session.execute(
        select(User.role, User.email, User.name)
        .where(User.email.endswith(f"@{DOMAIN}"), User.active.is_(True))
        .order_by(User.id)
    )
    return [tuple(row) for row in rows]


def _next_weekday(start: date, day_of_week: int) -> date:
    """The first date on/after ``start`` with ``day_of_week`` (0 = Sunday)."""
    return start + timedelta(days=(day_of_week - (start.weekday() + 1) % 7) % 7)


# How the demo's past sessions went, in turn: (session status, the member's booking, who
# cancelled): held, held, a no-show, held, a late cancellation by the member, one by the coach.
_HELD = (SessionStatus.COMPLETED, BookingStatus.CONFIRMED, None)
_PAST_OUTCOMES = (
    _HELD,
    _HELD,
    (SessionStatus.NO_SHOW, BookingStatus.NO_SHOW, None),
    _HELD,
    (SessionStatus.CANCELLED, BookingStatus.CANCELLED_BY_MEMBER, Canceller.MEMBER),
    (SessionStatus.CANCELLED, BookingStatus.CANCELLED_BY_COACH, Canceller.COACH),
)


def _history(series, today: date) -> None:
    """Six weeks of sessions that already happened, for statements of last month and this one.

    The past cannot be booked through the services (they refuse it), so this is an import of
    history: sessions with their bookings, mostly completed, with a no-show, a late cancellation
    by the member and a cancellation by the coach among them.
    """
    rows = []
    for member, coach, day, start, end, _ in series:
        settings = db.session.scalar(
            select(CoachSettings).where(CoachSettings.coach_id == coach.id)
        )
        tz = ZoneInfo(settings.timezone)
        first = _next_weekday(today - timedelta(days=42), day)
        for week in range(6):
            local_day = first + timedelta(days=7 * week)
            begins = datetime.combine(local_day, time.fromisoformat(start), tz)
            ends = datetime.combine(local_day, time.fromisoformat(end), tz)
            if ends >= utcnow():
                continue
            outcome = _PAST_OUTCOMES[(week + member.id) % len(_PAST_OUTCOMES)]
            rows.append((member, coach, settings, begins, ends, outcome))
    for member, coach, settings, begins, ends, outcome in rows:
        session_status, booking_status, cancelled_by = outcome
        session = TrainingSession(
            coach_id=coach.id,
            member_id=member.id,
            room_id=settings.default_room_id,
            start_time=begins,
            end_time=ends,
            title="Training session",
            status=session_status,
            created_at=begins - timedelta(days=10),
        )
        booking = Booking(
            member_id=member.id,
            session=session,
            created_at=begins - timedelta(days=10),
            status=booking_status,
        )
        if cancelled_by is not None:
            session.cancelled_by = cancelled_by
            session.cancelled_at = booking.cancelled_at = begins - timedelta(hours=3)
            booking.late_cancel = cancelled_by == Canceller.MEMBER
        db.session.add_all([session, booking])
        db.session.flush()
        session.one_time_booking_id = booking.id
    db.session.commit()


def _group_class(admin: User, coach: User, members: list[User], today: date) -> None:
    """A weekly group class whose next session is full with two members on the waitlist."""
    _, classes = group_classes.create_group_series(
        admin,
        coach.id,
        3,
        "17:00",
        "18:00",
        _next_weekday(today + timedelta(days=1), 3),
        None,
        1,
        "HIIT Circuit",
        4,
    )
    if not classes:
        return
    for member in members[6:12]:
        group_classes.book_place(admin, classes[0].id, member_id=member.id)
    for member in members[:2]:
        if len(classes) > 1:
            group_classes.book_place(admin, classes[1].id, member_id=member.id)


def _memberships(admin: User, members: list[User]) -> None:
    """The gym's plans (a 10-pack for 90 days, an unlimited plan of at most 2 sessions a week for
    30 days) and members holding them, before anything is booked so their sessions draw on them:
    Ava unlimited, Ben and Grace a 10-pack, Chloé a 10-pack that runs out in 3 days (the admin's
    billing page lists it; her later sessions are made without one)."""
    pack = memberships.create_plan(admin, "10-pack", PlanKind.CREDITS, 10, 90)
    unlimited = memberships.create_plan(admin, "Unlimited 2/week", PlanKind.UNLIMITED, None, 30, 2)
    today = memberships.today()
    memberships.assign(admin, members[0].id, unlimited.id, today - timedelta(days=3))
    memberships.assign(admin, members[1].id, pack.id, today - timedelta(days=20))
    memberships.assign(
        admin, members[2].id, pack.id, today + timedelta(days=3) - timedelta(days=89)
    )
    memberships.assign(admin, members[6].id, pack.id, today - timedelta(days=1))


def seed(password: str) -> list[tuple[str, str, str]]:
    """Create the demo gym and return (role, email, name) for every login it made."""
    logins: list[tuple[str, str, str]] = []

    def person(local: str, name: str, role: str, zone: str | None = None) -> User:
        user = accounts.create_user(f"{local}@{DOMAIN}", name, role, password, zone)
        logins.append((role, user.email, name))
        return user

    admin = person("admin", "Alex Admin", Role.ADMIN)
    coaches: dict[str, User] = {}
    for local, name, zone, room_name, template in COACHES:
        coach = person(local, name, Role.COACH, zone)
        room = accounts.create_room(room_name)
        settings = db.session.scalar(
            select(CoachSettings).where(CoachSettings.coach_id == coach.id)
        )
        settings.default_room_id = room.id
        db.session.commit()
        for day, windows in template.items():
            availability.replace_weekly_day(
                admin,
                coach.id,
                day,
                [
                    WindowInput(start, end, room.id, is_individual=not group, is_group=group)
                    for start, end, group in windows
                ],
            )
        coaches[local] = coach
    accounts.create_room("Outdoor Track")

    members = []
    for name in MEMBERS:
        local = name.split()[0].lower().replace("é", "e")
        members.append(person(local, name, Role.MEMBER))

    _memberships(admin, members)

    today = utcnow().date()
    # Lena's vacation: a whole week, three weeks from now.
    lena = coaches["lena"]
    berlin = ZoneInfo("Europe/Berlin")
    vacation_start = _next_weekday(today + timedelta(days=21), 1)
    availability.create_blocked_slot(
        admin,
        lena.id,
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
            admin,
            SeriesSpec(
                coach.id,
                day,
                start,
                end,
                _next_weekday(today + timedelta(days=1), day),
                None,
                frequency,
                member_id=member.id,
            ),
        )

    _history(series, today)
    _group_class(admin, lena, members, today)

    # One-time sessions: the first free slots of the coming days.
    for offset, (member, coach) in enumerate(
        [
            (members[6], lena),
            (members[7], coaches["sam"]),
            (members[8], coaches["priya"]),
            (members[9], lena),
            (members[10], coaches["sam"]),
        ]
    ):
        free = slots.bookable_slots(
            coach.id, today + timedelta(days=1 + offset), today + timedelta(days=14)
        )
        for slot in free[offset:]:
            try:
                bookings.book_one_time(admin, coach.id, slot.start, slot.end, member_id=member.id)
                break
            except DomainError:
                continue

    # Lena is ill for one of Leo's sessions: a conflict the conflicts page can give to a cover
    # coach who is available and free then ("Give to Priya").
    cover.stage_cover_conflict(admin, lena.id, members[11].id)
    return logins

"""Notification mails: what a stored notification looks like in someone's inbox.

A mail has a subject naming what happened, a plain-text part and an HTML part (the same words; the
HTML one escapes everything it shows), the notification's message (its times are already in the
recipient's zone, named — see ``services.notifications``), a link back to the page the change is
on, and the gym's name (``GYM_NAME``). Links need ``APP_URL`` (the address people open the app
at): a worker has no request to take a host from. Without it the mail carries no link and says
where to look instead ("Sign in to <gym> and open My sessions").

A reminder (``kind`` ``reminder``) carries the session's ``.ics`` as an attachment: the event the
member's feed shows (same UID, so importing it updates rather than duplicates), with a ``VALARM``
at the reminder offset (``COACHAPP_REMINDER_HOURS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from . import ics
from .extensions import db
from .mail import Attachment
from .models import Notification, TrainingSession, User
from .vocab import NotificationKind, Role

SUBJECTS = {
    NotificationKind.SESSION_CANCELLED: "Your session was cancelled",
    NotificationKind.SESSION_MOVED: "Your session was moved",
    NotificationKind.SERIES_CANCELLED: "Your recurring sessions were cancelled",
    NotificationKind.PLACE_CANCELLED: "Your place in a class was cancelled",
    NotificationKind.PLACE_CONFIRMED: "A place came free: you are booked",
    NotificationKind.SESSION_REASSIGNED: "Your session has a new coach",
    NotificationKind.REMINDER: "Reminder: your session is coming up",
    NotificationKind.SESSION_RESTORED: "Your session is back on",
}
PLACES = {Role.MEMBER: "My sessions", Role.COACH: "your week", Role.ADMIN: "the admin pages"}


@dataclass(frozen=True)
class NoticeMail:
    """A notification ready to send: subject, plain text, HTML and attached files."""

    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()


def subject_for(kind: str) -> str:
    """The subject line for a notification of ``kind``, after the gym's name in brackets."""
    what = SUBJECTS.get(kind, kind.replace("_", " ").capitalize())
    return f"[{current_app.config.get('GYM_NAME') or 'coachapp'}] {what}"


def page_path(notification: Notification, user: User) -> str:
    """The path of the page that shows what the notification is about, for its recipient."""
    adapter = current_app.url_map.bind("localhost")
    if notification.session_id is not None and user.role == Role.MEMBER:
        return adapter.build("member.session_detail", {"session_id": notification.session_id})
    if notification.session_id is not None and user.role == Role.COACH:
        return adapter.build("coach.session", {"session_id": notification.session_id})
    if user.role == Role.MEMBER:
        return adapter.build("member.my_sessions")
    return adapter.build("main.index")


def link_for(notification: Notification, user: User) -> str | None:
    """The absolute URL of that page under APP_URL, or None when APP_URL is not set."""
    base = current_app.config.get("APP_URL")
    if not base:
        return None
    return base.rstrip("/") + page_path(notification, user)


def reminder_offset() -> timedelta:
    """How long before a session its reminder goes out (``COACHAPP_REMINDER_HOURS``)."""
    return timedelta(hours=int(current_app.config.get("COACHAPP_REMINDER_HOURS") or 24))


def session_attachment(session_id: int, user: User) -> Attachment | None:
    """The session's ``.ics`` as ``user``'s feed shows it, with the reminder's VALARM; None when
    the session no longer exists."""
    from .services import feeds

    session = db.session.get(TrainingSession, session_id)
    if session is None:
        return None
    event = feeds.session_event(user, session)
    start = session.start_time.astimezone(event.zone)
    return Attachment(
        filename=f"session-{start:%Y-%m-%d-%H%M}.ics",
        content_type="text/calendar",
        data=ics.session_calendar(event, alarm=reminder_offset()),
    )


def attachments_for(notification: Notification, user: User) -> tuple[Attachment, ...]:
    """What a notification's mail carries: a reminder the session's ``.ics``, others nothing."""
    if notification.kind != NotificationKind.REMINDER or notification.session_id is None:
        return ()
    attachment = session_attachment(notification.session_id, user)
    return (attachment,) if attachment is not None else ()


def compose(notification: Notification, user: User) -> NoticeMail:
    """The mail for ``notification`` to ``user`` (templates ``mail/notification.txt``/``.html``)."""
    context = {
        "name": user.name,
        "message": notification.message,
        "link": link_for(notification, user),
        "place": PLACES.get(user.role, "the app"),
        "gym_name": current_app.config.get("GYM_NAME") or "coachapp",
        "subject": subject_for(notification.kind),
    }
    env = current_app.jinja_env  # autoescapes .html templates, not .txt ones
    return NoticeMail(
        subject=context["subject"],
        text=env.get_template("mail/notification.txt").render(context),
        html=env.get_template("mail/notification.html").render(context),
        attachments=attachments_for(notification, user),
    )


__all__ = [
    "NoticeMail",
    "SUBJECTS",
    "attachments_for",
    "compose",
    "link_for",
    "page_path",
    "reminder_offset",
    "session_attachment",
    "subject_for",
]

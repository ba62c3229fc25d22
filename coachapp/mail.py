"""Email delivery: through SMTP when MAIL_SERVER is set, else the message is written to the log.

Settings are read from the app config, falling back to the environment, so that a worker started
with only environment variables mails the same way as the web process:

``MAIL_SERVER`` (unset: log instead of sending), ``MAIL_PORT`` (default 587 with TLS, else 25),
``MAIL_USERNAME`` and ``MAIL_PASSWORD`` (login only when both are set), ``MAIL_USE_TLS`` (STARTTLS;
"1"/"true"/"yes"/"on"), ``MAIL_FROM`` (default ``coachapp@localhost``; without a display name it
is sent as ``GYM_NAME <address>``).

Every message carries ``Date`` and a ``Message-ID`` in MAIL_FROM's domain, and may carry an HTML
alternative to its plain text (``multipart/alternative``) and attached files (a reminder's ``.ics``:
``multipart/mixed``).
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from flask import current_app, has_app_context

log = logging.getLogger(__name__)

SETTING_NAMES = (
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_FROM",
    "GYM_NAME",
)
SMTP_TIMEOUT_SECONDS = 10
_TRUE = {"1", "true", "yes", "on"}


class MailError(RuntimeError):
    """A message could not be handed to the SMTP server (it stays undelivered, to be retried).

    ``this_message_only`` is True when the server refused this message (e.g. its recipient) but
    would take others; False when the server is unreachable or refuses everything.
    """

    def __init__(self, message: str, this_message_only: bool = False):
        super().__init__(message)
        self.this_message_only = this_message_only


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message: its name, MIME type (``text/calendar``) and content."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class MailSettings:
    """Where and as whom to send; ``server`` None means "log the message instead"."""

    server: str | None
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    sender: str
    sender_name: str | None = None

    @property
    def enabled(self) -> bool:
        """Whether messages go to an SMTP server (else to the log)."""
        return bool(self.server)

    @property
    def from_header(self) -> str:
        """MAIL_FROM as given, or ``GYM_NAME <address>`` when it names no one."""
        name, address = parseaddr(self.sender)
        if name or not self.sender_name or not address:
            return self.sender
        # quoted as needed ("Müller's Gym, Berlin"); the message encodes it when it is sent
        return str(Address(display_name=self.sender_name, addr_spec=address))

    @property
    def message_id_domain(self) -> str:
        """The domain of MAIL_FROM's address, which Message-IDs end in (``localhost`` if none)."""
        domain = parseaddr(self.sender)[1].rpartition("@")[2].strip()
        return domain or "localhost"


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in _TRUE


def load_settings(config: Mapping[str, Any] | None = None) -> MailSettings:
    """The mail settings from ``config`` (default: the current app's), else from os.environ."""
    if config is None:
        config = current_app.config if has_app_context() else {}

    def get(name: str) -> Any:
        value = config.get(name)
        if value is None or value == "":
            value = os.environ.get(name) or None
        return value

    use_tls = _flag(get("MAIL_USE_TLS"))
    port = get("MAIL_PORT")
    return MailSettings(
        server=get("MAIL_SERVER"),
        port=int(port) if port else (587 if use_tls else 25),
        username=get("MAIL_USERNAME"),
        password=get("MAIL_PASSWORD"),
        use_tls=use_tls,
        sender=get("MAIL_FROM") or "coachapp@localhost",
        sender_name=get("GYM_NAME"),
    )


def build_message(
    settings: MailSettings,
    to: str,
    subject: str,
    body: str,
    html: str | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> EmailMessage:
    """A message from the configured sender, dated now, with a fresh Message-ID: plain text,
    ``html`` as its alternative when given (mail clients show the richest part they can), and the
    ``attachments`` after them."""
    message = EmailMessage()
    message["From"] = settings.from_header
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.message_id_domain)
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


class Mailer:
    """Sends messages over one SMTP connection (opened on the first send), or logs them."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.server, s.port, timeout=SMTP_TIMEOUT_SECONDS)
        try:
            if s.use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if s.username and s.password:
                smtp.login(s.username, s.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(
        self,
        to: str,
        subject: str,
        body: str,
        html: str | None = None,
        attachments: tuple[Attachment, ...] = (),
    ) -> None:
        """Hand one message to the SMTP server (or the log); raise MailError if that fails."""
        message = build_message(self.settings, to, subject, body, html, attachments)
        if not self.settings.enabled:
            log.info(
                "mail (MAIL_SERVER not set, logged only) to=%s subject=%r attachments=%s\n%s",
                to,
                subject,
                [a.filename for a in attachments],
                body,
            )
            return
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
            raise MailError(f"the server refused mail to {to}: {exc}", True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise MailError(f"could not send mail to {to}: {exc}") from exc

    def close(self) -> None:
        """Say goodbye to the server if a connection is open; errors on the way out are ignored."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


@contextmanager
def mailer(settings: MailSettings | None = None) -> Iterator[Mailer]:
    """A Mailer for a batch of messages, closed at the end of the block."""
    m = Mailer(settings or load_settings())
    try:
        yield m
    finally:
        m.close()


def send(
    to: str,
    subject: str,
    body: str,
    settings: MailSettings | None = None,
    html: str | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> None:
    """Send one message (or log it when MAIL_SERVER is unset); raise MailError on failure."""
    with mailer(settings) as m:
        m.send(to, subject, body, html, attachments)


__all__ = [
    "Attachment",
    "MailError",
    "MailSettings",
    "Mailer",
    "SETTING_NAMES",
    "load_settings",
    "mailer",
    "send",
]

"""``flask --app wsgi reminders send [--now ISO]``: send the reminders due now (or at ``--now``),
and ``reminders_job``, the same as a job that the scheduler process hands to the worker every 10
minutes (``coachapp.scheduler``). Without Redis, run the command from the system's cron as often.
Running it again sends nothing twice (``services.reminders``).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from . import jobs
from .services import reminders

reminders_cli = AppGroup("reminders", help="Send the reminders before sessions.")

JOB_ID = "coachapp-reminders"
INTERVAL_SECONDS = 10 * 60

NOW_EXAMPLE = "2026-12-01T09:00+01:00"


def parse_now(value: str) -> datetime:
    """``--now``: an ISO 8601 date and time; with an offset (``+01:00``, ``Z``) it is that
    instant, without one it is read on the gym's clock (``COACHAPP_TIMEZONE``)."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or ("T" not in text.upper() and " " not in text):
        raise click.BadParameter(
            f"{value[:40]!r} is not an ISO 8601 date and time, e.g. {NOW_EXAMPLE} "
            "(without an offset it is read on the gym's clock)",
            param_hint="'--now'",
        )
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(current_app.config["COACHAPP_TIMEZONE"]))
    return parsed


@reminders_cli.command("send")
@click.option(
    "--now",
    "now_text",
    default=None,
    metavar="ISO",
    help=f"Run as at this instant (e.g. {NOW_EXAMPLE}); default: now.",
)
def send(now_text: str | None) -> None:
    """Send every reminder due now that was not sent before, and print the counts."""
    now = parse_now(now_text) if now_text is not None else None
    report = reminders.send_due(now)
    click.echo(report.summary())


def reminders_job() -> dict:
    """Job (the scheduler's, every 10 minutes): send the reminders due now."""
    with jobs.app_context():
        report = reminders.send_due()
    return {"sent": report.sent, "mailed": report.mailed, "already_sent": report.already_sent}


__all__ = ["INTERVAL_SECONDS", "JOB_ID", "parse_now", "reminders_cli", "reminders_job"]

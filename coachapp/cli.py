"""``flask --app wsgi …`` commands for operators (and acceptance checks): users, rooms, demo data."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from .errors import with_field
from .reminders_cli import reminders_cli
from .services import accounts, tokens
from .services.errors import DomainError

users = AppGroup("users", help="Create accounts and API tokens.")
rooms = AppGroup("rooms", help="Create rooms.")
sessions_cli = AppGroup("sessions", help="Generate sessions (the nightly job).")


def _fail(exc: DomainError) -> None:
    """Print one clear line and exit non-zero."""
    raise click.ClickException(with_field(exc))


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Display name.")
@click.option("--role", required=True, help="admin, coach or member.")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--timezone", default=None, help="IANA zone (coaches; default COACHAPP_TIMEZONE).")
def users_create(email: str, name: str, role: str, password: str, timezone: str | None) -> None:
    """Create an account (a coach also gets coach_settings)."""
    try:
        user = accounts.create_user(email, name, role, password, timezone)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@users.command("token")
@click.argument("email")
@click.option(
    "--expires-days",
    type=int,
    default=tokens.DEFAULT_DAYS,
    show_default=True,
    help=f"Days the token lasts (1 to {tokens.MAX_DAYS}).",
)
def users_token(email: str, expires_days: int) -> None:
    """Print a new API token for EMAIL on its own line."""
    try:
        token = accounts.issue_token(email, expires_days)
    except DomainError as exc:
        _fail(exc)
    click.echo(token)


@rooms.command("create")
@click.argument("name")
def rooms_create(name: str) -> None:
    """Create a room and print its id."""
    try:
        room = accounts.create_room(name)
    except DomainError as exc:
        _fail(exc)
    click.echo(str(room.id))


@click.command("seed-demo")
@click.option("--password", default="demo-pass-2026", show_default=True, help="Password for all.")
@click.option(
    "--if-empty", is_flag=True, help="Do nothing (and succeed) if accounts exist already."
)
def seed_demo(password: str, if_empty: bool) -> None:
    """Fill an empty database with a realistic demo gym and print the logins it made; with
    ``--if-empty`` on a database that has accounts, print the demo's logins found there (so
    ``make run`` shows them on every start)."""
    from .demo import database_is_empty, demo_logins, seed

    if not database_is_empty():
        if if_empty:
            click.echo("The database has accounts already; demo data not added.")
            logins = demo_logins()
            if logins:
                heading = f"The demo gym's logins (password: {password}, unless changed):"
                _echo_logins(heading, logins)
            return
        raise click.ClickException("the database is not empty: seed-demo only fills a new one")
    try:
        logins = seed(password)
    except DomainError as exc:
        _fail(exc)
    _echo_logins(f"Demo gym ready. Log in with any of these (password: {password}):", logins)


def _echo_logins(heading: str, logins: list[tuple[str, str, str]]) -> None:
    click.echo(heading)
    for role, email, name in logins:
        click.echo(f"  {role:<7} {email:<32} {name}")


@sessions_cli.command("generate")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as on this day (YYYY-MM-DD, the gym's zone); default today.",
)
def sessions_generate(today) -> None:
    """Materialize the next weeks of every active recurring booking, complete ended sessions and
    deliver pending notifications; ends with a one-line summary."""
    from .jobs import run_nightly

    steps: list[str] = []
    interactive = sys.stdout.isatty()
    try:
        if interactive:
            with click.progressbar(length=3, label="nightly run") as bar:

                def advance(line: str) -> None:
                    steps.append(line)
                    bar.update(1)

                report = run_nightly(today=today.date() if today else None, progress=advance)
        else:
            report = run_nightly(today=today.date() if today else None, progress=steps.append)
    except DomainError as exc:
        _fail(exc)
    click.echo(report.materialized.summary() + f", delivered {report.delivered}")


def register_cli(app: Flask) -> None:
    """Attach the command groups to ``app``."""
    app.cli.add_command(users)
    app.cli.add_command(rooms)
    app.cli.add_command(sessions_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(reminders_cli)

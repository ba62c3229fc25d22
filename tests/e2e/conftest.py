"""Browser fixtures: the app served by gunicorn on a fresh SQLite file, and Debian's Chromium driven
by Playwright's Python package (no browser download: ``executable_path`` is the system's).

The database is migrated and filled the way an operator does it (``flask --app wsgi db upgrade``,
``rooms create``, ``users create``; in one process, ``AppShell``, that the files' setups use too):
two rooms, a new coach with no availability yet and a new member, whose story the scenarios follow. Nothing else is in it, so the slots the story books are
free whatever the date (the demo gym's sessions, laid out relative to today, once took the very
slot the story booked). Screenshots go to ``build/screenshots/`` (ignored); ``make screenshots``
copies the README's ones into ``docs/screenshots/``.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.e2e.live_server import AppShell, LiveServer, create_user

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
PASSWORD = "e2e-pass-2026"
DESKTOP = {"viewport": {"width": 1280, "height": 860}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture(scope="session")
def e2e_gym(tmp_path_factory):
    """A migrated SQLite database with rooms Studio A and B, coach Nora Berg (no availability yet)
    and member Tess Quinn: the URL, their logins, and the ``AppShell`` (one process with the app
    imported) that every file's setup builds its people and data with."""
    folder = tmp_path_factory.mktemp("e2e-db")
    url = f"sqlite:///{folder / 'e2e.sqlite3'}"
    shell = AppShell(url)
    gym = SimpleNamespace(
        database_url=url,
        coach="nora@gym.example.com",
        member="tess@gym.example.com",
        password=PASSWORD,
        shell=shell,
    )
    try:
        shell.flask("db", "upgrade")
        for room in ("Studio A", "Studio B"):
            shell.flask("rooms", "create", room)
        create_user(gym, gym.coach, "Nora Berg", "coach")
        create_user(gym, gym.member, "Tess Quinn", "member")
        yield gym
    finally:
        shell.close()


@pytest.fixture(scope="session")
def server(e2e_gym):
    """gunicorn serving the app on a free loopback port for the whole e2e session."""
    live = LiveServer(e2e_gym.database_url, workers=2)
    live.start()
    yield live
    live.stop()


def _browser_env() -> dict[str, str]:
    """Chromium's environment: ours without a preloaded libfaketime (``make test-dates`` shifts
    the clock of the server and the tests; Chromium never loads a page under it, and no page reads
    the browser's clock: dates come from the server)."""
    return {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME")}


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (CI does it)")
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=_browser_env()
    )
    yield chromium
    chromium.close()
    playwright.stop()


def _context(browser, server, options: dict):
    context = browser.new_context(
        base_url=server.url, locale="en-GB", timezone_id="Europe/Berlin", **options
    )
    context.set_default_timeout(10_000)
    return context


def log_in(page, email: str, password: str) -> None:
    """Log in through the form, as a person does."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: not url.endswith("/login"))


def logged_in(browser, server, options: dict, email: str, password: str = PASSWORD):
    """A new window (``options``: ``PHONE``, ``DESKTOP``, a viewport) with ``email`` logged in
    through the form: (context, page). The caller closes the context."""
    context = _context(browser, server, options)
    page = context.new_page()
    log_in(page, email, password)
    return context, page


@pytest.fixture(scope="session")
def coach_page(browser, server, e2e_gym):
    """Nora, logged in on a desktop-sized window (kept for the session: one login)."""
    context = _context(browser, server, DESKTOP)
    page = context.new_page()
    log_in(page, e2e_gym.coach, e2e_gym.password)
    yield page
    context.close()


@pytest.fixture(scope="session")
def member_page(browser, server, e2e_gym):
    """Tess, logged in on a 390 × 844 phone (kept for the session: one login)."""
    context = _context(browser, server, PHONE)
    page = context.new_page()
    log_in(page, e2e_gym.member, e2e_gym.password)
    yield page
    context.close()


@pytest.fixture
def shot():
    """``shot(page, "name")`` saves build/screenshots/e2e-NAME.png (the whole page)."""

    def save(page, name: str, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"e2e-{name}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        return path

    return save


@pytest.fixture(autouse=True)
def _server_log_on_failure(request, server):
    """When a scenario fails, the server's log is attached to the report (tracebacks live there)."""
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print("---- server log ----\n" + server.log())


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item (for ``_server_log_on_failure``)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)

"""The app served for real: gunicorn on a free loopback port, against a database of the caller's.

Used by the browser tests (``tests/e2e``), the schema fuzzer (``tests/fuzz``), the failure tests
and the web benchmark. The server runs as ``Procfile``'s ``web`` process does, with a fixed
SECRET_KEY, jobs inline (no REDIS_URL unless given), no mail server (mail goes to the log), and
its output in a log file that ``LiveServer.log()`` returns when something goes wrong.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SECRET = "live-server-secret-not-for-production"
DROPPED_ENV = (
    "REDIS_URL",
    "COACHAPP_ENV",
    "FLASK_ENV",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_FROM",
    "WEB_CONCURRENCY",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a server or CLI process on ``database_url``: the caller's environment
    without Redis, mail or production settings, plus a fixed secret and the gym's zone."""
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET,
        COACHAPP_TIMEZONE="Europe/Berlin",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def flask_cli(database_url: str, *args: str, **extra: str) -> str:
    """Run ``flask --app wsgi ARGS`` on ``database_url``; return its output, fail loudly.
    (A new process: the app's import takes seconds. Several commands: ``AppShell``.)"""
    done = subprocess.run(
        [PYTHON, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=app_env(database_url, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


SHELL = r"""
import contextlib, io, json, os, sys, traceback
answers = os.fdopen(os.dup(1), "w")  # the answers' own pipe; anything else printed goes to the log
os.dup2(2, 1)
from wsgi import app
runner = app.test_cli_runner()
answers.write("{}\n")
answers.flush()
for line in sys.stdin:
    job = json.loads(line)
    try:
        if "flask" in job:
            with app.app_context():  # as the flask command pushes one for every command
                result = runner.invoke(args=job["flask"])
            if result.exit_code != 0:
                raise RuntimeError(f"exit {result.exit_code}: {result.output} {result.exception!r}")
            answer = {"output": result.output}
        else:
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(job["python"], "<AppShell>", "exec"), {"__name__": "__appshell__"})
            answer = {"output": printed.getvalue()}
    except BaseException:
        answer = {"error": traceback.format_exc()}
    answers.write(json.dumps(answer) + "\n")
    answers.flush()
"""


class AppShell:
    """One Python process with the app imported (``wsgi``, the environment of ``flask_cli``) that
    runs ``flask`` commands and Python code on ``database_url``, one after the other, each as its
    own command or script would (the CLI runner; code brings its own ``app.app_context()``).

    The app's import costs seconds (more than any command of the e2e setup): a worker pays it
    once per database here instead of once per ``flask_cli``. Its output (logs, warnings) goes to a
    file that failures quote; ``close()`` ends it (also on exit from a ``with``)."""

    def __init__(self, database_url: str, timeout: float = 120.0, **extra: str) -> None:
        self.database_url = database_url
        self.timeout = timeout
        self._log = tempfile.NamedTemporaryFile(
            "w+", prefix="coachapp-shell-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            [PYTHON, "-c", SHELL],
            cwd=ROOT,
            env=app_env(database_url, **extra),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            start_new_session=True,
        )
        self._answer("starting the app")

    def _answer(self, what: str) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], self.timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self.close()
            why = "ended" if ready else f"gave no answer within {self.timeout:.0f} s"
            raise RuntimeError(f"AppShell {why} ({what}):\n{self.log()}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{what} failed:\n{answer['error']}")
        return answer

    def _ask(self, job: dict, what: str) -> str:
        if self.process.poll() is not None:
            raise RuntimeError(f"AppShell is not running ({what}):\n{self.log()}")
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        return self._answer(what)["output"]

    def flask(self, *args: str) -> str:
        """``flask --app wsgi ARGS``'s output; a failure raises with its output."""
        return self._ask({"flask": list(args)}, f"flask {' '.join(args)}")

    def token(self, email: str) -> str:
        """A new API token of ``email`` (``flask users token``)."""
        return self.flask("users", "token", email).strip().splitlines()[-1]

    def python(self, code: str) -> str:
        """Run ``code`` (``from wsgi import app`` and ``with app.app_context():`` are its own);
        what it printed."""
        return self._ask({"python": code}, "python code")

    def log(self) -> str:
        """What the process printed besides its answers (warnings, logs, tracebacks)."""
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")[-20000:]

    def close(self) -> None:
        """End the process (end of input; killed if it lingers)."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.process.stdout.close()

    def __enter__(self) -> AppShell:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def api(server, token: str, method: str, path: str, body: dict | None = None) -> dict:
    """Call the live server's JSON API with ``token``; the answer's JSON ({} when empty)."""
    request = urllib.request.Request(
        server.url + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def create_user(gym, email: str, name: str, role: str, password: str | None = None) -> int:
    """Create an account in ``gym`` (``flask users create``; a coach in Europe/Berlin) with the
    gym's password unless given; its id."""
    args = ["users", "create", email, "--name", name, "--role", role]
    args += ["--password", password or gym.password]
    if role == "coach":
        args += ["--timezone", "Europe/Berlin"]
    created = gym.shell.flask(*args)
    return int(created.rsplit("(id ", 1)[1].split(")")[0])


def weekly_hours(server, token: str, coach_id: int, *, group: bool = False) -> None:
    """Open ``coach_id`` every day 07:00-21:00 for one-to-one sessions (and group classes with
    ``group``), through the API with ``token`` (the coach's or an admin's)."""
    window = {"start_time": "07:00", "end_time": "21:00", "room_id": None}
    window |= {"is_individual": True, "is_group": group}
    for day in range(7):
        path = f"/api/v1/coaches/{coach_id}/weekly-availability/{day}"
        api(server, token, "PUT", path, {"windows": [window]})


def coach_with_member(
    gym, server, coach: tuple[str, str], member: tuple[str, str], *, group: bool = False
) -> int:
    """Create coach (email, name; Europe/Berlin) and member (email, name), open the coach every
    day 07:00-21:00 (``weekly_hours``), and return the coach's id."""
    coach_id = create_user(gym, *coach, "coach")
    create_user(gym, *member, "member")
    weekly_hours(server, gym.shell.token(coach[0]), coach_id, group=group)
    return coach_id


class LiveServer:
    """gunicorn serving ``wsgi:app`` (or ``app``) on 127.0.0.1; ``start()``, ``stop()``, ``url``."""

    def __init__(
        self,
        database_url: str,
        *,
        workers: int = 1,
        app: str = "wsgi:app",
        threads: int = 1,
        access_log: bool = False,
        **env: str,
    ) -> None:
        self.database_url = database_url
        self.workers = workers
        self.threads = threads
        self.app = app
        self.access_log = access_log
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.NamedTemporaryFile(
            "w+", prefix="coachapp-server-", suffix=".log", delete=False
        )
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> LiveServer:
        """Start gunicorn and wait until ``/healthz`` answers 200 (each worker imports the app:
        a few seconds, but over 30 on a loaded 2-core machine)."""
        command = [
            PYTHON,
            "-m",
            "gunicorn",
            self.app,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--graceful-timeout",
            "5",
            "--timeout",
            "60",
            "--no-control-socket",  # its default path is one per user: servers side by side
        ]
        if self.access_log:
            command += ["--access-logfile", "-"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=app_env(self.database_url, **self.env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.log()}")

    def stop(self) -> None:
        """SIGTERM gunicorn (graceful), SIGKILL its process group if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def log(self) -> str:
        """What the server printed so far (errors, tracebacks)."""
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")[-20000:]

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

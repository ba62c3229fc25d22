"""``make heroku-sim``: run the app as Heroku would, from a clean clone, with only what the
repository holds.

1. ``git clone`` of the repository's HEAD (uncommitted changes are not part of a deploy);
2. a fresh virtualenv on the Python that ``.python-version`` names, filled the way Heroku's Python
   buildpack does it: ``uv sync --locked --no-default-groups --compile-bytecode`` (a stale
   ``uv.lock`` fails here, as it fails the build); no test tool may be installed;
3. the config vars Heroku would set: app.json's values, a generated ``SECRET_KEY``, a
   ``postgres://`` DATABASE_URL of a new database made for this run (dropped at the end), a
   REDIS_URL, PORT;
4. the Procfile's ``release`` command, then ``web``, ``worker`` and ``scheduler``, each as the
   Procfile says, run by ``bash -c`` in the clone;
5. checks: the login page and the health endpoints answer on $PORT, production headers (Secure
   cookie, HSTS behind the router), an operator command (``flask --app wsgi users create``) and a
   login; the worker delivers a notification enqueued through ``coachapp.jobs``; the scheduler has
   registered the nightly run for 02:00 in the gym's zone and the sweep;
6. SIGTERM to every process (Heroku's shutdown), each must exit 0 within 30 s without a traceback.

Standard library only (the app's own packages are used through the new virtualenv's Python).
Exit status 0 when every check passed; the timings are printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRACE_SECONDS = 30  # Heroku sends SIGKILL 30 s after SIGTERM
TEST_TOOLS = ("pytest", "playwright", "schemathesis", "mutmut", "hypothesis", "ruff")


class SimFailed(RuntimeError):
    """A check failed; the message says which."""


def say(message: str) -> None:
    print(f"[heroku-sim] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd: list[str], *, cwd: Path, env: dict | None = None, timeout: float = 600) -> str:
    """Run ``cmd``; its output, or SimFailed with the output's tail."""
    result = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise SimFailed(f"{' '.join(cmd)} exited {result.returncode}:\n{output[-3000:]}")
    return output


def procfile(app_dir: Path) -> dict[str, str]:
    processes = {}
    for line in (app_dir / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = command.strip()
    return processes


class Process:
    """One Procfile process, in its own process group (a dyno), output to a log file."""

    def __init__(self, name: str, command: str, app_dir: Path, env: dict, logs: Path):
        self.name = name
        self.log_path = logs / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            ["bash", "-c", command],
            cwd=app_dir,
            env={**env, "DYNO": f"{name}.1"},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def terminate(self) -> None:
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)

    def wait(self, timeout: float) -> int | None:
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()
            return None
        finally:
            self._log.close()


def http(url: str, *, data: dict | None = None, headers: dict | None = None):
    """(status, headers, body) of a GET (or a form POST with ``data``); redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode(errors="replace")


def _is_json(line: str) -> bool:
    """Whether a log line is one JSON object (what the app logs in every process)."""
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def wait_until(check, what: str, timeout: float, processes: list[Process] = ()):
    """Call ``check`` until it returns something truthy (returned), or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        for process in processes:
            if not process.alive():
                raise SimFailed(
                    f"{process.name} exited ({process.popen.returncode}) while waiting for "
                    f"{what}:\n{process.output()[-3000:]}"
                )
        try:
            result = check()
            if result:
                return result
        except (OSError, SimFailed) as exc:
            last_error = exc
        time.sleep(0.5)
    raise SimFailed(
        f"timed out after {timeout:.0f} s waiting for {what} (last error: {last_error})"
    )


class Sim:
    def __init__(self, args):
        self.args = args
        self.work = Path(tempfile.mkdtemp(prefix="coachapp-heroku-sim-"))
        self.app_dir = self.work / "app"
        self.venv = self.work / "python"
        self.logs = self.work / "logs"
        self.logs.mkdir()
        self.timings: dict[str, float] = {}
        self.database: str | None = None
        self.processes: list[Process] = []
        self.redis_flushed = False

    # -- build -------------------------------------------------------------------------------

    def build(self) -> None:
        started = time.monotonic()
        run(["git", "clone", "--quiet", str(ROOT), str(self.app_dir)], cwd=self.work)
        commit = run(["git", "rev-parse", "--short", "HEAD"], cwd=self.app_dir).strip()
        python = (self.app_dir / ".python-version").read_text().strip()
        say(f"clean clone of {commit}; Python {python} (.python-version); installing from uv.lock")
        uv_env = {
            **os.environ,
            "UV_PROJECT_ENVIRONMENT": str(self.venv),
            "UV_PYTHON_DOWNLOADS": "never",
            "UV_NO_MANAGED_PYTHON": "1",
        }
        for name in ("VIRTUAL_ENV", "UV_PYTHON", "PYTHONPATH"):
            uv_env.pop(name, None)
        run(
            [self.args.uv, "venv", "--quiet", "--python", python, str(self.venv)],
            cwd=self.app_dir,
            env=uv_env,
        )
        # what the buildpack runs (lib/uv.sh): the locked versions, no dependency groups or extras
        run(
            [
                self.args.uv,
                "sync",
                "--locked",
                "--no-default-groups",
                "--compile-bytecode",
                "--no-progress",
            ],
            cwd=self.app_dir,
            env=uv_env,
        )
        self.timings["install from uv.lock"] = time.monotonic() - started
        present = self.python(
            "import importlib.util, json, sys; "
            f"print(json.dumps([m for m in {list(TEST_TOOLS)!r} if importlib.util.find_spec(m)]))"
        )
        if json.loads(present):
            raise SimFailed(f"test tools installed for the app: {present.strip()}")
        version = self.python("import sys; print('%d.%d' % sys.version_info[:2])").strip()
        if version != python:
            raise SimFailed(f"the virtualenv runs Python {version}, .python-version says {python}")
        say(f"installed in {self.timings['install from uv.lock']:.1f} s; no test tools")

    def python(self, code: str, env: dict | None = None) -> str:
        return run(
            [str(self.venv / "bin" / "python"), "-c", code],
            cwd=self.app_dir,
            env=env or self.base_env(),
        )

    def base_env(self) -> dict:
        return {
            "PATH": f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.app_dir),
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
        }

    # -- config vars -------------------------------------------------------------------------

    def create_database(self) -> str:
        name = f"coachapp_heroku_sim_{secrets.token_hex(5)}"
        code = (
            "import psycopg, sys; "
            "c = psycopg.connect(sys.argv[1], autocommit=True); "
            f"c.execute('CREATE DATABASE {name}')"
        )
        run(
            [str(self.venv / "bin" / "python"), "-c", code, self.args.postgres],
            cwd=self.work,
            env=self.base_env(),
        )
        self.database = name
        # Heroku's form of the URL: postgres://user:password@host:port/name
        parts = urllib.parse.urlsplit(self.args.postgres)
        return urllib.parse.urlunsplit(("postgres", parts.netloc, f"/{name}", "", ""))

    def drop_database(self) -> None:
        if not self.database:
            return
        code = (
            "import psycopg, sys; "
            "c = psycopg.connect(sys.argv[1], autocommit=True); "
            "c.execute('SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = %s AND pid <> pg_backend_pid()', ['{self.database}']); "
            f"c.execute('DROP DATABASE IF EXISTS {self.database}')"
        )
        run(
            [str(self.venv / "bin" / "python"), "-c", code, self.args.postgres],
            cwd=self.work,
            env=self.base_env(),
        )
        say(f"dropped database {self.database}")

    def flush_redis(self) -> None:
        self.redis_flushed = True
        code = "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()"
        run(
            [str(self.venv / "bin" / "python"), "-c", code, self.args.redis],
            cwd=self.work,
            env=self.base_env(),
        )

    def config_vars(self) -> dict:
        manifest = json.loads((self.app_dir / "app.json").read_text())
        env = self.base_env()
        for name, entry in manifest["env"].items():
            if "value" in entry:
                env[name] = entry["value"]
            elif entry.get("generator") == "secret":
                env[name] = secrets.token_hex(32)
        env["DATABASE_URL"] = self.create_database()
        env["REDIS_URL"] = self.args.redis
        env["PORT"] = str(self.args.port or free_port())
        required = {"COACHAPP_ENV": "production", "TRUSTED_PROXIES": "1"}
        for name, value in required.items():
            if env.get(name) != value:
                raise SimFailed(f"app.json sets {name}={env.get(name)!r}, expected {value!r}")
        if not env.get("SECRET_KEY"):
            raise SimFailed("app.json does not generate SECRET_KEY")
        return env

    # -- processes ---------------------------------------------------------------------------

    def release(self, env: dict) -> None:
        command = procfile(self.app_dir)["release"]
        started = time.monotonic()
        output = run(["bash", "-c", command], cwd=self.app_dir, env={**env, "DYNO": "release.1"})
        self.timings["release"] = time.monotonic() - started
        head = self.python(
            "import os, psycopg; "
            "url = os.environ['DATABASE_URL'].replace('postgres://', 'postgresql://', 1); "
            "print(psycopg.connect(url).execute('SELECT version_num FROM alembic_version').fetchone()[0])",
            env,
        ).strip()
        heads = run(
            [str(self.venv / "bin" / "flask"), "--app", "wsgi", "db", "heads"],
            cwd=self.app_dir,
            env=env,
        )
        if head not in heads:
            raise SimFailed(
                f"release left the database at {head!r}, the head is {heads.strip()!r}:\n{output}"
            )
        say(f"release: `{command}` migrated a fresh PostgreSQL database to {head}")

    def start(self, env: dict) -> None:
        commands = procfile(self.app_dir)
        for name in ("web", "worker", "scheduler"):
            self.processes.append(Process(name, commands[name], self.app_dir, env, self.logs))
            say(f"{name}: {commands[name]}")

    def process(self, name: str) -> Process:
        return next(p for p in self.processes if p.name == name)

    def check_web(self, env: dict) -> None:
        base = f"http://127.0.0.1:{env['PORT']}"
        started = time.monotonic()
        wait_until(
            lambda: http(f"{base}/login")[0] == 200,
            f"the login page on $PORT={env['PORT']}",
            60,
            self.processes,
        )
        self.timings["web answering"] = time.monotonic() - started
        for path in ("/healthz/live", "/healthz/ready", "/healthz"):
            status, _, body = http(base + path)
            if status != 200:
                raise SimFailed(f"GET {path}: {status} {body[:300]}")
        # behind Heroku's router (TRUSTED_PROXIES=1): HTTPS as the router reports it
        router = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
        status, headers, page = http(f"{base}/login", headers=router)
        if "max-age=" not in (headers.get("Strict-Transport-Security") or ""):
            raise SimFailed("no HSTS header on an HTTPS request: not in production mode?")
        cookie = headers.get("Set-Cookie") or ""
        if "Secure" not in cookie:
            raise SimFailed(f"the session cookie is not Secure: {cookie!r}")
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page)
        if not stylesheet:
            raise SimFailed("the login page links no stylesheet under /static/")
        status, static_headers, _ = http(base + stylesheet.group(1), headers=router)
        cache = static_headers.get("Cache-Control") or ""
        if status != 200 or "max-age=31536000" not in cache:
            raise SimFailed(f"GET {stylesheet.group(1)}: {status}, Cache-Control {cache!r}")
        # an operator command, as `heroku run flask --app wsgi users create …` would run it
        password = secrets.token_urlsafe(12)
        run(
            [
                "bash",
                "-c",
                'flask --app wsgi users create ops@example.com --name "Sim Operator" '
                f"--role admin --password {password}",
            ],
            cwd=self.app_dir,
            env={**env, "DYNO": "run.1"},
        )
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if not token:
            raise SimFailed("no CSRF token on the login page")
        session = cookie.split(";", 1)[0]
        status, headers, body = http(
            f"{base}/login",
            data={"csrf_token": token.group(1), "email": "ops@example.com", "password": password},
            # Flask-WTF checks the Referer of an HTTPS form post
            headers={
                **router,
                "Cookie": session,
                "Referer": f"https://127.0.0.1:{env['PORT']}/login",
            },
        )
        if status != 302 or "/login" in (headers.get("Location") or ""):
            raise SimFailed(f"logging in answered {status}: {body[:500]}")
        logged_in = (headers.get("Set-Cookie") or session).split(";", 1)[0]
        status, _, body = http(f"{base}/", headers={**router, "Cookie": logged_in})
        if status not in (200, 302):
            raise SimFailed(f"GET / after logging in: {status}")
        say(
            f"web: /login 200 on $PORT in {self.timings['web answering']:.1f} s, /healthz/live, "
            "/healthz/ready and /healthz 200, HSTS and Secure cookie behind the router, "
            f"{stylesheet.group(1)} cached for a year, `flask users create` and a login work"
        )

    def check_worker(self, env: dict) -> None:
        code = """
from coachapp import create_app, jobs
from coachapp.extensions import db
from coachapp.models import Notification, User
app = create_app()
with app.app_context():
    user = db.session.scalar(db.select(User).filter_by(email="ops@example.com"))
    note = Notification(user_id=user.id, kind="conflict", message="heroku-sim: a worker delivers this")
    db.session.add(note)
    db.session.commit()
    job = jobs.enqueue_delivery([note.id])
    print(note.id, job.id if job else "")
"""
        note_id, _, job_id = self.python(code, env).strip().splitlines()[-1].partition(" ")
        if not job_id:
            raise SimFailed("enqueue_delivery returned no job: Redis not used?")
        check = f"""
from coachapp import create_app
from coachapp.extensions import db
from coachapp.models import Notification
app = create_app()
with app.app_context():
    print(db.session.get(Notification, {int(note_id)}).delivered_at is not None)
"""
        started = time.monotonic()
        wait_until(
            lambda: self.python(check, env).strip().endswith("True"),
            f"the worker to deliver notification {note_id} (job {job_id})",
            60,
            self.processes,
        )
        took = time.monotonic() - started
        if job_id not in self.process("worker").output():
            raise SimFailed(f"job {job_id} is not in the worker's log")
        say(f"worker: job {job_id} delivered notification {note_id} in {took:.1f} s")

    def check_scheduler(self, env: dict) -> None:
        code = """
from datetime import UTC, datetime
from zoneinfo import ZoneInfo
from redis import Redis
from rq_scheduler import Scheduler
from coachapp import create_app, jobs
app = create_app()
connection = Redis.from_url(app.config["REDIS_URL"])
key = Scheduler.scheduled_jobs_key
nightly = connection.zscore(key, jobs.NIGHTLY_JOB_ID)
sweep = connection.zscore(key, jobs.SWEEP_JOB_ID)
if nightly is None or sweep is None:
    print("missing")
else:
    local = datetime.fromtimestamp(nightly, UTC).astimezone(ZoneInfo(app.config["COACHAPP_TIMEZONE"]))
    print(local.isoformat())
"""
        local = wait_until(
            lambda: (line := self.python(code, env).strip().splitlines()[-1]) != "missing" and line,
            "the scheduler to register the nightly run and the sweep",
            60,
            self.processes,
        )
        if (
            "T02:00:00" not in local and "T03:00:00" not in local
        ):  # 03:00 only on a spring-gap night
            raise SimFailed(
                f"the nightly run is registered for {local}, not 02:00 in the gym's zone"
            )
        say(
            f"scheduler: nightly run registered for {local} ({env['COACHAPP_TIMEZONE']}), sweep registered"
        )

    def stop(self) -> None:
        started = time.monotonic()
        for process in self.processes:
            process.terminate()
        failures = []
        for process in self.processes:
            code = process.wait(GRACE_SECONDS - (time.monotonic() - started))
            output = process.output()
            if code is None:
                failures.append(f"{process.name} did not stop within {GRACE_SECONDS} s of SIGTERM")
            elif code != 0:
                failures.append(f"{process.name} exited {code} on SIGTERM")
            elif "Traceback" in output:
                failures.append(f"{process.name} printed a traceback")
            elif plain := [line for line in output.splitlines() if not _is_json(line)]:
                failures.append(f"{process.name} logged a line that is not JSON: {plain[0]!r}")
            else:
                continue
            failures[-1] += ":\n" + output[-3000:]
        self.timings["SIGTERM to all exited"] = time.monotonic() - started
        if failures:
            raise SimFailed("\n".join(failures))
        say(
            "SIGTERM: web, worker and scheduler exited 0 in "
            f"{self.timings['SIGTERM to all exited']:.1f} s; every log line was JSON"
        )

    def kill_all(self) -> None:
        for process in self.processes:
            if process.alive():
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uv", default=shutil.which("uv") or str(ROOT / ".venv" / "bin" / "uv"))
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HEROKU_SIM_POSTGRES")
        or os.environ.get("TEST_DATABASE_URL")
        or "postgresql://root@127.0.0.1:5432/postgres",
        help="a PostgreSQL server URL on which a database is created and dropped",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("HEROKU_SIM_REDIS_URL", "redis://127.0.0.1:6379/14"),
        help="the Redis database the processes use (emptied before and after)",
    )
    parser.add_argument("--port", type=int, default=0, help="$PORT for web (default: a free one)")
    parser.add_argument("--keep", action="store_true", help="keep the clone, venv and logs")
    args = parser.parse_args(argv)
    if not Path(args.uv).exists():
        parser.error(f"uv not found at {args.uv} (make heroku-sim installs it)")
    args.uv = str(Path(args.uv).resolve())

    started = time.monotonic()
    sim = Sim(args)
    ok = False
    try:
        sim.build()
        env = sim.config_vars()
        sim.flush_redis()
        say(
            f"production config: COACHAPP_ENV=production, TRUSTED_PROXIES=1, DATABASE_URL=postgres://…/{sim.database}, REDIS_URL={args.redis}, PORT={env['PORT']}"
        )
        sim.release(env)
        sim.start(env)
        sim.check_web(env)
        sim.check_worker(env)
        sim.check_scheduler(env)
        sim.stop()
        ok = True
    except (SimFailed, OSError, subprocess.SubprocessError) as exc:
        say(f"FAILED: {exc}")
        for process in sim.processes:
            say(f"--- {process.name} log (last lines) ---")
            print(process.output()[-2000:], flush=True)
    finally:
        sim.kill_all()
        try:
            sim.drop_database()
            if sim.redis_flushed:
                sim.flush_redis()
        except (SimFailed, OSError) as exc:
            say(f"cleanup: {exc}")
        if args.keep or not ok:
            say(f"kept {sim.work}")
        else:
            shutil.rmtree(sim.work, ignore_errors=True)
    total = time.monotonic() - started
    timings = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in sim.timings.items())
    say(f"{'passed' if ok else 'FAILED'} in {total:.0f} s ({timings})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

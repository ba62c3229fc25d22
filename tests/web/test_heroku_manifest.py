"""app.json (Heroku's app manifest), the Procfile and the lock file agree with what the app reads.

The settings the app reads are found two ways: by running ``load_config`` (development and
production) and ``mail.load_settings`` on an environment that records every name asked for, and by
reading the source for ``os.environ``/``os.getenv`` with a literal name. Each must be in app.json,
or be set by an add-on app.json provisions (DATABASE_URL, REDIS_URL) or by Heroku itself (PORT);
and app.json names nothing the app does not read.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Add-on plan -> the config var its default attachment sets.
ADDON_VARS = {"heroku-postgresql": "DATABASE_URL", "heroku-redis": "REDIS_URL"}
# Set by Heroku on every dyno; an app.json entry would be overwritten.
PLATFORM_VARS = {"PORT"}


def manifest() -> dict:
    return json.loads((ROOT / "app.json").read_text())


def procfile() -> dict[str, str]:
    processes = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = command.strip()
    return processes


class RecordingEnv(dict):
    """An environment that notes every name read from it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


def _literal_environ_reads() -> set[str]:
    """Names read as os.environ.get("X"), os.environ["X"] or os.getenv("X") anywhere in coachapp/."""

    def is_os_environ(node) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "environ"
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        )

    names = set()
    for path in (ROOT / "coachapp").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            key = None
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                func = node.func
                if isinstance(func, ast.Attribute) and (
                    (func.attr in {"get", "setdefault", "pop"} and is_os_environ(func.value))
                    or (
                        func.attr == "getenv"
                        and isinstance(func.value, ast.Name)
                        and func.value.id == "os"
                    )
                ):
                    key = node.args[0].value
            elif isinstance(node, ast.Subscript) and is_os_environ(node.value):
                if isinstance(node.slice, ast.Constant):
                    key = node.slice.value
            if isinstance(key, str):
                names.add(key)
    return names


def settings_the_app_reads(tmp_path) -> set[str]:
    from coachapp import mail
    from coachapp.config import load_config

    read: set[str] = set()
    for env in (
        RecordingEnv(),
        RecordingEnv(COACHAPP_ENV="production", SECRET_KEY="x" * 64, TRUSTED_PROXIES="1"),
    ):
        load_config(tmp_path, env)
        read |= env.read
    config = RecordingEnv()
    mail.load_settings(config)
    read |= config.read
    read |= _literal_environ_reads()
    for command in procfile().values():
        read |= set(re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)", command))
    return read


def test_the_formation_runs_every_procfile_process_and_release_is_the_procfiles():
    processes = procfile()
    assert (
        set(manifest()["formation"])
        == set(processes) - {"release"}
        == {
            "web",
            "worker",
            "scheduler",
        }
    )
    assert processes["release"] == "flask --app wsgi db upgrade"
    assert all(entry["quantity"] >= 1 for entry in manifest()["formation"].values())
    # one scheduler: a second one would only wait for the first one's lock (coachapp/scheduler.py)
    assert manifest()["formation"]["scheduler"]["quantity"] == 1


def test_web_binds_port_and_the_addons_are_postgres_and_redis():
    assert re.search(r"--bind 0\.0\.0\.0:\$\{?PORT\b", procfile()["web"])
    addons = [a if isinstance(a, str) else a["plan"] for a in manifest()["addons"]]
    assert sorted(addon.split(":")[0] for addon in addons) == sorted(ADDON_VARS)
    assert {"url": "heroku/python"} in manifest()["buildpacks"]


def test_app_json_names_exactly_the_settings_the_app_reads(tmp_path):
    read = settings_the_app_reads(tmp_path)
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PORT", "MAIL_SERVER"} <= read  # sanity
    env = set(manifest()["env"])
    provided = env | set(ADDON_VARS.values()) | PLATFORM_VARS
    assert read - provided == set(), "read by the app but missing from app.json"
    assert env - read == set(), "in app.json but never read by the app"
    assert env.isdisjoint(set(ADDON_VARS.values()) | PLATFORM_VARS), "set by an add-on or Heroku"


def test_every_setting_is_described_and_says_whether_it_is_required():
    env = manifest()["env"]
    for name, entry in env.items():
        assert isinstance(entry, dict), name
        assert len(entry.get("description", "")) > 10, name
        assert isinstance(entry.get("required"), bool), name
        if "value" in entry:
            assert isinstance(entry["value"], str), name
    assert env["SECRET_KEY"] == {**env["SECRET_KEY"], "generator": "secret", "required": True}
    assert env["COACHAPP_ENV"]["value"] == "production" and env["COACHAPP_ENV"]["required"]
    assert env["TRUSTED_PROXIES"]["value"] == "1"
    required = {name for name, entry in env.items() if entry["required"]}
    # a required setting has a value or a generator, so a deploy never stops to ask for one
    assert all("value" in env[name] or "generator" in env[name] for name in required)


def test_the_manifests_values_start_the_app_in_production(tmp_path):
    from coachapp.config import load_config

    environ = {name: e["value"] for name, e in manifest()["env"].items() if "value" in e}
    environ["SECRET_KEY"] = "generated-by-heroku-" + "f" * 44
    environ["DATABASE_URL"] = "postgres://u:p@db.example.com:5432/d1"  # Heroku's form
    environ["REDIS_URL"] = "redis://h:p@redis.example.com:6379"
    config = load_config(tmp_path, environ)
    assert config["PRODUCTION"] and config["SESSION_COOKIE_SECURE"]
    assert config["TRUSTED_PROXIES"] == 1
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert not (tmp_path / "secret_key").exists()  # the generated key is used, none is written


def test_heroku_redis_tls_url_is_used_without_checking_its_self_signed_certificate(tmp_path):
    """Heroku's Redis gives a rediss:// REDIS_URL with a self-signed certificate; with app.json's
    REDIS_TLS_VERIFY=false every client built from the URL encrypts without checking it."""
    from redis import Redis

    from coachapp.config import ConfigError, load_config

    environ = {name: e["value"] for name, e in manifest()["env"].items() if "value" in e}
    environ.update(SECRET_KEY="k" * 64, REDIS_URL="rediss://:pw@ec2-1-2-3-4.example.com:6380")
    url = load_config(tmp_path, environ)["REDIS_URL"]
    kwargs = Redis.from_url(url).connection_pool.connection_kwargs
    assert kwargs["ssl_cert_reqs"] == "none" and kwargs["password"] == "pw"

    checked = load_config(tmp_path, {**environ, "REDIS_TLS_VERIFY": "true"})["REDIS_URL"]
    assert "ssl_cert_reqs" not in Redis.from_url(checked).connection_pool.connection_kwargs
    plain = load_config(tmp_path, {**environ, "REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert plain["REDIS_URL"] == "redis://127.0.0.1:6379/3"
    with pytest.raises(ConfigError, match="REDIS_TLS_VERIFY"):
        load_config(tmp_path, {**environ, "REDIS_TLS_VERIFY": "maybe"})


def test_nothing_is_seeded_after_a_deploy():
    postdeploy = manifest().get("scripts", {}).get("postdeploy", "")
    assert "seed" not in postdeploy


def test_the_lock_file_matches_pyproject_and_python_is_pinned():
    """uv.lock is what Heroku's buildpack installs (`uv sync --locked`): the project's entry lists
    the dependencies pyproject.toml declares (`make lock-check` compares versions too), and
    .python-version names a minor version that requires-python accepts."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    [entry] = [p for p in lock["package"] if p["name"] == "coachapp"]

    def names(requirements) -> set[str]:
        return {
            re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower().replace("_", "-")
            for r in requirements
        }

    locked_runtime = {d["name"] for d in entry["dependencies"]}
    assert locked_runtime == names(project["dependencies"])
    locked_test = {d["name"] for d in entry["optional-dependencies"]["test"]}
    assert locked_test == names(project["optional-dependencies"]["test"])
    assert lock["requires-python"] == project["requires-python"]

    python = (ROOT / ".python-version").read_text().strip()
    assert re.fullmatch(r"3\.\d+", python), "a minor version, so Heroku installs patch releases"
    minimum = tuple(
        int(x) for x in re.search(r">=\s*(3\.\d+)", project["requires-python"]).group(1).split(".")
    )
    assert tuple(int(x) for x in python.split(".")) >= minimum


def test_the_test_tools_are_not_installed_for_the_app():
    """`make run` and Heroku install [project].dependencies only: none of the test tools."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"]).lower()
    for tool in ("pytest", "playwright", "schemathesis", "mutmut", "hypothesis", "ruff"):
        assert tool not in runtime


@pytest.mark.parametrize("process", ["worker", "scheduler"])
def test_background_processes_run_the_apps_modules(process):
    module = re.fullmatch(r"python -m ([\w.]+)", procfile()[process]).group(1)
    assert (ROOT / (module.replace(".", "/") + ".py")).exists()

"""Settings read from the environment, with embedded defaults for a laptop."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .logs import log_level


class ConfigError(RuntimeError):
    """The environment asks for something the app cannot run with."""


def normalize_database_url(url: str) -> str:
    """Accept Heroku's ``postgres://`` form and pick the psycopg 3 driver for PostgreSQL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def check_timezone(name: str, setting: str = "COACHAPP_TIMEZONE") -> str:
    """Return ``name`` if it is a known IANA zone, else raise a ConfigError naming the setting."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a name too long for a file
        raise ConfigError(f"{setting}={name[:60]!r} is not a known IANA time zone") from exc
    return name


def _development_secret(instance_path: Path) -> str:
    """A random key generated once per checkout and kept under instance/, so logins survive restarts."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def engine_options(url: str) -> dict:
    """Engine settings: test pooled connections before use (a restarted database is survived);
    PostgreSQL sessions in UTC, so instants come back without a per-value zone conversion."""
    options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options["connect_args"] = {"options": "-c timezone=UTC"}
    return options


def _count_setting(value: str, setting: str) -> int:
    """A small non-negative whole number from the environment, or a ConfigError naming it."""
    if not value.strip().isdigit() or int(value) > 10:
        raise ConfigError(f"{setting}={value!r} must be a whole number from 0 to 10")
    return int(value)


def _cache_size(value: str) -> int:
    """CACHE_SIZE: entries per process, 0 to 100,000, or a ConfigError naming it."""
    if not value.strip().isdigit() or int(value) > 100_000:
        raise ConfigError(f"CACHE_SIZE={value!r} must be a whole number from 0 to 100000")
    return int(value)


def _byte_size(value: str, setting: str) -> int:
    """A request size limit in bytes, from 1 KiB to 1 GiB, or a ConfigError naming it."""
    if not value.strip().isdigit() or not 1024 <= int(value) <= 2**30:
        raise ConfigError(f"{setting}={value!r} must be a whole number of bytes from 1024 to 2^30")
    return int(value)


def reminder_hours(value: str) -> int:
    """COACHAPP_REMINDER_HOURS: how long before a session its reminder is sent (and the feeds'
    VALARM rings), 1 to 168 hours, or a ConfigError naming the setting."""
    if not value.strip().isdigit() or not 1 <= int(value) <= 168:
        raise ConfigError(
            f"COACHAPP_REMINDER_HOURS={value[:20]!r} must be a whole number of hours from 1 to 168"
        )
    return int(value)


_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def flag(value: str, setting: str) -> bool:
    """A yes/no setting: ``true``/``false`` (also 1/0, yes/no, on/off; any case)."""
    spelled = value.strip().lower()
    if spelled in ("true", "1", "yes", "on"):
        return True
    if spelled in ("false", "0", "no", "off", ""):
        return False
    raise ConfigError(f"{setting}={value[:20]!r} must be true or false")


def redis_url(value: str | None, verify: str | None) -> str | None:
    """REDIS_URL, empty = None. With REDIS_TLS_VERIFY=false a TLS URL (``rediss://``) gets
    ``ssl_cert_reqs=none``: the connection stays encrypted but the server's certificate is not
    checked, as Heroku's Redis (Key-Value Store) presents a self-signed one. Every Redis client of
    the app (RQ, the scheduler, Flask-Limiter, the readiness check) is built from this URL."""
    flag = (verify or "true").strip().lower()
    if flag not in {"true", "false"}:
        raise ConfigError(f"REDIS_TLS_VERIFY={verify[:20]!r} must be true or false")
    if not value:
        return None
    if flag == "false" and value.startswith("rediss://") and "ssl_cert_reqs=" not in value:
        value += ("&" if "?" in value else "?") + "ssl_cert_reqs=none"
    return value


def cors_origins(value: str) -> tuple[str, ...]:
    """CORS_ORIGINS: comma-separated exact origins (``https://app.example.com``, no path, no
    wildcard); empty = no cross-origin use. Anything else is a ConfigError naming the setting."""
    origins = tuple(part.strip().rstrip("/").lower() for part in value.split(",") if part.strip())
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise ConfigError(
                f"CORS_ORIGINS: {origin!r} is not an origin like https://app.example.com "
                "(scheme, host and optional port; no path, no wildcard)"
            )
    return origins


_APP_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?")


def app_url(value: str) -> str | None:
    """APP_URL: the address people open the app at (``https://gym.example.com``, optionally with
    a path), used for links in mails; empty = unknown (mails then carry no link). Stored without
    a trailing slash. Anything else is a ConfigError naming the setting."""
    url = value.strip().rstrip("/")
    if not url:
        return None
    if not _APP_URL.fullmatch(url):
        raise ConfigError(
            f"APP_URL={value[:80]!r} is not an address like https://gym.example.com "
            "(scheme, host, optional port and path; no query)"
        )
    return url


def gym_name(value: str) -> str:
    """GYM_NAME: the name mails are signed with and sent as; 1 to 80 characters on one line."""
    name = " ".join(value.split())
    if not name or len(name) > 80:
        raise ConfigError(f"GYM_NAME={value[:80]!r} must be 1 to 80 characters")
    return name


def load_config(instance_path: Path, environ: os._Environ | dict | None = None) -> dict:
    """Build the Flask config mapping from the environment (``environ`` defaults to os.environ)."""
    env = os.environ if environ is None else environ
    production = env.get("COACHAPP_ENV", env.get("FLASK_ENV", "development")) == "production"

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'coachapp.sqlite3'}"
    secret_key = env.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. In production coachapp refuses to start without it: "
                "set SECRET_KEY to a long random string (e.g. `python -c 'import secrets; "
                "print(secrets.token_hex(32))'`)."
            )
        secret_key = _development_secret(instance_path)

    config = {
        "PRODUCTION": production,
        # How many proxies in front of the app set X-Forwarded-For/-Proto (Heroku's router: 1).
        # 0 trusts none, so a client cannot fake its address to dodge the login rate limit.
        "TRUSTED_PROXIES": _count_setting(env.get("TRUSTED_PROXIES", "0"), "TRUSTED_PROXIES"),
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(normalize_database_url(database_url)),
        "REDIS_URL": redis_url(env.get("REDIS_URL"), env.get("REDIS_TLS_VERIFY")),
        "COACHAPP_TIMEZONE": check_timezone(env.get("COACHAPP_TIMEZONE", "Europe/Berlin")),
        # Where people open the app (links in mails) and the gym's name (mails' sender and
        # signature); see coachapp/notice_mail.py.
        "APP_URL": app_url(env.get("APP_URL", "")),
        "GYM_NAME": gym_name(env.get("GYM_NAME", "coachapp")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        # A request body over this many bytes is refused with 413 before it is read (werkzeug
        # checks Content-Length, and counts a chunked body as it streams in).
        "MAX_CONTENT_LENGTH": _byte_size(
            env.get("MAX_CONTENT_LENGTH", str(1024 * 1024)), "MAX_CONTENT_LENGTH"
        ),
        # Our forms are a few short fields. A url-encoded form is held to MAX_CONTENT_LENGTH
        # (werkzeug parses it in one piece); a multipart one also to 64 KiB per text field and
        # 100 parts. Beyond either: 413.
        "MAX_FORM_MEMORY_SIZE": 64 * 1024,
        "MAX_FORM_PARTS": 100,
        # Origins whose pages may call the JSON API from a browser; none by default.
        "CORS_ORIGINS": cors_origins(env.get("CORS_ORIGINS", "")),
        "MATERIALIZE_WEEKS": 6,
        # Reminders: sent this many hours before a session starts (`flask reminders send`, every
        # 10 minutes from the scheduler); the calendar feeds' VALARM rings at the same offset.
        "COACHAPP_REMINDER_HOURS": reminder_hours(env.get("COACHAPP_REMINDER_HOURS", "24")),
        # Memberships: true makes one mandatory for every one-to-one session and group place of a
        # member (409 no_membership / no_credits / weekly_limit); false uses one when the member
        # has one (services/memberships.py).
        "COACHAPP_REQUIRE_MEMBERSHIP": flag(
            env.get("COACHAPP_REQUIRE_MEMBERSHIP", "false"), "COACHAPP_REQUIRE_MEMBERSHIP"
        ),
        # Rendered parts of pages each web process keeps, keyed by the data version (see
        # coachapp/cache.py); 0 turns the cache off.
        "CACHE_SIZE": _cache_size(env.get("CACHE_SIZE", "512")),
        # JSON log lines on stderr from this level up (coachapp/logs.py).
        "LOG_LEVEL": log_level(env.get("LOG_LEVEL")),
        # Failed logins per client address and per account email and address (docs/rules.md).
        # Counted in Redis by Flask-Limiter when REDIS_URL is set, so every gunicorn worker shares
        # the count (Redis down: each worker counts in memory, logins never fail on it); in the
        # database (login_failures) otherwise, as Flask-Limiter's memory is per process.
        "LOGIN_RATE_LIMITED": True,
        "LOGIN_LIMIT_PER_ADDRESS": "10 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per minute",
        "RATELIMIT_KEY_PREFIX": "coachapp",
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
    }
    return config

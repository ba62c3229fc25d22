"""Failed logins made by another process: what a second gunicorn worker would do, for the tests
that prove the login limits are shared between processes (database counter, or Redis)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def fail_logins_in_another_process(
    database_url: str, email: str, address: str, times: int = 5, **config
) -> subprocess.CompletedProcess:
    """Post ``times`` wrong passwords for ``email`` from ``address`` in a fresh Python process
    (its own app, limits on, ``config`` added); it exits 0 when each answer was a plain 422."""
    extra = "".join(f", {name}={value!r}" for name, value in config.items())
    script = (
        "import sys; from coachapp import create_app; "
        "from tests.conftest import make_test_config as c; "
        f"app = create_app(c({database_url!r}, LOGIN_RATE_LIMITED=True{extra})); "
        "cl = app.test_client(); "
        f"codes = [cl.post('/login', data={{'email': {email!r}, 'password': 'no'}}, "
        f"environ_base={{'REMOTE_ADDR': {address!r}}}).status_code for _ in range({times})]; "
        f"sys.exit(0 if codes == [422] * {times} else codes[0] % 256)"
    )
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)

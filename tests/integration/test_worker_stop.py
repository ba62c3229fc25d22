"""The worker's stop deadline: once asked to stop, it is gone within STOP_DEADLINE_SECONDS even
when RQ's own shutdown hangs, and takes its forked children with it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from coachapp import worker

ROOT = Path(__file__).resolve().parents[2]

HANGING = """
import subprocess, sys, time
from coachapp.worker import exit_after
child = subprocess.Popen(["sleep", "60"])
print(child.pid, flush=True)
exit_after(0.3, lambda: [child.pid])
time.sleep(60)  # a shutdown that never finishes
sys.exit(3)
"""


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # dead; reaping is init's business once its parent is gone


def test_a_hanging_stop_ends_at_the_deadline_with_its_children():
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", HANGING], cwd=ROOT, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 20
    assert "still stopping 0 s after SIGTERM; exiting now" in done.stderr
    child = int(done.stdout.split()[0])
    deadline = time.monotonic() + 5
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(child)


def test_the_deadline_is_well_inside_herokus_thirty_seconds():
    assert 0 < worker.STOP_DEADLINE_SECONDS <= 20

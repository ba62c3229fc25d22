"""Pinning the app's clock in a test (the web tests' ``clock`` fixture, and service tests that
compare times the services stamp)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime


def pin_clock(monkeypatch, now: Callable[[], datetime]) -> None:
    """Make ``now()`` (an aware datetime) the app's clock for one test: ``utcnow`` in every loaded
    coachapp module, which the models' creation-time defaults also read (``models._stamp``).
    Without the creation times a row made during the test says it was made today, after the pinned
    "now" once the real date passes it, and what compares the two (a feed's LAST-MODIFIED, an age)
    changes with the date the suite runs on."""
    for name, module in list(sys.modules.items()):
        if (name == "coachapp" or name.startswith("coachapp.")) and callable(
            getattr(module, "utcnow", None)
        ):
            monkeypatch.setattr(module, "utcnow", now)

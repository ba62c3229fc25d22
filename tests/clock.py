"""Pinning the app's clock in a test (the web tests' ``clock`` fixture, and service tests that
compare times the services stamp)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime


def pin_clock(monkeypatch, now: Callable[[], datetime]) -> None:
    """Make ``now()`` (an aware datetime) the app's clock for one test: ``utcnow`` in every loaded
    coachapp module, and the creation times the models stamp by default (their column defaults
    hold the real ``utcnow``). Without the second part a row made during the test says it was made
    today, after the pinned "now" once the real date passes it, and what compares the two (a
    feed's LAST-MODIFIED, an age) changes with the date the suite runs on."""
    from coachapp.extensions import db

    for name, module in list(sys.modules.items()):
        if (name == "coachapp" or name.startswith("coachapp.")) and callable(
            getattr(module, "utcnow", None)
        ):
            monkeypatch.setattr(module, "utcnow", now)
    for table in db.metadata.tables.values():
        for column in table.columns:
            for default in (column.default, column.onupdate):
                real = getattr(getattr(default, "arg", None), "__wrapped__", None)
                if getattr(real, "__qualname__", None) == "utcnow" and getattr(
                    real, "__module__", None
                ) == "coachapp.models":
                    monkeypatch.setattr(default, "arg", lambda _context: now())

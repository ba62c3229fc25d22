"""State the fuzz run shares between collection, fixtures and the summary.

schemathesis draws its example and coverage cases while pytest collects, before any fixture has
run, and sets the Authorization header on them then: so the admin's token is chosen here, at
import, and the ``fuzz_server`` fixture stores it (as its hash, like any issued token).
"""

import secrets
from collections import Counter

TOKEN = "ca_fuzz_" + secrets.token_urlsafe(24)
"""The demo admin's API token for this run."""

TALLY: Counter = Counter()
"""Responses seen by status class ("2xx" …), by status and by operation, and "requests"."""

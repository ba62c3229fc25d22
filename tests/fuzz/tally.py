"""State the fuzz run shares between collection, fixtures and the summary.

schemathesis draws its example and coverage cases while pytest collects, before any fixture has
run, and sets the Authorization header on them then: so the admin's token is chosen here, at
import, and the ``fuzz_server`` fixture stores it (as its hash, like any issued token). The ids
that exist are only known once that fixture has filled the database: it puts them in
``EXISTING``, which the test's ``before_call`` hook reads when each request is sent.
"""

import secrets
from collections import Counter

TOKEN = "ca_fuzz_" + secrets.token_urlsafe(24)
"""The demo admin's API token for this run."""

TALLY: Counter = Counter()
"""Responses seen by status class ("2xx" …), by status and by operation, and "requests"."""

EXISTING: dict[str, list[str]] = {}
"""Ids that exist in the served database, by kind ("coaches", "sessions" …), filled by the
``fuzz_server`` fixture."""


def split(tally: Counter) -> dict[str, int]:
    """The answers by what they say about reaching the code: a 2xx or a 4xx other than 404 got
    past the routing and the lookups, a 404 did not (or rightly found nothing), a 5xx is a bug."""
    statuses = {int(key.split()[1]): n for key, n in tally.items() if key.startswith("status ")}
    return {
        "2xx": sum(n for status, n in statuses.items() if 200 <= status < 300),
        "4xx other than 404": sum(
            n for status, n in statuses.items() if 400 <= status < 500 and status != 404
        ),
        "404": statuses.get(404, 0),
        "5xx": sum(n for status, n in statuses.items() if status >= 500),
    }


def reached_share(tally: Counter) -> float:
    """The share of answers that are a 2xx or a 4xx other than 404 (0 when nothing was sent)."""
    parts = split(tally)
    total = sum(parts.values())
    return (parts["2xx"] + parts["4xx other than 404"]) / total if total else 0.0

"""The domain's vocabulary is named once (``coachapp.vocab``): no module or template spells a
status, a session type, a canceller or a notification kind as a bare string, and no line that
speaks of a role spells the role.

A bare ``"scheduled"`` compares and stores the same as ``SessionStatus.SCHEDULED`` today; it is
the copy that drifts (a typo never fails, a renamed state leaves it behind). The scan reads the
source, so a new literal fails here naming ``file:line``.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest

from coachapp import vocab

ROOT = Path(__file__).resolve().parents[2]
EXEMPT = {Path("coachapp/vocab.py")}  # the one place the spellings live

STATE_ENUMS: tuple[type[StrEnum], ...] = (
    vocab.SessionType,
    vocab.SessionStatus,
    vocab.BookingStatus,
    vocab.SeriesStatus,
    vocab.Canceller,
    vocab.NotificationKind,
    vocab.EventStatus,
    vocab.MembershipStatus,
)
# PlanKind is left out: "credits" is also the name of a plan's field (and of a form input).


def _quoted(values) -> re.Pattern[str]:
    """A value in matching quotes, not part of a longer name (``"GROUP"``, ``'scheduled'``)."""
    alternatives = "|".join(sorted({re.escape(v) for v in values}, key=len, reverse=True))
    return re.compile(rf"""(?<![\w.])(["'])({alternatives})\1""")


STATE_LITERAL = _quoted(v for enum in STATE_ENUMS for v in vocab.values(enum))
# A role's spelling also names blueprints, template folders and query parameters ("coach",
# "member"); it counts as a role where the line speaks of one, and not as a mapping's key.
ROLE_LITERAL = _quoted(vocab.values(vocab.Role))
MAPPING_KEY = re.compile(r"""([{,]\s*)(["'])\w+\2(\s*:)""")
ROLE_LINE = re.compile(r"\brole\b|\broles_required\(|\brole=")


def _sources() -> list[Path]:
    found = sorted((ROOT / "coachapp").rglob("*.py")) + sorted((ROOT / "templates").rglob("*.html"))
    return [p for p in found if p.relative_to(ROOT) not in EXEMPT]


def bare_literals(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line: literal`` for each bare vocabulary literal in ``path``."""
    out = []
    name = path.relative_to(root).as_posix()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        code = line.strip()
        if code.startswith("#") or code.startswith("{#"):
            continue
        hits = [m.group(0) for m in STATE_LITERAL.finditer(line)]
        if ROLE_LINE.search(line):
            keys_removed = MAPPING_KEY.sub(r"\1\3", line)
            hits += [m.group(0) for m in ROLE_LITERAL.finditer(keys_removed)]
        out += [f"{name}:{number}: {hit}" for hit in hits]
    return out


def test_the_scan_finds_a_bare_literal(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "if s.status == \"scheduled\" and b.status != 'CONFIRMED':\n"
        "    pass\n"
        '# "GROUP" in a comment is prose\n'
        'if user.role == "coach":\n'
        '    bp = Blueprint("member", __name__)\n'
        'args = {"coach": coach_id} if current_user.role == Role.ADMIN else {}\n'
        'query = "SELECT session_id FROM bookings GROUP BY session_id"\n'
        "kind = NotificationKind.SESSION_MOVED\n"
    )
    assert bare_literals(sample, tmp_path) == [
        'sample.py:1: "scheduled"',
        "sample.py:1: 'CONFIRMED'",
        'sample.py:4: "coach"',
    ]


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_bare_vocabulary_literal(path):
    found = bare_literals(path)
    assert not found, "use the coachapp.vocab members instead:\n" + "\n".join(found)

"""The suite's own layout: test folders are not packages, so pytest imports each test module by
its file name, and two files with the same name in different folders make the whole run fail
with "import file mismatch" (as tests/e2e/test_memberships.py and tests/integration/
test_memberships.py once did)."""

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_module_has_a_name_of_its_own():
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []

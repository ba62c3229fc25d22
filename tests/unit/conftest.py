"""Unit tests of the scheduling core: no app, no database."""

import pytest

from coachapp.scheduling import gap_days


@pytest.fixture(autouse=True)
def fresh_gap_days():
    """Each test works out the zones' spring gaps itself instead of reading an earlier test's.

    ``gap_days`` is cached per process; a mutation run forks its workers from a process whose
    cache the clean run already filled, so without this a mutant inside the gap search would be
    answered from the cache and never be tested.
    """
    gap_days.cache_clear()
    yield

"""The tests' controlled clock.

Every test starts at one fixed instant (``PINNED``) and the clock then ticks normally, so a test's result never
depends on the day or hour the suite runs. The instant is chosen, not taken from the wall clock:

- by default ``DEFAULT_PINNED``, a Monday in the middle of a month, mid-morning in Shanghai, inside the window
  where the registry simulator's fixed data set says what the tests read from it (drawn as of 2026-11-01, its
  "expiring soon" certificates have all lapsed by 8 December 2026 and the next lapses on 12 March 2027);
- ``FIRE_TEST_NOW=2027-01-01T00:05:00+08:00`` pins another instant (an ISO 8601 instant with its offset);
- ``FIRE_TEST_NOW=process`` pins the process clock as it reads when the session starts, which is how
  ``scripts/clock-sweep.sh`` runs the suite under libfaketime at the calendar edges the product's rules cut at.

The library is time-machine (not freezegun): it patches the C-level clocks (``time.time``, ``datetime.now``,
``date.today``, ``time.time_ns``…) once instead of rewriting every imported module, so a pinned test costs
microseconds and third-party code (PyJWT, RQ, itsdangerous) sees the same instant as ours. ``time.monotonic`` and
``perf_counter`` are left real: they measure durations, never business time.

Tests that need another instant travel explicitly with ``travel_to`` (a context manager) or the ``clock``
fixture's ``move_to``/``shift``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import time_machine

from backend.core.timeutil import SHANGHAI

DEFAULT_PINNED = datetime(2026, 12, 14, 10, 0, tzinfo=SHANGHAI)


def _pinned_instant() -> datetime:
    configured = os.environ.get("FIRE_TEST_NOW", "").strip()
    if not configured:
        return DEFAULT_PINNED
    if configured == "process":
        # Read once per process (each xdist worker reads its own libfaketime clock at start-up).
        return datetime.now(UTC).replace(microsecond=0)
    value = datetime.fromisoformat(configured)
    if value.tzinfo is None:
        raise ValueError("FIRE_TEST_NOW needs an offset, e.g. 2027-01-01T00:05:00+08:00")
    return value


PINNED = _pinned_instant()

# The registry simulator's data set (backend/data/registry) was drawn as of 2026-11-01 and is fixed: the tests
# that read it (its organisations' real staff, certificates that lapse on given days, the v1 sample export drawn
# from it) state facts that hold between its last "expiring soon" lapse and its next one. Such a test is marked
# ``registry_data``: it runs at the pinned instant while that lies inside the window (so the sweep's edges within
# the window reach it too) and at DEFAULT_PINNED otherwise, so it never turns red as the years pass.
REGISTRY_DATA_WINDOW = (datetime(2026, 12, 9, tzinfo=SHANGHAI), datetime(2027, 3, 12, tzinfo=SHANGHAI))


def instant_for(registry_data: bool) -> datetime:
    """Where a test starts: the pinned instant, or for a registry_data test one inside the data set's window."""
    if registry_data and not REGISTRY_DATA_WINDOW[0] <= PINNED < REGISTRY_DATA_WINDOW[1]:
        return DEFAULT_PINNED
    return PINNED


@contextmanager
def travel_to(moment: datetime, *, tick: bool = True) -> Iterator[time_machine.Traveller]:
    """Move the clock to ``moment`` (aware) for the block; ``tick=False`` holds it still."""
    if moment.tzinfo is None:
        raise ValueError("travel to an aware instant")
    with time_machine.travel(moment, tick=tick) as traveller:
        yield traveller

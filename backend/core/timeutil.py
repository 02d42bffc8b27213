"""The product's one clock: store UTC, show and schedule in Asia/Shanghai, aware datetimes only.

Every "now" and "today" of business time comes from here (ruff's banned-api rule refuses ``datetime.now``,
``date.today``, ``time.time`` elsewhere), so the tests can pin it (tests/clock.py). ``time.monotonic`` stays free
for timing durations, locks and caches, which are not business time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def epoch_seconds() -> float:
    """Seconds since the Unix epoch, for protocols that speak in timestamps (JWT ``exp``, WeChat, signatures)."""
    return utcnow().timestamp()


def now() -> datetime:
    """Current time in Asia/Shanghai (aware)."""
    return datetime.now(SHANGHAI)


def today() -> date:
    """Today's date as Shanghai sees it (a day starts at 00:00 CST, not UTC)."""
    return now().date()


def ensure_aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime: every time in the system must carry its offset")
    return value


def to_local(value: datetime) -> datetime:
    return ensure_aware(value).astimezone(SHANGHAI)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """UTC instants of the start and end of a Shanghai calendar day."""
    start = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """UTC instants of the start and end of a Shanghai calendar month."""
    start = datetime(year, month, 1, tzinfo=SHANGHAI)
    nxt = datetime(year + (month // 12), month % 12 + 1, 1, tzinfo=SHANGHAI)
    return start.astimezone(UTC), nxt.astimezone(UTC)

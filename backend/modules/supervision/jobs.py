"""Job entry points (load ids, call a service) and the periodic tasks of the supervision module."""

from __future__ import annotations

from typing import Any

from backend.core.jobs import BackgroundJob
from backend.core.schedule import Periodic

from . import spot_checks


def notify_spot_check(job: BackgroundJob, spot_check_id: int) -> dict[str, Any] | None:
    check = spot_checks.notify_spot_check(spot_check_id)
    return {"notified_via": check.notified_via, "error": check.notify_error}


def expire_spot_checks() -> int:
    """Periodic: close spot checks whose deadline passed unanswered."""
    return spot_checks.expire_overdue()


PERIODIC = (Periodic("expire_spot_checks", expire_spot_checks, 60),)

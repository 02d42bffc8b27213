"""Job entry points: load ids, call a service."""

from __future__ import annotations

from typing import Any

from backend.core.jobs import BackgroundJob

from . import spot_checks


def notify_spot_check(job: BackgroundJob, spot_check_id: int) -> dict[str, Any] | None:
    check = spot_checks.notify_spot_check(spot_check_id)
    return {"notified_via": check.notified_via, "error": check.notify_error}

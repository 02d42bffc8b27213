"""Background entry points of the feedback module (thin: load ids, call a service) and its periodic tasks."""

from __future__ import annotations

from typing import Any

from backend.core.jobs import BackgroundJob
from backend.core.schedule import Periodic

from . import services


def deliver_feedback(job: BackgroundJob, feedback_id: int) -> dict[str, Any]:
    """Push a feedback to the client contact (notifications queue)."""
    return services.deliver(feedback_id)


# Periodic entry points: defined here (services enqueues deliver_feedback, so it imports this module first).
def collect_visit_feedback() -> Any:
    return services.collect_visit_feedback()


def run_monthly_feedback() -> Any:
    return services.run_monthly_feedback()


def expire_overdue_feedback() -> Any:
    return services.expire_overdue_feedback()


PERIODIC = (
    Periodic("feedback_after_visits", collect_visit_feedback, 300),
    Periodic("feedback_monthly", run_monthly_feedback, 3600),
    Periodic("feedback_expire", expire_overdue_feedback, 900),
)

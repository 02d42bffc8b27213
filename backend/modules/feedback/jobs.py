"""Background entry points of the feedback module (thin: load ids, call a service) and its periodic tasks."""

from __future__ import annotations

from typing import Any

from backend.core.jobs import BackgroundJob
from backend.core.schedule import Periodic, register

from . import services

register(Periodic("feedback_after_visits", "backend.modules.feedback.services.collect_visit_feedback", 300))
register(Periodic("feedback_monthly", "backend.modules.feedback.services.run_monthly_feedback", 3600))
register(Periodic("feedback_expire", "backend.modules.feedback.services.expire_overdue_feedback", 900))


def deliver_feedback(job: BackgroundJob, feedback_id: int) -> dict[str, Any]:
    """Push a feedback to the client contact (notifications queue)."""
    return services.deliver(feedback_id)

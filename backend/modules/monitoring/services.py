"""What the schedules and the scan endpoint run: the warning scans followed by the scores they affect."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.core.access import Actor
from backend.core.db import db, unit_of_work
from backend.core.errors import ValidationFailed
from backend.core.jobs import enqueue
from backend.core.timeutil import today, utcnow

from . import jobs, scores
from .sqlutil import local_midnight
from .warnings import engine

# Events after which the organisations and practitioners they name are scored again (cheap: a few aggregate
# queries restricted to those subjects).
SCORE_EVENT_PREFIXES = ("feedback.", "penalty.", "spot_check.", "visit.", "employment.", "report.submitted")
MAX_SCAN_DAYS = 92
EARLIEST_SCAN = datetime(2015, 1, 1, tzinfo=UTC)  # before any data this system can hold


def after_new_events() -> dict[str, Any]:
    """Every minute: the rules the new timeline events trigger, then the scores of whom they concern."""
    result, batch = engine.scan_new_events()
    org_ids, practitioner_ids = set(), set()
    if any(kind.startswith(SCORE_EVENT_PREFIXES) for kind in batch.kinds):
        org_ids |= batch.org_ids
        practitioner_ids |= batch.practitioner_ids
    if result is not None:
        org_ids |= result.org_ids
        practitioner_ids |= result.practitioner_ids
    scored = scores.recompute(org_ids, practitioner_ids) if org_ids or practitioner_ids else {}
    return {"scan": result.as_dict() if result else None, "scored": scored, "last_event_id": batch.last_id}


def periodic_scan() -> dict[str, Any]:
    result = engine.periodic_scan()
    if result.org_ids or result.practitioner_ids:
        scores.recompute(result.org_ids, result.practitioner_ids)
    return result.as_dict()


def run_scan(since: datetime, until: datetime, rules: Iterable[str] | None = None) -> dict[str, Any]:
    result = engine.scan(engine.day_window(since, until), list(rules) if rules is not None else None)
    if result.org_ids or result.practitioner_ids:
        scores.recompute(result.org_ids, result.practitioner_ids)
    return result.as_dict()


def request_scan(actor: Actor, rules: list[str] | None, since: datetime | None, until: datetime | None) -> Any:
    """The corps admin asks for a scan now (after changing a threshold, say); it runs as a background job."""
    end = until or utcnow()
    start = since or local_midnight(today() - timedelta(days=1))
    if (
        start >= end
        or end - start > timedelta(days=MAX_SCAN_DAYS)
        or start < EARLIEST_SCAN
        or end > utcnow() + timedelta(days=1)
    ):
        raise ValidationFailed("scan_window_invalid", details={"fields": {"since": ["时间范围无效"]}})
    with unit_of_work() as uow:
        job = enqueue(
            jobs.run_scan,
            since=start.isoformat(),
            until=end.isoformat(),
            rules=rules,
        )
        uow.commit()
    db.session.refresh(job)
    return {"job_id": job.id, "status": job.status}

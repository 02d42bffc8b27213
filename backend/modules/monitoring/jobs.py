"""Job entry points and periodic tasks of the monitoring module. Thin: each calls one service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.core.jobs import BackgroundJob
from backend.core.schedule import Periodic

from . import reports, scores, services


def scan_new_events() -> dict[str, Any]:
    return services.after_new_events()


def scan_periodic() -> dict[str, Any]:
    return services.periodic_scan()


def compile_reports() -> dict[str, Any]:
    return {"compiled": reports.compile_due()}


def recompute_scores() -> dict[str, int]:
    return scores.recompute_all()


def run_scan(job: BackgroundJob, since: str, until: str, rules: list[str] | None = None) -> dict[str, Any]:
    return services.run_scan(datetime.fromisoformat(since), datetime.fromisoformat(until), rules)


PERIODIC = (
    Periodic("monitoring_event_scan", scan_new_events, 60),
    Periodic("monitoring_periodic_scan", scan_periodic, 3600),
    Periodic("monitoring_compile_reports", compile_reports, 3600),
    Periodic("monitoring_scores_nightly", recompute_scores, 86400),
)

"""The export job (run by an RQ worker, or in-process on the embedded default)."""

from __future__ import annotations

from typing import Any

from backend.core.jobs import BackgroundJob

from . import services


def run_export(job: BackgroundJob, user_id: int, list: str, filters: dict[str, Any], format: str) -> dict[str, Any]:
    return services.write_export(job, user_id, list, filters, format)

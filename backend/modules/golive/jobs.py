"""Background entry point of an import run (queue "default")."""

from __future__ import annotations

from typing import Any

from backend.core.jobs import BackgroundJob

from . import services


def run_import(job: BackgroundJob, run_id: int) -> dict[str, Any]:
    return services.run_import_job(job, run_id)

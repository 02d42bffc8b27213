"""Background entry points of the documents module: thin, they call a service."""

from __future__ import annotations

from typing import Any

from backend.core.jobs import BackgroundJob

from . import services


def render_document(job: BackgroundJob, document_id: int) -> dict[str, Any]:
    """Render an effective document's PDF with its signed QR (documents queue)."""
    return services.render_document(document_id)


def reevaluate_project(job: BackgroundJob, project_id: int) -> dict[str, Any]:
    """Check a project's blocked documents again after the client answered or the window lapsed."""
    return {"effective": services.reevaluate_project(project_id)}

"""Drafting a conclusion document from the period's records, and editing the draft (which withdraws its signatures)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from backend.core.access import Actor
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, ValidationFailed
from backend.modules.projects import catalogue
from backend.modules.projects.services.common import missing_for_practice
from backend.modules.realname.queries import Employment

from ..drafting import defect_rows, make_draft
from ..models import DOC_TYPE_FOR_SERVICE, DOC_TYPES, TOKEN_TYPES, ConclusionDocument
from .common import EDITABLE_STATUSES, document_or_404, event, project_or_404, require_project_manager


def _technical_lead_of(org_id: int) -> int:
    practitioner_id = db.session.scalar(
        sa.select(Employment.practitioner_id)
        .where(Employment.org_id == org_id, Employment.status == "active", Employment.position == "technical_lead")
        .order_by(Employment.started_at.desc().nulls_last(), Employment.id.desc())
        .limit(1)
    )
    if practitioner_id is None:
        raise ValidationFailed("org_has_no_technical_lead")
    return int(practitioner_id)


def _check_period(start: date, end: date) -> None:
    if end < start or (end - start).days > 366:
        raise ValidationFailed(
            "document_period_invalid", details={"fields": {"period_end": ["结束日期须不早于开始日期，且不超过一年"]}}
        )


def _report_number(document: ConclusionDocument) -> str:
    """WB-310104-2025-000123: type, district, year of the period, a number unique across the system."""
    district = document.district_code or "310000"
    return f"{TOKEN_TYPES[document.doc_type]}-{district}-{document.period_end.year}-{document.id:06d}"


def create_draft(actor: Actor, project_id: int, period_start: date, period_end: date) -> ConclusionDocument:
    _check_period(period_start, period_end)
    with unit_of_work() as uow:
        project = project_or_404(project_id)
        require_project_manager(actor, project)
        if project.status == "needs_supplement":  # an imported project waits for its supplement, as check-in does
            raise Conflict("project_needs_supplement", details={"missing": missing_for_practice(project)})
        doc_type = DOC_TYPE_FOR_SERVICE.get(project.service_type)
        if doc_type is None:
            raise ValidationFailed("project_service_type_unknown")
        if project.lead_practitioner_id is None:
            raise ValidationFailed("project_has_no_lead")
        draft = make_draft(project.id, period_start, period_end, DOC_TYPES[doc_type])
        document = ConclusionDocument(
            project_id=project.id,
            org_id=project.org_id,
            doc_type=doc_type,
            period_start=period_start,
            period_end=period_end,
            status="draft",
            items=draft.items,
            defects=draft.defects,
            conclusion=draft.conclusion,
            project_lead_id=project.lead_practitioner_id,
            technical_lead_id=_technical_lead_of(project.org_id),
            created_by=actor.user_id,
            district_code=project.district_code,
            special_zone=project.special_zone,
            is_trial=project.is_trial,
        )
        db.session.add(document)
        db.session.flush()
        document.report_number = _report_number(document)
        event("document.drafted", f"起草{document.type_name} {document.report_number}", document)
        uow.commit()
    return document


def _clean_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "system_code": item["system_code"],
            "facility_system": catalogue.system_name(item["system_code"]),
            "item": item["item"],
            "result": item["result"],
            "note": item.get("note") or "",
            "plan_item_id": item.get("plan_item_id"),
        }
        for item in items
    ]


def update_draft(
    actor: Actor,
    document_id: int,
    *,
    conclusion: str | None = None,
    items: list[dict[str, Any]] | None = None,
    refresh_defects: bool = False,
) -> ConclusionDocument:
    """Edit the content. Signatures cover the content, so any edit withdraws them and returns to draft."""
    with unit_of_work() as uow:
        document = document_or_404(document_id, for_update=True)
        project = project_or_404(document.project_id)
        require_project_manager(actor, project)
        if document.status not in EDITABLE_STATUSES:
            raise Conflict("document_not_editable")
        if conclusion is not None:
            document.conclusion = conclusion
        if items is not None:
            document.items = _clean_items(items)
        if refresh_defects:
            document.defects = defect_rows(project.id, document.period_start, document.period_end)
        document.signatures.clear()
        document.status = "draft"
        document.block_reasons = []
        document.flags = []
        event("document.edited", f"修改{document.type_name} {document.report_number}，签署须重新进行", document)
        uow.commit()
    return document

"""The printable 维保标识 posted in the building after each maintenance visit (第十四条): organisation, project
lead, dates and a QR to the public record, signed like a conclusion document so it cannot be forged."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date

import sqlalchemy as sa

from backend.core.access import Actor
from backend.core.db import db
from backend.core.errors import Conflict
from backend.core.signing import build_qr_payload, document_claims
from backend.core.timeutil import to_local
from backend.modules.projects.queries import MaintenancePlan, Project, SiteVisit
from backend.modules.realname.queries import (
    engineer_certificate,
    organization_by_id,
    practitioner_by_id,
)

from .keys import signing_keys
from .models import NOTICE_TOKEN_TYPE, ConclusionDocument
from .rendering import MaintenanceNoticeView, render_maintenance_notice_pdf
from .services.common import project_or_404, require_project_reader, verification_url


def latest_maintenance_visit(project_id: int) -> SiteVisit | None:
    return db.session.scalar(
        sa.select(SiteVisit)
        .where(SiteVisit.project_id == project_id, SiteVisit.status == "checked_out")
        .order_by(SiteVisit.checked_out_at.desc(), SiteVisit.id.desc())
        .limit(1)
    )


def _next_due(project_id: int, last: date) -> date:
    """The first day of the next planned month after the visit; a month later when the plan says nothing."""
    plan = db.session.scalar(sa.select(MaintenancePlan).where(MaintenancePlan.project_id == project_id))
    current = f"{last.year:04d}-{last.month:02d}"
    if plan is not None:
        months = sorted({m for item in plan.items if item.enabled for m in item.months or [] if m > current})
        if months:
            year, month = (int(part) for part in months[0].split("-"))
            return date(year, month, 1)
    year, month = (last.year + 1, 1) if last.month == 12 else (last.year, last.month + 1)
    return date(year, month, min(last.day, 28))


def _record_number(project: Project, visit: SiteVisit) -> str:
    """The latest effective 维护保养记录 when there is one, else the visit itself."""
    number = db.session.scalar(
        sa.select(ConclusionDocument.report_number)
        .where(
            ConclusionDocument.project_id == project.id,
            ConclusionDocument.doc_type == "maintenance_record",
            ConclusionDocument.status == "effective",
        )
        .order_by(ConclusionDocument.effective_at.desc())
        .limit(1)
    )
    return number or f"{project.project_no}-V{visit.id}"


def notice_view(project: Project, visit: SiteVisit) -> MaintenanceNoticeView:
    org = organization_by_id(project.org_id)
    lead = practitioner_by_id(project.lead_practitioner_id) if project.lead_practitioner_id else None
    assert org is not None and visit.checked_out_at is not None
    certificate = engineer_certificate(lead) if lead is not None else None
    last = to_local(visit.checked_out_at).date()
    draft = MaintenanceNoticeView(
        organisation_name=org.name,
        organisation_credit_code=org.credit_code,
        building_name=project.building_name,
        building_address=project.building_address,
        project_lead_name=lead.name if lead is not None else "—",
        project_lead_certificate_number=(certificate.registration_no or certificate.cert_no) if certificate else "—",
        last_maintained_on=last,
        next_due_on=_next_due(project.id, last),
        record_number=_record_number(project, visit),
        qr_payload="",
        record_url="",
    )
    content = dataclasses.asdict(draft)
    content.pop("qr_payload"), content.pop("record_url")
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()
    claims = document_claims(project.project_no, NOTICE_TOKEN_TYPE, digest, visit.checked_out_at)
    payload = build_qr_payload(verification_url(), signing_keys().signer.sign(claims))
    return dataclasses.replace(draft, qr_payload=payload, record_url=verification_url())


def maintenance_notice(actor: Actor, project_id: int) -> tuple[bytes, str]:
    project = project_or_404(project_id)
    require_project_reader(actor, project)
    if project.service_type != "maintenance":
        raise Conflict("not_a_maintenance_project")
    visit = latest_maintenance_visit(project.id)
    if visit is None:
        raise Conflict("no_maintenance_visit")
    pdf = render_maintenance_notice_pdf(notice_view(project, visit))
    return pdf, f"维保标识-{project.project_no}.pdf"

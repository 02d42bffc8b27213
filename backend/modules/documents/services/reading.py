"""Reading: the documents an actor may see, one document, its PDF."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from backend.core.access import Actor, area_clause
from backend.core.db import db
from backend.core.errors import Conflict
from backend.core.files import StoredFile
from backend.core.pagination import Page, keyset_page
from backend.modules.projects.queries import Project, ProjectMember

from ..models import ConclusionDocument
from .common import actor_practitioner, document_or_404, require_reader


def _visible_clause(actor: Actor) -> sa.ColumnElement[bool]:
    clauses: list[sa.ColumnElement[bool]] = []
    if actor.is_supervisory:
        clauses.append(area_clause(actor, ConclusionDocument.district_code, ConclusionDocument.special_zone))
    if actor.org_ids:
        clauses.append(ConclusionDocument.org_id.in_(sorted(actor.org_ids)))
    practitioner = actor_practitioner(actor)
    if practitioner is not None:
        member_of = sa.select(ProjectMember.project_id).where(ProjectMember.practitioner_id == practitioner.id)
        led = sa.select(Project.id).where(Project.lead_practitioner_id == practitioner.id)
        clauses.append(
            sa.or_(
                ConclusionDocument.project_lead_id == practitioner.id,
                ConclusionDocument.technical_lead_id == practitioner.id,
                ConclusionDocument.project_id.in_(member_of),
                ConclusionDocument.project_id.in_(led),
            )
        )
    return sa.or_(*clauses) if clauses else sa.false()


def list_documents(actor: Actor, args: dict[str, Any]) -> Page[ConclusionDocument]:
    stmt = sa.select(ConclusionDocument).where(_visible_clause(actor))
    for key in ("project_id", "org_id", "status", "doc_type"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(ConclusionDocument, key) == args[key])
    return keyset_page(db.session, stmt, [ConclusionDocument.id], limit=args["limit"], cursor=args["cursor"])


def get_document(actor: Actor, document_id: int) -> ConclusionDocument:
    document = document_or_404(document_id)
    require_reader(actor, document)
    return document


def document_pdf(actor: Actor, document_id: int) -> tuple[bytes, str]:
    document = get_document(actor, document_id)
    if document.pdf_file_id is None:
        raise Conflict("document_pdf_not_ready")
    stored = db.session.get(StoredFile, document.pdf_file_id)
    assert stored is not None
    return stored.read(), f"{document.report_number}.pdf"

"""Conclusion documents: draft from records, face-checked signatures, effectiveness, PDF, revocation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app

from backend.core import audit
from backend.core.access import Actor, Role, area_clause, can_manage_org, require_area
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.core.files import StoredFile, store_image, store_pdf
from backend.core.jobs import enqueue
from backend.core.pagination import Page, keyset_page
from backend.core.signing import build_qr_payload, document_claims
from backend.core.timeline import append_event
from backend.core.timeutil import to_local, utcnow
from backend.modules.feedback.services import on_feedback_settled
from backend.modules.projects import catalogue
from backend.modules.projects.queries import Project, ProjectMember, project_by_id
from backend.modules.projects.services.common import missing_for_practice
from backend.modules.realname.queries import (
    Employment,
    Practitioner,
    engineer_certificate,
    has_alternative_identity,
    organization_by_id,
    practitioner_by_id,
    practitioner_for_user,
    require_practitioner,
    verify_face,
)

from . import rules
from .drafting import defect_rows, make_draft
from .keys import signing_keys
from .models import (
    DOC_TYPE_FOR_SERVICE,
    DOC_TYPES,
    SIGNER_ROLES,
    TOKEN_TYPES,
    ConclusionDocument,
    DocumentSignature,
)
from .rendering import (
    ConclusionView,
    DefectView,
    ItemView,
    SignerView,
    conclusion_content_sha256,
    render_conclusion_pdf,
)

EDITABLE_STATUSES = ("draft", "blocked")
CERT_LEVELS = {"engineer_1": "一级", "engineer_2": "二级"}


def verification_url() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/") + "/verify"


# --- loading and access ---------------------------------------------------------------------------------


def project_or_404(project_id: int) -> Project:
    project = project_by_id(project_id)
    if project is None:
        raise NotFound("project_not_found")
    return project


def document_or_404(document_id: int, *, for_update: bool = False) -> ConclusionDocument:
    document = db.session.get(
        ConclusionDocument, document_id, with_for_update=for_update and db.engine.dialect.name == "postgresql"
    )
    if document is None:
        raise NotFound("document_not_found")
    return document


def is_project_member(practitioner_id: int, project: Project) -> bool:
    return project.lead_practitioner_id == practitioner_id or any(
        member.practitioner_id == practitioner_id for member in project.members
    )


def _actor_practitioner(actor: Actor) -> Practitioner | None:
    return practitioner_for_user(actor.user_id) if actor.has_role(Role.PRACTITIONER) else None


def require_project_reader(actor: Actor, project: Project) -> None:
    """Supervisors in the project's jurisdiction, the organisation's managers, the project team."""
    if actor.is_supervisory:
        require_area(actor, project.district_code, project.special_zone)
        return
    if can_manage_org(actor, project.org_id):
        return
    practitioner = _actor_practitioner(actor)
    if practitioner is not None and is_project_member(practitioner.id, project):
        return
    raise Forbidden()


def require_project_manager(actor: Actor, project: Project) -> None:
    """The organisation's managers and the project lead prepare documents for a project."""
    if can_manage_org(actor, project.org_id):
        return
    practitioner = _actor_practitioner(actor)
    if practitioner is not None and project.lead_practitioner_id == practitioner.id:
        return
    raise Forbidden()


def _require_reader(actor: Actor, document: ConclusionDocument) -> None:
    practitioner = _actor_practitioner(actor)
    if practitioner is not None and practitioner.id in (document.project_lead_id, document.technical_lead_id):
        return
    require_project_reader(actor, project_or_404(document.project_id))


# --- timeline -------------------------------------------------------------------------------------------


def _event(kind: str, summary: str, document: ConclusionDocument, visibility: str = "org", **data: Any) -> None:
    practitioner_id = data.pop("practitioner_id", None)
    append_event(
        kind,
        summary,
        org_id=document.org_id,
        practitioner_id=practitioner_id,
        project_id=document.project_id,
        district_code=document.district_code,
        special_zone=document.special_zone,
        visibility=visibility,
        data={"document_id": document.id, **data},
        is_trial=document.is_trial,
    )


# --- drafting -------------------------------------------------------------------------------------------


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
        _event("document.drafted", f"起草{document.type_name} {document.report_number}", document)
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
        _event("document.edited", f"修改{document.type_name} {document.report_number}，签署须重新进行", document)
        uow.commit()
    return document


# --- signing --------------------------------------------------------------------------------------------


def _roles_of(document: ConclusionDocument, practitioner_id: int) -> list[str]:
    ids = {"project_lead": document.project_lead_id, "technical_lead": document.technical_lead_id}
    return [role for role, pid in ids.items() if pid == practitioner_id]


def _record_failed_face_check(document: ConclusionDocument, practitioner: Practitioner, distance: float) -> None:
    """The refusal is evidence (an attempt to sign as someone else); it is kept though the signing fails."""
    with unit_of_work() as uow:
        audit.record(
            "document.sign_face_failed",
            "conclusion_documents",
            document.id,
            {"practitioner_id": practitioner.id, "face_distance": round(distance, 4)},
        )
        uow.commit()


def _identity_check(
    document: ConclusionDocument, practitioner: Practitioner, method: str, photo: bytes | None, user_id: int | None
) -> tuple[float | None, int | None]:
    """Face check on a photo taken now, or the supervisor-approved alternative. Returns (distance, photo id)."""
    if method == "alternative":
        if not has_alternative_identity(practitioner):
            raise Forbidden("alternative_identity_not_approved")
        return None, None
    if not photo:
        raise ValidationFailed("signature_photo_required", details={"fields": {"photo": ["请拍摄本人照片"]}})
    result = verify_face(practitioner, photo)
    if not result.passed:
        db.session.rollback()
        _record_failed_face_check(document, practitioner, result.distance)
        raise ValidationFailed("signature_face_mismatch", details={"distance": round(result.distance, 4)})
    stored, _ = store_image(photo, "signing_face", user_id)
    return float(result.distance), stored.id


def sign(actor: Actor, document_id: int, identity_method: str, photo: bytes | None) -> ConclusionDocument:
    with unit_of_work() as uow:
        practitioner = require_practitioner(actor)
        document = document_or_404(document_id, for_update=True)
        roles = _roles_of(document, practitioner.id)
        if not roles:
            raise Forbidden("not_a_signer")
        if document.status != "draft":
            raise Conflict("document_not_signable", details={"status": document.status})
        unsigned = [role for role in roles if document.signature_for(role) is None]
        if not unsigned:
            raise Conflict("already_signed")
        certificate = engineer_certificate(practitioner)
        if certificate is None:
            raise ValidationFailed("signer_not_registered_engineer")
        if practitioner.signature_file_id is None:
            raise ValidationFailed("signature_image_missing")
        distance, photo_id = _identity_check(document, practitioner, identity_method, photo, actor.user_id)
        for role in unsigned:
            document.signatures.append(
                DocumentSignature(
                    role=role,
                    practitioner_id=practitioner.id,
                    identity_method=identity_method,
                    face_distance=distance,
                    photo_file_id=photo_id,
                    certificate_number=certificate.registration_no or certificate.cert_no,
                    certificate_level=CERT_LEVELS[certificate.kind],
                    signature_file_id=practitioner.signature_file_id,
                    signed_at=utcnow(),
                )
            )
            _event(
                "document.signed",
                f"{SIGNER_ROLES[role]}签署{document.type_name} {document.report_number}",
                document,
                practitioner_id=practitioner.id,
                role=role,
                identity_method=identity_method,
            )
        db.session.flush()
        if all(document.signature_for(role) for role in SIGNER_ROLES):
            document.status = "signed"
            _apply_evaluation(document)
        uow.commit()
    return document


# --- effectiveness --------------------------------------------------------------------------------------


def _apply_evaluation(document: ConclusionDocument) -> None:
    """Evaluate the rules; effective documents get their PDF rendered on the documents queue."""
    evaluation = rules.evaluate(document)
    now = utcnow()
    document.evaluated_at = now
    document.flags = [finding.as_dict() for finding in evaluation.flags]
    if not evaluation.effective:
        document.status = "blocked"
        document.block_reasons = [finding.as_dict() for finding in evaluation.reasons]
        _event(
            "document.blocked",
            f"{document.type_name} {document.report_number} 未生效：{len(evaluation.reasons)}项条件未满足",
            document,
            reasons=[finding.code for finding in evaluation.reasons],
        )
        return
    document.status = "effective"
    document.block_reasons = []
    document.effective_at = document.issued_at = now
    _event(
        "document.effective",
        f"{document.type_name} {document.report_number} 已生效",
        document,
        visibility="public",
        flags=[finding.code for finding in evaluation.flags],
    )
    enqueue("backend.modules.documents.jobs.render_document", queue="documents", document_id=document.id)


def reevaluate(actor: Actor, document_id: int) -> ConclusionDocument:
    """Check a blocked document again (after the client confirmed, a visit was verified, …)."""
    with unit_of_work() as uow:
        document = document_or_404(document_id, for_update=True)
        practitioner = _actor_practitioner(actor)
        if practitioner is None or not _roles_of(document, practitioner.id):
            require_project_manager(actor, project_or_404(document.project_id))
        if document.status != "blocked":
            raise Conflict("document_not_blocked")
        _apply_evaluation(document)
        uow.commit()
    return document


@on_feedback_settled
def reevaluate_project_later(project_id: int) -> None:
    """The client answered, or the feedback window lapsed: blocked documents may now take effect (they wait for the
    client), checked again in the background."""
    enqueue("backend.modules.documents.jobs.reevaluate_project", queue="documents", project_id=project_id)


def reevaluate_project(project_id: int) -> list[int]:
    """After feedback was answered or lapsed: every blocked document of the project is checked again."""
    with unit_of_work() as uow:
        documents = list(
            db.session.scalars(
                sa.select(ConclusionDocument).where(
                    ConclusionDocument.project_id == project_id, ConclusionDocument.status == "blocked"
                )
            )
        )
        for document in documents:
            _apply_evaluation(document)
        uow.commit()
    return [d.id for d in documents if d.status == "effective"]


# --- rendering ------------------------------------------------------------------------------------------


def _signer_view(signature: DocumentSignature) -> SignerView:
    practitioner = practitioner_by_id(signature.practitioner_id)
    image = db.session.get(StoredFile, signature.signature_file_id)
    assert practitioner is not None and image is not None
    return SignerView(
        name=practitioner.name,
        certificate_level=signature.certificate_level,
        certificate_number=signature.certificate_number,
        signature_png=image.read(),
        signed_at=signature.signed_at,
    )


def build_view(document: ConclusionDocument) -> ConclusionView:
    """Everything the PDF states, from the document's snapshot and the signatures; the QR comes later."""
    project = project_or_404(document.project_id)
    org = organization_by_id(document.org_id)
    assert org is not None and document.issued_at is not None
    lead, technical = (document.signature_for(role) for role in SIGNER_ROLES)
    assert lead is not None and technical is not None
    return ConclusionView(
        doc_type=document.type_name,
        report_number=document.report_number or "",
        organisation_name=org.name,
        organisation_credit_code=org.credit_code,
        client_name=project.client_name,
        project_name=project.name,
        building_name=project.building_name,
        building_address=project.building_address,
        building_use=project.building_use or "—",
        building_area_m2=float(project.floor_area_m2 or 0.0),
        service_period_start=document.period_start,
        service_period_end=document.period_end,
        items=tuple(
            ItemView(i["facility_system"], i["item"], i["result"], i.get("note") or "") for i in document.items
        ),
        defects=tuple(
            DefectView(d["facility_system"], d["description"], d["severity"], d.get("repair") or "")
            for d in document.defects
        ),
        conclusion=document.conclusion,
        project_lead=_signer_view(lead),
        technical_lead=_signer_view(technical),
        issued_on=to_local(document.issued_at).date(),
        qr_payload="",
        verification_url=verification_url(),
    )


def render_document(document_id: int) -> dict[str, Any]:
    """Job body: render, sign the content digest into the QR, store the PDF and record its SHA-256."""
    with unit_of_work() as uow:
        document = document_or_404(document_id, for_update=True)
        if document.pdf_file_id is not None or document.status != "effective":
            return {"skipped": document.status}
        keys = signing_keys()
        draft = build_view(document)
        content_sha256 = conclusion_content_sha256(draft)
        assert document.issued_at is not None and document.report_number is not None
        claims = document_claims(
            document.report_number, TOKEN_TYPES[document.doc_type], content_sha256, document.issued_at
        )
        token = keys.signer.sign(claims)
        pdf = render_conclusion_pdf(replace(draft, qr_payload=build_qr_payload(draft.verification_url, token)))
        stored = store_pdf(pdf, "conclusion_document")
        document.content_sha256 = content_sha256
        document.token = token
        document.signing_key_id = keys.key_id
        document.pdf_file_id = stored.id
        document.pdf_sha256 = stored.sha256
        uow.commit()
    return {"document_id": document_id, "pdf_sha256": stored.sha256, "bytes": len(pdf)}


# --- revocation -----------------------------------------------------------------------------------------


def revoke(actor: Actor, document_id: int, reason: str) -> ConclusionDocument:
    """A supervisor withdraws an effective document (虚假/失实 documents, 第三十七条)."""
    with unit_of_work() as uow:
        document = document_or_404(document_id, for_update=True)
        require_area(actor, document.district_code, document.special_zone)
        if document.status != "effective":
            raise Conflict("document_not_effective", details={"status": document.status})
        document.status = "revoked"
        document.revoked_at = utcnow()
        document.revoked_by = actor.user_id
        document.revoke_reason = reason
        _event(
            "document.revoked",
            f"{document.type_name} {document.report_number} 被监督部门撤销：{reason}",
            document,
            visibility="public",
        )
        uow.commit()
    return document


# --- reading --------------------------------------------------------------------------------------------


def _visible_clause(actor: Actor) -> sa.ColumnElement[bool]:
    clauses: list[sa.ColumnElement[bool]] = []
    if actor.is_supervisory:
        clauses.append(area_clause(actor, ConclusionDocument.district_code, ConclusionDocument.special_zone))
    if actor.org_ids:
        clauses.append(ConclusionDocument.org_id.in_(sorted(actor.org_ids)))
    practitioner = _actor_practitioner(actor)
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
    _require_reader(actor, document)
    return document


def document_pdf(actor: Actor, document_id: int) -> tuple[bytes, str]:
    document = get_document(actor, document_id)
    if document.pdf_file_id is None:
        raise Conflict("document_pdf_not_ready")
    stored = db.session.get(StoredFile, document.pdf_file_id)
    assert stored is not None
    return stored.read(), f"{document.report_number}.pdf"

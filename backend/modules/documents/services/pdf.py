"""The PDF of an effective document: its view, rendered with the signed QR and stored with its SHA-256 (documents
queue)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from backend.core.db import db, unit_of_work
from backend.core.files import StoredFile, store_pdf
from backend.core.signing import build_qr_payload, document_claims
from backend.core.timeutil import to_local
from backend.modules.realname.queries import organization_by_id, practitioner_by_id

from ..keys import signing_keys
from ..models import SIGNER_ROLES, TOKEN_TYPES, ConclusionDocument, DocumentSignature
from ..rendering import (
    ConclusionView,
    DefectView,
    ItemView,
    SignerView,
    conclusion_content_sha256,
    render_conclusion_pdf,
)
from .common import document_or_404, project_or_404, verification_url


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

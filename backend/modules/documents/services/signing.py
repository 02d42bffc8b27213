"""Signing: each engineer signs after a face check on a photo taken now (or the approved alternative); the second
signature has the document evaluated."""

from __future__ import annotations

from backend.core import audit
from backend.core.access import Actor
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, Forbidden, ValidationFailed
from backend.core.files import store_image
from backend.core.timeutil import utcnow
from backend.modules.realname.queries import (
    Practitioner,
    engineer_certificate,
    has_alternative_identity,
    require_practitioner,
    verify_face,
)

from ..models import SIGNER_ROLES, ConclusionDocument, DocumentSignature
from .common import CERT_LEVELS, document_or_404, event, roles_of
from .effectiveness import apply_evaluation


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
        roles = roles_of(document, practitioner.id)
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
            event(
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
            apply_evaluation(document)
        uow.commit()
    return document

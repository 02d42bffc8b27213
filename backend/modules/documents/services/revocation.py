"""Revocation: a supervisor withdraws an effective document."""

from __future__ import annotations

from backend.core.access import Actor, require_area
from backend.core.db import unit_of_work
from backend.core.errors import Conflict
from backend.core.timeutil import utcnow

from ..models import ConclusionDocument
from .common import document_or_404, event


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
        event(
            "document.revoked",
            f"{document.type_name} {document.report_number} 被监督部门撤销：{reason}",
            document,
            visibility="public",
        )
        uow.commit()
    return document

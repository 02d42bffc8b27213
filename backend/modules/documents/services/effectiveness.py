"""Effectiveness: the rules decide whether a signed document takes effect or is blocked, checked again when what blocked
it changes."""

from __future__ import annotations

import sqlalchemy as sa

from backend.core.access import Actor
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict
from backend.core.jobs import enqueue
from backend.core.timeutil import utcnow

from .. import jobs, rules
from ..models import ConclusionDocument
from .common import actor_practitioner, document_or_404, event, project_or_404, require_project_manager, roles_of


def apply_evaluation(document: ConclusionDocument) -> None:
    """Evaluate the rules; effective documents get their PDF rendered on the documents queue."""
    evaluation = rules.evaluate(document)
    now = utcnow()
    document.evaluated_at = now
    document.flags = [finding.as_dict() for finding in evaluation.flags]
    if not evaluation.effective:
        document.status = "blocked"
        document.block_reasons = [finding.as_dict() for finding in evaluation.reasons]
        event(
            "document.blocked",
            f"{document.type_name} {document.report_number} 未生效：{len(evaluation.reasons)}项条件未满足",
            document,
            reasons=[finding.code for finding in evaluation.reasons],
        )
        return
    document.status = "effective"
    document.block_reasons = []
    document.effective_at = document.issued_at = now
    event(
        "document.effective",
        f"{document.type_name} {document.report_number} 已生效",
        document,
        visibility="public",
        flags=[finding.code for finding in evaluation.flags],
    )
    enqueue(jobs.render_document, queue="documents", document_id=document.id)


def reevaluate(actor: Actor, document_id: int) -> ConclusionDocument:
    """Check a blocked document again (after the client confirmed, a visit was verified, …)."""
    with unit_of_work() as uow:
        document = document_or_404(document_id, for_update=True)
        practitioner = actor_practitioner(actor)
        if practitioner is None or not roles_of(document, practitioner.id):
            require_project_manager(actor, project_or_404(document.project_id))
        if document.status != "blocked":
            raise Conflict("document_not_blocked")
        apply_evaluation(document)
        uow.commit()
    return document


def reevaluate_project_later(project_id: int) -> None:
    """The client answered, or the feedback window lapsed: blocked documents may now take effect (they wait for the
    client), checked again in the background. Listens for feedback's `on_feedback_settled` (`hooks.install`)."""
    enqueue(jobs.reevaluate_project, queue="documents", project_id=project_id)


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
            apply_evaluation(document)
        uow.commit()
    return [d.id for d in documents if d.status == "effective"]

"""What the documents services share: loading, who may read or prepare a project's documents, the timeline entry of a
document."""

from __future__ import annotations

from typing import Any

from flask import current_app

from backend.core.access import Actor, Role, can_manage_org, require_area
from backend.core.db import db
from backend.core.errors import Forbidden, NotFound
from backend.core.timeline import append_event
from backend.modules.projects.queries import Project, project_by_id
from backend.modules.realname.queries import Practitioner, practitioner_for_user

from ..models import ConclusionDocument

EDITABLE_STATUSES = ("draft", "blocked")
CERT_LEVELS = {"engineer_1": "一级", "engineer_2": "二级"}


def verification_url() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/") + "/verify"


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


def actor_practitioner(actor: Actor) -> Practitioner | None:
    return practitioner_for_user(actor.user_id) if actor.has_role(Role.PRACTITIONER) else None


def require_project_reader(actor: Actor, project: Project) -> None:
    """Supervisors in the project's jurisdiction, the organisation's managers, the project team."""
    if actor.is_supervisory:
        require_area(actor, project.district_code, project.special_zone)
        return
    if can_manage_org(actor, project.org_id):
        return
    practitioner = actor_practitioner(actor)
    if practitioner is not None and is_project_member(practitioner.id, project):
        return
    raise Forbidden()


def require_project_manager(actor: Actor, project: Project) -> None:
    """The organisation's managers and the project lead prepare documents for a project."""
    if can_manage_org(actor, project.org_id):
        return
    practitioner = actor_practitioner(actor)
    if practitioner is not None and project.lead_practitioner_id == practitioner.id:
        return
    raise Forbidden()


def require_reader(actor: Actor, document: ConclusionDocument) -> None:
    practitioner = actor_practitioner(actor)
    if practitioner is not None and practitioner.id in (document.project_lead_id, document.technical_lead_id):
        return
    require_project_reader(actor, project_or_404(document.project_id))


def event(kind: str, summary: str, document: ConclusionDocument, visibility: str = "org", **data: Any) -> None:
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


def roles_of(document: ConclusionDocument, practitioner_id: int) -> list[str]:
    ids = {"project_lead": document.project_lead_id, "technical_lead": document.technical_lead_id}
    return [role for role, pid in ids.items() if pid == practitioner_id]

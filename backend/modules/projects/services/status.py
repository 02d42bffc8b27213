"""Publicity (信息公示) and the project's status: registered → published → in_service → concluded → archived;
cancelled. The step to in_service is taken by the first accepted check-in (checkin.py)."""

from __future__ import annotations

import sqlalchemy as sa

from backend.core.access import Actor
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict
from backend.modules.realname import queries
from backend.modules.realname.queries import organization_by_id, practitioner_by_id

from ..models import SERVICE_TYPES, Project, SiteVisit
from .common import change_status, load_project, require_manage

PUBLISHABLE_FROM = ("registered",)
CONCLUDABLE_FROM = ("published", "in_service")
ARCHIVABLE_FROM = ("concluded",)
CANCELLABLE_FROM = ("registered", "published", "needs_supplement")


def _require_status(project: Project, allowed: tuple[str, ...], target: str) -> None:
    if project.status not in allowed:
        raise Conflict("invalid_status_transition", details={"from": project.status, "to": target})


def _publication_problems(project: Project) -> list[str]:
    org = organization_by_id(project.org_id)
    assert org is not None
    problems = list(queries.org_can_practise(org))
    lead = practitioner_by_id(project.lead_practitioner_id) if project.lead_practitioner_id else None
    if lead is None or not queries.employed_by(lead.id, project.org_id):
        problems.append("lead_not_employed")
    elif not queries.is_registered_engineer(lead):
        problems.append("lead_not_engineer")
    if not project.geofence:
        problems.append("geofence_missing")
    return problems


def publish(actor: Actor, project_id: int) -> Project:
    with unit_of_work() as uow:
        project = load_project(project_id, for_update=True)
        require_manage(actor, project)
        _require_status(project, PUBLISHABLE_FROM, "published")
        problems = _publication_problems(project)
        if problems:
            raise Conflict("project_cannot_publish", details={"reasons": problems})
        change_status(
            project,
            "published",
            f"{SERVICE_TYPES[project.service_type]}项目{project.project_no}（{project.building_name}）信息公示",
        )
        uow.commit()
        return project


def conclude(actor: Actor, project_id: int) -> Project:
    with unit_of_work() as uow:
        project = load_project(project_id, for_update=True)
        require_manage(actor, project)
        _require_status(project, CONCLUDABLE_FROM, "concluded")
        open_visits = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(SiteVisit)
            .where(SiteVisit.project_id == project.id, SiteVisit.status == "checked_in")
        )
        if open_visits:
            raise Conflict("visits_still_open", details={"open_visits": open_visits})
        change_status(project, "concluded", f"项目{project.project_no}服务完结")
        uow.commit()
        return project


def archive(actor: Actor, project_id: int) -> Project:
    with unit_of_work() as uow:
        project = load_project(project_id, for_update=True)
        require_manage(actor, project)
        _require_status(project, ARCHIVABLE_FROM, "archived")
        change_status(project, "archived", f"项目{project.project_no}归档（档案保存不少于6年）")
        uow.commit()
        return project


def cancel(actor: Actor, project_id: int, reason: str) -> Project:
    with unit_of_work() as uow:
        project = load_project(project_id, for_update=True)
        require_manage(actor, project)
        _require_status(project, CANCELLABLE_FROM, "cancelled")
        was_public = project.published_at is not None
        project.cancel_reason = reason.strip()
        change_status(
            project,
            "cancelled",
            f"项目{project.project_no}撤销：{project.cancel_reason}",
            visibility="public" if was_public else "org",
        )
        uow.commit()
        return project

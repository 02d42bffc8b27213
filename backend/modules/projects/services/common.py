"""What every projects service needs: thresholds, loading a project, who may see or manage it, and the
timeline entry that records each change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from backend.core.access import Actor, can_manage_org
from backend.core.db import db
from backend.core.errors import Forbidden, NotFound
from backend.core.timeline import append_event
from backend.core.timeutil import utcnow
from backend.modules.realname import queries
from backend.modules.realname.queries import Practitioner

from ..models import MaintenancePlan, Project, ProjectStatus

# Thresholds of docs/design.md §4, overridable in the app config under the same names.
DEFAULTS: dict[str, Any] = {
    "CHECKIN_MAX_SPEED_KMH": 120.0,  # faster than this between two check-ins is impossible travel
    "CHECKIN_TRAVEL_MIN_DISTANCE_M": 1_000.0,  # closer than this is GNSS noise, never travel
    "CHECKIN_PHASH_MAX_DISTANCE": 8,  # different photos of one face measured 18+ apart; a recompressed copy 0-4
    "CHECKIN_PHASH_LOOKBACK": 200,  # earlier check-in photos compared perceptually
    "CHECKIN_DEVICE_SHARE_MINUTES": 10,
    "CHECKIN_LATE_AFTER_MINUTES": 30,  # device time this much older than receipt: an offline submission
    "CHECKIN_CLOCK_AHEAD_MINUTES": 5,
    "CHECKIN_MAX_ACCURACY_M": 100.0,
    "CHECKIN_OPEN_VISIT_HOURS": 12,  # an open visit older than this no longer blocks, and is closed by a sweep
}

SERVICE_PREFIXES = {"maintenance": "WB", "testing": "JC", "assessment": "PG"}
# Which organisation type may offer which service (应急管理部令第7号 第五、六条).
SERVICE_ORG_TYPES = {"maintenance": "maintenance_testing", "testing": "maintenance_testing", "assessment": "assessment"}
STATUS_NAMES = ProjectStatus.labels()
# Public list (信息公示): once published, until archived.
PUBLIC_STATUSES = ("published", "in_service", "concluded")
CHECK_IN_STATUSES = ("published", "in_service")
CLOSED_STATUSES = ("concluded", "archived", "cancelled")


def setting(name: str) -> Any:
    return current_app.config.get(name, DEFAULTS[name])


def load_project(project_id: int, *, for_update: bool = False) -> Project:
    project = db.session.get(Project, project_id, with_for_update=for_update or None)
    if project is None:
        raise NotFound("project_not_found")
    return project


def plan_of(project_id: int) -> MaintenancePlan | None:
    return db.session.scalar(sa.select(MaintenancePlan).where(MaintenancePlan.project_id == project_id))


def has_plan(project_id: int) -> bool:
    """Without loading the plan's items (a plan has dozens; the check-in only needs to know it exists)."""
    return db.session.scalar(sa.select(MaintenancePlan.id).where(MaintenancePlan.project_id == project_id)) is not None


def member_ids(project: Project) -> set[int]:
    return {m.practitioner_id for m in project.members}


@dataclass(frozen=True)
class ProjectAccess:
    """How the actor relates to a project: that decides what it may see."""

    org: bool  # manages the project's organisation
    supervisor: bool  # supervises the project's district or zone (or the corps)
    member: bool  # on the project team
    practitioner_id: int | None

    @property
    def sees_evidence(self) -> bool:
        """Face distances, distances to the fence and device ids: supervisors and the organisation."""
        return self.org or self.supervisor


def access_to(actor: Actor, project: Project) -> ProjectAccess:
    practitioner = queries.practitioner_for_user(actor.user_id)
    pid = practitioner.id if practitioner is not None else None
    return ProjectAccess(
        org=can_manage_org(actor, project.org_id),
        supervisor=actor.covers(project.district_code, project.special_zone),
        member=pid is not None and pid in member_ids(project),
        practitioner_id=pid,
    )


def require_view(actor: Actor, project: Project) -> ProjectAccess:
    access = access_to(actor, project)
    if access.org or access.supervisor or access.member:
        return access
    if actor.is_supervisory:
        raise Forbidden("out_of_jurisdiction")
    raise Forbidden("project_access_denied")


def require_manage(actor: Actor, project: Project) -> None:
    if not can_manage_org(actor, project.org_id):
        raise Forbidden("project_access_denied")


def require_member(practitioner: Practitioner, project: Project) -> None:
    """On the team, and still employed by the organisation (a member who left may no longer act for it)."""
    if practitioner.id not in member_ids(project):
        raise Forbidden("not_project_member")
    if not queries.employed_by(practitioner.id, project.org_id):
        raise Forbidden("not_employed_by_org")


def missing_for_practice(project: Project) -> list[str]:
    """What a project lacks before anyone may work on it (the notice's rule for imported v1 projects)."""
    missing = []
    if project.lng is None or project.lat is None or not project.geofence:
        missing.append("coordinates")
    if not project.client_contact_name or not project.client_contact_phone:
        missing.append("client_contact")
    if project.service_type == "maintenance" and not has_plan(project.id):
        missing.append("maintenance_plan")
    return missing


def project_event(
    project: Project,
    kind: str,
    summary: str,
    *,
    visibility: str,
    practitioner_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    append_event(
        kind,
        summary,
        org_id=project.org_id,
        practitioner_id=practitioner_id,
        project_id=project.id,
        district_code=project.district_code,
        special_zone=project.special_zone,
        visibility=visibility,
        data=data or {},
        is_trial=project.is_trial,
    )


def change_status(project: Project, new_status: str, summary: str, *, visibility: str = "public") -> None:
    old = project.status
    project.status = new_status
    now = utcnow()
    if new_status == "published" and project.published_at is None:
        project.published_at = now
    if new_status == "concluded":
        project.concluded_at = now
    kind = "project.published" if new_status == "published" else f"project.{new_status}"
    project_event(project, kind, summary, visibility=visibility, data={"from": old, "to": new_status})


def complete_supplement_if_ready(project: Project) -> None:
    """An imported project continues once its coordinates, client contact and plan are all present."""
    db.session.flush()
    if project.status == "needs_supplement" and not missing_for_practice(project):
        change_status(project, "published", f"项目{project.project_no}补充信息完整，恢复公示")

"""Demo supervision records on the demo projects: an on-site inspection that ordered rectification, and a
public penalty under 第三十条 linked to it. Runs after the projects demo (module order), through the services
and as the demo supervisor of the project's district, so timeline events and jurisdiction are real.
Idempotent: nothing happens once the demo decision exists, or while there is no demo project."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from backend.core.access import Role
from backend.core.db import db
from backend.core.timeutil import today
from backend.modules.accounts.queries import User, UserRole
from backend.modules.accounts.services import actor_for
from backend.modules.projects.queries import Project
from backend.modules.realname.queries import Organization

from .inspections import record_inspection
from .models import Penalty
from .penalties import issue_penalty
from .rules import checklist_for

DEMO_DECISION_NO = "沪消行罚决字〔2026〕第0001号（演示）"


def _inspector(district_code: str | None) -> User | None:
    """The district's supervisor allowed to issue penalties, else the corps admin."""
    rows = db.session.execute(
        sa.select(User, UserRole).join(UserRole).where(UserRole.role.in_((Role.SUPERVISOR, Role.CORPS_ADMIN)))
    ).all()
    local = [u for u, r in rows if r.jurisdiction == district_code and "issue_penalties" in (r.permissions or [])]
    corps = [u for u, r in rows if r.role == Role.CORPS_ADMIN]
    return (local or corps or [None])[0]


def load() -> list[str]:
    if db.session.scalar(sa.select(Penalty.id).where(Penalty.decision_no == DEMO_DECISION_NO)) is not None:
        return []
    # A project of an organisation registered in the project's own district: the inspector who found the
    # missing notice may then also decide the organisation's penalty (both are within their jurisdiction).
    project = db.session.scalar(
        sa.select(Project)
        .join(Organization, Organization.id == Project.org_id)
        .where(
            Project.status.in_(("published", "in_service")),
            Project.lng.is_not(None),
            Organization.district_code == Project.district_code,
        )
        .order_by(Project.id)
        .limit(1)
    )
    inspector = _inspector(project.district_code) if project is not None else None
    if project is None or inspector is None:
        return []
    actor = actor_for(inspector)
    checklist = [
        {"code": item.code, "result": "fail", "note": "建筑物内未见维护保养信息标识"}
        if item.code == "building_notice"
        else {"code": item.code, "result": "pass", "note": None}
        for item in checklist_for("unit")
    ]
    inspection = record_inspection(
        actor,
        {
            "project_id": project.id,
            "checklist": checklist,
            "findings": "消防控制室值班记录完整；首层大堂未张贴维保标识。",
            "location": {"lng": project.lng, "lat": project.lat, "crs": "wgs84", "accuracy_m": 12.0},
            "result": "rectify",
            "rectification_deadline": today() + timedelta(days=15),
        },
    )
    issue_penalty(
        actor,
        {
            "decision_no": DEMO_DECISION_NO,
            "basis": "art30",
            "facts": "未按规定在建筑物显著位置设置维护保养信息标识。",
            "subject_kind": "organization",
            "org_id": project.org_id,
            "inspection_id": inspection.id,
            "amount_yuan": 3_000,
            "decided_on": today(),
            "is_public": True,
            "credit_points": 2,
        },
    )
    return [f"监督检查演示：项目“{project.name}”的现场检查（责令整改）与一条公示的行政处罚"]

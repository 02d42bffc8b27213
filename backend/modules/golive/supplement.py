"""Imported projects that cannot continue yet (status needs_supplement): what they lack, and telling their
organisation and the supervisors of their district once an import has brought them in.

The projects module owns the rest of the story: check-ins refuse such a project with the missing items, the
supplement endpoint takes the coordinates (with a geofence) and the client contact, the plan service the
maintenance plan, and the project is published once nothing is missing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa

from backend.core.access import Role
from backend.core.db import db
from backend.core.jurisdictions import DISTRICTS
from backend.core.outbox import record_outbox
from backend.modules.accounts.queries import User, UserRole
from backend.modules.projects.queries import Project
from backend.modules.realname.queries import organization_by_id

from .models import MissingInfo

MISSING_NAMES = MissingInfo.labels()
NOTICE_CHANNEL = "notice"  # in-system notices in the outbox, beside SMS and WeChat messages
NOTICE_KIND = "import.needs_supplement"


def missing_text(missing: list[str]) -> str:
    return "、".join(MISSING_NAMES.get(m, m) for m in missing) or "确认项目信息"


def pending_clause(since: datetime | None = None) -> sa.ColumnElement[bool]:
    """Imported projects still waiting for their supplement (imported since `since`, when given)."""
    clause = sa.and_(Project.imported.is_(True), Project.status == "needs_supplement")
    return clause if since is None else sa.and_(clause, Project.created_at >= since)


def pending_projects(since: datetime | None = None) -> sa.Select[tuple[Project]]:
    """The monitoring module's warning rule for imported incomplete projects can read this."""
    return sa.select(Project).where(pending_clause(since)).order_by(Project.id)


def _org_managers(org_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.org_id == org_id, UserRole.role.in_((Role.ORG_ADMIN, Role.LEGAL_REP)))
            .distinct()
            .order_by(User.id)
        )
    )


def _district_supervisors(district_code: str) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.SUPERVISOR, UserRole.jurisdiction == district_code)
            .distinct()
            .order_by(User.id)
        )
    )


def _notice(user: User, text: str, **data: object) -> None:
    record_outbox(
        NOTICE_CHANNEL, user.phone, {"kind": NOTICE_KIND, "title": "历史导入项目待补充信息", "text": text, **data}
    )


def announce(since: datetime) -> int:
    """One notice per organisation (its admins and legal representative) and one per district (its
    supervisors) for the imported projects of this run that wait for their supplement. Returns the notices."""
    counts = db.session.execute(
        sa.select(Project.org_id, Project.district_code, sa.func.count())
        .where(pending_clause(since))
        .group_by(Project.org_id, Project.district_code)
    ).all()
    per_org: dict[int, int] = defaultdict(int)
    per_district: dict[str, int] = defaultdict(int)
    for org_id, district, n in counts:
        per_org[org_id] += n
        if district:
            per_district[district] += n
    sent = 0
    for org_id, n in sorted(per_org.items()):
        org = organization_by_id(org_id)
        text = (
            f"{org.name if org else ''}有 {n} 个自原系统导入的项目须补充项目坐标（含电子围栏）、委托单位联系人和"
            "维保计划（维保项目）后才能继续签到、记录和出具结论文件，请在“项目”中逐一补充。"
        )
        for user in _org_managers(org_id):
            _notice(user, text, org_id=org_id, projects=n)
            sent += 1
    for district, n in sorted(per_district.items()):
        text = f"{DISTRICTS.get(district, district)}有 {n} 个自原系统导入的项目待机构补充信息，补充完成前不能继续执业。"
        for user in _district_supervisors(district):
            _notice(user, text, district_code=district, projects=n)
            sent += 1
    return sent

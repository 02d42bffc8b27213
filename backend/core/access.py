"""Who may do what: roles, jurisdictions and ownership, checked the same way by every endpoint.

Two layers. The route declares which roles may call it at all (`@blp.access(...)`): that gate is uniform and
listed in OpenAPI, and tests walk it for every endpoint and role. Services then check the finer rules on the
object itself (is it in the supervisor's jurisdiction, does the org admin belong to that organisation), with
the helpers below, and filter lists with `area_clause`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from . import jurisdictions
from .errors import Forbidden
from .vocabulary import Labelled


class Role(Labelled):
    PRACTITIONER = "practitioner", "从业人员"
    ORG_ADMIN = "org_admin", "机构管理人员"
    LEGAL_REP = "legal_rep", "法定代表人"
    SUPERVISOR = "supervisor", "监督管理人员"
    CORPS_ADMIN = "corps_admin", "总队管理员"


# Keyed by str: a Role is one, and the role names stored on users and declared on routes are plain strings.
ROLE_NAMES: dict[str, str] = Role.labels()

PUBLIC = "public"  # no login needed
AUTHENTICATED = "authenticated"  # any logged-in user
REFRESH = "refresh_token"  # the refresh endpoint: a refresh token, not an access token

# Permission flags a corps admin can grant to a supervisor account.
PERMISSIONS = {
    "read_personal_data": "查看未脱敏的身份证号和手机号",
    "issue_penalties": "录入行政处罚",
    "manage_rules": "修改预警规则阈值",
    "export_data": "导出数据",
}


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    roles: frozenset[str] = frozenset()
    org_ids: frozenset[int] = frozenset()  # organisations where the user is org_admin or legal_rep
    jurisdiction: str | None = None  # supervisors and corps admins
    permissions: frozenset[str] = frozenset()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_supervisory(self) -> bool:
        return self.has_role(Role.SUPERVISOR, Role.CORPS_ADMIN)

    @property
    def is_citywide(self) -> bool:
        return self.has_role(Role.CORPS_ADMIN) or self.jurisdiction == jurisdictions.CORPS

    def can(self, permission: str) -> bool:
        return Role.CORPS_ADMIN in self.roles or permission in self.permissions

    def covers(self, district_code: str | None, special_zone: str | None = None) -> bool:
        if not self.is_supervisory:
            return False
        if self.is_citywide:
            return True
        return jurisdictions.covers(self.jurisdiction, district_code, special_zone)


ANONYMOUS = Actor(user_id=None)


def require_roles(actor: Actor, *roles: str) -> None:
    if not actor.has_role(*roles):
        raise Forbidden()


def require_permission(actor: Actor, permission: str) -> None:
    if not actor.can(permission):
        raise Forbidden("forbidden", details={"permission": permission})


def require_area(actor: Actor, district_code: str | None, special_zone: str | None = None) -> None:
    """A supervisor may act only on subjects in its jurisdiction; the corps on all."""
    if not actor.covers(district_code, special_zone):
        raise Forbidden("out_of_jurisdiction")


def require_org_manager(actor: Actor, org_id: int) -> None:
    if org_id not in actor.org_ids:
        raise Forbidden()


def can_manage_org(actor: Actor, org_id: int | None) -> bool:
    return org_id is not None and org_id in actor.org_ids


def area_clause(actor: Actor, district_col: Any, zone_col: Any | None = None) -> sa.ColumnElement[bool]:
    """WHERE clause limiting a supervisor's lists to its jurisdiction."""
    if actor.is_citywide:
        return sa.true()
    if not actor.is_supervisory or actor.jurisdiction is None:
        return sa.false()
    if actor.jurisdiction in jurisdictions.SPECIAL_ZONES:
        return zone_col == actor.jurisdiction if zone_col is not None else sa.false()
    return district_col == actor.jurisdiction

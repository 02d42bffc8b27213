"""National 社会消防技术服务信息系统 adapter interface: organisations and practitioner certificates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable

# Organisation service types (《社会消防技术服务管理规定》第三条).
ORG_TYPE_MAINTENANCE = "维护保养检测"
ORG_TYPE_ASSESSMENT = "消防安全评估"
ORG_TYPES = (ORG_TYPE_MAINTENANCE, ORG_TYPE_ASSESSMENT)

ORG_STATUS_NORMAL = "正常"
ORG_STATUS_SUSPENDED = "停业"
ORG_STATUS_CANCELLED = "注销"
ORG_STATUSES = (ORG_STATUS_NORMAL, ORG_STATUS_SUSPENDED, ORG_STATUS_CANCELLED)

CERT_ENGINEER_1 = "一级注册消防工程师"
CERT_ENGINEER_2 = "二级注册消防工程师"
CERT_OPERATOR = "消防设施操作员"
CERT_KINDS = (CERT_ENGINEER_1, CERT_ENGINEER_2, CERT_OPERATOR)
ENGINEER_KINDS = (CERT_ENGINEER_1, CERT_ENGINEER_2)

# 消防设施操作员 skill levels (国家职业技能标准 4-07-05-04), lowest first. "中级 or above" (从业条件) means
# operator_level_rank(level) >= 1.
OPERATOR_LEVELS = ("五级/初级", "四级/中级", "三级/高级", "二级/技师", "一级/高级技师")

CERT_STATUS_VALID = "有效"
CERT_STATUS_CANCELLED = "注销"
CERT_STATUS_EXPIRED = "过期"
CERT_STATUSES = (CERT_STATUS_VALID, CERT_STATUS_CANCELLED, CERT_STATUS_EXPIRED)

# Stable machine codes -> user-facing Chinese text. The lead maps the codes to HTTP answers.
MESSAGES: dict[str, str] = {
    "registry_unavailable": "全国社会消防技术服务信息系统暂时无法访问，请稍后再试",
    "registry_auth_failed": "全国社会消防技术服务信息系统拒绝了本系统的接入凭证",
    "registry_rate_limited": "全国社会消防技术服务信息系统查询过于频繁，请稍后再试",
    "registry_bad_request": "全国社会消防技术服务信息系统拒绝了查询条件",
    "registry_bad_response": "全国社会消防技术服务信息系统返回的数据无法识别",
    "registry_invalid_query": "请提供身份证号码或证书编号",
    "registry_error": "全国社会消防技术服务信息系统返回错误",
}


class RegistryError(Exception):
    """A registry call failed; ``code`` is stable, ``message`` is Chinese."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message or MESSAGES.get(code, MESSAGES["registry_error"])
        super().__init__(f"{code}: {self.message}")


def operator_level_rank(level: str | None) -> int:
    """0 for 五级/初级 … 4 for 一级/高级技师; -1 when unknown. 从业条件 count rank >= 1 as 中级 or above."""
    return OPERATOR_LEVELS.index(level) if level in OPERATOR_LEVELS else -1


@dataclass(frozen=True)
class RegistryOrg:
    credit_code: str
    name: str
    types: tuple[str, ...]
    legal_representative: str
    registered_address: str
    status: str
    registered_at: date


@dataclass(frozen=True)
class RegistryCertificate:
    holder_name: str
    id_number: str
    kind: str
    level: str | None  # operators only
    cert_no: str
    registration_no: str | None  # engineers only (注册编号, printed on the 执业印章)
    org_credit_code: str | None  # engineers: the one organisation they are registered to
    org_name: str | None
    issued_on: date
    expires_on: date | None  # engineers: end of the registration period; operators' certificates do not lapse
    status: str

    @property
    def is_engineer(self) -> bool:
        return self.kind in ENGINEER_KINDS

    @property
    def is_valid(self) -> bool:
        return self.status == CERT_STATUS_VALID


@runtime_checkable
class NationalRegistry(Protocol):
    def lookup_organization(self, credit_code: str) -> RegistryOrg | None:
        """The registered organisation, or None when the registry has no record of the code."""
        ...

    def lookup_certificates(
        self, *, id_number: str | None = None, cert_no: str | None = None
    ) -> list[RegistryCertificate]:
        """Certificates held by a person (by ID number) or one certificate (by certificate or registration
        number); both given = both must match. Unknown keys give []. Neither given raises RegistryError
        ("registry_invalid_query")."""
        ...

"""Corps big-data platform adapter interface: the business-registration (工商登记) view of an enterprise, and
the cross-check of what an organisation declares against it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, runtime_checkable

BUSINESS_STATUS_ACTIVE = "存续"  # also shown as 在营/开业 by some registers; 注销 and 吊销 end the enterprise

# Declared field -> BusinessRecord attribute compared with it.
COMPARED_FIELDS: dict[str, str] = {
    "name": "name",
    "legal_representative": "legal_representative",
    "registered_address": "address",
}
FIELD_LABELS: dict[str, str] = {
    "credit_code": "统一社会信用代码",
    "name": "单位名称",
    "legal_representative": "法定代表人",
    "registered_address": "注册地址",
    "status": "登记状态",
}

MESSAGES: dict[str, str] = {
    "bigdata_unavailable": "总队大数据平台暂时无法访问，请稍后再试",
    "bigdata_auth_failed": "总队大数据平台拒绝了本系统的接入凭证",
    "bigdata_rate_limited": "总队大数据平台查询过于频繁，请稍后再试",
    "bigdata_bad_response": "总队大数据平台返回的数据无法识别",
    "bigdata_error": "总队大数据平台返回错误",
}


class BigDataError(Exception):
    """A platform call failed; ``code`` is stable, ``message`` is Chinese."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message or MESSAGES.get(code, MESSAGES["bigdata_error"])
        super().__init__(f"{code}: {self.message}")


@dataclass(frozen=True)
class BusinessRecord:
    credit_code: str
    name: str
    legal_representative: str
    address: str
    status: str
    established_on: date
    registered_capital_wan: float | None = None  # 注册资本, 万元
    enterprise_type: str | None = None
    registration_authority: str | None = None
    business_scope: str | None = None


@dataclass(frozen=True)
class FieldDifference:
    field: str  # a key of FIELD_LABELS
    declared: str | None
    recorded: str | None

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)


@dataclass(frozen=True)
class CrossCheckResult:
    matches: bool
    differences: list[FieldDifference] = field(default_factory=list)
    found: bool = True  # False: the platform has no enterprise with this credit code
    record: BusinessRecord | None = None


_BLANKS = re.compile(r"\s+")
_ADDRESS_PREFIXES = ("中华人民共和国", "中国", "上海市", "上海")


def _normalize(value: str) -> str:
    # NFKC folds full-width digits, letters and brackets (（） -> ()) that people and registers mix freely.
    return _BLANKS.sub("", unicodedata.normalize("NFKC", value))


def _normalize_address(value: str) -> str:
    text = _normalize(value)
    for prefix in _ADDRESS_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text


def cross_check(credit_code: str, declared: Mapping[str, Any], record: BusinessRecord | None) -> CrossCheckResult:
    """Compares the declared name / legal_representative / registered_address (``address`` is accepted as an
    alias) that are present and non-empty, and requires the enterprise to be 存续."""
    if record is None:
        return CrossCheckResult(False, [FieldDifference("credit_code", credit_code, None)], found=False)
    values = dict(declared)
    if "registered_address" not in values and "address" in values:
        values["registered_address"] = values["address"]
    differences = []
    for key, attribute in COMPARED_FIELDS.items():
        given = values.get(key)
        if not given:
            continue
        recorded = getattr(record, attribute)
        same = _normalize_address if key == "registered_address" else _normalize
        if same(str(given)) != same(recorded):
            differences.append(FieldDifference(key, str(given), recorded))
    if record.status != BUSINESS_STATUS_ACTIVE:
        differences.append(FieldDifference("status", BUSINESS_STATUS_ACTIVE, record.status))
    return CrossCheckResult(not differences, differences, found=True, record=record)


@runtime_checkable
class BigDataPlatform(Protocol):
    def lookup_business(self, credit_code: str) -> BusinessRecord | None:
        """The enterprise's business registration, or None when the platform has no such enterprise."""
        ...

    def cross_check_organization(self, credit_code: str, declared: Mapping[str, Any]) -> CrossCheckResult:
        """``declared``: what the organisation entered (name, legal_representative, registered_address)."""
        ...

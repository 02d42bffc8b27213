"""What the public landing page can search, and whether the backend serves it.

The page calls the public API from the browser. A kind whose endpoint is not registered (a module switched off,
or not built yet) is shown as unavailable with the endpoint it needs, instead of failing at the first search.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from flask import current_app

from backend.core.jurisdictions import DISTRICTS


@dataclass(frozen=True)
class Filter:
    name: str  # query parameter of the endpoint
    label: str
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label); empty = free text
    placeholder: str = ""


@dataclass(frozen=True)
class SearchKind:
    key: str
    label: str
    endpoint: str  # GET path of the public API
    filters: list[Filter]
    needs: str  # what the page needs from the API, shown when the endpoint is missing
    available: bool = True


_DISTRICT_OPTIONS = [("", "全部区")] + [(code, name) for code, name in DISTRICTS.items()]

KINDS = [
    SearchKind(
        "orgs",
        "技术服务机构",
        "/api/v1/public/orgs",
        [
            Filter("q", "名称或统一社会信用代码", placeholder="输入机构名称关键字或信用代码"),
            Filter("district_code", "所属区", _DISTRICT_OPTIONS),
            Filter(
                "type",
                "机构类型",
                [("", "全部类型"), ("maintenance_testing", "维护保养检测"), ("assessment", "消防安全评估")],
            ),
        ],
        "GET /api/v1/public/orgs?q=&credit_code=&district_code=&type=（已核准机构：名称、信用代码、类型、所属区）",
    ),
    SearchKind(
        "projects",
        "公示项目",
        "/api/v1/public/projects",
        [
            Filter("district_code", "所在区", _DISTRICT_OPTIONS),
            Filter(
                "service_type",
                "服务类型",
                [("", "全部类型"), ("maintenance", "维护保养"), ("testing", "检测"), ("assessment", "评估")],
            ),
        ],
        "GET /api/v1/public/projects?district_code=&service_type=&org_id=（信息公示中的项目，不含个人信息）",
    ),
    SearchKind(
        "practitioners",
        "从业人员",
        "/api/v1/public/practitioners",
        [
            Filter(
                "cert_kind",
                "证书类别",
                [
                    ("", "全部类别"),
                    ("engineer_1", "一级注册消防工程师"),
                    ("engineer_2", "二级注册消防工程师"),
                    ("operator", "消防设施操作员"),
                ],
            )
        ],
        "GET /api/v1/public/practitioners?org_id=&cert_kind=（姓名脱敏，仅证书类别）",
    ),
    SearchKind(
        "penalties",
        "行政处罚",
        "/api/v1/public/penalties",
        [],
        "GET /api/v1/public/penalties?org_id=（公开的行政处罚决定）",
    ),
]


def _registered_get_paths() -> set[str]:
    return {rule.rule for rule in current_app.url_map.iter_rules() if "GET" in (rule.methods or set())}


def search_kinds() -> list[dict[str, Any]]:
    paths = _registered_get_paths()
    return [asdict(kind) | {"available": kind.endpoint in paths} for kind in KINDS]

"""机构: fire technical service organisations, one a row, known by their unified social credit code. The legal
representative's phone becomes the login that manages the organisation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from backend.adapters.gis import GisError
from backend.bootstrap import adapters
from backend.core import geo
from backend.core.access import Role
from backend.core.crypto import id_number_hash
from backend.core.db import db
from backend.core.timeutil import utcnow
from backend.modules.accounts.services import grant_role
from backend.modules.realname.organizations import bigdata_notes, registry_notes
from backend.modules.realname.queries import ORG_TYPES, Organization

from ..models import RegistryOrgStanding
from .common import (
    CREATED,
    CRS_COLUMN,
    DISTRICT_HELP,
    UNCHANGED,
    Checker,
    Column,
    Kind,
    Site,
    choices,
    invalid,
    local_midnight,
    org_ref,
)
from .run import Context, user_for_phone

ORG_TYPE_CHOICES = choices(ORG_TYPES, ("维保检测", "maintenance_testing"), ("评估", "assessment"))
ORG_STATUS_CHOICES = choices(RegistryOrgStanding.labels())
ORG_STATUS_NAMES = RegistryOrgStanding.labels()


@dataclass(frozen=True)
class OrgRow:
    credit_code: str
    name: str
    types: list[str]
    legal_form: str
    legal_rep_name: str
    legal_rep_id_number: str
    legal_rep_phone: str
    address: str
    site: Site | None
    district: str | None  # from the file, used when there are no coordinates
    workplace_area_m2: float
    status: str
    verified_on: date | None


def _org_types(check: Checker) -> list[str]:
    raw = check.raw("types")
    parts = [p for p in re.split(r"[;；、,，|/\s]+", raw) if p]
    if not parts:
        check.fail("types", "必填项为空")
        return []
    unknown = [p for p in parts if p not in ORG_TYPE_CHOICES]
    if unknown:
        check.fail("types", f"未知的机构类型“{'、'.join(unknown)}”：应为 维护保养检测、消防安全评估")
    return sorted({ORG_TYPE_CHOICES[p] for p in parts if p in ORG_TYPE_CHOICES})


def _location(row: OrgRow) -> tuple[float | None, float | None, str]:
    """The file's coordinates; else the GIS platform's answer for the address, as registration does; else
    only the district the file names."""
    if row.site is not None:
        return row.site.lng, row.site.lat, row.site.district
    try:
        found = adapters().gis.geocode(row.address)
    except GisError:
        found = None
    district = geo.district_of(found.lng, found.lat) if found else None
    if found is not None and district is not None:
        return found.lng, found.lat, district.adcode
    if found is not None and row.district is None:
        raise invalid("address", "该地址不在上海市范围内")
    if row.district is None:
        raise invalid("address", "无法定位该地址：请填写经纬度或所在区")
    return None, None, row.district


class Organizations(Kind[OrgRow]):
    key = "organizations"
    name = "机构"
    description = "消防技术服务机构，每行一家，以统一社会信用代码识别。法定代表人以手机号登录后即可管理本机构。"
    columns = (
        Column("credit_code", "统一社会信用代码", "18位，按 GB 32100 校验", "91310101MAC1PBUW93", True, True),
        Column("name", "机构名称", "不超过128字", "上海耀安消防设施检测有限公司", True),
        Column("types", "机构类型", "维护保养检测、消防安全评估；两者都有时用“；”分隔", "维护保养检测", True),
        Column("legal_form", "法人资格", "默认 企业法人", "企业法人"),
        Column("legal_rep_name", "法定代表人", "姓名", "王海斌", True),
        Column("legal_rep_id_number", "法定代表人身份证号", "18位，按 GB 11643 校验；加密保存", "", True, True),
        Column("legal_rep_phone", "法定代表人手机号", "11位手机号；以此登录", "13600000101", True, True),
        Column("address", "办公地址", "不超过256字", "上海市黄浦区复兴东路1502号", True),
        Column("lng", "经度", "与纬度同时填写；留空时按办公地址定位", "121.4903"),
        Column("lat", "纬度", "与经度同时填写", "31.2194"),
        CRS_COLUMN,
        Column("district", "所在区", DISTRICT_HELP + "；有坐标时以坐标所在区为准", "黄浦区"),
        Column("workplace_area_m2", "工作场所面积（平方米）", "数字", "260"),
        Column("status", "机构状态", "正常（默认）、停业、注销", "正常"),
        Column("verified_on", "审核通过日期", "YYYY-MM-DD", "2021-06-30"),
    )
    natural_key = ("credit_code",)
    aliases = ("机构信息", "消防技术服务机构", "orgs")

    def parse(self, values: dict[str, str]) -> OrgRow:
        check = Checker(self, values)
        row = OrgRow(
            credit_code=check.credit_code("credit_code") or "",
            name=check.text("name", 128, required=True) or "",
            types=_org_types(check),
            legal_form=check.text("legal_form", 32) or "企业法人",
            legal_rep_name=check.name("legal_rep_name") or "",
            legal_rep_id_number=check.id_number("legal_rep_id_number") or "",
            legal_rep_phone=check.phone("legal_rep_phone") or "",
            address=check.text("address", 256, required=True) or "",
            site=check.site(),
            district=check.district("district"),
            workplace_area_m2=check.number("workplace_area_m2") or 0.0,
            status=check.choice("status", ORG_STATUS_CHOICES, required=False, default="verified"),
            verified_on=check.date("verified_on"),
        )
        check.done()
        return row

    def prefetch(self, ctx: Context, rows: list[OrgRow]) -> None:
        ctx.refs.prefetch(credit_codes=[r.credit_code for r in rows])
        ctx.refs.prefetch_users([r.legal_rep_phone for r in rows])

    def apply(self, ctx: Context, row: OrgRow) -> str:
        existing = ctx.refs.org(row.credit_code)
        if existing is not None:
            ctx.adopt(Organization, existing.id, existing.is_trial)
            return UNCHANGED
        lng, lat, district = _location(row)
        user, _ = user_for_phone(ctx, row.legal_rep_phone, row.legal_rep_name)
        org = Organization(
            credit_code=row.credit_code,
            name=row.name,
            types=row.types,
            legal_form=row.legal_form,
            legal_rep_name=row.legal_rep_name,
            legal_rep_id_number=row.legal_rep_id_number,
            legal_rep_id_hash=id_number_hash(row.legal_rep_id_number),
            legal_rep_user_id=user.id,
            address=row.address,
            lng=lng,
            lat=lat,
            district_code=district,
            workplace_area_m2=row.workplace_area_m2,
            status=row.status,
            review_reasons=[],
            verified_at=local_midnight(row.verified_on) if row.verified_on else utcnow(),
            imported=True,
            is_trial=False,
        )
        db.session.add(org)
        db.session.flush()
        grant_role(user, Role.LEGAL_REP, org_id=org.id)
        grant_role(user, Role.ORG_ADMIN, org_id=org.id)
        if not ctx.dry_run:
            org.registry_notes = registry_notes(org) + bigdata_notes(org)
        ctx.event(
            "import.organization",
            f"{org.name} 自原系统导入（机构状态：{ORG_STATUS_NAMES[org.status]}）",
            org_id=org.id,
            district_code=org.district_code,
            visibility="org",
            data={"registry_notes": len(org.registry_notes)},
        )
        ctx.refresh_conditions(org)
        ctx.refs.orgs[org.credit_code] = org_ref(org)
        return CREATED

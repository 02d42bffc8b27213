"""Row checks that need no database: each cell is parsed and checked with the rules the API applies (GB 32100
and GB 11643 check characters, mobile numbers, certificate kinds and levels, datums, coordinates inside
Shanghai, districts from the district polygons, contract periods). Every problem of a row is collected, so the
error file lists them all at once; references to other rows are checked by the importer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from backend.core import geo, jurisdictions
from backend.core.timeutil import SHANGHAI, today, utcnow
from backend.core.validators import (
    cn_mobile_error,
    credit_code_error,
    id_number_error,
    normalize_cn_mobile,
    normalize_credit_code,
    normalize_id_number,
)
from backend.modules.documents.models import DOC_TYPES
from backend.modules.projects import catalogue
from backend.modules.projects.models import SERVICE_TYPES
from backend.modules.projects.services.registration import MAX_CONTRACT_YEARS
from backend.modules.realname.models import CERT_KINDS, OPERATOR_LEVELS, ORG_TYPES, POSITIONS

from .formats import (
    DOCUMENTS,
    EMPLOYMENTS,
    ORGANIZATIONS,
    PRACTITIONERS,
    PROJECTS,
    VISITS,
    ObjectFormat,
)

LIST_SEPARATORS = re.compile(r"[;；,，|\n]+")
NAME_LIST_SEPARATORS = re.compile(r"[;；,，、|\s]+")
PROJECT_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_/\-]{0,31}$")
VISIT_NO_MAX = 40  # the visit's idempotency key is "v1-" + this, within its 64 characters
REPORT_NUMBER_MAX = 40
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _choices(names: dict[str, str], *extra: tuple[str, str]) -> dict[str, str]:
    """Chinese name → key, and the key itself."""
    return {**{v: k for k, v in names.items()}, **{k: k for k in names}, **dict(extra)}


ORG_TYPE_CHOICES = _choices(ORG_TYPES, ("维保检测", "maintenance_testing"), ("评估", "assessment"))
ORG_STATUS_CHOICES = {"正常": "verified", "停业": "suspended", "注销": "deregistered"} | {
    s: s for s in ("verified", "suspended", "deregistered")
}
CERT_KIND_CHOICES = _choices(CERT_KINDS)
POSITION_CHOICES = _choices(POSITIONS)
EMPLOYMENT_STATUS_CHOICES = {"在职": "active", "离职": "ended", "active": "active", "ended": "ended"}
SERVICE_CHOICES = _choices(SERVICE_TYPES, ("维保", "maintenance"), ("维护保养检测", "maintenance"))
DOC_TYPE_CHOICES = _choices(DOC_TYPES, ("维保记录", "maintenance_record"))
# 五级/初级工, 五级/初级, 五级, 初级, 5 → 5 (realname keeps levels as 5 … 1, lower is higher)
OPERATOR_LEVEL_CHOICES: dict[str, int] = {}
for _level, _name in OPERATOR_LEVELS.items():
    _grade, _title = _name.split("/")
    for _alias in (
        _name,
        f"{_grade}/{_title.removesuffix('工')}",
        _grade,
        _title,
        _title.removesuffix("工"),
        str(_level),
    ):
        OPERATOR_LEVEL_CHOICES[_alias] = _level
DISTRICT_CHOICES: dict[str, str] = {}
for _code, _name in jurisdictions.DISTRICTS.items():
    DISTRICT_CHOICES.update({_code: _code, _name: _code, _name.removesuffix("区"): _code})
DISTRICT_CHOICES["浦东"] = "310115"


class RowInvalid(Exception):
    """One row's problems: [(column key, Chinese reason)]."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{k}: {r}" for k, r in errors))
        self.errors = errors


@dataclass(frozen=True)
class Site:
    lng: float  # WGS-84
    lat: float
    source_crs: str
    district: str  # adcode from the district polygons


class Checker:
    """Reads the cells of one row and collects what is wrong with them."""

    def __init__(self, fmt: ObjectFormat, values: dict[str, str]) -> None:
        self.fmt = fmt
        self.values = values
        self.errors: list[tuple[str, str]] = []

    def fail(self, key: str, reason: str) -> None:
        self.errors.append((key, reason))

    def raw(self, key: str) -> str:
        return (self.values.get(key) or "").strip()

    def _missing(self, key: str, required: bool) -> bool:
        if self.raw(key):
            return False
        if required:
            self.fail(key, "必填项为空")
        return True

    def text(self, key: str, max_len: int, *, required: bool = False) -> str | None:
        if self._missing(key, required):
            return None
        value = self.raw(key)
        if len(value) > max_len:
            self.fail(key, f"不能超过{max_len}个字")
            return None
        return value

    def name(self, key: str, *, required: bool = True) -> str | None:
        value = self.text(key, 64, required=required)
        return "".join(value.split()) if value else value

    def credit_code(self, key: str, *, required: bool = True) -> str | None:
        if self._missing(key, required):
            return None
        code = normalize_credit_code(self.raw(key))
        if error := credit_code_error(code):
            self.fail(key, error)
            return None
        return code

    def id_number(self, key: str, *, required: bool = True) -> str | None:
        if self._missing(key, required):
            return None
        number = normalize_id_number(self.raw(key))
        if "E+" in number or "." in number:
            self.fail(key, "身份证号被存成了数字（精度已丢失）：请将该列设为文本格式后重新导出")
            return None
        if error := id_number_error(number):
            self.fail(key, error)
            return None
        return number

    def id_numbers(self, key: str) -> list[str]:
        numbers: list[str] = []
        for part in NAME_LIST_SEPARATORS.split(self.raw(key)):
            if not part:
                continue
            number = normalize_id_number(part)
            if error := id_number_error(number):
                self.fail(key, f"{error}（第{len(numbers) + 1}人）")
            else:
                numbers.append(number)
        return list(dict.fromkeys(numbers))

    def phone(self, key: str, *, required: bool = True) -> str | None:
        if self._missing(key, required):
            return None
        phone = normalize_cn_mobile(self.raw(key))
        if error := cn_mobile_error(phone):
            self.fail(key, error)
            return None
        return phone

    def choice(self, key: str, choices: dict[str, Any], *, required: bool = True, default: Any = None) -> Any:
        if self._missing(key, required):
            return default
        value = self.raw(key)
        found = choices.get(value, choices.get(value.lower()))
        if found is None:
            names = "、".join(dict.fromkeys(k for k in choices if not k.isascii()))
            self.fail(key, f"“{value}”无效，应为：{names}")
        return found

    def number(self, key: str, *, minimum: float = 0.0) -> float | None:
        if self._missing(key, False):
            return None
        try:
            value = float(self.raw(key).replace(",", ""))
        except ValueError:
            self.fail(key, "应为数字")
            return None
        if value < minimum:
            self.fail(key, f"不能小于{minimum:g}")
            return None
        return value

    def date(self, key: str, *, required: bool = False) -> date | None:
        if self._missing(key, required):
            return None
        value = self.raw(key).split(" ")[0]
        match = _DATE.match(value) or _COMPACT_DATE.match(value)
        try:
            if match is None:
                raise ValueError
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            self.fail(key, "日期格式应为 YYYY-MM-DD")
            return None

    def datetime(self, key: str, *, required: bool = False) -> datetime | None:
        """Beijing time unless the cell carries its own offset."""
        if self._missing(key, required):
            return None
        value = self.raw(key)
        try:
            match = _DATETIME.match(value)
            if match:
                year, month, day, hour, minute, second = (int(p) for p in match.groups(default="0"))
                return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)
        except ValueError:
            self.fail(key, "时间格式应为 YYYY-MM-DD HH:MM[:SS]")
            return None

    def district(self, key: str) -> str | None:
        if self._missing(key, False):
            return None
        value = self.raw(key).removeprefix("上海市")
        code = DISTRICT_CHOICES.get(value)
        if code is None:
            self.fail(key, f"未知的区“{value}”：应为上海市16个区之一（区名或行政区划代码）")
        return code

    def site(self, *, required: bool = False) -> Site | None:
        """Coordinates in the datum the row names, converted to WGS-84; the district from the polygons."""
        lng_text, lat_text = self.raw("lng"), self.raw("lat")
        if not lng_text and not lat_text:
            if required:
                self.fail("lng", "必填项为空：请填写经纬度")
            return None
        try:
            lng, lat = float(lng_text), float(lat_text)
        except ValueError:
            self.fail("lng" if not _is_float(lng_text) else "lat", "经纬度应为数字，且须同时填写")
            return None
        crs = (self.raw("crs") or geo.CRS.WGS84.value).lower()
        if crs not in {c.value for c in geo.CRS}:
            self.fail("crs", geo.MESSAGES["geo_unknown_crs"])
            return None
        try:
            lng, lat = geo.to_wgs84(lng, lat, crs)
            geo.require_in_shanghai(lng, lat)
        except geo.GeoError as exc:
            self.fail("lng", exc.message)
            return None
        found = geo.district_of(lng, lat)
        if found is None:
            self.fail("lng", geo.MESSAGES["geo_outside_shanghai"])
            return None
        return Site(lng, lat, crs, found.adcode)

    def done(self) -> None:
        if self.errors:
            raise RowInvalid(self.errors)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def split_list(text: str) -> list[str]:
    return [p.strip() for p in LIST_SEPARATORS.split(text or "") if p.strip()]


# --- organisations ------------------------------------------------------------------------------------------


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


def organization(values: dict[str, str]) -> OrgRow:
    check = Checker(ORGANIZATIONS, values)
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


# --- practitioners and certificates -------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateRow:
    kind: str
    cert_no: str
    registration_no: str | None
    level: int | None


@dataclass(frozen=True)
class PractitionerRow:
    id_number: str
    name: str
    phone: str
    certificate: CertificateRow | None


def _certificate(check: Checker) -> CertificateRow | None:
    kind = check.choice("cert_kind", CERT_KIND_CHOICES, required=False)
    if kind is None:
        if check.raw("cert_no"):
            check.fail("cert_kind", "填写了证书编号时必须填写证书类别")
        return None
    cert_no = check.text("cert_no", 64, required=True)
    registration_no = check.text("registration_no", 64)
    level = None
    if kind == "operator":
        level = check.choice("operator_level", OPERATOR_LEVEL_CHOICES)
    if cert_no is None:
        return None
    return CertificateRow(kind, cert_no.upper(), registration_no, level)


def practitioner(values: dict[str, str]) -> PractitionerRow:
    check = Checker(PRACTITIONERS, values)
    row = PractitionerRow(
        id_number=check.id_number("id_number") or "",
        name=check.name("name") or "",
        phone=check.phone("phone") or "",
        certificate=_certificate(check),
    )
    check.done()
    return row


# --- employments --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmploymentRow:
    id_number: str
    credit_code: str
    position: str
    status: str
    started_on: date | None
    ended_on: date | None


def employment(values: dict[str, str]) -> EmploymentRow:
    check = Checker(EMPLOYMENTS, values)
    row = EmploymentRow(
        id_number=check.id_number("id_number") or "",
        credit_code=check.credit_code("credit_code") or "",
        position=check.choice("position", POSITION_CHOICES),
        status=check.choice("status", EMPLOYMENT_STATUS_CHOICES, required=False, default="active"),
        started_on=check.date("started_on"),
        ended_on=check.date("ended_on"),
    )
    if row.started_on and row.started_on > today():
        check.fail("started_on", "入职日期不能晚于今天")
    if row.ended_on and row.started_on and row.ended_on < row.started_on:
        check.fail("ended_on", "离职日期不能早于入职日期")
    if row.status == "active" and row.ended_on:
        check.fail("ended_on", "在职人员不应填写离职日期")
    check.done()
    return row


# --- projects -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectRow:
    project_no: str
    credit_code: str
    service_type: str
    name: str
    client_name: str
    client_credit_code: str | None
    client_contact_name: str | None
    client_contact_phone: str | None
    building_name: str
    building_address: str
    building_use: str | None
    floor_area_m2: float | None
    facility_systems: list[str]
    site: Site | None
    district: str
    contract_start: date
    contract_end: date
    lead_id_number: str
    member_id_numbers: list[str]


def _project_no(check: Checker, key: str = "project_no") -> str | None:
    if check._missing(key, True):
        return None
    value = check.raw(key).upper()
    if not PROJECT_NO.match(value):
        check.fail(key, "项目编号只能包含字母、数字、-、_、/，且不超过32位")
        return None
    return value


def _facility_systems(check: Checker) -> list[str]:
    by_name = {s.name: s.code for s in catalogue.current().systems}
    codes, unknown = [], []
    for part in split_list(check.raw("facility_systems")):
        code = by_name.get(part, part)
        if catalogue.unknown_systems([code]):
            unknown.append(part)
        else:
            codes.append(code)
    if unknown:
        check.fail("facility_systems", f"未知的消防设施系统“{'、'.join(unknown)}”")
    return list(dict.fromkeys(codes))


def _contract(check: Checker) -> tuple[date | None, date | None]:
    start, end = check.date("contract_start", required=True), check.date("contract_end", required=True)
    if start and end:
        if end < start:
            check.fail("contract_end", "合同结束日期不能早于开始日期")
        elif end > catalogue.add_years(start, MAX_CONTRACT_YEARS):
            check.fail("contract_end", f"合同期不能超过{MAX_CONTRACT_YEARS}年")
    return start, end


def project(values: dict[str, str]) -> ProjectRow:
    check = Checker(PROJECTS, values)
    site = check.site()
    district = check.district("district")
    if site is None and district is None and not check.raw("lng") and not check.raw("district"):
        check.fail("district", "无坐标时必须填写所在区")
    start, end = _contract(check)
    row = ProjectRow(
        project_no=_project_no(check) or "",
        credit_code=check.credit_code("credit_code") or "",
        service_type=check.choice("service_type", SERVICE_CHOICES),
        name=check.text("name", 200, required=True) or "",
        client_name=check.text("client_name", 200, required=True) or "",
        client_credit_code=check.credit_code("client_credit_code", required=False),
        client_contact_name=check.name("client_contact_name", required=False),
        client_contact_phone=check.phone("client_contact_phone", required=False),
        building_name=check.text("building_name", 200, required=True) or "",
        building_address=check.text("building_address", 256, required=True) or "",
        building_use=check.text("building_use", 64),
        floor_area_m2=check.number("floor_area_m2"),
        facility_systems=_facility_systems(check),
        site=site,
        district=site.district if site else (district or ""),
        contract_start=start or date.min,
        contract_end=end or date.min,
        lead_id_number=check.id_number("lead_id_number") or "",
        member_id_numbers=check.id_numbers("member_id_numbers"),
    )
    check.done()
    return row


# --- visits -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitRow:
    visit_no: str
    project_no: str
    id_number: str
    checked_in_at: datetime
    checked_out_at: datetime | None
    site: Site


def visit(values: dict[str, str]) -> VisitRow:
    check = Checker(VISITS, values)
    checked_in = check.datetime("checked_in_at", required=True)
    checked_out = check.datetime("checked_out_at")
    if checked_in and checked_in > utcnow():
        check.fail("checked_in_at", "签到时间不能晚于当前时间")
    if checked_in and checked_out and checked_out < checked_in:
        check.fail("checked_out_at", "签退时间不能早于签到时间")
    row = VisitRow(
        visit_no=(check.text("visit_no", VISIT_NO_MAX, required=True) or "").upper(),
        project_no=_project_no(check) or "",
        id_number=check.id_number("id_number") or "",
        checked_in_at=checked_in or datetime.min,
        checked_out_at=checked_out,
        site=check.site(required=True),  # type: ignore[arg-type]
    )
    check.done()
    return row


# --- conclusion documents -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    report_number: str
    project_no: str
    doc_type: str | None
    period_start: date
    period_end: date
    effective_on: date
    project_lead_id_number: str
    technical_lead_id_number: str
    conclusion: str


def document(values: dict[str, str]) -> DocumentRow:
    check = Checker(DOCUMENTS, values)
    start = check.date("period_start", required=True)
    end = check.date("period_end", required=True)
    effective = check.date("effective_on", required=True)
    if start and end and (end < start or (end - start).days > 366):
        check.fail("period_end", "服务期间结束日期须不早于开始日期，且期间不超过一年")
    if start and effective and effective < start:
        check.fail("effective_on", "生效日期不能早于服务期间开始日期")
    if effective and effective > today():
        check.fail("effective_on", "生效日期不能晚于今天")
    row = DocumentRow(
        report_number=(check.text("report_number", REPORT_NUMBER_MAX, required=True) or "").upper(),
        project_no=_project_no(check) or "",
        doc_type=check.choice("doc_type", DOC_TYPE_CHOICES, required=False),
        period_start=start or date.min,
        period_end=end or date.min,
        effective_on=effective or date.min,
        project_lead_id_number=check.id_number("project_lead_id_number") or "",
        technical_lead_id_number=check.id_number("technical_lead_id_number") or "",
        conclusion=check.text("conclusion", 2000) or "",
    )
    check.done()
    return row


PARSERS = {
    "organizations": organization,
    "practitioners": practitioner,
    "employments": employment,
    "projects": project,
    "visits": visit,
    "documents": document,
}


def natural_key(fmt: ObjectFormat, values: dict[str, str]) -> tuple[str, ...] | None:
    """The row's key as written (normalised), for spotting a row given twice in one file; None when blank."""
    key = tuple((values.get(k) or "").strip().upper() for k in fmt.natural_key)
    return key if key[0] else None

"""项目及委托单位: projects with their client unit and building, known by their project number. A project without
its conclusion document (or whose contract runs on) is imported as 待补充信息 and waits for its organisation to
supplement the coordinates (geofence), the client contact and the maintenance plan (supplement.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from backend.core.crypto import phone_hash
from backend.core.db import db
from backend.core.timeutil import today
from backend.modules.projects import catalogue
from backend.modules.projects.queries import SERVICE_TYPES, Project, ProjectMember
from backend.modules.projects.services.common import SERVICE_ORG_TYPES
from backend.modules.projects.services.registration import MAX_CONTRACT_YEARS
from backend.modules.realname import queries
from backend.modules.realname.queries import practitioner_by_id

from .. import supplement
from .common import (
    CREATED,
    CRS_COLUMN,
    DISTRICT_HELP,
    UNCHANGED,
    Checker,
    Column,
    Kind,
    PersonRef,
    Site,
    choices,
    invalid,
    local_midnight,
    project_ref,
    split_list,
)
from .run import Context, known_org, known_person

SERVICE_CHOICES = choices(SERVICE_TYPES, ("维保", "maintenance"), ("维护保养检测", "maintenance"))


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


def _lead_problems(ctx: Context, lead_id: int, org_id: int) -> list[str]:
    """A project that continues needs a lead employed by the organisation with a valid engineer certificate,
    as registration requires (history that ended is imported as it was)."""
    key = (lead_id, org_id)
    if key not in ctx.lead_problems:
        lead = practitioner_by_id(lead_id)
        problems = []
        if lead is None or not queries.employed_by(lead_id, org_id):
            problems.append("项目负责人不在该机构在职")
        elif not queries.is_registered_engineer(lead):
            problems.append("项目负责人没有有效的注册消防工程师证书")
        ctx.lead_problems[key] = problems
    return ctx.lead_problems[key]


def _members(ctx: Context, row: ProjectRow) -> tuple[PersonRef, list[PersonRef]]:
    lead = known_person(ctx, row.lead_id_number, "lead_id_number")
    unknown = [i + 1 for i, n in enumerate(row.member_id_numbers) if ctx.refs.person(n) is None]
    if unknown:
        raise invalid("member_id_numbers", f"第{'、'.join(map(str, unknown))}名项目成员未找到：请先导入从业人员")
    members = [known_person(ctx, n, "member_id_numbers") for n in row.member_id_numbers]
    return lead, [m for m in members if m.id != lead.id]


def _initial_status(ctx: Context, row: ProjectRow) -> str:
    """Concluded when the v1 project has its conclusion document and its contract has ended; anything that
    continues waits for the supplement (coordinates with a geofence, client contact, maintenance plan)."""
    if row.project_no in ctx.documented and row.contract_end < today():
        return "concluded"
    return "needs_supplement"


def _missing_at_import(project: Project) -> list[str]:
    """projects.services.common.missing_for_practice for a project just imported, without its plan query (an
    imported project has no maintenance plan yet); the tests hold the two to the same answer."""
    missing = []
    if project.lng is None or project.lat is None or not project.geofence:
        missing.append("coordinates")
    if not project.client_contact_name or not project.client_contact_phone:
        missing.append("client_contact")
    if project.service_type == "maintenance":
        missing.append("maintenance_plan")
    return missing


def _imported_event(ctx: Context, project: Project) -> None:
    service = SERVICE_TYPES[project.service_type]
    if project.status == "concluded":
        summary = f"{service}项目{project.project_no}（{project.building_name}）自原系统导入（已完结）"
        data: dict[str, Any] = {"status": project.status}
    else:
        missing = _missing_at_import(project)
        summary = (
            f"{service}项目{project.project_no}（{project.building_name}）自原系统导入，"
            f"须补充{supplement.missing_text(missing)}后才能继续执业"
        )
        data = {"status": project.status, "missing": missing}
    ctx.event(
        "import.project",
        summary,
        org_id=project.org_id,
        practitioner_id=project.lead_practitioner_id,
        project_id=project.id,
        district_code=project.district_code,
        special_zone=project.special_zone,
        visibility="org",
        data=data,
    )


class Projects(Kind[ProjectRow]):
    key = "projects"
    name = "项目及委托单位"
    description = (
        "项目与委托单位、建筑，以项目编号识别。无书面结论文件（或合同未结束）的项目导入为“待补充信息”，"
        "须由机构补充项目坐标（电子围栏）、委托单位联系人和维保计划后才能继续。"
    )
    columns = (
        Column(
            "project_no", "项目编号", "原系统编号，全市唯一；字母、数字、-、_、/，不超过32位", "WB2023-0001", True, True
        ),
        Column("credit_code", "机构统一社会信用代码", "承接项目的机构", "91310101MAC1PBUW93", True, True),
        Column("service_type", "服务类型", "维保（维护保养）、检测、评估", "维保", True),
        Column("name", "项目名称", "不超过200字", "上海博物馆消防设施维护保养", True),
        Column("client_name", "委托单位名称", "不超过200字", "上海博物馆", True),
        Column("client_credit_code", "委托单位统一社会信用代码", "18位，按 GB 32100 校验", "", text=True),
        Column("client_contact_name", "委托单位联系人", "缺少时须补充", "王建国"),
        Column("client_contact_phone", "联系人手机号", "11位手机号；加密保存", "13916000001", text=True),
        Column("building_name", "建筑名称", "不超过200字", "上海博物馆", True),
        Column("building_address", "建筑地址", "不超过256字", "上海市黄浦区人民大道201号", True),
        Column("building_use", "建筑用途", "如 商业、办公、医疗", "文化"),
        Column("floor_area_m2", "建筑面积（平方米）", "数字", "39200"),
        Column(
            "facility_systems",
            "消防设施系统",
            "系统代码或名称，用“；”分隔（见项目模块的维保目录）",
            "火灾自动报警系统；自动喷水灭火系统",
        ),
        Column("lng", "经度", "与纬度同时填写", "121.4756"),
        Column("lat", "纬度", "与经度同时填写", "31.2285"),
        CRS_COLUMN,
        Column("district", "所在区", DISTRICT_HELP + "；无坐标时必填", "黄浦区"),
        Column("contract_start", "合同开始日期", "YYYY-MM-DD", "2023-01-01", True),
        Column("contract_end", "合同结束日期", "YYYY-MM-DD；合同期不超过5年", "2023-12-31", True),
        Column("lead_id_number", "项目负责人身份证号", "注册消防工程师", "", True, True),
        Column("member_id_numbers", "项目成员身份证号", "多人用“；”分隔", "", text=True),
    )
    natural_key = ("project_no",)
    aliases = ("项目", "委托单位")

    def parse(self, values: dict[str, str]) -> ProjectRow:
        check = Checker(self, values)
        site = check.site()
        district = check.district("district")
        if site is None and district is None and not check.raw("lng") and not check.raw("district"):
            check.fail("district", "无坐标时必须填写所在区")
        start, end = _contract(check)
        row = ProjectRow(
            project_no=check.project_no() or "",
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

    def prefetch(self, ctx: Context, rows: list[ProjectRow]) -> None:
        people = [n for r in rows for n in (r.lead_id_number, *r.member_id_numbers)]
        ctx.refs.prefetch([r.credit_code for r in rows], people, [r.project_no for r in rows])

    def apply(self, ctx: Context, row: ProjectRow) -> str:
        org = known_org(ctx, row.credit_code)
        existing = ctx.refs.project(row.project_no)
        if existing is not None:
            if existing.org_id != org.id:
                raise invalid("project_no", "该项目编号已被其他机构的项目使用")
            ctx.adopt(Project, existing.id, existing.is_trial)
            return UNCHANGED
        if SERVICE_ORG_TYPES[row.service_type] not in org.types:
            raise invalid(
                "service_type", "该机构类型不能承接此类服务：维保、检测须为维护保养检测机构，评估须为评估机构"
            )
        lead, members = _members(ctx, row)
        status = _initial_status(ctx, row)
        if status != "concluded" and (problems := _lead_problems(ctx, lead.id, org.id)):
            raise invalid("lead_id_number", "；".join(problems))
        contract_over = local_midnight(row.contract_end + timedelta(days=1))
        project = Project(
            project_no=row.project_no,
            org_id=org.id,
            service_type=row.service_type,
            name=row.name,
            status=status,
            client_name=row.client_name,
            client_credit_code=row.client_credit_code,
            client_contact_name=row.client_contact_name,
            client_contact_phone=row.client_contact_phone,
            client_contact_phone_hash=phone_hash(row.client_contact_phone) if row.client_contact_phone else None,
            building_name=row.building_name,
            building_address=row.building_address,
            building_use=row.building_use,
            floor_area_m2=row.floor_area_m2,
            facility_systems=row.facility_systems,
            lng=row.site.lng if row.site else None,
            lat=row.site.lat if row.site else None,
            coord_source_crs=row.site.source_crs if row.site else None,
            district_code=row.district,
            contract_start=row.contract_start,
            contract_end=row.contract_end,
            lead_practitioner_id=lead.id,
            concluded_at=contract_over if status == "concluded" else None,
            imported=True,
            is_trial=False,
        )
        project.members = [ProjectMember(practitioner_id=lead.id, role="lead")] + [
            ProjectMember(practitioner_id=m.id, role="member") for m in members
        ]
        db.session.add(project)  # written with the rest of the batch, in one statement
        ctx.new_projects.append(project)
        return CREATED

    def finish(self, ctx: Context) -> None:
        for project in ctx.new_projects:
            _imported_event(ctx, project)
            ctx.refs.projects[project.project_no] = project_ref(project)

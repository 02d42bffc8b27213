"""书面结论文件: the v1 conclusion documents in force (维护保养记录, 检测报告, 评估报告), known by their report number;
imported as effective, without electronic signatures. A document concludes its project once the contract is
over."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from backend.core.db import db
from backend.core.timeutil import today
from backend.modules.documents.queries import DOC_TYPE_FOR_SERVICE, DOC_TYPES, ConclusionDocument
from backend.modules.projects.queries import project_by_id
from backend.modules.projects.services.common import change_status

from .common import CREATED, UNCHANGED, Checker, Column, Kind, ProjectRef, choices, invalid, local_midnight, project_ref
from .run import Context, history_events, known_person, known_project

REPORT_NUMBER_MAX = 40
DOC_TYPE_CHOICES = choices(DOC_TYPES, ("维保记录", "maintenance_record"))
IMPORTED_FLAG = {"code": "imported", "message": "原系统导入的书面结论文件（无电子签名和防伪二维码）"}


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


def _conclude_if_over(ctx: Context, ref: ProjectRef) -> None:
    """A project imported earlier without its document, whose contract has ended, is concluded by it."""
    if ctx.dry_run or ref.status != "needs_supplement" or ref.contract_end is None or ref.contract_end >= today():
        return
    project = project_by_id(ref.id)
    assert project is not None
    change_status(project, "concluded", f"项目{project.project_no}导入原系统结论文件，合同已结束，项目完结")
    ctx.refs.projects[project.project_no] = project_ref(project)


class Documents(Kind[DocumentRow]):
    key = "documents"
    name = "书面结论文件"
    description = "原系统已生效的维护保养记录、检测报告、评估报告，以报告编号识别。"
    columns = (
        Column("report_number", "报告编号", "全市唯一，不超过40位", "WB-310101-2023-000123", True, True),
        Column("project_no", "项目编号", "已导入或已登记的项目", "WB2023-0001", True, True),
        Column("doc_type", "文件类型", "维护保养记录、检测报告、评估报告；留空按项目服务类型", "维护保养记录"),
        Column("period_start", "服务期间开始", "YYYY-MM-DD", "2023-03-01", True),
        Column("period_end", "服务期间结束", "YYYY-MM-DD；不超过一年", "2023-03-31", True),
        Column("effective_on", "生效日期", "YYYY-MM-DD", "2023-04-02", True),
        Column("project_lead_id_number", "项目负责人身份证号", "签署文件的项目负责人", "", True, True),
        Column("technical_lead_id_number", "技术负责人身份证号", "审核签署文件的技术负责人", "", True, True),
        Column("conclusion", "结论", "不超过2000字", "本月维护保养项目均已完成，系统运行正常。"),
    )
    natural_key = ("report_number",)
    aliases = ("结论文件", "报告", "reports")

    def parse(self, values: dict[str, str]) -> DocumentRow:
        check = Checker(self, values)
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
            project_no=check.project_no() or "",
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

    def prefetch(self, ctx: Context, rows: list[DocumentRow]) -> None:
        """The batch's people and projects, and its documents already imported (one query, the unique index)."""
        refs = ctx.refs
        people = [n for r in rows for n in (r.project_lead_id_number, r.technical_lead_id_number)]
        refs.prefetch(id_numbers=people, project_nos=[r.project_no for r in rows])
        numbers = [r.report_number for r in rows]
        if numbers:
            found = db.session.execute(
                sa.select(ConclusionDocument.report_number, ConclusionDocument.project_id).where(
                    ConclusionDocument.report_number.in_(numbers)
                )
            )
            refs.reports.update({number: project for number, project in found})

    def apply(self, ctx: Context, row: DocumentRow) -> str:
        project = known_project(ctx, row.project_no)
        existing = ctx.refs.reports.get(row.report_number)
        if existing is not None:
            if existing != project.id:
                raise invalid("report_number", "该报告编号已被其他项目的结论文件使用")
            return UNCHANGED
        doc_type = DOC_TYPE_FOR_SERVICE[project.service_type]
        if row.doc_type is not None and row.doc_type != doc_type:
            raise invalid("doc_type", f"与项目的服务类型不符：应为{DOC_TYPES[doc_type]}")
        project_lead = known_person(ctx, row.project_lead_id_number, "project_lead_id_number")
        technical_lead = known_person(ctx, row.technical_lead_id_number, "technical_lead_id_number")
        effective_at = local_midnight(row.effective_on)
        ctx.refs.reports[row.report_number] = project.id
        db.session.add(
            ConclusionDocument(
                report_number=row.report_number,
                project_id=project.id,
                org_id=project.org_id,
                doc_type=doc_type,
                period_start=row.period_start,
                period_end=row.period_end,
                status="effective",
                items=[],
                defects=[],
                conclusion=row.conclusion,
                project_lead_id=project_lead.id,
                technical_lead_id=technical_lead.id,
                block_reasons=[],
                flags=[dict(IMPORTED_FLAG)],
                evaluated_at=effective_at,
                effective_at=effective_at,
                district_code=project.district_code,
                special_zone=project.special_zone,
                is_trial=False,
            )
        )
        ctx.history.setdefault(project.id, Counter())["documents"] += 1
        _conclude_if_over(ctx, project)
        return CREATED

    def finish(self, ctx: Context) -> None:
        history_events(ctx)

"""A monthly report as PDF (the shared CJK page template, font embedded) and as XLSX (openpyxl). Both are
made from the figures frozen in the report, in the order of reports.SECTIONS."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table

from backend.core.access import Actor
from backend.core.pdf import (
    PageDecoration,
    build_pdf,
    format_date_cn,
    format_datetime_cn,
    grid_table_style,
    key_value_table_style,
    para,
)

from .models import REPORT_STATUSES, MonthlyReport
from .reports import SECTIONS, ReportView, get_report

PLAN_COLUMNS = [
    ("project_no", "项目编号"),
    ("name", "项目名称"),
    ("due", "应完成"),
    ("done", "已完成"),
    ("not_done", "未完成"),
    ("outside_window", "容许期外"),
    ("flagged", "有期外记录"),
]


def shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def month_title(month: str) -> str:
    year, number = month.split("-")
    return f"{year}年{int(number)}月"


def _status_line(report: MonthlyReport) -> str:
    if report.submitted_at is None:
        return f"{REPORT_STATUSES[report.status]}（截止{format_date_cn(report.due_on)}）"
    late = "，逾期" if report.late else ""
    return f"已于{format_datetime_cn(report.submitted_at)}提交{late}"


def filename(report: MonthlyReport, suffix: str) -> str:
    name = report.figures.get("org", {}).get("name", "机构")
    return f"{name}-{report.month}-月度报表.{suffix}"


# --- PDF --------------------------------------------------------------------------------------------------


def _figures_table(report: MonthlyReport) -> Table:
    rows: list[list[Any]] = [[para("类别", "cell_center"), para("项目", "cell_center"), para("数值", "cell_center")]]
    for section, title, items in SECTIONS:
        values = report.figures.get(section, {})
        for index, (key, label, unit) in enumerate(items):
            value = values.get(key)
            text = shown(value) + (f" {unit}" if value is not None else "")
            rows.append([para(title if index == 0 else "", "cell"), para(label, "cell"), para(text, "cell")])
    table = Table(rows, colWidths=[42 * mm, 80 * mm, 52 * mm], repeatRows=1)
    table.setStyle(grid_table_style())
    return table


def _plan_table(report: MonthlyReport) -> Table | None:
    projects = report.figures.get("plan_projects", [])
    if not projects:
        return None
    rows: list[list[Any]] = [[para(label, "cell_center") for _, label in PLAN_COLUMNS]]
    for row in projects:
        rows.append([para(shown(row.get(key)), "cell") for key, _ in PLAN_COLUMNS])
    widths = [30 * mm, 56 * mm, 16 * mm, 16 * mm, 16 * mm, 18 * mm, 22 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(grid_table_style())
    return table


def render_pdf(report: MonthlyReport) -> bytes:
    org = report.figures.get("org", {})
    info = Table(
        [
            [
                para("机构名称", "label"),
                para(org.get("name", ""), "cell"),
                para("统一社会信用代码", "label"),
                para(org.get("credit_code", ""), "cell"),
            ],
            [
                para("报表月份", "label"),
                para(month_title(report.month), "cell"),
                para("编制时间", "label"),
                para(format_datetime_cn(report.compiled_at), "cell"),
            ],
            [
                para("提交情况", "label"),
                para(_status_line(report), "cell"),
                para("报表编号", "label"),
                para(f"YB-{report.month}-{report.org_id}", "cell"),
            ],
        ],
        colWidths=[24 * mm, 60 * mm, 32 * mm, 58 * mm],
    )
    info.setStyle(key_value_table_style())
    story: list[Any] = [
        para("消防技术服务机构月度报表", "title"),
        para(f"{org.get('name', '')}　{month_title(report.month)}", "subtitle"),
        Spacer(1, 4 * mm),
        info,
        para("主要数据", "heading"),
        _figures_table(report),
    ]
    plan = _plan_table(report)
    if plan is not None:
        story += [para("维保计划执行明细", "heading"), plan]
    if report.remarks:
        story += [para("机构说明", "heading"), para(report.remarks)]
    story += [
        Spacer(1, 6 * mm),
        para("本报表由系统根据当月签到、工作记录、结论文件、从业反馈等数据自动编制，经机构审核后提交。", "small"),
    ]
    decoration = PageDecoration(
        header_left=org.get("name", ""),
        header_right=f"月度报表 {report.month}",
        footer_left="上海市消防技术服务机构执业活动管理系统",
    )
    return build_pdf(
        story,
        title=f"{org.get('name', '')} {month_title(report.month)}月度报表",
        author=org.get("name", ""),
        decoration=decoration,
    )


# --- XLSX -------------------------------------------------------------------------------------------------

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8EDF3")


def _header(sheet: Any, labels: list[str]) -> None:
    sheet.append(labels)
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")


def render_xlsx(report: MonthlyReport) -> bytes:
    org = report.figures.get("org", {})
    book = Workbook()
    summary = book.active
    assert isinstance(summary, Worksheet)  # a new workbook opens on its one worksheet
    summary.title = "月度报表"
    summary.append(["机构名称", org.get("name", "")])
    summary.append(["统一社会信用代码", org.get("credit_code", "")])
    summary.append(["报表月份", report.month])
    summary.append(["提交情况", _status_line(report)])
    summary.append([])
    _header(summary, ["类别", "项目", "数值", "单位"])
    for section, title, items in SECTIONS:
        values = report.figures.get(section, {})
        for key, label, unit in items:
            summary.append([title, label, values.get(key), unit])
    for column, width in zip("ABCD", (22, 26, 14, 8), strict=True):
        summary.column_dimensions[column].width = width
    plan = book.create_sheet("维保计划执行")
    _header(plan, [label for _, label in PLAN_COLUMNS])
    for row in report.figures.get("plan_projects", []):
        plan.append([row.get(key) for key, _ in PLAN_COLUMNS])
    for column, width in zip("ABCDEFG", (18, 40, 10, 10, 10, 10, 12), strict=True):
        plan.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- services ---------------------------------------------------------------------------------------------


def report_pdf(actor: Actor, report_id: int) -> tuple[bytes, str]:
    view: ReportView = get_report(actor, report_id)
    return render_pdf(view.report), filename(view.report, "pdf")


def report_xlsx(actor: Actor, report_id: int) -> tuple[bytes, str]:
    view: ReportView = get_report(actor, report_id)
    return render_xlsx(view.report), filename(view.report, "xlsx")

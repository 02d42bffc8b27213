"""Monthly reports (月度报表编制): compiled for each organisation in practice on the 1st from the previous
month's data, reviewed by its admin (who may recompile it until it is submitted) and submitted by the due day.

Every figure is one SQL aggregate over the month [start, end) in Shanghai time; the per-project plan figures
come from maintenance tracking. The figures are frozen in the report when compiled, so the PDF and the XLSX
export say exactly what the organisation reviewed and submitted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from backend.core.access import Actor, area_clause
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.core.pagination import Page, keyset_page
from backend.core.timeline import append_event
from backend.core.timeutil import to_local, today, utcnow
from backend.modules.projects.catalogue import is_month_key

from .models import MonitoringWarning, MonthlyReport
from .readmodel import ConclusionDocument, Defect, Feedback, Organization, Project, SiteVisit, organization_by_id
from .sqlutil import empty_list, month_key, month_span, shift_month
from .tracking import track, tracked_projects
from .warnings.reports import due_date, orgs_reporting
from .warnings.settings import settings_in_force

log = logging.getLogger(__name__)

ACCEPTED = ("checked_in", "checked_out")

# What the report shows, section by section: (section, key, label, unit). The PDF and XLSX follow this order.
SECTIONS: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    (
        "projects",
        "一、项目情况",
        [
            ("active", "当月在服务项目", "个"),
            ("new", "当月新登记项目", "个"),
            ("maintenance", "其中维护保养", "个"),
            ("testing", "其中检测", "个"),
            ("assessment", "其中评估", "个"),
            ("concluded", "当月完结项目", "个"),
        ],
    ),
    (
        "visits",
        "二、现场执业",
        [
            ("accepted", "有效签到", "次"),
            ("refused", "被拒绝的签到", "次"),
            ("flagged", "有异常提示的签到", "次"),
            ("practitioners", "到场从业人员", "人"),
            ("hours", "在场时长", "小时"),
        ],
    ),
    (
        "plan",
        "三、维保计划执行",
        [
            ("projects", "有计划项目", "个"),
            ("due", "应完成维保项目", "项"),
            ("done", "已完成", "项"),
            ("not_done", "未完成", "项"),
            ("outside_window", "仅在容许期外完成", "项"),
            ("flagged", "有容许期外记录", "项"),
            ("completion_rate", "完成率", "%"),
        ],
    ),
    (
        "defects",
        "四、故障与隐患",
        [("found", "当月发现", "处"), ("fixed", "当月整改完毕", "处"), ("open_at_end", "月末未整改", "处")],
    ),
    ("documents", "五、书面结论文件", [("effective", "当月生效", "份"), ("blocked", "未生效（待处理）", "份")]),
    (
        "feedback",
        "六、委托单位反馈",
        [
            ("sent", "推送反馈", "条"),
            ("confirmed", "委托单位确认", "条"),
            ("disputed", "委托单位有异议", "条"),
            ("average_rating", "平均评分", "分"),
        ],
    ),
    ("warnings", "七、预警", [("raised", "当月预警", "条")]),
]


def _count(condition: Any) -> Any:
    return sa.func.count().filter(condition)


def _in(column: Any, start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(column >= start, column < end)


def project_figures(org_id: int, start: datetime, end: datetime) -> dict[str, int]:
    active = sa.and_(
        Project.status != "cancelled",
        Project.published_at < end,
        sa.or_(Project.concluded_at.is_(None), Project.concluded_at >= start),
    )
    row = db.session.execute(
        sa.select(
            _count(active).label("active"),
            _count(_in(Project.created_at, start, end)).label("new"),
            _count(sa.and_(active, Project.service_type == "maintenance")).label("maintenance"),
            _count(sa.and_(active, Project.service_type == "testing")).label("testing"),
            _count(sa.and_(active, Project.service_type == "assessment")).label("assessment"),
            _count(_in(Project.concluded_at, start, end)).label("concluded"),
        ).where(Project.org_id == org_id)
    ).one()
    return dict(row._mapping)


def visit_figures(org_id: int, start: datetime, end: datetime) -> dict[str, Any]:
    accepted = SiteVisit.status.in_(ACCEPTED)
    row = db.session.execute(
        sa.select(
            _count(accepted).label("accepted"),
            _count(SiteVisit.status == "rejected").label("refused"),
            _count(sa.and_(accepted, sa.not_(empty_list(SiteVisit.flags)))).label("flagged"),
            sa.func.count(sa.distinct(sa.case((accepted, SiteVisit.practitioner_id)))).label("practitioners"),
            sa.func.coalesce(sa.func.sum(sa.case((accepted, SiteVisit.duration_s), else_=0)), 0).label("seconds"),
        ).where(SiteVisit.org_id == org_id, _in(SiteVisit.checked_in_at, start, end))
    ).one()
    figures = dict(row._mapping)
    figures["hours"] = round(int(figures.pop("seconds")) / 3600, 1)
    return figures


def defect_figures(org_id: int, start: datetime, end: datetime) -> dict[str, int]:
    row = db.session.execute(
        sa.select(
            _count(_in(Defect.created_at, start, end)).label("found"),
            _count(_in(Defect.closed_at, start, end)).label("fixed"),
            _count(sa.and_(Defect.created_at < end, sa.or_(Defect.closed_at.is_(None), Defect.closed_at >= end))).label(
                "open_at_end"
            ),
        )
        .join(Project, Project.id == Defect.project_id)
        .where(Project.org_id == org_id)
    ).one()
    return dict(row._mapping)


def document_figures(org_id: int, start: datetime, end: datetime) -> dict[str, int]:
    row = db.session.execute(
        sa.select(
            _count(_in(ConclusionDocument.effective_at, start, end)).label("effective"),
            _count(
                sa.and_(ConclusionDocument.status == "blocked", _in(ConclusionDocument.evaluated_at, start, end))
            ).label("blocked"),
        ).where(ConclusionDocument.org_id == org_id)
    ).one()
    return dict(row._mapping)


def feedback_figures(org_id: int, start: datetime, end: datetime) -> dict[str, Any]:
    answered = _in(Feedback.responded_at, start, end)
    row = db.session.execute(
        sa.select(
            _count(_in(Feedback.created_at, start, end)).label("sent"),
            _count(sa.and_(answered, Feedback.status == "confirmed")).label("confirmed"),
            _count(sa.and_(answered, Feedback.status == "disputed")).label("disputed"),
            sa.func.avg(sa.case((sa.and_(answered, Feedback.rating.is_not(None)), Feedback.rating))).label("avg"),
        ).where(Feedback.org_id == org_id)
    ).one()
    figures = dict(row._mapping)
    average = figures.pop("avg")
    figures["average_rating"] = round(float(average), 2) if average is not None else None
    return figures


def warning_figures(org_id: int, start: datetime, end: datetime) -> dict[str, int]:
    raised = db.session.scalar(
        sa.select(sa.func.count()).where(
            MonitoringWarning.org_id == org_id,
            MonitoringWarning.org_visible.is_(True),
            _in(MonitoringWarning.detected_at, start, end),
        )
    )
    return {"raised": int(raised or 0)}


def plan_figures(org_id: int, month: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    projects = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Project).where(Project.org_id == org_id, Project.id.in_(tracked_projects(month)))
        )
    }
    tracked = track(projects, month)
    rows: list[dict[str, Any]] = [
        {
            "project_id": pid,
            "project_no": projects[pid].project_no,
            "name": projects[pid].name,
            "lead_practitioner_id": projects[pid].lead_practitioner_id,
            "due": t.due,
            "done": t.done,
            "not_done": len(t.not_done_items),
            "outside_window": t.count("outside_window"),
            "flagged": t.flagged,
        }
        for pid, t in sorted(tracked.items())
    ]
    due = sum(r["due"] for r in rows)
    done = sum(r["done"] for r in rows)
    totals = {
        "projects": len(rows),
        "due": due,
        "done": done,
        "not_done": sum(r["not_done"] for r in rows),
        "outside_window": sum(r["outside_window"] for r in rows),
        "flagged": sum(r["flagged"] for r in rows),
        "completion_rate": round(done / due * 100, 1) if due else None,
    }
    return totals, rows


def compile_figures(org: Organization, month: str) -> dict[str, Any]:
    start, end = month_span(month)
    plan, plan_projects = plan_figures(org.id, month)
    return {
        "org": {"name": org.name, "credit_code": org.credit_code},
        "month": month,
        "projects": project_figures(org.id, start, end),
        "visits": visit_figures(org.id, start, end),
        "plan": plan,
        "defects": defect_figures(org.id, start, end),
        "documents": document_figures(org.id, start, end),
        "feedback": feedback_figures(org.id, start, end),
        "warnings": warning_figures(org.id, start, end),
        "plan_projects": plan_projects,
    }


# --- compiling --------------------------------------------------------------------------------------------


def due_day() -> int:
    return int(settings_in_force()["monthly_report_late"]["due_day"])


def _checked_month(month: str, *, on: date | None = None) -> str:
    if not is_month_key(month):
        raise ValidationFailed("validation_error", details={"fields": {"month": ["月份格式为 YYYY-MM"]}})
    if month >= month_key(on or today()):
        raise ValidationFailed("report_month_not_over", details={"fields": {"month": ["只能编制已结束月份的报表"]}})
    return month


def _event(report: MonthlyReport, org: Organization, kind: str, summary: str) -> None:
    append_event(
        kind,
        summary,
        org_id=org.id,
        district_code=org.district_code,
        special_zone=org.special_zone,
        visibility="org",
        data={"report_id": report.id, "month": report.month},
        is_trial=org.is_trial,
    )


def _compile(org: Organization, month: str) -> MonthlyReport:
    """Inside the caller's unit of work: a new report, or fresh figures for one not yet submitted."""
    report = db.session.scalar(
        sa.select(MonthlyReport).where(MonthlyReport.org_id == org.id, MonthlyReport.month == month).with_for_update()
    )
    if report is not None and report.status == "submitted":
        raise Conflict("report_already_submitted")
    figures = compile_figures(org, month)
    if report is None:
        report = MonthlyReport(
            org_id=org.id,
            month=month,
            due_on=due_date(month, due_day()),
            district_code=org.district_code,
            special_zone=org.special_zone,
            is_trial=org.is_trial,
        )
        db.session.add(report)
    report.figures = figures
    report.compiled_at = utcnow()
    db.session.flush()
    _event(report, org, "report.compiled", f"{org.name} {month}月度报表已编制，待审核提交")
    return report


def compile_due(on: date | None = None) -> list[int]:
    """Periodic (hourly; does its work on the 1st): the previous month's report of every organisation that owes
    one and has none yet. Each in its own unit of work so one failure does not hold up the others."""
    month = shift_month(month_key(on or today()), -1)
    have = sa.select(MonthlyReport.org_id).where(MonthlyReport.month == month)
    owing = orgs_reporting(month).with_only_columns(Organization.id).where(Organization.id.not_in(have))
    org_ids = list(db.session.scalars(owing.order_by(Organization.id)))
    db.session.rollback()
    compiled = []
    for org_id in org_ids:
        with unit_of_work() as uow:
            org = organization_by_id(org_id)
            assert org is not None
            try:
                report = _compile(org, month)
                uow.commit()
            except IntegrityError:  # compiled meanwhile by the organisation itself
                uow.rollback()
                continue
            compiled.append(report.id)
    return compiled


def _org_for_manager(actor: Actor, org_id: int) -> Organization:
    org = organization_by_id(org_id)
    if org is None:
        raise NotFound("org_not_found")
    if org.id not in actor.org_ids:
        raise Forbidden()
    return org


def compile_for(actor: Actor, org_id: int, month: str) -> MonthlyReport:
    """The organisation compiles (or refreshes) a month's report itself, e.g. after correcting its records."""
    with unit_of_work() as uow:
        org = _org_for_manager(actor, org_id)
        report = _compile(org, _checked_month(month))
        uow.commit()
        return report


def _report(report_id: int, *, for_update: bool = False) -> MonthlyReport:
    report = db.session.get(MonthlyReport, report_id, with_for_update=for_update or None)
    if report is None:
        raise NotFound("report_not_found")
    return report


def _require_reader(actor: Actor, report: MonthlyReport) -> None:
    if report.org_id in actor.org_ids or actor.covers(report.district_code, report.special_zone):
        return
    raise Forbidden("out_of_jurisdiction" if actor.is_supervisory else "forbidden")


def recompile(actor: Actor, report_id: int) -> MonthlyReport:
    with unit_of_work() as uow:
        report = _report(report_id)
        org = _org_for_manager(actor, report.org_id)
        report = _compile(org, report.month)
        uow.commit()
        return report


def submit(actor: Actor, report_id: int, remarks: str | None) -> MonthlyReport:
    with unit_of_work() as uow:
        report = _report(report_id, for_update=True)
        org = _org_for_manager(actor, report.org_id)
        if report.status == "submitted":
            raise Conflict("report_already_submitted")
        now = utcnow()
        report.status = "submitted"
        report.submitted_at = now
        report.submitted_by = actor.user_id
        report.remarks = (remarks or "").strip() or None
        report.late = to_local(now).date() > report.due_on
        late = "（逾期）" if report.late else ""
        _event(report, org, "report.submitted", f"{org.name} 提交{report.month}月度报表{late}")
        uow.commit()
        return report


# --- reading ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportView:
    report: MonthlyReport

    def __getattr__(self, name: str) -> Any:
        if name == "report":
            raise AttributeError(name)
        return getattr(self.report, name)

    @property
    def org_name(self) -> str:
        return str(self.report.figures.get("org", {}).get("name", ""))


def _scope(actor: Actor) -> sa.ColumnElement[bool]:
    clauses: list[sa.ColumnElement[bool]] = []
    if actor.org_ids:
        clauses.append(MonthlyReport.org_id.in_(sorted(actor.org_ids)))
    if actor.is_supervisory:
        clauses.append(area_clause(actor, MonthlyReport.district_code, MonthlyReport.special_zone))
    return sa.or_(*clauses) if clauses else sa.false()


def list_reports(actor: Actor, args: dict[str, Any]) -> Page[ReportView]:
    stmt = sa.select(MonthlyReport).where(_scope(actor))
    for name in ("org_id", "month", "status", "district_code", "late"):
        if args.get(name) is not None:
            stmt = stmt.where(getattr(MonthlyReport, name) == args[name])
    page = keyset_page(db.session, stmt, [MonthlyReport.id], limit=args["limit"], cursor=args.get("cursor"))
    return Page([ReportView(r) for r in page.items], page.next_cursor)


def get_report(actor: Actor, report_id: int) -> ReportView:
    report = _report(report_id)
    _require_reader(actor, report)
    return ReportView(report)

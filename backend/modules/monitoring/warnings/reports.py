"""Monthly report late (月度报表): an organisation in practice submits the previous month's report by the due
day (the 10th by default). The due day is this rule's setting; the reports module reads it from here."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from backend.core.db import db
from backend.core.timeutil import to_local
from backend.modules.realname.conditions import MONITORED_STATUSES

from ..models import MonthlyReport
from ..readmodel import Organization
from ..sqlutil import first_day, month_key, month_span, shift_month
from .registry import Detection, Param, Settings, Window, rule

DUE_DAY = Param("due_day", "MONTHLY_REPORT_DUE_DAY", 10, "次月提交截止日", "日", 1, 28)


def due_date(month: str, due_day: int) -> date:
    return first_day(shift_month(month, 1)).replace(day=due_day)


def last_month_due(today: date, due_day: int) -> str:
    """The latest month whose report deadline has passed by `today`: last month from the day after its due
    day, the month before until then. Judging only last month would leave the 1st to the due day with no month
    to judge, so a report still missing from the month before would never be raised in those days."""
    month = shift_month(month_key(today), -1)
    if today <= due_date(month, due_day):
        month = shift_month(month, -1)
    return month


def orgs_reporting(month: str) -> sa.Select[tuple[Organization]]:
    """Organisations that owe a report for `month`: in practice, and verified before the month ended."""
    _, end = month_span(month)
    return sa.select(Organization).where(
        Organization.status.in_(MONITORED_STATUSES),
        Organization.verified_at.is_not(None),
        Organization.verified_at < end,
    )


@rule(
    "monthly_report_late",
    family="reports",
    title="月度报表逾期未提交",
    description="机构未在次月截止日前提交上月的月度报表",
    severity="low",
    subject_kind="organization",
    params=(DUE_DAY,),
)
def monthly_report_late(window: Window, settings: Settings) -> list[Detection]:
    month = last_month_due(window.today, int(settings["due_day"]))
    due = due_date(month, int(settings["due_day"]))
    reports = {r.org_id: r for r in db.session.scalars(sa.select(MonthlyReport).where(MonthlyReport.month == month))}
    found = []
    for org in db.session.scalars(orgs_reporting(month).order_by(Organization.id)):
        report = reports.get(org.id)
        on_time = report is not None and report.submitted_at is not None and to_local(report.submitted_at).date() <= due
        if on_time:
            continue
        state = "未编制" if report is None else "未提交" if report.submitted_at is None else "逾期提交"
        found.append(
            Detection(
                "organization",
                org.id,
                month,
                f"{org.name} {month}月度报表{state}（截止{due.isoformat()}）",
                {"months": [month], "report_ids": [report.id] if report else []},
                org_id=org.id,
                district_code=org.district_code,
                special_zone=org.special_zone,
                is_trial=org.is_trial,
            )
        )
    return found

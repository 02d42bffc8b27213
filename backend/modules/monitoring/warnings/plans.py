"""Maintenance plan items of a month not done once the month's tolerance window has closed (维保计划执行)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from backend.core.db import db
from backend.core.timeutil import to_local

from ..readmodel import MaintenancePlan, Project
from ..sqlutil import last_day, month_key, shift_month
from ..tracking import MonthTracking, track, tracked_projects
from .registry import Detection, Param, Settings, Window, rule

MAX_TOLERANCE_DAYS = 31  # the projects module allows 15; a margin for plans edited by hand


def _months_closing(first: date, last: date) -> list[str]:
    """Months whose tolerance window can have closed between `first` and `last`."""
    month = month_key(first - timedelta(days=MAX_TOLERANCE_DAYS + 1))
    months = []
    while last_day(month) <= last:
        months.append(month)
        month = shift_month(month, 1)
    return months


def _closing_in(month: str, first: date, last: date) -> list[int]:
    """Projects whose window for `month` closed between `first` and `last` (window end = last day + tolerance)."""
    lowest = (first - last_day(month)).days
    highest = (last - last_day(month)).days
    return list(
        db.session.scalars(
            tracked_projects(month).where(MaintenancePlan.tolerance_days.between(lowest, highest)).order_by(Project.id)
        )
    )


def _detection(tracking: MonthTracking, project: Project) -> Detection:
    missing = tracking.not_done_items
    names = "、".join(i.name for i in missing[:5]) + ("等" if len(missing) > 5 else "")
    outside = sum(1 for i in missing if i.status == "outside_window")
    note = f"（其中{outside}项仅在容许期外完成）" if outside else ""
    return Detection(
        "project",
        project.id,
        tracking.month,
        f"项目{project.project_no} {tracking.month}维保计划应完成{tracking.due}项，"
        f"{len(missing)}项未按计划完成{note}：{names}",
        {
            "plan_item_ids": [i.item_id for i in missing],
            "work_record_ids": sorted(r for i in missing for r in i.record_ids),
        },
        org_id=project.org_id,
        project_id=project.id,
        district_code=project.district_code,
        special_zone=project.special_zone,
        is_trial=project.is_trial,
    )


@rule(
    "plan_items_not_done",
    family="plans",
    title="维保计划项目未按月完成",
    description="当月应做的维保项目在容许期结束时仍未完成（容许期外完成的不计）",
    severity="medium",
    subject_kind="project",
    params=(Param("min_missing", "WARNING_PLAN_MIN_MISSING_ITEMS", 1, "未完成项目数下限", "项", 1, 100),),
)
def plan_items_not_done(window: Window, settings: Settings) -> list[Detection]:
    # The window closes at the end of its last day: it is over from the next day on.
    first = to_local(window.start).date() - timedelta(days=1)
    last = window.today - timedelta(days=1)
    found = []
    for month in _months_closing(first, last):
        project_ids = _closing_in(month, first, last)
        tracked = track(project_ids, month)
        late = [t for t in tracked.values() if len(t.not_done_items) >= settings["min_missing"]]
        projects = {
            p.id: p
            for p in db.session.scalars(sa.select(Project).where(Project.id.in_([t.project_id for t in late] or [-1])))
        }
        found += [_detection(t, projects[t.project_id]) for t in late]
    return found

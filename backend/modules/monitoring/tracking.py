"""Maintenance tracking (维保计划执行): for each project and month, the plan items due against the work recorded
for them. Daily items count the days done, weekly items the weeks, the others once; only work inside the
month's tolerance window counts, work outside it is flagged; an item not done once the window has closed is
overdue (and raises the plan_items_not_done warning).

Computed in batches of projects: two queries per batch (the items due, the records for them), then a
comparison in memory, so a page of a list or a month of a whole city costs the same per project.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from backend.core.access import Actor, area_clause, can_manage_org
from backend.core.db import column_map, db
from backend.core.errors import Forbidden, NotFound, ValidationFailed
from backend.core.pagination import Page, keyset_page
from backend.core.timeutil import to_local
from backend.modules.projects.catalogue import is_month_key, required_per_month

from .readmodel import MaintenancePlan, Organization, PlanItem, Project, WorkRecord, organization_by_id, project_by_id
from .sqlutil import first_day, last_day, lists_value, month_span

# Projects whose plan is being carried out (a registered project has not started; a cancelled one stopped).
TRACKED_STATUSES = ("published", "in_service", "concluded", "archived")
BATCH = 500


@dataclass
class ItemProgress:
    item_id: int
    name: str
    system_code: str
    frequency: str
    required: int
    done: int = 0  # days (daily), ISO weeks (weekly) or 1, inside the window
    status: str = "not_done"  # done | partial | not_done | outside_window
    flagged: bool = False  # some work for this month was recorded outside the tolerance window
    record_ids: list[int] = field(default_factory=list)


@dataclass
class MonthTracking:
    project_id: int
    month: str
    tolerance_days: int
    items: list[ItemProgress]

    @property
    def window_start(self) -> date:
        return first_day(self.month) - timedelta(days=self.tolerance_days)

    @property
    def window_end(self) -> date:
        return last_day(self.month) + timedelta(days=self.tolerance_days)

    def closed_on(self, day: date) -> bool:
        """Whether the tolerance window is over on `day`: what is not done by then is overdue."""
        return day > self.window_end

    def count(self, status: str) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def due(self) -> int:
        return len(self.items)

    @property
    def done(self) -> int:
        return self.count("done")

    @property
    def not_done_items(self) -> list[ItemProgress]:
        return [i for i in self.items if i.status != "done"]

    @property
    def flagged(self) -> int:
        return sum(1 for i in self.items if i.flagged)

    @property
    def completion_rate(self) -> float | None:
        return round(self.done / self.due * 100, 1) if self.due else None


def _unit(frequency: str, day: date) -> object:
    if frequency == "daily":
        return day
    if frequency == "weekly":
        return day.isocalendar()[:2]
    return "once"


def _evaluate(item: ItemProgress, days: list[tuple[int, date]], start: date, end: date) -> None:
    units = set()
    for record_id, day in days:
        item.record_ids.append(record_id)
        if start <= day <= end:
            units.add(_unit(item.frequency, day))
        else:
            item.flagged = True
    item.done = len(units)
    if item.done >= item.required:
        item.status = "done"
    elif item.done:
        item.status = "partial"
    elif days:
        item.status = "outside_window"


def _due_items(project_ids: list[int], month: str) -> list[Any]:
    return list(
        db.session.execute(
            sa.select(
                PlanItem.id,
                PlanItem.name,
                PlanItem.system_code,
                PlanItem.frequency,
                MaintenancePlan.project_id,
                MaintenancePlan.tolerance_days,
            )
            .join(MaintenancePlan, MaintenancePlan.id == PlanItem.plan_id)
            .where(
                MaintenancePlan.project_id.in_(project_ids),
                PlanItem.enabled.is_(True),
                lists_value(PlanItem.months, month),
            )
            .order_by(MaintenancePlan.project_id, PlanItem.id)
        )
    )


def _record_days(item_ids: list[int], month: str) -> dict[int, list[tuple[int, date]]]:
    by_item: dict[int, list[tuple[int, date]]] = {}
    for start in range(0, len(item_ids), BATCH * 20):
        rows = db.session.execute(
            sa.select(WorkRecord.id, WorkRecord.plan_item_id, WorkRecord.device_time, WorkRecord.created_at)
            .where(WorkRecord.plan_item_id.in_(item_ids[start : start + BATCH * 20]), WorkRecord.plan_month == month)
            .order_by(WorkRecord.id)
        )
        for record_id, item_id, device_time, created_at in rows:
            by_item.setdefault(item_id, []).append((record_id, to_local(device_time or created_at).date()))
    return by_item


def track(project_ids: Iterable[int], month: str) -> dict[int, MonthTracking]:
    """The month's tracking of each project that has plan items due then (others are absent)."""
    ids = sorted(set(project_ids))
    result: dict[int, MonthTracking] = {}
    for start in range(0, len(ids), BATCH):
        due = _due_items(ids[start : start + BATCH], month)
        records = _record_days([row.id for row in due], month)
        for row in due:
            tracking = result.get(row.project_id)
            if tracking is None:
                tracking = result[row.project_id] = MonthTracking(row.project_id, month, row.tolerance_days, [])
            item = ItemProgress(
                row.id, row.name, row.system_code, row.frequency, required_per_month(row.frequency, month)
            )
            _evaluate(item, records.get(row.id, []), tracking.window_start, tracking.window_end)
            tracking.items.append(item)
    return result


def tracked_projects(month: str) -> sa.Select[tuple[int]]:
    """Maintenance projects with a plan covering `month` that were being carried out then: published before
    the month ended (a project registered later, or imported, owes no records for months before it was in the
    system) and not concluded before it began."""
    first = first_day(month)
    start, end = month_span(month)
    return (
        sa.select(Project.id)
        .join(MaintenancePlan, MaintenancePlan.project_id == Project.id)
        .where(
            Project.service_type == "maintenance",
            Project.status.in_(TRACKED_STATUSES),
            MaintenancePlan.start_month <= first,
            MaintenancePlan.end_month >= first,
            Project.published_at < end,
            sa.or_(Project.concluded_at.is_(None), Project.concluded_at >= start),
        )
    )


# --- the tracking list ------------------------------------------------------------------------------------


@dataclass
class ProjectTracking:
    project: Project
    org_name: str
    tracking: MonthTracking | None  # None: nothing of the plan was due that month


def _checked_month(month: str) -> str:
    if not is_month_key(month):
        raise ValidationFailed("validation_error", details={"fields": {"month": ["月份格式为 YYYY-MM"]}})
    return month


def _scope(actor: Actor) -> sa.ColumnElement[bool]:
    clauses: list[sa.ColumnElement[bool]] = []
    if actor.org_ids:
        clauses.append(Project.org_id.in_(sorted(actor.org_ids)))
    if actor.is_supervisory:
        clauses.append(area_clause(actor, Project.district_code, Project.special_zone))
    return sa.or_(*clauses) if clauses else sa.false()


def list_tracking(actor: Actor, args: dict[str, Any]) -> Page[ProjectTracking]:
    """Plan execution of the projects in the caller's scope for one month (organisations: their own)."""
    month = _checked_month(args["month"])
    stmt = sa.select(Project).where(Project.id.in_(tracked_projects(month)), _scope(actor))
    for name in ("org_id", "district_code"):
        if args.get(name) is not None:
            stmt = stmt.where(getattr(Project, name) == args[name])
    page = keyset_page(db.session, stmt, [Project.id], limit=args["limit"], cursor=args.get("cursor"))
    tracked = track([p.id for p in page.items], month)
    names = column_map(
        sa.select(Organization.id, Organization.name).where(Organization.id.in_({p.org_id for p in page.items} or {-1}))
    )
    return Page([ProjectTracking(p, names.get(p.org_id, ""), tracked.get(p.id)) for p in page.items], page.next_cursor)


def project_tracking(actor: Actor, project_id: int, month: str) -> ProjectTracking:
    project = project_by_id(project_id)
    if project is None:
        raise NotFound("project_not_found")
    if not (can_manage_org(actor, project.org_id) or actor.covers(project.district_code, project.special_zone)):
        raise Forbidden("out_of_jurisdiction" if actor.is_supervisory else "forbidden")
    month = _checked_month(month)
    org = organization_by_id(project.org_id)
    return ProjectTracking(project, org.name if org else "", track([project.id], month).get(project.id))

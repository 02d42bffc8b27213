"""Maintenance plans (维保计划): generated from the catalogue for the building's systems over the contract
months, edited by the organisation, and checked month by month against the work records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from backend.core.access import Actor
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, NotFound, ValidationFailed
from backend.core.timeutil import to_local, today

from .. import catalogue
from ..models import MaintenancePlan, PlanItem, Project, WorkRecord
from .common import (
    complete_supplement_if_ready,
    has_plan,
    load_project,
    plan_of,
    project_event,
    require_manage,
    require_view,
)

DEFAULT_TOLERANCE_DAYS = 7
MAX_TOLERANCE_DAYS = 15


def _require_maintenance(project: Project) -> None:
    if project.service_type != "maintenance":
        raise Conflict("plan_only_for_maintenance")


def _plan_or_404(project_id: int) -> MaintenancePlan:
    plan = plan_of(project_id)
    if plan is None:
        raise NotFound("plan_not_found")
    return plan


def plan_months(plan: MaintenancePlan) -> list[str]:
    return catalogue.months_between(plan.start_month, plan.end_month)


def build_items(project: Project, months: list[str], version: str = catalogue.CURRENT_VERSION) -> list[PlanItem]:
    """One row per catalogue item of the building's systems (plus the annual full test), in catalogue order."""
    wanted = set(project.facility_systems or []) | {catalogue.GENERAL_SYSTEM}
    items = []
    for system in catalogue.CATALOGUES[version].systems:
        if system.code not in wanted:
            continue
        for entry in system.items:
            items.append(
                PlanItem(
                    system_code=system.code,
                    item_code=entry.code,
                    name=entry.name,
                    frequency=entry.frequency,
                    clause=entry.clause,
                    months=catalogue.due_months(entry, months, project.facilities_in_service_on),
                    enabled=True,
                )
            )
    return items


def generate_plan(actor: Actor, project_id: int, tolerance_days: int = DEFAULT_TOLERANCE_DAYS) -> MaintenancePlan:
    with unit_of_work() as uow:
        project = load_project(project_id, for_update=True)
        require_manage(actor, project)
        _require_maintenance(project)
        if project.status in ("concluded", "archived", "cancelled"):
            raise Conflict("project_closed")
        if project.contract_start is None or project.contract_end is None:
            raise ValidationFailed("contract_period_required")
        if has_plan(project.id):
            raise Conflict("plan_exists")
        months = catalogue.months_between(project.contract_start, project.contract_end)
        plan = MaintenancePlan(
            project_id=project.id,
            catalogue_version=catalogue.CURRENT_VERSION,
            start_month=catalogue.first_of(months[0]),
            end_month=catalogue.first_of(months[-1]),
            tolerance_days=tolerance_days,
            items=build_items(project, months),
        )
        db.session.add(plan)
        project_event(
            project,
            "plan.created",
            f"项目{project.project_no}制定维保计划（{months[0]}至{months[-1]}，{len(plan.items)}项）",
            visibility="org",
        )
        complete_supplement_if_ready(project)
        uow.commit()
        return plan


def get_plan(actor: Actor, project_id: int) -> MaintenancePlan:
    project = load_project(project_id)
    require_view(actor, project)
    return _plan_or_404(project.id)


def update_plan(actor: Actor, project_id: int, tolerance_days: int) -> MaintenancePlan:
    with unit_of_work() as uow:
        project = load_project(project_id)
        require_manage(actor, project)
        plan = _plan_or_404(project.id)
        plan.tolerance_days = tolerance_days
        uow.commit()
        return plan


def _validated_months(plan: MaintenancePlan, months: list[str]) -> list[str]:
    allowed = set(plan_months(plan))
    outside = [m for m in months if m not in allowed]
    if outside:
        raise ValidationFailed("plan_month_outside_plan", details={"fields": {"months": outside}})
    return sorted(set(months))


def update_item(
    actor: Actor, project_id: int, item_id: int, *, enabled: bool | None = None, months: list[str] | None = None
) -> PlanItem:
    with unit_of_work() as uow:
        project = load_project(project_id)
        require_manage(actor, project)
        plan = _plan_or_404(project.id)
        item = next((i for i in plan.items if i.id == item_id), None)
        if item is None:
            raise NotFound("plan_item_not_found")
        if enabled is not None:
            item.enabled = enabled
        if months is not None:
            item.months = _validated_months(plan, months)
        project_event(
            project,
            "plan.item_changed",
            f"项目{project.project_no}维保计划调整：{item.name}",
            visibility="org",
            data={"item_id": item.id, "enabled": item.enabled, "months": list(item.months)},
        )
        uow.commit()
        return item


# ----------------------------------------------------------------------------------------------------
# Which plan month a record counts for, and the monthly checklist


def window(month: str, tolerance_days: int) -> tuple[date, date]:
    tolerance = timedelta(days=tolerance_days)
    return catalogue.first_of(month) - tolerance, catalogue.last_of(month) + tolerance


def month_for_record(item: PlanItem, day: date, tolerance_days: int) -> str:
    """The due month a piece of work counts for: its own month if due then, else a due month whose
    tolerance window holds the day, else the nearest due month (and the checklist will flag it)."""
    own = catalogue.month_key(day)
    due = list(item.months or [])
    if not due or own in due:
        return own
    for month in due:
        start, end = window(month, tolerance_days)
        if start <= day <= end:
            return month
    return min(due, key=lambda m: _days_outside(m, day))


def _days_outside(month: str, day: date) -> int:
    first, last = catalogue.first_of(month), catalogue.last_of(month)
    return max((first - day).days, (day - last).days, 0)


@dataclass
class ChecklistEntry:
    item: PlanItem
    required: int
    done: int = 0  # days (daily), weeks (weekly) or 1, counted inside the window
    status: str = "not_done"  # done | partial | not_done | outside_window
    flagged: bool = False  # some work for this month was done outside its tolerance window
    overdue: bool = False
    record_ids: list[int] = field(default_factory=list)


@dataclass
class Checklist:
    project_id: int
    month: str
    tolerance_days: int
    window_start: date
    window_end: date
    entries: list[ChecklistEntry]

    @property
    def summary(self) -> dict[str, int]:
        statuses = [e.status for e in self.entries]
        return {
            "due": len(self.entries),
            "done": statuses.count("done"),
            "partial": statuses.count("partial"),
            "not_done": statuses.count("not_done"),
            "outside_window": statuses.count("outside_window"),
            "flagged": sum(e.flagged for e in self.entries),
            "overdue": sum(e.overdue for e in self.entries),
        }


def record_day(record: WorkRecord) -> date:
    return to_local(record.device_time or record.created_at).date()


def _done_unit(frequency: str, day: date) -> object:
    if frequency == "daily":
        return day
    if frequency == "weekly":
        return day.isocalendar()[:2]
    return "once"


def _evaluate(entry: ChecklistEntry, records: list[WorkRecord], start: date, end: date) -> None:
    units = set()
    for record in records:
        entry.record_ids.append(record.id)
        day = record_day(record)
        if start <= day <= end:
            units.add(_done_unit(entry.item.frequency, day))
        else:
            entry.flagged = True
    entry.done = len(units)
    if entry.done >= entry.required:
        entry.status = "done"
    elif entry.done:
        entry.status = "partial"
    elif records:
        entry.status = "outside_window"
    entry.overdue = entry.status != "done" and today() > end


def checklist(actor: Actor, project_id: int, month: str) -> Checklist:
    project = load_project(project_id)
    require_view(actor, project)
    plan = _plan_or_404(project.id)
    if month not in plan_months(plan):
        raise ValidationFailed("plan_month_outside_plan", details={"fields": {"month": [month]}})
    start, end = window(month, plan.tolerance_days)
    due = [i for i in plan.items if i.enabled and month in (i.months or [])]
    records = db.session.scalars(
        sa.select(WorkRecord)
        .where(WorkRecord.plan_item_id.in_([i.id for i in due]), WorkRecord.plan_month == month)
        .order_by(WorkRecord.id)
    ).all()
    entries = []
    for item in due:
        entry = ChecklistEntry(item=item, required=catalogue.required_per_month(item.frequency, month))
        _evaluate(entry, [r for r in records if r.plan_item_id == item.id], start, end)
        entries.append(entry)
    return Checklist(project.id, month, plan.tolerance_days, start, end, entries)

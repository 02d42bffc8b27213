"""A draft conclusion document made from the project's records: plan items due in the period with the result
of their latest work record, the defects found or still open, and a default conclusion the engineers edit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from backend.core.db import db
from backend.core.timeutil import local_day_bounds, to_local
from backend.modules.projects import catalogue
from backend.modules.projects.queries import (
    DEFECT_SEVERITIES,
    Defect,
    MaintenancePlan,
    PlanItem,
    RepairRecord,
    SiteVisit,
    WorkRecord,
)

RESULT_FOR_RECORD = {"normal": "合格", "fixed": "合格", "defect": "不合格"}
NOT_CHECKED = "未检"


@dataclass(frozen=True)
class Draft:
    items: list[dict[str, Any]]
    defects: list[dict[str, Any]]
    conclusion: str


def _due_plan_items(project_id: int, months: list[str]) -> list[PlanItem]:
    plan = db.session.scalar(sa.select(MaintenancePlan).where(MaintenancePlan.project_id == project_id))
    if plan is None:
        return []
    return [item for item in plan.items if item.enabled and set(item.months or []) & set(months)]


def _period_records(project_id: int, start: date, end: date, months: list[str]) -> list[WorkRecord]:
    """Records made on accepted visits: those counted for a plan month of the period, and unplanned ones
    made during it."""
    begin, finish = local_day_bounds(start)[0], local_day_bounds(end)[1]
    in_period = sa.and_(WorkRecord.created_at >= begin, WorkRecord.created_at < finish)
    stmt = (
        sa.select(WorkRecord)
        .join(SiteVisit, SiteVisit.id == WorkRecord.visit_id)
        .where(
            WorkRecord.project_id == project_id,
            SiteVisit.status != "rejected",
            sa.or_(
                WorkRecord.plan_month.in_(months),
                sa.and_(WorkRecord.plan_month.is_(None), in_period),
            ),
        )
        .order_by(WorkRecord.created_at, WorkRecord.id)
    )
    return list(db.session.scalars(stmt))


def _item(system_code: str | None, text: str, result: str, note: str, plan_item_id: int | None) -> dict[str, Any]:
    return {
        "system_code": system_code,
        "facility_system": catalogue.system_name(system_code),
        "item": text,
        "result": result,
        "note": note,
        "plan_item_id": plan_item_id,
    }


def _record_note(record: WorkRecord) -> str:
    note = (record.note or "").strip()
    if record.result == "fixed":
        return f"现场已修复；{note}" if note else "现场已修复"
    return note


def item_rows(plan_items: list[PlanItem], records: list[WorkRecord]) -> list[dict[str, Any]]:
    """One row per due plan item (its latest record decides; none means 未检), then unplanned records."""
    latest: dict[int, WorkRecord] = {}
    for record in records:
        if record.plan_item_id is not None:
            latest[record.plan_item_id] = record  # records come oldest first
    rows = []
    for plan_item in plan_items:
        last = latest.get(plan_item.id)
        result = RESULT_FOR_RECORD[last.result] if last else NOT_CHECKED
        note = _record_note(last) if last else ""
        rows.append(_item(plan_item.system_code, plan_item.name, result, note, plan_item.id))
    planned = {p.id for p in plan_items}
    for record in records:
        if record.plan_item_id is None or record.plan_item_id not in planned:
            text = (record.note or "").strip() or f"{catalogue.system_name(record.system_code)}检查"
            rows.append(_item(record.system_code, text, RESULT_FOR_RECORD[record.result], "", record.plan_item_id))
    return rows


def _repair_summary(defect: Defect) -> str:
    """Printed only for a defect the organisation closed on a verified repair record."""
    if defect.status != "closed":
        return ""
    repair = db.session.scalar(
        sa.select(RepairRecord)
        .where(RepairRecord.defect_id == defect.id, RepairRecord.verified_at.is_not(None))
        .order_by(RepairRecord.verified_at.desc())
        .limit(1)
    )
    if repair is None:
        return "已整改"
    day = to_local(repair.created_at)
    return f"{day.year}年{day.month}月{day.day}日维修：{repair.description}"


def defect_rows(project_id: int, start: date, end: date) -> list[dict[str, Any]]:
    """Defects found in the period, and older ones still open at its end."""
    begin, finish = local_day_bounds(start)[0], local_day_bounds(end)[1]
    stmt = (
        sa.select(Defect)
        .where(
            Defect.project_id == project_id,
            Defect.created_at < finish,
            sa.or_(Defect.created_at >= begin, Defect.status != "closed"),
        )
        .order_by(Defect.id)
    )
    return [
        {
            "defect_id": defect.id,
            "system_code": defect.system_code,
            "facility_system": catalogue.system_name(defect.system_code),
            "plan_item_id": defect.plan_item_id,
            "description": defect.description,
            "severity": DEFECT_SEVERITIES.get(defect.severity, "一般"),
            "status": defect.status,
            "repair": _repair_summary(defect),
        }
        for defect in db.session.scalars(stmt)
    ]


def default_conclusion(doc_type_name: str, items: list[dict[str, Any]], defects: list[dict[str, Any]]) -> str:
    failed = sum(1 for item in items if item["result"] == "不合格")
    unchecked = sum(1 for item in items if item["result"] == NOT_CHECKED)
    open_defects = sum(1 for defect in defects if not defect["repair"])
    parts = [f"本期{doc_type_name}工作已按计划实施，共{len(items)}项"]
    parts.append(f"其中不合格{failed}项、未检{unchecked}项" if failed or unchecked else "各项均合格")
    text = "，".join(parts) + "。"
    if open_defects:
        text += f"尚有{open_defects}项故障或隐患未整改，已书面告知委托单位，请于整改期限内完成修复。"
    return text


def make_draft(project_id: int, start: date, end: date, doc_type_name: str) -> Draft:
    months = catalogue.months_between(start, end)
    items = item_rows(_due_plan_items(project_id, months), _period_records(project_id, start, end, months))
    defects = defect_rows(project_id, start, end)
    return Draft(items, defects, default_conclusion(doc_type_name, items, defects))

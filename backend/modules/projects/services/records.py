"""Work records per plan item (正常 / 发现故障隐患 / 当场修复), their photos, and defects that close only through a
repair record the organisation verifies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from backend.core.access import Actor
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.core.files import StoredFile, store_image
from backend.core.messages import message_for
from backend.core.timeutil import to_local, utcnow
from backend.modules.realname import queries
from backend.modules.realname.queries import Practitioner

from .. import catalogue
from ..models import (
    DEFECT_SEVERITIES,
    RECORD_RESULTS,
    Defect,
    MaintenancePlan,
    PlanItem,
    Project,
    RepairRecord,
    SiteVisit,
    WorkRecord,
)
from . import plans
from .common import (
    load_project,
    missing_for_practice,
    project_event,
    require_manage,
    require_member,
    require_view,
)

WORK_PHOTO = "work_record"
MAX_PHOTOS = 9  # what wx.chooseMedia lets a user pick at once
ACCEPTED_VISITS = ("checked_in", "checked_out")


def _fields(code: str, field: str, **details: Any) -> ValidationFailed:
    return ValidationFailed(code, details={"fields": {field: [message_for(code)]}, **details})


# ----------------------------------------------------------------------------------------------------
# Photos


def upload_photo(actor: Actor, project_id: int, photo: bytes) -> StoredFile:
    """wx.uploadFile sends one file per request: photos go up first, records then name them by id."""
    practitioner = queries.require_practitioner(actor)
    with unit_of_work() as uow:
        project = load_project(project_id)
        require_member(practitioner, project)
        stored, _image = store_image(photo, WORK_PHOTO, actor.user_id)
        uow.commit()
        return stored


def _own_photos(actor: Actor, file_ids: list[int]) -> list[int]:
    ids = list(dict.fromkeys(file_ids))
    if len(ids) > MAX_PHOTOS:
        raise _fields("too_many_photos", "photo_file_ids")
    if not ids:
        return []
    found = set(
        db.session.scalars(
            sa.select(StoredFile.id).where(
                StoredFile.id.in_(ids), StoredFile.uploaded_by == actor.user_id, StoredFile.purpose == WORK_PHOTO
            )
        )
    )
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise _fields("photo_not_found", "photo_file_ids", ids=unknown)
    return ids


# ----------------------------------------------------------------------------------------------------
# Work records


@dataclass(frozen=True)
class RecordResult:
    record: WorkRecord
    replayed: bool


def _record_by_key(practitioner_id: int, key: str) -> WorkRecord | None:
    return db.session.scalar(
        sa.select(WorkRecord).where(WorkRecord.practitioner_id == practitioner_id, WorkRecord.idempotency_key == key)
    )


def _working_visit(practitioner: Practitioner, visit_id: int) -> SiteVisit:
    visit = db.session.get(SiteVisit, visit_id)
    if visit is None:
        raise NotFound("visit_not_found")
    if visit.practitioner_id != practitioner.id:
        raise Forbidden("not_your_visit")
    if visit.status not in ACCEPTED_VISITS:
        raise Conflict("visit_not_accepted")
    return visit


def _plan_item(project: Project, item_id: int) -> tuple[PlanItem, MaintenancePlan]:
    row = db.session.execute(
        sa.select(PlanItem, MaintenancePlan)
        .join(MaintenancePlan, MaintenancePlan.id == PlanItem.plan_id)
        .where(PlanItem.id == item_id, MaintenancePlan.project_id == project.id)
    ).first()
    if row is None:
        raise _fields("plan_item_not_found", "plan_item_id")
    item, plan = row
    if not item.enabled:
        raise _fields("plan_item_disabled", "plan_item_id")
    return item, plan


def _system_of_building(project: Project, system_code: str | None) -> str:
    if not system_code:
        raise _fields("system_code_required", "system_code")
    if system_code != catalogue.GENERAL_SYSTEM and system_code not in (project.facility_systems or []):
        raise _fields("system_not_in_building", "system_code")
    return system_code


def _defect_details(data: dict[str, Any]) -> dict[str, Any] | None:
    defect = data.get("defect")
    if data["result"] == "defect":
        if not defect:
            raise _fields("defect_details_required", "defect")
        if defect["severity"] not in DEFECT_SEVERITIES:
            raise _fields("validation_error", "defect.severity")
        return defect
    return None


def _place_in_plan(record: WorkRecord, project: Project, data: dict[str, Any]) -> None:
    if data.get("plan_item_id") is None:
        record.system_code = _system_of_building(project, data.get("system_code"))
        return
    item, plan = _plan_item(project, data["plan_item_id"])
    record.plan_item_id, record.system_code = item.id, item.system_code
    day = to_local(record.device_time or record.created_at).date()
    month = data.get("plan_month") or plans.month_for_record(item, day, plan.tolerance_days)
    if month not in (item.months or []) and data.get("plan_month"):
        raise _fields("plan_month_not_due", "plan_month")
    record.plan_month = month


def _open_defect(project: Project, practitioner: Practitioner, record: WorkRecord, details: dict[str, Any]) -> Defect:
    defect = Defect(
        project_id=project.id,
        work_record_id=record.id,
        plan_item_id=record.plan_item_id,
        system_code=record.system_code,
        severity=details["severity"],
        description=details["description"].strip(),
        found_by=practitioner.id,
        is_trial=project.is_trial,
    )
    db.session.add(defect)
    db.session.flush()
    project_event(
        project,
        "defect.found",
        f"项目{project.project_no}发现{DEFECT_SEVERITIES[defect.severity]}故障/隐患：{defect.description}",
        visibility="client",
        practitioner_id=practitioner.id,
        data={"defect_id": defect.id, "work_record_id": record.id},
    )
    return defect


def add_record(actor: Actor, visit_id: int, data: dict[str, Any]) -> RecordResult:
    practitioner = queries.require_practitioner(actor)
    with unit_of_work() as uow:
        existing = _record_by_key(practitioner.id, data["idempotency_key"])
        if existing is not None:
            if existing.visit_id != visit_id:
                raise Conflict("idempotency_key_reused")
            return RecordResult(existing, True)
        visit = _working_visit(practitioner, visit_id)
        project = load_project(visit.project_id)
        require_member(practitioner, project)
        if project.status == "needs_supplement":
            # An imported project's v1 visits are finished visits, but no record is taken before the supplement.
            raise Conflict("project_needs_supplement", details={"missing": missing_for_practice(project)})
        if data["result"] not in RECORD_RESULTS:
            raise _fields("validation_error", "result")
        defect = _defect_details(data)
        record = WorkRecord(
            visit_id=visit.id,
            project_id=project.id,
            practitioner_id=practitioner.id,
            result=data["result"],
            note=(data.get("note") or "").strip() or None,
            photo_file_ids=_own_photos(actor, data.get("photo_file_ids", [])),
            idempotency_key=data["idempotency_key"],
            device_time=data.get("device_time"),
            created_at=utcnow(),
            is_trial=project.is_trial,
        )
        _place_in_plan(record, project, data)
        db.session.add(record)
        try:
            db.session.flush()
        except IntegrityError:
            uow.rollback()
            again = _record_by_key(practitioner.id, data["idempotency_key"])
            if again is None:
                raise
            return RecordResult(again, True)
        if defect is not None:
            _open_defect(project, practitioner, record, defect)
        uow.commit()
        return RecordResult(record, False)


def attach_photo(actor: Actor, record_id: int, photo: bytes) -> RecordResult:
    """A photo added to one's own work record after it was filed: the mini-program's offline queue sends a record
    and then each of its photos as separate uploads (wx.uploadFile carries one file). Sending the same picture
    again (the answer was lost on the way back) finds it already attached: nothing changes, `replayed`."""
    practitioner = queries.require_practitioner(actor)
    with unit_of_work() as uow:
        record = db.session.get(WorkRecord, record_id, with_for_update=True)
        if record is None:
            raise NotFound("work_record_not_found", "工作记录不存在")
        if record.practitioner_id != practitioner.id:
            raise Forbidden("not_your_record", "只能为本人的工作记录添加照片")
        stored, _image = store_image(photo, WORK_PHOTO, actor.user_id)
        ids = list(record.photo_file_ids or [])
        if stored.id in ids:
            return RecordResult(record, True)
        if len(ids) >= MAX_PHOTOS:
            raise _fields("too_many_photos", "photo")
        record.photo_file_ids = [*ids, stored.id]  # a new list: the JSON column sees the change
        uow.commit()
        return RecordResult(record, False)


# ----------------------------------------------------------------------------------------------------
# Defects and repairs


@dataclass(frozen=True)
class DefectView:
    id: int
    project_id: int
    work_record_id: int | None
    plan_item_id: int | None
    system_code: str | None
    severity: str
    description: str
    status: str
    created_at: datetime
    closed_at: datetime | None
    client_confirmed_at: datetime | None
    repairs: list[RepairRecord]


def _repairs_of(defect_ids: list[int]) -> dict[int, list[RepairRecord]]:
    grouped: dict[int, list[RepairRecord]] = {i: [] for i in defect_ids}
    if defect_ids:
        rows = db.session.scalars(
            sa.select(RepairRecord).where(RepairRecord.defect_id.in_(defect_ids)).order_by(RepairRecord.id)
        )
        for repair in rows:
            grouped[repair.defect_id].append(repair)
    return grouped


def list_defects(actor: Actor, project_id: int, status: str | None = None) -> list[DefectView]:
    project = load_project(project_id)
    require_view(actor, project)
    stmt = sa.select(Defect).where(Defect.project_id == project.id).order_by(Defect.id.desc())
    if status:
        stmt = stmt.where(Defect.status == status)
    defects = list(db.session.scalars(stmt))
    repairs = _repairs_of([d.id for d in defects])
    return [
        DefectView(
            id=d.id,
            project_id=d.project_id,
            work_record_id=d.work_record_id,
            plan_item_id=d.plan_item_id,
            system_code=d.system_code,
            severity=d.severity,
            description=d.description,
            status=d.status,
            created_at=d.created_at,
            closed_at=d.closed_at,
            client_confirmed_at=d.client_confirmed_at,
            repairs=repairs[d.id],
        )
        for d in defects
    ]


def add_repair(actor: Actor, defect_id: int, data: dict[str, Any]) -> RepairRecord:
    practitioner = queries.require_practitioner(actor)
    with unit_of_work() as uow:
        defect = db.session.get(Defect, defect_id, with_for_update=True)
        if defect is None:
            raise NotFound("defect_not_found")
        project = load_project(defect.project_id)
        require_member(practitioner, project)
        if defect.status != "open":
            raise Conflict("defect_not_open", details={"status": defect.status})
        repair = RepairRecord(
            defect_id=defect.id,
            practitioner_id=practitioner.id,
            description=data["description"].strip(),
            photo_file_ids=_own_photos(actor, data.get("photo_file_ids", [])),
            created_at=utcnow(),
            is_trial=project.is_trial,
        )
        db.session.add(repair)
        defect.status = "repaired"
        db.session.flush()
        project_event(
            project,
            "defect.repaired",
            f"项目{project.project_no}故障/隐患已维修，待机构核实：{defect.description}",
            visibility="client",
            practitioner_id=practitioner.id,
            data={"defect_id": defect.id, "repair_id": repair.id},
        )
        uow.commit()
        return repair


def verify_repair(actor: Actor, repair_id: int, approved: bool, note: str | None = None) -> RepairRecord:
    """The organisation checks the proof: approved closes the defect, rejected reopens it."""
    with unit_of_work() as uow:
        repair = db.session.get(RepairRecord, repair_id, with_for_update=True)
        if repair is None:
            raise NotFound("repair_not_found")
        defect = db.session.get(Defect, repair.defect_id)
        assert defect is not None
        project = load_project(defect.project_id)
        require_manage(actor, project)
        if repair.verified_at is not None or defect.status != "repaired":
            raise Conflict("repair_already_verified")
        now = utcnow()
        repair.verified_by, repair.verified_at = actor.user_id, now
        repair.verdict = "approved" if approved else "rejected"
        repair.verification_note = (note or "").strip() or None
        data = {"defect_id": defect.id, "repair_id": repair.id}
        if approved:
            defect.status, defect.closed_at = "closed", now
            summary = f"项目{project.project_no}故障/隐患经机构核实已整改完毕：{defect.description}"
            project_event(project, "defect.closed", summary, visibility="client", data=data)
        else:
            defect.status = "open"
            summary = f"项目{project.project_no}维修记录未通过机构核实：{defect.description}"
            project_event(project, "defect.repair_rejected", summary, visibility="org", data=data)
        uow.commit()
        return repair

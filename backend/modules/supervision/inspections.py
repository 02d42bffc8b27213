"""现场检查: a supervisor's on-site inspection of a project or an organisation, and its follow-up until closed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from backend.core.access import Actor, area_clause
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.core.files import StoredFile, store_image
from backend.core.pagination import Page, keyset_page
from backend.core.timeline import append_event
from backend.core.timeutil import to_local, today, utcnow
from backend.modules.projects.queries import Project
from backend.modules.realname.queries import Organization

from . import rules
from .common import check_location, get_or_not_found, org_fence, project_fence, require_covers
from .models import Inspection, InspectionFollowUp, InspectionPhoto, Penalty

MAX_PHOTOS = 30
# Phones and the server disagree by a few seconds; an inspection "now" must not be refused for that.
CLOCK_SKEW = timedelta(minutes=5)
STATUS_AFTER_RESULT = {"qualified": "closed", "rectify": "rectifying", "case_filed": "case_filed"}
# follow-up outcome -> (statuses it may follow, status it leads to; None keeps the status)
FOLLOW_UP_TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "progress": (("rectifying", "case_filed"), None),
    "rectified": (("rectifying",), "closed"),
    "escalated": (("rectifying",), "case_filed"),
    "closed": (("case_filed",), "closed"),
}


def _fields_error(code: str, field: str, text: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(code, details={"fields": {field: [text]}, **extra})


# --- rules, one each -----------------------------------------------------------------------------------


def _subject(project_id: int | None, org_id: int | None) -> tuple[str, Organization, Project | None]:
    if (project_id is None) == (org_id is None):
        raise ValidationFailed("inspection_subject_required")
    if project_id is not None:
        project = get_or_not_found(Project, project_id)
        return "project", get_or_not_found(Organization, project.org_id), project
    assert org_id is not None  # exactly one of the two is given
    return "organization", get_or_not_found(Organization, org_id), None


def _checked_items(check_type: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The checklist must answer exactly the items of its type; a failed item needs a note (the evidence)."""
    expected = [item.code for item in rules.checklist_for(check_type)]
    given = {entry["code"]: entry for entry in entries}
    if len(given) != len(entries):
        codes = [entry["code"] for entry in entries]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        raise ValidationFailed("inspection_checklist_duplicate_item", details={"items": duplicates})
    unknown = sorted(set(given) - set(expected))
    if unknown:
        raise ValidationFailed("inspection_checklist_unknown_item", details={"items": unknown})
    missing = [code for code in expected if code not in given]
    if missing:
        raise ValidationFailed("inspection_checklist_incomplete", details={"missing": missing})
    unexplained = [code for code in expected if given[code]["result"] == "fail" and not given[code].get("note")]
    if unexplained:
        raise ValidationFailed("inspection_note_required", details={"items": unexplained})
    return [
        {"code": code, "result": given[code]["result"], "note": given[code].get("note") or None} for code in expected
    ]


def _check_result(result: str, items: list[dict[str, Any]], deadline: date | None, inspected_at: datetime) -> None:
    failed = [item["code"] for item in items if item["result"] == "fail"]
    if result == "qualified" and failed:
        raise ValidationFailed("inspection_result_inconsistent", details={"failed_items": failed})
    if result != "qualified" and not failed:
        raise ValidationFailed("inspection_result_inconsistent", details={"failed_items": []})
    if result == "rectify" and deadline is None:
        raise _fields_error("inspection_deadline_required", "rectification_deadline", "责令整改须指定整改期限")
    if deadline is not None and deadline <= to_local(inspected_at).date():
        raise _fields_error("inspection_deadline_invalid", "rectification_deadline", "整改期限须晚于检查日期")


def _inspected_at(value: datetime | None) -> datetime:
    now = utcnow()
    if value is None:
        return now
    if value > now + CLOCK_SKEW:
        raise _fields_error("inspection_time_in_future", "inspected_at", "检查时间不能晚于当前时间")
    return value


def _timeline(inspection: Inspection, kind: str, summary: str, **data: Any) -> None:
    append_event(
        kind,
        summary,
        org_id=inspection.org_id,
        project_id=inspection.project_id,
        district_code=inspection.district_code,
        special_zone=inspection.special_zone,
        visibility="org",
        data={"inspection_id": inspection.id, **data},
        is_trial=inspection.is_trial,
    )


def _load_in_area(actor: Actor, inspection_id: int) -> Inspection:
    inspection = get_or_not_found(Inspection, inspection_id)
    require_covers(actor, inspection)
    return inspection


def require_readable(actor: Actor, inspection: Inspection) -> None:
    """Supervisors within the jurisdiction, and the inspected organisation's managers."""
    if actor.is_supervisory:
        require_covers(actor, inspection)
    elif inspection.org_id not in actor.org_ids:
        raise Forbidden()


# --- actions ------------------------------------------------------------------------------------------


def record_inspection(actor: Actor, data: dict[str, Any]) -> Inspection:
    with unit_of_work() as uow:
        kind, org, project = _subject(data.get("project_id"), data.get("org_id"))
        place = project if project is not None else org
        require_covers(actor, place)
        check_type = data.get("check_type") or ("unit" if project is not None else "special")
        items = _checked_items(check_type, data["checklist"])
        inspected_at = _inspected_at(data.get("inspected_at"))
        _check_result(data["result"], items, data.get("rectification_deadline"), inspected_at)
        spot = data["location"]
        fence = project_fence(project) if project is not None else org_fence(org)
        where = check_location(fence, spot["lng"], spot["lat"], spot["crs"], spot.get("accuracy_m"))
        inspection = Inspection(
            subject_kind=kind,
            org_id=org.id,
            project_id=project.id if project is not None else None,
            check_type=check_type,
            district_code=place.district_code,
            special_zone=place.special_zone,
            inspector_user_id=actor.user_id,
            inspected_at=inspected_at,
            checklist=items,
            findings=data.get("findings"),
            lng=where.lng,
            lat=where.lat,
            submitted_crs=where.crs,
            accuracy_m=where.accuracy_m,
            distance_to_fence_m=where.distance_m,
            location_flags=where.flags,
            result=data["result"],
            rectification_deadline=data.get("rectification_deadline"),
            status=STATUS_AFTER_RESULT[data["result"]],
            closed_at=utcnow() if data["result"] == "qualified" else None,
            is_trial=place.is_trial,
        )
        db.session.add(inspection)
        db.session.flush()
        _timeline(
            inspection,
            "inspection.recorded",
            f"现场检查：{rules.CHECK_TYPES[check_type]}，结论：{rules.INSPECTION_RESULTS[inspection.result]}",
            result=inspection.result,
        )
        uow.commit()
    return inspection


def add_follow_up(actor: Actor, inspection_id: int, data: dict[str, Any]) -> Inspection:
    with unit_of_work() as uow:
        inspection = _load_in_area(actor, inspection_id)
        if inspection.status == "closed":
            raise Conflict("inspection_closed")
        allowed_from, next_status = FOLLOW_UP_TRANSITIONS[data["outcome"]]
        if inspection.status not in allowed_from:
            raise Conflict("inspection_follow_up_not_allowed", details={"status": inspection.status})
        penalty_id = data.get("penalty_id")
        if penalty_id is not None:
            penalty = get_or_not_found(Penalty, penalty_id)
            if penalty.org_id != inspection.org_id:
                raise ValidationFailed("penalty_inspection_mismatch")
        follow_up = InspectionFollowUp(
            inspection_id=inspection.id,
            recorded_by=actor.user_id,
            recorded_at=utcnow(),
            outcome=data["outcome"],
            note=data["note"],
            penalty_id=penalty_id,
            is_trial=inspection.is_trial,
        )
        db.session.add(follow_up)
        if next_status is not None:
            inspection.status = next_status
        if inspection.status == "closed":
            inspection.closed_at = utcnow()
        db.session.flush()
        kind = "inspection.closed" if inspection.status == "closed" else "inspection.followed_up"
        _timeline(
            inspection,
            kind,
            f"检查跟踪：{rules.FOLLOW_UP_OUTCOMES[follow_up.outcome]}",
            follow_up_id=follow_up.id,
            outcome=follow_up.outcome,
        )
        uow.commit()
    return inspection


def add_photo(
    actor: Actor, inspection_id: int, photo: bytes, caption: str | None, follow_up_id: int | None
) -> Inspection:
    """Evidence photos are uploaded one by one (wx.uploadFile sends one file per request)."""
    with unit_of_work() as uow:
        inspection = _load_in_area(actor, inspection_id)
        if len(inspection.photos) >= MAX_PHOTOS:
            raise Conflict("inspection_photo_limit")
        if follow_up_id is not None and all(f.id != follow_up_id for f in inspection.follow_ups):
            raise ValidationFailed("inspection_follow_up_mismatch")
        stored, _image = store_image(photo, "inspection", actor.user_id)
        db.session.add(
            InspectionPhoto(
                inspection_id=inspection.id,
                follow_up_id=follow_up_id,
                file_id=stored.id,
                caption=caption,
                uploaded_by=actor.user_id,
                is_trial=inspection.is_trial,
            )
        )
        uow.commit()
    return inspection


# --- reads --------------------------------------------------------------------------------------------


def get_inspection(actor: Actor, inspection_id: int) -> Inspection:
    inspection = get_or_not_found(Inspection, inspection_id)
    require_readable(actor, inspection)
    return inspection


def photo_file(actor: Actor, inspection_id: int, photo_id: int) -> StoredFile:
    inspection = get_inspection(actor, inspection_id)
    photo = next((p for p in inspection.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound()
    return get_or_not_found(StoredFile, photo.file_id)


def list_inspections(actor: Actor, args: dict[str, Any]) -> Page[Inspection]:
    scope = (
        area_clause(actor, Inspection.district_code, Inspection.special_zone)
        if actor.is_supervisory
        else Inspection.org_id.in_(sorted(actor.org_ids) or [-1])
    )
    stmt = sa.select(Inspection).where(scope)
    for key in ("org_id", "project_id", "status", "result"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(Inspection, key) == args[key])
    if args.get("overdue"):
        stmt = stmt.where(Inspection.status == "rectifying", Inspection.rectification_deadline < today())
    return keyset_page(db.session, stmt, [Inspection.id], limit=args["limit"], cursor=args["cursor"])


def suggested_bases(inspection: Inspection) -> list[str]:
    """The penalty articles the failed items point to, for the supervisor who files a case."""
    codes = [
        rules.ITEMS_BY_CODE[item["code"]].penalty_basis for item in inspection.checklist if item["result"] == "fail"
    ]
    return list(dict.fromkeys(codes))

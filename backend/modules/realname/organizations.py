"""Organisation registration and review (docs/design.md §2.1 and §3).

draft → submitted → verified | rejected (→ resubmitted); verified ⇄ suspended; any → deregistered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from backend.adapters.bigdata import BigDataError
from backend.adapters.registry import ORG_STATUS_NORMAL, RegistryError
from backend.bootstrap import adapters
from backend.core import geo
from backend.core.access import Actor, Role, area_clause
from backend.core.crypto import id_number_hash, normalise_phone
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.core.files import PDF_MAGIC, StoredFile, store_image, store_pdf
from backend.core.pagination import Page, keyset_page
from backend.core.timeutil import utcnow
from backend.core.validators import (
    credit_code_error,
    id_number_error,
    is_valid_cn_mobile,
    normalize_credit_code,
    normalize_id_number,
)
from backend.modules.accounts.queries import User, UserRole, user_by_id
from backend.modules.accounts.services import ensure_user_for_phone, grant_role, revoke_role

from .common import (
    audit_personal_read,
    current_user,
    get_org,
    org_event,
    org_for_manager,
    org_for_reader,
    org_for_supervisor,
)
from .conditions import MONITORED_STATUSES, ConditionReport, evaluate, refresh_conditions
from .models import ORG_DOCUMENTS, ORG_TYPES, Employment, Organization, OrgEquipment, OrgReview

REGISTRY_TYPE_KEYS = {"维护保养检测": "maintenance_testing", "消防安全评估": "assessment"}
IDENTITY_FIELDS = ("name", "types", "legal_form", "legal_rep_name", "legal_rep_id_number", "address")


@dataclass(frozen=True)
class EquipmentItem:
    category: str
    name: str
    model: str | None = None
    serial_no: str | None = None
    quantity: int = 1
    calibration_due: date | None = None


@dataclass(frozen=True)
class OrgDetail:
    organization: Organization
    conditions: ConditionReport
    reviews: list[OrgReview]
    legal_rep_id_number: str | None  # unmasked only on request, with the permission, audited


def _fields_error(code: str, field: str, message: str) -> ValidationFailed:
    return ValidationFailed(code, details={"fields": {field: [message]}})


def _valid_credit_code(value: str) -> str:
    code = normalize_credit_code(value)
    if error := credit_code_error(code):
        raise _fields_error("invalid_credit_code", "credit_code", error)
    return code


def _valid_id_number(value: str, field: str) -> str:
    number = normalize_id_number(value)
    if error := id_number_error(number):
        raise _fields_error("invalid_id_number", field, error)
    return number


def _valid_types(types: Iterable[str]) -> list[str]:
    chosen = sorted(set(types))
    if not chosen or any(t not in ORG_TYPES for t in chosen):
        raise _fields_error("validation_error", "types", "请选择机构类型：维护保养检测和/或消防安全评估")
    return chosen


def _locate(org: Organization, address: str) -> None:
    """Geocode through the GIS platform (WGS-84); the district comes from the district polygons, the same
    ones jurisdiction checks use, never from the platform's own answer."""
    found = adapters().gis.geocode(address)
    if found is None:
        raise _fields_error("org_address_not_located", "address", "无法定位该地址")
    district = geo.district_of(found.lng, found.lat)
    if district is None:
        raise _fields_error("org_address_outside_shanghai", "address", "地址不在上海市范围内")
    org.address = address.strip()
    org.lng, org.lat = found.lng, found.lat
    org.district_code = district.adcode


def _set_legal_rep(org: Organization, name: str | None, id_number: str | None) -> None:
    if name is not None:
        org.legal_rep_name = name.strip()
    if id_number is not None:
        number = _valid_id_number(id_number, "legal_rep_id_number")
        org.legal_rep_id_number = number
        org.legal_rep_id_hash = id_number_hash(number)


def _replace_equipment(org: Organization, items: Iterable[EquipmentItem | dict[str, Any]]) -> None:
    org.equipment.clear()
    for item in items:
        values = item if isinstance(item, dict) else item.__dict__
        org.equipment.append(OrgEquipment(**values))


def _require_not_deregistered(org: Organization) -> None:
    if org.status == "deregistered":
        raise Conflict("org_deregistered")


# --- registration -------------------------------------------------------------------------------------


def register_organization(
    actor: Actor,
    *,
    credit_code: str,
    name: str,
    types: list[str],
    legal_rep_name: str,
    legal_rep_id_number: str,
    address: str,
    workplace_area_m2: float = 0,
    legal_form: str = "企业法人",
    equipment: Iterable[EquipmentItem | dict[str, Any]] = (),
) -> Organization:
    """A phone-verified user registers an organisation as its legal representative; it starts as a draft."""
    code = _valid_credit_code(credit_code)
    with unit_of_work() as uow:
        if db.session.scalar(sa.select(Organization.id).where(Organization.credit_code == code)):
            raise Conflict("org_credit_code_taken")
        user = current_user(actor)
        org = Organization(
            credit_code=code,
            name=name.strip(),
            types=_valid_types(types),
            legal_form=legal_form,
            workplace_area_m2=workplace_area_m2,
            legal_rep_user_id=user.id,
            status="draft",
        )
        _set_legal_rep(org, legal_rep_name, legal_rep_id_number)
        _locate(org, address)
        _replace_equipment(org, equipment)
        db.session.add(org)
        db.session.flush()
        grant_role(user, Role.LEGAL_REP, org_id=org.id)
        grant_role(user, Role.ORG_ADMIN, org_id=org.id)
        refresh_conditions(org)
        org_event(org, "org.registered", f"{org.name} 登记注册（草稿）")
        uow.commit()
        return org


def update_organization(actor: Actor, org_id: int, **changes: Any) -> Organization:
    """Registration details change only before approval; the declared workplace area at any time (it feeds
    the practice conditions, re-evaluated at once)."""
    with unit_of_work() as uow:
        org = org_for_manager(actor, org_id)
        _require_not_deregistered(org)
        identity_changes = {k: v for k, v in changes.items() if k in IDENTITY_FIELDS and v is not None}
        if identity_changes and org.status not in ("draft", "rejected"):
            raise Conflict("org_not_editable", details={"fields": sorted(identity_changes)})
        if "name" in identity_changes:
            org.name = identity_changes["name"].strip()
        if "types" in identity_changes:
            org.types = _valid_types(identity_changes["types"])
        if "legal_form" in identity_changes:
            org.legal_form = identity_changes["legal_form"]
        _set_legal_rep(org, identity_changes.get("legal_rep_name"), identity_changes.get("legal_rep_id_number"))
        if "address" in identity_changes:
            _locate(org, identity_changes["address"])
        if changes.get("workplace_area_m2") is not None:
            org.workplace_area_m2 = changes["workplace_area_m2"]
        refresh_conditions(org)
        uow.commit()
        return org


def replace_equipment(actor: Actor, org_id: int, items: list[dict[str, Any]]) -> Organization:
    """The declared equipment list, replaced as a whole (the declaration form sends all of it)."""
    with unit_of_work() as uow:
        org = org_for_manager(actor, org_id)
        _require_not_deregistered(org)
        _replace_equipment(org, items)
        db.session.flush()
        refresh_conditions(org)
        uow.commit()
        return org


def _document_kind(kind: str) -> str:
    if kind not in ORG_DOCUMENTS:
        raise NotFound("document_kind_unknown")
    return kind


def _store_document(data: bytes, purpose: str, user_id: int | None) -> StoredFile:
    if data.startswith(PDF_MAGIC):
        return store_pdf(data, purpose, user_id)
    try:
        stored, _ = store_image(data, purpose, user_id)
    except ValidationFailed as exc:
        if exc.code == "image_type_not_allowed":
            raise ValidationFailed("document_type_not_allowed") from exc
        raise
    return stored


def upload_document(actor: Actor, org_id: int, kind: str, data: bytes) -> Organization:
    """Business licence, quality-system or assessment-control document: PDF or a photo (JPEG/PNG)."""
    kind = _document_kind(kind)
    with unit_of_work() as uow:
        org = org_for_manager(actor, org_id)
        _require_not_deregistered(org)
        if kind == "business_licence" and org.status not in ("draft", "rejected"):
            raise Conflict("org_not_editable", details={"fields": [kind]})
        stored = _store_document(data, f"org_{kind}", actor.user_id)
        setattr(org, f"{kind}_file_id", stored.id)
        refresh_conditions(org)
        uow.commit()
        return org


def document_file(actor: Actor, org_id: int, kind: str) -> StoredFile:
    kind = _document_kind(kind)
    org = org_for_reader(actor, org_id)
    file_id = getattr(org, f"{kind}_file_id")
    if file_id is None:
        raise NotFound("document_missing")
    stored = db.session.get(StoredFile, file_id)
    if stored is None:
        raise NotFound("document_missing")
    return stored


# --- submission and the outside checks ------------------------------------------------------------------


def _note(source: str, code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"source": source, "code": code, "message": message, **extra}


def _differs(declared: str | None, recorded: str | None) -> bool:
    return "".join((declared or "").split()) != "".join((recorded or "").split())


def registry_notes(org: Organization) -> list[dict[str, Any]]:
    """What the national registry says that differs from the declaration (the reviewer decides)."""
    try:
        found = adapters().registry.lookup_organization(org.credit_code)
    except RegistryError as exc:
        return [_note("registry", exc.code, f"{exc.message}；审核时请人工核对")]
    if found is None:
        return [_note("registry", "registry_org_unknown", "全国社会消防技术服务信息系统中没有该统一社会信用代码的机构")]
    notes = []
    for field, label, declared, recorded in (
        ("name", "单位名称", org.name, found.name),
        ("legal_representative", "法定代表人", org.legal_rep_name, found.legal_representative),
    ):
        if _differs(declared, recorded):
            notes.append(
                _note(
                    "registry",
                    "registry_mismatch",
                    f"{label}与全国系统登记不一致：申报“{declared}”，全国系统“{recorded}”",
                    field=field,
                    declared=declared,
                    recorded=recorded,
                )
            )
    registered_types = {REGISTRY_TYPE_KEYS.get(t, t) for t in found.types}
    missing = [ORG_TYPES[t] for t in org.types if t not in registered_types]
    if missing:
        notes.append(
            _note(
                "registry",
                "registry_mismatch",
                f"全国系统未登记该机构从事{'、'.join(missing)}业务",
                field="types",
                declared="、".join(ORG_TYPES[t] for t in org.types),
                recorded="、".join(found.types),
            )
        )
    if found.status != ORG_STATUS_NORMAL:
        notes.append(
            _note(
                "registry",
                "registry_status",
                f"全国系统中该机构状态为“{found.status}”",
                field="status",
                recorded=found.status,
            )
        )
    return notes


def bigdata_notes(org: Organization) -> list[dict[str, Any]]:
    """Differences from the business registration held by the corps big-data platform."""
    declared = {"name": org.name, "legal_representative": org.legal_rep_name, "registered_address": org.address}
    try:
        result = adapters().bigdata.cross_check_organization(org.credit_code, declared)
    except BigDataError as exc:
        return [_note("bigdata", exc.code, f"{exc.message}；审核时请人工核对")]
    if not result.found:
        return [_note("bigdata", "bigdata_business_unknown", "总队大数据平台没有该统一社会信用代码的工商登记")]
    return [
        _note(
            "bigdata",
            "bigdata_mismatch",
            f"{d.label}与工商登记不一致：申报“{d.declared or ''}”，工商登记“{d.recorded or ''}”",
            field=d.field,
            declared=d.declared,
            recorded=d.recorded,
        )
        for d in result.differences
    ]


def _missing_for_submission(org: Organization) -> dict[str, list[str]]:
    missing: dict[str, list[str]] = {}
    if org.business_licence_file_id is None:
        missing["business_licence"] = ["请上传营业执照"]
    if not org.workplace_area_m2:
        missing["workplace_area_m2"] = ["请填写工作场所建筑面积"]
    if not org.equipment:
        missing["equipment"] = ["请申报仪器设备"]
    return missing


def submit_organization(actor: Actor, org_id: int) -> Organization:
    """Submit (or resubmit) for review; the outside systems are asked now, and what they disagree with
    becomes `registry_notes` for the reviewer. An outside system that is down does not block submission:
    the note says so and the reviewer checks by hand."""
    with unit_of_work() as uow:
        org = org_for_manager(actor, org_id)
        if org.status not in ("draft", "rejected"):
            raise Conflict("org_not_submittable")
        missing = _missing_for_submission(org)
        if missing:
            raise ValidationFailed("org_incomplete", details={"fields": missing})
        resubmission = org.status == "rejected"
        org.registry_notes = registry_notes(org) + bigdata_notes(org)
        org.status = "submitted"
        org.submitted_at = utcnow()
        refresh_conditions(org)
        kind, verb = ("org.resubmitted", "重新提交") if resubmission else ("org.submitted", "提交")
        org_event(org, kind, f"{org.name} {verb}登记审核", notes=len(org.registry_notes))
        uow.commit()
        return org


# --- review (supervisors) --------------------------------------------------------------------------------


def _require_reasons(reasons: list[str]) -> list[str]:
    cleaned = [r.strip() for r in reasons if r and r.strip()]
    if not cleaned:
        raise _fields_error("review_reasons_required", "reasons", "请填写理由")
    return cleaned


def _add_review(org: Organization, actor: Actor, decision: str, reasons: list[str]) -> OrgReview:
    review = OrgReview(
        org_id=org.id, reviewer_user_id=actor.user_id, decision=decision, reasons=reasons, created_at=utcnow()
    )
    db.session.add(review)
    db.session.flush()
    return review


def review_organization(actor: Actor, org_id: int, decision: str, reasons: list[str]) -> Organization:
    """Approve or reject a submitted registration; a rejection carries the reasons the organisation sees."""
    with unit_of_work() as uow:
        org = org_for_supervisor(actor, org_id)
        if org.id in actor.org_ids:
            raise Forbidden("review_own_org")
        if org.status != "submitted":
            raise Conflict("org_not_submitted")
        if decision == "approve":
            review = _add_review(org, actor, "approved", [r for r in reasons if r.strip()])
            org.status = "verified"
            org.verified_at = utcnow()
            org.review_reasons = []
            org_event(org, "org.verified", f"{org.name} 通过登记审核", visibility="public", review_id=review.id)
            refresh_conditions(org, announce_unmet=True)
        else:
            cleaned = _require_reasons(reasons)
            review = _add_review(org, actor, "rejected", cleaned)
            org.status = "rejected"
            org.review_reasons = cleaned
            org_event(org, "org.rejected", f"{org.name} 登记审核未通过：{'；'.join(cleaned)}", review_id=review.id)
        uow.commit()
        return org


def suspend_organization(actor: Actor, org_id: int, reasons: list[str]) -> Organization:
    with unit_of_work() as uow:
        org = org_for_supervisor(actor, org_id)
        if org.status != "verified":
            raise Conflict("org_not_active")
        cleaned = _require_reasons(reasons)
        review = _add_review(org, actor, "suspended", cleaned)
        org.status = "suspended"
        org.review_reasons = cleaned
        org_event(
            org,
            "org.suspended",
            f"{org.name} 被暂停执业：{'；'.join(cleaned)}",
            visibility="public",
            review_id=review.id,
        )
        uow.commit()
        return org


def reinstate_organization(actor: Actor, org_id: int, reasons: list[str]) -> Organization:
    with unit_of_work() as uow:
        org = org_for_supervisor(actor, org_id)
        if org.status != "suspended":
            raise Conflict("org_not_suspended")
        review = _add_review(org, actor, "reinstated", [r for r in reasons if r.strip()])
        org.status = "verified"
        org.review_reasons = []
        org_event(org, "org.reinstated", f"{org.name} 恢复执业", visibility="public", review_id=review.id)
        refresh_conditions(org, announce_unmet=True)
        uow.commit()
        return org


def deregister_organization(actor: Actor, org_id: int, reason: str) -> Organization:
    """The legal representative deregisters the organisation, or a supervisor of its district does.
    Its employments end and open invitations are withdrawn; the records stay for the archive."""
    with unit_of_work() as uow:
        org = get_org(org_id)
        if actor.is_supervisory:
            org = org_for_supervisor(actor, org_id)
        elif org.legal_rep_user_id != actor.user_id:
            raise Forbidden("legal_rep_only")
        _require_not_deregistered(org)
        cleaned = _require_reasons([reason])
        review = _add_review(org, actor, "deregistered", cleaned) if actor.is_supervisory else None
        _close_employments(org, actor, "机构注销")
        org.status = "deregistered"
        org.conditions_met = False
        org_event(
            org,
            "org.deregistered",
            f"{org.name} 注销：{cleaned[0]}",
            visibility="public",
            review_id=review.id if review else None,
        )
        uow.commit()
        return org


def _close_employments(org: Organization, actor: Actor, reason: str) -> None:
    now = utcnow()
    for employment in db.session.scalars(
        sa.select(Employment).where(Employment.org_id == org.id, Employment.status.in_(("invited", "active")))
    ):
        employment.status = "ended" if employment.status == "active" else "withdrawn"
        employment.ended_at = now
        employment.ended_by = actor.user_id
        employment.end_reason = reason


# --- reading -------------------------------------------------------------------------------------------


def get_organization(actor: Actor, org_id: int, unmask: bool = False) -> OrgDetail:
    """The organisation with its live practice conditions and review history."""
    with unit_of_work() as uow:
        org = org_for_reader(actor, org_id)
        id_number = None
        if unmask:
            if not actor.can("read_personal_data"):
                raise Forbidden("forbidden", details={"permission": "read_personal_data"})
            id_number = org.legal_rep_id_number
            audit_personal_read(actor, "organizations", org.id, ["legal_rep_name", "legal_rep_id_number"])
        else:
            audit_personal_read(actor, "organizations", org.id, ["legal_rep_name"])
        reviews = list(
            db.session.scalars(sa.select(OrgReview).where(OrgReview.org_id == org.id).order_by(OrgReview.id))
        )
        detail = OrgDetail(org, evaluate(org), reviews, id_number)
        uow.commit()
        return detail


def org_conditions(actor: Actor, org_id: int) -> ConditionReport:
    """Evaluated now, from live staff and declarations; nothing is written."""
    return evaluate(org_for_reader(actor, org_id))


def list_organizations(
    actor: Actor,
    *,
    limit: int,
    cursor: str | None,
    status: str | None = None,
    q: str | None = None,
    district_code: str | None = None,
) -> Page[Organization]:
    """Supervisors: the organisations of their jurisdiction. Org admins: their own."""
    stmt = sa.select(Organization)
    if actor.is_supervisory:
        stmt = stmt.where(area_clause(actor, Organization.district_code, Organization.special_zone))
    else:
        stmt = stmt.where(Organization.id.in_(actor.org_ids or [-1]))
    if status:
        stmt = stmt.where(Organization.status == status)
    if q:
        stmt = stmt.where(
            sa.or_(
                Organization.name.contains(q.strip(), autoescape=True), Organization.credit_code == q.strip().upper()
            )
        )
    if district_code:
        stmt = stmt.where(Organization.district_code == district_code)
    return keyset_page(db.session, stmt, [Organization.id], limit=limit, cursor=cursor)


def review_queue(actor: Actor, *, limit: int, cursor: str | None) -> Page[Organization]:
    """Submitted registrations in the supervisor's jurisdiction, most recently submitted first, each with
    the registry notes and its last evaluation of the practice conditions."""
    stmt = sa.select(Organization).where(
        Organization.status == "submitted",
        area_clause(actor, Organization.district_code, Organization.special_zone),
    )
    return keyset_page(
        db.session,
        stmt,
        [Organization.submitted_at, Organization.id],
        limit=limit,
        cursor=cursor,
        kinds=["datetime", "int"],
    )


# --- org admins ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgAdmin:
    user: User
    is_legal_rep: bool


def list_org_admins(actor: Actor, org_id: int) -> list[OrgAdmin]:
    org = org_for_manager(actor, org_id)
    users = db.session.scalars(
        sa.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ORG_ADMIN, UserRole.org_id == org.id)
        .order_by(User.id)
    )
    return [OrgAdmin(user, user.id == org.legal_rep_user_id) for user in users]


def _user_for_phone(phone: str, name: str | None) -> User:
    """The account of that phone, created now if it never logged in (the first SMS login finds it, roles
    and all, as supervisor pre-assignments work)."""
    phone = normalise_phone(phone or "")
    if not is_valid_cn_mobile(phone):
        raise _fields_error("invalid_phone", "phone", "手机号码格式不正确")
    return ensure_user_for_phone(phone, name)


def add_org_admin(actor: Actor, org_id: int, phone: str, name: str | None = None) -> OrgAdmin:
    with unit_of_work() as uow:
        org = org_for_manager(actor, org_id)
        _require_not_deregistered(org)
        user = _user_for_phone(phone, name)
        if any(r.role == Role.ORG_ADMIN and r.org_id == org.id for r in user.roles):
            raise Conflict("org_admin_exists")
        grant_role(user, Role.ORG_ADMIN, org_id=org.id)
        org_event(org, "org.admin_added", f"{org.name} 新增机构管理人员", user_id=user.id)
        uow.commit()
        return OrgAdmin(user, False)


def remove_org_admin(actor: Actor, org_id: int, user_id: int) -> None:
    with unit_of_work() as uow:
        org = org_for_manager(actor, org_id)
        if user_id == org.legal_rep_user_id:
            raise Conflict("cannot_remove_legal_rep")
        user = user_by_id(user_id)
        if user is None or not any(r.role == Role.ORG_ADMIN and r.org_id == org.id for r in user.roles):
            raise NotFound("org_admin_not_found")
        revoke_role(user, Role.ORG_ADMIN, org_id=org.id)
        org_event(org, "org.admin_removed", f"{org.name} 移除机构管理人员", user_id=user.id)
        uow.commit()


# --- daily re-evaluation -------------------------------------------------------------------------------

RECHECK_BATCH = 100


def recheck_all_conditions(on: date | None = None) -> int:
    """Re-evaluate every organisation in practice (certificates and calibrations expire with time), in
    batches of one transaction each so a long run holds no lock for long."""
    ids = list(
        db.session.scalars(
            sa.select(Organization.id).where(Organization.status.in_(MONITORED_STATUSES)).order_by(Organization.id)
        )
    )
    for start in range(0, len(ids), RECHECK_BATCH):
        with unit_of_work() as uow:
            for org in db.session.scalars(
                sa.select(Organization).where(Organization.id.in_(ids[start : start + RECHECK_BATCH]))
            ):
                refresh_conditions(org, on)
            uow.commit()
    return len(ids)

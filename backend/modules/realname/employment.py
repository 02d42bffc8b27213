"""Employment: invited → active → ended (or declined / withdrawn); at most one active employer per person.

第十一条 of 《社会消防技术服务管理规定》 forbids practising at two organisations. Two refusals are enforced here and
each leaves evidence (IntegrityEvidence, written in its own transaction so the refusal keeps it):
- a second active employment (kind "second_employment"); the partial unique index uq_employments_one_active
  catches the race of two acceptances at once;
- an engineer whose certificate the national system registers to another organisation
  (kind "certificate_registered_elsewhere").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from backend.adapters.registry import ENGINEER_KINDS, RegistryError
from backend.bootstrap import adapters
from backend.core.access import Actor
from backend.core.crypto import normalise_phone, phone_hash
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, NotFound, ValidationFailed
from backend.core.pagination import Page, keyset_page
from backend.core.timeutil import today, utcnow
from backend.core.validators import is_valid_cn_mobile, mask_phone
from backend.modules.accounts.services import user_by_phone

from .common import (
    audit_personal_read,
    current_user,
    get_org,
    org_event,
    org_for_manager,
    org_for_reader,
    practitioner_event,
    record_evidence_separately,
)
from .conditions import refresh_conditions
from .models import POSITIONS, Employment, Organization, Practitioner
from .queries import active_employment, practitioner_for_user, require_practitioner

OPEN_STATUSES = ("invited", "active")


class EmploymentRefused(Conflict):
    """A refused acceptance that must leave evidence (see the module docstring)."""

    def __init__(self, code: str, message: str, evidence: dict[str, Any]) -> None:
        super().__init__(code, message, details={k: v for k, v in evidence.items() if k != "summary"})
        self.evidence = evidence


@dataclass(frozen=True)
class EmploymentView:
    """An employment with the organisation's name and, for the organisation's side, the person."""

    employment: Employment
    org: Organization
    practitioner: Practitioner | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        if name in ("employment", "org", "practitioner", "extra"):
            raise AttributeError(name)
        return getattr(self.employment, name)


def _view(employment: Employment) -> EmploymentView:
    org = db.session.get(Organization, employment.org_id)
    assert org is not None
    practitioner = db.session.get(Practitioner, employment.practitioner_id) if employment.practitioner_id else None
    return EmploymentView(employment, org, practitioner)


def _valid_phone(phone: str) -> str:
    phone = normalise_phone(phone or "")
    if not is_valid_cn_mobile(phone):
        raise ValidationFailed("invalid_phone", details={"fields": {"phone": ["手机号码格式不正确"]}})
    return phone


# --- the organisation's side ---------------------------------------------------------------------------


def invite(actor: Actor, org_id: int, *, phone: str, position: str) -> EmploymentView:
    """An org admin invites a person by phone; they accept in the mini-program once logged in with it."""
    phone = _valid_phone(phone)
    with unit_of_work() as uow:
        org = org_for_manager(actor, org_id)
        if org.status == "deregistered":
            raise Conflict("org_deregistered")
        hashed = phone_hash(phone)
        duplicate = db.session.scalar(
            sa.select(Employment.id).where(
                Employment.org_id == org.id,
                Employment.invited_phone_hash == hashed,
                Employment.status.in_(OPEN_STATUSES),
            )
        )
        if duplicate is not None:
            raise Conflict("employment_exists")
        # The person is linked at acceptance only: an invitation must not tell the organisation who owns a phone.
        user = user_by_phone(phone)
        employment = Employment(
            org_id=org.id,
            invited_phone_hash=hashed,
            invited_phone_masked=mask_phone(phone),
            invited_user_id=user.id if user else None,
            position=position,
            status="invited",
            invited_by=actor.user_id,
        )
        db.session.add(employment)
        db.session.flush()
        _event(employment, org, None, "employment.invited", f"{org.name} 邀请从业人员担任{POSITIONS[position]}")
        uow.commit()
        return _view(employment)


def change_position(actor: Actor, org_id: int, employment_id: int, position: str) -> EmploymentView:
    with unit_of_work() as uow:
        org = org_for_manager(actor, org_id)
        employment = _employment_of_org(org, employment_id)
        if employment.status not in OPEN_STATUSES:
            raise Conflict("employment_not_active")
        old = employment.position
        employment.position = position
        practitioner = db.session.get(Practitioner, employment.practitioner_id) if employment.practitioner_id else None
        _event(
            employment,
            org,
            practitioner,
            "employment.position_changed",
            f"{org.name} 调整岗位：{POSITIONS.get(old, old)} → {POSITIONS[position]}",
        )
        refresh_conditions(org)
        uow.commit()
        return _view(employment)


def list_staff(
    actor: Actor, org_id: int, *, limit: int, cursor: str | None, status: str | None = None
) -> Page[EmploymentView]:
    """The organisation's employments and invitations (its admins, and supervisors of its district)."""
    with unit_of_work() as uow:
        org = org_for_reader(actor, org_id)
        stmt = sa.select(Employment).where(Employment.org_id == org.id)
        if status:
            stmt = stmt.where(Employment.status == status)
        page = keyset_page(db.session, stmt, [Employment.id], limit=limit, cursor=cursor)
        audit_personal_read(actor, "organizations", org.id, ["staff.name"])
        uow.commit()
        page.items = [_view(e) for e in page.items]
        return page


def _employment_of_org(org: Organization, employment_id: int) -> Employment:
    employment = db.session.get(Employment, employment_id)
    if employment is None or employment.org_id != org.id:
        raise NotFound("employment_not_found")
    return employment


# --- the practitioner's side ---------------------------------------------------------------------------


def _invited_to_me(actor: Actor, employment_id: int) -> Employment:
    """An invitation addressed to the actor's phone (anyone else gets 404: invitations are not browsable)."""
    user = current_user(actor)
    employment = db.session.get(Employment, employment_id)
    if employment is None or employment.invited_phone_hash != user.phone_hash:
        raise NotFound("employment_not_found")
    return employment


def my_employments(actor: Actor) -> list[EmploymentView]:
    """Invitations to the actor's phone and the actor's employments, newest first."""
    user = current_user(actor)
    practitioner = practitioner_for_user(actor.user_id)
    condition = Employment.invited_phone_hash == user.phone_hash
    if practitioner is not None:
        condition = sa.or_(condition, Employment.practitioner_id == practitioner.id)
    rows = db.session.scalars(sa.select(Employment).where(condition).order_by(Employment.id.desc()).limit(100))
    return [_view(e) for e in rows]


def _registered_elsewhere(practitioner: Practitioner, org: Organization) -> dict[str, Any] | None:
    """A valid engineer registration at another organisation, per the national system (asked now); if the
    system cannot answer, per the last check stored on the certificates."""
    try:
        records = adapters().registry.lookup_certificates(id_number=practitioner.id_number)
        found = [
            (r.registration_no or r.cert_no, r.org_credit_code, r.org_name)
            for r in records
            if r.kind in ENGINEER_KINDS and r.is_valid and r.org_credit_code and r.org_credit_code != org.credit_code
        ]
    except RegistryError:
        found = [
            (c.registration_no or c.cert_no, c.registered_org_credit_code, None)
            for c in practitioner.certificates
            if c.kind in ("engineer_1", "engineer_2")
            and c.status == "valid"
            and (c.expires_on is None or c.expires_on >= today())
            and c.registered_org_credit_code
            and c.registered_org_credit_code != org.credit_code
        ]
    if not found:
        return None
    registration_no, credit_code, org_name = found[0]
    return {
        "registration_no": registration_no,
        "registered_org_credit_code": credit_code,
        "registered_org_name": org_name,
        "org_credit_code": org.credit_code,
    }


def _second_employment(practitioner: Practitioner, org: Organization, current: Employment) -> EmploymentRefused:
    current_org = db.session.get(Organization, current.org_id)
    name = current_org.name if current_org else ""
    return EmploymentRefused(
        "second_employment",
        f"您已在“{name}”执业。同一时间只能在一家机构执业，请先解除现有聘用关系",
        {
            "active_employment_id": current.id,
            "active_org_id": current.org_id,
            "active_org_name": name,
            "summary": f"从业人员 {practitioner.name_masked} 已在{name}执业，另一机构 {org.name} 的聘用被拒绝",
        },
    )


def _engineer_registered_elsewhere(
    practitioner: Practitioner, org: Organization, found: dict[str, Any]
) -> EmploymentRefused:
    where = found["registered_org_name"] or found["registered_org_credit_code"]
    return EmploymentRefused(
        "certificate_registered_elsewhere",
        f"您的注册消防工程师证书（注册编号 {found['registration_no']}）在全国社会消防技术服务信息系统中注册于"
        f"“{where}”，不能在“{org.name}”执业；请先办理变更注册",
        {
            **found,
            "summary": f"注册消防工程师 {practitioner.name_masked} 注册于{where}，{org.name} 的聘用被拒绝",
        },
    )


def _activate(actor: Actor, practitioner_id: int, employment_id: int) -> EmploymentView:
    with unit_of_work() as uow:
        practitioner = db.session.get(Practitioner, practitioner_id)
        assert practitioner is not None
        employment = _invited_to_me(actor, employment_id)
        if employment.status != "invited":
            raise Conflict("employment_not_invited")
        org = get_org(employment.org_id)
        if org.status == "deregistered":
            raise Conflict("org_deregistered")
        current = active_employment(practitioner.id)
        if current is not None:
            raise _second_employment(practitioner, org, current)
        elsewhere = _registered_elsewhere(practitioner, org)
        if elsewhere is not None:
            raise _engineer_registered_elsewhere(practitioner, org, elsewhere)
        employment.status = "active"
        employment.practitioner_id = practitioner.id
        employment.invited_user_id = actor.user_id
        employment.started_at = utcnow()
        db.session.flush()  # the partial unique index decides a race between two acceptances here
        _event(
            employment, org, practitioner, "employment.started", f"从业人员 {practitioner.name_masked} 入职 {org.name}"
        )
        refresh_conditions(org)
        uow.commit()
        return _view(employment)


def _refusal_after_race(practitioner_id: int, employment_id: int) -> EmploymentRefused | None:
    """The unique index refused the acceptance: another one won the race. None if that is not the cause."""
    practitioner = db.session.get(Practitioner, practitioner_id)
    employment = db.session.get(Employment, employment_id)
    current = active_employment(practitioner_id)
    if practitioner is None or employment is None or current is None:
        return None
    return _second_employment(practitioner, get_org(employment.org_id), current)


def accept(actor: Actor, employment_id: int) -> EmploymentView:
    """Accept an invitation. A refusal rolls the acceptance back and records its evidence separately."""
    practitioner_id = require_practitioner(actor).id
    try:
        return _activate(actor, practitioner_id, employment_id)
    except EmploymentRefused as refused:
        _record_refusal(refused, practitioner_id, employment_id)
        raise
    except IntegrityError:
        raced = _refusal_after_race(practitioner_id, employment_id)
        if raced is None:
            raise
        _record_refusal(raced, practitioner_id, employment_id)
        raise raced from None


def _record_refusal(refused: EmploymentRefused, practitioner_id: int, employment_id: int) -> None:
    practitioner = db.session.get(Practitioner, practitioner_id)
    employment = db.session.get(Employment, employment_id)
    assert practitioner is not None and employment is not None
    org = get_org(employment.org_id)
    details = {k: v for k, v in refused.evidence.items() if k != "summary"}
    details["employment_id"] = employment_id
    record_evidence_separately(
        refused.code, refused.evidence["summary"], practitioner=practitioner, org=org, details=details
    )


def decline(actor: Actor, employment_id: int) -> EmploymentView:
    with unit_of_work() as uow:
        employment = _invited_to_me(actor, employment_id)
        if employment.status != "invited":
            raise Conflict("employment_not_invited")
        employment.status = "declined"
        employment.ended_at = utcnow()
        employment.ended_by = actor.user_id
        org = get_org(employment.org_id)
        practitioner = practitioner_for_user(actor.user_id)
        _event(employment, org, practitioner, "employment.declined", f"{org.name} 的聘用邀请被谢绝")
        uow.commit()
        return _view(employment)


def end(actor: Actor, employment_id: int, reason: str | None) -> EmploymentView:
    """Either side ends an active employment; the organisation may also withdraw an open invitation."""
    with unit_of_work() as uow:
        employment = db.session.get(Employment, employment_id)
        if employment is None:
            raise NotFound("employment_not_found")
        org = get_org(employment.org_id)
        practitioner = practitioner_for_user(actor.user_id)
        by_org = org.id in actor.org_ids
        by_self = practitioner is not None and employment.practitioner_id == practitioner.id
        if not (by_org or by_self):
            raise NotFound("employment_not_found")
        if employment.status == "invited" and by_org:
            employment.status = "withdrawn"
            kind, summary = "employment.withdrawn", f"{org.name} 撤回聘用邀请"
        elif employment.status == "active":
            employment.status = "ended"
            side = "机构" if by_org else "本人"
            kind, summary = "employment.ended", f"{org.name} 的聘用关系解除（{side}）"
        else:
            raise Conflict("employment_not_active")
        employment.ended_at = utcnow()
        employment.ended_by = actor.user_id
        employment.end_reason = (reason or "").strip() or None
        person = db.session.get(Practitioner, employment.practitioner_id) if employment.practitioner_id else None
        _event(employment, org, person, kind, summary)
        refresh_conditions(org)
        uow.commit()
        return _view(employment)


def _event(
    employment: Employment, org: Organization, practitioner: Practitioner | None, kind: str, summary: str
) -> None:
    data: dict[str, Any] = {"employment_id": employment.id, "position": employment.position}
    if practitioner is not None:
        practitioner_event(practitioner, kind, summary, org=org, **data)
        return
    org_event(org, kind, summary, **data)

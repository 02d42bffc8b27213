"""行政处罚: decisions with their legal basis, the amount inside the article's range, and credit points."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from backend.core.access import Actor, area_clause, require_permission
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, Forbidden, ValidationFailed
from backend.core.pagination import Page, keyset_page
from backend.core.timeline import append_event
from backend.core.timeutil import today
from backend.modules.realname.queries import Employment, Organization, Practitioner

from . import rules
from .common import get_or_not_found, require_covers
from .models import Inspection, Penalty


def _field(code: str, field: str, text: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(code, details={"fields": {field: [text]}, **extra})


def _basis(code: str) -> rules.PenaltyBasis:
    basis = rules.PENALTY_BASES.get(code)
    if basis is None:
        raise _field("penalty_basis_unknown", "basis", "处罚依据不存在")
    return basis


def _practitioner_of(org: Organization, practitioner_id: int | None) -> Practitioner:
    """The person must practise, or have practised, at the organisation named in the decision."""
    if practitioner_id is None:
        raise _field("penalty_practitioner_required", "practitioner_id", "请指定被处罚的从业人员")
    practitioner = get_or_not_found(Practitioner, practitioner_id)
    worked_there = db.session.scalar(
        sa.select(Employment.id).where(
            Employment.practitioner_id == practitioner.id,
            Employment.org_id == org.id,
            Employment.status.in_(("active", "ended")),
        )
    )
    if worked_there is None:
        raise ValidationFailed("penalty_practitioner_not_of_org")
    return practitioner


def _check_amount(basis: rules.PenaltyBasis, subject_kind: str, amount: int) -> None:
    allowed = rules.amount_range(basis, subject_kind)
    if allowed is None:
        raise _field(
            "penalty_basis_not_for_subject", "basis", f"{basis.article}不适用于{rules.SUBJECT_KINDS[subject_kind]}"
        )
    if not allowed.contains(amount):
        raise _field(
            "penalty_amount_out_of_range",
            "amount_yuan",
            f"{basis.article}规定的罚款幅度为{allowed.describe()}",
            minimum=allowed.minimum,
            maximum=allowed.maximum,
        )


def _check_inspection(org: Organization, inspection_id: int | None) -> Inspection | None:
    if inspection_id is None:
        return None
    inspection = get_or_not_found(Inspection, inspection_id)
    if inspection.org_id != org.id:
        raise ValidationFailed("penalty_inspection_mismatch")
    return inspection


def _check_unique(decision_no: str) -> None:
    if db.session.scalar(sa.select(Penalty.id).where(Penalty.decision_no == decision_no)) is not None:
        raise Conflict("penalty_decision_no_taken")


def issue_penalty(actor: Actor, data: dict[str, Any]) -> Penalty:
    require_permission(actor, "issue_penalties")
    with unit_of_work() as uow:
        org = get_or_not_found(Organization, data["org_id"])
        require_covers(actor, org)
        basis = _basis(data["basis"])
        subject_kind = data["subject_kind"]
        practitioner = _practitioner_of(org, data.get("practitioner_id")) if subject_kind == "practitioner" else None
        _check_amount(basis, subject_kind, data["amount_yuan"])
        if data["decided_on"] > today():
            raise _field("penalty_date_in_future", "decided_on", "处罚决定日期不能晚于今天")
        inspection = _check_inspection(org, data.get("inspection_id"))
        decision_no = data["decision_no"].strip()
        _check_unique(decision_no)
        penalty = Penalty(
            decision_no=decision_no,
            basis=basis.code,
            ruleset=rules.RULESET_VERSION,
            facts=data["facts"],
            subject_kind=subject_kind,
            org_id=org.id,
            practitioner_id=practitioner.id if practitioner is not None else None,
            inspection_id=inspection.id if inspection is not None else None,
            amount_yuan=data["amount_yuan"],
            decided_on=data["decided_on"],
            is_public=data["is_public"],
            credit_points=data["credit_points"],
            district_code=org.district_code,
            special_zone=org.special_zone,
            issued_by=actor.user_id,
            is_trial=org.is_trial,
        )
        db.session.add(penalty)
        db.session.flush()
        append_event(
            "penalty.issued",
            f"行政处罚（{penalty.decision_no}）：依据{basis.article}，罚款 {penalty.amount_yuan:,} 元",
            org_id=org.id,
            practitioner_id=penalty.practitioner_id,
            project_id=inspection.project_id if inspection is not None else None,
            district_code=org.district_code,
            special_zone=org.special_zone,
            visibility="public" if penalty.is_public else "org",
            data={"penalty_id": penalty.id, "inspection_id": penalty.inspection_id},
            is_trial=penalty.is_trial,
        )
        uow.commit()
    return penalty


def _filtered(stmt: sa.Select[Any], args: dict[str, Any]) -> sa.Select[Any]:
    for key in ("org_id", "practitioner_id", "basis", "subject_kind"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(Penalty, key) == args[key])
    return stmt


def list_penalties(actor: Actor, args: dict[str, Any]) -> Page[Penalty]:
    """Supervisors: their jurisdiction. Organisations: decisions against them, public or not."""
    scope = (
        area_clause(actor, Penalty.district_code, Penalty.special_zone)
        if actor.is_supervisory
        else Penalty.org_id.in_(sorted(actor.org_ids) or [-1])
    )
    stmt = _filtered(sa.select(Penalty).where(scope), args)
    return keyset_page(db.session, stmt, [Penalty.id], limit=args["limit"], cursor=args["cursor"])


def get_penalty(actor: Actor, penalty_id: int) -> Penalty:
    penalty = get_or_not_found(Penalty, penalty_id)
    if actor.is_supervisory:
        require_covers(actor, penalty)
    elif penalty.org_id not in actor.org_ids:
        raise Forbidden()
    return penalty


def public_penalties(args: dict[str, Any]) -> Page[Penalty]:
    """行政处罚信息公示: only decisions marked public."""
    stmt = _filtered(sa.select(Penalty).where(Penalty.is_public.is_(True), Penalty.is_trial.is_(False)), args)
    return keyset_page(db.session, stmt, [Penalty.id], limit=args["limit"], cursor=args["cursor"])

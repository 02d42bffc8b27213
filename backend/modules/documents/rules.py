"""When a conclusion document takes effect (docs/design.md §4; 《社会消防技术服务管理规定》 第十二、十四条).

Every rule runs every time, so a blocked document lists every unmet reason at once, not the first one found.
Each rule is a small function of the evaluation context returning its findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from backend.core.db import db
from backend.core.messages import message_for
from backend.core.timeutil import local_day_bounds
from backend.modules.feedback.queries import feedback_for_period
from backend.modules.projects import catalogue
from backend.modules.projects.queries import Defect, Project, SiteVisit, project_by_id
from backend.modules.realname.queries import (
    Organization,
    Practitioner,
    active_employment,
    employed_by,
    is_registered_engineer,
    organization_by_id,
    practitioner_by_id,
)

from .models import SIGNER_ROLES, ConclusionDocument

PUBLISHED_STATUSES = ("published", "in_service", "concluded")
OPEN_DEFECT_STATUSES = ("open", "repaired")  # closed only through a verified repair record


@dataclass(frozen=True)
class Finding:
    code: str
    details: dict[str, Any] = field(default_factory=dict)
    flag: bool = False  # a concern recorded on an effective document rather than a reason to block it

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": message_for(self.code), "details": self.details}


@dataclass(frozen=True)
class Context:
    document: ConclusionDocument
    project: Project
    org: Organization
    signers: dict[str, Practitioner | None]  # role -> practitioner


@dataclass(frozen=True)
class Evaluation:
    reasons: list[Finding]
    flags: list[Finding]

    @property
    def effective(self) -> bool:
        return not self.reasons


def org_in_good_standing(ctx: Context) -> list[Finding]:
    if ctx.org.status == "suspended":
        found = [Finding("org_suspended")]
    elif ctx.org.status != "verified":
        found = [Finding("org_not_verified", {"status": ctx.org.status})]
    else:
        found = []
    if not ctx.org.conditions_met:
        found.append(Finding("org_conditions_unmet"))
    return found


def project_published(ctx: Context) -> list[Finding]:
    if ctx.project.published_at is None or ctx.project.status not in PUBLISHED_STATUSES:
        return [Finding("project_not_published", {"status": ctx.project.status})]
    return []


def signers_are_engineers(ctx: Context) -> list[Finding]:
    return [
        Finding(f"{role}_not_engineer")
        for role, person in ctx.signers.items()
        if person is None or not is_registered_engineer(person)
    ]


def signers_employed_here(ctx: Context) -> list[Finding]:
    return [
        Finding(f"{role}_not_employed")
        for role, person in ctx.signers.items()
        if person is None or not employed_by(person.id, ctx.org.id)
    ]


def signers_hold_their_posts(ctx: Context) -> list[Finding]:
    """The project lead is still the project's lead; the technical lead is appointed as such (第十二条)."""
    found = []
    if ctx.project.lead_practitioner_id != ctx.document.project_lead_id:
        found.append(Finding("project_lead_replaced"))
    employment = active_employment(ctx.document.technical_lead_id)
    if employment is None or employment.org_id != ctx.org.id or employment.position != "technical_lead":
        found.append(Finding("technical_lead_not_appointed"))
    return found


def both_signed(ctx: Context) -> list[Finding]:
    return [Finding(f"{role}_unsigned") for role in SIGNER_ROLES if ctx.document.signature_for(role) is None]


def _verified_visit_exists(ctx: Context, practitioner_id: int) -> bool:
    begin = local_day_bounds(ctx.document.period_start)[0]
    finish = local_day_bounds(ctx.document.period_end)[1]
    stmt = sa.select(SiteVisit.id).where(
        SiteVisit.project_id == ctx.project.id,
        SiteVisit.practitioner_id == practitioner_id,
        SiteVisit.status.in_(("checked_in", "checked_out")),
        SiteVisit.checked_in_at >= begin,
        SiteVisit.checked_in_at < finish,
        sa.or_(SiteVisit.face_passed.is_(True), SiteVisit.identity_method == "alternative"),
    )
    return db.session.scalar(stmt.limit(1)) is not None


def signers_were_on_site(ctx: Context) -> list[Finding]:
    """Each signer has an accepted, identity-verified check-in at this project during the period."""
    ids = {"project_lead": ctx.document.project_lead_id, "technical_lead": ctx.document.technical_lead_id}
    return [Finding(f"{role}_not_on_site") for role, pid in ids.items() if not _verified_visit_exists(ctx, pid)]


def client_confirmed_feedback(ctx: Context) -> list[Finding]:
    feedbacks = feedback_for_period(ctx.project.id, ctx.document.period_start, ctx.document.period_end)
    if not feedbacks:
        return [Finding("feedback_missing")]
    by_status: dict[str, list[int]] = {}
    for feedback in feedbacks:
        by_status.setdefault(feedback.status, []).append(feedback.id)
    found = []
    if "disputed" in by_status:
        found.append(Finding("feedback_disputed", {"feedback_ids": by_status["disputed"]}))
    if "pending" in by_status:
        found.append(Finding("feedback_pending", {"feedback_ids": by_status["pending"]}))
    if "expired" in by_status:
        found.append(Finding("feedback_window_lapsed", {"feedback_ids": by_status["expired"]}, flag=True))
    return found


def items_within_building_systems(ctx: Context) -> list[Finding]:
    # The yearly full test (catalogue "general") concerns every building, not one facility system.
    registered = {*(ctx.project.facility_systems or []), catalogue.GENERAL_SYSTEM}
    outside = sorted({item.get("system_code") or "" for item in ctx.document.items} - registered)
    return [Finding("items_outside_building_systems", {"system_codes": outside})] if outside else []


def _open_defects(ctx: Context) -> list[dict[str, Any]]:
    """Open in the document's own list (what the signers saw) or open now (found since)."""
    live = db.session.scalars(
        sa.select(Defect).where(Defect.project_id == ctx.project.id, Defect.status.in_(OPEN_DEFECT_STATUSES))
    )
    found = {d["defect_id"]: d for d in ctx.document.defects if d.get("status") in OPEN_DEFECT_STATUSES}
    for defect in live:
        found.setdefault(
            defect.id,
            {"defect_id": defect.id, "plan_item_id": defect.plan_item_id, "system_code": defect.system_code},
        )
    return list(found.values())


def _defect_concerns(defect: dict[str, Any], item: dict[str, Any]) -> bool:
    if defect.get("plan_item_id"):
        return defect["plan_item_id"] == item.get("plan_item_id")
    return bool(defect.get("system_code")) and defect["system_code"] == item.get("system_code")


def no_pass_over_open_defect(ctx: Context) -> list[Finding]:
    defects = _open_defects(ctx)
    clashes = [
        {"item": item["item"], "defect_id": defect["defect_id"]}
        for item in ctx.document.items
        if item.get("result") == "合格"
        for defect in defects
        if _defect_concerns(defect, item)
    ]
    return [Finding("item_passed_with_open_defect", {"items": clashes})] if clashes else []


RULES: tuple[Callable[[Context], list[Finding]], ...] = (
    org_in_good_standing,
    project_published,
    signers_are_engineers,
    signers_employed_here,
    signers_hold_their_posts,
    both_signed,
    signers_were_on_site,
    client_confirmed_feedback,
    items_within_building_systems,
    no_pass_over_open_defect,
)


def evaluate(document: ConclusionDocument) -> Evaluation:
    project = project_by_id(document.project_id)
    org = organization_by_id(document.org_id)
    assert project is not None and org is not None
    signers = {
        "project_lead": practitioner_by_id(document.project_lead_id),
        "technical_lead": practitioner_by_id(document.technical_lead_id),
    }
    ctx = Context(document, project, org, signers)
    findings = [finding for rule in RULES for finding in rule(ctx)]
    return Evaluation([f for f in findings if not f.flag], [f for f in findings if f.flag])

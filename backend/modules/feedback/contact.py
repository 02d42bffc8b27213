"""What the client contact does on the H5 page (opened through WeChat OAuth, so the contact is an openid):
open the feedback (binding the openid to the project on first open of a signed link), confirm and rate,
dispute with a reason, confirm a defect's rectification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from backend.core import audit
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, Forbidden, NotFound
from backend.core.timeutil import utcnow
from backend.modules.projects import catalogue
from backend.modules.projects.queries import (
    DEFECT_SEVERITIES,
    RECORD_RESULTS,
    Defect,
    DefectStatus,
    Project,
    RepairRecord,
)
from backend.modules.realname.queries import organization_by_id, practitioner_by_id

from .links import read_link_token
from .models import FEEDBACK_KINDS, FEEDBACK_STATUSES, Feedback
from .services import event, feedback_or_404, feedback_settled, project_or_404

DEFECT_STATUS_NAMES = DefectStatus.labels()
LOW_RATING = 2  # a rating at or below this is flagged for the warning scan (docs/design.md §4)


@dataclass(frozen=True)
class VisitLine:
    name: str  # in full: the client contact sees its own project in full (docs/design.md §5), the read audited
    checked_in_at: datetime
    checked_out_at: datetime | None
    duration_min: int | None


@dataclass(frozen=True)
class RecordLine:
    facility_system: str
    item: str
    result: str
    result_name: str
    note: str


@dataclass(frozen=True)
class DefectLine:
    id: int
    facility_system: str
    severity_name: str
    description: str
    status: str
    status_name: str
    repair: str
    client_confirmed_at: datetime | None

    @property
    def can_confirm(self) -> bool:
        return self.status in ("repaired", "closed") and self.client_confirmed_at is None


@dataclass(frozen=True)
class FeedbackPage:
    feedback: Feedback
    org_name: str
    project_name: str
    building_name: str
    building_address: str
    service: str
    kind_name: str
    status_name: str
    period_start: date
    period_end: date
    visits: list[VisitLine]
    records: list[RecordLine]
    defects: list[DefectLine]

    @property
    def can_respond(self) -> bool:
        return self.feedback.status == "pending" and self.feedback.deadline > utcnow()


# --- who is asking --------------------------------------------------------------------------------------


def _link_matches(feedback: Feedback, link_token: str | None) -> bool:
    claims = read_link_token(link_token)
    return claims is not None and claims.get("f") == feedback.id and claims.get("n") == feedback.link_nonce


def _bind_contact(feedback: Feedback, project: Project, openid: str) -> None:
    project.client_contact_openid = openid
    feedback.link_used_at = utcnow()
    event("project.client_contact_bound", "委托单位联系人已通过反馈链接绑定微信", feedback, visibility="org")


def _authorise_opening(feedback: Feedback, project: Project, link_token: str | None, openid: str) -> None:
    """The bound contact always may; an unbound project is bound by the first open of a fresh signed link."""
    fresh_link = _link_matches(feedback, link_token) and feedback.link_used_at is None
    if project.client_contact_openid == openid:
        if fresh_link:
            feedback.link_used_at = utcnow()
        return
    if project.client_contact_openid is None and fresh_link:
        _bind_contact(feedback, project, openid)
        return
    if _link_matches(feedback, link_token):
        raise Forbidden("feedback_link_used" if project.client_contact_openid is None else "feedback_other_contact")
    raise Forbidden("feedback_link_invalid")


def _require_contact(feedback: Feedback, openid: str) -> Project:
    project = project_or_404(feedback.project_id)
    if not openid or project.client_contact_openid != openid:
        raise Forbidden("feedback_other_contact")
    return project


def _require_open(feedback: Feedback) -> None:
    if feedback.status != "pending":
        raise Conflict("feedback_already_answered", details={"status": feedback.status})
    if feedback.deadline <= utcnow():
        raise Conflict("feedback_window_closed")


# --- the page -------------------------------------------------------------------------------------------


def _visit_lines(feedback: Feedback) -> list[VisitLine]:
    lines = []
    for visit in feedback.summary.get("visits", []):
        practitioner = practitioner_by_id(visit["practitioner_id"])
        out = visit.get("checked_out_at")
        lines.append(
            VisitLine(
                name=practitioner.name if practitioner else "",
                checked_in_at=datetime.fromisoformat(visit["checked_in_at"]),
                checked_out_at=datetime.fromisoformat(out) if out else None,
                duration_min=round(visit["duration_s"] / 60) if visit.get("duration_s") else None,
            )
        )
    return lines


def _record_lines(feedback: Feedback) -> list[RecordLine]:
    return [
        RecordLine(
            facility_system=catalogue.system_name(line.get("system_code")),
            item=line["item"],
            result=line["result"],
            result_name=RECORD_RESULTS.get(line["result"], line["result"]),
            note=line.get("note") or "",
        )
        for line in feedback.summary.get("records", [])
    ]


def _repair_text(defect: Defect) -> str:
    repair = db.session.scalar(
        sa.select(RepairRecord)
        .where(RepairRecord.defect_id == defect.id)
        .order_by(RepairRecord.created_at.desc(), RepairRecord.id.desc())
        .limit(1)
    )
    return repair.description if repair is not None else ""


def _defect_lines(feedback: Feedback) -> list[DefectLine]:
    """The defects reported with this feedback, plus whatever is still open on the project now."""
    ids = set(feedback.summary.get("defect_ids", []))
    stmt = sa.select(Defect).where(
        Defect.project_id == feedback.project_id,
        sa.or_(Defect.id.in_(ids), Defect.status != "closed") if ids else Defect.status != "closed",
    )
    return [
        DefectLine(
            id=defect.id,
            facility_system=catalogue.system_name(defect.system_code),
            severity_name=DEFECT_SEVERITIES.get(defect.severity, defect.severity),
            description=defect.description,
            status=defect.status,
            status_name=DEFECT_STATUS_NAMES.get(defect.status, defect.status),
            repair=_repair_text(defect),
            client_confirmed_at=defect.client_confirmed_at,
        )
        for defect in db.session.scalars(stmt.order_by(Defect.id))
    ]


def _page(feedback: Feedback, project: Project) -> FeedbackPage:
    org = organization_by_id(feedback.org_id)
    assert org is not None
    return FeedbackPage(
        feedback=feedback,
        org_name=org.name,
        project_name=project.name,
        building_name=project.building_name,
        building_address=project.building_address,
        service=str(feedback.summary.get("service", "")),
        kind_name=FEEDBACK_KINDS[feedback.kind],
        status_name=FEEDBACK_STATUSES[feedback.status],
        period_start=feedback.period_start,
        period_end=feedback.period_end,
        visits=_visit_lines(feedback),
        records=_record_lines(feedback),
        defects=_defect_lines(feedback),
    )


def open_feedback(feedback_id: int, link_token: str | None, openid: str) -> FeedbackPage:
    with unit_of_work() as uow:
        feedback = feedback_or_404(feedback_id, for_update=True)
        project = project_or_404(feedback.project_id)
        _authorise_opening(feedback, project, link_token, openid)
        page = _page(feedback, project)
        people = sorted({visit["practitioner_id"] for visit in feedback.summary.get("visits", [])})
        if people:
            # The practitioners' names are decrypted for the client contact: an unmasked read, so it is audited.
            audit.record("feedback.contact_read", "feedbacks", feedback.id, {"practitioner_ids": people})
        uow.commit()
    return page


# --- answers --------------------------------------------------------------------------------------------


def _answered(feedback: Feedback, openid: str, rating: int | None, comment: str | None) -> None:
    feedback.responded_at = utcnow()
    feedback.responder_openid = openid
    feedback.rating = rating
    feedback.comment = (comment or "").strip() or None
    if rating is not None and rating <= LOW_RATING:
        feedback.flags = sorted({*feedback.flags, "low_rating"})
    feedback_settled(feedback.project_id)


def confirm(feedback_id: int, openid: str, rating: int, comment: str | None) -> Feedback:
    with unit_of_work() as uow:
        feedback = feedback_or_404(feedback_id, for_update=True)
        _require_contact(feedback, openid)
        _require_open(feedback)
        feedback.status = "confirmed"
        _answered(feedback, openid, rating, comment)
        event("feedback.confirmed", f"委托单位确认从业反馈，评分{rating}分", feedback, rating=rating)
        uow.commit()
    return feedback


def dispute(feedback_id: int, openid: str, reason: str, rating: int | None, comment: str | None) -> Feedback:
    with unit_of_work() as uow:
        feedback = feedback_or_404(feedback_id, for_update=True)
        _require_contact(feedback, openid)
        _require_open(feedback)
        feedback.status = "disputed"
        feedback.dispute_reason = reason.strip()
        feedback.flags = sorted({*feedback.flags, "disputed"})
        _answered(feedback, openid, rating, comment)
        event("feedback.disputed", f"委托单位对从业反馈提出异议：{reason.strip()[:80]}", feedback, rating=rating)
        uow.commit()
    return feedback


def confirm_rectification(feedback_id: int, openid: str, defect_id: int) -> Defect:
    """The client has seen the repair: the defect's rectification is confirmed (it stays closed by the org)."""
    with unit_of_work() as uow:
        feedback = feedback_or_404(feedback_id)
        _require_contact(feedback, openid)
        defect = db.session.get(Defect, defect_id)
        if defect is None or defect.project_id != feedback.project_id:
            raise NotFound("defect_not_found")
        if defect.status not in ("repaired", "closed"):
            raise Conflict("defect_not_repaired")
        if defect.client_confirmed_at is None:
            defect.client_confirmed_at = utcnow()
            event(
                "defect.client_confirmed",
                f"委托单位确认隐患已整改：{defect.description[:60]}",
                feedback,
                defect_id=defect.id,
            )
        uow.commit()
    return defect

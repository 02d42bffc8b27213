"""Practice feedback (从业反馈): made after each visit and at each month's end for 维保, pushed to the client
unit (official-account template message, or SMS to a contact who does not follow the account), answered
through the H5 page (contact.py), expired when the window lapses. Organisations and supervisors list them."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from backend.bootstrap import adapters
from backend.core.access import Actor, area_clause, can_manage_org, require_area
from backend.core.db import column_map, db, unit_of_work
from backend.core.errors import Conflict, Forbidden, NotFound
from backend.core.jobs import enqueue
from backend.core.pagination import Page, keyset_page
from backend.core.timeline import append_event
from backend.core.timeutil import month_bounds, to_local, today, utcnow
from backend.core.validators import mask_phone
from backend.modules.projects.queries import (
    SERVICE_TYPES,
    Defect,
    PlanItem,
    Project,
    SiteVisit,
    WorkRecord,
    project_by_id,
)
from backend.modules.realname.queries import Organization, organization_by_id

from . import jobs
from .links import binding_scene, feedback_url
from .models import Feedback, FeedbackVisit, OfficialFollower, OfficialMessage

DEFAULT_WINDOW_DAYS = 7
VISIT_LOOKBACK_DAYS = 30  # older visits are history, not news for the client
ACTIVE_PROJECT_STATUSES = ("published", "in_service")
DEFAULT_TEMPLATE_ID = "fire-practice-feedback"
MONTHLY_BATCH = 500
SCENE_VALID_DAYS = 30  # WeChat's temporary QR codes live at most 30 days


def window() -> timedelta:
    return timedelta(days=int(current_app.config.get("FEEDBACK_WINDOW_DAYS", DEFAULT_WINDOW_DAYS)))


def feedback_or_404(feedback_id: int, *, for_update: bool = False) -> Feedback:
    feedback = db.session.get(
        Feedback, feedback_id, with_for_update=for_update and db.engine.dialect.name == "postgresql"
    )
    if feedback is None:
        raise NotFound("feedback_not_found")
    return feedback


def project_or_404(project_id: int) -> Project:
    project = project_by_id(project_id)
    if project is None:
        raise NotFound("project_not_found")
    return project


def event(kind: str, summary: str, feedback: Feedback, visibility: str = "client", **data: Any) -> None:
    append_event(
        kind,
        summary,
        org_id=feedback.org_id,
        project_id=feedback.project_id,
        district_code=feedback.district_code,
        special_zone=feedback.special_zone,
        visibility=visibility,
        data={"feedback_id": feedback.id, **data},
        is_trial=feedback.is_trial,
    )


# Called, inside the caller's transaction, with the project whose feedback was just answered or lapsed. Modules
# above feedback register here (documents: blocked conclusion documents may now take effect), so feedback names none.
_settled_listeners: list[Callable[[int], None]] = []


def on_feedback_settled(listener: Callable[[int], None]) -> Callable[[int], None]:
    if listener not in _settled_listeners:
        _settled_listeners.append(listener)
    return listener


def feedback_settled(project_id: int) -> None:
    """A project's feedback was answered or lapsed: whatever waits for the client may go on."""
    for listener in _settled_listeners:
        listener(project_id)


# --- what the client is told ----------------------------------------------------------------------------


def _record_line(record: WorkRecord, plan_names: dict[int, str]) -> dict[str, Any]:
    return {
        "record_id": record.id,
        "system_code": record.system_code,
        "item": plan_names.get(record.plan_item_id or 0) or (record.note or "").strip() or "系统检查",
        "result": record.result,
        "note": (record.note or "").strip(),
    }


def _summary(
    project: Project, visits: list[SiteVisit], records: list[WorkRecord], defects: list[Defect]
) -> dict[str, Any]:
    plan_ids = {r.plan_item_id for r in records if r.plan_item_id}
    plan_names = column_map(sa.select(PlanItem.id, PlanItem.name).where(PlanItem.id.in_(plan_ids))) if plan_ids else {}
    return {
        "service": SERVICE_TYPES.get(project.service_type, project.service_type),
        "visits": [
            {
                "visit_id": v.id,
                "practitioner_id": v.practitioner_id,
                "checked_in_at": v.checked_in_at.isoformat(),
                "checked_out_at": v.checked_out_at.isoformat() if v.checked_out_at else None,
                "duration_s": v.duration_s,
            }
            for v in visits
        ],
        "records": [_record_line(r, plan_names) for r in records],
        "defect_ids": [d.id for d in defects],
        "counts": {
            "visits": len(visits),
            "people": len({v.practitioner_id for v in visits}),
            "records": len(records),
            "defects": sum(1 for d in defects if d.status == "open"),
            "fixed": sum(1 for r in records if r.result == "fixed"),
        },
    }


def _new_feedback(project: Project, kind: str, key: str, start: date, end: date, summary: dict[str, Any]) -> Feedback:
    now = utcnow()
    feedback = Feedback(
        project_id=project.id,
        org_id=project.org_id,
        kind=kind,
        dedupe_key=key,
        period_start=start,
        period_end=end,
        status="pending",
        summary=summary,
        created_at=now,
        deadline=now + window(),
        link_nonce=secrets.token_urlsafe(12),
        district_code=project.district_code,
        special_zone=project.special_zone,
        is_trial=project.is_trial,
    )
    db.session.add(feedback)
    db.session.flush()
    enqueue(jobs.deliver_feedback, queue="notifications", feedback_id=feedback.id)
    return feedback


# --- after a visit --------------------------------------------------------------------------------------


def _unreported_visits(project_id: int | None) -> dict[int, list[SiteVisit]]:
    reported = sa.select(FeedbackVisit.visit_id)
    stmt = sa.select(SiteVisit).where(
        SiteVisit.status == "checked_out",
        SiteVisit.checked_in_at >= utcnow() - timedelta(days=VISIT_LOOKBACK_DAYS),  # (status, checked_in_at) index
        SiteVisit.id.not_in(reported),
    )
    if project_id is not None:
        stmt = stmt.where(SiteVisit.project_id == project_id)
    grouped: dict[int, list[SiteVisit]] = defaultdict(list)
    for visit in db.session.scalars(stmt.order_by(SiteVisit.checked_in_at, SiteVisit.id)):
        grouped[visit.project_id].append(visit)
    return grouped


def _team_still_on_site(project_id: int) -> bool:
    stmt = sa.select(SiteVisit.id).where(SiteVisit.project_id == project_id, SiteVisit.status == "checked_in")
    return db.session.scalar(stmt.limit(1)) is not None


def _visit_feedback(project: Project, visits: list[SiteVisit]) -> Feedback:
    records = list(
        db.session.scalars(
            sa.select(WorkRecord).where(WorkRecord.visit_id.in_([v.id for v in visits])).order_by(WorkRecord.id)
        )
    )
    record_ids = [r.id for r in records]
    defects = list(
        db.session.scalars(
            sa.select(Defect)
            .where(
                Defect.project_id == project.id,
                sa.or_(Defect.work_record_id.in_(record_ids), Defect.status != "closed"),
            )
            .order_by(Defect.id)
        )
    )
    days = [to_local(v.checked_in_at).date() for v in visits]
    summary = _summary(project, visits, records, defects)
    feedback = _new_feedback(project, "visit", f"visit:{visits[0].id}", min(days), max(days), summary)
    feedback.visits = [FeedbackVisit(visit_id=v.id) for v in visits]
    return feedback


def collect_visit_feedback(project_id: int | None = None) -> list[int]:
    """Report checked-out visits once the whole team has left the site: one feedback per group of visits.

    Periodic (and callable by the projects module at check-out); reporting each visit once is guaranteed by
    the unique visit id in feedback_visits."""
    created = []
    with unit_of_work() as uow:
        for pid, visits in _unreported_visits(project_id).items():
            if _team_still_on_site(pid):
                continue
            project = project_or_404(pid)
            feedback = _visit_feedback(project, visits)
            event("feedback.created", f"生成从业反馈：{len(visits)}人次现场服务", feedback)
            created.append(feedback.id)
        uow.commit()
    return created


def request_feedback(actor: Actor, project_id: int) -> Feedback:
    """The organisation asks for the feedback of its latest visits now, instead of waiting for the sweep."""
    project = project_or_404(project_id)
    if not can_manage_org(actor, project.org_id):
        raise Forbidden()
    if _team_still_on_site(project.id):
        raise Conflict("feedback_team_on_site")
    created = collect_visit_feedback(project.id)
    if not created:
        raise Conflict("feedback_no_new_visits")
    return feedback_or_404(created[-1])


# --- at each month's end (维保) --------------------------------------------------------------------------


def _month_feedback(project: Project, year: int, month: int) -> Feedback:
    begin, finish = month_bounds(year, month)
    key = f"{year:04d}-{month:02d}"
    visits = list(
        db.session.scalars(
            sa.select(SiteVisit)
            .where(
                SiteVisit.project_id == project.id,
                SiteVisit.status == "checked_out",
                SiteVisit.checked_in_at >= begin,
                SiteVisit.checked_in_at < finish,
            )
            .order_by(SiteVisit.checked_in_at)
        )
    )
    records = list(
        db.session.scalars(
            sa.select(WorkRecord)
            .join(SiteVisit, SiteVisit.id == WorkRecord.visit_id)
            .where(
                WorkRecord.project_id == project.id,
                SiteVisit.status != "rejected",
                sa.or_(
                    WorkRecord.plan_month == key,
                    sa.and_(
                        WorkRecord.plan_month.is_(None), WorkRecord.created_at >= begin, WorkRecord.created_at < finish
                    ),
                ),
            )
            .order_by(WorkRecord.id)
        )
    )
    defects = list(
        db.session.scalars(
            sa.select(Defect)
            .where(
                Defect.project_id == project.id,
                Defect.created_at < finish,
                sa.or_(Defect.created_at >= begin, Defect.status != "closed"),
            )
            .order_by(Defect.id)
        )
    )
    last_day = (to_local(finish) - timedelta(days=1)).date()
    summary = _summary(project, visits, records, defects)
    return _new_feedback(project, "monthly", f"monthly:{project.id}:{key}", date(year, month, 1), last_day, summary)


def create_monthly_feedback(project_id: int, year: int, month: int) -> Feedback:
    """The month's summary for a 维保 project (idempotent: one per project and month)."""
    with unit_of_work() as uow:
        project = project_or_404(project_id)
        existing = db.session.scalar(
            sa.select(Feedback).where(Feedback.dedupe_key == f"monthly:{project.id}:{year:04d}-{month:02d}")
        )
        if existing is not None:
            return existing
        feedback = _month_feedback(project, year, month)
        event("feedback.created", f"生成{year}年{month}月维保从业反馈", feedback)
        uow.commit()
    return feedback


def _projects_due_monthly_feedback(year: int, month: int, limit: int) -> list[int]:
    """Active 维保 projects under contract that month whose monthly feedback is not made yet."""
    first = date(year, month, 1)
    last = (datetime(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).date()
    made = sa.select(Feedback.project_id).where(Feedback.kind == "monthly", Feedback.period_start == first)
    stmt = sa.select(Project.id).where(
        Project.service_type == "maintenance",
        Project.status.in_(ACTIVE_PROJECT_STATUSES),
        sa.or_(Project.contract_start.is_(None), Project.contract_start <= last),
        sa.or_(Project.contract_end.is_(None), Project.contract_end >= first),
        Project.id.not_in(made),
    )
    return list(db.session.scalars(stmt.order_by(Project.id).limit(limit)))


def run_monthly_feedback(on: date | None = None, batch: int = MONTHLY_BATCH) -> list[int]:
    """Periodic: on any day of a month, make the previous month's feedback of active 维保 projects that do not
    have it yet, a batch per run (the next run goes on where this one stopped)."""
    day = on or today()
    year, month = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
    return [create_monthly_feedback(pid, year, month).id for pid in _projects_due_monthly_feedback(year, month, batch)]


# --- delivery -------------------------------------------------------------------------------------------


def _follows(openid: str) -> bool:
    """Template messages reach followers only; an unknown openid is tried (WeChat answers 43004 if not)."""
    follower = db.session.scalar(sa.select(OfficialFollower).where(OfficialFollower.openid == openid))
    return follower is None or follower.subscribed


def _deadline_text(feedback: Feedback) -> str:
    local = to_local(feedback.deadline)
    return f"{local.month}月{local.day}日{local:%H:%M}"


def _template_data(feedback: Feedback, project: Project, org: Organization) -> dict[str, str]:
    counts = feedback.summary.get("counts", {})
    period = f"{feedback.period_start:%Y-%m-%d}" + (
        f" 至 {feedback.period_end:%Y-%m-%d}" if feedback.period_end != feedback.period_start else ""
    )
    return {
        "first": f"{org.name}已完成“{project.name}”的{feedback.summary.get('service', '')}服务，请确认并评价。",
        "keyword1": project.name,
        "keyword2": org.name,
        "keyword3": period,
        "keyword4": f"到场{counts.get('visits', 0)}人次，记录{counts.get('records', 0)}项，"
        f"未整改隐患{counts.get('defects', 0)}项",
        "remark": f"请于{_deadline_text(feedback)}前确认；如有异议，请在页面中说明理由。",
    }


def _send_template(feedback: Feedback, project: Project, org: Organization, url: str) -> bool:
    openid = project.client_contact_openid
    if not openid or not _follows(openid):
        return False
    template_id = str(current_app.config.get("WECHAT_FEEDBACK_TEMPLATE_ID") or DEFAULT_TEMPLATE_ID)
    result = adapters().wechat_official.send_template_message(
        openid, template_id, _template_data(feedback, project, org), url
    )
    db.session.add(
        OfficialMessage(
            feedback_id=feedback.id,
            channel="wechat_template",
            recipient_masked=openid[:6] + "…",
            external_id=str(result.msgid) if result.msgid is not None else None,
            status="sent" if result.ok else "failed",
            error=None if result.ok else f"{result.errcode} {result.errmsg}"[:200],
        )
    )
    return bool(result.ok)


def _send_sms(feedback: Feedback, project: Project, org: Organization, url: str) -> bool:
    phone = project.client_contact_phone
    if not phone:
        return False
    params = {
        "org_name": org.name,
        "project_name": project.name,
        "service": feedback.summary.get("service") or "技术",
        "deadline": _deadline_text(feedback),
        "url": url,
    }
    result = adapters().sms.send(phone, "feedback_link", params)
    db.session.add(
        OfficialMessage(
            feedback_id=feedback.id,
            channel="sms",
            recipient_masked=mask_phone(phone),
            external_id=result.message_id,
            status="sent" if result.ok else "failed",
            error=result.error,
        )
    )
    return bool(result.ok)


def deliver(feedback_id: int) -> dict[str, Any]:
    """Job body: the template message to a following contact, else (or if WeChat refuses) the same link by SMS."""
    with unit_of_work() as uow:
        feedback = feedback_or_404(feedback_id, for_update=True)
        if feedback.status != "pending":
            return {"skipped": feedback.status}
        project = project_or_404(feedback.project_id)
        org = organization_by_id(feedback.org_id)
        assert org is not None
        url = feedback_url(feedback.id, feedback.link_nonce)
        if _send_template(feedback, project, org, url):
            feedback.channel = "wechat_template"
        elif _send_sms(feedback, project, org, url):
            feedback.channel = "sms"
        else:
            feedback.channel = None
            feedback.flags = sorted({*feedback.flags, "undelivered"})
        event(
            "feedback.sent" if feedback.channel else "feedback.undelivered",
            "从业反馈已推送委托单位" if feedback.channel else "从业反馈未能送达委托单位（无可用联系方式）",
            feedback,
            visibility="client" if feedback.channel else "org",
            channel=feedback.channel,
        )
        uow.commit()
    return {"feedback_id": feedback_id, "channel": feedback.channel}


def resend(actor: Actor, feedback_id: int) -> Feedback:
    """The organisation sends the link again (after correcting the contact's phone, for instance)."""
    with unit_of_work() as uow:
        feedback = feedback_or_404(feedback_id)
        if not can_manage_org(actor, feedback.org_id):
            raise Forbidden()
        if feedback.status != "pending":
            raise Conflict("feedback_not_pending", details={"status": feedback.status})
        enqueue(jobs.deliver_feedback, queue="notifications", feedback_id=feedback.id)
        uow.commit()
    return feedback


# --- expiry ---------------------------------------------------------------------------------------------


def expire_overdue_feedback() -> list[int]:
    """Periodic: pending feedback past its window is expired and flagged; documents waiting for it may go on
    (the lapse stays visible on them)."""
    with unit_of_work() as uow:
        overdue = list(
            db.session.scalars(
                sa.select(Feedback).where(Feedback.status == "pending", Feedback.deadline < utcnow()).limit(500)
            )
        )
        for feedback in overdue:
            feedback.status = "expired"
            feedback.expired_at = utcnow()
            feedback.flags = sorted({*feedback.flags, "window_lapsed"})
            event("feedback.expired", "委托单位未在期限内确认从业反馈，已超期", feedback, visibility="org")
        for project_id in sorted({f.project_id for f in overdue}):
            feedback_settled(project_id)
        uow.commit()
    return [f.id for f in overdue]


# --- organisation and supervisors -----------------------------------------------------------------------


def _require_reader(actor: Actor, feedback: Feedback) -> None:
    if actor.is_supervisory:
        require_area(actor, feedback.district_code, feedback.special_zone)
    elif not can_manage_org(actor, feedback.org_id):
        raise Forbidden()


def _visible_clause(actor: Actor) -> sa.ColumnElement[bool]:
    clauses: list[sa.ColumnElement[bool]] = []
    if actor.is_supervisory:
        clauses.append(area_clause(actor, Feedback.district_code, Feedback.special_zone))
    if actor.org_ids:
        clauses.append(Feedback.org_id.in_(sorted(actor.org_ids)))
    return sa.or_(*clauses) if clauses else sa.false()


def list_feedback(actor: Actor, args: dict[str, Any]) -> Page[Feedback]:
    stmt = sa.select(Feedback).where(_visible_clause(actor))
    for key in ("project_id", "org_id", "status", "kind"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(Feedback, key) == args[key])
    return keyset_page(db.session, stmt, [Feedback.id], limit=args["limit"], cursor=args["cursor"])


def get_feedback(actor: Actor, feedback_id: int) -> Feedback:
    feedback = feedback_or_404(feedback_id)
    _require_reader(actor, feedback)
    return feedback


def contact_binding_scene(actor: Actor, project_id: int) -> tuple[str, datetime]:
    """The scene string of a temporary official-account QR code: scanning it binds the scanner as the
    project's client contact (the organisation shows the code to the contact)."""
    project = project_or_404(project_id)
    if not can_manage_org(actor, project.org_id):
        raise Forbidden()
    expires_at = utcnow() + timedelta(days=SCENE_VALID_DAYS)
    return binding_scene(project.id, expires_at), expires_at

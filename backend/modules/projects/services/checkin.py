"""Check-in and check-out (现场从业). A check-in is accepted, perhaps with flags, or refused with every reason;
a refused one is kept as evidence. One idempotency key makes one visit, whatever the network does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from backend.core import audit, geo
from backend.core.access import Actor
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.core.files import StoredFile, store_image
from backend.core.timeutil import utcnow
from backend.modules.realname import queries
from backend.modules.realname.queries import Practitioner

from ..models import Project, SiteVisit
from . import checkin_rules as rules
from .common import (
    CHECK_IN_STATUSES,
    load_project,
    missing_for_practice,
    project_event,
    require_member,
    setting,
)
from .views import MASKED, VisitView, visit_view

CHECK_IN_PHOTO = "check_in"


@dataclass(frozen=True)
class CheckInResult:
    visit: VisitView  # as the practitioner sees it: no face distance or distance to the fence
    replayed: bool  # the idempotency key was seen before: this is the first answer again


def _own_view(visit: SiteVisit, practitioner: Practitioner, project_no: str) -> VisitView:
    """What the practitioner is answered: their visit without the evidence figures (docs/design.md §5)."""
    return visit_view(visit, practitioner.name_masked, project_no, MASKED)


def _visit_by_key(practitioner_id: int, key: str) -> SiteVisit | None:
    return db.session.scalar(
        sa.select(SiteVisit).where(SiteVisit.practitioner_id == practitioner_id, SiteVisit.idempotency_key == key)
    )


def _require_open_for_check_in(project: Project) -> None:
    if project.status == "needs_supplement":
        raise Conflict("project_needs_supplement", details={"missing": missing_for_practice(project)})
    if project.status not in CHECK_IN_STATUSES:
        raise Conflict("project_not_open_for_check_in", details={"status": project.status})
    missing = missing_for_practice(project)
    if missing:
        raise Conflict("project_incomplete", details={"missing": missing})


def _store_photo(
    photo: bytes, user_id: int | None, practitioner_id: int, project_id: int, received: datetime
) -> tuple[StoredFile | None, list[rules.Finding]]:
    """Keep the photo as evidence whatever the outcome; an unusable or replayed photo is a reason to refuse."""
    try:
        stored, image = store_image(photo, CHECK_IN_PHOTO, user_id)
    except ValidationFailed as exc:
        return None, [rules.Finding(exc.code, message=exc.message)]
    # Files are stored once by content hash: a row older than this request means these bytes came before.
    previous = stored.id if stored.created_at < received else None
    replay = rules.replayed_photo(previous, image.phash, practitioner_id, project_id)
    return stored, [replay] if replay else []


def _present(findings: list[rules.Finding | None]) -> list[dict[str, Any]]:
    return [f.as_dict() for f in findings if f is not None]


def _new_visit(
    practitioner: Practitioner, project: Project, form: dict[str, Any], photo: bytes, user_id: int | None
) -> SiteVisit:
    received = utcnow()
    lng, lat = geo.to_wgs84(form["lng"], form["lat"], form["crs"])
    at = rules.event_time(form.get("device_time"), received)
    # The face work comes first: it takes the longest and writes nothing, so no lock is held meanwhile.
    identity = rules.identity(practitioner, photo)
    stored, photo_findings = _store_photo(photo, user_id, practitioner.id, project.id, received)
    distance, fence_finding = rules.outside_fence(project, lng, lat)
    reasons = _present(
        [identity.refusal, fence_finding, *photo_findings, *rules.open_visits(practitioner.id, project.id, received)]
    )
    flags = _present(
        [
            rules.poor_accuracy(form.get("accuracy_m")),
            rules.impossible_travel(practitioner.id, lng, lat, at),
            rules.shared_device(form["device_id"], practitioner.id, at),
            *rules.timing(form.get("device_time"), received),
        ]
    )
    return SiteVisit(
        project_id=project.id,
        practitioner_id=practitioner.id,
        org_id=project.org_id,
        status="rejected" if reasons else "checked_in",
        idempotency_key=form["idempotency_key"],
        checked_in_at=received,
        device_time=form.get("device_time"),
        lng=lng,
        lat=lat,
        accuracy_m=form.get("accuracy_m"),
        submitted_crs=str(geo.CRS(form["crs"].lower())),
        distance_to_fence_m=distance,
        face_distance=identity.distance,
        face_passed=identity.passed,
        identity_method=identity.method,
        photo_file_id=stored.id if stored else None,
        device_id=form["device_id"],
        flags=flags,
        reasons=reasons,
        district_code=project.district_code,
        special_zone=project.special_zone,
        is_trial=project.is_trial,
    )


def _record_outcome(project: Project, practitioner: Practitioner, visit: SiteVisit) -> None:
    who = practitioner.name_masked
    data = {"visit_id": visit.id, "flags": [f["code"] for f in visit.flags]}
    if visit.status == "rejected":
        reasons = "；".join(r["message"] for r in visit.reasons)
        data["reasons"] = [r["code"] for r in visit.reasons]
        summary = f"{who}在项目{project.project_no}签到被拒绝：{reasons}"
        project_event(
            project, "visit.check_in_refused", summary, visibility="org", practitioner_id=practitioner.id, data=data
        )
        return
    note = f"（{len(visit.flags)}项提示）" if visit.flags else ""
    summary = f"{who}在项目{project.project_no}现场签到{note}"
    project_event(project, "visit.checked_in", summary, visibility="org", practitioner_id=practitioner.id, data=data)
    if project.status != "published":
        return
    # A DML statement's result is a CursorResult (the typing of Session.execute does not say so).
    started = cast(
        sa.CursorResult[Any],
        db.session.execute(
            sa.update(Project)
            .where(Project.id == project.id, Project.status == "published")
            .values(status="in_service")
            .execution_options(synchronize_session=False)
        ),
    )
    if started.rowcount:  # the first accepted check-in starts the service (the conditional update is atomic)
        db.session.expire(project, ["status"])
        audit.record("projects.update", "projects", project.id, {"status": ["published", "in_service"]})
        project_event(
            project,
            "project.in_service",
            f"项目{project.project_no}开始现场服务",
            visibility="public",
            data={"from": "published", "to": "in_service", "visit_id": visit.id},
        )


def check_in(actor: Actor, project_id: int, form: dict[str, Any], photo: bytes) -> CheckInResult:
    practitioner = queries.require_practitioner(actor)
    with unit_of_work() as uow:
        visit = _visit_by_key(practitioner.id, form["idempotency_key"])
        replayed = visit is not None
        if visit is None:
            project = load_project(project_id)
            require_member(practitioner, project)
            _require_open_for_check_in(project)
            visit = _new_visit(practitioner, project, form, photo, actor.user_id)
            db.session.add(visit)
            try:
                db.session.flush()
            except IntegrityError:  # the same key arrived twice at once: the other request made the visit
                uow.rollback()
                visit = _visit_by_key(practitioner.id, form["idempotency_key"])
                if visit is None:
                    raise
                replayed = True
            else:
                _record_outcome(project, practitioner, visit)
        if visit.project_id != project_id:
            raise Conflict("idempotency_key_reused")
        project_no = project.project_no if not replayed else load_project(visit.project_id).project_no
        view = _own_view(visit, practitioner, project_no)  # built before the commit expires the rows
        uow.commit()
    if view.status == "rejected":
        raise ValidationFailed(
            "check_in_rejected", details={"reasons": view.reasons, "flags": view.flags, "visit_id": view.id}
        )
    return CheckInResult(view, replayed)


# ----------------------------------------------------------------------------------------------------
# Check-out


def _own_visit(practitioner: Practitioner, visit_id: int) -> SiteVisit:
    visit = db.session.get(SiteVisit, visit_id, with_for_update=True)
    if visit is None:
        raise NotFound("visit_not_found")
    if visit.practitioner_id != practitioner.id:
        raise Forbidden("not_your_visit")
    return visit


def check_out(actor: Actor, visit_id: int, data: dict[str, Any]) -> VisitView:
    practitioner = queries.require_practitioner(actor)
    with unit_of_work() as uow:
        visit = _own_visit(practitioner, visit_id)
        if visit.status == "checked_out":  # a retried request: the first check-out stands
            return _own_view(visit, practitioner, load_project(visit.project_id).project_no)
        if visit.status != "checked_in":
            raise Conflict("visit_not_open")
        project = load_project(visit.project_id)
        received = utcnow()
        lng, lat = geo.to_wgs84(data["lng"], data["lat"], data["crs"])
        started = visit.device_time or visit.checked_in_at
        at = max(rules.event_time(data.get("device_time"), received), started)
        distance = round(geo.distance_to_geofence_m(project.geofence or {}, lng, lat), 1)
        findings = [
            rules.Finding("checkout_outside_geofence", {"distance_m": distance}) if distance > 0 else None,
            rules.poor_accuracy(data.get("accuracy_m")),
            *rules.timing(data.get("device_time"), received),
        ]
        visit.flags = [*visit.flags, *(f.as_dict(stage="check_out") for f in findings if f is not None)]
        visit.status = "checked_out"
        visit.checked_out_at = at
        visit.checkout_lng, visit.checkout_lat, visit.checkout_distance_m = lng, lat, distance
        visit.duration_s = int((at - started).total_seconds())
        minutes = visit.duration_s // 60
        project_event(
            project,
            "visit.checked_out",
            f"{practitioner.name_masked}在项目{project.project_no}签退，现场{minutes}分钟",
            visibility="org",
            practitioner_id=practitioner.id,
            data={"visit_id": visit.id, "duration_s": visit.duration_s},
        )
        view = _own_view(visit, practitioner, project.project_no)
        uow.commit()
        return view


def close_stale_visits(now: datetime | None = None) -> int:
    """Visits nobody checked out: closed after the open-visit limit, without a duration, and marked."""
    cutoff = (now or utcnow()) - timedelta(hours=setting("CHECKIN_OPEN_VISIT_HOURS"))
    with unit_of_work() as uow:
        stale = db.session.scalars(
            sa.select(SiteVisit)
            .where(SiteVisit.status == "checked_in", SiteVisit.checked_in_at < cutoff)
            .order_by(SiteVisit.id)
            .limit(1000)
        ).all()
        for visit in stale:
            visit.status = "checked_out"
            visit.flags = [*visit.flags, rules.Finding("not_checked_out").as_dict(stage="check_out")]
            project = db.session.get(Project, visit.project_id)
            assert project is not None
            project_event(
                project,
                "visit.auto_closed",
                f"项目{project.project_no}的一次现场签到超过{setting('CHECKIN_OPEN_VISIT_HOURS')}小时未签退，已自动关闭",
                visibility="org",
                practitioner_id=visit.practitioner_id,
                data={"visit_id": visit.id},
            )
        uow.commit()
    return len(stale)

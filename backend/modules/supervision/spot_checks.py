"""实时抽查: a supervisor picks practitioners who are checked in right now; each must prove, within a deadline,
with a face photo and a location inside the project geofence, that they are really there.

issued → passed | failed (reasons kept) | expired (no answer in time; `expire_overdue` runs periodically).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from backend.bootstrap import adapters
from backend.core.access import Actor, area_clause, require_permission
from backend.core.audit import record
from backend.core.db import column_map, db, unit_of_work
from backend.core.errors import Conflict, NotFound
from backend.core.files import StoredFile, store_image
from backend.core.jobs import enqueue
from backend.core.pagination import Page, keyset_page
from backend.core.timeline import append_event
from backend.core.timeutil import to_local, utcnow
from backend.modules.accounts.queries import User
from backend.modules.projects.queries import Project, SiteVisit
from backend.modules.realname import queries
from backend.modules.realname.queries import Organization, Practitioner

from . import jobs
from .common import LocationCheck, check_location, get_or_not_found, project_fence, require_covers
from .models import SpotCheck, SpotCheckBatch
from .vocabulary import SpotCheckStatus

DEFAULT_DEADLINE_MINUTES = 15
# A visit left open longer than this is a forgotten check-out, not someone on site now.
DEFAULT_LIVE_HOURS = 12
DEFAULT_TEMPLATE_ID = "spot-check-notice"
MINI_PROGRAM_ANSWER_PAGE = "pages/spot-check/answer"
EXPIRY_BATCH = 200

STATUSES = SpotCheckStatus.labels()
REASONS = {
    "face_mismatch": "人脸比对不一致",
    "outside_geofence": "不在项目电子围栏范围内",
    "photo_replayed": "重复使用已提交过的照片",
    "no_answer": "未在期限内答复",
}
FLAGS = {
    "poor_accuracy": "定位精度较差",
    "alternative_identity": "经批准使用替代身份核验（未进行人脸比对）",
    "subject_location_unknown": "项目未登记坐标，无法核对位置",
}


def _config(key: str, default: Any) -> Any:
    return current_app.config.get(key, default)


# --- who is on site now -------------------------------------------------------------------------------


def _live_visits(actor: Actor, filters: dict[str, Any]) -> sa.Select[Any]:
    since = utcnow() - timedelta(hours=_config("SPOT_CHECK_LIVE_HOURS", DEFAULT_LIVE_HOURS))
    stmt = sa.select(SiteVisit).where(
        SiteVisit.status == "checked_in",
        SiteVisit.checked_out_at.is_(None),
        SiteVisit.checked_in_at >= since,
        area_clause(actor, SiteVisit.district_code, SiteVisit.special_zone),
    )
    for key in ("project_id", "org_id", "district_code"):
        if filters.get(key) is not None:
            stmt = stmt.where(getattr(SiteVisit, key) == filters[key])
    return stmt


def _pending_exists() -> sa.Exists:
    return sa.exists().where(SpotCheck.visit_id == SiteVisit.id, SpotCheck.status == "issued")


def _by_id(model: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(sorted(ids))))}


@dataclass
class LiveVisit:
    visit: SiteVisit
    project: Project
    org: Organization
    practitioner: Practitioner
    pending_spot_check_id: int | None


def live_visits(actor: Actor, args: dict[str, Any]) -> Page[LiveVisit]:
    page = keyset_page(
        db.session, _live_visits(actor, args), [SiteVisit.id], limit=args["limit"], cursor=args["cursor"]
    )
    visits: list[SiteVisit] = page.items
    projects = _by_id(Project, {v.project_id for v in visits})
    orgs = _by_id(Organization, {v.org_id for v in visits})
    people = _by_id(Practitioner, {v.practitioner_id for v in visits})
    pending = column_map(
        sa.select(SpotCheck.visit_id, SpotCheck.id).where(
            SpotCheck.visit_id.in_([v.id for v in visits] or [-1]), SpotCheck.status == "issued"
        )
    )
    items = [
        LiveVisit(v, projects[v.project_id], orgs[v.org_id], people[v.practitioner_id], pending.get(v.id))
        for v in visits
    ]
    return Page(items, page.next_cursor)


# --- issuing ------------------------------------------------------------------------------------------


def _deadline(minutes: int | None) -> datetime:
    return utcnow() + timedelta(minutes=minutes or _config("SPOT_CHECK_DEADLINE_MINUTES", DEFAULT_DEADLINE_MINUTES))


def _new_check(actor: Actor, visit: SiteVisit, deadline: datetime, batch_id: int | None) -> SpotCheck:
    check = SpotCheck(
        batch_id=batch_id,
        visit_id=visit.id,
        practitioner_id=visit.practitioner_id,
        project_id=visit.project_id,
        org_id=visit.org_id,
        district_code=visit.district_code,
        special_zone=visit.special_zone,
        issued_by=actor.user_id,
        issued_at=utcnow(),
        deadline_at=deadline,
        status="issued",
        is_trial=visit.is_trial,
    )
    db.session.add(check)
    db.session.flush()
    _timeline(check, "spot_check.issued", f"实时抽查已发起，须于 {to_local(deadline):%H:%M} 前完成现场核验")
    enqueue(jobs.notify_spot_check, queue="notifications", spot_check_id=check.id)
    return check


@contextmanager
def _one_pending_per_visit() -> Iterator[None]:
    """The partial unique index settles a race between two supervisors checking the same visit at once."""
    try:
        yield
    except sa.exc.IntegrityError as exc:
        raise Conflict("spot_check_pending") from exc


def issue_spot_check(actor: Actor, visit_id: int, deadline_minutes: int | None) -> SpotCheck:
    with _one_pending_per_visit(), unit_of_work() as uow:
        visit = get_or_not_found(SiteVisit, visit_id)
        require_covers(actor, visit)
        if db.session.scalar(_live_visits(actor, {}).where(SiteVisit.id == visit.id)) is None:
            raise Conflict("spot_check_visit_not_live")
        pending = sa.exists().where(SpotCheck.visit_id == visit.id, SpotCheck.status == "issued")
        if db.session.scalar(sa.select(pending)):
            raise Conflict("spot_check_pending")
        check = _new_check(actor, visit, _deadline(deadline_minutes), None)
        uow.commit()
    return check


@dataclass
class IssuedBatch:
    batch: SpotCheckBatch
    checks: list[SpotCheck]


def _draw(population: list[SiteVisit], share_percent: float, max_count: int | None) -> list[SiteVisit]:
    """A cryptographically random draw, so nobody can predict or steer who is checked (双随机)."""
    count = math.ceil(len(population) * share_percent / 100)
    if max_count is not None:
        count = min(count, max_count)
    return secrets.SystemRandom().sample(population, max(1, count))


def _one_visit_per_person(visits: list[SiteVisit]) -> list[SiteVisit]:
    latest: dict[int, SiteVisit] = {}
    for visit in visits:
        if visit.practitioner_id not in latest or visit.id > latest[visit.practitioner_id].id:
            latest[visit.practitioner_id] = visit
    return sorted(latest.values(), key=lambda v: v.id)


def issue_random_spot_checks(actor: Actor, data: dict[str, Any]) -> IssuedBatch:
    filters = {k: data.get(k) for k in ("project_id", "org_id", "district_code") if data.get(k) is not None}
    with _one_pending_per_visit(), unit_of_work() as uow:
        stmt = _live_visits(actor, filters).where(~_pending_exists())
        population = _one_visit_per_person(list(db.session.scalars(stmt)))
        if not population:
            raise Conflict("spot_check_no_population")
        chosen = _draw(population, data["share_percent"], data.get("max_count"))
        batch = SpotCheckBatch(
            issued_by=actor.user_id,
            issued_at=utcnow(),
            jurisdiction=actor.jurisdiction,
            share_percent=data["share_percent"],
            population=len(population),
            selected=len(chosen),
            filters=filters,
        )
        db.session.add(batch)
        db.session.flush()
        deadline = _deadline(data.get("deadline_minutes"))
        checks = [_new_check(actor, visit, deadline, batch.id) for visit in chosen]
        uow.commit()
    return IssuedBatch(batch, checks)


# --- notifying (a job on the "notifications" queue) ------------------------------------------------------


def _wechat_data(check: SpotCheck) -> dict[str, str]:
    # Subscribe-message fields: thing ≤ 20 characters, time as WeChat formats it.
    deadline = to_local(check.deadline_at)
    return {
        "thing1": check.project.name[:20],
        "time2": f"{deadline.year}年{deadline.month}月{deadline.day}日 {deadline:%H:%M}",
        "thing3": "请在期限内完成人脸和位置核验",
    }


def _send_wechat(check: SpotCheck, openid: str) -> str | None:
    """Returns None when WeChat accepted the message, else why not (then SMS is tried)."""
    from backend.adapters.wechat import WeChatError

    template_id = _config("WECHAT_SPOT_CHECK_TEMPLATE_ID", DEFAULT_TEMPLATE_ID)
    try:
        result = adapters().wechat_mini.send_subscribe_message(
            openid, template_id, _wechat_data(check), page=f"{MINI_PROGRAM_ANSWER_PAGE}?id={check.id}"
        )
    except WeChatError as exc:
        return exc.code
    return None if result.ok else f"wechat_errcode_{result.errcode}"


def _send_sms(check: SpotCheck, phone: str) -> str | None:
    params = {"project_name": check.project.name, "deadline": f"{to_local(check.deadline_at):%H:%M}"}
    result = adapters().sms.send(phone, "spot_check", params)
    return None if result.ok else (result.error or "sms_rejected")


def notify_spot_check(spot_check_id: int) -> SpotCheck:
    """A mini-program subscribe message; an SMS when the user has no openid or WeChat refuses."""
    with unit_of_work() as uow:
        check = get_or_not_found(SpotCheck, spot_check_id)
        if check.status != "issued" or check.notified_at is not None:
            return check
        user = get_or_not_found(User, check.practitioner.user_id)
        errors: list[str] = []
        via = "none"
        if user.wechat_openid:
            error = _send_wechat(check, user.wechat_openid)
            via = "wechat" if error is None else via
            errors += [error] if error else []
        if via == "none":
            error = _send_sms(check, user.phone)
            via = "sms" if error is None else via
            errors += [error] if error else []
        check.notified_via = via
        check.notified_at = utcnow()
        check.notify_error = "; ".join(errors)[:200] or None
        uow.commit()
    return check


# --- answering ----------------------------------------------------------------------------------------


@dataclass
class IdentityCheck:
    method: str  # face | alternative
    passed: bool | None
    distance: float | None


def _identity(practitioner: Practitioner, photo: bytes) -> IdentityCheck:
    """Face first; the supervisor-approved alternative only for those without a usable enrolment."""
    face_usable = practitioner.face_status == "enrolled" and practitioner.biometric_consent_withdrawn_at is None
    if not face_usable and queries.has_alternative_identity(practitioner):
        return IdentityCheck("alternative", None, None)
    result = queries.verify_face(practitioner, photo)  # refuses (422) when no face is enrolled
    return IdentityCheck("face", bool(result.passed), float(result.distance))


def _seen_before(photo: bytes) -> bool:
    """Exactly these bytes were stored before (by anyone): a photo sent again, not one taken now."""
    digest = hashlib.sha256(photo).hexdigest()
    return db.session.scalar(sa.select(StoredFile.id).where(StoredFile.sha256 == digest)) is not None


def _similar_sent_before(stored: StoredFile, user_id: int | None) -> bool:
    """The same perceptual hash as another photo this user sent: a re-encoded or resized old photo."""
    stmt = sa.select(StoredFile.id).where(
        StoredFile.phash == stored.phash, StoredFile.uploaded_by == user_id, StoredFile.id != stored.id
    )
    return db.session.scalar(stmt.limit(1)) is not None


def _owned_open_check(actor: Actor, spot_check_id: int) -> tuple[SpotCheck, Practitioner]:
    practitioner = queries.require_practitioner(actor)
    check = db.session.get(SpotCheck, spot_check_id)
    if check is None or check.practitioner_id != practitioner.id:
        raise NotFound()
    if check.status != "issued":
        raise Conflict("spot_check_closed", details={"status": check.status})
    return check, practitioner


def _close_as_expired(check: SpotCheck) -> None:
    check.status = "expired"
    check.closed_at = utcnow()
    check.failure_reasons = ["no_answer"]
    _timeline(check, "spot_check.expired", "实时抽查逾期未答复")


def answer_spot_check(actor: Actor, spot_check_id: int, data: dict[str, Any]) -> SpotCheck:
    """data: photo (bytes), lng, lat, crs, accuracy_m, device_time."""
    received_at = utcnow()
    photo: bytes = data["photo"]
    with unit_of_work() as uow:
        check, practitioner = _owned_open_check(actor, spot_check_id)
        if received_at > check.deadline_at:
            _close_as_expired(check)
            uow.commit()
            raise Conflict("spot_check_expired")
        seen = _seen_before(photo)
        stored, _image = store_image(photo, "spot_check", actor.user_id)
        replayed = seen or _similar_sent_before(stored, actor.user_id)
        identity = _identity(practitioner, photo)
        where = check_location(
            project_fence(check.project), data["lng"], data["lat"], data["crs"], data.get("accuracy_m")
        )
        # Face matching took a moment: lock the row and make sure the expiry job did not close it meanwhile.
        locked = db.session.execute(
            sa.select(SpotCheck.status).where(SpotCheck.id == check.id).with_for_update()
        ).scalar_one()
        if locked != "issued":
            raise Conflict("spot_check_closed", details={"status": locked})
        _record_answer(check, received_at, data, where, identity, stored.id, replayed)
        uow.commit()
    return check


def _record_answer(
    check: SpotCheck,
    received_at: datetime,
    data: dict[str, Any],
    where: LocationCheck,
    identity: IdentityCheck,
    photo_file_id: int,
    replayed: bool,
) -> None:
    reasons = []
    if replayed:
        reasons.append("photo_replayed")
    if identity.method == "face" and not identity.passed:
        reasons.append("face_mismatch")
    if where.outside:
        reasons.append("outside_geofence")
    flags = [f for f in where.flags if f != "outside_geofence"]
    if identity.method == "alternative":
        flags.append("alternative_identity")
    check.answered_at = received_at
    check.device_time = data.get("device_time")
    check.lng, check.lat, check.submitted_crs = where.lng, where.lat, where.crs
    check.accuracy_m = where.accuracy_m
    check.distance_to_fence_m = where.distance_m
    check.identity_method = identity.method
    check.face_distance = identity.distance
    check.face_passed = identity.passed
    check.photo_file_id = photo_file_id
    check.failure_reasons = reasons
    check.flags = flags
    check.status = "failed" if reasons else "passed"
    check.closed_at = received_at
    summary = "实时抽查通过" if not reasons else "实时抽查未通过：" + "、".join(REASONS[r] for r in reasons)
    _timeline(check, f"spot_check.{check.status}", summary, reasons=reasons)


# --- expiry (periodic) --------------------------------------------------------------------------------


def expire_overdue() -> int:
    """Close every spot check whose deadline passed without an answer. Runs from the scheduler."""
    expired = 0
    while True:
        with unit_of_work() as uow:
            ids = list(
                db.session.scalars(
                    sa.select(SpotCheck.id)
                    .where(SpotCheck.status == "issued", SpotCheck.deadline_at < utcnow())
                    .order_by(SpotCheck.id)
                    .limit(EXPIRY_BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            for check in db.session.scalars(sa.select(SpotCheck).where(SpotCheck.id.in_(ids or [-1]))):
                _close_as_expired(check)
            uow.commit()
        expired += len(ids)
        if len(ids) < EXPIRY_BATCH:
            return expired


# --- reads --------------------------------------------------------------------------------------------


def _timeline(check: SpotCheck, kind: str, summary: str, **data: Any) -> None:
    append_event(
        kind,
        summary,
        org_id=check.org_id,
        practitioner_id=check.practitioner_id,
        project_id=check.project_id,
        district_code=check.district_code,
        special_zone=check.special_zone,
        visibility="org",
        data={"spot_check_id": check.id, "visit_id": check.visit_id, **data},
        is_trial=check.is_trial,
    )


def list_spot_checks(actor: Actor, args: dict[str, Any]) -> Page[SpotCheck]:
    stmt = sa.select(SpotCheck).where(area_clause(actor, SpotCheck.district_code, SpotCheck.special_zone))
    for key in ("status", "project_id", "org_id", "practitioner_id", "batch_id"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(SpotCheck, key) == args[key])
    return keyset_page(db.session, stmt, [SpotCheck.id], limit=args["limit"], cursor=args["cursor"])


def my_spot_checks(actor: Actor, args: dict[str, Any]) -> Page[SpotCheck]:
    practitioner = queries.require_practitioner(actor)
    stmt = sa.select(SpotCheck).where(SpotCheck.practitioner_id == practitioner.id)
    if args.get("status"):
        stmt = stmt.where(SpotCheck.status == args["status"])
    return keyset_page(db.session, stmt, [SpotCheck.id], limit=args["limit"], cursor=args["cursor"])


def get_spot_check(actor: Actor, spot_check_id: int) -> SpotCheck:
    check = get_or_not_found(SpotCheck, spot_check_id)
    if actor.is_supervisory:
        require_covers(actor, check)
    elif check.practitioner.user_id != actor.user_id:
        raise NotFound()
    return check


def answer_photo(actor: Actor, spot_check_id: int) -> StoredFile:
    """The answer photo shows a face: personal data, read only with the permission and audited."""
    with unit_of_work() as uow:
        check = get_or_not_found(SpotCheck, spot_check_id)
        require_covers(actor, check)
        require_permission(actor, "read_personal_data")
        if check.photo_file_id is None:
            raise NotFound()
        photo = get_or_not_found(StoredFile, check.photo_file_id)
        record("personal_data.read", "spot_checks", check.id, {"field": "photo"})
        uow.commit()
    return photo

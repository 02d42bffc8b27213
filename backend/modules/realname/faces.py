"""Face enrolment (an RQ job on the "biometrics" queue) and the practitioner's test verification.

How the photo reaches the job, and why: the request stores the photo in `face_enrolments.photo`, encrypted
with the personal-data key, and enqueues the job with that row's id only. The job encodes the face, stores
the encoding (encrypted) on the practitioner and sets the photo column to NULL, on success and on refusal
alike. Nothing biometric travels through Redis or the job table (job arguments are plain JSON), no photo
lands unencrypted on disk, and a worker that dies mid-job loses nothing: the row is still there for the
retry. Photos of jobs that never finish are purged by the daily task (purge_stale_enrolment_photos).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from backend.adapters.face import FaceRejected, VerificationResult
from backend.bootstrap import adapters
from backend.core.access import Actor
from backend.core.audit import record
from backend.core.db import db, unit_of_work
from backend.core.errors import NotFound, ValidationFailed
from backend.core.images import ImageRejected, validate_image
from backend.core.jobs import enqueue
from backend.core.timeutil import utcnow

from . import jobs
from .common import practitioner_event
from .models import FaceEnrolment, Practitioner
from .practitioners import consent_in_force, refresh_identity
from .queries import require_practitioner, verify_face

# What the job tells the practitioner when the photo cannot be used (stable codes, Chinese in messages).
IMAGE_FAILURE = "image_unreadable"
STALE_PHOTO_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class FaceStatus:
    face_status: str
    face_fail_reason: str | None
    face_enrolled_at: object
    consent_in_force: bool
    latest: FaceEnrolment | None


def _validated_upload(photo: bytes) -> None:
    """Refuse what is not a usable picture at once (type, size, damage), before queueing anything."""
    try:
        validate_image(photo)
    except ImageRejected as exc:
        raise ValidationFailed(exc.code, exc.message) from exc


def _supersede_pending(practitioner: Practitioner) -> None:
    for pending in db.session.scalars(
        sa.select(FaceEnrolment).where(
            FaceEnrolment.practitioner_id == practitioner.id, FaceEnrolment.status == "pending"
        )
    ):
        pending.photo = None
        pending.status = "failed"
        pending.fail_reason = "face_superseded"
        pending.processed_at = utcnow()


def request_face_enrolment(actor: Actor, photo: bytes) -> FaceEnrolment:
    """Queue an enrolment photo. Needs the separate biometric consent first. A re-enrolment keeps the old
    encoding working until the new one is made."""
    _validated_upload(photo)
    with unit_of_work() as uow:
        practitioner = require_practitioner(actor)
        if not consent_in_force(practitioner):
            raise ValidationFailed("biometric_consent_required")
        _supersede_pending(practitioner)
        enrolment = FaceEnrolment(
            practitioner_id=practitioner.id,
            status="pending",
            photo=photo,
            replaces_previous=practitioner.face_status == "enrolled",
            requested_by=practitioner.user_id,
            requested_at=utcnow(),
        )
        db.session.add(enrolment)
        if practitioner.face_status != "enrolled":
            practitioner.face_status = "pending"
            practitioner.face_fail_reason = None
        db.session.flush()
        enqueue(jobs.enrol_face, queue="biometrics", max_attempts=3, enrolment_id=enrolment.id)
        enrolment_id = enrolment.id
        uow.commit()
    # Inline jobs have run by now (tests, embedded mode); with RQ the row is still pending.
    return db.session.get(FaceEnrolment, enrolment_id)  # type: ignore[return-value]


def _fail(enrolment: FaceEnrolment, practitioner: Practitioner, code: str) -> None:
    enrolment.status = "failed"
    enrolment.fail_reason = code
    if practitioner.face_status == "pending":
        practitioner.face_status = "failed"
        practitioner.face_fail_reason = code
    practitioner_event(
        practitioner,
        "practitioner.face_enrolment_failed",
        f"从业人员 {practitioner.name_masked} 人脸采集未成功",
        enrolment_id=enrolment.id,
        reason=code,
    )


def _enrol(enrolment: FaceEnrolment, practitioner: Practitioner, photo: bytes) -> None:
    try:
        result = adapters().face.enrol(photo)
    except FaceRejected as exc:
        _fail(enrolment, practitioner, exc.code)
        return
    except ImageRejected:
        _fail(enrolment, practitioner, IMAGE_FAILURE)
        return
    replacing = practitioner.face_encoding is not None
    practitioner.face_encoding = result.encoding
    practitioner.face_status = "enrolled"
    practitioner.face_fail_reason = None
    practitioner.face_enrolled_at = utcnow()
    enrolment.status = "enrolled"
    enrolment.photo_sha256 = result.image_sha256
    enrolment.photo_phash = result.image_phash
    enrolment.face_px = result.face_px
    action = "face.reenrolled" if replacing else "face.enrolled"
    record(action, "practitioners", practitioner.id, {"enrolment_id": enrolment.id})
    practitioner_event(
        practitioner,
        f"practitioner.{action.replace('.', '_')}",
        f"从业人员 {practitioner.name_masked} {'重新采集' if replacing else '完成'}人脸信息",
        enrolment_id=enrolment.id,
    )


def process_face_enrolment(enrolment_id: int) -> FaceEnrolment:
    """The job's work: encode, store the encoding, drop the photo. Idempotent: a processed row is left be.
    An unexpected engine error propagates, so the job is retried with the photo still in place."""
    with unit_of_work() as uow:
        enrolment = db.session.get(FaceEnrolment, enrolment_id)
        if enrolment is None:
            raise NotFound()
        if enrolment.status != "pending" or enrolment.photo is None:
            return enrolment
        practitioner = db.session.get(Practitioner, enrolment.practitioner_id)
        assert practitioner is not None
        photo = enrolment.photo
        enrolment.photo = None
        enrolment.processed_at = utcnow()
        if consent_in_force(practitioner):
            _enrol(enrolment, practitioner, photo)
        else:
            _fail(enrolment, practitioner, "biometric_consent_withdrawn")
        refresh_identity(practitioner)
        uow.commit()
        return enrolment


def purge_stale_enrolment_photos(older_than: timedelta = STALE_PHOTO_AFTER) -> int:
    """Photos whose job never completed (worker lost, retries exhausted) are not kept either."""
    cutoff = utcnow() - older_than
    with unit_of_work() as uow:
        rows = list(
            db.session.scalars(
                sa.select(FaceEnrolment).where(FaceEnrolment.status == "pending", FaceEnrolment.requested_at < cutoff)
            )
        )
        for enrolment in rows:
            practitioner = db.session.get(Practitioner, enrolment.practitioner_id)
            assert practitioner is not None
            enrolment.photo = None
            enrolment.processed_at = utcnow()
            _fail(enrolment, practitioner, "face_engine_error")
            refresh_identity(practitioner)
        uow.commit()
    return len(rows)


def face_status(actor: Actor) -> FaceStatus:
    practitioner = require_practitioner(actor)
    latest = db.session.scalar(
        sa.select(FaceEnrolment)
        .where(FaceEnrolment.practitioner_id == practitioner.id)
        .order_by(FaceEnrolment.id.desc())
        .limit(1)
    )
    return FaceStatus(
        practitioner.face_status,
        practitioner.face_fail_reason,
        practitioner.face_enrolled_at,
        consent_in_force(practitioner),
        latest,
    )


def try_verification(actor: Actor, photo: bytes) -> VerificationResult:
    """The practitioner tries the check that check-in, signing and spot checks use: distance and outcome.
    The photo is compared in memory and not kept."""
    practitioner = require_practitioner(actor)
    try:
        return verify_face(practitioner, photo)
    except FaceRejected as exc:
        raise ValidationFailed(exc.code, exc.message) from exc
    except ImageRejected as exc:
        raise ValidationFailed(exc.code, exc.message) from exc

"""On-site authenticity (docs/design.md §4), one function per rule. Each answers a Finding or None; the
check-in service decides which findings refuse a check-in (reasons) and which only mark it (flags)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from backend.adapters.face import FaceRejected
from backend.adapters.face.base import FACE_MESSAGES
from backend.core import geo
from backend.core.db import db
from backend.core.errors import ValidationFailed
from backend.core.files import StoredFile
from backend.core.images import ImageRejected, phash_distance
from backend.core.messages import message_for
from backend.modules.realname import queries
from backend.modules.realname.queries import Practitioner

from ..models import Project, SiteVisit
from .common import setting

ACCEPTED = ("checked_in", "checked_out")
# When a visit happened: the device's capture time for offline submissions, else the server's receipt.
visit_time = sa.func.coalesce(SiteVisit.device_time, SiteVisit.checked_in_at)


@dataclass(frozen=True)
class Finding:
    code: str
    data: dict[str, Any] = field(default_factory=dict)
    message: str | None = None  # adapters' refusals bring their own text

    def as_dict(self, **extra: Any) -> dict[str, Any]:
        return {"code": self.code, "message": self.message or message_for(self.code), **self.data, **extra}


@dataclass(frozen=True)
class Identity:
    method: str  # face | alternative
    distance: float | None
    passed: bool | None
    refusal: Finding | None


def event_time(device_time: datetime | None, received: datetime) -> datetime:
    """Trust the device's clock only backwards (offline queues); a clock running ahead gets the receipt time."""
    ahead = timedelta(minutes=setting("CHECKIN_CLOCK_AHEAD_MINUTES"))
    if device_time is None or device_time > received + ahead:
        return received
    return min(device_time, received)


# ----------------------------------------------------------------------------------------------------
# Refusals


def identity(practitioner: Practitioner, photo: bytes) -> Identity:
    """Face match against the enrolled encoding, or the supervisor-approved alternative for those without one."""
    face_usable = practitioner.face_status == "enrolled" and practitioner.biometric_consent_withdrawn_at is None
    if not face_usable and queries.has_alternative_identity(practitioner):
        return Identity("alternative", None, None, None)
    try:
        result = queries.verify_face(practitioner, photo)
    except (FaceRejected, ImageRejected, ValidationFailed) as exc:
        return Identity("face", None, False, Finding(exc.code, message=exc.message))
    distance = round(float(result.distance), 4)
    mismatch = Finding("face_mismatch", {"distance": distance}, FACE_MESSAGES["face_mismatch"])
    refusal = None if result.passed else mismatch
    return Identity("face", distance, bool(result.passed), refusal)


def outside_fence(project: Project, lng: float, lat: float) -> tuple[float, Finding | None]:
    distance = round(geo.distance_to_geofence_m(project.geofence or {}, lng, lat), 1)
    return distance, Finding("outside_geofence", {"distance_m": distance}) if distance > 0 else None


def open_visits(practitioner_id: int, project_id: int, received: datetime) -> list[Finding]:
    """Checked in elsewhere (or already here) and not checked out; visits left open too long do not block."""
    since = received - timedelta(hours=setting("CHECKIN_OPEN_VISIT_HOURS"))
    rows = db.session.execute(
        sa.select(SiteVisit.id, SiteVisit.project_id, Project.project_no)
        .join(Project, Project.id == SiteVisit.project_id)
        .where(
            SiteVisit.practitioner_id == practitioner_id,
            SiteVisit.status == "checked_in",
            SiteVisit.checked_in_at >= since,
        )
    ).all()
    findings = []
    for visit_id, other_project_id, project_no in rows:
        code = "already_checked_in" if other_project_id == project_id else "checked_in_elsewhere"
        findings.append(Finding(code, {"visit_id": visit_id, "project_no": project_no}))
    return findings


def replayed_photo(previous_file_id: int | None, phash: str, practitioner_id: int, project_id: int) -> Finding | None:
    """A photo already uploaded (same bytes), or a near copy of an earlier check-in photo (perceptual hash)."""
    if previous_file_id is not None:
        earlier = db.session.scalar(
            sa.select(SiteVisit.id).where(SiteVisit.photo_file_id == previous_file_id).order_by(SiteVisit.id).limit(1)
        )
        return Finding("photo_replayed", {"match": "exact", "visit_id": earlier})
    rows = db.session.execute(
        sa.select(SiteVisit.id, StoredFile.phash)
        .join(StoredFile, StoredFile.id == SiteVisit.photo_file_id)
        .where(
            sa.or_(SiteVisit.practitioner_id == practitioner_id, SiteVisit.project_id == project_id),
            StoredFile.phash.is_not(None),
        )
        .order_by(SiteVisit.id.desc())
        .limit(setting("CHECKIN_PHASH_LOOKBACK"))
    ).all()
    limit = setting("CHECKIN_PHASH_MAX_DISTANCE")
    closest = min(((phash_distance(phash, other), visit_id) for visit_id, other in rows), default=None)
    if closest is not None and closest[0] <= limit:
        return Finding("photo_replayed", {"match": "similar", "visit_id": closest[1], "hash_distance": closest[0]})
    return None


# ----------------------------------------------------------------------------------------------------
# Flags


def poor_accuracy(accuracy_m: float | None) -> Finding | None:
    limit = setting("CHECKIN_MAX_ACCURACY_M")
    if accuracy_m is not None and accuracy_m > limit:
        return Finding("poor_accuracy", {"accuracy_m": round(accuracy_m, 1), "limit_m": limit})
    return None


def _last_position(visit: SiteVisit, at: datetime) -> tuple[float, float, datetime]:
    out_lng, out_lat, out_at = visit.checkout_lng, visit.checkout_lat, visit.checked_out_at
    if out_lng is not None and out_lat is not None and out_at is not None and out_at <= at:
        return out_lng, out_lat, out_at
    return visit.lng, visit.lat, visit.device_time or visit.checked_in_at


def impossible_travel(practitioner_id: int, lng: float, lat: float, at: datetime) -> Finding | None:
    previous = db.session.scalars(
        sa.select(SiteVisit)
        .where(SiteVisit.practitioner_id == practitioner_id, SiteVisit.status.in_(ACCEPTED), visit_time <= at)
        .order_by(visit_time.desc(), SiteVisit.id.desc())
        .limit(1)
    ).first()
    if previous is None:
        return None
    last_lng, last_lat, last_at = _last_position(previous, at)
    distance = geo.haversine_m((last_lng, last_lat), (lng, lat))
    if distance < setting("CHECKIN_TRAVEL_MIN_DISTANCE_M"):
        return None
    seconds = max((at - last_at).total_seconds(), 1.0)
    speed = distance / seconds * 3.6
    if speed <= setting("CHECKIN_MAX_SPEED_KMH"):
        return None
    return Finding(
        "impossible_travel",
        {
            "from_visit_id": previous.id,
            "distance_m": round(distance),
            "minutes": round(seconds / 60, 1),
            "speed_kmh": round(speed),
        },
    )


def shared_device(device_id: str, practitioner_id: int, at: datetime) -> Finding | None:
    span = timedelta(minutes=setting("CHECKIN_DEVICE_SHARE_MINUTES"))
    other = db.session.execute(
        sa.select(SiteVisit.id, SiteVisit.practitioner_id)
        .where(
            SiteVisit.device_id == device_id,
            SiteVisit.practitioner_id != practitioner_id,
            visit_time.between(at - span, at + span),
        )
        .order_by(SiteVisit.id.desc())
        .limit(1)
    ).first()
    if other is None:
        return None
    return Finding("device_shared", {"other_visit_id": other[0], "window_minutes": int(span.total_seconds() // 60)})


def timing(device_time: datetime | None, received: datetime) -> list[Finding]:
    """Late offline submissions are accepted and marked, never lost; a clock running ahead is marked too."""
    if device_time is None:
        return []
    findings = []
    late = received - device_time
    if late > timedelta(minutes=setting("CHECKIN_LATE_AFTER_MINUTES")):
        findings.append(Finding("late_submission", {"minutes_late": int(late.total_seconds() // 60)}))
    ahead = device_time - received
    if ahead > timedelta(minutes=setting("CHECKIN_CLOCK_AHEAD_MINUTES")):
        findings.append(Finding("device_clock_ahead", {"minutes_ahead": int(ahead.total_seconds() // 60)}))
    return findings

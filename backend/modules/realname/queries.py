"""What other modules ask of real-name data. Read-side and small: the rules that change state live in the
realname services. Besides the functions, the tables below may be named in other modules' selects and joins
(read them, never add or change their rows from outside this module)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app

from backend.bootstrap import adapters
from backend.core.access import Actor
from backend.core.db import db
from backend.core.errors import Forbidden, ValidationFailed
from backend.core.timeutil import today

# Labels other modules show and check against.
from .models import CERT_KINDS as CERT_KINDS
from .models import OPERATOR_LEVELS as OPERATOR_LEVELS
from .models import ORG_TYPES as ORG_TYPES
from .models import POSITIONS as POSITIONS

# Tables other modules may select from and join (read-only outside this module: the realname services change them).
from .models import Certificate as Certificate
from .models import Employment as Employment
from .models import IntegrityEvidence as IntegrityEvidence
from .models import Organization as Organization
from .models import Practitioner as Practitioner

if TYPE_CHECKING:
    from backend.adapters.face.base import VerificationResult

ENGINEER_KINDS = ("engineer_1", "engineer_2")


def organization_by_id(org_id: int) -> Organization | None:
    return db.session.get(Organization, org_id)


def practitioner_by_id(practitioner_id: int) -> Practitioner | None:
    return db.session.get(Practitioner, practitioner_id)


def practitioner_for_user(user_id: int | None) -> Practitioner | None:
    if user_id is None:
        return None
    return db.session.scalar(sa.select(Practitioner).where(Practitioner.user_id == user_id))


def require_practitioner(actor: Actor) -> Practitioner:
    practitioner = practitioner_for_user(actor.user_id)
    if practitioner is None:
        raise Forbidden("practitioner_required")
    return practitioner


def active_employment(practitioner_id: int) -> Employment | None:
    return db.session.scalar(
        sa.select(Employment).where(Employment.practitioner_id == practitioner_id, Employment.status == "active")
    )


def employed_by(practitioner_id: int, org_id: int) -> bool:
    employment = active_employment(practitioner_id)
    return employment is not None and employment.org_id == org_id


def valid_certificates(practitioner: Practitioner, on: date | None = None) -> list[Certificate]:
    day = on or today()
    return [
        c for c in practitioner.certificates if c.status == "valid" and (c.expires_on is None or c.expires_on >= day)
    ]


def is_registered_engineer(practitioner: Practitioner, on: date | None = None) -> bool:
    return any(c.kind in ENGINEER_KINDS for c in valid_certificates(practitioner, on))


def engineer_certificate(practitioner: Practitioner, on: date | None = None) -> Certificate | None:
    """The best valid registered-engineer certificate (一级 before 二级)."""
    certs = sorted((c for c in valid_certificates(practitioner, on) if c.kind in ENGINEER_KINDS), key=lambda c: c.kind)
    return certs[0] if certs else None


def org_can_practise(org: Organization) -> list[str]:
    """Reasons (message codes) the organisation may not take new work or make documents effective."""
    reasons = []
    if org.status != "verified":
        reasons.append("org_not_verified")
    if not org.conditions_met:
        reasons.append("org_conditions_unmet")
    return reasons


def verify_face(practitioner: Practitioner, photo: bytes) -> VerificationResult:
    """Match a photo taken now against the enrolled encoding. Returns the adapter's VerificationResult
    (distance, passed, tolerance, reason_code). Refuses when no face is enrolled or consent was withdrawn."""
    if practitioner.face_status != "enrolled" or practitioner.face_encoding is None:
        raise ValidationFailed("face_not_enrolled")
    if practitioner.biometric_consent_withdrawn_at is not None:
        raise ValidationFailed("biometric_consent_withdrawn")
    tolerance = float(current_app.config["FACE_TOLERANCE"])
    return adapters().face.verify(photo, practitioner.face_encoding, tolerance)


def has_alternative_identity(practitioner: Practitioner) -> bool:
    """A supervisor-approved identity check replaces face recognition for those who cannot or will not use it."""
    return practitioner.alt_identity_approved_at is not None

"""Certificates about to expire: a practitioner whose certificate lapses stops counting towards the
organisation's conditions and may no longer sign, so both are told in time."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from backend.core.db import db

from ..readmodel import CERT_KINDS, Certificate, Employment, Organization, Practitioner
from .registry import Detection, Param, Settings, Window, group, rule


@rule(
    "certificate_expiring",
    family="certificates",
    title="执业证书即将到期",
    description="在职从业人员的有效证书将在设定天数内到期",
    severity="low",
    subject_kind="practitioner",
    params=(Param("days", "WARNING_CERT_EXPIRY_DAYS", 30, "提前预警天数", "天", 1, 180),),
)
def certificate_expiring(window: Window, settings: Settings) -> list[Detection]:
    until = window.today + timedelta(days=int(settings["days"]))
    rows = db.session.execute(
        sa.select(Certificate, Organization, Practitioner.name_masked)
        .join(Practitioner, Practitioner.id == Certificate.practitioner_id)
        .join(Employment, sa.and_(Employment.practitioner_id == Practitioner.id, Employment.status == "active"))
        .join(Organization, Organization.id == Employment.org_id)
        .where(
            Certificate.status == "valid",
            Certificate.expires_on >= window.today,
            Certificate.expires_on <= until,
        )
        .order_by(Certificate.id)
    ).all()
    return group(
        [
            Detection(
                "practitioner",
                cert.practitioner_id,
                cert.expires_on.isoformat(),
                f"从业人员{name}的{CERT_KINDS.get(cert.kind, cert.kind)}（证书编号{cert.cert_no}）"
                f"将于{cert.expires_on.isoformat()}到期",
                {"certificate_ids": [cert.id]},
                org_id=org.id,
                practitioner_id=cert.practitioner_id,
                district_code=org.district_code,
                special_zone=org.special_zone,
                is_trial=org.is_trial,
            )
            for cert, org, name in rows
        ]
    )

"""挂证 (第十一条: a registered fire engineer practises at one organisation only). The realname module refuses a
second employment and an engineer whose certificate the national system registers elsewhere, and keeps each
refusal as IntegrityEvidence; these rules warn the supervisors. A certificate that the national system
registers to another organisation than the practitioner's current employer is found from live data too."""

from __future__ import annotations

import sqlalchemy as sa

from backend.core.db import db
from backend.core.timeutil import to_local

from ..readmodel import Certificate, Employment, IntegrityEvidence, Organization, Practitioner
from ..sqlutil import month_key
from .registry import Detection, Settings, Window, group, rule

ENGINEER_KINDS = ("engineer_1", "engineer_2")


def _evidence(window: Window, kind: str, what: str) -> list[Detection]:
    rows = db.session.execute(
        sa.select(IntegrityEvidence, Organization, Practitioner.name_masked)
        .join(Organization, Organization.id == IntegrityEvidence.org_id)
        .join(Practitioner, Practitioner.id == IntegrityEvidence.practitioner_id)
        .where(
            IntegrityEvidence.kind == kind,
            IntegrityEvidence.created_at >= window.start,
            IntegrityEvidence.created_at < window.end,
        )
        .order_by(IntegrityEvidence.id)
    ).all()
    return [
        Detection(
            "practitioner",
            evidence.practitioner_id,
            month_key(to_local(evidence.created_at).date()),
            f"从业人员{name}{what}（{org.name}的聘用被拒绝）",
            {"evidence_ids": [evidence.id]},
            org_id=org.id,
            practitioner_id=evidence.practitioner_id,
            district_code=org.district_code,
            special_zone=org.special_zone,
            is_trial=evidence.is_trial,
        )
        for evidence, org, name in rows
    ]


def _registered_elsewhere_now(window: Window) -> list[Detection]:
    """An engineer employed by one organisation whose valid certificate is registered to another."""
    rows = db.session.execute(
        sa.select(Certificate.id, Certificate.registration_no, Organization, Practitioner.id, Practitioner.name_masked)
        .join(Practitioner, Practitioner.id == Certificate.practitioner_id)
        .join(Employment, sa.and_(Employment.practitioner_id == Practitioner.id, Employment.status == "active"))
        .join(Organization, Organization.id == Employment.org_id)
        .where(
            Certificate.kind.in_(ENGINEER_KINDS),
            Certificate.status == "valid",
            sa.or_(Certificate.expires_on.is_(None), Certificate.expires_on >= window.today),
            Certificate.registered_org_credit_code.is_not(None),
            Certificate.registered_org_credit_code != Organization.credit_code,
        )
        .order_by(Certificate.id)
    ).all()
    return [
        Detection(
            "practitioner",
            practitioner_id,
            month_key(window.today),
            f"注册消防工程师{name}（注册编号{registration_no or '—'}）受聘于{org.name}，"
            "但其证书在全国社会消防技术服务信息系统中注册于其他机构",
            {"certificate_ids": [certificate_id]},
            org_id=org.id,
            practitioner_id=practitioner_id,
            district_code=org.district_code,
            special_zone=org.special_zone,
            is_trial=org.is_trial,
        )
        for certificate_id, registration_no, org, practitioner_id, name in rows
    ]


@rule(
    "certificate_two_orgs",
    family="integrity",
    title="证书注册于其他机构（挂证）",
    description="注册消防工程师证书注册于一家机构却在另一家机构执业或求职",
    severity="high",
    subject_kind="practitioner",
    triggers=("integrity.certificate_registered_elsewhere",),
    org_visible=False,
)
def certificate_two_orgs(window: Window, settings: Settings) -> list[Detection]:
    refused = _evidence(window, "certificate_registered_elsewhere", "的注册消防工程师证书注册于其他机构")
    return group(refused + _registered_elsewhere_now(window))


@rule(
    "employed_twice",
    family="integrity",
    title="同时受聘于两家机构（挂证）",
    description="已在一家机构执业的人员接受另一家机构的聘用",
    severity="high",
    subject_kind="practitioner",
    triggers=("integrity.second_employment",),
    org_visible=False,
)
def employed_twice(window: Window, settings: Settings) -> list[Detection]:
    return group(_evidence(window, "second_employment", "已在一家机构执业，又接受另一家机构的聘用"))

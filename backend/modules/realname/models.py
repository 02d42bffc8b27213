"""Real-name authentication: organisations, practitioners, certificates, employment (docs/design.md §2.1, §3, §4)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.crypto import EncryptedBytes, EncryptedText
from backend.core.db import Base, IdMixin, TimestampMixin
from backend.core.vocabulary import Labelled


class OrgType(Labelled):
    """Organisation types (机构类型)."""

    MAINTENANCE_TESTING = "maintenance_testing", "维护保养检测"
    ASSESSMENT = "assessment", "消防安全评估"


class OrgStatus(Labelled):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审核"
    VERIFIED = "verified", "已通过"
    REJECTED = "rejected", "已退回"
    SUSPENDED = "suspended", "已暂停"
    DEREGISTERED = "deregistered", "已注销"


class ReviewDecision(Labelled):
    """What the corps decides on an organisation (OrgReview.decision)."""

    APPROVED = "approved", "审核通过"
    REJECTED = "rejected", "退回"
    SUSPENDED = "suspended", "暂停执业"
    REINSTATED = "reinstated", "恢复执业"
    DEREGISTERED = "deregistered", "注销"


class CertKind(Labelled):
    ENGINEER_1 = "engineer_1", "一级注册消防工程师"
    ENGINEER_2 = "engineer_2", "二级注册消防工程师"
    OPERATOR = "operator", "消防设施操作员"


class CertStatus(Labelled):
    PENDING = "pending", "待核验"
    VALID = "valid", "有效"
    INVALID = "invalid", "无效"
    EXPIRED = "expired", "已过期"


class Position(Labelled):
    """Positions within an organisation (岗位)."""

    TECHNICAL_LEAD = "technical_lead", "技术负责人"
    PROJECT_LEAD = "project_lead", "项目负责人"
    ENGINEER = "engineer", "注册消防工程师"
    OPERATOR = "operator", "消防设施操作员"
    ADMIN = "admin", "机构管理人员"
    OTHER = "other", "其他从业人员"


class EmploymentStatus(Labelled):
    INVITED = "invited", "已邀请"
    ACTIVE = "active", "在职"
    ENDED = "ended", "已离职"
    DECLINED = "declined", "已谢绝"
    WITHDRAWN = "withdrawn", "邀请已撤回"


class EquipmentCategory(Labelled):
    """The categories of an organisation's declared equipment (仪器设备)."""

    BASIC = "basic", "基本设备"
    MAINTENANCE_TESTING = "maintenance_testing", "维护保养检测设备"
    ASSESSMENT = "assessment", "消防安全评估设备"


class IdentityStatus(Labelled):
    UNVERIFIED = "unverified", "未完成实名认证"
    VERIFIED = "verified", "已实名认证"


class FaceStatus(Labelled):
    """A practitioner's face enrolment (Practitioner.face_status); a FaceEnrolment request is one of the last three."""

    NONE = "none", "未采集"
    PENDING = "pending", "处理中"
    ENROLLED = "enrolled", "已采集"
    FAILED = "failed", "采集失败"


# The code lists as the rest of the backend reads them (value -> label, or values).
ORG_TYPES = OrgType.labels()
ORG_STATUSES = OrgStatus.values()
CERT_KINDS = CertKind.labels()
# 消防设施操作员 skill levels: 5 = 五级/初级 … 1 = 一级/高级技师 (lower number, higher level)
OPERATOR_LEVELS = {5: "五级/初级工", 4: "四级/中级工", 3: "三级/高级工", 2: "二级/技师", 1: "一级/高级技师"}
CERT_STATUSES = CertStatus.values()
POSITIONS = Position.labels()
EMPLOYMENT_STATUSES = EmploymentStatus.values()
# Face enrolment requests (one row per photo submitted; the photo itself is dropped once processed)
FACE_ENROLMENT_STATUSES = (FaceStatus.PENDING.value, FaceStatus.ENROLLED.value, FaceStatus.FAILED.value)

# Organisation documents (uploads): the column on Organization that holds each
ORG_DOCUMENTS = {
    "business_licence": "营业执照",
    "quality_system": "质量管理体系文件",
    "assessment_control": "评估过程控制体系文件",
}


class Organization(IdMixin, TimestampMixin, Base):
    __tablename__ = "organizations"

    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)  # public information, not encrypted
    name: Mapped[str] = mapped_column(sa.String(128), index=True)
    types: Mapped[list[Any]] = mapped_column(default=list)  # keys of ORG_TYPES
    legal_form: Mapped[str] = mapped_column(sa.String(32), default="企业法人")
    legal_rep_name: Mapped[str] = mapped_column(EncryptedText)
    legal_rep_id_number: Mapped[str] = mapped_column(EncryptedText)
    legal_rep_id_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    legal_rep_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    address: Mapped[str] = mapped_column(sa.String(256))
    lng: Mapped[float | None] = mapped_column()
    lat: Mapped[float | None] = mapped_column()
    district_code: Mapped[str | None] = mapped_column(sa.String(6), index=True)
    special_zone: Mapped[str | None] = mapped_column(sa.String(8))
    workplace_area_m2: Mapped[float] = mapped_column(default=0)
    quality_system_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    assessment_control_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    business_licence_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    status: Mapped[str] = mapped_column(sa.String(16), default="draft", index=True)
    review_reasons: Mapped[list[Any]] = mapped_column(default=list)
    registry_notes: Mapped[list[Any]] = mapped_column(default=list)  # national-system / big-data mismatches
    submitted_at: Mapped[datetime | None] = mapped_column()
    verified_at: Mapped[datetime | None] = mapped_column()
    # Last evaluation of the practice conditions (the live evaluation is realname.conditions.evaluate)
    conditions_met: Mapped[bool] = mapped_column(default=False)
    conditions_checked_at: Mapped[datetime | None] = mapped_column()
    conditions_ruleset: Mapped[str | None] = mapped_column(sa.String(32))
    imported: Mapped[bool] = mapped_column(default=False)
    is_trial: Mapped[bool] = mapped_column(default=False)

    equipment: Mapped[list[OrgEquipment]] = relationship(
        back_populates="org", cascade="all, delete-orphan", lazy="selectin", order_by="OrgEquipment.id"
    )


class OrgEquipment(IdMixin, Base):
    __tablename__ = "org_equipment"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(sa.String(24))  # basic | maintenance_testing | assessment
    name: Mapped[str] = mapped_column(sa.String(128))
    model: Mapped[str | None] = mapped_column(sa.String(64))
    serial_no: Mapped[str | None] = mapped_column(sa.String(64))
    quantity: Mapped[int] = mapped_column(default=1)
    calibration_due: Mapped[date | None] = mapped_column(sa.Date)

    org: Mapped[Organization] = relationship(back_populates="equipment")


class OrgReview(IdMixin, Base):
    """Each supervisor decision on an organisation's registration, kept as history."""

    __tablename__ = "org_reviews"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    reviewer_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(sa.String(16))  # approved | rejected | suspended | reinstated
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column()


class Practitioner(IdMixin, TimestampMixin, Base):
    __tablename__ = "practitioners"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(EncryptedText)
    name_masked: Mapped[str] = mapped_column(sa.String(32))  # for public lists without decrypting
    id_number: Mapped[str] = mapped_column(EncryptedText)
    id_number_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    identity_status: Mapped[str] = mapped_column(sa.String(16), default="unverified")  # unverified | verified
    registry_notes: Mapped[list[Any]] = mapped_column(default=list)
    # Whether the national system knows a person of this ID number under this name (last check)
    registry_known: Mapped[bool] = mapped_column(default=False)
    registry_checked_at: Mapped[datetime | None] = mapped_column()
    identity_verified_at: Mapped[datetime | None] = mapped_column()
    # Biometrics (PIPL 第二十八–二十九条): separate consent first; the encoding is encrypted; photos are not kept.
    biometric_consent_version: Mapped[str | None] = mapped_column(sa.String(16))
    biometric_consent_at: Mapped[datetime | None] = mapped_column()
    biometric_consent_withdrawn_at: Mapped[datetime | None] = mapped_column()
    face_status: Mapped[str] = mapped_column(sa.String(16), default="none")  # none | pending | enrolled | failed
    face_fail_reason: Mapped[str | None] = mapped_column(sa.String(32))
    face_encoding: Mapped[bytes | None] = mapped_column(EncryptedBytes)
    face_enrolled_at: Mapped[datetime | None] = mapped_column()
    # The alternative to face recognition: a supervisor-approved identity check, visible in the profile.
    alt_identity_approved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    alt_identity_approved_at: Mapped[datetime | None] = mapped_column()
    alt_identity_method: Mapped[str | None] = mapped_column(sa.String(64))
    alt_identity_note: Mapped[str | None] = mapped_column(sa.String(500))
    alt_identity_requested_at: Mapped[datetime | None] = mapped_column()
    alt_identity_request_note: Mapped[str | None] = mapped_column(sa.String(500))
    signature_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    imported: Mapped[bool] = mapped_column(default=False)
    is_trial: Mapped[bool] = mapped_column(default=False)

    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="practitioner",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="Certificate.id",
    )


class Certificate(IdMixin, TimestampMixin, Base):
    __tablename__ = "certificates"

    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("practitioners.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # keys of CERT_KINDS
    level: Mapped[int | None] = mapped_column()  # operators: keys of OPERATOR_LEVELS
    cert_no: Mapped[str] = mapped_column(sa.String(64), index=True)
    registration_no: Mapped[str | None] = mapped_column(sa.String(64), index=True)  # engineers
    registered_org_credit_code: Mapped[str | None] = mapped_column(sa.String(18))  # per the national system
    issued_on: Mapped[date | None] = mapped_column(sa.Date)
    expires_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    check_notes: Mapped[list[Any]] = mapped_column(default=list)
    checked_at: Mapped[datetime | None] = mapped_column()
    photo_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))

    practitioner: Mapped[Practitioner] = relationship(back_populates="certificates")

    __table_args__ = (sa.UniqueConstraint("kind", "cert_no", name="uq_certificates_kind_cert_no"),)


class Employment(IdMixin, TimestampMixin, Base):
    """At most one active employment per practitioner (第十一条): a partial unique index enforces it."""

    __tablename__ = "employments"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    practitioner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("practitioners.id"), index=True)
    invited_phone_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    invited_phone_masked: Mapped[str | None] = mapped_column(sa.String(16))  # 138****5678, shown to the org
    invited_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    position: Mapped[str] = mapped_column(sa.String(24))  # keys of POSITIONS
    status: Mapped[str] = mapped_column(sa.String(16), default="invited")
    invited_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    ended_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(sa.String(200))
    imported: Mapped[bool] = mapped_column(default=False)
    is_trial: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        sa.Index(
            "uq_employments_one_active",
            "practitioner_id",
            unique=True,
            postgresql_where=sa.text("status = 'active'"),
            sqlite_where=sa.text("status = 'active'"),
        ),
    )


class FaceEnrolment(IdMixin, Base):
    """One submitted enrolment photo and what became of it.

    The photo waits here, encrypted, only until the biometrics job has encoded it: the job sets `photo` to
    NULL whatever the outcome (PIPL 第四十七条: delete once the purpose is met), so the database never holds
    an enrolment photo longer than the queue's delay. Job arguments carry only this row's id, never the photo.
    The hashes stay: they are not biometric data and let check-ins refuse a replay of the enrolment photo.
    """

    __tablename__ = "face_enrolments"

    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("practitioners.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")  # FACE_ENROLMENT_STATUSES
    fail_reason: Mapped[str | None] = mapped_column(sa.String(32))
    photo: Mapped[bytes | None] = mapped_column(EncryptedBytes)
    photo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    photo_phash: Mapped[str | None] = mapped_column(sa.String(32))
    face_px: Mapped[int | None] = mapped_column()
    replaces_previous: Mapped[bool] = mapped_column(default=False)
    requested_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column()
    processed_at: Mapped[datetime | None] = mapped_column()


class IntegrityEvidence(IdMixin, Base):
    """Refused or suspicious acts kept as evidence for warnings (挂证: a second employer, a certificate the
    national system registers to another organisation)."""

    __tablename__ = "integrity_evidence"

    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    practitioner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("practitioners.id"), index=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column()
    is_trial: Mapped[bool] = mapped_column(default=False)

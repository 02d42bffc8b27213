"""Supervision records: inspections with their follow-ups and photos, spot checks, penalties."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.db import Base, IdMixin, TimestampMixin
from backend.core.timeutil import utcnow
from backend.modules.projects.models import Project, SiteVisit
from backend.modules.realname.models import Organization, Practitioner


class Inspection(IdMixin, TimestampMixin, Base):
    """现场检查 of a project or of an organisation. The district columns are copied from the subject when the
    inspection is recorded, so that jurisdiction filters need no join and stay true to where it happened."""

    __tablename__ = "inspections"

    subject_kind: Mapped[str] = mapped_column(sa.String(16))  # project | organization
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    check_type: Mapped[str] = mapped_column(sa.String(16))  # keys of rules.CHECK_TYPES
    district_code: Mapped[str | None] = mapped_column(sa.String(6))
    special_zone: Mapped[str | None] = mapped_column(sa.String(8))
    inspector_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    inspected_at: Mapped[datetime] = mapped_column()
    checklist: Mapped[list[Any]] = mapped_column(default=list)  # [{code, result, note}]
    findings: Mapped[str | None] = mapped_column(sa.String(4000))
    # where the inspector stood, WGS-84, and how far that was from the subject's geofence
    lng: Mapped[float | None] = mapped_column()
    lat: Mapped[float | None] = mapped_column()
    submitted_crs: Mapped[str | None] = mapped_column(sa.String(8))
    accuracy_m: Mapped[float | None] = mapped_column()
    distance_to_fence_m: Mapped[float | None] = mapped_column()
    location_flags: Mapped[list[Any]] = mapped_column(default=list)
    result: Mapped[str] = mapped_column(sa.String(16))  # keys of rules.INSPECTION_RESULTS
    rectification_deadline: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(16))  # keys of rules.INSPECTION_STATUSES
    closed_at: Mapped[datetime | None] = mapped_column()
    is_trial: Mapped[bool] = mapped_column(default=False)

    org: Mapped[Organization] = relationship(lazy="joined")
    project: Mapped[Project | None] = relationship(lazy="joined")
    follow_ups: Mapped[list[InspectionFollowUp]] = relationship(
        back_populates="inspection", lazy="selectin", order_by="InspectionFollowUp.id"
    )
    photos: Mapped[list[InspectionPhoto]] = relationship(
        back_populates="inspection", lazy="selectin", order_by="InspectionPhoto.id"
    )

    __table_args__ = (
        sa.Index("ix_inspections_district_id", "district_code", "id"),
        sa.Index("ix_inspections_special_zone_id", "special_zone", "id"),
        sa.Index("ix_inspections_status_deadline", "status", "rectification_deadline"),
    )


class InspectionFollowUp(IdMixin, Base):
    """整改跟踪: each visit or decision after the inspection, until one closes it."""

    __tablename__ = "inspection_follow_ups"

    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    recorded_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(sa.String(16))  # keys of rules.FOLLOW_UP_OUTCOMES
    note: Mapped[str] = mapped_column(sa.String(2000))
    penalty_id: Mapped[int | None] = mapped_column(sa.ForeignKey("penalties.id"))
    is_trial: Mapped[bool] = mapped_column(default=False)

    inspection: Mapped[Inspection] = relationship(back_populates="follow_ups")


class InspectionPhoto(IdMixin, Base):
    __tablename__ = "inspection_photos"

    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    follow_up_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspection_follow_ups.id"))
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    caption: Mapped[str | None] = mapped_column(sa.String(200))
    uploaded_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_trial: Mapped[bool] = mapped_column(default=False)

    inspection: Mapped[Inspection] = relationship(back_populates="photos")


class SpotCheckBatch(IdMixin, Base):
    """A random draw among the practitioners checked in at one moment: kept as evidence that the selection
    was random (双随机) and of how many were eligible."""

    __tablename__ = "spot_check_batches"

    issued_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    jurisdiction: Mapped[str | None] = mapped_column(sa.String(16))
    share_percent: Mapped[float] = mapped_column()
    population: Mapped[int] = mapped_column()
    selected: Mapped[int] = mapped_column()
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_trial: Mapped[bool] = mapped_column(default=False)


class SpotCheck(IdMixin, Base):
    """实时抽查 of one checked-in practitioner: issued → passed | failed | expired."""

    __tablename__ = "spot_checks"

    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("spot_check_batches.id"), index=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("site_visits.id"), index=True)
    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("practitioners.id"))
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    district_code: Mapped[str | None] = mapped_column(sa.String(6))
    special_zone: Mapped[str | None] = mapped_column(sa.String(8))
    issued_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(16), default="issued")
    notified_via: Mapped[str | None] = mapped_column(sa.String(16))  # wechat | sms | none
    notified_at: Mapped[datetime | None] = mapped_column()
    notify_error: Mapped[str | None] = mapped_column(sa.String(200))
    answered_at: Mapped[datetime | None] = mapped_column()
    device_time: Mapped[datetime | None] = mapped_column()
    lng: Mapped[float | None] = mapped_column()
    lat: Mapped[float | None] = mapped_column()
    submitted_crs: Mapped[str | None] = mapped_column(sa.String(8))
    accuracy_m: Mapped[float | None] = mapped_column()
    distance_to_fence_m: Mapped[float | None] = mapped_column()
    identity_method: Mapped[str | None] = mapped_column(sa.String(16))  # face | alternative
    face_distance: Mapped[float | None] = mapped_column()
    face_passed: Mapped[bool | None] = mapped_column()
    photo_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    failure_reasons: Mapped[list[Any]] = mapped_column(default=list)
    flags: Mapped[list[Any]] = mapped_column(default=list)
    closed_at: Mapped[datetime | None] = mapped_column()
    is_trial: Mapped[bool] = mapped_column(default=False)

    visit: Mapped[SiteVisit] = relationship(lazy="joined")
    project: Mapped[Project] = relationship(lazy="joined")
    org: Mapped[Organization] = relationship(lazy="joined")
    practitioner: Mapped[Practitioner] = relationship(lazy="joined")

    __table_args__ = (
        sa.Index("ix_spot_checks_status_deadline", "status", "deadline_at"),
        # one pending spot check per visit, even when two supervisors issue at the same moment
        sa.Index(
            "uq_spot_checks_one_pending",
            "visit_id",
            unique=True,
            postgresql_where=sa.text("status = 'issued'"),
            sqlite_where=sa.text("status = 'issued'"),
        ),
        sa.Index("ix_spot_checks_practitioner_status", "practitioner_id", "status"),
        sa.Index("ix_spot_checks_district_id", "district_code", "id"),
    )


class Penalty(IdMixin, TimestampMixin, Base):
    """行政处罚决定. The organisation is always named (for a practitioner: the employer concerned), so the
    decision has a jurisdiction and appears on the organisation's profile."""

    __tablename__ = "penalties"

    decision_no: Mapped[str] = mapped_column(sa.String(64), unique=True)
    basis: Mapped[str] = mapped_column(sa.String(24))  # keys of rules.PENALTY_BASES
    ruleset: Mapped[str] = mapped_column(sa.String(48))
    facts: Mapped[str] = mapped_column(sa.String(4000))
    subject_kind: Mapped[str] = mapped_column(sa.String(16))  # organization | practitioner
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    practitioner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("practitioners.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspections.id"))
    amount_yuan: Mapped[int] = mapped_column()
    decided_on: Mapped[date] = mapped_column(sa.Date)
    is_public: Mapped[bool] = mapped_column(default=False)
    credit_points: Mapped[int] = mapped_column(default=0)  # 积分信用 deduction (第三十一条)
    district_code: Mapped[str | None] = mapped_column(sa.String(6))
    special_zone: Mapped[str | None] = mapped_column(sa.String(8))
    issued_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    is_trial: Mapped[bool] = mapped_column(default=False)

    org: Mapped[Organization] = relationship(lazy="joined")
    practitioner: Mapped[Practitioner | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.Index("ix_penalties_public_decided", "is_public", "decided_on", "id"),
        sa.Index("ix_penalties_district_id", "district_code", "id"),
    )

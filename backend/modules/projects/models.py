"""Projects and on-site practice: registration, publicity, maintenance plans, visits, records, defects."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.crypto import EncryptedText
from backend.core.db import Base, IdMixin, TimestampMixin
from backend.core.vocabulary import Labelled


class ServiceType(Labelled):
    MAINTENANCE = "maintenance", "维护保养"
    TESTING = "testing", "检测"
    ASSESSMENT = "assessment", "评估"


class ProjectStatus(Labelled):
    REGISTERED = "registered", "已登记"
    PUBLISHED = "published", "公示中"
    IN_SERVICE = "in_service", "服务中"
    CONCLUDED = "concluded", "已完结"
    ARCHIVED = "archived", "已归档"
    CANCELLED = "cancelled", "已撤销"
    NEEDS_SUPPLEMENT = "needs_supplement", "待补充信息"


class VisitStatus(Labelled):
    REJECTED = "rejected", "签到被拒"
    CHECKED_IN = "checked_in", "在场"
    CHECKED_OUT = "checked_out", "已签退"


class RecordResult(Labelled):
    NORMAL = "normal", "正常"
    DEFECT = "defect", "发现故障/隐患"
    FIXED = "fixed", "已当场修复"


class DefectSeverity(Labelled):
    SERIOUS = "serious", "严重"
    GENERAL = "general", "一般"
    ADVICE = "advice", "建议"


class DefectStatus(Labelled):
    OPEN = "open", "待整改"
    REPAIRED = "repaired", "已维修，待机构核验"
    CLOSED = "closed", "已整改"


# The code lists as the rest of the backend reads them (values, or value -> label).
SERVICE_TYPES = ServiceType.labels()
PROJECT_STATUSES = ProjectStatus.values()
VISIT_STATUSES = VisitStatus.values()
RECORD_RESULTS = RecordResult.labels()
DEFECT_SEVERITIES = DefectSeverity.labels()
DEFECT_STATUSES = DefectStatus.values()


class Project(IdMixin, TimestampMixin, Base):
    __tablename__ = "projects"

    project_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    service_type: Mapped[str] = mapped_column(sa.String(16))  # keys of SERVICE_TYPES
    name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20), default="registered")
    # client unit (委托单位); the contact is personal data
    client_name: Mapped[str] = mapped_column(sa.String(200))
    client_credit_code: Mapped[str | None] = mapped_column(sa.String(18))
    client_contact_name: Mapped[str | None] = mapped_column(EncryptedText)
    client_contact_phone: Mapped[str | None] = mapped_column(EncryptedText)
    client_contact_phone_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    client_contact_openid: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    # building
    building_name: Mapped[str] = mapped_column(sa.String(200))
    building_address: Mapped[str] = mapped_column(sa.String(256))
    building_use: Mapped[str | None] = mapped_column(sa.String(64))
    floor_area_m2: Mapped[float | None] = mapped_column()
    height_m: Mapped[float | None] = mapped_column()
    floors_above: Mapped[int | None] = mapped_column()
    floors_below: Mapped[int | None] = mapped_column()
    facility_systems: Mapped[list[Any]] = mapped_column(default=list)  # catalogue system codes
    # When the fire-protection systems went into service: GB 50166 cleans smoke detectors 2 years after that,
    # then every 3 years, so the plan needs the date.
    facilities_in_service_on: Mapped[date | None] = mapped_column(sa.Date)
    # location, stored in WGS-84 (the datum submitted is kept for the record)
    lng: Mapped[float | None] = mapped_column()
    lat: Mapped[float | None] = mapped_column()
    coord_source_crs: Mapped[str | None] = mapped_column(sa.String(8))
    geofence: Mapped[dict[str, Any] | None] = mapped_column()  # GeoJSON Polygon/MultiPolygon in WGS-84
    district_code: Mapped[str | None] = mapped_column(sa.String(6))
    special_zone: Mapped[str | None] = mapped_column(sa.String(8))
    district_corrected_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    contract_start: Mapped[date | None] = mapped_column(sa.Date)
    contract_end: Mapped[date | None] = mapped_column(sa.Date)
    lead_practitioner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("practitioners.id"), index=True)
    published_at: Mapped[datetime | None] = mapped_column()
    concluded_at: Mapped[datetime | None] = mapped_column()
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(200))
    imported: Mapped[bool] = mapped_column(default=False)
    is_trial: Mapped[bool] = mapped_column(default=False)

    members: Mapped[list[ProjectMember]] = relationship(
        back_populates="project", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        sa.Index("ix_projects_district_status_id", "district_code", "status", "id"),
        sa.Index("ix_projects_org_id_id", "org_id", "id"),
        sa.Index("ix_projects_special_zone", "special_zone"),
    )


class ProjectMember(IdMixin, Base):
    __tablename__ = "project_members"

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("practitioners.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16), default="member")  # lead | member

    project: Mapped[Project] = relationship(back_populates="members")

    __table_args__ = (sa.UniqueConstraint("project_id", "practitioner_id", name="uq_project_members_pair"),)


class MaintenancePlan(IdMixin, TimestampMixin, Base):
    __tablename__ = "maintenance_plans"

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), unique=True)
    catalogue_version: Mapped[str] = mapped_column(sa.String(32))
    start_month: Mapped[date] = mapped_column(sa.Date)  # first day of the first planned month
    end_month: Mapped[date] = mapped_column(sa.Date)
    tolerance_days: Mapped[int] = mapped_column(default=7)

    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", lazy="selectin", order_by="PlanItem.id"
    )


class PlanItem(IdMixin, Base):
    __tablename__ = "plan_items"

    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("maintenance_plans.id", ondelete="CASCADE"), index=True)
    system_code: Mapped[str] = mapped_column(sa.String(32))
    item_code: Mapped[str] = mapped_column(sa.String(48))
    name: Mapped[str] = mapped_column(sa.String(200))
    frequency: Mapped[str] = mapped_column(sa.String(16))  # daily|weekly|monthly|quarterly|half_yearly|yearly|triennial
    clause: Mapped[str | None] = mapped_column(sa.String(128))  # the standard clause it implements
    months: Mapped[list[Any]] = mapped_column(default=list)  # "YYYY-MM" months in which it is due
    enabled: Mapped[bool] = mapped_column(default=True)

    plan: Mapped[MaintenancePlan] = relationship(back_populates="items")


class SiteVisit(IdMixin, Base):
    """A check-in (accepted, with flags, or refused with reasons) and its check-out."""

    __tablename__ = "site_visits"

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("practitioners.id"))
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    status: Mapped[str] = mapped_column(sa.String(16))  # keys of VISIT_STATUSES
    idempotency_key: Mapped[str] = mapped_column(sa.String(64))
    checked_in_at: Mapped[datetime] = mapped_column()  # server time of receipt
    device_time: Mapped[datetime | None] = mapped_column()  # when the device captured it (offline queue)
    lng: Mapped[float] = mapped_column()
    lat: Mapped[float] = mapped_column()
    accuracy_m: Mapped[float | None] = mapped_column()
    submitted_crs: Mapped[str] = mapped_column(sa.String(8))
    distance_to_fence_m: Mapped[float | None] = mapped_column()
    face_distance: Mapped[float | None] = mapped_column()
    face_passed: Mapped[bool | None] = mapped_column()
    identity_method: Mapped[str] = mapped_column(sa.String(16), default="face")  # face | alternative
    photo_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    device_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    flags: Mapped[list[Any]] = mapped_column(default=list)  # accepted with these concerns
    reasons: Mapped[list[Any]] = mapped_column(default=list)  # refused for these
    checked_out_at: Mapped[datetime | None] = mapped_column()
    checkout_lng: Mapped[float | None] = mapped_column()
    checkout_lat: Mapped[float | None] = mapped_column()
    checkout_distance_m: Mapped[float | None] = mapped_column()
    duration_s: Mapped[int | None] = mapped_column()
    district_code: Mapped[str | None] = mapped_column(sa.String(6))
    special_zone: Mapped[str | None] = mapped_column(sa.String(8))
    is_trial: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        sa.UniqueConstraint("practitioner_id", "idempotency_key", name="uq_site_visits_idempotency"),
        sa.Index("ix_site_visits_project_id_id", "project_id", "id"),
        # photo replay: has this exact file been used by another visit?
        sa.Index("ix_site_visits_photo_file_id", "photo_file_id"),
        # the sweep that closes visits left open
        sa.Index("ix_site_visits_status_checked_in", "status", "checked_in_at"),
        sa.Index("ix_site_visits_practitioner_checked_in", "practitioner_id", "checked_in_at"),
        sa.Index("ix_site_visits_org_checked_in", "org_id", "checked_in_at"),
        sa.Index("ix_site_visits_district_checked_in", "district_code", "checked_in_at"),
        sa.Index("ix_site_visits_device_checked_in", "device_id", "checked_in_at"),
    )


class WorkRecord(IdMixin, Base):
    __tablename__ = "work_records"

    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("site_visits.id"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("practitioners.id"))
    plan_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan_items.id"), index=True)
    system_code: Mapped[str | None] = mapped_column(sa.String(32))
    plan_month: Mapped[str | None] = mapped_column(sa.String(7))  # "YYYY-MM": the plan month the work counts for
    result: Mapped[str] = mapped_column(sa.String(16))  # keys of RECORD_RESULTS
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    photo_file_ids: Mapped[list[Any]] = mapped_column(default=list)
    idempotency_key: Mapped[str] = mapped_column(sa.String(64))
    device_time: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    is_trial: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (sa.UniqueConstraint("practitioner_id", "idempotency_key", name="uq_work_records_idempotency"),)


class Defect(IdMixin, TimestampMixin, Base):
    """故障/隐患 found on site: visible to the client; closes only through a verified repair record."""

    __tablename__ = "defects"

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    work_record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_records.id"))
    plan_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan_items.id"))
    system_code: Mapped[str | None] = mapped_column(sa.String(32))
    severity: Mapped[str] = mapped_column(sa.String(16))  # keys of DEFECT_SEVERITIES
    description: Mapped[str] = mapped_column(sa.String(1000))
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    found_by: Mapped[int | None] = mapped_column(sa.ForeignKey("practitioners.id"))
    closed_at: Mapped[datetime | None] = mapped_column()
    client_confirmed_at: Mapped[datetime | None] = mapped_column()
    is_trial: Mapped[bool] = mapped_column(default=False)


class RepairRecord(IdMixin, Base):
    __tablename__ = "repair_records"

    defect_id: Mapped[int] = mapped_column(sa.ForeignKey("defects.id", ondelete="CASCADE"), index=True)
    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("practitioners.id"))
    description: Mapped[str] = mapped_column(sa.String(1000))
    photo_file_ids: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column()
    verified_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # the organisation verifies
    verified_at: Mapped[datetime | None] = mapped_column()
    verdict: Mapped[str | None] = mapped_column(sa.String(16))  # approved | rejected, once verified
    verification_note: Mapped[str | None] = mapped_column(sa.String(500))
    is_trial: Mapped[bool] = mapped_column(default=False)

"""Process monitoring: warning rules and their versioned settings, warnings with their workflow and in-app
notifications, monthly reports and scores (docs/design.md §4 "Warnings" and "Score")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, TimestampMixin
from backend.core.timeutil import utcnow
from backend.core.vocabulary import Labelled
from backend.modules.realname.models import Employment


class WarningSeverity(Labelled):
    HIGH = "high", "高"
    MEDIUM = "medium", "中"
    LOW = "low", "低"


class WarningStatus(Labelled):
    OPEN = "open", "待处理"
    ACKNOWLEDGED = "acknowledged", "已确认"
    RESOLVED = "resolved", "已处置"
    DISMISSED = "dismissed", "已排除"


class WarningSubjectKind(Labelled):
    ORGANIZATION = "organization", "机构"
    PRACTITIONER = "practitioner", "从业人员"
    PROJECT = "project", "项目"


class ReportStatus(Labelled):
    COMPILED = "compiled", "待提交"
    SUBMITTED = "submitted", "已提交"


class ItemProgressStatus(Labelled):
    """How far a maintenance-plan item got in a month (tracking.ItemProgress.status)."""

    DONE = "done", "完成"
    PARTIAL = "partial", "部分"
    NOT_DONE = "not_done", "未做"
    OUTSIDE_WINDOW = "outside_window", "仅容许期外"


# The code lists as the rest of the backend reads them (value -> label, or values).
SEVERITIES = WarningSeverity.labels()
WARNING_STATUSES = WarningStatus.labels()
OPEN_WARNING_STATUSES = (WarningStatus.OPEN.value, WarningStatus.ACKNOWLEDGED.value)
SUBJECT_KINDS = WarningSubjectKind.labels()
REPORT_STATUSES = ReportStatus.labels()
GRADES = ("A", "B", "C", "D")


class RuleSetting(IdMixin, Base):
    """One version of one rule's settings. The latest version is in force; older ones are the history of who
    changed what, when and why (thresholds change with regulations and with experience)."""

    __tablename__ = "monitoring_rule_settings"

    rule: Mapped[str] = mapped_column(sa.String(48))
    version: Mapped[int] = mapped_column()
    enabled: Mapped[bool] = mapped_column(default=True)
    severity: Mapped[str] = mapped_column(sa.String(8))
    thresholds: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    changed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("rule", "version", name="uq_monitoring_rule_settings_rule_version"),)


class MonitoringWarning(IdMixin, TimestampMixin, Base):
    """预警: one rule's finding about one subject in one period (a day or a month). The unique key makes the
    scans idempotent: a finding seen again adds its evidence to the warning instead of raising another."""

    __tablename__ = "monitoring_warnings"

    rule: Mapped[str] = mapped_column(sa.String(48))
    rule_version: Mapped[int] = mapped_column(default=0)  # 0: the configuration defaults were in force
    severity: Mapped[str] = mapped_column(sa.String(8))
    subject_kind: Mapped[str] = mapped_column(sa.String(16))  # keys of SUBJECT_KINDS
    subject_id: Mapped[int] = mapped_column(sa.BigInteger)
    period_key: Mapped[str] = mapped_column(sa.String(16))  # "YYYY-MM-DD" or "YYYY-MM"
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    practitioner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("practitioners.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    district_code: Mapped[str | None] = mapped_column(sa.String(6))
    special_zone: Mapped[str | None] = mapped_column(sa.String(8))
    summary: Mapped[str] = mapped_column(sa.String(500))
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"visit_ids": [...], ...}
    org_visible: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledge_note: Mapped[str | None] = mapped_column(sa.String(1000))
    closed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column()
    close_note: Mapped[str | None] = mapped_column(sa.String(1000))
    is_trial: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        sa.UniqueConstraint("rule", "subject_kind", "subject_id", "period_key", name="uq_monitoring_warnings_dedupe"),
        sa.Index("ix_monitoring_warnings_district_id", "district_code", "id"),
        sa.Index("ix_monitoring_warnings_special_zone_id", "special_zone", "id"),
        sa.Index("ix_monitoring_warnings_org_id_id", "org_id", "id"),
        sa.Index("ix_monitoring_warnings_status_district", "status", "district_code"),
        sa.Index("ix_monitoring_warnings_detected_at", "detected_at"),
    )


class WarningNotification(IdMixin, Base):
    """In-app notice of a warning to one user: the jurisdiction's supervisors, and the organisation's admins
    for the warnings it may see. Read from the notification list (GET /monitoring/notifications)."""

    __tablename__ = "monitoring_notifications"
    __audit__ = False  # derived from the warning (itself audited); read marks are not business writes

    warning_id: Mapped[int] = mapped_column(sa.ForeignKey("monitoring_warnings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (sa.Index("ix_monitoring_notifications_user_id_id", "user_id", "id"),)


class MonthlyReport(IdMixin, TimestampMixin, Base):
    """月度报表: compiled on the 1st from the previous month's data, reviewed and submitted by the organisation
    by the due day (the 10th by default)."""

    __tablename__ = "monthly_reports"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    month: Mapped[str] = mapped_column(sa.String(7))  # "YYYY-MM"
    status: Mapped[str] = mapped_column(sa.String(16), default="compiled")  # keys of REPORT_STATUSES
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    compiled_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date] = mapped_column(sa.Date)
    submitted_at: Mapped[datetime | None] = mapped_column()
    submitted_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    remarks: Mapped[str | None] = mapped_column(sa.String(1000))
    late: Mapped[bool] = mapped_column(default=False)
    district_code: Mapped[str | None] = mapped_column(sa.String(6))
    special_zone: Mapped[str | None] = mapped_column(sa.String(8))
    is_trial: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        sa.UniqueConstraint("org_id", "month", name="uq_monthly_reports_org_month"),
        sa.Index("ix_monthly_reports_district_id", "district_code", "id"),
        sa.Index("ix_monthly_reports_month_status", "month", "status"),
    )


class Score(IdMixin, Base):
    """画像 score of an organisation or a practitioner: the sum of its factors' contributions, in tenths of a
    point so that the factors add up to the score exactly."""

    __tablename__ = "monitoring_scores"
    __audit__ = False  # derived data, recomputed nightly; the inputs are audited where they are written

    subject_kind: Mapped[str] = mapped_column(sa.String(16))  # organization | practitioner
    subject_id: Mapped[int] = mapped_column(sa.BigInteger)
    org_id: Mapped[int | None] = mapped_column(sa.BigInteger)  # the organisation, or the practitioner's employer
    district_code: Mapped[str | None] = mapped_column(sa.String(6))
    special_zone: Mapped[str | None] = mapped_column(sa.String(8))
    score_tenths: Mapped[int] = mapped_column()
    grade: Mapped[str] = mapped_column(sa.String(1))
    factors: Mapped[list[Any]] = mapped_column(default=list)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_trial: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        sa.UniqueConstraint("subject_kind", "subject_id", name="uq_monitoring_scores_subject"),
        sa.Index("ix_monitoring_scores_ranking", "subject_kind", "score_tenths", "id"),
    )

    @property
    def score(self) -> float:
        return self.score_tenths / 10


class ScanState(Base):
    """Where each periodic scan got to: the event scan's last timeline event, the daily scan's last run."""

    __tablename__ = "monitoring_scan_state"
    __audit__ = False

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    last_run_at: Mapped[datetime | None] = mapped_column()


# Indexes on other modules' tables that the monitoring queries need at Shanghai scale. Declared here, beside the
# migration that creates them (7a1b2c3d4e5f), so that models and migrations agree; the owning module may adopt
# them into its own table definition.
#  - staff counts by district (the dashboard's practitioners figure): 10 ms -> 1.7 ms for one district at
#    30,000 practitioners, as an index-only nested loop from the district's organisations.
sa.Index("ix_employments_org_status_practitioner", Employment.org_id, Employment.status, Employment.practitioner_id)

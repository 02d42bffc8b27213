"""monitoring: warning rules (versioned settings), warnings and notifications, monthly reports, scores

Revision ID: 7a1b2c3d4e5f
Revises: 5e9a1b2c3d4e
Create Date: 2026-11-25 13:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import backend.core.crypto
import backend.core.db

revision: str = "7a1b2c3d4e5f"
down_revision: str | None = "5e9a1b2c3d4e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitoring_scan_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("last_run_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_monitoring_scan_state")),
    )
    op.create_table(
        "monitoring_scores",
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("special_zone", sa.String(length=8), nullable=True),
        sa.Column("score_tenths", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column(
            "factors", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("computed_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_trial", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_scores")),
        sa.UniqueConstraint("subject_kind", "subject_id", name="uq_monitoring_scores_subject"),
    )
    with op.batch_alter_table("monitoring_scores", schema=None) as batch_op:
        batch_op.create_index("ix_monitoring_scores_ranking", ["subject_kind", "score_tenths", "id"], unique=False)
    op.create_table(
        "monitoring_rule_settings",
        sa.Column("rule", sa.String(length=48), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column(
            "thresholds", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("changed_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_monitoring_rule_settings_changed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_rule_settings")),
        sa.UniqueConstraint("rule", "version", name="uq_monitoring_rule_settings_rule_version"),
    )
    op.create_table(
        "monthly_reports",
        sa.Column("org_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "figures", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("compiled_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("submitted_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("remarks", sa.String(length=1000), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("special_zone", sa.String(length=8), nullable=True),
        sa.Column("is_trial", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_monthly_reports_org_id_organizations")),
        sa.ForeignKeyConstraint(["submitted_by"], ["users.id"], name=op.f("fk_monthly_reports_submitted_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_reports")),
        sa.UniqueConstraint("org_id", "month", name="uq_monthly_reports_org_month"),
    )
    with op.batch_alter_table("monthly_reports", schema=None) as batch_op:
        batch_op.create_index("ix_monthly_reports_district_id", ["district_code", "id"], unique=False)
        batch_op.create_index("ix_monthly_reports_month_status", ["month", "status"], unique=False)
    op.create_table(
        "monitoring_warnings",
        sa.Column("rule", sa.String(length=48), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("org_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("practitioner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("special_zone", sa.String(length=8), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column(
            "evidence", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("org_visible", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detected_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("acknowledged_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledge_note", sa.String(length=1000), nullable=True),
        sa.Column("closed_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("closed_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("close_note", sa.String(length=1000), nullable=True),
        sa.Column("is_trial", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"], ["users.id"], name=op.f("fk_monitoring_warnings_acknowledged_by_users")
        ),
        sa.ForeignKeyConstraint(["closed_by"], ["users.id"], name=op.f("fk_monitoring_warnings_closed_by_users")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_monitoring_warnings_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"], ["practitioners.id"], name=op.f("fk_monitoring_warnings_practitioner_id_practitioners")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_monitoring_warnings_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_warnings")),
        sa.UniqueConstraint("rule", "subject_kind", "subject_id", "period_key", name="uq_monitoring_warnings_dedupe"),
    )
    with op.batch_alter_table("monitoring_warnings", schema=None) as batch_op:
        batch_op.create_index("ix_monitoring_warnings_detected_at", ["detected_at"], unique=False)
        batch_op.create_index("ix_monitoring_warnings_district_id", ["district_code", "id"], unique=False)
        batch_op.create_index("ix_monitoring_warnings_org_id_id", ["org_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_monitoring_warnings_practitioner_id"), ["practitioner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_monitoring_warnings_project_id"), ["project_id"], unique=False)
        batch_op.create_index("ix_monitoring_warnings_special_zone_id", ["special_zone", "id"], unique=False)
        batch_op.create_index("ix_monitoring_warnings_status_district", ["status", "district_code"], unique=False)
    op.create_table(
        "monitoring_notifications",
        sa.Column("warning_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_monitoring_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["monitoring_warnings.id"],
            name=op.f("fk_monitoring_notifications_warning_id_monitoring_warnings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_notifications")),
    )
    with op.batch_alter_table("monitoring_notifications", schema=None) as batch_op:
        batch_op.create_index("ix_monitoring_notifications_user_id_id", ["user_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_monitoring_notifications_warning_id"), ["warning_id"], unique=False)

    # The dashboard's staff count by district at Shanghai scale (declared in backend/modules/monitoring/models.py).
    with op.batch_alter_table("employments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_employments_org_status_practitioner", ["org_id", "status", "practitioner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("employments", schema=None) as batch_op:
        batch_op.drop_index("ix_employments_org_status_practitioner")
    with op.batch_alter_table("monitoring_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_notifications_warning_id"))
        batch_op.drop_index("ix_monitoring_notifications_user_id_id")
    op.drop_table("monitoring_notifications")
    with op.batch_alter_table("monitoring_warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_monitoring_warnings_status_district")
        batch_op.drop_index("ix_monitoring_warnings_special_zone_id")
        batch_op.drop_index(batch_op.f("ix_monitoring_warnings_project_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_warnings_practitioner_id"))
        batch_op.drop_index("ix_monitoring_warnings_org_id_id")
        batch_op.drop_index("ix_monitoring_warnings_district_id")
        batch_op.drop_index("ix_monitoring_warnings_detected_at")
    op.drop_table("monitoring_warnings")
    with op.batch_alter_table("monthly_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_monthly_reports_month_status")
        batch_op.drop_index("ix_monthly_reports_district_id")
    op.drop_table("monthly_reports")
    op.drop_table("monitoring_rule_settings")
    with op.batch_alter_table("monitoring_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_monitoring_scores_ranking")
    op.drop_table("monitoring_scores")
    op.drop_table("monitoring_scan_state")

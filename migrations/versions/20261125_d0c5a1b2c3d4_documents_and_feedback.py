"""documents and feedback

Revision ID: d0c5a1b2c3d4
Revises: 07898850490a
Create Date: 2026-11-25 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import backend.core.crypto
import backend.core.db

revision: str = "d0c5a1b2c3d4"
down_revision: str | None = "07898850490a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "official_followers",
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("subscribed_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_scene", sa.String(length=64), nullable=True),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_followers")),
        sa.UniqueConstraint("openid", name=op.f("uq_official_followers_openid")),
    )
    op.create_table(
        "conclusion_documents",
        sa.Column("report_number", sa.String(length=40), nullable=True),
        sa.Column("project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("doc_type", sa.String(length=24), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("items", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False),
        sa.Column(
            "defects", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("conclusion", sa.Text(), nullable=False),
        sa.Column("project_lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("technical_lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "block_reasons", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("flags", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False),
        sa.Column("evaluated_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("effective_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("pdf_file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("token", sa.Text(), nullable=True),
        sa.Column("signing_key_id", sa.String(length=64), nullable=True),
        sa.Column("issued_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("revoke_reason", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("special_zone", sa.String(length=8), nullable=True),
        sa.Column("is_trial", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_conclusion_documents_created_by_users")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_conclusion_documents_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["pdf_file_id"], ["stored_files.id"], name=op.f("fk_conclusion_documents_pdf_file_id_stored_files")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_conclusion_documents_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["project_lead_id"],
            ["practitioners.id"],
            name=op.f("fk_conclusion_documents_project_lead_id_practitioners"),
        ),
        sa.ForeignKeyConstraint(["revoked_by"], ["users.id"], name=op.f("fk_conclusion_documents_revoked_by_users")),
        sa.ForeignKeyConstraint(
            ["technical_lead_id"],
            ["practitioners.id"],
            name=op.f("fk_conclusion_documents_technical_lead_id_practitioners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conclusion_documents")),
        sa.UniqueConstraint("report_number", name=op.f("uq_conclusion_documents_report_number")),
    )
    with op.batch_alter_table("conclusion_documents", schema=None) as batch_op:
        batch_op.create_index("ix_conclusion_documents_district_id", ["district_code", "id"], unique=False)
        batch_op.create_index("ix_conclusion_documents_org_id_id", ["org_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conclusion_documents_pdf_sha256"), ["pdf_sha256"], unique=False)
        batch_op.create_index("ix_conclusion_documents_project_id_id", ["project_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conclusion_documents_project_lead_id"), ["project_lead_id"], unique=False)
        batch_op.create_index("ix_conclusion_documents_special_zone", ["special_zone"], unique=False)
        batch_op.create_index(batch_op.f("ix_conclusion_documents_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_conclusion_documents_technical_lead_id"), ["technical_lead_id"], unique=False
        )
    op.create_table(
        "feedbacks",
        sa.Column("project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("dedupe_key", sa.String(length=64), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "summary", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("deadline", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("link_nonce", sa.String(length=32), nullable=False),
        sa.Column("link_used_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responded_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responder_openid", sa.String(length=64), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("dispute_reason", sa.String(length=500), nullable=True),
        sa.Column("expired_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("flags", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("special_zone", sa.String(length=8), nullable=True),
        sa.Column("is_trial", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_feedbacks_org_id_organizations")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_feedbacks_project_id_projects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedbacks")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_feedbacks_dedupe_key")),
    )
    with op.batch_alter_table("feedbacks", schema=None) as batch_op:
        batch_op.create_index("ix_feedbacks_district_id", ["district_code", "id"], unique=False)
        batch_op.create_index("ix_feedbacks_org_id_id", ["org_id", "id"], unique=False)
        batch_op.create_index("ix_feedbacks_project_id_id", ["project_id", "id"], unique=False)
        batch_op.create_index("ix_feedbacks_special_zone", ["special_zone"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedbacks_status"), ["status"], unique=False)
        batch_op.create_index("ix_feedbacks_status_deadline", ["status", "deadline"], unique=False)
    op.create_table(
        "document_signatures",
        sa.Column("document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("practitioner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("identity_method", sa.String(length=16), nullable=False),
        sa.Column("face_distance", sa.Float(), nullable=True),
        sa.Column("photo_file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("certificate_number", sa.String(length=64), nullable=False),
        sa.Column("certificate_level", sa.String(length=8), nullable=False),
        sa.Column("signature_file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("signed_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["conclusion_documents.id"],
            name=op.f("fk_document_signatures_document_id_conclusion_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["photo_file_id"], ["stored_files.id"], name=op.f("fk_document_signatures_photo_file_id_stored_files")
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"], ["practitioners.id"], name=op.f("fk_document_signatures_practitioner_id_practitioners")
        ),
        sa.ForeignKeyConstraint(
            ["signature_file_id"],
            ["stored_files.id"],
            name=op.f("fk_document_signatures_signature_file_id_stored_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_signatures")),
        sa.UniqueConstraint("document_id", "role", name="uq_document_signatures_role"),
    )
    with op.batch_alter_table("document_signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_signatures_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_signatures_practitioner_id"), ["practitioner_id"], unique=False)
    op.create_table(
        "feedback_visits",
        sa.Column("feedback_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("visit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedbacks.id"], name=op.f("fk_feedback_visits_feedback_id_feedbacks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["visit_id"], ["site_visits.id"], name=op.f("fk_feedback_visits_visit_id_site_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_visits")),
        sa.UniqueConstraint("visit_id", name=op.f("uq_feedback_visits_visit_id")),
    )
    with op.batch_alter_table("feedback_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_visits_feedback_id"), ["feedback_id"], unique=False)
    op.create_table(
        "official_messages",
        sa.Column("feedback_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient_masked", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("sent_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedbacks.id"], name=op.f("fk_official_messages_feedback_id_feedbacks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_messages")),
    )
    with op.batch_alter_table("official_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_official_messages_external_id"), ["external_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_official_messages_feedback_id"), ["feedback_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("official_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_official_messages_feedback_id"))
        batch_op.drop_index(batch_op.f("ix_official_messages_external_id"))
    op.drop_table("official_messages")
    with op.batch_alter_table("feedback_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_visits_feedback_id"))
    op.drop_table("feedback_visits")
    with op.batch_alter_table("document_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_signatures_practitioner_id"))
        batch_op.drop_index(batch_op.f("ix_document_signatures_document_id"))
    op.drop_table("document_signatures")
    with op.batch_alter_table("feedbacks", schema=None) as batch_op:
        batch_op.drop_index("ix_feedbacks_status_deadline")
        batch_op.drop_index(batch_op.f("ix_feedbacks_status"))
        batch_op.drop_index("ix_feedbacks_special_zone")
        batch_op.drop_index("ix_feedbacks_project_id_id")
        batch_op.drop_index("ix_feedbacks_org_id_id")
        batch_op.drop_index("ix_feedbacks_district_id")
    op.drop_table("feedbacks")
    with op.batch_alter_table("conclusion_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conclusion_documents_technical_lead_id"))
        batch_op.drop_index(batch_op.f("ix_conclusion_documents_status"))
        batch_op.drop_index("ix_conclusion_documents_special_zone")
        batch_op.drop_index(batch_op.f("ix_conclusion_documents_project_lead_id"))
        batch_op.drop_index("ix_conclusion_documents_project_id_id")
        batch_op.drop_index(batch_op.f("ix_conclusion_documents_pdf_sha256"))
        batch_op.drop_index("ix_conclusion_documents_org_id_id")
        batch_op.drop_index("ix_conclusion_documents_district_id")
    op.drop_table("conclusion_documents")
    op.drop_table("official_followers")
    # ### end Alembic commands ###

"""Written conclusion documents (书面结论文件): draft, signatures, effectiveness, rendered PDF and revocation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.db import Base, IdMixin, TimestampMixin
from backend.core.vocabulary import Labelled


class DocType(Labelled):
    """Document types by project service type; the Chinese names are the ones rendering.py prints."""

    MAINTENANCE_RECORD = "maintenance_record", "维护保养记录"
    TESTING_REPORT = "testing_report", "检测报告"
    ASSESSMENT_REPORT = "assessment_report", "评估报告"


class DocStatus(Labelled):
    DRAFT = "draft", "草稿"
    SIGNED = "signed", "已签署"
    EFFECTIVE = "effective", "已生效"
    BLOCKED = "blocked", "未生效"
    REVOKED = "revoked", "已撤销"


class SignerRole(Labelled):
    """Who signs a conclusion document, in signing order."""

    PROJECT_LEAD = "project_lead", "项目负责人"
    TECHNICAL_LEAD = "technical_lead", "技术负责人"


# The code lists as the rest of the backend reads them (value -> label).
DOC_TYPES = DocType.labels()
DOC_TYPE_FOR_SERVICE = {
    "maintenance": "maintenance_record",
    "testing": "testing_report",
    "assessment": "assessment_report",
}
# Short type codes carried in the QR token and the report number (维保 / 检测 / 评估).
TOKEN_TYPES = {"maintenance_record": "WB", "testing_report": "JC", "assessment_report": "PG"}
NOTICE_TOKEN_TYPE = "BS"  # 维保标识 posted in the building
DOC_STATUSES = DocStatus.labels()
SIGNER_ROLES = SignerRole.labels()


class ConclusionDocument(IdMixin, TimestampMixin, Base):
    __tablename__ = "conclusion_documents"

    report_number: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    doc_type: Mapped[str] = mapped_column(sa.String(24))  # keys of DOC_TYPES
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(16), default="draft", index=True)
    # Snapshot of what the signers sign (made from the project's records, editable while a draft):
    # items [{system_code, facility_system, item, result, note, plan_item_id}],
    # defects [{defect_id, system_code, facility_system, plan_item_id, description, severity, status, repair}]
    items: Mapped[list[Any]] = mapped_column(default=list)
    defects: Mapped[list[Any]] = mapped_column(default=list)
    conclusion: Mapped[str] = mapped_column(sa.Text, default="")
    project_lead_id: Mapped[int] = mapped_column(sa.ForeignKey("practitioners.id"), index=True)
    technical_lead_id: Mapped[int] = mapped_column(sa.ForeignKey("practitioners.id"), index=True)
    block_reasons: Mapped[list[Any]] = mapped_column(default=list)  # [{code, message, details}]
    flags: Mapped[list[Any]] = mapped_column(default=list)  # effective, with these concerns
    evaluated_at: Mapped[datetime | None] = mapped_column()
    effective_at: Mapped[datetime | None] = mapped_column()
    # Rendering (documents queue): the content digest signed into the QR token, and the PDF itself.
    content_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    pdf_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    token: Mapped[str | None] = mapped_column(sa.Text)
    signing_key_id: Mapped[str | None] = mapped_column(sa.String(64))
    issued_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    district_code: Mapped[str | None] = mapped_column(sa.String(6))
    special_zone: Mapped[str | None] = mapped_column(sa.String(8))
    is_trial: Mapped[bool] = mapped_column(default=False)

    signatures: Mapped[list[DocumentSignature]] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="DocumentSignature.id",
    )

    __table_args__ = (
        sa.Index("ix_conclusion_documents_org_id_id", "org_id", "id"),
        sa.Index("ix_conclusion_documents_project_id_id", "project_id", "id"),
        sa.Index("ix_conclusion_documents_district_id", "district_code", "id"),
        sa.Index("ix_conclusion_documents_special_zone", "special_zone"),
    )

    def signature_for(self, role: str) -> DocumentSignature | None:
        return next((s for s in self.signatures if s.role == role), None)

    @property
    def type_name(self) -> str:
        return DOC_TYPES[self.doc_type]


class DocumentSignature(IdMixin, Base):
    """One engineer's signature on a document, preceded by a face check (or the approved alternative)."""

    __tablename__ = "document_signatures"

    document_id: Mapped[int] = mapped_column(sa.ForeignKey("conclusion_documents.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))  # keys of SIGNER_ROLES
    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("practitioners.id"), index=True)
    identity_method: Mapped[str] = mapped_column(sa.String(16))  # face | alternative
    face_distance: Mapped[float | None] = mapped_column()
    photo_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    certificate_number: Mapped[str] = mapped_column(sa.String(64))
    certificate_level: Mapped[str] = mapped_column(sa.String(8))  # 一级 / 二级
    signature_file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    signed_at: Mapped[datetime] = mapped_column()

    document: Mapped[ConclusionDocument] = relationship(back_populates="signatures")

    __table_args__ = (sa.UniqueConstraint("document_id", "role", name="uq_document_signatures_role"),)

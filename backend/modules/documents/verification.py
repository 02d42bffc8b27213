"""Public verification (矩阵防伪): a scanned QR token or an uploaded PDF against the authoritative record.

The token is checked with the public key alone (anyone can do the same offline, see `flask documents
verify-token`); the record then says whether the document is still effective, was revoked, and what it states.
An uploaded PDF is genuine when its SHA-256 is the stored one; a PDF that claims a known report number but
hashes differently was altered.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa

from backend.core import jurisdictions, ratelimit
from backend.core.db import db
from backend.core.errors import ValidationFailed
from backend.core.files import MAX_DOCUMENT_BYTES, PDF_MAGIC
from backend.core.messages import message_for
from backend.core.signing import TokenInvalid, digest_claim, token_from_payload
from backend.modules.projects.queries import Project, SiteVisit, project_by_id
from backend.modules.realname.queries import organization_by_id, practitioner_by_id

from .keys import signing_keys
from .models import DOC_STATUSES, NOTICE_TOKEN_TYPE, SIGNER_ROLES, TOKEN_TYPES, ConclusionDocument

RESULTS: dict[str, str] = {
    "effective": "该文件真实有效",
    "revoked": "该文件已被监督管理部门撤销，不再有效",
    "mismatch": "二维码与系统存档的内容不一致，请向监督管理部门核实",
    "unknown": "系统中没有该文件的记录",
    "genuine": "上传的文件与系统存档完全一致",
    "altered": "上传的文件与系统存档不一致，可能被篡改",
    "notice_current": "该维保标识真实有效，为最近一次维护保养后出具",
    "notice_outdated": "该维保标识真实，但其后已有新的维护保养记录",
}
REPORT_NUMBER = re.compile(r"(?:WB|JC|PG)-\d{6}-\d{4}-\d{6,}")
TYPES_BY_CODE = {code: doc_type for doc_type, code in TOKEN_TYPES.items()}
UPLOAD_LIMIT_PER_MINUTE = 20


@dataclass(frozen=True)
class SignerSummary:
    role: str
    role_name: str
    name_masked: str
    certificate_level: str
    certificate_number_masked: str
    signed_at: datetime


@dataclass(frozen=True)
class DocumentSummary:
    report_number: str
    doc_type: str
    doc_type_name: str
    status: str
    status_name: str
    organisation_name: str
    organisation_credit_code: str
    project_name: str
    building_name: str
    building_address: str
    district_name: str
    period_start: date
    period_end: date
    signers: list[SignerSummary]
    effective_at: datetime | None
    revoked_at: datetime | None
    revoke_reason: str | None
    flags: list[str]


@dataclass(frozen=True)
class NoticeSummary:
    project_no: str
    project_name: str
    building_name: str
    building_address: str
    organisation_name: str
    maintained_at: datetime
    latest_visit_at: datetime | None


@dataclass(frozen=True)
class Verification:
    result: str
    kind: str  # document | maintenance_notice | pdf
    report_number: str | None = None
    issued_at: datetime | None = None
    sha256: str | None = None  # of an uploaded PDF
    document: DocumentSummary | None = None
    notice: NoticeSummary | None = None

    @property
    def result_text(self) -> str:
        return RESULTS[self.result]


def _mask_certificate(number: str) -> str:
    if len(number) <= 7:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 7) + number[-3:]


def _district_name(code: str | None, zone: str | None) -> str:
    if zone and zone in jurisdictions.SPECIAL_ZONES:
        return jurisdictions.SPECIAL_ZONES[zone]
    return jurisdictions.DISTRICTS.get(code or "", "上海市")


def summarise(document: ConclusionDocument) -> DocumentSummary:
    """The authoritative public summary: no personal data beyond masked names (docs/design.md §5)."""
    project = project_by_id(document.project_id)
    org = organization_by_id(document.org_id)
    assert project is not None and org is not None
    signers = []
    for signature in document.signatures:
        practitioner = practitioner_by_id(signature.practitioner_id)
        signers.append(
            SignerSummary(
                role=signature.role,
                role_name=SIGNER_ROLES[signature.role],
                name_masked=practitioner.name_masked if practitioner else "",
                certificate_level=signature.certificate_level,
                certificate_number_masked=_mask_certificate(signature.certificate_number),
                signed_at=signature.signed_at,
            )
        )
    return DocumentSummary(
        report_number=document.report_number or "",
        doc_type=document.doc_type,
        doc_type_name=document.type_name,
        status=document.status,
        status_name=DOC_STATUSES[document.status],
        organisation_name=org.name,
        organisation_credit_code=org.credit_code,
        project_name=project.name,
        building_name=project.building_name,
        building_address=project.building_address,
        district_name=_district_name(project.district_code, project.special_zone),
        period_start=document.period_start,
        period_end=document.period_end,
        signers=signers,
        effective_at=document.effective_at,
        revoked_at=document.revoked_at,
        revoke_reason=document.revoke_reason,
        flags=[flag.get("message") or message_for(flag["code"]) for flag in document.flags],
    )


def _by_report_number(number: str) -> ConclusionDocument | None:
    return db.session.scalar(sa.select(ConclusionDocument).where(ConclusionDocument.report_number == number))


def _verify_notice(project_no: str, issued_at: datetime) -> Verification:
    project = db.session.scalar(sa.select(Project).where(Project.project_no == project_no))
    if project is None:
        return Verification("unknown", "maintenance_notice", project_no, issued_at)
    org = organization_by_id(project.org_id)
    assert org is not None
    latest = db.session.scalar(
        sa.select(sa.func.max(SiteVisit.checked_out_at)).where(
            SiteVisit.project_id == project.id, SiteVisit.status == "checked_out"
        )
    )
    outdated = latest is not None and int(latest.timestamp()) > int(issued_at.timestamp())
    notice = NoticeSummary(
        project_no=project.project_no,
        project_name=project.name,
        building_name=project.building_name,
        building_address=project.building_address,
        organisation_name=org.name,
        maintained_at=issued_at,
        latest_visit_at=latest,
    )
    result = "notice_outdated" if outdated else "notice_current"
    return Verification(result, "maintenance_notice", project_no, issued_at, notice=notice)


def verify_token(token_or_payload: str) -> Verification:
    """Signature first (TokenInvalid, 422, for a forged or edited token), then the record."""
    token = token_from_payload(token_or_payload)
    claims = signing_keys().verifier.verify(token)
    try:
        number, type_code = str(claims["no"]), str(claims["typ"])
        issued_at = datetime.fromtimestamp(int(claims["iat"]), UTC)
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise TokenInvalid(TokenInvalid.MALFORMED, "claims") from exc
    if type_code == NOTICE_TOKEN_TYPE:
        return _verify_notice(number, issued_at)
    document = _by_report_number(number)
    if document is None or TYPES_BY_CODE.get(type_code) != document.doc_type:
        return Verification("unknown", "document", number, issued_at)
    if document.content_sha256 is None or digest_claim(document.content_sha256) != claims.get("sha"):
        return Verification("mismatch", "document", number, issued_at, document=summarise(document))
    result = "revoked" if document.status == "revoked" else "effective"
    return Verification(result, "document", number, issued_at, document=summarise(document))


def _claimed_report_numbers(data: bytes) -> list[str]:
    """Report numbers a PDF claims to carry: its title, the text of its first page, its raw bytes. Reading is
    lenient, so a file with a changed byte still names the document it pretends to be."""
    found: list[str] = []
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data), strict=False)
        metadata = reader.metadata
        found += REPORT_NUMBER.findall(str(metadata.get("/Title", "")) if metadata is not None else "")
        if reader.pages:
            found += REPORT_NUMBER.findall(reader.pages[0].extract_text() or "")
    except Exception:  # a damaged file is exactly what this looks at; whatever pypdf cannot read is skipped
        pass
    found += REPORT_NUMBER.findall(data.decode("latin-1"))
    return list(dict.fromkeys(found))


def verify_pdf(data: bytes, client_ip: str | None) -> Verification:
    ratelimit.enforce(f"verify-pdf:{client_ip}", UPLOAD_LIMIT_PER_MINUTE, 60, "verify_rate_limited")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationFailed("payload_too_large")
    if not data.startswith(PDF_MAGIC):
        raise ValidationFailed("file_type_not_allowed", "只接受 PDF 文件")
    sha256 = hashlib.sha256(data).hexdigest()
    document = db.session.scalar(sa.select(ConclusionDocument).where(ConclusionDocument.pdf_sha256 == sha256))
    if document is not None:
        return Verification("genuine", "pdf", document.report_number, sha256=sha256, document=summarise(document))
    for number in _claimed_report_numbers(data):
        claimed = _by_report_number(number)
        if claimed is not None and claimed.pdf_sha256 is not None:
            return Verification("altered", "pdf", number, sha256=sha256, document=summarise(claimed))
    return Verification("unknown", "pdf", sha256=sha256)

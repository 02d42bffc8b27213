"""Practitioners: identity, certificates, biometric consent, alternative identity check, signature.

Identity is verified when the ID number is valid (checked at registration), the national registry knows a
person of that number under that name, and either a face is enrolled (with consent in force) or a supervisor
has approved an alternative identity check. Face recognition is never the only way (docs/design.md §4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from backend.adapters.registry import (
    CERT_ENGINEER_1,
    CERT_ENGINEER_2,
    CERT_OPERATOR,
    CERT_STATUS_CANCELLED,
    CERT_STATUS_EXPIRED,
    RegistryCertificate,
    RegistryError,
    operator_level_rank,
)
from backend.bootstrap import adapters
from backend.core.access import Actor, Role, area_clause
from backend.core.crypto import id_number_hash
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.core.files import StoredFile, store_image
from backend.core.pagination import Page, keyset_page
from backend.core.timeutil import today, utcnow
from backend.core.validators import id_number_error, mask_name, normalize_id_number
from backend.modules.accounts.services import grant_role

from .common import (
    audit_personal_read,
    current_user,
    employer_of,
    practitioner_event,
    practitioner_for_reader,
)
from .conditions import refresh_conditions
from .models import CERT_KINDS, Certificate, CertStatus, Employment, FaceEnrolment, Organization, Practitioner
from .queries import active_employment, has_alternative_identity, practitioner_for_user, require_practitioner
from .signature import trim_signature

# The text a practitioner agrees to before any face is taken (PIPL 第二十九条: separate consent for sensitive
# personal information). A new version needs a new consent: the version is stored with the consent.
CONSENT_VERSION = "2026-01"
CONSENT_TEXT = (
    "《人脸识别信息处理告知及同意书》\n"
    "一、处理目的：在从业人员实名认证、现场签到签退、结论文件签署和实时抽查时核验是否为本人操作，"
    "落实《社会消防技术服务管理规定》对从业人员到场执业的要求。\n"
    "二、处理方式：采集一张人脸照片，由上海市消防救援总队执业活动管理系统在本系统服务器上提取人脸特征值后立即删除照片；"
    "特征值加密存储，仅用于与您此后拍摄的照片比对，比对结果（相似度）记入执业记录。人脸信息不提供给任何第三方。\n"
    "三、保存期限：特征值保存至您撤回同意、注销从业人员身份或不再从事消防技术服务之日。\n"
    "四、您的权利：您可以随时在小程序“我的—人脸信息”中撤回同意，撤回后特征值立即删除；"
    "您也可以不使用人脸识别，改为向监督管理部门申请现场核验身份等替代方式，不影响您执业。\n"
    "五、依据：《中华人民共和国个人信息保护法》第二十八条、第二十九条、第五十一条，《人脸识别技术应用安全管理办法》。"
)

ALT_IDENTITY_METHODS = {
    "in_person_id_card": "现场核验居民身份证原件",
    "video_call": "视频核验本人及身份证件",
    "police_database": "公安人口信息比对",
}

REGISTRY_KINDS = {CERT_ENGINEER_1: "engineer_1", CERT_ENGINEER_2: "engineer_2", CERT_OPERATOR: "operator"}
KIND_NAMES = {v: k for k, v in REGISTRY_KINDS.items()}


@dataclass(frozen=True)
class PractitionerProfile:
    practitioner: Practitioner
    employment: Employment | None
    employer: Organization | None
    latest_enrolment: FaceEnrolment | None
    id_number: str | None = None  # unmasked only on request, with the permission, audited

    def __getattr__(self, name: str) -> Any:
        # Read by the output schema: the practitioner's own columns, as if this were the row itself.
        if name in ("practitioner", "employment", "employer", "latest_enrolment", "id_number"):
            raise AttributeError(name)
        return getattr(self.practitioner, name)


@dataclass(frozen=True)
class ConsentStatus:
    current_version: str
    text: str
    version: str | None
    given_at: Any
    withdrawn_at: Any

    @property
    def in_force(self) -> bool:
        return self.version == self.current_version and self.given_at is not None and self.withdrawn_at is None


def consent_in_force(practitioner: Practitioner) -> bool:
    return practitioner.biometric_consent_at is not None and practitioner.biometric_consent_withdrawn_at is None


def face_usable(practitioner: Practitioner) -> bool:
    return (
        practitioner.face_status == "enrolled"
        and practitioner.face_encoding is not None
        and consent_in_force(practitioner)
    )


# --- identity ------------------------------------------------------------------------------------------


def check_registry_identity(practitioner: Practitioner) -> None:
    """Ask the national registry whether it knows this ID number under this name. If it cannot answer, the
    previous result stands and a note says so."""
    try:
        records = adapters().registry.lookup_certificates(id_number=practitioner.id_number)
    except RegistryError as exc:
        practitioner.registry_notes = [{"code": exc.code, "message": f"{exc.message}；稍后将重新核验"}]
        return
    names = {r.holder_name for r in records}
    practitioner.registry_known = practitioner.name in names
    practitioner.registry_checked_at = utcnow()
    if practitioner.registry_known:
        practitioner.registry_notes = []
    elif names:
        practitioner.registry_notes = [
            {"code": "registry_name_mismatch", "message": "全国系统中该身份证号码登记的姓名与申报姓名不一致"}
        ]
    else:
        practitioner.registry_notes = [
            {"code": "registry_person_unknown", "message": "全国社会消防技术服务信息系统中没有该身份证号码的从业记录"}
        ]


def refresh_identity(practitioner: Practitioner) -> None:
    """Recompute identity_status and put a change on the timeline (inside the caller's unit of work)."""
    verified = practitioner.registry_known and (face_usable(practitioner) or has_alternative_identity(practitioner))
    status = "verified" if verified else "unverified"
    if status == practitioner.identity_status:
        return
    practitioner.identity_status = status
    practitioner.identity_verified_at = utcnow() if verified else None
    how = "人脸" if face_usable(practitioner) else "替代身份核验" if verified else None
    summary = (
        f"从业人员 {practitioner.name_masked} 通过实名认证（{how}）"
        if verified
        else f"从业人员 {practitioner.name_masked} 实名认证失效"
    )
    practitioner_event(practitioner, f"practitioner.identity_{status}", summary, visibility="org")


def register_practitioner(actor: Actor, *, name: str, id_number: str) -> PractitionerProfile:
    """A logged-in user declares their identity and becomes a practitioner."""
    number = normalize_id_number(id_number)
    if error := id_number_error(number):
        raise ValidationFailed("invalid_id_number", details={"fields": {"id_number": [error]}})
    name = "".join(name.split())
    with unit_of_work() as uow:
        if practitioner_for_user(actor.user_id) is not None:
            raise Conflict("practitioner_exists")
        number_hash = id_number_hash(number)
        if db.session.scalar(sa.select(Practitioner.id).where(Practitioner.id_number_hash == number_hash)):
            raise Conflict("id_number_taken")
        user = current_user(actor)
        practitioner = Practitioner(
            user_id=user.id,
            name=name,
            name_masked=mask_name(name),
            id_number=number,
            id_number_hash=number_hash,
            identity_status="unverified",
            face_status="none",
            registry_notes=[],
        )
        db.session.add(practitioner)
        db.session.flush()
        if not user.display_name:
            user.display_name = name
        grant_role(user, Role.PRACTITIONER)
        check_registry_identity(practitioner)
        practitioner_event(practitioner, "practitioner.registered", f"从业人员 {practitioner.name_masked} 登记身份")
        refresh_identity(practitioner)
        uow.commit()
        return _profile(practitioner)


def _profile(practitioner: Practitioner, id_number: str | None = None) -> PractitionerProfile:
    employment = active_employment(practitioner.id)
    employer = db.session.get(Organization, employment.org_id) if employment else None
    latest = db.session.scalar(
        sa.select(FaceEnrolment)
        .where(FaceEnrolment.practitioner_id == practitioner.id)
        .order_by(FaceEnrolment.id.desc())
        .limit(1)
    )
    return PractitionerProfile(practitioner, employment, employer, latest, id_number)


def my_profile(actor: Actor) -> PractitionerProfile:
    return _profile(require_practitioner(actor))


def practitioner_profile(actor: Actor, practitioner_id: int, unmask: bool = False) -> PractitionerProfile:
    """A practitioner as their organisation or a supervisor sees them; supervisors' reads are audited."""
    with unit_of_work() as uow:
        practitioner = practitioner_for_reader(actor, practitioner_id)
        id_number = None
        fields = ["name"]
        if unmask:
            if not actor.can("read_personal_data"):
                raise Forbidden("forbidden", details={"permission": "read_personal_data"})
            id_number = practitioner.id_number
            fields.append("id_number")
        audit_personal_read(actor, "practitioners", practitioner.id, fields)
        profile = _profile(practitioner, id_number)
        uow.commit()
        return profile


def list_practitioners(
    actor: Actor,
    *,
    limit: int,
    cursor: str | None,
    identity_status: str | None = None,
    alt_identity_requested: bool | None = None,
) -> Page[Practitioner]:
    """Supervisors: practitioners employed in their jurisdiction (the corps: all, employed or not)."""
    stmt = sa.select(Practitioner)
    if not actor.is_citywide:
        stmt = (
            stmt.join(Employment, sa.and_(Employment.practitioner_id == Practitioner.id, Employment.status == "active"))
            .join(Organization, Organization.id == Employment.org_id)
            .where(area_clause(actor, Organization.district_code, Organization.special_zone))
        )
    if identity_status:
        stmt = stmt.where(Practitioner.identity_status == identity_status)
    if alt_identity_requested is not None:
        requested = sa.and_(
            Practitioner.alt_identity_requested_at.is_not(None), Practitioner.alt_identity_approved_at.is_(None)
        )
        stmt = stmt.where(requested if alt_identity_requested else sa.not_(requested))
    return keyset_page(db.session, stmt, [Practitioner.id], limit=limit, cursor=cursor)


# --- certificates --------------------------------------------------------------------------------------


def _registry_level(level: str | None) -> int | None:
    rank = operator_level_rank(level)
    return 5 - rank if rank >= 0 else None


def apply_registry_record(cert: Certificate, practitioner: Practitioner, found: RegistryCertificate | None) -> None:
    """Set the certificate's status from the national registry's record (which is authoritative for dates,
    numbers, level and the organisation an engineer is registered to)."""
    cert.checked_at = utcnow()
    if found is None:
        cert.status = "invalid"
        cert.check_notes = ["全国社会消防技术服务信息系统中没有本人的该证书"]
        return
    notes: list[str] = []
    if found.holder_name != practitioner.name:
        cert.status = "invalid"
        cert.check_notes = ["证书持有人姓名与本人不一致"]
        return
    if REGISTRY_KINDS.get(found.kind) != cert.kind:
        notes.append(f"全国系统登记的证书类别为“{found.kind}”")
        cert.kind = REGISTRY_KINDS.get(found.kind, cert.kind)
    if cert.registration_no and found.registration_no and cert.registration_no != found.registration_no:
        notes.append(f"注册编号应为 {found.registration_no}")
    level = _registry_level(found.level)
    if cert.kind == "operator" and cert.level != level:
        notes.append(f"全国系统登记的技能等级为“{found.level}”")
    cert.level = level if cert.kind == "operator" else None
    cert.registration_no = found.registration_no
    cert.registered_org_credit_code = found.org_credit_code
    cert.issued_on = found.issued_on
    cert.expires_on = found.expires_on
    if found.status == CERT_STATUS_CANCELLED:
        cert.status = "invalid"
        notes.append("证书已注销")
    elif found.status == CERT_STATUS_EXPIRED or (found.expires_on is not None and found.expires_on < today()):
        cert.status = "expired"
        notes.append(f"注册有效期已于 {found.expires_on} 届满" if found.expires_on else "证书已过期")
    else:
        cert.status = "valid"
    cert.check_notes = notes


def check_certificate(cert: Certificate, practitioner: Practitioner) -> None:
    """Look the certificate up by holder ID and number. If the registry cannot answer, the certificate
    keeps its status with a note (a pending one stays pending)."""
    try:
        records = adapters().registry.lookup_certificates(id_number=practitioner.id_number, cert_no=cert.cert_no)
    except RegistryError as exc:
        cert.check_notes = [f"{exc.message}；稍后将重新核验"]
        return
    apply_registry_record(cert, practitioner, records[0] if records else None)


def _after_certificate_change(practitioner: Practitioner, cert: Certificate, old_status: str) -> None:
    check_registry_identity(practitioner)
    refresh_identity(practitioner)
    employer = employer_of(practitioner)
    if employer is not None:
        refresh_conditions(employer)
    if cert.status != old_status:
        practitioner_event(
            practitioner,
            "certificate.checked",
            f"从业人员 {practitioner.name_masked} 的{CERT_KINDS[cert.kind]}证书核验结果："
            f"{CERT_STATUS_NAMES[cert.status]}",
            certificate_id=cert.id,
            status=cert.status,
        )


CERT_STATUS_NAMES = CertStatus.labels()


def declare_certificate(
    actor: Actor, *, kind: str, cert_no: str, registration_no: str | None = None, level: int | None = None
) -> Certificate:
    cert_no = cert_no.strip().upper()
    if kind == "operator" and level is None:
        raise ValidationFailed("operator_level_required", details={"fields": {"level": ["请选择技能等级"]}})
    with unit_of_work() as uow:
        practitioner = require_practitioner(actor)
        holder = db.session.scalar(
            sa.select(Certificate.practitioner_id).where(Certificate.kind == kind, Certificate.cert_no == cert_no)
        )
        if holder is not None:
            raise Conflict("certificate_exists" if holder == practitioner.id else "certificate_claimed")
        cert = Certificate(
            kind=kind,
            cert_no=cert_no,
            registration_no=(registration_no or "").strip() or None,
            level=level if kind == "operator" else None,
            status="pending",
            check_notes=[],
        )
        practitioner.certificates.append(cert)
        db.session.flush()
        check_certificate(cert, practitioner)
        _after_certificate_change(practitioner, cert, "pending")
        uow.commit()
        return cert


def _own_certificate(practitioner: Practitioner, cert_id: int) -> Certificate:
    cert = next((c for c in practitioner.certificates if c.id == cert_id), None)
    if cert is None:
        raise NotFound("certificate_not_found")
    return cert


def upload_certificate_photo(actor: Actor, cert_id: int, data: bytes) -> Certificate:
    """A photo of one's own certificate, kept as evidence for the reviewers. The same picture sent again (an
    upload retried after a lost answer) is the same stored file, so a resend changes nothing."""
    with unit_of_work() as uow:
        practitioner = require_practitioner(actor)
        cert = _own_certificate(practitioner, cert_id)
        stored, _ = store_image(data, "certificate", actor.user_id)
        cert.photo_file_id = stored.id
        uow.commit()
        return cert


def recheck_certificate(actor: Actor, cert_id: int) -> Certificate:
    with unit_of_work() as uow:
        practitioner = require_practitioner(actor)
        cert = _own_certificate(practitioner, cert_id)
        old_status = cert.status
        check_certificate(cert, practitioner)
        _after_certificate_change(practitioner, cert, old_status)
        uow.commit()
        return cert


def delete_certificate(actor: Actor, cert_id: int) -> None:
    with unit_of_work() as uow:
        practitioner = require_practitioner(actor)
        cert = _own_certificate(practitioner, cert_id)
        practitioner.certificates.remove(cert)
        db.session.flush()
        employer = employer_of(practitioner)
        if employer is not None:
            refresh_conditions(employer)
        uow.commit()


def expire_certificates(on: date | None = None) -> int:
    """Mark valid certificates whose registration period has ended as expired (nightly)."""
    day = on or today()
    count = 0
    with unit_of_work() as uow:
        for cert in db.session.scalars(
            sa.select(Certificate).where(Certificate.status == "valid", Certificate.expires_on < day)
        ):
            cert.status = "expired"
            cert.check_notes = [*(cert.check_notes or []), f"注册有效期已于 {cert.expires_on} 届满"]
            practitioner = cert.practitioner
            practitioner_event(
                practitioner,
                "certificate.expired",
                f"从业人员 {practitioner.name_masked} 的{CERT_KINDS[cert.kind]}证书已过期",
                certificate_id=cert.id,
            )
            count += 1
        uow.commit()
    return count


# --- biometric consent ---------------------------------------------------------------------------------


def _consent_status(practitioner: Practitioner) -> ConsentStatus:
    return ConsentStatus(
        CONSENT_VERSION,
        CONSENT_TEXT,
        practitioner.biometric_consent_version,
        practitioner.biometric_consent_at,
        practitioner.biometric_consent_withdrawn_at,
    )


def consent_status(actor: Actor) -> ConsentStatus:
    return _consent_status(require_practitioner(actor))


def give_biometric_consent(actor: Actor, version: str) -> ConsentStatus:
    """Separate consent (PIPL 第二十九条) to the current text, recorded with its version and time."""
    if version != CONSENT_VERSION:
        raise ValidationFailed("consent_version_outdated", details={"current_version": CONSENT_VERSION})
    with unit_of_work() as uow:
        practitioner = require_practitioner(actor)
        practitioner.biometric_consent_version = version
        practitioner.biometric_consent_at = utcnow()
        practitioner.biometric_consent_withdrawn_at = None
        practitioner_event(
            practitioner,
            "practitioner.biometric_consent_given",
            f"从业人员 {practitioner.name_masked} 同意人脸识别信息处理（{version} 版）",
        )
        refresh_identity(practitioner)
        uow.commit()
        return _consent_status(practitioner)


def withdraw_biometric_consent(actor: Actor) -> ConsentStatus:
    """Withdrawal stops the processing: the encoding and any photo waiting to be encoded are deleted now
    (PIPL 第四十七条). Identity then rests on the alternative check, if any."""
    with unit_of_work() as uow:
        practitioner = require_practitioner(actor)
        practitioner.biometric_consent_withdrawn_at = utcnow()
        practitioner.face_encoding = None
        practitioner.face_status = "none"
        practitioner.face_enrolled_at = None
        practitioner.face_fail_reason = None
        for pending in db.session.scalars(
            sa.select(FaceEnrolment).where(
                FaceEnrolment.practitioner_id == practitioner.id, FaceEnrolment.status == "pending"
            )
        ):
            pending.photo = None
            pending.status = "failed"
            pending.fail_reason = "biometric_consent_withdrawn"
            pending.processed_at = utcnow()
        practitioner_event(
            practitioner,
            "practitioner.biometric_consent_withdrawn",
            f"从业人员 {practitioner.name_masked} 撤回人脸识别信息处理同意，人脸特征值已删除",
        )
        refresh_identity(practitioner)
        uow.commit()
        return _consent_status(practitioner)


# --- alternative identity check ------------------------------------------------------------------------


def request_alternative_identity(actor: Actor, note: str | None) -> PractitionerProfile:
    with unit_of_work() as uow:
        practitioner = require_practitioner(actor)
        practitioner.alt_identity_requested_at = utcnow()
        practitioner.alt_identity_request_note = (note or "").strip() or None
        practitioner_event(
            practitioner,
            "practitioner.alt_identity_requested",
            f"从业人员 {practitioner.name_masked} 申请替代身份核验",
            visibility="supervisor",
        )
        uow.commit()
        return _profile(practitioner)


def approve_alternative_identity(
    actor: Actor, practitioner_id: int, method: str, note: str | None
) -> PractitionerProfile:
    """A supervisor who checked the person by other means (in person, with the ID card) records it."""
    with unit_of_work() as uow:
        practitioner = practitioner_for_reader(actor, practitioner_id)
        practitioner.alt_identity_approved_by = actor.user_id
        practitioner.alt_identity_approved_at = utcnow()
        practitioner.alt_identity_method = method
        practitioner.alt_identity_note = (note or "").strip() or None
        practitioner_event(
            practitioner,
            "practitioner.alt_identity_approved",
            f"从业人员 {practitioner.name_masked} 通过替代身份核验（{ALT_IDENTITY_METHODS[method]}）",
            method=method,
        )
        refresh_identity(practitioner)
        uow.commit()
        return _profile(practitioner)


def revoke_alternative_identity(actor: Actor, practitioner_id: int, note: str | None) -> PractitionerProfile:
    with unit_of_work() as uow:
        practitioner = practitioner_for_reader(actor, practitioner_id)
        if practitioner.alt_identity_approved_at is None:
            raise Conflict("alt_identity_not_approved")
        practitioner.alt_identity_approved_by = None
        practitioner.alt_identity_approved_at = None
        practitioner.alt_identity_method = None
        practitioner.alt_identity_note = (note or "").strip() or None
        practitioner_event(
            practitioner,
            "practitioner.alt_identity_revoked",
            f"从业人员 {practitioner.name_masked} 的替代身份核验被撤销",
        )
        refresh_identity(practitioner)
        uow.commit()
        return _profile(practitioner)


# --- handwritten signature -----------------------------------------------------------------------------


def upload_signature(actor: Actor, data: bytes) -> PractitionerProfile:
    """Stored as a PNG trimmed to the ink with a transparent background, ready to print on documents."""
    png = trim_signature(data)
    with unit_of_work() as uow:
        practitioner = require_practitioner(actor)
        stored, _ = store_image(png, "signature", actor.user_id)
        practitioner.signature_file_id = stored.id
        uow.commit()
        return _profile(practitioner)


def signature_file(actor: Actor) -> StoredFile:
    practitioner = require_practitioner(actor)
    if practitioner.signature_file_id is None:
        raise NotFound("signature_missing")
    stored = db.session.get(StoredFile, practitioner.signature_file_id)
    if stored is None:
        raise NotFound("signature_missing")
    return stored

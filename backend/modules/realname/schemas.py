"""Input and output schemas of the realname API. Output names what a person may see: ID numbers and phones
masked; practitioners' names masked in public output."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest.fields import Upload

from backend.core.jurisdictions import DISTRICTS, SPECIAL_ZONES
from backend.core.pagination import PageArgsSchema
from backend.core.schemas import BaseSchema, LocalDateTime
from backend.core.validators import mask_id

from .models import (
    OPERATOR_LEVELS,
    ORG_DOCUMENTS,
    CertKind,
    CertStatus,
    EmploymentStatus,
    EquipmentCategory,
    FaceStatus,
    IdentityStatus,
    OrgStatus,
    OrgType,
    Position,
    ReviewDecision,
)
from .practitioners import ALT_IDENTITY_METHODS

ORG_STATUS_NAMES = OrgStatus.labels()
EMPLOYMENT_STATUS_NAMES = EmploymentStatus.labels()
FACE_STATUS_NAMES = FaceStatus.labels()
REVIEW_DECISION_NAMES = ReviewDecision.labels()


def _district_name(code: str | None) -> str | None:
    return DISTRICTS.get(code or "") or SPECIAL_ZONES.get(code or "")


def _name(mapping: dict[Any, str], key: Any) -> str | None:
    return mapping.get(key) if key is not None else None


# --- inputs --------------------------------------------------------------------------------------------


class EquipmentSchema(BaseSchema):
    id = ma.fields.Integer(dump_only=True)
    category = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(sorted(EquipmentCategory.values())),
        metadata={"description": "类别：basic 基本设备 / maintenance_testing 维保检测设备 / assessment 评估设备"},
    )
    category_name = ma.fields.Function(lambda e: EquipmentCategory.label_of(e.category, None), dump_only=True)
    name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(1, 128),
        metadata={"description": "设备名称，如“火灾探测器功能试验器”"},
    )
    model = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=64), metadata={"description": "型号"})
    serial_no = ma.fields.String(
        allow_none=True, validate=ma.validate.Length(max=64), metadata={"description": "出厂编号"}
    )
    quantity = ma.fields.Integer(
        load_default=1, validate=ma.validate.Range(1, 10000), metadata={"description": "数量（台/套）"}
    )
    calibration_due = ma.fields.Date(
        allow_none=True, load_default=None, metadata={"description": "检定/校准有效期至（无需检定的设备留空）"}
    )


class OrgRegisterSchema(BaseSchema):
    credit_code = ma.fields.String(
        required=True,
        validate=ma.validate.Length(18, 18),
        metadata={"description": "统一社会信用代码（18位，GB 32100）", "example": "91310104671876978W"},
    )
    name = ma.fields.String(
        required=True, validate=ma.validate.Length(2, 128), metadata={"description": "单位名称（与营业执照一致）"}
    )
    types = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(sorted(OrgType.values()))),
        required=True,
        validate=ma.validate.Length(1, 2),
        metadata={"description": "机构类型：maintenance_testing 维护保养检测、assessment 消防安全评估（可多选）"},
    )
    legal_form = ma.fields.String(
        load_default="企业法人", validate=ma.validate.Length(1, 32), metadata={"description": "法人资格，如“企业法人”"}
    )
    legal_rep_name = ma.fields.String(
        required=True, validate=ma.validate.Length(2, 32), metadata={"description": "法定代表人姓名"}
    )
    legal_rep_id_number = ma.fields.String(
        required=True,
        validate=ma.validate.Length(18, 18),
        load_only=True,
        metadata={"description": "法定代表人居民身份证号码（加密存储）"},
    )
    address = ma.fields.String(
        required=True,
        validate=ma.validate.Length(4, 256),
        metadata={"description": "注册地址（上海市，经地理信息平台定位并确定所属区）"},
    )
    workplace_area_m2 = ma.fields.Float(
        load_default=0, validate=ma.validate.Range(0, 1_000_000), metadata={"description": "工作场所建筑面积（平方米）"}
    )
    equipment = ma.fields.List(
        ma.fields.Nested(EquipmentSchema), load_default=list, metadata={"description": "仪器设备清单"}
    )


class OrgUpdateSchema(BaseSchema):
    name = ma.fields.String(validate=ma.validate.Length(2, 128), metadata={"description": "单位名称"})
    types = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(sorted(OrgType.values()))),
        validate=ma.validate.Length(1, 2),
        metadata={"description": "机构类型"},
    )
    legal_form = ma.fields.String(validate=ma.validate.Length(1, 32), metadata={"description": "法人资格"})
    legal_rep_name = ma.fields.String(validate=ma.validate.Length(2, 32), metadata={"description": "法定代表人姓名"})
    legal_rep_id_number = ma.fields.String(
        validate=ma.validate.Length(18, 18), metadata={"description": "法定代表人居民身份证号码"}
    )
    address = ma.fields.String(validate=ma.validate.Length(4, 256), metadata={"description": "注册地址"})
    workplace_area_m2 = ma.fields.Float(
        validate=ma.validate.Range(0, 1_000_000),
        metadata={"description": "工作场所建筑面积（平方米），审核通过后仍可更新"},
    )


class EquipmentListSchema(BaseSchema):
    items = ma.fields.List(
        ma.fields.Nested(EquipmentSchema), required=True, metadata={"description": "完整的仪器设备清单（整体替换）"}
    )


class FileUploadSchema(BaseSchema):
    file = Upload(required=True, metadata={"description": "文件：PDF、JPEG 或 PNG"})


class FacePhotoUploadSchema(BaseSchema):
    photo = Upload(required=True, metadata={"description": "照片（JPEG 或 PNG，单人正面）"})


class SignatureUploadSchema(BaseSchema):
    signature = Upload(
        required=True, metadata={"description": "手写签名图片（PNG，透明背景；拍摄纸面签名的 JPEG 亦可）"}
    )


class ReviewDecisionSchema(BaseSchema):
    decision = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["approve", "reject"]),
        metadata={"description": "approve 通过 / reject 退回"},
    )
    reasons = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(1, 200)),
        load_default=list,
        validate=ma.validate.Length(max=20),
        metadata={"description": "审核意见；退回时必填"},
    )


class ReasonsSchema(BaseSchema):
    reasons = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(1, 200)),
        load_default=list,
        validate=ma.validate.Length(max=20),
        metadata={"description": "理由（暂停时必填）"},
    )


class DeregisterSchema(BaseSchema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(1, 200), metadata={"description": "注销理由"})


class OrgAdminAddSchema(BaseSchema):
    phone = ma.fields.String(required=True, metadata={"description": "管理人员手机号（用该号码登录即获得权限）"})
    name = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=64), metadata={"description": "姓名"}
    )


class OrgListArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=ma.validate.OneOf(OrgStatus.values()), metadata={"description": "状态筛选"})
    q = ma.fields.String(validate=ma.validate.Length(max=64), metadata={"description": "名称关键字或统一社会信用代码"})
    district_code = ma.fields.String(
        validate=ma.validate.OneOf(sorted(DISTRICTS)), metadata={"description": "所属区代码，如 310104"}
    )


class UnmaskArgsSchema(BaseSchema):
    unmask = ma.fields.Boolean(
        load_default=False, metadata={"description": "显示完整身份证号码（需“查看未脱敏信息”权限，记入审计日志）"}
    )


class InviteSchema(BaseSchema):
    phone = ma.fields.String(required=True, metadata={"description": "从业人员手机号"})
    position = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(sorted(Position.values())),
        metadata={"description": "岗位：" + Position.glossary("、")},
    )


class PositionSchema(BaseSchema):
    position = ma.fields.String(
        required=True, validate=ma.validate.OneOf(sorted(Position.values())), metadata={"description": "岗位"}
    )


class EndEmploymentSchema(BaseSchema):
    reason = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=200), metadata={"description": "解除原因"}
    )


class StaffArgsSchema(PageArgsSchema):
    status = ma.fields.String(
        validate=ma.validate.OneOf(sorted(EmploymentStatus.values())), metadata={"description": "状态筛选"}
    )


class PractitionerRegisterSchema(BaseSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(2, 32), metadata={"description": "姓名"})
    id_number = ma.fields.String(
        required=True,
        validate=ma.validate.Length(18, 18),
        load_only=True,
        metadata={"description": "居民身份证号码（18位，加密存储）"},
    )


class CertificateDeclareSchema(BaseSchema):
    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(sorted(CertKind.values())),
        metadata={"description": "证书类别：engineer_1 一级注册消防工程师 / engineer_2 二级 / operator 消防设施操作员"},
    )
    cert_no = ma.fields.String(
        required=True, validate=ma.validate.Length(4, 64), metadata={"description": "证书编号（资格证书管理号）"}
    )
    registration_no = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=64),
        metadata={"description": "注册编号（注册消防工程师）"},
    )
    level = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=ma.validate.OneOf(sorted(OPERATOR_LEVELS)),
        metadata={"description": "技能等级（消防设施操作员）：5 五级/初级 … 1 一级/高级技师"},
    )


class ConsentGiveSchema(BaseSchema):
    version = ma.fields.String(
        required=True, validate=ma.validate.Length(1, 16), metadata={"description": "所同意的告知同意书版本号"}
    )


class AltIdentityRequestSchema(BaseSchema):
    note = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=500), metadata={"description": "申请说明"}
    )


class AltIdentityApproveSchema(BaseSchema):
    method = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(sorted(ALT_IDENTITY_METHODS)),
        metadata={"description": "核验方式：" + "、".join(f"{k} {v}" for k, v in ALT_IDENTITY_METHODS.items())},
    )
    note = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=500), metadata={"description": "核验记录"}
    )


class AltIdentityRevokeSchema(BaseSchema):
    note = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=500), metadata={"description": "撤销原因"}
    )


class PractitionerListArgsSchema(PageArgsSchema):
    identity_status = ma.fields.String(
        validate=ma.validate.OneOf(IdentityStatus.values()), metadata={"description": "实名认证状态"}
    )
    alt_identity_requested = ma.fields.Boolean(metadata={"description": "仅显示申请了替代身份核验、尚未批准的人员"})


class PublicOrgArgsSchema(PageArgsSchema):
    q = ma.fields.String(validate=ma.validate.Length(max=64), metadata={"description": "名称关键字"})
    credit_code = ma.fields.String(
        validate=ma.validate.Length(max=18), metadata={"description": "统一社会信用代码（可只输入前几位）"}
    )
    district_code = ma.fields.String(
        validate=ma.validate.OneOf(sorted(DISTRICTS)), metadata={"description": "所属区代码，如 310101"}
    )
    org_type = ma.fields.String(
        validate=ma.validate.OneOf(sorted(OrgType.values())), metadata={"description": "机构类型"}, data_key="type"
    )


class PublicPractitionerArgsSchema(PageArgsSchema):
    org_id = ma.fields.Integer(metadata={"description": "所在机构"})
    cert_kind = ma.fields.String(
        validate=ma.validate.OneOf(sorted(CertKind.values())), metadata={"description": "证书类别"}
    )


# --- outputs -------------------------------------------------------------------------------------------


class RegistryNoteSchema(BaseSchema):
    source = ma.fields.String(metadata={"description": "registry 全国系统 / bigdata 总队大数据平台"})
    code = ma.fields.String()
    message = ma.fields.String()
    field = ma.fields.String(allow_none=True)
    declared = ma.fields.String(allow_none=True)
    recorded = ma.fields.String(allow_none=True)


class OrgSchema(BaseSchema):
    id = ma.fields.Integer()
    credit_code = ma.fields.String()
    name = ma.fields.String()
    types = ma.fields.List(ma.fields.String())
    type_names = ma.fields.Function(lambda o: [OrgType.labels()[t] for t in o.types or []])
    legal_form = ma.fields.String()
    legal_rep_name = ma.fields.String()
    legal_rep_id_masked = ma.fields.Function(lambda o: mask_id(o.legal_rep_id_number))
    address = ma.fields.String()
    lng = ma.fields.Float(allow_none=True, metadata={"description": "经度（WGS-84）"})
    lat = ma.fields.Float(allow_none=True, metadata={"description": "纬度（WGS-84）"})
    district_code = ma.fields.String(allow_none=True)
    district_name = ma.fields.Function(lambda o: _district_name(o.district_code))
    special_zone = ma.fields.String(allow_none=True)
    workplace_area_m2 = ma.fields.Float()
    equipment = ma.fields.List(ma.fields.Nested(EquipmentSchema))
    documents = ma.fields.Function(
        lambda o: {kind: getattr(o, f"{kind}_file_id") is not None for kind in ORG_DOCUMENTS},
        metadata={"description": "各类文件是否已上传"},
    )
    status = ma.fields.String()
    status_name = ma.fields.Function(lambda o: OrgStatus.label_of(o.status, None))
    review_reasons = ma.fields.List(ma.fields.String())
    registry_notes = ma.fields.List(ma.fields.Nested(RegistryNoteSchema))
    submitted_at = LocalDateTime(allow_none=True)
    verified_at = LocalDateTime(allow_none=True)
    conditions_met = ma.fields.Boolean()
    conditions_checked_at = LocalDateTime(allow_none=True)
    conditions_ruleset = ma.fields.String(allow_none=True)
    created_at = LocalDateTime()


class ConditionSchema(BaseSchema):
    key = ma.fields.String()
    label = ma.fields.String()
    met = ma.fields.Boolean()
    required = ma.fields.Raw(metadata={"description": "要求（数量、面积或法人资格）"})
    actual = ma.fields.Raw(metadata={"description": "实际"})
    unit = ma.fields.String(allow_none=True)
    detail = ma.fields.String(allow_none=True)


class ConditionReportSchema(BaseSchema):
    org_id = ma.fields.Integer()
    ruleset = ma.fields.String()
    ruleset_title = ma.fields.String()
    evaluated_on = ma.fields.Date()
    evaluated_at = LocalDateTime()
    met = ma.fields.Boolean()
    conditions = ma.fields.List(ma.fields.Nested(ConditionSchema))


class ReviewSchema(BaseSchema):
    id = ma.fields.Integer()
    decision = ma.fields.String()
    decision_name = ma.fields.Function(lambda r: ReviewDecision.label_of(r.decision, None))
    reasons = ma.fields.List(ma.fields.String())
    reviewer_user_id = ma.fields.Integer()
    created_at = LocalDateTime()


class OrgDetailSchema(BaseSchema):
    organization = ma.fields.Nested(OrgSchema)
    conditions = ma.fields.Nested(ConditionReportSchema)
    reviews = ma.fields.List(ma.fields.Nested(ReviewSchema))
    legal_rep_id_number = ma.fields.String(allow_none=True, metadata={"description": "仅在 unmask=true 且有权限时返回"})


class OrgAdminSchema(BaseSchema):
    user_id = ma.fields.Integer(attribute="user.id")
    display_name = ma.fields.String(attribute="user.display_name", allow_none=True)
    phone_masked = ma.fields.Function(lambda a: _mask_user_phone(a.user))
    is_legal_rep = ma.fields.Boolean()


def _mask_user_phone(user: Any) -> str:
    from backend.core.validators import mask_phone

    return mask_phone(user.phone)


class CertificateSchema(BaseSchema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    kind_name = ma.fields.Function(lambda c: CertKind.label_of(c.kind, None))
    level = ma.fields.Integer(allow_none=True)
    level_name = ma.fields.Function(lambda c: _name(OPERATOR_LEVELS, c.level))
    cert_no = ma.fields.String()
    registration_no = ma.fields.String(allow_none=True)
    registered_org_credit_code = ma.fields.String(allow_none=True, metadata={"description": "全国系统登记的注册机构"})
    issued_on = ma.fields.Date(allow_none=True)
    expires_on = ma.fields.Date(allow_none=True)
    status = ma.fields.String(metadata={"description": "、".join(CertStatus.values())})
    status_name = ma.fields.Function(lambda c: CertStatus.label_of(c.status, None))
    check_notes = ma.fields.List(ma.fields.String())
    checked_at = LocalDateTime(allow_none=True)
    photo_uploaded = ma.fields.Function(
        lambda c: c.photo_file_id is not None, metadata={"description": "是否已上传证书照片"}
    )


class PractitionerSummarySchema(BaseSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    name_masked = ma.fields.String()
    identity_status = ma.fields.String()
    face_status = ma.fields.String()
    alt_identity_approved_at = LocalDateTime(allow_none=True)
    alt_identity_requested_at = LocalDateTime(allow_none=True)
    certificates = ma.fields.List(ma.fields.Nested(CertificateSchema))


class EmploymentSchema(BaseSchema):
    id = ma.fields.Integer()
    org_id = ma.fields.Integer()
    org_name = ma.fields.String(attribute="org.name")
    position = ma.fields.String()
    position_name = ma.fields.Function(lambda e: Position.label_of(e.position, None))
    status = ma.fields.String()
    status_name = ma.fields.Function(lambda e: EmploymentStatus.label_of(e.status, None))
    invited_phone_masked = ma.fields.String(allow_none=True)
    practitioner = ma.fields.Nested(PractitionerSummarySchema, allow_none=True)
    started_at = LocalDateTime(allow_none=True)
    ended_at = LocalDateTime(allow_none=True)
    end_reason = ma.fields.String(allow_none=True)
    created_at = LocalDateTime()


class FaceEnrolmentSchema(BaseSchema):
    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "pending 处理中 / enrolled 成功 / failed 失败"})
    fail_reason = ma.fields.String(allow_none=True, metadata={"description": "失败原因代码"})
    fail_message = ma.fields.Function(lambda e: _message(e.fail_reason))
    replaces_previous = ma.fields.Boolean(metadata={"description": "是否为重新采集"})
    requested_at = LocalDateTime()
    processed_at = LocalDateTime(allow_none=True)


def _message(code: str | None) -> str | None:
    from backend.core.messages import message_for

    return message_for(code) if code else None


class FaceStatusSchema(BaseSchema):
    face_status = ma.fields.String()
    face_status_name = ma.fields.Function(lambda s: FaceStatus.label_of(s.face_status, None))
    face_fail_reason = ma.fields.String(allow_none=True)
    face_enrolled_at = LocalDateTime(allow_none=True)
    consent_in_force = ma.fields.Boolean()
    latest = ma.fields.Nested(FaceEnrolmentSchema, allow_none=True)


class FaceVerificationSchema(BaseSchema):
    distance = ma.fields.Float(metadata={"description": "与登记人脸特征的欧氏距离（越小越相似）"})
    passed = ma.fields.Boolean()
    tolerance = ma.fields.Float(metadata={"description": "通过阈值"})
    reason_code = ma.fields.String(allow_none=True)


class ConsentSchema(BaseSchema):
    current_version = ma.fields.String()
    text = ma.fields.String()
    version = ma.fields.String(allow_none=True, metadata={"description": "本人已同意的版本"})
    given_at = LocalDateTime(allow_none=True)
    withdrawn_at = LocalDateTime(allow_none=True)
    in_force = ma.fields.Boolean()


class EmployerSchema(BaseSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    credit_code = ma.fields.String()
    district_code = ma.fields.String(allow_none=True)


class PractitionerProfileSchema(BaseSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    name_masked = ma.fields.String()
    id_number_masked = ma.fields.Function(lambda p: mask_id(p.practitioner.id_number))
    id_number = ma.fields.String(allow_none=True, metadata={"description": "仅在 unmask=true 且有权限时返回"})
    identity_status = ma.fields.String()
    identity_verified_at = LocalDateTime(allow_none=True)
    registry_known = ma.fields.Boolean(metadata={"description": "全国系统是否有本人（身份证号与姓名一致）"})
    registry_notes = ma.fields.List(ma.fields.Dict())
    biometric_consent_version = ma.fields.String(allow_none=True)
    biometric_consent_at = LocalDateTime(allow_none=True)
    biometric_consent_withdrawn_at = LocalDateTime(allow_none=True)
    face_status = ma.fields.String()
    face_status_name = ma.fields.Function(lambda p: FaceStatus.label_of(p.face_status, None))
    face_fail_reason = ma.fields.String(allow_none=True)
    face_enrolled_at = LocalDateTime(allow_none=True)
    latest_enrolment = ma.fields.Nested(FaceEnrolmentSchema, allow_none=True)
    alt_identity_approved_at = LocalDateTime(allow_none=True, metadata={"description": "替代身份核验批准时间"})
    alt_identity_method = ma.fields.String(allow_none=True)
    alt_identity_method_name = ma.fields.Function(lambda p: _name(ALT_IDENTITY_METHODS, p.alt_identity_method))
    alt_identity_note = ma.fields.String(allow_none=True)
    alt_identity_requested_at = LocalDateTime(allow_none=True)
    signature_uploaded = ma.fields.Function(lambda p: p.signature_file_id is not None)
    certificates = ma.fields.List(ma.fields.Nested(CertificateSchema))
    employment = ma.fields.Nested(
        ma.Schema.from_dict(
            {
                "id": ma.fields.Integer(),
                "position": ma.fields.String(),
                "started_at": LocalDateTime(allow_none=True),
            },
            name="ActiveEmployment",
        ),
        allow_none=True,
    )
    employer = ma.fields.Nested(EmployerSchema, allow_none=True)


class PublicOrgSchema(BaseSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    credit_code = ma.fields.String()
    types = ma.fields.List(ma.fields.String())
    type_names = ma.fields.Function(lambda o: [OrgType.labels()[t] for t in o.types or []])
    status = ma.fields.String()
    status_name = ma.fields.Function(lambda o: OrgStatus.label_of(o.status, None))
    district_code = ma.fields.String(allow_none=True)
    district_name = ma.fields.Function(lambda o: _district_name(o.district_code))


class PublicPractitionerSchema(BaseSchema):
    id = ma.fields.Integer()
    name_masked = ma.fields.String()
    certificate_kinds = ma.fields.List(ma.fields.String())
    certificate_names = ma.fields.Function(lambda p: [CertKind.labels()[k] for k in p.certificate_kinds])

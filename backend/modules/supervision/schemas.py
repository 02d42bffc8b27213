from __future__ import annotations

import base64
import binascii
from typing import Any

import marshmallow as ma

from backend.core.pagination import PageArgsSchema
from backend.core.schemas import BaseSchema, LocalDateTime
from backend.core.vocabulary import Labelled

from . import rules
from .inspections import suggested_bases
from .spot_checks import FLAGS, REASONS
from .vocabulary import (
    CheckType,
    FollowUpOutcome,
    InspectionResult,
    InspectionStatus,
    ItemResult,
    PenaltySubjectKind,
    SpotCheckNotice,
    SpotCheckStatus,
)

CRS_CHOICES = ["wgs84", "gcj02", "bd09"]
# 10 MB of image (the limit of core.images) is about 13.4 million base64 characters.
MAX_BASE64_CHARS = 14_000_000


class Base64Photo(ma.fields.String):
    """A photo as base64 in JSON (the mini-program reads the file with encoding "base64" and sends one
    request). A data-URL prefix ("data:image/jpeg;base64,") is accepted."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bytes:  # type: ignore[override]
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > MAX_BASE64_CHARS:
            raise ma.ValidationError("照片过大")
        if text.startswith("data:") and "," in text:
            text = text.split(",", 1)[1]
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ma.ValidationError("照片须为 base64 编码的 JPEG 或 PNG") from exc
        if not raw:
            raise ma.ValidationError("照片为空")
        return raw


def _labelled(labels: type[Labelled], attr: str) -> ma.fields.Function:
    return ma.fields.Function(lambda obj: labels.label_of(getattr(obj, attr)))


def _coded(mapping: dict[str, str], attr: str) -> ma.fields.Function:
    return ma.fields.Function(
        lambda obj: [{"code": code, "message": mapping.get(code, code)} for code in getattr(obj, attr) or []]
    )


# --- references to other modules' rows ---------------------------------------------------------------------


class SubjectOrgSchema(BaseSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    credit_code = ma.fields.String()


class SubjectProjectSchema(BaseSchema):
    id = ma.fields.Integer()
    project_no = ma.fields.String()
    name = ma.fields.String()


class SubjectPractitionerSchema(BaseSchema):
    id = ma.fields.Integer()
    name_masked = ma.fields.String(metadata={"description": "脱敏姓名"})


class InspectorLocationSchema(BaseSchema):
    lng = ma.fields.Float(required=True, metadata={"description": "经度"})
    lat = ma.fields.Float(required=True, metadata={"description": "纬度"})
    crs = ma.fields.String(
        load_default="gcj02",
        validate=ma.validate.OneOf(CRS_CHOICES),
        metadata={"description": "坐标系：小程序 wx.getLocation 为 gcj02（默认），也可为 wgs84、bd09"},
    )
    accuracy_m = ma.fields.Float(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(min=0),
        metadata={"description": "定位精度（米）"},
    )


# --- catalogue -----------------------------------------------------------------------------------------------


class ChecklistItemSchema(BaseSchema):
    code = ma.fields.String()
    title = ma.fields.String()
    clause = ma.fields.String()
    penalty_basis = ma.fields.String(metadata={"description": "不符合时通常适用的处罚依据"})


class ChecklistSchema(BaseSchema):
    check_type = ma.fields.String()
    name = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(ChecklistItemSchema))


class AmountRangeSchema(BaseSchema):
    minimum = ma.fields.Integer(metadata={"description": "最低罚款（元）；0 表示仅有上限"})
    maximum = ma.fields.Integer(metadata={"description": "最高罚款（元）"})
    text = ma.fields.Function(lambda r: r.describe())


class PenaltyBasisSchema(BaseSchema):
    code = ma.fields.String()
    article = ma.fields.String()
    conduct = ma.fields.String()
    organization = ma.fields.Nested(AmountRangeSchema, allow_none=True, metadata={"description": "对机构的罚款幅度"})
    practitioner = ma.fields.Nested(AmountRangeSchema, allow_none=True, metadata={"description": "对个人的罚款幅度"})


class SupervisionRulesSchema(BaseSchema):
    ruleset = ma.fields.String()
    checklists = ma.fields.List(ma.fields.Nested(ChecklistSchema))
    penalty_bases = ma.fields.List(ma.fields.Nested(PenaltyBasisSchema))


# --- inspections -----------------------------------------------------------------------------------------------


class ChecklistEntryInSchema(BaseSchema):
    code = ma.fields.String(required=True, metadata={"description": "检查项代码，见 GET /supervision/rules"})
    result = ma.fields.String(
        required=True, validate=ma.validate.OneOf(ItemResult.values()), metadata={"description": "pass/fail/na"}
    )
    note = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=1000), metadata={"description": "情况说明"}
    )


class InspectionCreateSchema(BaseSchema):
    project_id = ma.fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "被检查项目（与机构二选一）"}
    )
    org_id = ma.fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "被检查机构（与项目二选一）"}
    )
    check_type = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.OneOf(CheckType.values()),
        metadata={
            "description": "unit 单位抽查（第二十二条）/ special 专项检查（第二十三条）；默认项目 unit、机构 special"
        },
    )
    inspected_at = LocalDateTime(load_default=None, allow_none=True, metadata={"description": "检查时间，默认当前"})
    checklist = ma.fields.List(
        ma.fields.Nested(ChecklistEntryInSchema), required=True, metadata={"description": "检查表，每项须给出结论"}
    )
    findings = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=4000), metadata={"description": "检查发现"}
    )
    location = ma.fields.Nested(InspectorLocationSchema, required=True, metadata={"description": "检查人员所在位置"})
    result = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(InspectionResult.values()),
        metadata={"description": "qualified 合格 / rectify 责令整改 / case_filed 立案查处"},
    )
    rectification_deadline = ma.fields.Date(
        load_default=None, allow_none=True, metadata={"description": "整改期限（责令整改时必填）"}
    )


class FollowUpCreateSchema(BaseSchema):
    outcome = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(FollowUpOutcome.values()),
        metadata={"description": "progress 跟踪记录 / rectified 整改完成 / escalated 逾期未改立案 / closed 案件办结"},
    )
    note = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=2000), metadata={"description": "跟踪情况"}
    )
    penalty_id = ma.fields.Integer(load_default=None, allow_none=True, metadata={"description": "关联的行政处罚"})


class PhotoUploadSchema(BaseSchema):
    photo = Base64Photo(required=True, metadata={"description": "照片，base64 编码的 JPEG/PNG（≤10MB）"})
    caption = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=200), metadata={"description": "照片说明"}
    )
    follow_up_id = ma.fields.Integer(load_default=None, allow_none=True, metadata={"description": "所属跟踪记录"})


class ChecklistEntrySchema(BaseSchema):
    code = ma.fields.String()
    title = ma.fields.Function(lambda e: rules.ITEMS_BY_CODE[e["code"]].title)
    result = ma.fields.String()
    result_label = ma.fields.Function(lambda e: ItemResult.labels()[e["result"]])
    note = ma.fields.String(allow_none=True)


class FollowUpSchema(BaseSchema):
    id = ma.fields.Integer()
    recorded_by = ma.fields.Integer()
    recorded_at = LocalDateTime()
    outcome = ma.fields.String()
    outcome_label = _labelled(FollowUpOutcome, "outcome")
    note = ma.fields.String()
    penalty_id = ma.fields.Integer(allow_none=True)


class InspectionPhotoSchema(BaseSchema):
    id = ma.fields.Integer()
    follow_up_id = ma.fields.Integer(allow_none=True)
    caption = ma.fields.String(allow_none=True)
    created_at = LocalDateTime()
    url = ma.fields.Function(lambda p: f"/api/v1/supervision/inspections/{p.inspection_id}/photos/{p.id}")


class InspectionLocationSchema(BaseSchema):
    lng = ma.fields.Float(allow_none=True, metadata={"description": "WGS-84 经度"})
    lat = ma.fields.Float(allow_none=True, metadata={"description": "WGS-84 纬度"})
    accuracy_m = ma.fields.Float(allow_none=True)
    distance_to_fence_m = ma.fields.Float(
        allow_none=True, metadata={"description": "距检查对象电子围栏的距离，0 为在围栏内"}
    )
    flags = ma.fields.List(ma.fields.String(), attribute="location_flags")


class InspectionSchema(BaseSchema):
    id = ma.fields.Integer()
    subject_kind = ma.fields.String()
    org = ma.fields.Nested(SubjectOrgSchema)
    project = ma.fields.Nested(SubjectProjectSchema, allow_none=True)
    check_type = ma.fields.String()
    check_type_label = _labelled(CheckType, "check_type")
    district_code = ma.fields.String(allow_none=True)
    special_zone = ma.fields.String(allow_none=True)
    inspector_user_id = ma.fields.Integer()
    inspected_at = LocalDateTime()
    checklist = ma.fields.List(ma.fields.Nested(ChecklistEntrySchema))
    findings = ma.fields.String(allow_none=True)
    location = ma.fields.Function(lambda i: InspectionLocationSchema().dump(i))
    result = ma.fields.String()
    result_label = _labelled(InspectionResult, "result")
    rectification_deadline = ma.fields.Date(allow_none=True)
    status = ma.fields.String()
    status_label = _labelled(InspectionStatus, "status")
    suggested_bases = ma.fields.Function(suggested_bases, metadata={"description": "不符合项对应的处罚依据"})
    closed_at = LocalDateTime(allow_none=True)
    follow_ups = ma.fields.List(ma.fields.Nested(FollowUpSchema))
    photos = ma.fields.List(ma.fields.Nested(InspectionPhotoSchema))


class InspectionQuerySchema(PageArgsSchema):
    org_id = ma.fields.Integer(metadata={"description": "机构"})
    project_id = ma.fields.Integer(metadata={"description": "项目"})
    status = ma.fields.String(validate=ma.validate.OneOf(InspectionStatus.values()), metadata={"description": "状态"})
    result = ma.fields.String(validate=ma.validate.OneOf(InspectionResult.values()), metadata={"description": "结论"})
    overdue = ma.fields.Boolean(metadata={"description": "仅显示整改逾期的检查"})


# --- spot checks -------------------------------------------------------------------------------------------------


class LiveVisitQuerySchema(PageArgsSchema):
    project_id = ma.fields.Integer(metadata={"description": "项目"})
    org_id = ma.fields.Integer(metadata={"description": "机构"})
    district_code = ma.fields.String(validate=ma.validate.Length(equal=6), metadata={"description": "行政区划代码"})


class LiveVisitSchema(BaseSchema):
    visit_id = ma.fields.Integer(attribute="visit.id")
    checked_in_at = LocalDateTime(attribute="visit.checked_in_at")
    district_code = ma.fields.String(attribute="visit.district_code", allow_none=True)
    face_passed = ma.fields.Boolean(attribute="visit.face_passed", allow_none=True)
    distance_to_fence_m = ma.fields.Float(attribute="visit.distance_to_fence_m", allow_none=True)
    project = ma.fields.Nested(SubjectProjectSchema)
    org = ma.fields.Nested(SubjectOrgSchema)
    practitioner = ma.fields.Nested(SubjectPractitionerSchema)
    pending_spot_check_id = ma.fields.Integer(allow_none=True, metadata={"description": "尚未答复的抽查"})


class SpotCheckCreateSchema(BaseSchema):
    visit_id = ma.fields.Integer(required=True, metadata={"description": "签到记录（见实时在岗列表）"})
    deadline_minutes = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(5, 120),
        metadata={"description": "答复时限（分钟），默认15"},
    )


class RandomSpotCheckSchema(BaseSchema):
    share_percent = ma.fields.Float(
        required=True,
        validate=ma.validate.Range(min=0, max=100, min_inclusive=False),
        metadata={"description": "抽查比例（%），如 10"},
    )
    max_count = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(min=1, max=1000),
        metadata={"description": "最多抽查人数"},
    )
    deadline_minutes = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(5, 120),
        metadata={"description": "答复时限（分钟），默认15"},
    )
    project_id = ma.fields.Integer(load_default=None, allow_none=True, metadata={"description": "仅抽查该项目"})
    org_id = ma.fields.Integer(load_default=None, allow_none=True, metadata={"description": "仅抽查该机构"})
    district_code = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(equal=6), metadata={"description": "仅抽查该区"}
    )


class SpotCheckSchema(BaseSchema):
    id = ma.fields.Integer()
    batch_id = ma.fields.Integer(allow_none=True)
    visit_id = ma.fields.Integer()
    project = ma.fields.Nested(SubjectProjectSchema)
    org = ma.fields.Nested(SubjectOrgSchema)
    practitioner = ma.fields.Nested(SubjectPractitionerSchema)
    district_code = ma.fields.String(allow_none=True)
    issued_at = LocalDateTime()
    deadline_at = LocalDateTime()
    status = ma.fields.String()
    status_label = _labelled(SpotCheckStatus, "status")
    notified_via = ma.fields.String(allow_none=True, metadata={"description": SpotCheckNotice.glossary()})
    answered_at = LocalDateTime(allow_none=True)
    identity_method = ma.fields.String(allow_none=True)
    face_distance = ma.fields.Float(allow_none=True)
    face_passed = ma.fields.Boolean(allow_none=True)
    distance_to_fence_m = ma.fields.Float(allow_none=True)
    failure_reasons = _coded(REASONS, "failure_reasons")
    flags = _coded(FLAGS, "flags")
    closed_at = LocalDateTime(allow_none=True)


class SpotCheckBatchSchema(BaseSchema):
    id = ma.fields.Integer(attribute="batch.id")
    issued_at = LocalDateTime(attribute="batch.issued_at")
    share_percent = ma.fields.Float(attribute="batch.share_percent")
    population = ma.fields.Integer(attribute="batch.population", metadata={"description": "可抽查人数"})
    selected = ma.fields.Integer(attribute="batch.selected", metadata={"description": "抽中人数"})
    checks = ma.fields.List(ma.fields.Nested(SpotCheckSchema))


class SpotCheckQuerySchema(PageArgsSchema):
    status = ma.fields.String(validate=ma.validate.OneOf(SpotCheckStatus.values()), metadata={"description": "状态"})
    project_id = ma.fields.Integer(metadata={"description": "项目"})
    org_id = ma.fields.Integer(metadata={"description": "机构"})
    practitioner_id = ma.fields.Integer(metadata={"description": "从业人员"})
    batch_id = ma.fields.Integer(metadata={"description": "随机抽查批次"})


class MySpotCheckQuerySchema(PageArgsSchema):
    status = ma.fields.String(
        load_default="issued",
        validate=ma.validate.OneOf(SpotCheckStatus.values()),
        metadata={"description": "状态，默认待答复"},
    )


class SpotCheckAnswerSchema(BaseSchema):
    photo = Base64Photo(required=True, metadata={"description": "现场拍摄的本人人脸照片，base64 编码的 JPEG/PNG"})
    lng = ma.fields.Float(required=True, metadata={"description": "经度"})
    lat = ma.fields.Float(required=True, metadata={"description": "纬度"})
    crs = ma.fields.String(
        load_default="gcj02", validate=ma.validate.OneOf(CRS_CHOICES), metadata={"description": "坐标系，默认 gcj02"}
    )
    accuracy_m = ma.fields.Float(
        load_default=None, validate=ma.validate.Range(min=0), metadata={"description": "定位精度（米）"}
    )
    device_time = LocalDateTime(load_default=None, metadata={"description": "拍照时的设备时间"})


# --- penalties -------------------------------------------------------------------------------------------------


class PenaltyCreateSchema(BaseSchema):
    decision_no = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=4, max=64),
        metadata={"description": "处罚决定书文号，如 沪消行罚决字〔2026〕0001号"},
    )
    basis = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(list(rules.PENALTY_BASES)),
        metadata={"description": "处罚依据代码，见 GET /supervision/rules"},
    )
    facts = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=4000), metadata={"description": "违法事实"}
    )
    subject_kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(PenaltySubjectKind.values()),
        metadata={"description": "organization 机构 / practitioner 从业人员"},
    )
    org_id = ma.fields.Integer(required=True, metadata={"description": "被处罚机构；处罚个人时为其所在机构"})
    practitioner_id = ma.fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "被处罚的从业人员"}
    )
    inspection_id = ma.fields.Integer(load_default=None, allow_none=True, metadata={"description": "关联的现场检查"})
    amount_yuan = ma.fields.Integer(
        required=True, validate=ma.validate.Range(min=1), metadata={"description": "罚款金额（元）"}
    )
    decided_on = ma.fields.Date(required=True, metadata={"description": "决定日期"})
    is_public = ma.fields.Boolean(load_default=True, metadata={"description": "是否向社会公示"})
    credit_points = ma.fields.Integer(
        load_default=0,
        validate=ma.validate.Range(0, rules.MAX_CREDIT_POINTS),
        metadata={"description": "积分信用扣分（第三十一条）"},
    )


class PenaltySchema(BaseSchema):
    id = ma.fields.Integer()
    decision_no = ma.fields.String()
    basis = ma.fields.String()
    article = ma.fields.Function(lambda p: rules.PENALTY_BASES[p.basis].article)
    ruleset = ma.fields.String()
    facts = ma.fields.String()
    subject_kind = ma.fields.String()
    org = ma.fields.Nested(SubjectOrgSchema)
    practitioner = ma.fields.Nested(SubjectPractitionerSchema, allow_none=True)
    inspection_id = ma.fields.Integer(allow_none=True)
    amount_yuan = ma.fields.Integer()
    decided_on = ma.fields.Date()
    is_public = ma.fields.Boolean()
    credit_points = ma.fields.Integer()
    district_code = ma.fields.String(allow_none=True)
    created_at = LocalDateTime()


class PublicPenaltySchema(BaseSchema):
    id = ma.fields.Integer()
    decision_no = ma.fields.String()
    article = ma.fields.Function(lambda p: rules.PENALTY_BASES[p.basis].article)
    facts = ma.fields.String()
    subject_kind = ma.fields.String()
    org = ma.fields.Nested(SubjectOrgSchema)
    practitioner = ma.fields.Nested(SubjectPractitionerSchema, allow_none=True)
    amount_yuan = ma.fields.Integer()
    decided_on = ma.fields.Date()


class PenaltyQuerySchema(PageArgsSchema):
    org_id = ma.fields.Integer(metadata={"description": "机构"})
    practitioner_id = ma.fields.Integer(metadata={"description": "从业人员"})
    basis = ma.fields.String(
        validate=ma.validate.OneOf(list(rules.PENALTY_BASES)), metadata={"description": "处罚依据"}
    )
    subject_kind = ma.fields.String(
        validate=ma.validate.OneOf(PenaltySubjectKind.values()), metadata={"description": "处罚对象类型"}
    )


class PublicPenaltyQuerySchema(PageArgsSchema):
    org_id = ma.fields.Integer(metadata={"description": "机构"})
    basis = ma.fields.String(
        validate=ma.validate.OneOf(list(rules.PENALTY_BASES)), metadata={"description": "处罚依据"}
    )

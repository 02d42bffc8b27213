"""Request and response schemas of the documents API."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, timedelta
from typing import Any

import marshmallow as ma
from flask_smorest.fields import Upload

from backend.core.pagination import PageArgsSchema
from backend.core.schemas import BaseSchema, LocalDateTime

from .models import DocStatus, DocType, SignerRole
from .rendering import ITEM_RESULTS

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class Base64Bytes(ma.fields.Field[bytes]):
    """An image sent as base64 in JSON (what the mini-program's wx.getFileSystemManager gives): a string on
    the wire (so documented), the decoded bytes once loaded."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["metadata"] = {"type": "string", **kwargs.get("metadata", {})}
        super().__init__(**kwargs)
        self._text = ma.fields.String()

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bytes:
        text = self._text.deserialize(value, attr, data, **kwargs)
        if "," in text[:64] and text.startswith("data:"):
            text = text.split(",", 1)[1]  # a data: URL
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ma.ValidationError("不是有效的 base64 编码") from exc
        if not raw:
            raise ma.ValidationError("照片为空")
        if len(raw) > MAX_PHOTO_BYTES:
            raise ma.ValidationError("照片不能超过 8 MB")
        return raw


class DocumentDraftCreateSchema(BaseSchema):
    month = ma.fields.String(
        metadata={"description": "维护保养记录的月份（YYYY-MM）；与服务期间二选一", "example": "2025-03"}
    )
    period_start = ma.fields.Date(metadata={"description": "服务期间开始日期（检测、评估报告）"})
    period_end = ma.fields.Date(metadata={"description": "服务期间结束日期"})

    @ma.post_load
    def resolve_period(self, data: dict[str, Any], **kwargs: Any) -> dict[str, date]:
        if data.get("month"):
            match = MONTH.match(data["month"])
            if not match:
                raise ma.ValidationError({"month": ["月份格式应为 YYYY-MM"]})
            year, month = int(match.group(1)), int(match.group(2))
            start = date(year, month, 1)
            end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
            return {"period_start": start, "period_end": end}
        if not data.get("period_start") or not data.get("period_end"):
            raise ma.ValidationError({"month": ["请填写月份，或服务期间的开始和结束日期"]})
        return {"period_start": data["period_start"], "period_end": data["period_end"]}


class DocumentItemInputSchema(BaseSchema):
    system_code = ma.fields.String(
        required=True, validate=ma.validate.Length(1, 32), metadata={"description": "消防设施系统代码"}
    )
    item = ma.fields.String(required=True, validate=ma.validate.Length(1, 200), metadata={"description": "项目内容"})
    result = ma.fields.String(
        required=True, validate=ma.validate.OneOf(ITEM_RESULTS), metadata={"description": "结果：合格/不合格/未检"}
    )
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=200), metadata={"description": "备注"})
    plan_item_id = ma.fields.Integer(allow_none=True, load_default=None, metadata={"description": "维保计划项"})


class DocumentDraftUpdateSchema(BaseSchema):
    conclusion = ma.fields.String(validate=ma.validate.Length(1, 4000), metadata={"description": "结论"})
    items = ma.fields.List(
        ma.fields.Nested(DocumentItemInputSchema),
        validate=ma.validate.Length(max=500),
        metadata={"description": "全部结论项目（替换原有项目）"},
    )
    refresh_defects = ma.fields.Boolean(
        load_default=False, metadata={"description": "按项目当前记录重新汇总故障、隐患及整改情况"}
    )


class DocumentSignSchema(BaseSchema):
    identity_method = ma.fields.String(
        load_default="face",
        validate=ma.validate.OneOf(["face", "alternative"]),
        metadata={"description": "身份核验方式：face 人脸核验；alternative 经批准的替代核验"},
    )
    photo = Base64Bytes(
        load_default=None,
        metadata={"description": "签署时现场拍摄的本人照片（JPEG/PNG，base64 编码，可为 data: URL）"},
    )


class DocumentRevokeSchema(BaseSchema):
    reason = ma.fields.String(
        required=True, validate=ma.validate.Length(4, 500), metadata={"description": "撤销理由（将公开显示）"}
    )


class DocumentQuerySchema(PageArgsSchema):
    project_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**62), metadata={"description": "项目"})
    org_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**62), metadata={"description": "机构"})
    status = ma.fields.String(validate=ma.validate.OneOf(DocStatus.values()), metadata={"description": "状态"})
    doc_type = ma.fields.String(validate=ma.validate.OneOf(DocType.values()), metadata={"description": "文件类型"})


class DocumentSignatureSchema(BaseSchema):
    role = ma.fields.String()
    role_name = ma.fields.Function(lambda s: SignerRole.labels()[s.role])
    practitioner_id = ma.fields.Integer()
    identity_method = ma.fields.String()
    face_distance = ma.fields.Float(allow_none=True)
    certificate_level = ma.fields.String()
    certificate_number = ma.fields.String()
    signed_at = LocalDateTime()


class DocumentFindingSchema(BaseSchema):
    code = ma.fields.String()
    message = ma.fields.String()
    details = ma.fields.Dict()


class DocumentSchema(BaseSchema):
    id = ma.fields.Integer()
    report_number = ma.fields.String(allow_none=True)
    project_id = ma.fields.Integer()
    org_id = ma.fields.Integer()
    doc_type = ma.fields.String()
    doc_type_name = ma.fields.String(attribute="type_name")
    period_start = ma.fields.Date()
    period_end = ma.fields.Date()
    status = ma.fields.String()
    status_name = ma.fields.Function(lambda d: DocStatus.labels()[d.status])
    items = ma.fields.List(ma.fields.Dict())
    defects = ma.fields.List(ma.fields.Dict())
    conclusion = ma.fields.String()
    project_lead_id = ma.fields.Integer()
    technical_lead_id = ma.fields.Integer()
    signatures = ma.fields.List(ma.fields.Nested(DocumentSignatureSchema))
    block_reasons = ma.fields.List(ma.fields.Nested(DocumentFindingSchema))
    flags = ma.fields.List(ma.fields.Nested(DocumentFindingSchema))
    evaluated_at = LocalDateTime(allow_none=True)
    effective_at = LocalDateTime(allow_none=True)
    issued_at = LocalDateTime(allow_none=True)
    pdf_ready = ma.fields.Function(lambda d: d.pdf_file_id is not None)
    pdf_sha256 = ma.fields.String(allow_none=True)
    revoked_at = LocalDateTime(allow_none=True)
    revoke_reason = ma.fields.String(allow_none=True)
    created_at = LocalDateTime()


class VerifyQuerySchema(BaseSchema):
    t = ma.fields.String(
        required=True,
        validate=ma.validate.Length(1, 2048),
        metadata={"description": "二维码中的核验令牌（或扫码得到的完整网址）"},
    )


class VerifyPdfUploadSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "待核验的结论文件 PDF"})


class VerifiedSignerSchema(BaseSchema):
    role = ma.fields.String()
    role_name = ma.fields.String()
    name_masked = ma.fields.String()
    certificate_level = ma.fields.String()
    certificate_number_masked = ma.fields.String()
    signed_at = LocalDateTime()


class VerifiedDocumentSchema(BaseSchema):
    report_number = ma.fields.String()
    doc_type = ma.fields.String()
    doc_type_name = ma.fields.String()
    status = ma.fields.String()
    status_name = ma.fields.String()
    organisation_name = ma.fields.String()
    organisation_credit_code = ma.fields.String()
    project_name = ma.fields.String()
    building_name = ma.fields.String()
    building_address = ma.fields.String()
    district_name = ma.fields.String()
    period_start = ma.fields.Date()
    period_end = ma.fields.Date()
    signers = ma.fields.List(ma.fields.Nested(VerifiedSignerSchema))
    effective_at = LocalDateTime(allow_none=True)
    revoked_at = LocalDateTime(allow_none=True)
    revoke_reason = ma.fields.String(allow_none=True)
    flags = ma.fields.List(ma.fields.String())


class VerifiedNoticeSchema(BaseSchema):
    project_no = ma.fields.String()
    project_name = ma.fields.String()
    building_name = ma.fields.String()
    building_address = ma.fields.String()
    organisation_name = ma.fields.String()
    maintained_at = LocalDateTime()
    latest_visit_at = LocalDateTime(allow_none=True)


class VerificationSchema(BaseSchema):
    result = ma.fields.String(
        metadata={
            "description": "effective 有效 / revoked 已撤销 / mismatch 与存档不一致 / unknown 无记录 / "
            "genuine 上传文件与存档一致 / altered 上传文件被改动 / notice_current、notice_outdated 维保标识"
        }
    )
    result_text = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "document 结论文件 / maintenance_notice 维保标识 / pdf 上传文件"})
    report_number = ma.fields.String(allow_none=True)
    issued_at = LocalDateTime(allow_none=True)
    sha256 = ma.fields.String(allow_none=True)
    document = ma.fields.Nested(VerifiedDocumentSchema, allow_none=True)
    notice = ma.fields.Nested(VerifiedNoticeSchema, allow_none=True)

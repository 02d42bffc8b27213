"""Request and response schemas of the feedback API (organisations and supervisors)."""

from __future__ import annotations

import marshmallow as ma

from backend.core.pagination import PageArgsSchema
from backend.core.schemas import BaseSchema, LocalDateTime

from .models import FeedbackFlag, FeedbackKind, FeedbackStatus, MessageChannel, MessageStatus


class FeedbackQuerySchema(PageArgsSchema):
    project_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**62), metadata={"description": "项目"})
    org_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**62), metadata={"description": "机构"})
    status = ma.fields.String(
        validate=ma.validate.OneOf(FeedbackStatus.values()),
        metadata={"description": "状态：待确认/已确认/有异议/已超期"},
    )
    kind = ma.fields.String(
        validate=ma.validate.OneOf(FeedbackKind.values()), metadata={"description": "类型：现场服务/月度维保"}
    )


class FeedbackMessageSchema(BaseSchema):
    channel = ma.fields.String()
    channel_name = ma.fields.Function(lambda m: MessageChannel.label_of(m.channel))
    recipient_masked = ma.fields.String()
    status = ma.fields.String()
    status_name = ma.fields.Function(lambda m: MessageStatus.label_of(m.status))
    error = ma.fields.String(allow_none=True)
    sent_at = LocalDateTime()
    status_at = LocalDateTime(allow_none=True)


class FeedbackSchema(BaseSchema):
    id = ma.fields.Integer()
    project_id = ma.fields.Integer()
    org_id = ma.fields.Integer()
    kind = ma.fields.String()
    kind_name = ma.fields.Function(lambda f: FeedbackKind.labels()[f.kind])
    period_start = ma.fields.Date()
    period_end = ma.fields.Date()
    status = ma.fields.String()
    status_name = ma.fields.Function(lambda f: FeedbackStatus.labels()[f.status])
    summary = ma.fields.Dict(
        metadata={"description": "推送给委托单位的内容：到场记录、检查项目、隐患（人员以编号表示）"}
    )
    visit_ids = ma.fields.List(ma.fields.Integer())
    deadline = LocalDateTime()
    channel = ma.fields.String(allow_none=True)
    rating = ma.fields.Integer(allow_none=True)
    comment = ma.fields.String(allow_none=True)
    dispute_reason = ma.fields.String(allow_none=True)
    responded_at = LocalDateTime(allow_none=True)
    expired_at = LocalDateTime(allow_none=True)
    flags = ma.fields.List(ma.fields.String())
    flag_names = ma.fields.Function(lambda f: [FeedbackFlag.label_of(flag) for flag in f.flags])
    messages = ma.fields.List(ma.fields.Nested(FeedbackMessageSchema))
    created_at = LocalDateTime()


class ContactBindingSceneSchema(BaseSchema):
    scene = ma.fields.String(
        metadata={"description": "公众号带参数二维码的场景值（scene_str），扫码即绑定为委托单位联系人"}
    )
    expires_at = LocalDateTime()

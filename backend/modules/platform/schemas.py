from __future__ import annotations

import marshmallow as ma

from backend.core.schemas import BaseSchema, LocalDateTime


class AuditLogSchema(BaseSchema):
    id = ma.fields.Integer()
    at = LocalDateTime()
    actor_user_id = ma.fields.Integer(allow_none=True)
    actor_ip = ma.fields.String(allow_none=True)
    action = ma.fields.String()
    target_type = ma.fields.String()
    target_id = ma.fields.String(allow_none=True)
    changes = ma.fields.Dict(allow_none=True)


class AuditQuerySchema(BaseSchema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(1, 100))
    cursor = ma.fields.String(load_default=None)
    target_type = ma.fields.String(validate=ma.validate.Length(max=64))
    target_id = ma.fields.String(validate=ma.validate.Length(max=64))
    actor_user_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**62))
    action = ma.fields.String(validate=ma.validate.Length(max=64))


class OutboxSchema(BaseSchema):
    id = ma.fields.Integer()
    channel = ma.fields.String()
    recipient_masked = ma.fields.String()
    payload = ma.fields.Dict()
    created_at = LocalDateTime()


class OutboxQuerySchema(BaseSchema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(1, 100))
    cursor = ma.fields.String(load_default=None)
    channel = ma.fields.String(validate=ma.validate.OneOf(["sms", "wechat_template", "wechat_subscribe"]))


class JobSchema(BaseSchema):
    id = ma.fields.Integer()
    func = ma.fields.String()
    queue = ma.fields.String()
    status = ma.fields.String()
    attempts = ma.fields.Integer()
    max_attempts = ma.fields.Integer()
    progress_done = ma.fields.Integer()
    progress_total = ma.fields.Integer(allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    result = ma.fields.Dict(allow_none=True)
    created_at = LocalDateTime()
    started_at = LocalDateTime(allow_none=True)
    finished_at = LocalDateTime(allow_none=True)


class JobQuerySchema(BaseSchema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(1, 100))
    cursor = ma.fields.String(load_default=None)
    status = ma.fields.String(validate=ma.validate.OneOf(["queued", "running", "done", "failed"]))

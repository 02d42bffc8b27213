from __future__ import annotations

import marshmallow as ma

from backend.core.access import PERMISSIONS, ROLE_NAMES, Role
from backend.core.schemas import BaseSchema, LocalDateTime
from backend.core.validators import mask_phone

from .models import AssignmentStatus


class SmsCodeRequestSchema(BaseSchema):
    phone = ma.fields.String(required=True, metadata={"description": "中国大陆手机号", "example": "13800138000"})
    purpose = ma.fields.String(load_default="login", validate=ma.validate.OneOf(["login", "bind"]))


class SmsCodeIssuedSchema(BaseSchema):
    expires_in = ma.fields.Integer(metadata={"description": "验证码有效期（秒）"})
    resend_after = ma.fields.Integer(metadata={"description": "多少秒后可重新获取"})


class SmsLoginSchema(BaseSchema):
    phone = ma.fields.String(required=True)
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=12))


class WeChatLoginSchema(BaseSchema):
    code = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=128),
        metadata={"description": "wx.login 返回的 code"},
    )


class WeChatBindSchema(BaseSchema):
    bind_token = ma.fields.String(required=True, validate=ma.validate.Length(max=2048))
    phone = ma.fields.String(required=True)
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=12))


class RoleSchema(BaseSchema):
    role = ma.fields.String()
    role_name = ma.fields.Function(lambda r: ROLE_NAMES.get(r.role, r.role))
    org_id = ma.fields.Integer(allow_none=True)
    jurisdiction = ma.fields.String(allow_none=True)
    permissions = ma.fields.List(ma.fields.String())


class UserSchema(BaseSchema):
    id = ma.fields.Integer()
    phone_masked = ma.fields.Function(lambda u: mask_phone(u.phone))
    display_name = ma.fields.String(allow_none=True)
    wechat_bound = ma.fields.Function(lambda u: bool(u.wechat_openid))
    roles = ma.fields.List(ma.fields.Nested(RoleSchema))
    last_login_at = LocalDateTime(allow_none=True)


class TokenPairSchema(BaseSchema):
    access_token = ma.fields.String()
    refresh_token = ma.fields.String()
    token_type = ma.fields.Constant("Bearer")
    expires_in = ma.fields.Integer()
    user = ma.fields.Nested(UserSchema)


class AccessTokenSchema(BaseSchema):
    access_token = ma.fields.String()
    token_type = ma.fields.Constant("Bearer")
    expires_in = ma.fields.Integer()


class MeSchema(BaseSchema):
    """The current user (from `services.me`): profile plus what the actor may do."""

    id = ma.fields.Integer()
    phone_masked = ma.fields.String(allow_none=True)
    display_name = ma.fields.String(allow_none=True)
    wechat_bound = ma.fields.Boolean()
    roles = ma.fields.List(ma.fields.Nested(RoleSchema))
    last_login_at = LocalDateTime(allow_none=True)
    jurisdiction = ma.fields.String(allow_none=True)
    permissions = ma.fields.List(ma.fields.String())
    org_ids = ma.fields.List(ma.fields.Integer())


class AssignmentSchema(BaseSchema):
    id = ma.fields.Integer(dump_only=True)
    phone = ma.fields.String(required=True, load_only=True)
    phone_masked = ma.fields.Function(lambda a: mask_phone(a.phone), dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    role = ma.fields.String(
        load_default="supervisor", validate=ma.validate.OneOf([Role.SUPERVISOR.value, Role.CORPS_ADMIN.value])
    )
    jurisdiction = ma.fields.String(required=True, validate=ma.validate.Length(max=16))
    permissions = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(sorted(PERMISSIONS))), load_default=list)
    status = ma.fields.String(dump_only=True)
    user_id = ma.fields.Integer(dump_only=True, allow_none=True)
    created_at = LocalDateTime(dump_only=True)
    activated_at = LocalDateTime(dump_only=True, allow_none=True)


class AssignmentUpdateSchema(BaseSchema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=64))
    jurisdiction = ma.fields.String(validate=ma.validate.Length(max=16))
    permissions = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(sorted(PERMISSIONS))))
    status = ma.fields.String(
        validate=ma.validate.OneOf([AssignmentStatus.ACTIVE.value, AssignmentStatus.REVOKED.value])
    )


class JurisdictionSchema(BaseSchema):
    code = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String()

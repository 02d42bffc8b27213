from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_jwt_extended import get_jwt

from backend.core import jurisdictions
from backend.core.access import AUTHENTICATED, PUBLIC, REFRESH, Role
from backend.core.api import Blueprint, current_actor
from backend.core.pagination import PageArgsSchema, page_schema
from backend.core.schemas import MessageSchema

from . import services
from .schemas import (
    AccessTokenSchema,
    AssignmentSchema,
    AssignmentUpdateSchema,
    JurisdictionSchema,
    MeSchema,
    SmsCodeIssuedSchema,
    SmsCodeRequestSchema,
    SmsLoginSchema,
    TokenPairSchema,
    WeChatBindSchema,
    WeChatLoginSchema,
)

blp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="账号与登录")
admin_blp = Blueprint("admin-accounts", __name__, url_prefix="/api/v1/admin", description="总队管理：监督账号")


def _pair(p: services.TokenPair) -> dict[str, Any]:
    return {
        "access_token": p.access_token,
        "refresh_token": p.refresh_token,
        "expires_in": p.expires_in,
        "user": p.user,
    }


@blp.route("/auth/sms-codes")
class SmsCodes(MethodView):
    @blp.access(PUBLIC)
    @blp.arguments(SmsCodeRequestSchema)
    @blp.response(202, SmsCodeIssuedSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """获取短信验证码（6位，5分钟有效；同一手机号60秒1次、每日10次）"""
        return services.request_sms_code(data["phone"], data["purpose"], request.remote_addr)


@blp.route("/auth/sms-login")
class SmsLogin(MethodView):
    @blp.access(PUBLIC)
    @blp.arguments(SmsLoginSchema)
    @blp.response(200, TokenPairSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """手机号+验证码登录（首次登录即注册）"""
        return _pair(services.login_with_sms(data["phone"], data["code"], request.remote_addr))


@blp.route("/auth/wechat-login")
class WeChatLogin(MethodView):
    @blp.access(PUBLIC)
    @blp.arguments(WeChatLoginSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(409, description="微信未绑定手机号：details.bind_token 用于绑定")
    def post(self, data: dict[str, Any]) -> Any:
        """小程序 wx.login 登录"""
        return _pair(services.login_with_wechat(data["code"], request.remote_addr))


@blp.route("/auth/wechat-bind")
class WeChatBind(MethodView):
    @blp.access(PUBLIC)
    @blp.arguments(WeChatBindSchema)
    @blp.response(200, TokenPairSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """微信绑定手机号（验证码用途为 bind）并登录"""
        return _pair(services.bind_wechat(data["bind_token"], data["phone"], data["code"], request.remote_addr))


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @blp.access(REFRESH)
    @blp.response(200, AccessTokenSchema)
    def post(self) -> Any:
        """用刷新令牌换取新的访问令牌（请求头携带 refresh token）"""
        claims = get_jwt()
        token, expires_in = services.refresh_access(int(claims["sub"]), claims)
        return {"access_token": token, "expires_in": expires_in}


@blp.route("/auth/logout")
class Logout(MethodView):
    @blp.access(AUTHENTICATED)
    @blp.response(200, MessageSchema)
    def post(self) -> Any:
        """退出登录：本次会话的访问令牌和刷新令牌同时失效"""
        services.logout(get_jwt())
        return {"code": "ok", "message": "已退出登录"}


@blp.route("/me")
class Me(MethodView):
    @blp.access(AUTHENTICATED)
    @blp.response(200, MeSchema)
    def get(self) -> Any:
        """当前用户、角色、管辖范围与权限"""
        return services.me(current_actor())


@blp.route("/jurisdictions")
class Jurisdictions(MethodView):
    @blp.access(PUBLIC)
    @blp.response(200, JurisdictionSchema(many=True))
    def get(self) -> Any:
        """管辖范围列表：总队、16个区支队、化工区/水上/轨道交通支队"""
        return jurisdictions.all_jurisdictions()


@admin_blp.route("/supervisors")
class Supervisors(MethodView):
    @admin_blp.access(Role.CORPS_ADMIN)
    @admin_blp.arguments(PageArgsSchema, location="query")
    @admin_blp.response(200, page_schema(AssignmentSchema, "AssignmentPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """监督管理账号列表"""
        return services.list_assignments(args["limit"], args["cursor"])

    @admin_blp.access(Role.CORPS_ADMIN)
    @admin_blp.arguments(AssignmentSchema)
    @admin_blp.response(201, AssignmentSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """预分配监督管理账号（手机号、管辖范围、权限）；该手机号首次登录时生效"""
        return services.create_assignment(current_actor(), **data)


@admin_blp.route("/supervisors/<int:assignment_id>")
class Supervisor(MethodView):
    @admin_blp.access(Role.CORPS_ADMIN)
    @admin_blp.arguments(AssignmentUpdateSchema)
    @admin_blp.response(200, AssignmentSchema)
    def patch(self, data: dict[str, Any], assignment_id: int) -> Any:
        """修改监督管理账号（管辖范围、权限、停用）；已签发的令牌随即失效"""
        return services.update_assignment(current_actor(), assignment_id, **data)

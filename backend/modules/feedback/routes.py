"""Feedback API for organisations and supervisors. The client contact's pages and the official-account server
endpoint are plain Flask blueprints of the top-level `wechat_official` package, registered by the app factory."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from backend.core.access import Role
from backend.core.api import Blueprint, current_actor
from backend.core.pagination import page_schema

from . import services
from .schemas import ContactBindingSceneSchema, FeedbackQuerySchema, FeedbackSchema

blp = Blueprint("feedback", __name__, url_prefix="/api/v1", description="从业反馈：推送委托单位、确认与评价")

ORG = (Role.ORG_ADMIN, Role.LEGAL_REP)
READERS = (*ORG, Role.SUPERVISOR, Role.CORPS_ADMIN)


@blp.route("/feedback")
class FeedbackList(MethodView):
    @blp.access(*READERS)
    @blp.arguments(FeedbackQuerySchema, location="query")
    @blp.response(200, page_schema(FeedbackSchema, "FeedbackPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """从业反馈列表（机构：本机构；监督：管辖范围内），含确认、评分、异议与送达情况"""
        return services.list_feedback(current_actor(), args)


@blp.route("/feedback/<int:feedback_id>")
class FeedbackItem(MethodView):
    @blp.access(*READERS)
    @blp.response(200, FeedbackSchema)
    def get(self, feedback_id: int) -> Any:
        """从业反馈详情"""
        return services.get_feedback(current_actor(), feedback_id)


@blp.route("/feedback/<int:feedback_id>/resend")
class FeedbackResend(MethodView):
    @blp.access(*ORG)
    @blp.response(202, FeedbackSchema)
    def post(self, feedback_id: int) -> Any:
        """重新推送待确认的从业反馈（公众号模板消息，未关注则短信）"""
        return services.resend(current_actor(), feedback_id)


@blp.route("/projects/<int:project_id>/feedback")
class ProjectFeedback(MethodView):
    @blp.access(*ORG)
    @blp.response(201, FeedbackSchema)
    def post(self, project_id: int) -> Any:
        """立即为项目最近签退的现场服务生成并推送从业反馈（否则由定时任务生成）"""
        return services.request_feedback(current_actor(), project_id)


@blp.route("/projects/<int:project_id>/contact-binding")
class ContactBinding(MethodView):
    @blp.access(*ORG)
    @blp.response(200, ContactBindingSceneSchema)
    def get(self, project_id: int) -> Any:
        """委托单位联系人绑定码：公众号带参数二维码的场景值（30天有效）"""
        scene, expires_at = services.contact_binding_scene(current_actor(), project_id)
        return {"scene": scene, "expires_at": expires_at}

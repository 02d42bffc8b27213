from __future__ import annotations

from typing import Any

from flask.views import MethodView

from backend.core.access import Role
from backend.core.api import Blueprint, current_actor
from backend.core.pagination import page_schema

from . import services
from .schemas import (
    AuditLogSchema,
    AuditQuerySchema,
    JobQuerySchema,
    JobSchema,
    OutboxQuerySchema,
    OutboxSchema,
)

blp = Blueprint(
    "platform", __name__, url_prefix="/api/v1/admin", description="总队管理：审计日志、后台任务、消息发件箱"
)


@blp.route("/audit-logs")
class AuditLogs(MethodView):
    @blp.access(Role.CORPS_ADMIN)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, page_schema(AuditLogSchema, "AuditLogPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """审计日志（只增不改）：所有写操作与未脱敏个人信息的查阅"""
        return services.list_audit(current_actor(), args)


@blp.route("/outbox")
class Outbox(MethodView):
    @blp.access(Role.CORPS_ADMIN)
    @blp.arguments(OutboxQuerySchema, location="query")
    @blp.response(200, page_schema(OutboxSchema, "OutboxPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """开发/模拟环境的短信与微信消息发件箱"""
        return services.list_outbox(current_actor(), args)


@blp.route("/jobs")
class Jobs(MethodView):
    @blp.access(Role.CORPS_ADMIN)
    @blp.arguments(JobQuerySchema, location="query")
    @blp.response(200, page_schema(JobSchema, "JobPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """后台任务及其状态、重试次数、失败原因"""
        return services.list_jobs(current_actor(), args)


@blp.route("/jobs/<int:job_id>")
class Job(MethodView):
    @blp.access(Role.CORPS_ADMIN)
    @blp.response(200, JobSchema)
    def get(self, job_id: int) -> Any:
        """后台任务详情（含进度）"""
        return services.get_job(current_actor(), job_id)


@blp.route("/jobs/<int:job_id>/retry")
class JobRetry(MethodView):
    @blp.access(Role.CORPS_ADMIN)
    @blp.response(200, JobSchema)
    def post(self, job_id: int) -> Any:
        """重新执行失败的后台任务"""
        return services.retry_job(current_actor(), job_id)

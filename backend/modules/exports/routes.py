"""Export of any admin list to CSV or Excel for the user's jurisdiction (background job, then download)."""

from __future__ import annotations

from typing import Any

from flask import send_file
from flask.views import MethodView

from backend.core.access import Role
from backend.core.api import Blueprint, current_actor

from . import messages as _messages  # noqa: F401
from . import services
from .schemas import ExportRequestSchema, ExportSchema

blp = Blueprint("exports", __name__, url_prefix="/api/v1/exports", description="数据导出：列表导出为 CSV 或 Excel")

SUPERVISORS = (Role.SUPERVISOR, Role.CORPS_ADMIN)


@blp.route("")
class Exports(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.arguments(ExportRequestSchema)
    @blp.response(202, ExportSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """发起导出（后台任务）：与列表相同的查询、辖区范围与脱敏；需“导出数据”权限"""
        return services.request_export(current_actor(), data["list"], data["filters"], data["format"])


@blp.route("/<int:export_id>")
class ExportItem(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.response(200, ExportSchema)
    def get(self, export_id: int) -> Any:
        """导出进度（仅发起人可查看）"""
        return services.get_export(current_actor(), export_id)


@blp.route("/<int:export_id>/file")
class ExportFile(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.response(200, description="导出文件（CSV 或 Excel）")
    def get(self, export_id: int) -> Any:
        """下载导出文件（仅发起人；记入审计日志）"""
        path, filename, mimetype = services.export_file(current_actor(), export_id)
        response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        return response

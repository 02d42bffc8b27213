"""Go-live API (corps admin): import templates, import runs (multipart upload: field `files`, repeated, and
`dry_run`), their progress and error files; the system mode; the clearing of trial data."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, stream_with_context
from flask.views import MethodView

from backend.core.access import Role
from backend.core.api import Blueprint, current_actor
from backend.core.pagination import page_schema

from . import services
from .schemas import (
    ClearingReportSchema,
    ClearingRequestSchema,
    ImportFilesSchema,
    ImportFormSchema,
    ImportRunListArgsSchema,
    ImportRunSchema,
    ModeChangeSchema,
    ModeSchema,
    TemplateObjectSchema,
)

blp = Blueprint(
    "golive", __name__, url_prefix="/api/v1/admin", description="总队管理：上线（历史数据导入、试运行与数据清除）"
)


def _attachment(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


@blp.route("/imports/templates")
class Templates(MethodView):
    @blp.access(Role.CORPS_ADMIN)
    @blp.response(200, TemplateObjectSchema(many=True))
    def get(self) -> Any:
        """导入格式：各对象的列、必填项、说明和示例"""
        return services.template_catalogue(current_actor())


@blp.route("/imports/templates/<string:name>")
class Template(MethodView):
    @blp.access(Role.CORPS_ADMIN)
    @blp.response(200, content_type="application/octet-stream", description="CSV 模板或 XLSX 工作簿")
    def get(self, name: str) -> Any:
        """下载导入模板：<对象>.csv（如 organizations.csv）或 workbook.xlsx（每个对象一个工作表）"""
        download = services.template_download(current_actor(), name)
        response = Response(download.data, mimetype=download.mimetype)
        response.headers["Content-Disposition"] = _attachment(download.filename)
        return response


@blp.route("/imports")
class Imports(MethodView):
    @blp.access(Role.CORPS_ADMIN)
    @blp.arguments(ImportRunListArgsSchema, location="query")
    @blp.response(200, page_schema(ImportRunSchema, "ImportRunPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """导入任务列表（最新在前）"""
        return services.list_runs(current_actor(), limit=args["limit"], cursor=args["cursor"])

    @blp.access(Role.CORPS_ADMIN)
    @blp.arguments(ImportFormSchema, location="form")
    @blp.arguments(ImportFilesSchema, location="files")
    @blp.response(202, ImportRunSchema)
    def post(self, form: dict[str, Any], files: dict[str, Any]) -> Any:
        """上传历史数据文件并开始导入（后台分批执行，可续传；dry_run 为试导入）"""
        return services.start_import(current_actor(), files["files"], form["dry_run"])


@blp.route("/imports/<int:run_id>")
class ImportRunView(MethodView):
    @blp.access(Role.CORPS_ADMIN)
    @blp.response(200, ImportRunSchema)
    def get(self, run_id: int) -> Any:
        """导入任务进度与统计"""
        return services.get_run(current_actor(), run_id)


@blp.route("/imports/<int:run_id>/resume")
class ImportResume(MethodView):
    @blp.access(Role.CORPS_ADMIN)
    @blp.response(202, ImportRunSchema)
    def post(self, run_id: int) -> Any:
        """从断点续传中断的导入任务"""
        return services.resume_import(current_actor(), run_id)


@blp.route("/imports/<int:run_id>/errors")
class ImportErrors(MethodView):
    @blp.access(Role.CORPS_ADMIN)
    @blp.response(200, content_type="text/csv", description="错误文件（UTF-8 CSV：文件、行号、字段、原因）")
    def get(self, run_id: int) -> Any:
        """下载导入错误文件"""
        lines = services.error_file(current_actor(), run_id)
        response = Response(stream_with_context(lines), mimetype="text/csv")
        response.headers["Content-Disposition"] = _attachment(f"导入错误-{run_id}.csv")
        return response


@blp.route("/system/mode")
class SystemMode(MethodView):
    @blp.access(Role.CORPS_ADMIN)
    @blp.response(200, ModeSchema)
    def get(self) -> Any:
        """系统运行模式（试运行 / 正式运行）"""
        return services.get_mode(current_actor())

    @blp.access(Role.CORPS_ADMIN)
    @blp.arguments(ModeChangeSchema)
    @blp.response(200, ModeSchema)
    def put(self, data: dict[str, Any]) -> Any:
        """切换运行模式：试运行期间新建的数据均标记为试运行数据（切换记入审计日志和时间线）"""
        return services.switch_mode(current_actor(), data["mode"], data["reason"])


@blp.route("/trial/clearing")
class TrialClearing(MethodView):
    @blp.access(Role.CORPS_ADMIN)
    @blp.response(200, ClearingReportSchema)
    def get(self) -> Any:
        """预览试运行数据清除：按表统计将删除的行数、阻止清除的数据（不删除任何数据）"""
        return services.clearing_preview(current_actor())

    @blp.access(Role.CORPS_ADMIN)
    @blp.arguments(ClearingRequestSchema)
    @blp.response(200, ClearingReportSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """清除试运行数据（须输入确认语）；时间线重新链接，清除过程记入审计日志"""
        return services.clear_trial(current_actor(), data["confirmation"])

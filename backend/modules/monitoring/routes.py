from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response
from flask.views import MethodView

from backend.core.access import AUTHENTICATED, PUBLIC, Role
from backend.core.api import Blueprint, current_actor
from backend.core.pagination import page_schema

from . import report_export, reports, scores, services, stats, tracking
from .schemas import (
    AcknowledgeSchema,
    CloseSchema,
    JobRefSchema,
    NotificationQuerySchema,
    NotificationSchema,
    PractitionerRankingPageSchema,
    PractitionerRankingQuerySchema,
    ProjectTrackingDetailSchema,
    ProjectTrackingSchema,
    RankingPageSchema,
    RankingQuerySchema,
    ReportCompileSchema,
    ReportQuerySchema,
    ReportSchema,
    ReportSubmitSchema,
    RuleSchema,
    RuleUpdateSchema,
    RuleVersionSchema,
    ScanRequestSchema,
    ScoreSchema,
    SummarySchema,
    TrackingMonthSchema,
    TrackingQuerySchema,
    TrendQuerySchema,
    TrendSchema,
    WarningQuerySchema,
    WarningSchema,
)
from .warnings import settings, workflow

stats_blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats", description="统计分析：辖区概览与趋势")
blp = Blueprint(
    "monitoring",
    __name__,
    url_prefix="/api/v1/monitoring",
    description="从业过程监控：预警研判、维保计划执行、月度报表、画像评分",
)
public_blp = Blueprint(
    "monitoring-public", __name__, url_prefix="/api/v1/public", description="公开信息：技术服务机构画像排名"
)

SUPERVISORS = (Role.SUPERVISOR, Role.CORPS_ADMIN)
ORG_MANAGERS = (Role.ORG_ADMIN, Role.LEGAL_REP)
SUPERVISORS_AND_ORGS = (*SUPERVISORS, *ORG_MANAGERS)
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- statistics -------------------------------------------------------------------------------------------


@stats_blp.route("/summary")
class StatsSummary(MethodView):
    @stats_blp.access(*SUPERVISORS)
    @stats_blp.response(200, SummarySchema)
    def get(self) -> Any:
        """辖区概览：机构、从业人员、服务中项目、今日现场执业、未处理预警、行政处罚，及各区数据"""
        return stats.summary(current_actor())


@stats_blp.route("/trends")
class StatsTrends(MethodView):
    @stats_blp.access(*SUPERVISORS)
    @stats_blp.arguments(TrendQuerySchema, location="query")
    @stats_blp.response(200, TrendSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """按月趋势（可按辖区或服务类型分组）"""
        return stats.trends(current_actor(), args["metric"], args["months"], args["by"])


# --- rules ------------------------------------------------------------------------------------------------


@blp.route("/rules")
class Rules(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.response(200, RuleSchema(many=True))
    def get(self) -> Any:
        """预警规则及当前生效的阈值、等级与版本"""
        return settings.list_rules(current_actor())


@blp.route("/rules/<string:code>")
class RuleDetail(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.arguments(RuleUpdateSchema)
    @blp.response(200, RuleSchema)
    def patch(self, data: dict[str, Any], code: str) -> Any:
        """修改预警规则（生成新版本；需总队管理员或“修改预警规则阈值”权限）"""
        return settings.update_rule(current_actor(), code, data)


@blp.route("/rules/<string:code>/versions")
class RuleVersions(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.response(200, RuleVersionSchema(many=True))
    def get(self, code: str) -> Any:
        """预警规则的修改历史（谁在何时改了什么、为什么）"""
        return settings.rule_versions(current_actor(), code)


# --- warnings ---------------------------------------------------------------------------------------------


@blp.route("/warnings")
class Warnings(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.arguments(WarningQuerySchema, location="query")
    @blp.response(200, page_schema(WarningSchema, "WarningPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """预警列表（监督人员：辖区内；机构：本机构可见的预警）"""
        return workflow.list_warnings(current_actor(), args)


@blp.route("/warnings/<int:warning_id>")
class WarningDetail(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.response(200, WarningSchema)
    def get(self, warning_id: int) -> Any:
        """预警详情（含证据）"""
        return workflow.get_warning(current_actor(), warning_id)


@blp.route("/warnings/<int:warning_id>/acknowledge")
class WarningAcknowledge(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.arguments(AcknowledgeSchema)
    @blp.response(200, WarningSchema)
    def post(self, data: dict[str, Any], warning_id: int) -> Any:
        """确认预警（机构可附说明）"""
        return workflow.acknowledge(current_actor(), warning_id, data["note"])


@blp.route("/warnings/<int:warning_id>/resolve")
class WarningResolve(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.arguments(CloseSchema)
    @blp.response(200, WarningSchema)
    def post(self, data: dict[str, Any], warning_id: int) -> Any:
        """处置完毕，关闭预警"""
        return workflow.resolve(current_actor(), warning_id, data["note"])


@blp.route("/warnings/<int:warning_id>/dismiss")
class WarningDismiss(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.arguments(CloseSchema)
    @blp.response(200, WarningSchema)
    def post(self, data: dict[str, Any], warning_id: int) -> Any:
        """经核查排除（误报），关闭预警"""
        return workflow.dismiss(current_actor(), warning_id, data["note"])


@blp.route("/scans")
class Scans(MethodView):
    @blp.access(Role.CORPS_ADMIN)
    @blp.arguments(ScanRequestSchema)
    @blp.response(202, JobRefSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """立即运行预警扫描（后台任务）"""
        return services.request_scan(current_actor(), data["rules"], data["since"], data["until"])


@blp.route("/notifications")
class Notifications(MethodView):
    @blp.access(AUTHENTICATED)
    @blp.arguments(NotificationQuerySchema, location="query")
    @blp.response(200, page_schema(NotificationSchema, "NotificationPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """我的预警通知"""
        return workflow.list_notifications(current_actor(), args)


@blp.route("/notifications/<int:notification_id>/read")
class NotificationRead(MethodView):
    @blp.access(AUTHENTICATED)
    @blp.response(200, NotificationSchema)
    def post(self, notification_id: int) -> Any:
        """标记通知为已读"""
        return workflow.mark_read(current_actor(), notification_id)


# --- maintenance tracking ---------------------------------------------------------------------------------


@blp.route("/tracking")
class Tracking(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.arguments(TrackingQuerySchema, location="query")
    @blp.response(200, page_schema(ProjectTrackingSchema, "ProjectTrackingPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """维保计划执行情况：各项目当月应做、已做、未完成与容许期外的项目数"""
        return tracking.list_tracking(current_actor(), args)


@blp.route("/tracking/projects/<int:project_id>")
class ProjectTracking(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.arguments(TrackingMonthSchema, location="query")
    @blp.response(200, ProjectTrackingDetailSchema)
    def get(self, args: dict[str, Any], project_id: int) -> Any:
        """一个项目某月的维保计划执行明细"""
        return tracking.project_tracking(current_actor(), project_id, args["month"])


# --- monthly reports --------------------------------------------------------------------------------------


@blp.route("/reports")
class Reports(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.arguments(ReportQuerySchema, location="query")
    @blp.response(200, page_schema(ReportSchema, "MonthlyReportPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """月度报表列表（机构：本机构；监督人员：辖区内）"""
        return reports.list_reports(current_actor(), args)

    @blp.access(*ORG_MANAGERS)
    @blp.arguments(ReportCompileSchema)
    @blp.response(201, ReportSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """编制（或重新编制未提交的）某月月度报表"""
        return reports.compile_for(current_actor(), data["org_id"], data["month"])


@blp.route("/reports/<int:report_id>")
class ReportDetail(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.response(200, ReportSchema)
    def get(self, report_id: int) -> Any:
        """月度报表详情"""
        return reports.get_report(current_actor(), report_id)


@blp.route("/reports/<int:report_id>/recompile")
class ReportRecompile(MethodView):
    @blp.access(*ORG_MANAGERS)
    @blp.response(200, ReportSchema)
    def post(self, report_id: int) -> Any:
        """按最新数据重新编制（提交前）"""
        return reports.recompile(current_actor(), report_id)


@blp.route("/reports/<int:report_id>/submit")
class ReportSubmit(MethodView):
    @blp.access(*ORG_MANAGERS)
    @blp.arguments(ReportSubmitSchema)
    @blp.response(200, ReportSchema)
    def post(self, data: dict[str, Any], report_id: int) -> Any:
        """审核并提交月度报表（次月截止日前，默认10日）"""
        return reports.submit(current_actor(), report_id, data["remarks"])


@blp.route("/reports/<int:report_id>/pdf")
class ReportPdf(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.response(200, content_type=PDF, description="月度报表 PDF")
    def get(self, report_id: int) -> Any:
        """下载月度报表（PDF）"""
        return _download(*report_export.report_pdf(current_actor(), report_id), PDF)


@blp.route("/reports/<int:report_id>/xlsx")
class ReportXlsx(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.response(200, content_type=XLSX, description="月度报表 Excel")
    def get(self, report_id: int) -> Any:
        """下载月度报表（Excel）"""
        return _download(*report_export.report_xlsx(current_actor(), report_id), XLSX)


# --- scores -----------------------------------------------------------------------------------------------


@blp.route("/scores/organizations/<int:org_id>")
class OrgScore(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.response(200, ScoreSchema)
    def get(self, org_id: int) -> Any:
        """机构画像评分及各项得分"""
        return scores.org_score(current_actor(), org_id)


@blp.route("/scores/practitioners/<int:practitioner_id>")
class PractitionerScore(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS, Role.PRACTITIONER)
    @blp.response(200, ScoreSchema)
    def get(self, practitioner_id: int) -> Any:
        """从业人员画像评分及各项得分（本人、所在机构、辖区监督人员可见）"""
        return scores.practitioner_score(current_actor(), practitioner_id)


@blp.route("/rankings/practitioners")
class PractitionerRankings(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.arguments(PractitionerRankingQuerySchema, location="query")
    @blp.response(200, PractitionerRankingPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """从业人员画像排名（监督人员：辖区内；机构：本机构人员；姓名脱敏）"""
        return scores.practitioner_rankings(current_actor(), args)


@public_blp.route("/rankings")
class Rankings(MethodView):
    @public_blp.access(PUBLIC)
    @public_blp.arguments(RankingQuerySchema, location="query")
    @public_blp.response(200, RankingPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """技术服务机构画像排名（公开；不含个人信息）"""
        return scores.rankings(args)

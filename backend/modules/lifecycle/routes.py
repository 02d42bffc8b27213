from __future__ import annotations

from typing import Any

from flask.views import MethodView

from backend.core.access import PUBLIC, Role
from backend.core.api import Blueprint, current_actor
from backend.core.pagination import PageArgsSchema, page_schema

from . import services
from .schemas import (
    ChainReportSchema,
    TimelineEventSchema,
    TimelineProjectSchema,
    TimelineQuerySchema,
    TimelineRecordSchema,
    TimelineVisitSchema,
)

blp = Blueprint(
    "timeline",
    __name__,
    url_prefix="/api/v1/timeline",
    description="全生命周期：机构、从业人员、项目的时间线与下钻（按角色可见范围）",
)

PRACTICE_ROLES = (Role.PRACTITIONER, Role.ORG_ADMIN, Role.LEGAL_REP, Role.SUPERVISOR, Role.CORPS_ADMIN)
EventPage = page_schema(TimelineEventSchema, "TimelineEventPage")


@blp.route("/organizations/<int:org_id>")
class OrganizationTimeline(MethodView):
    @blp.access(PUBLIC)
    @blp.arguments(TimelineQuerySchema, location="query")
    @blp.response(200, EventPage)
    def get(self, args: dict[str, Any], org_id: int) -> Any:
        """机构时间线（公众只见已核准机构的公开事件；机构见本机构；监督人员见辖区内全部）"""
        return services.org_timeline(current_actor(), org_id, args)


@blp.route("/practitioners/<int:practitioner_id>")
class PractitionerTimeline(MethodView):
    @blp.access(PUBLIC)
    @blp.arguments(TimelineQuerySchema, location="query")
    @blp.response(200, EventPage)
    def get(self, args: dict[str, Any], practitioner_id: int) -> Any:
        """从业人员时间线（本人与所在机构可见非公开事件）"""
        return services.practitioner_timeline(current_actor(), practitioner_id, args)


@blp.route("/projects/<int:project_id>")
class ProjectTimeline(MethodView):
    @blp.access(PUBLIC)
    @blp.arguments(TimelineQuerySchema, location="query")
    @blp.response(200, EventPage)
    def get(self, args: dict[str, Any], project_id: int) -> Any:
        """项目时间线：从登记、公示、现场作业到结论文件和监督检查"""
        return services.project_timeline(current_actor(), project_id, args)


@blp.route("/organizations/<int:org_id>/projects")
class OrganizationProjects(MethodView):
    @blp.access(PUBLIC)
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(TimelineProjectSchema, "TimelineProjectPage"))
    def get(self, args: dict[str, Any], org_id: int) -> Any:
        """下钻：机构的项目及签到、记录、事件数（公众仅见公示中的项目）"""
        return services.org_projects(current_actor(), org_id, args)


@blp.route("/projects/<int:project_id>/visits")
class ProjectVisits(MethodView):
    @blp.access(*PRACTICE_ROLES)
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(TimelineVisitSchema, "TimelineVisitPage"))
    def get(self, args: dict[str, Any], project_id: int) -> Any:
        """下钻：项目的现场签到（机构、辖区监督人员可见全部；从业人员仅见本人）"""
        return services.project_visits(current_actor(), project_id, args)


@blp.route("/visits/<int:visit_id>/records")
class VisitRecords(MethodView):
    @blp.access(*PRACTICE_ROLES)
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(TimelineRecordSchema, "TimelineRecordPage"))
    def get(self, args: dict[str, Any], visit_id: int) -> Any:
        """下钻：一次签到的工作记录"""
        return services.visit_records(current_actor(), visit_id, args)


@blp.route("/verify")
class ChainVerification(MethodView):
    @blp.access(Role.CORPS_ADMIN)
    @blp.response(200, ChainReportSchema)
    def get(self) -> Any:
        """校验时间线哈希链，指出第一条被修改、插入或删除的记录"""
        return services.verify(current_actor())

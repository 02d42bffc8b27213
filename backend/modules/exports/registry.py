"""Which lists can be exported, and how: each entry points at the list endpoint's own service, query schema and
item schema, so an export holds exactly the rows the list shows (same query, same jurisdiction filter, same
masking). The access gate is read from the list endpoint itself (`_access_roles`), never restated here.

Columns turn one serialised row (the JSON the list endpoint answers) into cells under Chinese headers; they
mirror the admin SPA's list columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import marshmallow as ma

from backend.core import jurisdictions
from backend.core.access import PERMISSIONS, Actor, Role
from backend.core.pagination import Page
from backend.core.timeutil import SHANGHAI
from backend.modules.accounts.models import AssignmentStatus
from backend.modules.monitoring.models import ReportStatus, WarningSeverity, WarningSubjectKind
from backend.modules.projects.models import VisitStatus
from backend.modules.realname.models import FaceStatus, IdentityStatus
from backend.modules.supervision.vocabulary import SpotCheckNotice, SpotCheckStatus

Row = dict[str, Any]
Cell = str | int | float | None
Column = tuple[str, Callable[[Row], Any]]


@dataclass(frozen=True)
class ExportSource:
    key: str
    title: str  # Chinese: file name and audit
    view: Callable[..., Any]  # the list endpoint (MethodView.get): its declared roles gate the export
    args_schema: type[ma.Schema]  # the list endpoint's query schema (limit and cursor are driven here)
    item_schema: type[ma.Schema]  # the list endpoint's item schema: rows serialise as the list answers them
    fetch: Callable[[Actor, dict[str, Any]], Page[Any]]  # the list endpoint's service: (actor, args) -> page
    columns: tuple[Column, ...]

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(getattr(self.view, "_access_roles", ()))


# --- cell helpers ------------------------------------------------------------------------------------------


def when(value: str | None) -> str | None:
    """An API timestamp (ISO 8601 with offset) as Shanghai local time, to the second."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return value


def joined(values: Any) -> str | None:
    if not values:
        return None
    return "、".join(str(v) for v in values if v is not None and v != "")


def period(row: Row) -> str:
    return f"{row.get('period_start') or ''}~{row.get('period_end') or ''}"


def yes_no(value: Any) -> str:
    return "是" if value else "否"


def nested(key: str, attr: str) -> Callable[[Row], Any]:
    return lambda r: (r.get(key) or {}).get(attr)


def field(key: str) -> Callable[[Row], Any]:
    return lambda r: r.get(key)


def named(key: str, name_key: str) -> Callable[[Row], Any]:
    return lambda r: r.get(name_key) or r.get(key)


def label(labels: Mapping[str, str], value: Any) -> Any:
    """The label of a code, or the value itself when it has none (or is not a code at all, e.g. None)."""
    return labels.get(value, value) if isinstance(value, str) else value


def labelled(key: str, labels: dict[str, str]) -> Callable[[Row], Any]:
    return lambda r: label(labels, r.get(key))


def messages(key: str) -> Callable[[Row], Any]:
    """Findings, flags and reasons come as objects with a Chinese `message` (or as plain codes)."""

    def cell(row: Row) -> Any:
        items = row.get(key) or []
        return joined([i.get("message") or i.get("code") if isinstance(i, dict) else i for i in items])

    return cell


def district(key: str = "district_code") -> Callable[[Row], Any]:
    def cell(row: Row) -> Any:
        code = row.get(key)
        return jurisdictions.DISTRICTS.get(code, code) if code else None

    return cell


def identity_method(row: Row) -> str:
    if row.get("identity_method") == "alternative":
        return "替代核验"
    return "人脸通过" if row.get("face_passed") else "人脸未通过"


def alt_identity(row: Row) -> str:
    if row.get("alt_identity_approved_at"):
        return "已批准"
    return "已申请" if row.get("alt_identity_requested_at") else ""


def certificates(row: Row) -> str | None:
    return joined(f"{c.get('kind_name')}（{c.get('status_name') or c.get('status')}）" for c in row["certificates"])


def penalty_subject(row: Row) -> Any:
    if row.get("subject_kind") == "practitioner":
        return (row.get("practitioner") or {}).get("name_masked")
    return (row.get("org") or {}).get("name")


def permissions(row: Row) -> str | None:
    return joined(PERMISSIONS.get(p, p) for p in row.get("permissions") or [])


def percent(key: str) -> Callable[[Row], Any]:
    def cell(row: Row) -> Any:
        value = row.get(key)
        return None if value is None else round(float(value) * 100, 1)

    return cell


# --- the sources --------------------------------------------------------------------------------------------


def _sources() -> dict[str, ExportSource]:
    from backend.core.pagination import PageArgsSchema
    from backend.modules.accounts import routes as accounts_routes
    from backend.modules.accounts import services as accounts
    from backend.modules.accounts.schemas import AssignmentSchema
    from backend.modules.documents import routes as documents_routes
    from backend.modules.documents.schemas import DocumentQuerySchema, DocumentSchema
    from backend.modules.documents.services import reading as documents
    from backend.modules.feedback import routes as feedback_routes
    from backend.modules.feedback import services as feedback
    from backend.modules.feedback.schemas import FeedbackQuerySchema, FeedbackSchema
    from backend.modules.monitoring import reports, scores, tracking
    from backend.modules.monitoring import routes as monitoring_routes
    from backend.modules.monitoring.schemas import (
        ProjectTrackingSchema,
        RankingItemSchema,
        RankingQuerySchema,
        ReportQuerySchema,
        ReportSchema,
        TrackingQuerySchema,
        WarningQuerySchema,
        WarningSchema,
    )
    from backend.modules.monitoring.warnings import workflow
    from backend.modules.platform import routes as platform_routes
    from backend.modules.platform import services as platform
    from backend.modules.platform.schemas import AuditLogSchema, AuditQuerySchema
    from backend.modules.projects import routes as projects_routes
    from backend.modules.projects.schemas import (
        ProjectListItemSchema,
        ProjectQuerySchema,
        VisitQuerySchema,
        VisitSchema,
    )
    from backend.modules.projects.services import listing
    from backend.modules.realname import routes as realname_routes
    from backend.modules.realname import services as realname
    from backend.modules.realname.schemas import (
        OrgListArgsSchema,
        OrgSchema,
        PractitionerListArgsSchema,
        PractitionerSummarySchema,
    )
    from backend.modules.supervision import inspections, penalties, spot_checks
    from backend.modules.supervision import routes as supervision_routes
    from backend.modules.supervision.schemas import (
        InspectionQuerySchema,
        InspectionSchema,
        PenaltyQuerySchema,
        PenaltySchema,
        SpotCheckQuerySchema,
        SpotCheckSchema,
    )

    def rankings(actor: Actor, args: dict[str, Any]) -> Page[Any]:
        # The ranking is public, but an export is for the user's jurisdiction: a district detachment gets the
        # organisations of its district (a special detachment none: organisations belong to districts).
        if not actor.is_citywide:
            args = {**args, "district_code": actor.jurisdiction}
        page = scores.rankings(args)
        return Page(page.items, page.next_cursor)

    sources = [
        ExportSource(
            "organizations",
            "技术服务机构",
            realname_routes.Organizations.get,
            OrgListArgsSchema,
            OrgSchema,
            lambda actor, args: realname.list_organizations(actor, **args),
            (
                ("机构名称", field("name")),
                ("统一社会信用代码", field("credit_code")),
                ("类型", lambda r: joined(r.get("type_names"))),
                ("状态", named("status", "status_name")),
                ("所属区", field("district_name")),
                ("地址", field("address")),
                ("法定代表人", field("legal_rep_name")),
                ("法定代表人身份证号", field("legal_rep_id_masked")),
                ("从业条件", lambda r: "满足" if r.get("conditions_met") else "不满足"),
                ("核准时间", lambda r: when(r.get("verified_at"))),
            ),
        ),
        ExportSource(
            "practitioners",
            "从业人员",
            realname_routes.Practitioners.get,
            PractitionerListArgsSchema,
            PractitionerSummarySchema,
            lambda actor, args: realname.list_practitioners(actor, **args),
            (
                ("姓名", field("name_masked")),
                ("实名认证", labelled("identity_status", IdentityStatus.labels())),
                ("人脸", labelled("face_status", FaceStatus.labels())),
                ("证书", certificates),
                ("替代核验", alt_identity),
            ),
        ),
        ExportSource(
            "projects",
            "项目",
            projects_routes.Projects.get,
            ProjectQuerySchema,
            ProjectListItemSchema,
            listing.list_projects,
            (
                ("项目编号", field("project_no")),
                ("项目名称", field("name")),
                ("服务类型", named("service_type", "service_type_name")),
                ("状态", named("status", "status_name")),
                ("机构", field("org_name")),
                ("机构信用代码", field("org_credit_code")),
                ("委托单位", field("client_name")),
                ("建筑", field("building_name")),
                ("地址", field("building_address")),
                ("所属区", field("district_name")),
                ("项目负责人", field("lead_name")),
                ("合同开始", field("contract_start")),
                ("合同结束", field("contract_end")),
                ("公示时间", lambda r: when(r.get("published_at"))),
            ),
        ),
        ExportSource(
            "visits",
            "现场签到",
            projects_routes.Visits.get,
            VisitQuerySchema,
            VisitSchema,
            listing.list_visits,
            (
                ("签到时间", lambda r: when(r.get("checked_in_at"))),
                ("签退时间", lambda r: when(r.get("checked_out_at"))),
                ("项目编号", field("project_no")),
                ("人员", field("practitioner_name")),
                ("状态", labelled("status", VisitStatus.labels())),
                ("现场时长（秒）", field("duration_s")),
                ("身份核验", identity_method),
                ("人脸距离", field("face_distance")),
                ("距围栏（米）", field("distance_to_fence_m")),
                ("提示", messages("flags")),
                ("拒绝原因", messages("reasons")),
            ),
        ),
        ExportSource(
            "documents",
            "书面结论文件",
            documents_routes.Documents.get,
            DocumentQuerySchema,
            DocumentSchema,
            documents.list_documents,
            (
                ("报告编号", field("report_number")),
                ("类型", field("doc_type_name")),
                ("项目ID", field("project_id")),
                ("状态", named("status", "status_name")),
                ("期间", period),
                ("签署人数", lambda r: len(r.get("signatures") or [])),
                ("未生效原因", messages("block_reasons")),
                ("生效时间", lambda r: when(r.get("effective_at"))),
            ),
        ),
        ExportSource(
            "feedback",
            "从业反馈",
            feedback_routes.FeedbackList.get,
            FeedbackQuerySchema,
            FeedbackSchema,
            feedback.list_feedback,
            (
                ("编号", field("id")),
                ("项目ID", field("project_id")),
                ("类型", named("kind", "kind_name")),
                ("期间", period),
                ("状态", named("status", "status_name")),
                ("评分", field("rating")),
                ("评价", field("comment")),
                ("异议", field("dispute_reason")),
                ("提示", lambda r: joined(r.get("flag_names") or r.get("flags"))),
                ("答复时间", lambda r: when(r.get("responded_at"))),
            ),
        ),
        ExportSource(
            "inspections",
            "现场检查",
            supervision_routes.Inspections.get,
            InspectionQuerySchema,
            InspectionSchema,
            inspections.list_inspections,
            (
                ("编号", field("id")),
                ("检查时间", lambda r: when(r.get("inspected_at"))),
                ("检查类型", named("check_type", "check_type_label")),
                ("机构", nested("org", "name")),
                ("项目", nested("project", "project_no")),
                ("所属区", district()),
                ("结论", named("result", "result_label")),
                ("状态", named("status", "status_label")),
                ("整改期限", field("rectification_deadline")),
                ("发现问题", field("findings")),
            ),
        ),
        ExportSource(
            "spot-checks",
            "实时抽查",
            supervision_routes.SpotChecks.get,
            SpotCheckQuerySchema,
            SpotCheckSchema,
            spot_checks.list_spot_checks,
            (
                ("编号", field("id")),
                ("发起时间", lambda r: when(r.get("issued_at"))),
                ("项目", nested("project", "project_no")),
                ("机构", nested("org", "name")),
                ("人员", nested("practitioner", "name_masked")),
                ("所属区", district()),
                ("状态", lambda r: r.get("status_label") or label(SpotCheckStatus.labels(), r.get("status"))),
                ("通知方式", labelled("notified_via", SpotCheckNotice.labels())),
                ("答复时间", lambda r: when(r.get("answered_at"))),
                ("人脸距离", field("face_distance")),
                ("距围栏（米）", field("distance_to_fence_m")),
                ("未通过原因", messages("failure_reasons")),
            ),
        ),
        ExportSource(
            "penalties",
            "行政处罚",
            supervision_routes.Penalties.get,
            PenaltyQuerySchema,
            PenaltySchema,
            penalties.list_penalties,
            (
                ("决定书文号", field("decision_no")),
                ("处罚依据", field("article")),
                ("对象", penalty_subject),
                ("机构", nested("org", "name")),
                ("所属区", district()),
                ("罚款（元）", field("amount_yuan")),
                ("信用扣分", field("credit_points")),
                ("决定日期", field("decided_on")),
                ("公示", lambda r: yes_no(r.get("is_public"))),
                ("违法事实", field("facts")),
            ),
        ),
        ExportSource(
            "audit-logs",
            "审计日志",
            platform_routes.AuditLogs.get,
            AuditQuerySchema,
            AuditLogSchema,
            platform.list_audit,
            (
                ("编号", field("id")),
                ("时间", lambda r: when(r.get("at"))),
                ("操作人", field("actor_user_id")),
                ("IP", field("actor_ip")),
                ("动作", field("action")),
                ("对象类型", field("target_type")),
                ("对象编号", field("target_id")),
                ("变更内容", lambda r: None if r.get("changes") is None else _json(r["changes"])),
            ),
        ),
        ExportSource(
            "supervisors",
            "监督管理账号",
            accounts_routes.Supervisors.get,
            PageArgsSchema,
            AssignmentSchema,
            lambda actor, args: accounts.list_assignments(args["limit"], args.get("cursor")),
            (
                ("姓名", field("name")),
                ("手机号", field("phone_masked")),
                ("角色", labelled("role", Role.labels())),
                ("管辖范围", lambda r: jurisdictions.name_of(r["jurisdiction"]) if r.get("jurisdiction") else None),
                ("权限", permissions),
                ("状态", labelled("status", AssignmentStatus.labels())),
                ("分配时间", lambda r: when(r.get("created_at"))),
                ("激活时间", lambda r: when(r.get("activated_at"))),
            ),
        ),
        ExportSource(
            "warnings",
            "预警",
            monitoring_routes.Warnings.get,
            WarningQuerySchema,
            WarningSchema,
            workflow.list_warnings,
            (
                ("编号", field("id")),
                ("发现时间", lambda r: when(r.get("detected_at"))),
                ("规则", named("rule", "rule_title")),
                ("等级", labelled("severity", WarningSeverity.labels())),
                ("对象类型", labelled("subject_kind", WarningSubjectKind.labels())),
                ("对象", field("subject_name")),
                ("所属区", district()),
                ("摘要", field("summary")),
                ("状态", named("status", "status_name")),
                ("确认时间", lambda r: when(r.get("acknowledged_at"))),
                ("关闭时间", lambda r: when(r.get("closed_at"))),
                ("处理说明", lambda r: r.get("close_note") or r.get("acknowledge_note")),
            ),
        ),
        ExportSource(
            "reports",
            "月度报表",
            monitoring_routes.Reports.get,
            ReportQuerySchema,
            ReportSchema,
            reports.list_reports,
            (
                ("机构", field("org_name")),
                ("月份", field("month")),
                ("所属区", district()),
                ("状态", lambda r: r.get("status_name") or label(ReportStatus.labels(), r.get("status"))),
                ("编制时间", lambda r: when(r.get("compiled_at"))),
                ("报送期限", field("due_on")),
                ("报送时间", lambda r: when(r.get("submitted_at"))),
                ("逾期", lambda r: yes_no(r.get("late"))),
                ("备注", field("remarks")),
            ),
        ),
        ExportSource(
            "tracking",
            "维保计划执行",
            monitoring_routes.Tracking.get,
            TrackingQuerySchema,
            ProjectTrackingSchema,
            tracking.list_tracking,
            (
                ("项目编号", field("project_no")),
                ("项目名称", field("name")),
                ("机构", field("org_name")),
                ("所属区", district()),
                ("月份", field("month")),
                ("应做", field("due")),
                ("已做", field("done")),
                ("未做", field("not_done")),
                ("容差期外", field("outside_window")),
                ("完成率（%）", percent("completion_rate")),
            ),
        ),
        ExportSource(
            "scores",
            "机构画像评分",
            monitoring_routes.Rankings.get,
            RankingQuerySchema,
            RankingItemSchema,
            rankings,
            (
                ("排名", field("rank")),
                ("机构名称", field("name")),
                ("统一社会信用代码", field("credit_code")),
                ("所属区", district()),
                ("评分", field("score")),
                ("等级", field("grade")),
                ("计算时间", lambda r: when(r.get("computed_at"))),
            ),
        ),
    ]
    return {s.key: s for s in sources}


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True)


_CACHE: dict[str, ExportSource] = {}


def sources() -> dict[str, ExportSource]:
    """Built on first use (the list modules import after this one is discovered)."""
    if not _CACHE:
        _CACHE.update(_sources())
    return _CACHE


def get(key: str) -> ExportSource | None:
    return sources().get(key)

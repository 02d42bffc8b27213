from __future__ import annotations

import marshmallow as ma
from webargs.fields import DelimitedList

from backend.core.jurisdictions import DISTRICTS
from backend.core.pagination import PageArgsSchema
from backend.core.schemas import BaseSchema, LocalDateTime

from .models import ItemProgressStatus, ReportStatus, WarningSeverity, WarningStatus, WarningSubjectKind
from .stats import GROUPINGS, METRICS
from .warnings import FAMILIES, RULES

# Months of this system's life: 2000-01 … 2099-12 (a year 9999 would overflow the month arithmetic).
MONTH = ma.validate.Regexp(r"^20\d{2}-(0[1-9]|1[0-2])$", error="月份格式为 YYYY-MM（2000–2099 年）")


def _district(description: str = "区县代码（GB/T 2260），如 310101 黄浦区") -> ma.fields.String:
    return ma.fields.String(validate=ma.validate.OneOf(list(DISTRICTS)), metadata={"description": description})


# --- statistics -------------------------------------------------------------------------------------------


class FigureSchema(BaseSchema):
    key = ma.fields.String()
    label = ma.fields.String()
    unit = ma.fields.String()
    value = ma.fields.Integer()


class DistrictFiguresSchema(BaseSchema):
    district_code = ma.fields.String()
    district_name = ma.fields.String()
    value = ma.fields.Integer(metadata={"description": "地图着色指标（服务中项目数）"})
    organizations = ma.fields.Integer()
    organizations_pending = ma.fields.Integer()
    practitioners = ma.fields.Integer()
    projects_in_service = ma.fields.Integer()
    visits_today = ma.fields.Integer()
    on_site_now = ma.fields.Integer()
    warnings_open = ma.fields.Integer()
    penalties = ma.fields.Integer()


class SummarySchema(BaseSchema):
    figures = ma.fields.List(ma.fields.Nested(FigureSchema))
    by_district = ma.fields.List(ma.fields.Nested(DistrictFiguresSchema))
    district_metric = ma.fields.String(metadata={"description": "by_district.value 的含义"})
    generated_at = LocalDateTime()


class TrendQuerySchema(BaseSchema):
    metric = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(list(METRICS)),
        metadata={"description": "指标：" + "、".join(f"{k} {m.label}" for k, m in METRICS.items())},
    )
    months = ma.fields.Integer(
        load_default=12, validate=ma.validate.Range(1, 36), metadata={"description": "最近几个月（含本月），1–36"}
    )
    by = ma.fields.String(
        load_default="none",
        validate=ma.validate.OneOf(list(GROUPINGS)),
        metadata={"description": "分组：none 合计 / district 按辖区 / service_type 按服务类型"},
    )


class SeriesSchema(BaseSchema):
    key = ma.fields.String()
    label = ma.fields.String()
    values = ma.fields.List(ma.fields.Float(allow_none=True))


class TrendSchema(BaseSchema):
    metric = ma.fields.String()
    label = ma.fields.String()
    unit = ma.fields.String()
    by = ma.fields.String()
    months = ma.fields.List(ma.fields.String())
    series = ma.fields.List(ma.fields.Nested(SeriesSchema))


# --- rules ------------------------------------------------------------------------------------------------


class ParamSchema(BaseSchema):
    key = ma.fields.String()
    label = ma.fields.String()
    unit = ma.fields.String()
    minimum = ma.fields.Float()
    maximum = ma.fields.Float()
    integer = ma.fields.Boolean()
    config_key = ma.fields.String(metadata={"description": "配置项名称（未修改过时取该配置的值）"})


class RuleSchema(BaseSchema):
    code = ma.fields.String()
    family = ma.fields.String()
    family_name = ma.fields.Function(lambda v: FAMILIES[v.family])
    title = ma.fields.String()
    description = ma.fields.String()
    subject_kind = ma.fields.String()
    org_visible = ma.fields.Boolean(metadata={"description": "机构能否看到该类预警"})
    default_severity = ma.fields.String()
    triggers = ma.fields.List(ma.fields.String(), metadata={"description": "触发即时扫描的时间线事件"})
    params = ma.fields.List(ma.fields.Nested(ParamSchema))
    version = ma.fields.Integer(metadata={"description": "0 表示使用配置默认值"})
    enabled = ma.fields.Boolean()
    severity = ma.fields.String()
    thresholds = ma.fields.Dict()
    config_defaults = ma.fields.Dict()
    changed_by = ma.fields.Integer(allow_none=True)
    changed_at = LocalDateTime(allow_none=True)
    note = ma.fields.String(allow_none=True)


class RuleUpdateSchema(BaseSchema):
    enabled = ma.fields.Boolean(load_default=None, allow_none=True, metadata={"description": "是否启用该规则"})
    severity = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.OneOf(WarningSeverity.values()),
        metadata={"description": "预警等级：" + WarningSeverity.glossary()},
    )
    thresholds = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Raw(),
        load_default=dict,
        metadata={"description": "要修改的阈值，键为阈值项 key（见 params），值为数字"},
    )
    note = ma.fields.String(
        required=True, validate=ma.validate.Length(min=2, max=500), metadata={"description": "修改理由（记入版本历史）"}
    )


class RuleVersionSchema(BaseSchema):
    version = ma.fields.Integer()
    enabled = ma.fields.Boolean()
    severity = ma.fields.String()
    thresholds = ma.fields.Dict()
    note = ma.fields.String(allow_none=True)
    changed_by = ma.fields.Integer(allow_none=True)
    changed_at = LocalDateTime()


# --- warnings ---------------------------------------------------------------------------------------------


class WarningQuerySchema(PageArgsSchema):
    status = ma.fields.String(
        validate=ma.validate.OneOf(WarningStatus.values()),
        metadata={"description": "状态：" + WarningStatus.glossary()},
    )
    open_only = ma.fields.Boolean(load_default=False, metadata={"description": "只看未结束的（待处理与已确认）"})
    rule = ma.fields.String(validate=ma.validate.OneOf(list(RULES)), metadata={"description": "预警规则代码"})
    severity = ma.fields.String(
        validate=ma.validate.OneOf(WarningSeverity.values()), metadata={"description": "预警等级"}
    )
    subject_kind = ma.fields.String(
        validate=ma.validate.OneOf(WarningSubjectKind.values()),
        metadata={"description": "对象类型：机构、从业人员或项目"},
    )
    org_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**62), metadata={"description": "机构"})
    practitioner_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**62), metadata={"description": "从业人员"})
    project_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**62), metadata={"description": "项目"})
    district_code = _district()


class WarningSchema(BaseSchema):
    id = ma.fields.Integer()
    rule = ma.fields.String()
    rule_title = ma.fields.String()
    family = ma.fields.String(allow_none=True)
    rule_version = ma.fields.Integer()
    severity = ma.fields.String()
    subject_kind = ma.fields.String()
    subject_id = ma.fields.Integer()
    subject_name = ma.fields.String(metadata={"description": "机构名称、脱敏的从业人员姓名或项目编号"})
    period_key = ma.fields.String(metadata={"description": "所属日期（YYYY-MM-DD）或月份（YYYY-MM）"})
    org_id = ma.fields.Integer(allow_none=True)
    practitioner_id = ma.fields.Integer(allow_none=True)
    project_id = ma.fields.Integer(allow_none=True)
    district_code = ma.fields.String(allow_none=True)
    special_zone = ma.fields.String(allow_none=True)
    summary = ma.fields.String()
    evidence = ma.fields.Dict(metadata={"description": "证据：签到、证据记录、文件、反馈、抽查等的 id"})
    status = ma.fields.String()
    status_name = ma.fields.String()
    detected_at = LocalDateTime()
    acknowledged_by = ma.fields.Integer(allow_none=True)
    acknowledged_at = LocalDateTime(allow_none=True)
    acknowledge_note = ma.fields.String(allow_none=True)
    closed_by = ma.fields.Integer(allow_none=True)
    closed_at = LocalDateTime(allow_none=True)
    close_note = ma.fields.String(allow_none=True)


class AcknowledgeSchema(BaseSchema):
    note = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=1000),
        metadata={"description": "说明（机构可写明已采取的措施）"},
    )


class CloseSchema(BaseSchema):
    note = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=2, max=1000),
        metadata={"description": "处置结果或排除理由"},
    )


class ScanRequestSchema(BaseSchema):
    rules = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(list(RULES))),
        load_default=None,
        allow_none=True,
        metadata={"description": "只运行这些规则（默认全部启用的规则）"},
    )
    since = LocalDateTime(load_default=None, allow_none=True, metadata={"description": "扫描开始时间（默认昨天零点）"})
    until = LocalDateTime(load_default=None, allow_none=True, metadata={"description": "扫描结束时间（默认现在）"})


class JobRefSchema(BaseSchema):
    job_id = ma.fields.Integer()
    status = ma.fields.String()


class NotificationQuerySchema(PageArgsSchema):
    unread = ma.fields.Boolean(load_default=False, metadata={"description": "只看未读"})


class NotificationSchema(BaseSchema):
    id = ma.fields.Integer()
    created_at = LocalDateTime()
    read_at = LocalDateTime(allow_none=True)
    warning = ma.fields.Nested(WarningSchema)


# --- tracking ---------------------------------------------------------------------------------------------


class TrackingQuerySchema(PageArgsSchema):
    month = ma.fields.String(required=True, validate=MONTH, metadata={"description": "月份 YYYY-MM"})
    org_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**62), metadata={"description": "机构"})
    district_code = _district()


class TrackingMonthSchema(BaseSchema):
    month = ma.fields.String(required=True, validate=MONTH, metadata={"description": "月份 YYYY-MM"})


class ItemProgressSchema(BaseSchema):
    item_id = ma.fields.Integer()
    name = ma.fields.String()
    system_code = ma.fields.String()
    frequency = ma.fields.String()
    required = ma.fields.Integer(metadata={"description": "当月应做次数（每日项为天数，每周项为周数）"})
    done = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": ItemProgressStatus.glossary()})
    flagged = ma.fields.Boolean(metadata={"description": "有容许期外的记录"})
    record_ids = ma.fields.List(ma.fields.Integer())


def _t(attr: str) -> ma.fields.Function:
    return ma.fields.Function(lambda v: getattr(v.tracking, attr) if v.tracking is not None else None)


class ProjectTrackingSchema(BaseSchema):
    project_id = ma.fields.Function(lambda v: v.project.id)
    project_no = ma.fields.Function(lambda v: v.project.project_no)
    name = ma.fields.Function(lambda v: v.project.name)
    org_id = ma.fields.Function(lambda v: v.project.org_id)
    org_name = ma.fields.String()
    district_code = ma.fields.Function(lambda v: v.project.district_code)
    month = _t("month")
    tolerance_days = _t("tolerance_days")
    window_start = ma.fields.Function(lambda v: v.tracking.window_start.isoformat() if v.tracking else None)
    window_end = ma.fields.Function(lambda v: v.tracking.window_end.isoformat() if v.tracking else None)
    due = ma.fields.Function(lambda v: v.tracking.due if v.tracking else 0)
    done = ma.fields.Function(lambda v: v.tracking.done if v.tracking else 0)
    not_done = ma.fields.Function(lambda v: len(v.tracking.not_done_items) if v.tracking else 0)
    outside_window = ma.fields.Function(lambda v: v.tracking.count("outside_window") if v.tracking else 0)
    flagged = ma.fields.Function(lambda v: v.tracking.flagged if v.tracking else 0)
    completion_rate = _t("completion_rate")


class ProjectTrackingDetailSchema(ProjectTrackingSchema):
    items = ma.fields.Function(
        lambda v: ItemProgressSchema(many=True).dump(v.tracking.items) if v.tracking is not None else []
    )


# --- reports ----------------------------------------------------------------------------------------------


class ReportQuerySchema(PageArgsSchema):
    org_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**62), metadata={"description": "机构"})
    month = ma.fields.String(validate=MONTH, metadata={"description": "月份 YYYY-MM"})
    status = ma.fields.String(
        validate=ma.validate.OneOf(ReportStatus.values()),
        metadata={"description": ReportStatus.glossary()},
    )
    late = ma.fields.Boolean(metadata={"description": "是否逾期提交"})
    district_code = _district()


class ReportCompileSchema(BaseSchema):
    org_id = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 2**62), metadata={"description": "机构"})
    month = ma.fields.String(required=True, validate=MONTH, metadata={"description": "已结束的月份 YYYY-MM"})


class ReportSubmitSchema(BaseSchema):
    remarks = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=1000),
        metadata={"description": "机构审核说明（印在报表上）"},
    )


class ReportSchema(BaseSchema):
    id = ma.fields.Integer()
    org_id = ma.fields.Integer()
    org_name = ma.fields.String()
    month = ma.fields.String()
    status = ma.fields.String()
    status_name = ma.fields.Function(lambda v: ReportStatus.label_of(v.status))
    figures = ma.fields.Dict(metadata={"description": "报表数据：项目、现场执业、维保计划、故障隐患、文件、反馈、预警"})
    compiled_at = LocalDateTime()
    due_on = ma.fields.Date()
    submitted_at = LocalDateTime(allow_none=True)
    submitted_by = ma.fields.Integer(allow_none=True)
    remarks = ma.fields.String(allow_none=True)
    late = ma.fields.Boolean()
    district_code = ma.fields.String(allow_none=True)


# --- scores -----------------------------------------------------------------------------------------------


class FactorSchema(BaseSchema):
    key = ma.fields.String()
    label = ma.fields.String()
    weight = ma.fields.Integer(metadata={"description": "满分"})
    points = ma.fields.Float(metadata={"description": "得分（各项之和即总分）"})
    detail = ma.fields.String()


class ScoreSchema(BaseSchema):
    subject_kind = ma.fields.String()
    subject_id = ma.fields.Integer()
    name = ma.fields.String(metadata={"description": "机构名称或脱敏的从业人员姓名"})
    score = ma.fields.Float(attribute="value", metadata={"description": "百分制得分"})
    grade = ma.fields.String(metadata={"description": "等级 A（≥90）/ B（≥75）/ C（≥60）/ D"})
    factors = ma.fields.List(ma.fields.Nested(FactorSchema))
    org_id = ma.fields.Integer(allow_none=True)
    district_code = ma.fields.String(allow_none=True)
    computed_at = LocalDateTime()


class RankingQuerySchema(PageArgsSchema):
    district_code = _district()
    org_ids = DelimitedList(
        ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**62)),
        validate=ma.validate.Length(min=1, max=100),
        metadata={"description": "只返回这些机构（逗号分隔，至多 100 个）；名次仍为全市（或所选区）排名中的名次"},
    )


class RankingItemSchema(BaseSchema):
    rank = ma.fields.Integer()
    org_id = ma.fields.Function(lambda r: r.org.id)
    name = ma.fields.Function(lambda r: r.org.name)
    credit_code = ma.fields.Function(lambda r: r.org.credit_code)
    district_code = ma.fields.Function(lambda r: r.org.district_code)
    types = ma.fields.Function(lambda r: list(r.org.types or []))
    status = ma.fields.Function(lambda r: r.org.status)
    score = ma.fields.Float()
    grade = ma.fields.String()
    computed_at = LocalDateTime()


class RankingPageSchema(BaseSchema):
    items = ma.fields.List(ma.fields.Nested(RankingItemSchema))
    next_cursor = ma.fields.String(allow_none=True)


class PractitionerRankingQuerySchema(PageArgsSchema):
    district_code = _district()
    org_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**62), metadata={"description": "所在机构"})


class PractitionerRankingItemSchema(BaseSchema):
    rank = ma.fields.Integer(metadata={"description": "在可见范围（及筛选条件）内的名次"})
    practitioner_id = ma.fields.Integer()
    name_masked = ma.fields.String(metadata={"description": "姓名（脱敏）"})
    org_id = ma.fields.Integer(allow_none=True)
    org_name = ma.fields.String(allow_none=True)
    score = ma.fields.Float()
    grade = ma.fields.String()
    computed_at = LocalDateTime()


class PractitionerRankingPageSchema(BaseSchema):
    items = ma.fields.List(ma.fields.Nested(PractitionerRankingItemSchema))
    next_cursor = ma.fields.String(allow_none=True)

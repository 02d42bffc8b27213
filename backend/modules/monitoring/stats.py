"""Statistics (统计分析) for the supervisors' dashboard, scoped to the caller's jurisdiction (the corps: all).

Every figure is a SQL aggregate grouped by district (GROUP BY, never a loop over rows): the district rows
colour the map and their sum is the figure. Trends group by Shanghai month, optionally also by district or
service type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from backend.core.access import Actor, area_clause
from backend.core.db import db
from backend.core.errors import ValidationFailed
from backend.core.jurisdictions import DISTRICTS
from backend.core.timeutil import local_day_bounds, to_local, today, utcnow
from backend.modules.realname.conditions import MONITORED_STATUSES

from .models import OPEN_WARNING_STATUSES, MonitoringWarning
from .readmodel import (
    SERVICE_TYPES,
    ConclusionDocument,
    Employment,
    Feedback,
    Organization,
    Penalty,
    Project,
    SiteVisit,
)
from .sqlutil import bucket_key, date_month, month_bucket, month_key, month_span, months_back

ACCEPTED = ("checked_in", "checked_out")
IN_SERVICE = ("published", "in_service")
ON_SITE_HOURS = 12  # a visit open longer than this no longer counts as someone on site (projects closes it)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    value: int


@dataclass
class Summary:
    figures: list[Figure]
    by_district: list[dict[str, Any]]
    district_metric: str
    generated_at: datetime = field(default_factory=utcnow)


# --- the dashboard summary --------------------------------------------------------------------------------


# The time bounds of the summary, by name, with the column type that writes each as an SQL literal.
SUMMARY_BOUNDS: dict[str, Any] = {
    "day_start": SiteVisit.checked_in_at.type,
    "day_end": SiteVisit.checked_in_at.type,
    "since": SiteVisit.checked_in_at.type,
    "year_start": Penalty.decided_on.type,
}


def _bound(name: str) -> sa.ColumnElement[Any]:
    """A time bound, written into the SQL as a literal when the summary runs (see summary). The planner then
    knows how much of the table the range covers, as with the raw SQL; a prepared statement's generic plan
    would guess (a third of the rows for any range), and at Shanghai scale that guess turns a few-millisecond
    aggregate into a scan of the visits."""
    return sa.literal_column(f"__{name}__", type_=SUMMARY_BOUNDS[name])


def summary_params(now: datetime | None = None) -> dict[str, Any]:
    """The time bounds of the summary: today (Shanghai), the last ON_SITE_HOURS, this year."""
    moment = now or utcnow()
    day_start, day_end = local_day_bounds(today())
    return {
        "day_start": day_start,
        "day_end": day_end,
        # to the minute: the statement's text then stays the same for a minute, and psycopg prepares a statement
        # run that often (a new text each request was parsed and planned anew, as long again as the aggregates)
        "since": (moment - timedelta(hours=ON_SITE_HOURS)).replace(second=0, microsecond=0),
        "year_start": date(today().year, 1, 1),
    }


def summary_queries(actor: Actor) -> dict[str, sa.Select[Any]]:
    """One GROUP BY district statement per figure (district, value), the time bounds named as in
    summary_params; bench/bench_stats.py runs the same aggregates as hand-written SQL."""
    org_area = area_clause(actor, Organization.district_code, Organization.special_zone)
    count = sa.func.count()
    return {
        "organizations": sa.select(Organization.district_code, count)
        .where(org_area, Organization.status.in_(MONITORED_STATUSES))
        .group_by(Organization.district_code),
        "organizations_pending": sa.select(Organization.district_code, count)
        .where(org_area, Organization.status == "submitted")
        .group_by(Organization.district_code),
        "practitioners": sa.select(Organization.district_code, sa.func.count(sa.distinct(Employment.practitioner_id)))
        .join(Organization, Organization.id == Employment.org_id)
        .where(org_area, Employment.status == "active")
        .group_by(Organization.district_code),
        "projects_in_service": sa.select(Project.district_code, count)
        .where(area_clause(actor, Project.district_code, Project.special_zone), Project.status.in_(IN_SERVICE))
        .group_by(Project.district_code),
        "visits_today": sa.select(SiteVisit.district_code, count)
        .where(
            area_clause(actor, SiteVisit.district_code, SiteVisit.special_zone),
            SiteVisit.status.in_(ACCEPTED),
            SiteVisit.checked_in_at >= _bound("day_start"),
            SiteVisit.checked_in_at < _bound("day_end"),
        )
        .group_by(SiteVisit.district_code),
        "on_site_now": sa.select(SiteVisit.district_code, count)
        .where(
            area_clause(actor, SiteVisit.district_code, SiteVisit.special_zone),
            SiteVisit.status == "checked_in",
            SiteVisit.checked_in_at >= _bound("since"),
        )
        .group_by(SiteVisit.district_code),
        "warnings_open": sa.select(MonitoringWarning.district_code, count)
        .where(
            area_clause(actor, MonitoringWarning.district_code, MonitoringWarning.special_zone),
            MonitoringWarning.status.in_(OPEN_WARNING_STATUSES),
        )
        .group_by(MonitoringWarning.district_code),
        "penalties": sa.select(Penalty.district_code, count)
        .where(
            area_clause(actor, Penalty.district_code, Penalty.special_zone),
            Penalty.decided_on >= _bound("year_start"),
        )
        .group_by(Penalty.district_code),
    }


FIGURES = {
    "organizations": ("技术服务机构", "家"),
    "organizations_pending": ("待审核机构", "家"),
    "practitioners": ("从业人员", "人"),
    "projects_in_service": ("服务中项目", "个"),
    "visits_today": ("今日现场执业", "次"),
    "on_site_now": ("当前在场", "人"),
    "warnings_open": ("未处理预警", "条"),
    "penalties": ("本年行政处罚", "起"),
}
MAP_METRIC = "projects_in_service"


_SUMMARY_SQL: dict[tuple[str, bool, bool, str | None], str] = {}


def summary_sql(actor: Actor, dialect: sa.Dialect) -> str:
    """The eight aggregates as one statement (UNION ALL), compiled once per dialect and jurisdiction with the
    jurisdiction and statuses as literals and the time bounds as placeholders. The dashboard is refreshed all
    day long: building, keying and binding eight statements cost as much as running them does for a district.
    Every literal comes from the code or the actor's own jurisdiction, never from the request."""
    scope = (dialect.name, actor.is_citywide, actor.is_supervisory, actor.jurisdiction)
    sql = _SUMMARY_SQL.get(scope)
    if sql is None:
        parts = [
            stmt.add_columns(sa.literal_column(f"'{key}'").label("metric"))
            for key, stmt in summary_queries(actor).items()
        ]
        compiled = sa.union_all(*parts).compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        sql = _SUMMARY_SQL[scope] = str(compiled)
    return sql


def summary(actor: Actor, now: datetime | None = None) -> Summary:
    """One statement, read outside a transaction (an aggregate of committed rows needs none): no BEGIN and no
    ROLLBACK around it, which on a busy machine cost as much as a district's aggregates."""
    grouped: dict[str, dict[str | None, int]] = {key: {} for key in FIGURES}
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        sql = summary_sql(actor, connection.dialect)
        for name, value in summary_params(now).items():
            sql = sql.replace(f"__{name}__", SUMMARY_BOUNDS[name].literal_processor(connection.dialect)(value))
        rows = connection.exec_driver_sql(sql).all()
    for district, count, metric in rows:
        grouped[metric][district] = int(count)
    figures = [Figure(key, *FIGURES[key], sum(grouped[key].values())) for key in FIGURES]
    districts = sorted({d for counts in grouped.values() for d in counts if d})
    by_district = [
        {
            "district_code": code,
            "district_name": DISTRICTS.get(code, code),
            "value": grouped[MAP_METRIC].get(code, 0),
            **{key: grouped[key].get(code, 0) for key in FIGURES},
        }
        for code in districts
    ]
    return Summary(figures, by_district, FIGURES[MAP_METRIC][0])


# --- trends -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    # (actor, start, end, by service type) -> (month expression, district column, service-type column or None,
    # value, select); the project is joined only when the service type is asked for
    source: Callable[[Actor, datetime, datetime, bool], tuple[Any, Any, Any, Any, sa.Select[Any]]]


def _organizations(
    actor: Actor, start: datetime, end: datetime, by_type: bool
) -> tuple[Any, Any, Any, Any, sa.Select[Any]]:
    stmt = (
        sa.select()
        .select_from(Organization)
        .where(
            area_clause(actor, Organization.district_code, Organization.special_zone),
            Organization.verified_at >= start,
            Organization.verified_at < end,
        )
    )
    return month_bucket(Organization.verified_at), Organization.district_code, None, sa.func.count(), stmt


def _practitioners(
    actor: Actor, start: datetime, end: datetime, by_type: bool
) -> tuple[Any, Any, Any, Any, sa.Select[Any]]:
    stmt = (
        sa.select()
        .select_from(Employment)
        .join(Organization, Organization.id == Employment.org_id)
        .where(
            area_clause(actor, Organization.district_code, Organization.special_zone),
            Employment.started_at >= start,
            Employment.started_at < end,
        )
    )
    value = sa.func.count(sa.distinct(Employment.practitioner_id))
    return month_bucket(Employment.started_at), Organization.district_code, None, value, stmt


def _projects(actor: Actor, start: datetime, end: datetime, by_type: bool) -> tuple[Any, Any, Any, Any, sa.Select[Any]]:
    stmt = (
        sa.select()
        .select_from(Project)
        .where(
            area_clause(actor, Project.district_code, Project.special_zone),
            Project.created_at >= start,
            Project.created_at < end,
        )
    )
    return month_bucket(Project.created_at), Project.district_code, Project.service_type, sa.func.count(), stmt


def _visits(actor: Actor, start: datetime, end: datetime, by_type: bool) -> tuple[Any, Any, Any, Any, sa.Select[Any]]:
    stmt = (
        sa.select()
        .select_from(SiteVisit)
        .where(
            area_clause(actor, SiteVisit.district_code, SiteVisit.special_zone),
            SiteVisit.status.in_(ACCEPTED),
            SiteVisit.checked_in_at >= start,
            SiteVisit.checked_in_at < end,
        )
    )
    if by_type:
        stmt = stmt.join(Project, Project.id == SiteVisit.project_id)
    return month_bucket(SiteVisit.checked_in_at), SiteVisit.district_code, Project.service_type, sa.func.count(), stmt


def _documents(
    actor: Actor, start: datetime, end: datetime, by_type: bool
) -> tuple[Any, Any, Any, Any, sa.Select[Any]]:
    stmt = (
        sa.select()
        .select_from(ConclusionDocument)
        .where(
            area_clause(actor, ConclusionDocument.district_code, ConclusionDocument.special_zone),
            ConclusionDocument.effective_at >= start,
            ConclusionDocument.effective_at < end,
        )
    )
    if by_type:
        stmt = stmt.join(Project, Project.id == ConclusionDocument.project_id)
    month = month_bucket(ConclusionDocument.effective_at)
    return month, ConclusionDocument.district_code, Project.service_type, sa.func.count(), stmt


def _ratings(actor: Actor, start: datetime, end: datetime, by_type: bool) -> tuple[Any, Any, Any, Any, sa.Select[Any]]:
    stmt = (
        sa.select()
        .select_from(Feedback)
        .where(
            area_clause(actor, Feedback.district_code, Feedback.special_zone),
            Feedback.rating.is_not(None),
            Feedback.responded_at >= start,
            Feedback.responded_at < end,
        )
    )
    if by_type:
        stmt = stmt.join(Project, Project.id == Feedback.project_id)
    value = sa.func.round(sa.func.avg(Feedback.rating), 2)
    return month_bucket(Feedback.responded_at), Feedback.district_code, Project.service_type, value, stmt


def _warnings(actor: Actor, start: datetime, end: datetime, by_type: bool) -> tuple[Any, Any, Any, Any, sa.Select[Any]]:
    stmt = (
        sa.select()
        .select_from(MonitoringWarning)
        .where(
            area_clause(actor, MonitoringWarning.district_code, MonitoringWarning.special_zone),
            MonitoringWarning.detected_at >= start,
            MonitoringWarning.detected_at < end,
        )
    )
    return month_bucket(MonitoringWarning.detected_at), MonitoringWarning.district_code, None, sa.func.count(), stmt


def _penalties(
    actor: Actor, start: datetime, end: datetime, by_type: bool
) -> tuple[Any, Any, Any, Any, sa.Select[Any]]:
    first, last = month_key(to_local(start).date()), month_key(to_local(end - timedelta(seconds=1)).date())
    stmt = (
        sa.select()
        .select_from(Penalty)
        .where(
            area_clause(actor, Penalty.district_code, Penalty.special_zone),
            date_month(Penalty.decided_on) >= first,
            date_month(Penalty.decided_on) <= last,
        )
    )
    return date_month(Penalty.decided_on), Penalty.district_code, None, sa.func.count(), stmt


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("organizations", "新核准机构", "家", _organizations),
        Metric("practitioners", "新入职从业人员", "人", _practitioners),
        Metric("projects", "新登记项目", "个", _projects),
        Metric("visits", "现场执业（有效签到）", "次", _visits),
        Metric("documents", "生效的书面结论文件", "份", _documents),
        Metric("ratings", "委托单位平均评分", "分", _ratings),
        Metric("warnings", "预警", "条", _warnings),
        Metric("penalties", "行政处罚", "起", _penalties),
    )
}
GROUPINGS = {"none": "合计", "district": "按辖区", "service_type": "按服务类型"}


@dataclass
class Series:
    key: str
    label: str
    values: list[float | int | None]


@dataclass
class Trend:
    metric: str
    label: str
    unit: str
    by: str
    months: list[str]
    series: list[Series]


def trends(actor: Actor, metric: str, months: int, by: str = "none") -> Trend:
    found = METRICS[metric]
    keys = months_back(month_key(today()), months)
    start, end = month_span(keys[0])[0], month_span(keys[-1])[1]
    month, district, service_type, value, stmt = found.source(actor, start, end, by == "service_type")
    if by == "service_type" and service_type is None:
        raise ValidationFailed(
            "trend_grouping_unsupported", details={"fields": {"by": [f"{found.label}不区分服务类型"]}}
        )
    if by == "none":  # a constant is not a grouping (PostgreSQL refuses it in GROUP BY)
        grouped = stmt.add_columns(month.label("month"), sa.literal_column("'all'").label("grp"), value.label("value"))
        rows = db.session.execute(grouped.group_by(month)).all()
    else:
        group = district if by == "district" else service_type
        grouped = stmt.add_columns(month.label("month"), group.label("grp"), value.label("value"))
        rows = db.session.execute(grouped.group_by(month, group)).all()
    table: dict[str, dict[str, Any]] = {}
    for row in rows:
        table.setdefault(str(row.grp), {})[bucket_key(row.month)] = (
            float(row.value) if metric == "ratings" else int(row.value)
        )
    labels = {"none": {"all": found.label}, "district": DISTRICTS, "service_type": SERVICE_TYPES}[by]
    empty: float | int | None = None if metric == "ratings" else 0
    series = [
        Series(key, labels.get(key, key if key != "None" else "未定位"), [table[key].get(m, empty) for m in keys])
        for key in sorted(table)
    ]
    if not series and by == "none":
        series = [Series("all", found.label, [empty for _ in keys])]
    return Trend(metric, found.label, found.unit, by, keys, series)

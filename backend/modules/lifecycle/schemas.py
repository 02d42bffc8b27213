from __future__ import annotations

from typing import Any

import marshmallow as ma

from backend.core.pagination import PageArgsSchema
from backend.core.schemas import BaseSchema, LocalDateTime
from backend.modules.projects.queries import RECORD_RESULTS, SERVICE_TYPES

API = "/api/v1/timeline"
KIND_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"


def _event_links(view: Any) -> dict[str, str]:
    """Where to drill down from an event: its organisation, project, practitioner and visit."""
    event = view.event
    links = {}
    if event.org_id is not None:
        links["organization"] = f"{API}/organizations/{event.org_id}"
    if event.project_id is not None:
        links["project"] = f"{API}/projects/{event.project_id}"
        links["project_visits"] = f"{API}/projects/{event.project_id}/visits"
    if event.practitioner_id is not None:
        links["practitioner"] = f"{API}/practitioners/{event.practitioner_id}"
    visit_id = (event.data or {}).get("visit_id")
    if isinstance(visit_id, int):
        links["visit_records"] = f"{API}/visits/{visit_id}/records"
    return links


class TimelineQuerySchema(PageArgsSchema):
    since = LocalDateTime(metadata={"description": "起始时间（含），带时区"})
    until = LocalDateTime(metadata={"description": "截止时间（不含），带时区"})
    kind = ma.fields.List(
        ma.fields.String(validate=[ma.validate.Length(max=48), ma.validate.Regexp(KIND_PATTERN)]),
        metadata={"description": "事件类型，可重复；如 visit 匹配 visit.checked_in 等，visit.checked_in 仅匹配自身"},
    )
    order = ma.fields.String(
        load_default="desc",
        validate=ma.validate.OneOf(["desc", "asc"]),
        metadata={"description": "desc 最新在前（默认）/ asc 按发生先后"},
    )


class TimelineEventSchema(BaseSchema):
    id = ma.fields.Integer(attribute="event.id")
    occurred_at = LocalDateTime(attribute="event.occurred_at")
    kind = ma.fields.String(attribute="event.kind")
    summary = ma.fields.String(attribute="event.summary")
    org_id = ma.fields.Integer(attribute="event.org_id", allow_none=True)
    practitioner_id = ma.fields.Integer(attribute="event.practitioner_id", allow_none=True)
    project_id = ma.fields.Integer(attribute="event.project_id", allow_none=True)
    district_code = ma.fields.String(attribute="event.district_code", allow_none=True)
    visibility = ma.fields.String(attribute="event.visibility")
    data = ma.fields.Function(
        lambda v: v.event.data if v.detailed else None, metadata={"description": "证据记录编号（公开视图不提供）"}
    )
    actor_user_id = ma.fields.Function(lambda v: v.event.actor_user_id if v.detailed else None)
    hash = ma.fields.String(attribute="event.hash", metadata={"description": "防篡改链哈希"})
    links = ma.fields.Function(_event_links, metadata={"description": "下钻链接"})


class TimelineProjectSchema(BaseSchema):
    id = ma.fields.Integer(attribute="project.id")
    project_no = ma.fields.String(attribute="project.project_no")
    name = ma.fields.String(attribute="project.name")
    service_type = ma.fields.String(attribute="project.service_type")
    service_type_label = ma.fields.Function(lambda s: SERVICE_TYPES.get(s.project.service_type))
    status = ma.fields.String(attribute="project.status")
    building_name = ma.fields.String(attribute="project.building_name")
    district_code = ma.fields.String(attribute="project.district_code", allow_none=True)
    published_at = LocalDateTime(attribute="project.published_at", allow_none=True)
    visits = ma.fields.Integer(metadata={"description": "现场签到次数"})
    work_records = ma.fields.Integer(metadata={"description": "工作记录条数"})
    events = ma.fields.Integer(metadata={"description": "可见的时间线事件数"})
    links = ma.fields.Function(
        lambda s: {"timeline": f"{API}/projects/{s.project.id}", "visits": f"{API}/projects/{s.project.id}/visits"}
    )


class TimelineVisitSchema(BaseSchema):
    id = ma.fields.Integer(attribute="visit.id")
    practitioner_id = ma.fields.Integer(attribute="visit.practitioner_id")
    practitioner_name = ma.fields.String(attribute="practitioner.name_masked", metadata={"description": "脱敏姓名"})
    status = ma.fields.String(attribute="visit.status")
    checked_in_at = LocalDateTime(attribute="visit.checked_in_at")
    checked_out_at = LocalDateTime(attribute="visit.checked_out_at", allow_none=True)
    duration_s = ma.fields.Integer(attribute="visit.duration_s", allow_none=True)
    identity_method = ma.fields.String(attribute="visit.identity_method")
    face_passed = ma.fields.Boolean(attribute="visit.face_passed", allow_none=True)
    distance_to_fence_m = ma.fields.Float(attribute="visit.distance_to_fence_m", allow_none=True)
    flags = ma.fields.List(ma.fields.Raw(), attribute="visit.flags")
    reasons = ma.fields.List(ma.fields.Raw(), attribute="visit.reasons")
    work_records = ma.fields.Integer()
    links = ma.fields.Function(lambda s: {"records": f"{API}/visits/{s.visit.id}/records"})


class TimelineRecordSchema(BaseSchema):
    id = ma.fields.Integer(attribute="record.id")
    plan_item_id = ma.fields.Integer(attribute="record.plan_item_id", allow_none=True)
    plan_item_name = ma.fields.String(allow_none=True)
    system_code = ma.fields.String(attribute="record.system_code", allow_none=True)
    result = ma.fields.String(attribute="record.result")
    result_label = ma.fields.Function(lambda r: RECORD_RESULTS.get(r.record.result))
    note = ma.fields.String(attribute="record.note", allow_none=True)
    photos = ma.fields.Function(lambda r: len(r.record.photo_file_ids or []), metadata={"description": "照片张数"})
    created_at = LocalDateTime(attribute="record.created_at")


class ChainReportSchema(BaseSchema):
    ok = ma.fields.Boolean(metadata={"description": "时间线完整、未被篡改"})
    checked = ma.fields.Integer(metadata={"description": "已校验的记录数"})
    broken_at = ma.fields.Integer(allow_none=True, metadata={"description": "第一条被破坏的记录编号"})
    reason = ma.fields.String(allow_none=True)

from __future__ import annotations

import marshmallow as ma

from backend.core.schemas import BaseSchema, LocalDateTime


class ExportRequestSchema(BaseSchema):
    list = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=32),
        metadata={
            "description": "列表：organizations、practitioners、projects、visits、documents、feedback、inspections、"
            "spot-checks、penalties、audit-logs、supervisors、warnings、reports、tracking、scores"
        },
    )
    filters = ma.fields.Dict(
        keys=ma.fields.String(), load_default=dict, metadata={"description": "与列表接口相同的筛选参数"}
    )
    format = ma.fields.String(
        load_default="xlsx", validate=ma.validate.OneOf(["csv", "xlsx"]), metadata={"description": "csv 或 xlsx"}
    )


class ExportSchema(BaseSchema):
    id = ma.fields.Integer()
    list = ma.fields.String()
    title = ma.fields.String(metadata={"description": "列表名称"})
    format = ma.fields.String()
    filters = ma.fields.Dict()
    status = ma.fields.String(metadata={"description": "queued 排队中、running 导出中、done 已完成、failed 失败"})
    progress_done = ma.fields.Integer(metadata={"description": "已写入行数"})
    rows = ma.fields.Integer(allow_none=True, metadata={"description": "完成后的总行数"})
    truncated = ma.fields.Boolean(metadata={"description": "超过上限被截断"})
    filename = ma.fields.String(allow_none=True)
    error = ma.fields.String(allow_none=True)
    created_at = LocalDateTime()
    finished_at = LocalDateTime(allow_none=True)

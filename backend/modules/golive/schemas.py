from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest.fields import Upload

from backend.core.pagination import PageArgsSchema
from backend.core.schemas import BaseSchema, LocalDateTime

from .clearing import CONFIRMATION
from .models import MODES, Mode, RunStatus


def _desc(text: str) -> dict[str, Any]:
    return {"description": text}


class ColumnSchema(BaseSchema):
    key = ma.fields.String(metadata=_desc("英文键（模板第二行）"))
    header = ma.fields.String(metadata=_desc("中文列名（模板第一行）"))
    required = ma.fields.Boolean()
    description = ma.fields.String()
    example = ma.fields.String()


class TemplateObjectSchema(BaseSchema):
    key = ma.fields.String(metadata=_desc("对象键，也是 CSV 文件名，如 organizations"))
    name = ma.fields.String(metadata=_desc("对象中文名，也可作文件名或工作表名，如 机构"))
    description = ma.fields.String()
    natural_key = ma.fields.List(ma.fields.String(), metadata=_desc("识别同一条记录的列（自然键）"))
    columns = ma.fields.List(ma.fields.Nested(ColumnSchema))
    csv_template = ma.fields.Function(
        lambda f: f"/api/v1/admin/imports/templates/{f.key}.csv", metadata=_desc("CSV 模板下载地址")
    )


class ImportFormSchema(BaseSchema):
    dry_run = ma.fields.Boolean(load_default=False, metadata=_desc("只校验不保存（试导入）"))


class ImportFilesSchema(BaseSchema):
    files = ma.fields.List(
        Upload(),
        required=True,
        metadata=_desc("导入文件：每个对象一个 CSV（UTF-8 或 GB18030）、含各对象工作表的 XLSX，或它们的 ZIP 压缩包"),
    )


class CountsSchema(BaseSchema):
    created = ma.fields.Integer(metadata=_desc("新增行数"))
    unchanged = ma.fields.Integer(metadata=_desc("已存在、未改动的行数"))
    failed = ma.fields.Integer(metadata=_desc("有错误的行数（见错误文件）"))


class ImportRunSchema(BaseSchema):
    id = ma.fields.Integer()
    status = ma.fields.String(metadata=_desc(RunStatus.glossary()))
    status_name = ma.fields.Function(lambda r: RunStatus.label_of(r.status))
    dry_run = ma.fields.Boolean()
    source = ma.fields.String(metadata=_desc("upload 管理端上传 / cli 命令行"))
    files = ma.fields.Function(lambda r: [f["name"] for f in r.files or []], metadata=_desc("文件名"))
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(CountsSchema))
    rows_total = ma.fields.Integer(allow_none=True)
    rows_done = ma.fields.Integer()
    errors_count = ma.fields.Integer()
    checkpoint = ma.fields.Dict(metadata=_desc("续传位置：file 文件序号，line 已提交的最后一行"))
    job_id = ma.fields.Integer(allow_none=True)
    created_at = LocalDateTime()
    started_at = LocalDateTime(allow_none=True)
    finished_at = LocalDateTime(allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    error_file = ma.fields.Function(lambda r: f"/api/v1/admin/imports/{r.id}/errors", metadata=_desc("错误文件"))


class ImportRunListArgsSchema(PageArgsSchema):
    pass


class ModeSchema(BaseSchema):
    mode = ma.fields.String(metadata=_desc(Mode.glossary()))
    mode_name = ma.fields.String()
    changed_at = LocalDateTime(allow_none=True)
    changed_by = ma.fields.Integer(allow_none=True)


class ModeChangeSchema(BaseSchema):
    mode = ma.fields.String(required=True, validate=ma.validate.OneOf(sorted(MODES)), metadata=_desc("trial 或 live"))
    reason = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=200), metadata=_desc("切换原因")
    )


class ClearingRequestSchema(BaseSchema):
    confirmation = ma.fields.String(
        required=True, validate=ma.validate.Length(max=50), metadata=_desc(f"确认语，须输入“{CONFIRMATION}”")
    )


class BlockerSchema(BaseSchema):
    table = ma.fields.String()
    column = ma.fields.String()
    rows = ma.fields.Integer()
    message = ma.fields.String()


class ClearingReportSchema(BaseSchema):
    mode = ma.fields.String()
    executed = ma.fields.Boolean(metadata=_desc("false 为预览（不删除）"))
    tables = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), metadata=_desc("每张表删除的行数"))
    total_rows = ma.fields.Integer()
    nullified = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), metadata=_desc("保留的数据中被清空的引用（表.列：行数）")
    )
    blockers = ma.fields.List(ma.fields.Nested(BlockerSchema), metadata=_desc("阻止清除的正式数据"))
    files = ma.fields.Integer(metadata=_desc("删除的存储文件数"))
    adopted_files = ma.fields.Integer(metadata=_desc("因正式数据引用而保留的文件数"))
    jobs = ma.fields.Integer(metadata=_desc("删除的试运行后台任务数"))
    org_roles = ma.fields.Integer(metadata=_desc("随试运行机构删除的机构管理角色数"))
    rechained_events = ma.fields.Integer(metadata=_desc("重新链接的时间线记录数"))
    old_head_hash = ma.fields.String(allow_none=True)
    new_head_hash = ma.fields.String(allow_none=True)
    chain_verified = ma.fields.Boolean(allow_none=True)

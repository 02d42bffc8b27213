"""Export requests: who may export which list, the background job that writes the file, and its download.

The job row (backend.core.jobs) is the export's record: its args hold who asked, which list, the filters and
the format; its result the row count and file name. Files live under UPLOAD_DIR/exports/<job id>.<ext>.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import marshmallow as ma
from flask import current_app, g, has_request_context

from backend.core import audit
from backend.core.access import AUTHENTICATED, PUBLIC, Actor, require_permission
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.core.jobs import BackgroundJob, enqueue, job_path, set_progress
from backend.core.messages import message_for
from backend.core.timeutil import SHANGHAI, utcnow
from backend.modules.accounts.queries import user_by_id

from . import jobs, registry
from .writers import FORMATS, Writer, open_writer

PAGE_SIZE = 100  # the list endpoints' largest page
MAX_ROWS = 200_000  # beyond this, narrow the filters (the file says so in the status)
PERMISSION = "export_data"


@dataclass(frozen=True)
class ExportView:
    id: int
    list: str
    title: str
    format: str
    filters: dict[str, Any]
    status: str
    progress_done: int
    rows: int | None
    truncated: bool
    filename: str | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None


def _source(key: str) -> registry.ExportSource:
    source = registry.get(key)
    if source is None:
        raise ValidationFailed(
            "export_list_unknown", details={"fields": {"list": [message_for("export_list_unknown")]}}
        )
    return source


def require_export(actor: Actor, source: registry.ExportSource) -> None:
    """The list endpoint's own role gate, then the export permission a corps admin grants."""
    roles = source.roles
    if not (PUBLIC in roles or AUTHENTICATED in roles or actor.has_role(*roles)):
        raise Forbidden(details={"list": source.key})
    require_permission(actor, PERMISSION)


def _clean(filters: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in filters.items() if v is not None and v != "" and k not in ("limit", "cursor")}


def load_filters(source: registry.ExportSource, filters: dict[str, Any]) -> dict[str, Any]:
    """Validate the filters with the list endpoint's own query schema (the same errors the list gives)."""
    schema = source.args_schema()
    try:
        return dict(schema.load(_clean(filters)))
    except ma.ValidationError as err:
        raise ValidationFailed(details={"fields": {"filters": err.messages}}) from err


def request_export(actor: Actor, list_key: str, filters: dict[str, Any], fmt: str) -> ExportView:
    source = _source(list_key)
    require_export(actor, source)
    clean = _clean(filters)
    load_filters(source, clean)
    with unit_of_work() as uow:
        job = enqueue(
            jobs.run_export, max_attempts=2, user_id=actor.user_id, list=source.key, filters=clean, format=fmt
        )
        audit.record(
            "data_export.request", "background_jobs", job.id, {"list": source.key, "filters": clean, "format": fmt}
        )
        job_id = job.id
        uow.commit()  # in-process (embedded default) the job has run when this returns
    return view(_job(job_id))


MAX_ID = 2**63 - 1  # a BIGINT key: a larger number in the URL names no export (and must not reach the database)


def _job(job_id: int) -> BackgroundJob:
    if not 0 < job_id <= MAX_ID:
        raise NotFound()
    db.session.expire_all()
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.func != job_path(jobs.run_export):
        raise NotFound()
    return job


def _own_job(actor: Actor, job_id: int) -> BackgroundJob:
    job = _job(job_id)
    if (job.args or {}).get("user_id") != actor.user_id:
        raise NotFound()  # only the user who asked sees an export; others learn nothing of it
    return job


def view(job: BackgroundJob) -> ExportView:
    args = job.args or {}
    result = job.result or {}
    source = registry.get(args.get("list", ""))
    return ExportView(
        id=job.id,
        list=args.get("list", ""),
        title=source.title if source else args.get("list", ""),
        format=args.get("format", "csv"),
        filters=args.get("filters") or {},
        status=job.status,
        progress_done=job.progress_done,
        rows=result.get("rows"),
        truncated=bool(result.get("truncated")),
        filename=result.get("filename"),
        error=message_for("export_failed") if job.status == "failed" else None,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def get_export(actor: Actor, job_id: int) -> ExportView:
    return view(_own_job(actor, job_id))


def export_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "exports"


def file_path(job_id: int, fmt: str) -> Path:
    return export_dir() / f"{job_id}.{FORMATS[fmt][1]}"


def export_file(actor: Actor, job_id: int) -> tuple[Path, str, str]:
    """(path, download name, mimetype) of a finished export; the download is audited."""
    job = _own_job(actor, job_id)
    if job.status != "done":
        raise Conflict("export_failed" if job.status == "failed" else "export_not_ready")
    fmt = (job.args or {}).get("format", "csv")
    path = file_path(job.id, fmt)
    if not path.exists():
        raise NotFound("export_file_missing")
    with unit_of_work() as uow:
        audit.record("data_export.download", "background_jobs", job.id, {"list": job.args.get("list"), "format": fmt})
        uow.commit()
    return path, (job.result or {}).get("filename") or path.name, FORMATS[fmt][0]


# --- the job -------------------------------------------------------------------------------------------------


def _actor_of(user_id: int) -> Actor:
    """The exporter as they are now (a role or permission revoked since the request stops the export)."""
    from backend.modules.accounts.services import actor_for

    user = user_by_id(user_id)
    if user is None or user.status != "active":
        raise Forbidden("account_disabled")
    return actor_for(user)


def write_export(job: BackgroundJob, user_id: int, list: str, filters: dict[str, Any], format: str) -> dict[str, Any]:
    if not has_request_context():
        g.cli_user_id = user_id  # audit rows written by a worker name the exporter
    source = _source(list)
    actor = _actor_of(user_id)
    require_export(actor, source)
    args = load_filters(source, filters)
    headers = [label for label, _ in source.columns]
    target = file_path(job.id, format)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    rows = 0
    truncated = False
    writer: Writer | None = None
    try:
        writer = open_writer(format, tmp, headers, source.title)
        cursor: str | None = None
        item_schema = source.item_schema(many=True)
        while True:
            page = source.fetch(actor, {**args, "limit": PAGE_SIZE, "cursor": cursor})
            for row in item_schema.dump(page.items):
                if rows >= MAX_ROWS:
                    truncated = True
                    break
                writer.row([cell(row) for _, cell in source.columns])
                rows += 1
            cursor = page.next_cursor
            set_progress(job, rows)
            if truncated or not cursor:
                break
        writer.close()
        os.replace(tmp, target)
    finally:
        if writer is not None:
            writer.discard()
        tmp.unlink(missing_ok=True)
    stamp = utcnow().astimezone(SHANGHAI).strftime("%Y%m%d-%H%M%S")
    filename = f"{source.title}-{stamp}.{FORMATS[format][1]}"
    audit.record(
        "data_export.complete",
        "background_jobs",
        job.id,
        {"list": list, "filters": filters, "format": format, "rows": rows, "truncated": truncated},
    )
    return {"rows": rows, "truncated": truncated, "filename": filename, "size": target.stat().st_size}

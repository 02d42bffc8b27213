"""The go-live services the routes, the CLI and the job call: templates, import runs (upload, progress,
resumption, error file), the system mode and the clearing of trial data. The work itself lives in importer.py,
trial.py and clearing.py."""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO, Protocol

import sqlalchemy as sa
from flask import current_app

from backend.core.access import Actor
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, NotFound, ValidationFailed
from backend.core.jobs import BackgroundJob, enqueue, set_progress
from backend.core.pagination import Page, keyset_page

from . import clearing, importer, jobs, sources, templates, trial
from .kinds import KINDS, Kind
from .models import ImportRun
from .sources import FileFormatError
from .trial import tagging_suspended

JOB_ATTEMPTS = 5
# RQ stops a job after 180 s by default: an import job hands over to a fresh job before that.
DEFAULT_JOB_SECONDS = 150.0
WORKBOOK = "workbook.xlsx"
ZIP_MAX_MEMBERS = 30
ZIP_MAX_BYTES = 2 * 1024**3
ERROR_HEADER = ["文件", "行号", "字段", "原因"]


class Upload(Protocol):
    filename: str | None
    stream: BinaryIO

    def save(self, dst: Any) -> None: ...


# --- templates -----------------------------------------------------------------------------------------------


def template_catalogue(actor: Actor) -> list[Kind[Any]]:
    return list(KINDS.values())


@dataclass(frozen=True)
class Download:
    data: bytes
    filename: str
    mimetype: str


def template_download(actor: Actor, name: str) -> Download:
    """`<object>.csv` (e.g. organizations.csv) or workbook.xlsx (every object, one sheet each)."""
    if name == WORKBOOK:
        return Download(
            templates.template_workbook(),
            "历史数据导入模板.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    kind = KINDS.get(name.removesuffix(".csv")) if name.endswith(".csv") else None
    if kind is None:
        raise NotFound("import_template_unknown")
    return Download(templates.template_csv(kind), f"{kind.name}.csv", "text/csv; charset=utf-8")


# --- starting a run ------------------------------------------------------------------------------------------


def _runs_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "imports"


def _display_name(filename: str | None) -> str:
    return PurePosixPath((filename or "").replace("\\", "/")).name.strip()


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    # Without the UTF-8 flag, zipfile decodes names as CP437; archives made on Chinese Windows use GBK.
    name = info.filename
    if not info.flag_bits & 0x800:
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("gbk")
    return _display_name(name)


def _copy_limited(src: IO[bytes], dst: Path, budget: int) -> int:
    """Copy at most `budget` bytes (a zip's declared sizes may lie); returns the bytes written."""
    written = 0
    with dst.open("wb") as out:
        while chunk := src.read(1 << 20):
            written += len(chunk)
            if written > budget:
                raise ValidationFailed("import_bad_zip")
            out.write(chunk)
    return written


def _extract(archive: Path, directory: Path, files: list[dict[str, str]]) -> None:
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [
                m
                for m in bundle.infolist()
                if not m.is_dir() and not m.filename.startswith("__MACOSX") and not _zip_member_name(m).startswith(".")
            ]
            if len(members) > ZIP_MAX_MEMBERS:
                raise ValidationFailed("import_bad_zip")
            budget = ZIP_MAX_BYTES
            for member in members:
                name = _zip_member_name(member)
                stored = f"{len(files) + 1:02d}{Path(name).suffix.lower()}"
                with bundle.open(member) as src:
                    budget -= _copy_limited(src, directory / stored, budget)
                files.append({"path": stored, "name": name})
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValidationFailed("import_bad_zip") from exc


def _save_uploads(uploads: list[Upload], directory: Path) -> list[dict[str, str]]:
    files: list[dict[str, str]] = []
    for upload in uploads:
        name = _display_name(upload.filename)
        suffix = Path(name).suffix.lower()
        if suffix == ".zip":
            archive = directory / "upload.zip"
            upload.save(str(archive))
            _extract(archive, directory, files)
            archive.unlink()
            continue
        stored = f"{len(files) + 1:02d}{suffix}"
        upload.save(str(directory / stored))
        files.append({"path": stored, "name": name or stored})
    return files


def check_files(directory: Path, files: list[dict[str, str]]) -> None:
    """Every file must be recognised and every table must have its required columns, before a run starts."""
    if not files:
        raise ValidationFailed("import_no_files", details={"fields": {"files": ["请上传导入文件"]}})
    problems = []
    for item in files:
        try:
            for table in sources.tables_in(directory / item["path"], item["name"]):
                sources.inspect_headers(table)
        except FileFormatError as exc:
            problems.append(f"{item['name']}：{exc.message}")
    if problems:
        raise ValidationFailed("import_unknown_file", "；".join(problems), details={"fields": {"files": problems}})


def start_import(actor: Actor, uploads: list[Upload], dry_run: bool) -> ImportRun:
    """Store the uploaded files (CSV, XLSX, or a ZIP of them), check them, create the run and enqueue its job."""
    directory = _runs_dir() / uuid.uuid4().hex
    directory.mkdir(parents=True)
    try:
        files = _save_uploads(uploads, directory)
        check_files(directory, files)
        with unit_of_work() as uow, tagging_suspended():
            run = importer.new_run(
                directory=directory, files=files, dry_run=dry_run, source="upload", user_id=actor.user_id
            )
            run.job_id = enqueue(jobs.run_import, queue="default", max_attempts=JOB_ATTEMPTS, run_id=run.id).id
            uow.commit()
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return importer.get_run(run.id)


def create_cli_run(path: Path, dry_run: bool) -> ImportRun:
    """`flask import run`: a directory of files, or one file; executed in the calling process."""
    path = path.resolve()
    directory = path if path.is_dir() else path.parent
    candidates = sorted(path.iterdir()) if path.is_dir() else [path]
    files = [
        {"path": p.name, "name": p.name}
        for p in candidates
        if p.is_file() and p.suffix.lower() in sources.CSV_SUFFIXES + sources.XLSX_SUFFIXES
    ]
    check_files(directory, files)
    with unit_of_work() as uow:
        run = importer.new_run(directory=directory, files=files, dry_run=dry_run, source="cli", user_id=None)
        uow.commit()
    return run


# --- runs ----------------------------------------------------------------------------------------------------


def list_runs(actor: Actor, *, limit: int, cursor: str | None) -> Page[ImportRun]:
    return keyset_page(db.session, sa.select(ImportRun), [ImportRun.id], limit=limit, cursor=cursor)


def get_run(actor: Actor, run_id: int) -> ImportRun:
    return importer.get_run(run_id)


def resume_import(actor: Actor, run_id: int) -> ImportRun:
    """Continue an interrupted run from its checkpoint, in a new job."""
    with unit_of_work() as uow, tagging_suspended():
        run = importer.get_run(run_id)
        if run.status not in ("failed", "running"):
            raise Conflict("import_run_not_resumable", details={"status": run.status})
        run.status = "queued"
        run.job_id = enqueue(jobs.run_import, queue="default", max_attempts=JOB_ATTEMPTS, run_id=run.id).id
        uow.commit()
    return importer.get_run(run_id)


def run_import_job(job: BackgroundJob, run_id: int) -> dict[str, Any]:
    """The background job: import until done, or hand over to a new job when the time budget runs out."""
    inline = current_app.config["JOBS_MODE"] == "inline"
    budget = None if inline else float(current_app.config.get("IMPORT_JOB_SECONDS", DEFAULT_JOB_SECONDS))
    dry = importer.get_run(run_id).dry_run
    progress = None if dry else (lambda done, total: set_progress(job, done, total))  # a dry run commits nothing
    if importer.execute(run_id, progress=progress, budget_seconds=budget):
        return {"run_id": run_id, "status": "done"}
    with unit_of_work() as uow, tagging_suspended():
        run = importer.get_run(run_id)
        run.status = "queued"
        run.job_id = enqueue(jobs.run_import, queue="default", max_attempts=JOB_ATTEMPTS, run_id=run_id).id
        uow.commit()
        return {"run_id": run_id, "status": "continued", "next_job_id": run.job_id}


def error_file(actor: Actor, run_id: int) -> Iterator[bytes]:
    """The rejected rows as CSV (UTF-8 with BOM, which Excel opens as Chinese): file, line, column, reason."""
    importer.get_run(run_id)

    def lines() -> Iterator[bytes]:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(ERROR_HEADER)
        yield sources.UTF8_BOM + out.getvalue().encode("utf-8")
        for number, error in enumerate(importer.error_lines(run_id), start=1):
            out.seek(0)
            out.truncate()
            writer.writerow([error.file, error.line, error.field, error.reason])
            yield out.getvalue().encode("utf-8")
            if number % 1000 == 0:
                db.session.expunge_all()

    return lines()


# --- mode and clearing ---------------------------------------------------------------------------------------


def get_mode(actor: Actor) -> trial.ModeState:
    return trial.get_mode(actor)


def switch_mode(actor: Actor, mode: str, reason: str | None) -> trial.ModeState:
    return trial.set_mode(actor, mode, reason)


def clearing_preview(actor: Actor) -> clearing.ClearingReport:
    return clearing.preview(actor)


def clear_trial(actor: Actor, confirmation: str) -> clearing.ClearingReport:
    return clearing.clear(actor, confirmation)

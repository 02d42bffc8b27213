"""Running an import: files in dependency order, rows in batches of 500, each batch one transaction that also
moves the run's checkpoint, so a crash loses at most the batch in flight and a resumed run goes on from the
last committed row. A bad row never stops the others: it is written to the run's error list (file, line,
column, Chinese reason) and the batch goes on; a row the database itself refuses is isolated by replaying the
batch row by row.

A dry run does all of that inside one transaction that is rolled back at the end (later files can refer to
rows of earlier files), then keeps only the counts and the errors.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from backend.core import audit
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, NotFound
from backend.core.timeutil import utcnow

from . import supplement
from .kinds.common import RowInvalid
from .kinds.documents import Documents
from .kinds.run import Context, finish_batch
from .models import ImportRowError, ImportRun
from .sources import FileFormatError, Row, SourceTable, iter_rows, order_tables, tables_in
from .trial import tagging_suspended

BATCH_SIZE = 500
ACTIVE_STATUSES = ("queued", "running")
OUTCOMES = ("created", "unchanged", "failed")

ProgressFn = Callable[[int, int | None], None]
BatchFn = Callable[[int], None]


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    field: str
    reason: str


@dataclass
class BatchResult:
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0

    def count(self, outcome: str) -> None:
        self.counts[outcome] += 1
        self.rows += 1

    def fail(self, table: SourceTable, line: int, problems: list[tuple[str, str]]) -> None:
        self.count("failed")
        for key, reason in problems:
            header = next((c.header for c in table.kind.columns if c.key == key), key)
            self.errors.append(RowError(table.label, line, header, reason))

    def merge(self, other: BatchResult) -> None:
        self.counts.update(other.counts)
        self.errors.extend(other.errors)
        self.rows += other.rows


# --- runs ----------------------------------------------------------------------------------------------------


def tables_of(run: ImportRun) -> list[SourceTable]:
    base = Path(run.directory)
    tables: list[SourceTable] = []
    for item in run.files:
        tables += tables_in(base / item["path"], item["name"])
    return order_tables(tables)


def require_no_active_run() -> None:
    active = db.session.scalar(sa.select(ImportRun.id).where(ImportRun.status.in_(ACTIVE_STATUSES)).limit(1))
    if active is not None:
        raise Conflict("import_run_active", details={"run_id": active})


def new_run(
    *, directory: Path, files: list[dict[str, str]], dry_run: bool, source: str, user_id: int | None
) -> ImportRun:
    """Add a run to the current unit of work (the caller commits, and enqueues its job in the same one)."""
    require_no_active_run()
    run = ImportRun(
        status="queued",
        dry_run=dry_run,
        source=source,
        directory=str(directory),
        files=files,
        created_by=user_id,
        checkpoint={},
        counts={},
    )
    db.session.add(run)
    db.session.flush()
    audit.record("import.created", "import_runs", run.id, {"files": [f["name"] for f in files], "dry_run": dry_run})
    return run


def get_run(run_id: int) -> ImportRun:
    run = db.session.get(ImportRun, run_id)
    if run is None:
        raise NotFound("import_run_not_found")
    return run


def _begin(run_id: int) -> bool:
    """Mark the run running (first start or resumption); False when it has finished already."""
    with unit_of_work() as uow:
        run = get_run(run_id)
        if run.status == "done":
            return False
        if run.started_at is None:
            run.started_at = utcnow()
            audit.record("import.started", "import_runs", run.id, {"dry_run": run.dry_run})
        else:
            audit.record("import.resumed", "import_runs", run.id, {"checkpoint": run.checkpoint})
        run.status = "running"
        run.last_error = None
        run.heartbeat_at = utcnow()
        uow.commit()
    return True


def _mark_failed(run_id: int, exc: BaseException) -> None:
    db.session.rollback()
    with unit_of_work() as uow:
        run = get_run(run_id)
        run.status = "failed"
        run.last_error = f"{type(exc).__name__}: {exc}"[:4000]
        uow.commit()


def _count_rows(tables: list[SourceTable]) -> int:
    total = 0
    for table in tables:
        try:
            total += sum(1 for _ in iter_rows(table))
        except FileFormatError:
            continue  # reported when the file's turn comes
    return total


def ensure_total(run_id: int) -> int:
    """The number of data rows of the run's files (counted once, for the progress figures)."""
    run = get_run(run_id)
    if run.rows_total is None:
        with unit_of_work() as uow:
            run.rows_total = _count_rows(tables_of(run))
            uow.commit()
    return int(get_run(run_id).rows_total or 0)


def _documented_projects(tables: list[SourceTable]) -> set[str]:
    """Project numbers that have a conclusion document in this run (decides whether a project is concluded)."""
    found: set[str] = set()
    for table in tables:
        if not isinstance(table.kind, Documents):
            continue
        try:
            found.update(r.values.get("project_no", "").strip().upper() for r in iter_rows(table))
        except FileFormatError:
            continue
    return found


# --- batches -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Batch:
    index: int  # the table's position in import order
    table: SourceTable
    rows: list[Row]
    seen: dict[tuple[str, ...], int]
    file_error: FileFormatError | None = None
    end_of_file: bool = False


def _seen_before(table: SourceTable, last_line: int) -> dict[tuple[str, ...], int]:
    """On resumption: the natural keys of the rows already done, so a later copy is still a duplicate."""
    seen: dict[tuple[str, ...], int] = {}
    if last_line <= 0:
        return seen
    for row in iter_rows(table):
        if row.line > last_line:
            break
        key = table.kind.key_of(row.values)
        if key is not None:
            seen.setdefault(key, row.line)
    return seen


def _batches(run: ImportRun, tables: list[SourceTable], size: int) -> Iterator[_Batch]:
    start_file = int(run.checkpoint.get("file", 0))
    start_line = int(run.checkpoint.get("line", 0))
    for index, table in enumerate(tables):
        if index < start_file:
            continue
        after = start_line if index == start_file else 0
        seen = _seen_before(table, after)
        rows = (r for r in iter_rows(table) if r.line > after)
        try:
            while chunk := list(islice(rows, size)):
                yield _Batch(index, table, chunk, seen)
        except FileFormatError as exc:
            yield _Batch(index, table, [], seen, file_error=exc)
        yield _Batch(index, table, [], seen, end_of_file=True)


def _parse(batch: _Batch, result: BatchResult) -> list[tuple[Row, Any]]:
    kind = batch.table.kind
    parsed = []
    for row in batch.rows:
        key = kind.key_of(row.values)
        if key is not None:
            first = batch.seen.get(key)
            if first is not None:
                result.fail(batch.table, row.line, [(kind.natural_key[0], f"与第{first}行重复")])
                continue
            batch.seen[key] = row.line
        try:
            parsed.append((row, kind.parse(row.values)))
        except RowInvalid as exc:
            result.fail(batch.table, row.line, exc.errors)
    return parsed


def _apply(ctx: Context, table: SourceTable, items: list[tuple[Row, Any]]) -> BatchResult:
    result = BatchResult()
    kind = table.kind
    ctx.refs.new_batch()
    kind.prefetch(ctx, [clean for _, clean in items])
    for row, clean in items:
        try:
            result.count(kind.apply(ctx, clean))
        except RowInvalid as exc:
            result.fail(table, row.line, exc.errors)
    finish_batch(ctx, kind)
    return result


def _apply_guarded(ctx: Context, table: SourceTable, items: list[tuple[Row, Any]]) -> BatchResult:
    """The batch in one savepoint; if the database refuses something, again row by row to find the row."""
    try:
        with db.session.begin_nested():
            return _apply(ctx, table, items)
    except SQLAlchemyError:
        ctx.reset()
    result = BatchResult()
    for row, clean in items:
        try:
            with db.session.begin_nested():
                result.merge(_apply(ctx, table, [(row, clean)]))
        except SQLAlchemyError as exc:
            ctx.reset()
            result.fail(table, row.line, [("", f"数据库拒绝保存该行（{type(exc).__name__}），请检查数据长度和格式")])
    return result


def _process(ctx: Context, batch: _Batch) -> BatchResult:
    result = BatchResult()
    if batch.file_error is not None:
        error = batch.file_error
        result.errors.append(RowError(batch.table.label, error.line, error.field, error.message))
        return result
    items = _parse(batch, result)
    if items:
        with tagging_suspended():  # imported history is real data, whatever the mode
            result.merge(_apply_guarded(ctx, batch.table, items))
    result.errors.sort(key=lambda e: e.line)  # checks of the cells come before those of references: by line
    return result


def _checkpoint(batch: _Batch) -> dict[str, int]:
    if batch.end_of_file or batch.file_error is not None:
        return {"file": batch.index + 1, "line": 0}
    return {"file": batch.index, "line": batch.rows[-1].line}


def _record(run: ImportRun, batch: _Batch, result: BatchResult, *, keep_errors: bool) -> None:
    counts = {k: dict(v) for k, v in (run.counts or {}).items()}
    mine = Counter(counts.get(batch.table.kind.key, {}))
    mine.update(result.counts)
    counts[batch.table.kind.key] = {k: mine.get(k, 0) for k in OUTCOMES}
    run.counts = counts
    run.rows_done += result.rows
    run.errors_count += len(result.errors)
    run.checkpoint = _checkpoint(batch)
    run.heartbeat_at = utcnow()
    if keep_errors:
        db.session.add_all(
            ImportRowError(run_id=run.id, file=e.file, line=e.line, field=e.field, reason=e.reason[:500])
            for e in result.errors
        )


def _open_transaction(run: ImportRun) -> None:
    """Write first: pysqlite begins its transaction only at a write, and a savepoint taken before that would
    become the outermost transaction (its release would commit)."""
    run.heartbeat_at = utcnow()
    db.session.flush()


# --- execution -----------------------------------------------------------------------------------------------


def execute(
    run_id: int,
    *,
    progress: ProgressFn | None = None,
    on_batch: BatchFn | None = None,
    budget_seconds: float | None = None,
    batch_size: int = BATCH_SIZE,
) -> bool:
    """Run (or resume) an import. Returns False when the time budget ran out first (the caller continues it
    later from the checkpoint), True when the run is done. A crash marks the run failed and re-raises."""
    if not _begin(run_id):
        return True
    try:
        ensure_total(run_id)
        run = get_run(run_id)
        tables = tables_of(run)
        ctx = Context(documented=_documented_projects(tables), dry_run=run.dry_run)
        if run.dry_run:
            _dry_run(run_id, tables, ctx, progress, batch_size)
            return True
        if not _real_run(run_id, tables, ctx, progress, on_batch, budget_seconds, batch_size):
            return False
        _finish(run_id)
        return True
    except BaseException as exc:
        _mark_failed(run_id, exc)
        raise


def _real_run(
    run_id: int,
    tables: list[SourceTable],
    ctx: Context,
    progress: ProgressFn | None,
    on_batch: BatchFn | None,
    budget_seconds: float | None,
    batch_size: int,
) -> bool:
    started = time.monotonic()
    committed = 0
    for batch in _batches(get_run(run_id), tables, batch_size):
        with unit_of_work() as uow:
            run = get_run(run_id)
            _open_transaction(run)
            result = _process(ctx, batch)
            _record(run, batch, result, keep_errors=True)
            uow.commit()
        ctx.refs.new_batch()
        if not batch.rows:
            continue
        committed += 1
        if progress is not None:
            run = get_run(run_id)
            progress(run.rows_done, run.rows_total)
        if on_batch is not None:
            on_batch(committed)
        if budget_seconds is not None and time.monotonic() - started > budget_seconds:
            return False
    return True


def _dry_run(
    run_id: int, tables: list[SourceTable], ctx: Context, progress: ProgressFn | None, batch_size: int
) -> None:
    errors: list[RowError] = []
    with unit_of_work():  # never committed: everything below is rolled back
        run = get_run(run_id)
        _open_transaction(run)
        for batch in _batches(run, tables, batch_size):
            result = _process(ctx, batch)
            _record(run, batch, result, keep_errors=False)
            errors += result.errors
            if progress is not None and batch.rows:
                progress(run.rows_done, run.rows_total)
        outcome = (dict(run.counts), run.rows_done, run.errors_count)
    with unit_of_work() as uow:
        run = get_run(run_id)
        run.counts, run.rows_done, run.errors_count = outcome
        db.session.add_all(
            ImportRowError(run_id=run.id, file=e.file, line=e.line, field=e.field, reason=e.reason[:500])
            for e in errors
        )
        _close(run)
        uow.commit()


def _finish(run_id: int) -> None:
    with unit_of_work() as uow, tagging_suspended():
        run = get_run(run_id)
        assert run.started_at is not None
        notices = supplement.announce(run.started_at)
        _close(run, notices=notices)
        uow.commit()


def _close(run: ImportRun, **extra: Any) -> None:
    run.status = "done"
    run.finished_at = utcnow()
    audit.record(
        "import.finished",
        "import_runs",
        run.id,
        {"dry_run": run.dry_run, "counts": run.counts, "errors": run.errors_count, **extra},
    )


def error_lines(run_id: int, chunk: int = 1000) -> Iterator[ImportRowError]:
    last = 0
    while True:
        rows = db.session.scalars(
            sa.select(ImportRowError)
            .where(ImportRowError.run_id == run_id, ImportRowError.id > last)
            .order_by(ImportRowError.id)
            .limit(chunk)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id

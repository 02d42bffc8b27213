"""Builders for the go-live tests: the committed sample v1 export, files written like v1 exports (CSV in
UTF-8 or GB18030, XLSX), import runs executed in-process, and row counts per table. Call in an app context."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from backend.core.db import db
from backend.modules.golive import importer, services, sources
from backend.modules.golive.kinds import KINDS
from backend.modules.golive.models import ImportRowError, ImportRun

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "docs" / "import-sample"
TEMPLATES = REPO / "docs" / "import-templates"
SHARED = (REPO.parent / "shared" / "data").resolve()


def copy_sample(target: Path, *names: str) -> Path:
    """The committed sample (or some of its files) in a directory of the test's own."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(SAMPLE.glob("*.csv")):
        if not names or path.name in names:
            shutil.copyfile(path, target / path.name)
    return target


def read_sample(name: str) -> list[dict[str, str]]:
    """A sample file's data rows as {key: text} (through the importer's own reader)."""
    table = sources.tables_in(SAMPLE / name)[0]
    return [row.values for row in sources.iter_rows(table)]


def write_csv(path: Path, object_key: str, rows: list[dict[str, Any]], *, encoding: str = "utf-8") -> Path:
    kind = KINDS[object_key]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in kind.columns])
    for row in rows:
        writer.writerow(["" if row.get(c.key) is None else str(row[c.key]) for c in kind.columns])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def write_workbook(path: Path, sheets: dict[str, list[dict[str, Any]]]) -> Path:
    """An XLSX with one sheet per object (named in Chinese), Chinese headers only, numbers left as text."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for key, rows in sheets.items():
        kind = KINDS[key]
        sheet = workbook.create_sheet(kind.name)
        sheet.append([c.header for c in kind.columns])
        for row in rows:
            sheet.append([row.get(c.key) or None for c in kind.columns])
    workbook.save(path)
    return path


def run_import(
    path: Path,
    *,
    dry_run: bool = False,
    batch_size: int = importer.BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> ImportRun:
    run = services.create_cli_run(path, dry_run)
    importer.execute(run.id, batch_size=batch_size, on_batch=on_batch)
    return importer.get_run(run.id)


def errors_of(run_id: int) -> list[tuple[str, int, str, str]]:
    rows = db.session.scalars(
        sa.select(ImportRowError).where(ImportRowError.run_id == run_id).order_by(ImportRowError.id)
    )
    return [(e.file, e.line, e.field, e.reason) for e in rows]


def totals(run: ImportRun, outcome: str) -> int:
    return sum(counts[outcome] for counts in run.counts.values())


def table_counts(*exclude: str) -> dict[str, int]:
    """Rows per table, for before/after comparisons."""
    skipped = {"import_runs", "import_row_errors", *exclude}
    return {
        t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) or 0
        for t in db.metadata.sorted_tables
        if t.name not in skipped
    }


def table_snapshot(*exclude: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but the import's own bookkeeping), in primary-key order: a second import must
    leave this identical, not merely the row counts."""
    skipped = {"import_runs", "import_row_errors", *exclude}
    snapshot = {}
    for table in db.metadata.sorted_tables:
        if table.name in skipped:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        snapshot[table.name] = [tuple(r) for r in db.session.execute(sa.select(table).order_by(*order)).all()]
    return snapshot

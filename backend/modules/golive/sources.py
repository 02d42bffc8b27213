"""Reading v1 history (docs/import.md): one table per kind of object (kinds/), as a CSV file or a sheet of an
XLSX workbook, with Chinese column headers (an English key row below them is optional), read as a stream.

CSV encodings: UTF-8 with or without BOM, and GB18030 (what Excel on a Chinese Windows saves as "CSV"). The
whole file is checked as UTF-8 first, in chunks, without holding it in memory; a file that is not valid UTF-8
is read as GB18030, a superset of GBK and GB2312.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from .kinds import ORDER, Kind, kind_for_name

_CHUNK = 1 << 20
UTF8_BOM = codecs.BOM_UTF8
_REQUIRED_MARKS = ("*", "＊", "(必填)", "（必填）")
INSTRUCTION_SHEET = "填写说明"
CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


class FileFormatError(Exception):
    """A file the importer cannot read at all (encoding, missing columns). `code` is stable."""

    def __init__(self, code: str, message: str, line: int = 1, field: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.field = field


def _clean_header(cell: str) -> str:
    text = cell.replace("\ufeff", "").strip()
    for mark in _REQUIRED_MARKS:
        text = text.replace(mark, "")
    return text.strip()


def map_headers(kind: Kind[Any], cells: list[str]) -> tuple[dict[int, str], list[str]]:
    """Column index → key, and the headers that match no column (ignored, reported)."""
    by_text = {c.header: c.key for c in kind.columns} | {c.key: c.key for c in kind.columns}
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    for index, cell in enumerate(cells):
        text = _clean_header(cell)
        if not text:
            continue
        key = by_text.get(text) or by_text.get(text.lower())
        if key is None:
            unknown.append(text)
        elif key not in mapping.values():
            mapping[index] = key
    missing = [kind.column(k).header for k in kind.required if k not in mapping.values()]
    if missing:
        raise FileFormatError("import_missing_columns", f"缺少必填列：{'、'.join(missing)}")
    return mapping, unknown


def _is_key_row(kind: Kind[Any], cells: list[str]) -> bool:
    keys = {c.key for c in kind.columns}
    filled = [c.strip() for c in cells if c and c.strip()]
    return bool(filled) and all(c in keys for c in filled)


# --- cells -------------------------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """An XLSX cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# --- sources -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    line: int  # line of the file (CSV) or row of the sheet (XLSX), counting the header
    values: dict[str, str]


@dataclass(frozen=True)
class SourceTable:
    """One object's rows: a CSV file, or one sheet of a workbook."""

    path: Path
    kind: Kind[Any]
    label: str  # as the error file names it: 机构.csv, or 历史数据.xlsx!项目及委托单位
    sheet: str | None = None


def detect_encoding(path: Path) -> str:
    """utf-8-sig when there is a BOM, utf-8 when the whole file decodes as UTF-8, else gb18030."""
    with path.open("rb") as handle:
        if handle.read(len(UTF8_BOM)) == UTF8_BOM:
            return "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


def _csv_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        start = 1
        try:
            first = handle.readline()
            delimiter = "\t" if "\t" in first and "," not in first else ","
            handle.seek(0)
            reader = csv.reader(handle, delimiter=delimiter)
            for cells in reader:
                yield start, cells
                start = reader.line_num + 1
        except UnicodeDecodeError as exc:
            raise FileFormatError("import_bad_encoding", "文件编码无法识别：请保存为 UTF-8 或 GB18030", start) from exc
        except csv.Error as exc:
            raise FileFormatError("import_bad_csv", f"CSV 格式错误：{exc}", start) from exc


def _xlsx_lines(path: Path, sheet: str) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for number, values in enumerate(workbook[sheet].iter_rows(values_only=True), start=1):
            yield number, [cell_text(v) for v in values]
    finally:
        workbook.close()


def _lines(table: SourceTable) -> Iterator[tuple[int, list[str]]]:
    if table.sheet is not None:
        return _xlsx_lines(table.path, table.sheet)
    return _csv_lines(table.path)


def iter_rows(table: SourceTable) -> Iterator[Row]:
    """The table's data rows as {key: text}, blank rows skipped. Raises FileFormatError for an unreadable file."""
    lines = _lines(table)
    header = next(((n, cells) for n, cells in lines if any(c.strip() for c in cells)), None)
    if header is None:
        return
    mapping, _ = map_headers(table.kind, header[1])
    for number, cells in lines:
        if not any(c.strip() for c in cells):
            continue
        if number == header[0] + 1 and _is_key_row(table.kind, cells):
            continue
        values = {key: (cells[i].strip() if i < len(cells) else "") for i, key in mapping.items()}
        yield Row(number, values)


def inspect_headers(table: SourceTable) -> list[str]:
    """Check the header now (uploads fail fast); returns the unknown headers, which the import ignores."""
    for _, cells in _lines(table):
        if any(c.strip() for c in cells):
            return map_headers(table.kind, cells)[1]
    raise FileFormatError("import_empty_file", "文件没有表头")


def count_rows(table: SourceTable) -> int:
    return sum(1 for _ in iter_rows(table))


def tables_in(path: Path, label: str | None = None) -> list[SourceTable]:
    """The tables of one file: a CSV named after its object, or each recognised sheet of a workbook."""
    label = label or path.name
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        kind = kind_for_name(Path(label).stem)
        if kind is None:
            raise FileFormatError("import_unknown_file", f"无法识别文件“{label}”：文件名应为对象名称，如 机构.csv")
        return [SourceTable(path, kind, label)]
    if suffix in XLSX_SUFFIXES:
        names = _sheet_names(path, label)
        found = []
        for sheet in names:
            kind = kind_for_name(sheet) or (kind_for_name(Path(label).stem) if len(names) == 1 else None)
            if kind is not None:
                found.append(SourceTable(path, kind, f"{label}!{sheet}", sheet))
            elif sheet != INSTRUCTION_SHEET:
                raise FileFormatError("import_unknown_sheet", f"无法识别工作表“{sheet}”（{label}）")
        return found
    raise FileFormatError("import_unknown_file", f"不支持的文件“{label}”：请使用 CSV 或 XLSX")


def _sheet_names(path: Path, label: str) -> list[str]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True)
    except Exception as exc:  # not a zip, not a workbook, a corrupt part: all mean the same to the user
        raise FileFormatError("import_bad_xlsx", f"无法读取工作簿“{label}”：文件已损坏或不是 XLSX") from exc
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def order_tables(tables: list[SourceTable]) -> list[SourceTable]:
    return sorted(tables, key=lambda t: (ORDER.index(t.kind.key), t.label))

"""Streaming file writers: rows go to disk as they come, so an export of any size uses flat memory.

CSV carries a UTF-8 BOM (Excel otherwise reads it as GBK and garbles the Chinese); Excel is written with
openpyxl's write-only mode. Text that Excel would run as a formula (= + - @) is prefixed with a quote.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
FORMULA_START = re.compile(r"^[=+\-@\t\r]")
# Characters openpyxl refuses in a cell (control characters other than tab, newline, carriage return).
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 5000.0 yuan reads 5000 in both formats
    if isinstance(value, int | float):
        return value
    text = ILLEGAL.sub("", str(value))
    return "'" + text if FORMULA_START.match(text) else text


class Writer(Protocol):
    def row(self, cells: Sequence[Any]) -> None: ...
    def close(self) -> None: ...
    def discard(self) -> None: ...


class CsvWriter:
    def __init__(self, path: Path, headers: Sequence[str]) -> None:
        self._fh = path.open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._fh)
        self._csv.writerow(headers)

    def row(self, cells: Sequence[Any]) -> None:
        self._csv.writerow([safe_text(c) for c in cells])

    def close(self) -> None:
        self._fh.close()

    def discard(self) -> None:
        """Release the file after a failure (a no-op once closed)."""
        self._fh.close()


class XlsxWriter:
    def __init__(self, path: Path, headers: Sequence[str], title: str) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self._path = path
        self._wb = Workbook(write_only=True)
        self._ws = self._wb.create_sheet(title=title[:31])
        self._ws.freeze_panes = "A2"
        bold = Font(bold=True)
        header_cells = []
        for text in headers:
            cell = WriteOnlyCell(self._ws, value=text)
            cell.font = bold
            header_cells.append(cell)
        self._ws.append(header_cells)

    def row(self, cells: Sequence[Any]) -> None:
        self._ws.append([safe_text(c) for c in cells])

    def close(self) -> None:
        self._wb.save(self._path)

    def discard(self) -> None:
        """Nothing to release: a write-only workbook holds its rows in a temporary file openpyxl removes."""


def open_writer(fmt: str, path: Path, headers: Sequence[str], title: str) -> Writer:
    if fmt == "xlsx":
        return XlsxWriter(path, headers, title)
    return CsvWriter(path, headers)

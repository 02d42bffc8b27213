"""The import templates (docs/import.md): one CSV per kind of object (UTF-8 with BOM, Chinese headers with the
required ones marked, the English key row) and a workbook with a sheet per kind and a 填写说明 sheet."""

from __future__ import annotations

import csv
import io
from typing import Any

from .kinds import KINDS, Kind
from .sources import INSTRUCTION_SHEET, UTF8_BOM

TEXT_FORMAT = "@"  # Excel's text number format: keeps 18-digit ID numbers and leading zeros intact
WORKBOOK_FILE = "import-workbook.xlsx"


def template_csv(kind: Kind[Any]) -> bytes:
    """Chinese headers (required ones marked *) and the English key row; UTF-8 with BOM so Excel opens it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header + ("*" if c.required else "") for c in kind.columns])
    writer.writerow([c.key for c in kind.columns])
    return UTF8_BOM + out.getvalue().encode("utf-8")


def template_files() -> dict[str, bytes]:
    """What `flask import templates` and scripts/make_import_sample.py write: 01-organizations.csv … and the
    workbook."""
    files = {f"{number:02d}-{kind.key}.csv": template_csv(kind) for number, kind in enumerate(KINDS.values(), 1)}
    files[WORKBOOK_FILE] = template_workbook()
    return files


def template_workbook() -> bytes:
    """One sheet per kind (headers, key row, text columns formatted as text) and a 填写说明 sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    notes = workbook.active
    assert isinstance(notes, Worksheet)  # a new workbook opens on its one worksheet
    notes.title = INSTRUCTION_SHEET
    notes.append(["表", "列名", "英文键", "必填", "说明", "示例"])
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    for kind in KINDS.values():
        sheet = workbook.create_sheet(kind.name)
        sheet.append([c.header + ("*" if c.required else "") for c in kind.columns])
        sheet.append([c.key for c in kind.columns])
        for index, column in enumerate(kind.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
            header = sheet.cell(row=1, column=index)
            header.font = bold
            if column.required:
                header.fill = required_fill
            if column.text:
                for row in range(3, 1003):  # pre-formatted rows: Excel keeps what is typed there as text
                    sheet.cell(row=row, column=index).number_format = TEXT_FORMAT
            notes.append(
                [
                    kind.name,
                    column.header,
                    column.key,
                    "是" if column.required else "",
                    column.description,
                    column.example,
                ]
            )
        sheet.freeze_panes = "A3"
    for cell in notes[1]:
        cell.font = bold
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

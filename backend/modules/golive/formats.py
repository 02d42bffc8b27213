"""The import format of v1 history (docs/import.md): one table per object, as a CSV file or a sheet of an XLSX
workbook, with Chinese column headers (an English key row below them is optional), read as a stream.

CSV encodings: UTF-8 with or without BOM, and GB18030 (what Excel on a Chinese Windows saves as "CSV"). The
whole file is checked as UTF-8 first, in chunks, without holding it in memory; a file that is not valid UTF-8
is read as GB18030, a superset of GBK and GB2312.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

TEXT_FORMAT = "@"  # Excel's text number format: keeps 18-digit ID numbers and leading zeros intact
_CHUNK = 1 << 20
UTF8_BOM = codecs.BOM_UTF8
_REQUIRED_MARKS = ("*", "＊", "(必填)", "（必填）")
_NAME_PREFIX = re.compile(r"^[\d\s._\-]+")
INSTRUCTION_SHEET = "填写说明"
CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header users see
    description: str
    example: str = ""
    required: bool = False
    text: bool = False  # kept as text in the XLSX template (codes, ID numbers, phones)


@dataclass(frozen=True)
class ObjectFormat:
    key: str
    name: str
    description: str
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]
    aliases: tuple[str, ...] = ()

    @property
    def required(self) -> list[str]:
        return [c.key for c in self.columns if c.required]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


_CRS = Column("crs", "坐标系", "wgs84（默认，GPS）、gcj02（高德、腾讯、微信）、bd09（百度）", "gcj02")
_DISTRICT_HELP = "区名（如 徐汇区）或行政区划代码（如 310104）"

ORGANIZATIONS = ObjectFormat(
    "organizations",
    "机构",
    "消防技术服务机构，每行一家，以统一社会信用代码识别。法定代表人以手机号登录后即可管理本机构。",
    (
        Column("credit_code", "统一社会信用代码", "18位，按 GB 32100 校验", "91310101MAC1PBUW93", True, True),
        Column("name", "机构名称", "不超过128字", "上海耀安消防设施检测有限公司", True),
        Column("types", "机构类型", "维护保养检测、消防安全评估；两者都有时用“；”分隔", "维护保养检测", True),
        Column("legal_form", "法人资格", "默认 企业法人", "企业法人"),
        Column("legal_rep_name", "法定代表人", "姓名", "王海斌", True),
        Column("legal_rep_id_number", "法定代表人身份证号", "18位，按 GB 11643 校验；加密保存", "", True, True),
        Column("legal_rep_phone", "法定代表人手机号", "11位手机号；以此登录", "13600000101", True, True),
        Column("address", "办公地址", "不超过256字", "上海市黄浦区复兴东路1502号", True),
        Column("lng", "经度", "与纬度同时填写；留空时按办公地址定位", "121.4903"),
        Column("lat", "纬度", "与经度同时填写", "31.2194"),
        _CRS,
        Column("district", "所在区", _DISTRICT_HELP + "；有坐标时以坐标所在区为准", "黄浦区"),
        Column("workplace_area_m2", "工作场所面积（平方米）", "数字", "260"),
        Column("status", "机构状态", "正常（默认）、停业、注销", "正常"),
        Column("verified_on", "审核通过日期", "YYYY-MM-DD", "2021-06-30"),
    ),
    ("credit_code",),
    ("机构信息", "消防技术服务机构", "orgs"),
)

PRACTITIONERS = ObjectFormat(
    "practitioners",
    "从业人员及证书",
    "从业人员，每张证书一行（无证书的人员一行，证书各列留空），以身份证号识别。本人以手机号登录小程序。",
    (
        Column("id_number", "身份证号", "18位，按 GB 11643 校验；加密保存", "", True, True),
        Column("name", "姓名", "与身份证一致", "陈志强", True),
        Column("phone", "手机号", "11位手机号；以此登录小程序", "13700000001", True, True),
        Column("cert_kind", "证书类别", "一级注册消防工程师、二级注册消防工程师、消防设施操作员", "一级注册消防工程师"),
        Column("cert_no", "证书编号", "填写证书类别时必填", "2018311000123", text=True),
        Column("registration_no", "注册编号", "注册消防工程师的注册编号", "3111900042", text=True),
        Column(
            "operator_level",
            "技能等级",
            "消防设施操作员必填：五级/初级、四级/中级、三级/高级、二级/技师、一级/高级技师（或 5～1）",
            "四级/中级",
        ),
    ),
    ("id_number", "cert_kind", "cert_no"),
    ("从业人员", "人员", "证书", "persons"),
)

EMPLOYMENTS = ObjectFormat(
    "employments",
    "聘用关系",
    "从业人员在机构的聘用，每段聘用一行；同一人同时只能在一家机构在职（第十一条）。",
    (
        Column("id_number", "身份证号", "从业人员的身份证号", "", True, True),
        Column("credit_code", "机构统一社会信用代码", "聘用机构", "91310101MAC1PBUW93", True, True),
        Column(
            "position",
            "岗位",
            "技术负责人、项目负责人、注册消防工程师、消防设施操作员、机构管理人员、其他从业人员",
            "项目负责人",
            True,
        ),
        Column("status", "聘用状态", "在职（默认）、离职", "在职"),
        Column("started_on", "入职日期", "YYYY-MM-DD", "2020-03-01"),
        Column("ended_on", "离职日期", "离职时填写，YYYY-MM-DD", ""),
    ),
    ("id_number", "credit_code", "started_on"),
    ("聘用", "employment"),
)

PROJECTS = ObjectFormat(
    "projects",
    "项目及委托单位",
    "项目与委托单位、建筑，以项目编号识别。无书面结论文件（或合同未结束）的项目导入为“待补充信息”，"
    "须由机构补充项目坐标（电子围栏）、委托单位联系人和维保计划后才能继续。",
    (
        Column(
            "project_no", "项目编号", "原系统编号，全市唯一；字母、数字、-、_、/，不超过32位", "WB2023-0001", True, True
        ),
        Column("credit_code", "机构统一社会信用代码", "承接项目的机构", "91310101MAC1PBUW93", True, True),
        Column("service_type", "服务类型", "维保（维护保养）、检测、评估", "维保", True),
        Column("name", "项目名称", "不超过200字", "上海博物馆消防设施维护保养", True),
        Column("client_name", "委托单位名称", "不超过200字", "上海博物馆", True),
        Column("client_credit_code", "委托单位统一社会信用代码", "18位，按 GB 32100 校验", "", text=True),
        Column("client_contact_name", "委托单位联系人", "缺少时须补充", "王建国"),
        Column("client_contact_phone", "联系人手机号", "11位手机号；加密保存", "13916000001", text=True),
        Column("building_name", "建筑名称", "不超过200字", "上海博物馆", True),
        Column("building_address", "建筑地址", "不超过256字", "上海市黄浦区人民大道201号", True),
        Column("building_use", "建筑用途", "如 商业、办公、医疗", "文化"),
        Column("floor_area_m2", "建筑面积（平方米）", "数字", "39200"),
        Column(
            "facility_systems",
            "消防设施系统",
            "系统代码或名称，用“；”分隔（见项目模块的维保目录）",
            "火灾自动报警系统；自动喷水灭火系统",
        ),
        Column("lng", "经度", "与纬度同时填写", "121.4756"),
        Column("lat", "纬度", "与经度同时填写", "31.2285"),
        _CRS,
        Column("district", "所在区", _DISTRICT_HELP + "；无坐标时必填", "黄浦区"),
        Column("contract_start", "合同开始日期", "YYYY-MM-DD", "2023-01-01", True),
        Column("contract_end", "合同结束日期", "YYYY-MM-DD；合同期不超过5年", "2023-12-31", True),
        Column("lead_id_number", "项目负责人身份证号", "注册消防工程师", "", True, True),
        Column("member_id_numbers", "项目成员身份证号", "多人用“；”分隔", "", text=True),
    ),
    ("project_no",),
    ("项目", "委托单位"),
)

VISITS = ObjectFormat(
    "visits",
    "现场签到",
    "原系统的现场签到记录，每次签到一行，以人员与签到记录编号识别；导入后均为已签退的历史记录。",
    (
        Column("visit_no", "签到记录编号", "原系统记录编号，不超过40位", "QD20230315000123", True, True),
        Column("project_no", "项目编号", "已导入或已登记的项目", "WB2023-0001", True, True),
        Column("id_number", "从业人员身份证号", "签到的从业人员（已导入或已登记）", "", True, True),
        Column("checked_in_at", "签到时间", "YYYY-MM-DD HH:MM[:SS]，北京时间", "2023-03-15 09:12", True),
        Column("checked_out_at", "签退时间", "YYYY-MM-DD HH:MM[:SS]，北京时间", "2023-03-15 11:40"),
        Column("lng", "经度", "签到位置", "121.4756", True),
        Column("lat", "纬度", "签到位置", "31.2285", True),
        _CRS,
    ),
    ("id_number", "visit_no"),
    ("签到", "签到记录", "checkins"),
)

DOCUMENTS = ObjectFormat(
    "documents",
    "书面结论文件",
    "原系统已生效的维护保养记录、检测报告、评估报告，以报告编号识别。",
    (
        Column("report_number", "报告编号", "全市唯一，不超过40位", "WB-310101-2023-000123", True, True),
        Column("project_no", "项目编号", "已导入或已登记的项目", "WB2023-0001", True, True),
        Column("doc_type", "文件类型", "维护保养记录、检测报告、评估报告；留空按项目服务类型", "维护保养记录"),
        Column("period_start", "服务期间开始", "YYYY-MM-DD", "2023-03-01", True),
        Column("period_end", "服务期间结束", "YYYY-MM-DD；不超过一年", "2023-03-31", True),
        Column("effective_on", "生效日期", "YYYY-MM-DD", "2023-04-02", True),
        Column("project_lead_id_number", "项目负责人身份证号", "签署文件的项目负责人", "", True, True),
        Column("technical_lead_id_number", "技术负责人身份证号", "审核签署文件的技术负责人", "", True, True),
        Column("conclusion", "结论", "不超过2000字", "本月维护保养项目均已完成，系统运行正常。"),
    ),
    ("report_number",),
    ("结论文件", "报告", "reports"),
)

# In dependency order: each table may refer to those before it.
OBJECTS: dict[str, ObjectFormat] = {
    f.key: f for f in (ORGANIZATIONS, PRACTITIONERS, EMPLOYMENTS, PROJECTS, VISITS, DOCUMENTS)
}
ORDER = list(OBJECTS)


class FileFormatError(Exception):
    """A file the importer cannot read at all (encoding, missing columns). `code` is stable."""

    def __init__(self, code: str, message: str, line: int = 1, field: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.field = field


def _clean_name(text: str) -> str:
    return _NAME_PREFIX.sub("", text.strip()).lower()


def object_for_name(name: str) -> ObjectFormat | None:
    """机构.csv, 01-organizations.csv, a sheet called 项目及委托单位 … → the object it holds."""
    wanted = _clean_name(name)
    for fmt in OBJECTS.values():
        if wanted in {fmt.key, fmt.name.lower(), *(a.lower() for a in fmt.aliases)}:
            return fmt
    return None


def _clean_header(cell: str) -> str:
    text = cell.replace("\ufeff", "").strip()
    for mark in _REQUIRED_MARKS:
        text = text.replace(mark, "")
    return text.strip()


def map_headers(fmt: ObjectFormat, cells: list[str]) -> tuple[dict[int, str], list[str]]:
    """Column index → key, and the headers that match no column (ignored, reported)."""
    by_text = {c.header: c.key for c in fmt.columns} | {c.key: c.key for c in fmt.columns}
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
    missing = [fmt.column(k).header for k in fmt.required if k not in mapping.values()]
    if missing:
        raise FileFormatError("import_missing_columns", f"缺少必填列：{'、'.join(missing)}")
    return mapping, unknown


def _is_key_row(fmt: ObjectFormat, cells: list[str]) -> bool:
    keys = {c.key for c in fmt.columns}
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
    fmt: ObjectFormat
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
    mapping, _ = map_headers(table.fmt, header[1])
    for number, cells in lines:
        if not any(c.strip() for c in cells):
            continue
        if number == header[0] + 1 and _is_key_row(table.fmt, cells):
            continue
        values = {key: (cells[i].strip() if i < len(cells) else "") for i, key in mapping.items()}
        yield Row(number, values)


def inspect_headers(table: SourceTable) -> list[str]:
    """Check the header now (uploads fail fast); returns the unknown headers, which the import ignores."""
    for _, cells in _lines(table):
        if any(c.strip() for c in cells):
            return map_headers(table.fmt, cells)[1]
    raise FileFormatError("import_empty_file", "文件没有表头")


def count_rows(table: SourceTable) -> int:
    return sum(1 for _ in iter_rows(table))


def tables_in(path: Path, label: str | None = None) -> list[SourceTable]:
    """The tables of one file: a CSV named after its object, or each recognised sheet of a workbook."""
    label = label or path.name
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        fmt = object_for_name(Path(label).stem)
        if fmt is None:
            raise FileFormatError("import_unknown_file", f"无法识别文件“{label}”：文件名应为对象名称，如 机构.csv")
        return [SourceTable(path, fmt, label)]
    if suffix in XLSX_SUFFIXES:
        names = _sheet_names(path, label)
        found = []
        for sheet in names:
            fmt = object_for_name(sheet) or (object_for_name(Path(label).stem) if len(names) == 1 else None)
            if fmt is not None:
                found.append(SourceTable(path, fmt, f"{label}!{sheet}", sheet))
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
    return sorted(tables, key=lambda t: (ORDER.index(t.fmt.key), t.label))


# --- templates ---------------------------------------------------------------------------------------------


def template_csv(fmt: ObjectFormat) -> bytes:
    """Chinese headers (required ones marked *) and the English key row; UTF-8 with BOM so Excel opens it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header + ("*" if c.required else "") for c in fmt.columns])
    writer.writerow([c.key for c in fmt.columns])
    return UTF8_BOM + out.getvalue().encode("utf-8")


def template_workbook() -> bytes:
    """One sheet per object (headers, key row, text columns formatted as text) and a 填写说明 sheet."""
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
    for fmt in OBJECTS.values():
        sheet = workbook.create_sheet(fmt.name)
        sheet.append([c.header + ("*" if c.required else "") for c in fmt.columns])
        sheet.append([c.key for c in fmt.columns])
        for index, column in enumerate(fmt.columns, start=1):
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
                    fmt.name,
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

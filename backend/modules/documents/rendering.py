"""PDF rendering of written conclusion documents (书面结论文件) and the building's 维保标识.

The views are plain frozen dataclasses filled by the documents service: rendering reads nothing from the
database, so a document can be re-rendered byte for byte from the same view (the PDF is invariant).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from backend.core.pdf import (
    ALERT_COLOR,
    RULE_COLOR,
    TEXT_COLOR,
    PageDecoration,
    QrFlowable,
    build_pdf,
    draw_qr,
    format_date_cn,
    format_datetime_cn,
    grid_table_style,
    key_value_table_style,
    para,
    paragraph_styles,
    printable,
    register_cjk_font,
)

from .seal import (
    OUTER_HEIGHT,
    OUTER_WIDTH,
    SEAL_RED,
    PractitionerSeal,
    draw_organisation_seal,
    draw_practitioner_seal,
)

DOCUMENT_TITLES: dict[str, str] = {
    "维护保养记录": "建筑消防设施维护保养记录",
    "检测报告": "建筑消防设施检测报告",
    "评估报告": "消防安全评估报告",
}
ITEMS_HEADINGS: dict[str, str] = {
    "维护保养记录": "维护保养项目及结果",
    "检测报告": "检测项目及结果",
    "评估报告": "评估项目及结果",
}
ITEM_RESULTS = ("合格", "不合格", "未检")
DEFECT_SEVERITIES = ("严重", "一般", "建议")
SYSTEM_NOTICE = "本文件由上海市消防技术服务机构执业活动管理系统生成，扫描二维码核验真伪"


@dataclass(frozen=True)
class SignerView:
    name: str
    certificate_level: str  # 一级 / 二级
    certificate_number: str
    signature_png: bytes  # handwritten signature, transparent background
    signed_at: datetime


@dataclass(frozen=True)
class ItemView:
    facility_system: str
    item: str
    result: str  # 合格 / 不合格 / 未检
    note: str = ""

    def __post_init__(self) -> None:
        if self.result not in ITEM_RESULTS:
            raise ValueError(f"item result must be one of {ITEM_RESULTS}, not {self.result!r}")


@dataclass(frozen=True)
class DefectView:
    facility_system: str
    description: str
    severity: str  # 严重 / 一般 / 建议
    repair: str = ""  # summary of the verified repair record; empty while the defect is open

    def __post_init__(self) -> None:
        if self.severity not in DEFECT_SEVERITIES:
            raise ValueError(f"defect severity must be one of {DEFECT_SEVERITIES}, not {self.severity!r}")


@dataclass(frozen=True)
class ConclusionView:
    doc_type: str  # 维护保养记录 / 检测报告 / 评估报告
    report_number: str
    organisation_name: str
    organisation_credit_code: str
    client_name: str
    project_name: str
    building_name: str
    building_address: str
    building_use: str
    building_area_m2: float
    service_period_start: date
    service_period_end: date
    items: tuple[ItemView, ...]
    defects: tuple[DefectView, ...]
    conclusion: str
    project_lead: SignerView
    technical_lead: SignerView
    issued_on: date
    qr_payload: str  # signed token + verification URL, see backend.core.signing.build_qr_payload
    verification_url: str

    def __post_init__(self) -> None:
        if self.doc_type not in DOCUMENT_TITLES:
            raise ValueError(f"doc_type must be one of {tuple(DOCUMENT_TITLES)}, not {self.doc_type!r}")

    @property
    def title(self) -> str:
        return DOCUMENT_TITLES[self.doc_type]


@dataclass(frozen=True)
class MaintenanceNoticeView:
    organisation_name: str
    organisation_credit_code: str
    building_name: str
    building_address: str
    project_lead_name: str
    project_lead_certificate_number: str
    last_maintained_on: date
    next_due_on: date
    record_number: str  # the maintenance record this notice follows
    qr_payload: str  # link to the public record
    record_url: str  # printed under the QR for readers without a scanner


def _canonical(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"sha256": hashlib.sha256(value).hexdigest()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value


def conclusion_content_sha256(view: ConclusionView) -> str:
    """Digest of everything the document states, excluding its QR (which will carry this digest).

    Sign it into the token (backend.core.signing.document_claims), then set ``qr_payload``: a verifier
    recomputes it from the stored record to show that paper and record say the same thing.
    """
    content = dataclasses.asdict(view)
    content.pop("qr_payload")
    content.pop("verification_url")
    encoded = json.dumps(_canonical(content), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


# --- Conclusion document ------------------------------------------------------------------------------------

CONTENT_WIDTH = A4[0] - 36 * mm


@lru_cache(maxsize=32)
def _image_reader(png: bytes) -> ImageReader:
    """Decoded once per distinct signature: the same engineer signs many documents."""
    reader = ImageReader(io.BytesIO(png))
    reader.getRGBData()  # decode now, so threads sharing the cached reader never race on PIL's lazy load
    return reader


def _header_block(view: ConclusionView) -> Table:
    styles = paragraph_styles()
    qr_size = 34 * mm
    qr_column = 44 * mm
    left = [
        Spacer(1, 4 * mm),
        Paragraph(view.title, styles["title"]),
        para(f"报告编号：{view.report_number}", "subtitle"),
        para(view.organisation_name, "subtitle"),
    ]
    right = [
        QrFlowable(view.qr_payload, qr_size),
        para("扫码核验真伪", "small_center"),
        para(view.verification_url, "small_center"),
    ]
    table = Table([[left, right]], colWidths=[CONTENT_WIDTH - qr_column, qr_column])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), register_cjk_font()),  # reportlab's default would be Helvetica
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _basic_info_table(view: ConclusionView) -> Table:
    period = f"{format_date_cn(view.service_period_start)} 至 {format_date_cn(view.service_period_end)}"
    rows: list[list[Any]] = [
        ["报告编号", view.report_number, "文件类型", view.doc_type],
        ["技术服务机构", para(view.organisation_name, "cell"), "", ""],
        ["统一社会信用代码", view.organisation_credit_code, "签发日期", format_date_cn(view.issued_on)],
        ["委托单位", para(view.client_name, "cell"), "", ""],
        ["项目名称", para(view.project_name, "cell"), "", ""],
        ["建筑名称", para(view.building_name, "cell"), "使用性质", para(view.building_use, "cell")],
        ["建筑地址", para(view.building_address, "cell"), "", ""],
        ["建筑面积", f"{view.building_area_m2:,.1f} m²", "服务期间", para(period, "cell")],
    ]
    table = Table(rows, colWidths=[30 * mm, 64 * mm, 22 * mm, CONTENT_WIDTH - 116 * mm])
    style = key_value_table_style()
    for row in (1, 3, 4, 6):
        style.add("SPAN", (1, row), (3, row))
    table.setStyle(style)
    return table


def _items_table(view: ConclusionView) -> Table:
    rows: list[list[Any]] = [["序号", "消防设施系统", "项目内容", "结果", "备注"]]
    style = grid_table_style()
    style.add("ALIGN", (0, 1), (0, -1), "CENTER")
    style.add("ALIGN", (3, 1), (3, -1), "CENTER")
    for number, item in enumerate(view.items, start=1):
        rows.append(
            [
                str(number),
                para(item.facility_system, "cell"),
                para(item.item, "cell"),
                item.result,
                para(item.note, "cell"),
            ]
        )
        if item.result == "不合格":
            style.add("TEXTCOLOR", (3, number), (3, number), ALERT_COLOR)
    table = Table(
        rows,
        colWidths=[11 * mm, 32 * mm, CONTENT_WIDTH - 91 * mm, 14 * mm, 34 * mm],
        repeatRows=1,
        splitByRow=1,
    )
    table.setStyle(style)
    return table


def _defects_table(view: ConclusionView) -> Flowable:
    if not view.defects:
        return para("本次未发现故障或隐患。")
    rows: list[list[Any]] = [["序号", "消防设施系统", "问题描述", "严重程度", "整改情况"]]
    style = grid_table_style()
    style.add("ALIGN", (0, 1), (0, -1), "CENTER")
    style.add("ALIGN", (3, 1), (3, -1), "CENTER")
    for number, defect in enumerate(view.defects, start=1):
        rows.append(
            [
                str(number),
                para(defect.facility_system, "cell"),
                para(defect.description, "cell"),
                defect.severity,
                para(defect.repair or "尚未整改", "cell"),
            ]
        )
        if defect.severity == "严重":
            style.add("TEXTCOLOR", (3, number), (3, number), ALERT_COLOR)
    table = Table(rows, colWidths=[11 * mm, 34 * mm, CONTENT_WIDTH - 111 * mm, 16 * mm, 50 * mm], repeatRows=1)
    table.setStyle(style)
    return table


def _summary_text(view: ConclusionView) -> str:
    counts = {result: 0 for result in ITEM_RESULTS}
    for item in view.items:
        counts[item.result] += 1
    severities = {severity: 0 for severity in DEFECT_SEVERITIES}
    for defect in view.defects:
        severities[defect.severity] += 1
    open_defects = sum(1 for defect in view.defects if not defect.repair)
    return (
        f"本次共{len(view.items)}项，合格{counts['合格']}项，不合格{counts['不合格']}项，未检{counts['未检']}项；"
        f"发现故障或隐患{len(view.defects)}项（严重{severities['严重']}项、一般{severities['一般']}项、"
        f"建议{severities['建议']}项），其中尚未整改{open_defects}项。"
    )


class SignatureBlock(Flowable):
    """Both signers with signature image and 执业印章, then the organisation and its seal (第十四条)."""

    PANEL_HEIGHT = 70 * mm
    ORG_HEIGHT = 48 * mm

    def __init__(self, view: ConclusionView, width: float = CONTENT_WIDTH) -> None:
        super().__init__()
        self.view = view
        self.width = width
        self.height = self.PANEL_HEIGHT + self.ORG_HEIGHT

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        gap = 4 * mm
        panel_width = (self.width - gap) / 2
        signers = (
            ("项目负责人", self.view.project_lead),
            ("技术负责人（技术审核）", self.view.technical_lead),
        )
        for index, (role, signer) in enumerate(signers):
            self._draw_signer(index * (panel_width + gap), self.ORG_HEIGHT, panel_width, role, signer)
        self._draw_organisation()

    def _draw_signer(self, x: float, y: float, width: float, role: str, signer: SignerView) -> None:
        canv = self.canv
        font = register_cjk_font()
        height = self.PANEL_HEIGHT - 3 * mm
        canv.saveState()
        canv.translate(x, y + 3 * mm)
        canv.setStrokeColor(RULE_COLOR)
        canv.setLineWidth(0.5)
        canv.rect(0, 0, width, height, stroke=1, fill=0)
        canv.setFillColor(TEXT_COLOR)
        canv.setFont(font, 10.5)
        canv.drawString(4 * mm, height - 7 * mm, role)
        canv.setFont(font, 9)
        canv.drawString(4 * mm, height - 13 * mm, printable(f"姓名：{signer.name}"))
        canv.drawString(width / 2, height - 13 * mm, f"{signer.certificate_level}注册消防工程师")
        canv.drawString(4 * mm, height - 18.5 * mm, printable(f"注册编号：{signer.certificate_number}"))
        canv.drawString(4 * mm, height - 24 * mm, f"签署时间：{format_datetime_cn(signer.signed_at)}")
        canv.drawString(4 * mm, 19 * mm, "签名：")
        image = _image_reader(signer.signature_png)
        image_width, image_height = image.getSize()
        scale = min(38 * mm / image_width, 16 * mm / image_height)
        canv.drawImage(image, 15 * mm, 12 * mm, image_width * scale, image_height * scale, mask="auto")
        seal = PractitionerSeal(
            name=signer.name,
            registration_number=signer.certificate_number,
            level=signer.certificate_level,
            organisation_name=self.view.organisation_name,
        )
        # Stamped over the end of the signature, as a wet seal would be, clear of the text above.
        draw_practitioner_seal(canv, seal, width - OUTER_WIDTH / 2 - 2 * mm, OUTER_HEIGHT / 2 + 2 * mm)
        canv.restoreState()

    def _draw_organisation(self) -> None:
        canv = self.canv
        font = register_cjk_font()
        canv.saveState()
        canv.setFillColor(TEXT_COLOR)
        canv.setFont(font, 10.5)
        canv.drawRightString(
            self.width - 8 * mm, 30 * mm, printable(f"技术服务机构（盖章）：{self.view.organisation_name}")
        )
        canv.drawRightString(self.width - 8 * mm, 22 * mm, f"签发日期：{format_date_cn(self.view.issued_on)}")
        draw_organisation_seal(canv, self.view.organisation_name, self.width - 40 * mm, 24 * mm)
        canv.restoreState()


def render_conclusion_pdf(view: ConclusionView) -> bytes:
    """The conclusion document as an A4 PDF with embedded, subset CJK font."""
    styles = paragraph_styles()
    story: list[Flowable] = [
        _header_block(view),
        Paragraph("一、基本信息", styles["heading"]),
        _basic_info_table(view),
        Paragraph(f"二、{ITEMS_HEADINGS[view.doc_type]}", styles["heading"]),
        _items_table(view),
        Paragraph("三、发现的故障、隐患及整改情况", styles["heading"]),
        _defects_table(view),
        KeepTogether(
            [
                Paragraph("四、结论", styles["heading"]),
                para(_summary_text(view)),
                Spacer(1, 2 * mm),
                para(view.conclusion),
            ]
        ),
        KeepTogether([Paragraph("五、签署", styles["heading"]), SignatureBlock(view)]),
    ]
    decoration = PageDecoration(
        header_left=f"{view.organisation_name}  {view.title}",
        header_right=f"报告编号：{view.report_number}",
        footer_left=SYSTEM_NOTICE,
    )
    return build_pdf(
        story,
        title=f"{view.title} {view.report_number}",
        author=view.organisation_name,
        subject=f"{view.project_name} {view.building_name}",
        decoration=decoration,
    )


# --- 维保标识 -----------------------------------------------------------------------------------------


class _NoticeBanner(Flowable):
    def __init__(self, width: float, title: str, subtitle: str) -> None:
        super().__init__()
        self.width, self.height = width, 22 * mm
        self.title, self.subtitle = title, subtitle

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        font = register_cjk_font()
        canv.saveState()
        canv.setFillColor(SEAL_RED)
        canv.roundRect(0, 0, self.width, self.height, 2 * mm, stroke=0, fill=1)
        canv.setFillColor(colors.white)
        canv.setFont(font, 19)
        canv.drawCentredString(self.width / 2, 11 * mm, self.title)
        canv.setFont(font, 8)
        canv.drawCentredString(self.width / 2, 4.5 * mm, self.subtitle)
        canv.restoreState()


class _CentredQr(Flowable):
    def __init__(self, width: float, payload: str, size: float) -> None:
        super().__init__()
        self.width, self.height, self.payload, self.size = width, size, payload, size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw_qr(self.canv, self.payload, (self.width - self.size) / 2, 0, self.size)


def render_maintenance_notice_pdf(view: MaintenanceNoticeView) -> bytes:
    """The A5 维保标识 posted in the building after each maintenance visit (第十四条)."""
    width = A5[0] - 24 * mm
    rows: list[list[Any]] = [
        ["建筑名称", para(view.building_name, "notice_cell")],
        ["建筑地址", para(view.building_address, "notice_cell")],
        ["维护保养单位", para(view.organisation_name, "notice_cell")],
        ["统一社会信用代码", view.organisation_credit_code],
        ["项目负责人", f"{view.project_lead_name}（注册编号 {view.project_lead_certificate_number}）"],
        ["本次维护保养日期", format_date_cn(view.last_maintained_on)],
        ["下次维护保养日期", format_date_cn(view.next_due_on)],
        ["维护保养记录编号", view.record_number],
    ]
    table = Table(rows, colWidths=[36 * mm, width - 36 * mm])
    style = key_value_table_style(label_columns=(0,))
    style.add("FONTSIZE", (0, 0), (-1, -1), 10.5)
    style.add("TOPPADDING", (0, 0), (-1, -1), 5)
    style.add("BOTTOMPADDING", (0, 0), (-1, -1), 5)
    style.add("TEXTCOLOR", (1, 6), (1, 6), ALERT_COLOR)
    table.setStyle(style)
    story: list[Flowable] = [
        _NoticeBanner(width, "建筑消防设施维护保养标识", "依据《社会消防技术服务管理规定》第十四条设置"),
        Spacer(1, 5 * mm),
        table,
        Spacer(1, 5 * mm),
        _CentredQr(width, view.qr_payload, 58 * mm),
        para("微信扫一扫，查看维护保养记录", "notice_caption"),
        para(view.record_url, "small_center"),
        Spacer(1, 6 * mm),
        para("请勿遮挡、撕毁本标识。消防安全隐患举报投诉电话：96119", "notice_caption"),
    ]
    return build_pdf(
        story,
        title=f"维护保养标识 {view.building_name}",
        author=view.organisation_name,
        subject=view.record_number,
        pagesize=A5,
        margins=(12 * mm, 12 * mm, 12 * mm, 12 * mm),
    )

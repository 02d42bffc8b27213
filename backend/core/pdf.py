"""Shared PDF building blocks: the embedded CJK font, paragraph and table styles, a page template with
header, footer and 「第 x 页 共 y 页」, and vector QR codes. Every PDF of the product (conclusion documents,
维保标识, monthly reports) is built from these so that they look alike and embed the same font.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import segno
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.pathobject import PDFPathObject
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, TableStyle

from .timeutil import to_local

CJK_FONT_NAME = "WQY"
DEFAULT_CJK_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT_PATH_ENV = "PDF_CJK_FONT_PATH"

TEXT_COLOR = colors.HexColor("#1a1a1a")
MUTED_COLOR = colors.HexColor("#666666")
RULE_COLOR = colors.HexColor("#9a9a9a")
HEADER_FILL = colors.HexColor("#e8edf3")
LABEL_FILL = colors.HexColor("#f3f5f8")
ALERT_COLOR = colors.HexColor("#c0392b")

# Binary (Flate only) streams: ASCII85 on top only served 7-bit mail transport, makes files ~12 % larger and
# runs a pure-Python encoder over every image, which was a quarter of the render time of a signed document.
rl_config.useA85 = 0

_font_lock = threading.Lock()
_registered_font_path: str | None = None


class PdfFontMissing(RuntimeError):
    """The CJK font file is absent: a deployment problem (install Debian's fonts-wqy-microhei)."""

    code = "pdf_font_missing"

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"PDF 中文字体文件不存在：{path}。请安装 fonts-wqy-microhei，或设置环境变量 {FONT_PATH_ENV} 指向字体文件"
        )


def load_cjk_font(path: str | os.PathLike[str]) -> TTFont:
    """Parse the font file (TTC collections: the first face), or say clearly which file is missing."""
    font_path = str(path)
    if not Path(font_path).is_file():
        raise PdfFontMissing(font_path)
    if font_path.lower().endswith(".ttc"):
        return TTFont(CJK_FONT_NAME, font_path, subfontIndex=0)
    return TTFont(CJK_FONT_NAME, font_path)


def register_cjk_font(path: str | os.PathLike[str] | None = None) -> str:
    """Register WenQuanYi Micro Hei once per process and return its reportlab font name.

    reportlab's built-in CJK fonts (STSong-Light) are not embedded, so a document would look different on
    every reader; a TrueType font is embedded as subsets holding only the glyphs used. The path comes from
    the argument, else ``PDF_CJK_FONT_PATH``, else Debian's fonts-wqy-microhei location.
    """
    global _registered_font_path
    if _registered_font_path is not None:
        return CJK_FONT_NAME
    with _font_lock:
        if _registered_font_path is None:
            font_path = str(path or os.environ.get(FONT_PATH_ENV) or DEFAULT_CJK_FONT_PATH)
            pdfmetrics.registerFont(load_cjk_font(font_path))
            # One weight only: map the family so <b>/<i> markup falls back to the same face, not an error.
            pdfmetrics.registerFontFamily(
                CJK_FONT_NAME,
                normal=CJK_FONT_NAME,
                bold=CJK_FONT_NAME,
                italic=CJK_FONT_NAME,
                boldItalic=CJK_FONT_NAME,
            )
            _registered_font_path = font_path
    return CJK_FONT_NAME


@lru_cache(maxsize=1)
def paragraph_styles() -> dict[str, ParagraphStyle]:
    """Named styles; ``wordWrap="CJK"`` lets Chinese text break between any two characters."""
    font = register_cjk_font()
    base = ParagraphStyle(
        "body",
        fontName=font,
        fontSize=10,
        leading=15,
        textColor=TEXT_COLOR,
        wordWrap="CJK",
        alignment=TA_LEFT,
    )

    def derive(name: str, **overrides: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **overrides)

    return {
        "body": base,
        "title": derive("title", fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=4),
        "subtitle": derive("subtitle", fontSize=10.5, leading=16, alignment=TA_CENTER, textColor=MUTED_COLOR),
        "heading": derive("heading", fontSize=12.5, leading=18, spaceBefore=10, spaceAfter=5),
        "cell": derive("cell", fontSize=9, leading=12.5),
        "cell_center": derive("cell_center", fontSize=9, leading=12.5, alignment=TA_CENTER),
        "label": derive("label", fontSize=9, leading=12.5, textColor=MUTED_COLOR),
        "small": derive("small", fontSize=7.5, leading=10, textColor=MUTED_COLOR),
        "small_center": derive("small_center", fontSize=7.5, leading=10, textColor=MUTED_COLOR, alignment=TA_CENTER),
        "right": derive("right", alignment=TA_RIGHT),
        "notice_cell": derive("notice_cell", fontSize=10.5, leading=14),
        "notice_caption": derive("notice_caption", fontSize=9.5, leading=14, alignment=TA_CENTER),
    }


# Characters WenQuanYi Micro Hei maps to an empty glyph: they would print as blanks ("280℃" as "280 "),
# so they are drawn as their closest visible equivalents. Found by rasterising every mapped glyph.
_GLYPH_FALLBACKS = str.maketrans(
    {
        "℃": "°C",
        "℉": "°F",
        "\u212b": "\u00c5",  # ANGSTROM SIGN -> LATIN CAPITAL A WITH RING ABOVE
        "∼": "~",
        "ǎ": "a",
        "ǐ": "i",
        "ǒ": "o",
        "ǔ": "u",
        "ǘ": "ü",
        "ǚ": "ü",
        "ǜ": "ü",
        "\u00ad": "",
        # Ⅴ and Ⅹ are empty; the whole Roman-numeral block is spelled in Latin letters so it stays consistent.
        **dict(
            zip(
                "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ",
                ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"],
                strict=True,
            )
        ),
    }
)


def printable(text: str) -> str:
    """``text`` with characters the embedded font cannot show replaced by visible equivalents."""
    return text.translate(_GLYPH_FALLBACKS)


def para(text: str, style: str = "body") -> Paragraph:
    """A paragraph of user data: escaped, because names and notes may contain '&' or '<'."""
    return Paragraph(escape(printable(text)).replace("\n", "<br/>"), paragraph_styles()[style])


def grid_table_style(header_rows: int = 1, *, font_size: float = 9) -> TableStyle:
    """Data table: thin grid, tinted header row(s). Use with ``Table(..., repeatRows=header_rows)`` so a long
    table repeats its header on every page."""
    font = register_cjk_font()
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), font_size),
        ("TEXTCOLOR", (0, 0), (-1, -1), TEXT_COLOR),
        ("GRID", (0, 0), (-1, -1), 0.5, RULE_COLOR),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if header_rows:
        commands += [
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_FILL),
            ("ALIGN", (0, 0), (-1, header_rows - 1), "CENTER"),
        ]
    return TableStyle(commands)


def key_value_table_style(label_columns: Sequence[int] = (0, 2)) -> TableStyle:
    """Label/value grid (基本信息): label cells tinted."""
    style = grid_table_style(header_rows=0)
    for column in label_columns:
        style.add("BACKGROUND", (column, 0), (column, -1), LABEL_FILL)
    return style


def format_date_cn(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def format_datetime_cn(value: datetime) -> str:
    """Shanghai wall-clock time, whatever zone the aware datetime was stored in."""
    local = to_local(value)
    return f"{format_date_cn(local)} {local:%H:%M}"


# --- QR codes -----------------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _qr_path(payload: str, error: str) -> tuple[int, PDFPathObject]:
    """(modules per side, dark modules as one path in module units with y up). Built once per payload: a
    re-render of the same document reuses it instead of re-encoding and re-formatting ~1,000 rectangles."""
    matrix = segno.make(payload, error=error, micro=False).matrix
    size = len(matrix)
    path = PDFPathObject()
    for row_index, row in enumerate(matrix):
        start = -1
        for column, dark in enumerate([*row, 0]):
            if dark and start < 0:
                start = column
            elif not dark and start >= 0:
                # Integer edges inside one nonzero-filled path: adjacent runs merge without hairline seams.
                path.rect(start, size - row_index - 1, column - start, 1)
                start = -1
    return size, path


def draw_qr(
    canv: Canvas, payload: str, x: float, y: float, size: float, *, error: str = "m", quiet_zone: int = 4
) -> None:
    """Draw a QR code as vector rectangles (sharp at any print resolution), lower-left corner at (x, y);
    ``size`` includes the quiet zone, which is painted white so the code scans on any background."""
    modules, path = _qr_path(payload, error)
    module = size / (modules + 2 * quiet_zone)
    canv.saveState()
    canv.setFillColor(colors.white)
    canv.rect(x, y, size, size, stroke=0, fill=1)
    canv.setFillColor(colors.black)
    canv.translate(x + quiet_zone * module, y + quiet_zone * module)
    canv.scale(module, module)
    canv.drawPath(path, stroke=0, fill=1)
    canv.restoreState()


class QrFlowable(Flowable):
    def __init__(self, payload: str, size: float, *, error: str = "m") -> None:
        super().__init__()
        self.payload = payload
        self.size = size
        self.error = error
        self.width = self.height = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        draw_qr(self.canv, self.payload, 0, 0, self.size, error=self.error)


# --- Page template ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageDecoration:
    """Running header and footer. Putting the report number on every page makes a swapped page visible."""

    header_left: str = ""
    header_right: str = ""
    footer_left: str = ""
    page_numbers: bool = True


def _numbered_canvas_class(decoration: PageDecoration) -> type[Canvas]:
    class NumberedCanvas(Canvas):
        """Defers each page until the total is known, for 「第 x 页 共 y 页」 in one build pass."""

        # Canvas's own page state, which this recipe reads and the reportlab stubs leave out.
        _pagesize: tuple[float, float]
        _startPage: Callable[[], None]

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._page_states: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._page_states.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._page_states)
            for state in self._page_states:
                self.__dict__.update(state)
                self._draw_decoration(total)
                super().showPage()
            super().save()

        def _draw_decoration(self, total: int) -> None:
            width, height = self._pagesize
            font = register_cjk_font()
            self.saveState()
            self.setFillColor(MUTED_COLOR)
            self.setStrokeColor(RULE_COLOR)
            self.setLineWidth(0.5)
            if decoration.header_left or decoration.header_right:
                self.setFont(font, 8)
                self.drawString(15 * mm, height - 11 * mm, printable(decoration.header_left))
                self.drawRightString(width - 15 * mm, height - 11 * mm, printable(decoration.header_right))
                self.line(15 * mm, height - 12.5 * mm, width - 15 * mm, height - 12.5 * mm)
            self.setFont(font, 8)
            if decoration.footer_left:
                self.drawString(15 * mm, 9 * mm, printable(decoration.footer_left))
            if decoration.page_numbers:
                self.drawRightString(width - 15 * mm, 9 * mm, f"第 {self.getPageNumber()} 页 共 {total} 页")
            self.restoreState()

    return NumberedCanvas


def build_pdf(
    story: list[Flowable],
    *,
    title: str,
    author: str = "",
    subject: str = "",
    pagesize: tuple[float, float] = A4,
    margins: tuple[float, float, float, float] = (18 * mm, 18 * mm, 20 * mm, 18 * mm),
    decoration: PageDecoration | None = None,
) -> bytes:
    """Lay out ``story`` and return the PDF bytes.

    ``margins`` are (top, right, bottom, left). Output is invariant (fixed creation date and document id), so
    the same input yields the same bytes and a stored SHA-256 can be reproduced.
    """
    register_cjk_font()
    top, right, bottom, left = margins
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=pagesize,
        topMargin=top,
        rightMargin=right,
        bottomMargin=bottom,
        leftMargin=left,
        title=title,
        author=author,
        subject=subject,
        creator="消防技术服务机构执业活动管理系统",
        lang="zh-CN",
        invariant=1,
        displayDocTitle=1,
        # Otherwise every page starts in Helvetica, which lands in the PDF as a font that is not embedded.
        initialFontName=CJK_FONT_NAME,
    )
    frame = Frame(left, bottom, pagesize[0] - left - right, pagesize[1] - top - bottom, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], pagesize=pagesize)])
    doc.build(story, canvasmaker=_numbered_canvas_class(decoration or PageDecoration(page_numbers=False)))
    return buffer.getvalue()

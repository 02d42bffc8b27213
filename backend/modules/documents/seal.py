"""Electronic seals drawn as vector graphics (第十四条: a document bears each engineer's 执业印章 and the
organisation's seal).

执业印章: red concentric double ellipse, outer 50×36 mm, inner 36×22 mm; 「上海市注册消防工程师执业印章」
runs along the upper arc and the organisation's name along the lower arc, each character upright to the ring;
inside are the engineer's name, registration number and level. The organisation seal is a 42 mm circle with
a five-pointed star and the name around the top, the usual form of a company seal.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from backend.core.pdf import printable, register_cjk_font

SEAL_RED = colors.Color(0.84, 0.05, 0.09)
SEAL_OPACITY = 0.88  # ink lets the signature under it show through, as a real stamp does
PRACTITIONER_RING_TEXT = "上海市注册消防工程师执业印章"

OUTER_WIDTH, OUTER_HEIGHT = 50 * mm, 36 * mm
INNER_WIDTH, INNER_HEIGHT = 36 * mm, 22 * mm
ORGANISATION_SEAL_DIAMETER = 42 * mm

_GLYPH_CENTRE = 0.36  # a CJK glyph's visual centre above its baseline, as a share of the font size


@dataclass(frozen=True)
class PractitionerSeal:
    name: str
    registration_number: str
    level: str  # 一级 / 二级
    organisation_name: str
    ring_text: str = PRACTITIONER_RING_TEXT

    @property
    def level_text(self) -> str:
        return self.level if self.level.endswith("注册消防工程师") else f"{self.level}注册消防工程师"


@lru_cache(maxsize=8)
def _ellipse_arc_table(a: float, b: float, samples: int = 720) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Cumulative arc length against the parameter t (0..2π) so characters can be spaced evenly along the
    ring: equal steps of t bunch them at the flat top and bottom of an ellipse."""
    ts = [2 * math.pi * i / samples for i in range(samples + 1)]
    lengths = [0.0]
    for previous, current in pairwise(ts):
        lengths.append(
            lengths[-1]
            + math.hypot(a * (math.cos(current) - math.cos(previous)), b * (math.sin(current) - math.sin(previous)))
        )
    return tuple(ts), tuple(lengths)


def _t_at_length(a: float, b: float, s: float) -> float:
    ts, lengths = _ellipse_arc_table(a, b)
    s %= lengths[-1]
    index = max(1, bisect_left(lengths, s))
    span = lengths[index] - lengths[index - 1]
    share = (s - lengths[index - 1]) / span if span else 0.0
    return ts[index - 1] + share * (ts[index] - ts[index - 1])


def _length_at_t(a: float, b: float, t: float) -> float:
    ts, lengths = _ellipse_arc_table(a, b)
    t %= 2 * math.pi
    index = max(1, bisect_left(ts, t))
    share = (t - ts[index - 1]) / (ts[index] - ts[index - 1])
    return lengths[index - 1] + share * (lengths[index] - lengths[index - 1])


def _draw_glyph(canv: Canvas, char: str, x: float, y: float, rotation_deg: float, size: float) -> None:
    canv.saveState()
    canv.translate(x, y)
    canv.rotate(rotation_deg)
    canv.drawCentredString(0, -_GLYPH_CENTRE * size, char)
    canv.restoreState()


def _draw_ring_text(
    canv: Canvas, text: str, a: float, b: float, centre_t: float, pitch: float, size: float, *, upper: bool
) -> None:
    """Place ``text`` centred on parameter ``centre_t`` of the ellipse (a, b), reading left to right;
    upper-arc characters stand with their tops outward, lower-arc ones with their tops toward the centre."""
    centre_s = _length_at_t(a, b, centre_t)
    count = len(text)
    for index, char in enumerate(text):
        offset = (index - (count - 1) / 2) * pitch
        # Left to right is clockwise (decreasing t) on the upper arc, counter-clockwise on the lower one.
        t = _t_at_length(a, b, centre_s - offset if upper else centre_s + offset)
        x, y = a * math.cos(t), b * math.sin(t)
        nx, ny = b * math.cos(t), a * math.sin(t)  # outward normal of the ellipse
        if not upper:
            nx, ny = -nx, -ny
        _draw_glyph(canv, char, x, y, math.degrees(math.atan2(-nx, ny)), size)


def _fitted_size(text: str, font: str, preferred: float, width: float) -> float:
    natural = stringWidth(text, font, 1)
    return min(preferred, width / natural) if natural else preferred


def _ellipse_chord(a: float, b: float, y: float) -> float:
    return 2 * a * math.sqrt(max(0.0, 1 - (y / b) ** 2))


def draw_practitioner_seal(canv: Canvas, seal: PractitionerSeal, cx: float, cy: float) -> None:
    """Draw the 执业印章 centred on (cx, cy)."""
    font = register_cjk_font()
    canv.saveState()
    canv.translate(cx, cy)
    canv.setStrokeColor(SEAL_RED)
    canv.setFillColor(SEAL_RED)
    canv.setStrokeAlpha(SEAL_OPACITY)
    canv.setFillAlpha(SEAL_OPACITY)
    outer_line, inner_line = 0.9 * mm, 0.45 * mm
    canv.setLineWidth(outer_line)
    # Line centred inside the nominal size so the printed outline measures exactly 50×36 and 36×22 mm.
    canv.ellipse(
        -OUTER_WIDTH / 2 + outer_line / 2,
        -OUTER_HEIGHT / 2 + outer_line / 2,
        OUTER_WIDTH / 2 - outer_line / 2,
        OUTER_HEIGHT / 2 - outer_line / 2,
    )
    canv.setLineWidth(inner_line)
    canv.ellipse(
        -INNER_WIDTH / 2 + inner_line / 2,
        -INNER_HEIGHT / 2 + inner_line / 2,
        INNER_WIDTH / 2 - inner_line / 2,
        INNER_HEIGHT / 2 - inner_line / 2,
    )

    # Ring text runs along the middle of the 7 mm band between the two ellipses.
    a = (OUTER_WIDTH - outer_line + INNER_WIDTH) / 4
    b = (OUTER_HEIGHT - outer_line + INNER_HEIGHT) / 4
    perimeter = _ellipse_arc_table(a, b)[1][-1]
    ring_text, lower_text = printable(seal.ring_text), printable(seal.organisation_name)
    gap_slots = 2.4  # blank space between the two texts on each side, in character pitches
    pitch = min(4.4 * mm, perimeter / (len(ring_text) + len(lower_text) + 2 * gap_slots))
    size = min(4.0 * mm, pitch * 0.86)
    canv.setFont(font, size)
    _draw_ring_text(canv, ring_text, a, b, math.pi / 2, pitch, size, upper=True)
    _draw_ring_text(canv, lower_text, a, b, 3 * math.pi / 2, pitch, size, upper=False)

    # Inside the inner ellipse: name, registration number, level, each shrunk to fit its chord.
    inner_a, inner_b = INNER_WIDTH / 2 - inner_line, INNER_HEIGHT / 2 - inner_line
    lines = (
        (printable(seal.name), 5.2 * mm, 3.2 * mm),
        (printable(seal.registration_number), 2.7 * mm, -2.2 * mm),
        (printable(seal.level_text), 2.5 * mm, -6.2 * mm),
    )
    for text, preferred, centre_y in lines:
        text_size = _fitted_size(
            text, font, preferred, 0.86 * _ellipse_chord(inner_a, inner_b, abs(centre_y) + 1.3 * mm)
        )
        canv.setFont(font, text_size)
        canv.drawCentredString(0, centre_y - _GLYPH_CENTRE * text_size, text)
    canv.restoreState()


def _star_path(canv: Canvas, radius: float, cy: float) -> None:
    path = canv.beginPath()
    inner = radius * math.sin(math.radians(18)) / math.sin(math.radians(126))
    for index in range(10):
        angle = math.pi / 2 + index * math.pi / 5
        r = radius if index % 2 == 0 else inner
        point = (r * math.cos(angle), cy + r * math.sin(angle))
        if index == 0:
            path.moveTo(*point)
        else:
            path.lineTo(*point)
    path.close()
    canv.drawPath(path, stroke=0, fill=1)


def draw_organisation_seal(
    canv: Canvas,
    organisation_name: str,
    cx: float,
    cy: float,
    *,
    bottom_text: str = "",
    diameter: float = ORGANISATION_SEAL_DIAMETER,
) -> None:
    """Draw the round organisation seal centred on (cx, cy): outline, star, name around the upper arc and an
    optional horizontal line under the star (e.g. a 专用章 purpose)."""
    font = register_cjk_font()
    organisation_name = printable(organisation_name)
    radius = diameter / 2
    line = 1.2 * mm
    canv.saveState()
    canv.translate(cx, cy)
    canv.setStrokeColor(SEAL_RED)
    canv.setFillColor(SEAL_RED)
    canv.setStrokeAlpha(SEAL_OPACITY)
    canv.setFillAlpha(SEAL_OPACITY)
    canv.setLineWidth(line)
    canv.circle(0, 0, radius - line / 2, stroke=1, fill=0)
    _star_path(canv, radius * 0.33, 0)

    count = max(1, len(organisation_name))
    # Largest size whose characters, measured at their inner edge, fit in 240° of arc (the customary span).
    size = 6.5 * mm
    while True:
        text_radius = radius - line - 0.9 * mm - size * (1 - _GLYPH_CENTRE)
        step = 1.1 * size / (text_radius - _GLYPH_CENTRE * size)
        if count * step <= math.radians(240) or size <= 2.5 * mm:
            break
        size -= 0.1 * mm
    canv.setFont(font, size)
    for index, char in enumerate(organisation_name):
        angle = math.pi / 2 + ((count - 1) / 2 - index) * step
        _draw_glyph(
            canv,
            char,
            text_radius * math.cos(angle),
            text_radius * math.sin(angle),
            math.degrees(angle) - 90,
            size,
        )
    if bottom_text:
        bottom_size = _fitted_size(bottom_text, font, 3.6 * mm, radius * 1.1)
        canv.setFont(font, bottom_size)
        canv.drawCentredString(0, -radius * 0.52, bottom_text)
    canv.restoreState()


class PractitionerSealFlowable(Flowable):
    def __init__(self, seal: PractitionerSeal) -> None:
        super().__init__()
        self.seal = seal
        self.width, self.height = OUTER_WIDTH, OUTER_HEIGHT

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw_practitioner_seal(self.canv, self.seal, self.width / 2, self.height / 2)


class OrganisationSealFlowable(Flowable):
    def __init__(self, organisation_name: str, *, bottom_text: str = "") -> None:
        super().__init__()
        self.organisation_name = organisation_name
        self.bottom_text = bottom_text
        self.width = self.height = ORGANISATION_SEAL_DIAMETER

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw_organisation_seal(
            self.canv, self.organisation_name, self.width / 2, self.height / 2, bottom_text=self.bottom_text
        )

"""Bytes a test uploads or a builder stores: real face photos from shared/data/faces (and their encodings by the
real face engine), handwritten-looking signatures, a PDF and a licence image."""

from __future__ import annotations

import base64
import io
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from backend.core.pdf import DEFAULT_CJK_FONT_PATH

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
FACES = SHARED / "faces"


def face_photo(name: str) -> bytes:
    return (FACES / name).read_bytes()


@cache
def face_encoding(name: str) -> bytes:
    """Enrolled with the real engine once per test run (the model is slow to load, the result is stable)."""
    from backend.adapters.face import DlibFaceEngine

    return DlibFaceEngine().enrol(face_photo(name)).encoding


def recaptured(name: str, scale: float = 0.6) -> bytes:
    """Another capture of the same face: the shared photo scaled and re-encoded (new bytes, new hash)."""
    image = Image.open(FACES / name).convert("RGB")
    image = image.resize((int(image.width * scale), int(image.height * scale)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


def photo_b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def signature_png(name: str) -> bytes:
    font = ImageFont.truetype(DEFAULT_CJK_FONT_PATH, 96, index=0)
    image = Image.new("RGBA", (520, 170), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.text((24, 16), name, font=font, fill=(24, 32, 88, 255))
    draw.line([(20, 140), (180, 128), (340, 146), (500, 120)], fill=(24, 32, 88, 230), width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_document(title: str) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, title)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def licence_image() -> bytes:
    image = Image.new("RGB", (800, 560), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 780, 540), outline="red", width=6)
    draw.text((60, 60), "BUSINESS LICENCE", fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()

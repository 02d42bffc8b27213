"""Handwritten signature images: trimmed to the ink, transparent background, PNG.

The mini-program's signing canvas exports a PNG whose background is transparent; a photo or scan of a
signature on paper has none, so there the paper (light pixels) is made transparent. Either way the result is
cropped to the ink plus a small margin and scaled down to a size a document needs.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps

from backend.core.errors import ValidationFailed
from backend.core.images import ImageRejected, validate_image

MARGIN_PX = 8
MAX_WIDTH_PX = 1200
MAX_HEIGHT_PX = 600
# Alpha at or below this is background: anti-aliased canvas strokes fade to a few units at their edges.
ALPHA_INK_THRESHOLD = 16
# On an opaque picture, pixels darker than this (0-255 luminance) are ink; paper photographed indoors is
# seldom darker than ~180, ballpoint ink seldom lighter than ~140.
PAPER_LUMINANCE = 160


def _has_transparency(image: Image.Image) -> bool:
    """Whether any pixel is see-through (a canvas exported on white has an alpha channel but no use for it)."""
    if image.mode not in ("RGBA", "LA", "PA") and "transparency" not in image.info:
        return False
    return int(np.asarray(image.convert("RGBA").getchannel("A")).min()) < 255


def _with_paper_removed(image: Image.Image) -> Image.Image:
    """Opaque picture: alpha from darkness, so paper becomes transparent and ink keeps its colour."""
    rgb = image.convert("RGB")
    luminance = np.asarray(rgb.convert("L"), dtype=np.float32)
    alpha = np.clip((PAPER_LUMINANCE - luminance) * (255.0 / PAPER_LUMINANCE) * 2.0, 0, 255).astype(np.uint8)
    rgba = rgb.convert("RGBA")
    rgba.putalpha(Image.fromarray(alpha, mode="L"))
    return rgba


def trim_signature(data: bytes) -> bytes:
    """A PNG of the signature alone. Raises ValidationFailed for a non-image or an image with no ink."""
    try:
        validate_image(data)
    except ImageRejected as exc:
        code = "signature_type_not_allowed" if exc.code == "image_type_not_allowed" else exc.code
        raise ValidationFailed(code, None if code != exc.code else exc.message) from exc
    with Image.open(io.BytesIO(data)) as source:
        source.load()
        upright = ImageOps.exif_transpose(source)
        rgba = upright.convert("RGBA") if _has_transparency(upright) else _with_paper_removed(upright)
    alpha = np.asarray(rgba.getchannel("A"))
    ink_rows = np.flatnonzero((alpha > ALPHA_INK_THRESHOLD).any(axis=1))
    ink_cols = np.flatnonzero((alpha > ALPHA_INK_THRESHOLD).any(axis=0))
    if ink_rows.size == 0:
        raise ValidationFailed("signature_empty")
    top = max(0, int(ink_rows[0]) - MARGIN_PX)
    bottom = min(rgba.height, int(ink_rows[-1]) + 1 + MARGIN_PX)
    left = max(0, int(ink_cols[0]) - MARGIN_PX)
    right = min(rgba.width, int(ink_cols[-1]) + 1 + MARGIN_PX)
    trimmed = rgba.crop((left, top, right, bottom))
    trimmed.thumbnail((MAX_WIDTH_PX, MAX_HEIGHT_PX), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    trimmed.save(out, "PNG", optimize=True)
    return out.getvalue()

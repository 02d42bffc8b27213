"""Validation of every uploaded photo: size, real type, pixel budget, complete data, orientation.

Every photo in the system (face enrolment, check-in, work records, signatures) passes through
`validate_image` before anything else looks at it, so a hostile or broken upload fails here with a stable
code.
"""

from __future__ import annotations

import hashlib
import io
import struct
from dataclasses import dataclass, field

import imagehash
import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_ALLOWED_FORMATS = ("JPEG", "PNG")

# Chinese user-facing text by code; the lead may move these into core/messages.py.
IMAGE_MESSAGES: dict[str, str] = {
    "image_too_large": "图片文件过大，请压缩后重新上传。",
    "image_unreadable": "图片无法读取，文件可能已损坏或不完整。",
    "image_type_not_allowed": "不支持的图片格式，请上传 JPEG 或 PNG 图片。",
    "image_too_many_pixels": "图片分辨率过高，请缩小后重新上传。",
}

# Errors Pillow's decoders raise for corrupt or truncated data (SyntaxError comes from some plugin parsers).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)


class ImageRejected(Exception):
    """An upload that must not be processed; `code` is stable, `message` is shown to the user."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message or IMAGE_MESSAGES.get(code, "图片不符合要求。")
        super().__init__(f"{code}: {self.message}")


@dataclass(frozen=True)
class ValidatedImage:
    """A decoded upload. Width and height are after EXIF orientation, i.e. those of `rgb`."""

    format: str
    width: int
    height: int
    sha256: str
    phash: str
    # Read-only H×W×3 uint8 array; excluded from == and repr because arrays compare element-wise.
    rgb: np.ndarray = field(compare=False, repr=False)


def validate_image(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    allowed: tuple[str, ...] = DEFAULT_ALLOWED_FORMATS,
) -> ValidatedImage:
    """Decode and check an upload, or raise ImageRejected with a stable code."""
    if len(data) > max_bytes:
        raise ImageRejected("image_too_large")
    if not data:
        raise ImageRejected("image_unreadable")
    _require_strict_decoding()

    try:
        # `formats` limits which parsers ever see the bytes: the type comes from the content, never a name.
        image = Image.open(io.BytesIO(data), formats=list(allowed))
    except Image.DecompressionBombError as exc:
        raise ImageRejected("image_too_many_pixels") from exc
    except UnidentifiedImageError as exc:
        code = "image_unreadable" if _looks_like(data, allowed) else "image_type_not_allowed"
        raise ImageRejected(code) from exc
    except Image.DecompressionBombWarning as exc:  # only raised if warnings are configured as errors
        raise ImageRejected("image_too_many_pixels") from exc
    except _DECODE_ERRORS as exc:
        raise ImageRejected("image_unreadable") from exc

    with image:
        # Checked on the declared size, before any pixel is decoded: a tiny file can declare a huge canvas.
        if image.width * image.height > max_pixels:
            raise ImageRejected("image_too_many_pixels")
        # Pillow opens JPEGs with a multi-picture segment (many phone cameras) as MPO; it is still a JPEG.
        image_format = "JPEG" if image.format == "MPO" else str(image.format)
        if image_format not in allowed:
            raise ImageRejected("image_type_not_allowed")
        try:
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
            rgb_image = _to_rgb_on_white(image)
        except Image.DecompressionBombError as exc:
            raise ImageRejected("image_too_many_pixels") from exc
        except _DECODE_ERRORS as exc:
            raise ImageRejected("image_unreadable") from exc

        rgb = np.asarray(rgb_image, dtype=np.uint8)
        rgb.flags.writeable = False
        return ValidatedImage(
            format=image_format,
            width=rgb_image.width,
            height=rgb_image.height,
            sha256=hashlib.sha256(data).hexdigest(),
            phash=str(imagehash.phash(_reduced_for_hashing(rgb_image))),
            rgb=rgb,
        )


def phash_distance(a_hex: str, b_hex: str) -> int:
    """Hamming distance between two perceptual hashes (0 = same picture, 64 bits in all)."""
    return int(imagehash.hex_to_hash(a_hex) - imagehash.hex_to_hash(b_hex))


def _require_strict_decoding() -> None:
    # face_recognition sets this flag process-wide on import; with it on, Pillow silently fills a truncated
    # upload with grey instead of failing, so a cut-off photo would pass as valid. Uploads are never decoded
    # leniently in this system, so restoring Pillow's default is safe for every caller.
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        ImageFile.LOAD_TRUNCATED_IMAGES = False


def _looks_like(data: bytes, formats: tuple[str, ...]) -> bool:
    """Whether the bytes carry the signature of an allowed format (then a failure means a damaged file)."""
    Image.init()
    for name in formats:
        entry = Image.OPEN.get(name)
        accept = entry[1] if entry else None
        if accept is not None and accept(data[:16]):
            return True
    return False


def _to_rgb_on_white(image: Image.Image) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode in ("P", "L", "RGB") and "transparency" in image.info)
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode.startswith("I;16") or image.mode == "I":
        # 16-bit greyscale PNG: Pillow's direct conversion clips everything above 255 to white.
        grey = np.asarray(image, dtype=np.uint32) // 257
        return Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8)).convert("RGB")
    return image if image.mode == "RGB" else image.convert("RGB")


def _reduced_for_hashing(image: Image.Image) -> Image.Image:
    # phash only looks at a 32×32 thumbnail: a box-filtered copy of 512–1023 px gave the same bits on every
    # shared photo and spares a Lanczos pass over a 12-megapixel phone photo (~45 ms).
    factor = max(image.size) // 512
    return image.reduce(factor) if factor > 1 else image

"""Upload validation on real photos and on hostile files built here."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from backend.core.images import ImageRejected, ValidatedImage, phash_distance, validate_image

FACES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "faces"


def read_face(name: str) -> bytes:
    return (FACES / name).read_bytes()


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def decompression_bomb_png(side: int = 30_000) -> bytes:
    """A complete, valid 1-bit PNG of side×side black pixels: ~110 KB on disk, 900 megapixels decoded."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + packed bits
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def rejection_code(data: bytes, **limits: object) -> str:
    with pytest.raises(ImageRejected) as caught:
        validate_image(data, **limits)  # type: ignore[arg-type]
    assert caught.value.message  # every refusal carries user-facing text
    return caught.value.code


def test_jpeg_photo_is_decoded_with_its_hashes() -> None:
    data = read_face("obama.jpg")
    image = validate_image(data)
    assert (image.format, image.width, image.height) == ("JPEG", 910, 1137)
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    assert len(image.phash) == 16 and int(image.phash, 16) >= 0
    assert image.rgb.shape == (1137, 910, 3) and image.rgb.dtype == np.uint8
    assert not image.rgb.flags.writeable


def test_validated_image_is_frozen() -> None:
    image = validate_image(read_face("obama_small.jpg"))
    with pytest.raises(AttributeError):
        image.width = 1  # type: ignore[misc]
    assert isinstance(image, ValidatedImage)


def test_rgba_png_is_flattened_onto_white() -> None:
    source = Image.open(FACES / "alex-lacamoire.png")
    assert source.mode == "RGBA"
    opaque = validate_image(read_face("alex-lacamoire.png"))
    assert opaque.format == "PNG" and opaque.rgb.shape == (394, 424, 3)
    assert (opaque.rgb == np.asarray(source)[:, :, :3]).all()

    # The same photo with a transparent left half and a half-transparent top strip.
    pixels = np.asarray(source).copy()
    pixels[:, :212, 3] = 0
    pixels[:40, 212:, 3] = 128
    image = validate_image(encode(Image.fromarray(pixels), "PNG"))
    assert (image.rgb[:, :212] == 255).all()
    assert (image.rgb[40:, 212:] == pixels[40:, 212:, :3]).all()
    blended = (pixels[:40, 212:, :3].astype(int) * 128 + 255 * 127) / 255
    assert np.abs(image.rgb[:40, 212:] - blended).max() <= 1.5


def test_palette_png_with_transparent_index_becomes_white() -> None:
    palette_image = Image.new("P", (4, 4), 1)
    palette_image.putpalette([0, 0, 0, 200, 30, 30] + [0, 0, 0] * 254)
    palette_image.putpixel((0, 0), 0)
    image = validate_image(encode(palette_image, "PNG", transparency=0))
    assert image.rgb[0, 0].tolist() == [255, 255, 255]
    assert image.rgb[1, 1].tolist() == [200, 30, 30]


def test_sixteen_bit_greyscale_png_keeps_its_tones() -> None:
    ramp = (np.arange(256, dtype=np.uint32) * 257).astype(np.uint16).reshape(1, 256).repeat(2, axis=0)
    image = validate_image(encode(Image.fromarray(ramp), "PNG"))
    assert image.rgb[0, :, 0].tolist() == list(range(256))


def test_exif_orientation_is_applied() -> None:
    # Phones store a portrait photo as landscape pixels plus an orientation tag (6: rotate 90° clockwise).
    landscape = Image.new("RGB", (40, 20), (10, 120, 10))
    landscape.paste((250, 0, 0), (0, 0, 10, 20))  # red band on the left edge of the stored pixels
    exif = Image.Exif()
    exif[0x0112] = 6
    image = validate_image(encode(landscape, "JPEG", exif=exif, quality=95))
    assert (image.width, image.height) == (20, 40)
    assert image.rgb[2, 10, 0] > 200  # the left band is now on top
    assert image.rgb[37, 10, 0] < 60


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = decompression_bomb_png()
    assert len(bomb) < 200_000
    assert rejection_code(bomb) == "image_too_many_pixels"


def test_image_above_the_pixel_budget_but_below_pillows_limit_is_refused() -> None:
    # 7000×7000 = 49 MP: under Pillow's own bomb threshold (~89 MP), over the default budget of 40 MP.
    data = decompression_bomb_png(side=7000)
    assert rejection_code(data) == "image_too_many_pixels"
    assert rejection_code(read_face("obama.jpg"), max_pixels=1_000_000) == "image_too_many_pixels"


def test_file_over_the_byte_limit_is_refused() -> None:
    assert rejection_code(read_face("obama.jpg"), max_bytes=100_000) == "image_too_large"
    assert rejection_code(b"\xff\xd8\xff" + bytes(10 * 1024 * 1024)) == "image_too_large"


@pytest.mark.parametrize("name", ["obama.jpg", "obama_small.jpg", "coffee.png"])
@pytest.mark.parametrize("keep", [0.5, 0.05])
def test_truncated_file_is_unreadable(name: str, keep: float) -> None:
    data = read_face(name)
    assert rejection_code(data[: int(len(data) * keep)]) == "image_unreadable"


def test_truncated_jpeg_is_refused_even_after_face_recognition_relaxed_pillow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # face_recognition sets this process-wide on import; validation must not inherit it.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = read_face("obama.jpg")
    assert rejection_code(data[: len(data) - 4000]) == "image_unreadable"


def test_corrupt_bytes_after_a_valid_header_are_unreadable() -> None:
    data = bytearray(read_face("coffee.png"))
    data[5000:5400] = bytes(400)  # zeroes in the compressed pixel data break the PNG's CRC and stream
    assert rejection_code(bytes(data)) == "image_unreadable"


def test_empty_upload_is_unreadable() -> None:
    assert rejection_code(b"") == "image_unreadable"


def test_gif_is_not_allowed_whatever_its_name() -> None:
    gif = encode(Image.open(FACES / "obama_small.jpg").convert("P"), "GIF")
    assert rejection_code(gif) == "image_type_not_allowed"


@pytest.mark.parametrize(
    "data",
    [
        (FACES / "face_recognition_LICENSE.txt").read_bytes(),
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    ],
    ids=["text", "svg", "pdf"],
)
def test_non_image_content_is_not_allowed(data: bytes) -> None:
    assert rejection_code(data) == "image_type_not_allowed"


def test_allowed_formats_are_configurable() -> None:
    assert rejection_code(read_face("coffee.png"), allowed=("JPEG",)) == "image_type_not_allowed"
    webp = encode(Image.open(FACES / "obama_small.jpg"), "WEBP")
    assert rejection_code(webp) == "image_type_not_allowed"
    assert validate_image(webp, allowed=("JPEG", "PNG", "WEBP")).format == "WEBP"


def test_phash_survives_reencoding_but_tells_people_apart() -> None:
    original = validate_image(read_face("obama.jpg"))
    source = Image.open(FACES / "obama.jpg")
    recompressed = validate_image(encode(source, "JPEG", quality=35))
    smaller_png = validate_image(encode(source.resize((455, 568)), "PNG"))
    assert recompressed.sha256 != original.sha256
    assert phash_distance(original.phash, recompressed.phash) <= 4
    assert phash_distance(original.phash, smaller_png.phash) <= 4
    biden = validate_image(read_face("biden.jpg"))
    assert phash_distance(original.phash, biden.phash) >= 20


def test_phash_distance_counts_differing_bits() -> None:
    assert phash_distance("0000000000000000", "0000000000000000") == 0
    assert phash_distance("0000000000000000", "000000000000000f") == 4
    assert phash_distance("ffffffffffffffff", "0000000000000000") == 64

"""The dlib face engine on real photos (face_recognition's examples and scikit-image's no-face pictures)."""

from __future__ import annotations

import io
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.adapters.face import (
    DlibFaceEngine,
    EnrolmentResult,
    FaceEngine,
    FaceRejected,
    encoding_from_bytes,
)
from backend.adapters.face import engine as engine_module
from backend.core.images import ImageRejected

FACES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "faces"
TOLERANCE = 0.5


def read_face(name: str) -> bytes:
    return (FACES / name).read_bytes()


def as_jpeg(image: Image.Image, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, **params)
    return buffer.getvalue()


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    top, right, bottom, left = max(a[0], b[0]), min(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3])
    inter = max(0, bottom - top) * max(0, right - left)

    def area(box: tuple[int, int, int, int]) -> int:
        return (box[2] - box[0]) * (box[1] - box[3])

    return inter / (area(a) + area(b) - inter)


@pytest.fixture(scope="module")
def engine() -> DlibFaceEngine:
    face_engine = DlibFaceEngine()
    face_engine.load()
    return face_engine


@pytest.fixture(scope="module")
def obama(engine: DlibFaceEngine) -> EnrolmentResult:
    return engine.enrol(read_face("obama.jpg"))


def test_engine_implements_the_protocol(engine: DlibFaceEngine) -> None:
    assert isinstance(engine, FaceEngine)


def test_reference_photo_enrols(obama: EnrolmentResult) -> None:
    vector = encoding_from_bytes(obama.encoding)
    assert vector.shape == (128,) and np.isfinite(vector).all()
    top, right, bottom, left = obama.face_box
    assert 0 <= top < bottom <= 1137 and 0 <= left < right <= 910
    assert obama.face_px == min(bottom - top, right - left) >= 200
    assert len(obama.image_sha256) == 64 and len(obama.image_phash) == 16


def test_face_box_is_reported_in_original_pixels(obama: EnrolmentResult) -> None:
    # Detection ran on a 640 px copy; the box must land where a full-size detection puts the face.
    face_recognition = engine_module.load_face_recognition()
    rgb = np.asarray(Image.open(FACES / "obama.jpg").convert("RGB"))
    (full_size_box,) = face_recognition.face_locations(rgb, number_of_times_to_upsample=0)
    assert iou(obama.face_box, full_size_box) > 0.8


@pytest.mark.parametrize("name", ["obama2.jpg", "obama-720p.jpg", "obama_small.jpg"])
def test_same_person_verifies(engine: DlibFaceEngine, obama: EnrolmentResult, name: str) -> None:
    result = engine.verify(read_face(name), obama.encoding, TOLERANCE)
    assert result.distance <= 0.5
    assert result.passed and result.reason_code is None and result.tolerance == TOLERANCE


@pytest.mark.parametrize(
    "name", ["biden.jpg", "alex-lacamoire.png", "kit_harington_john1.jpeg", "lin-manuel-miranda.png"]
)
def test_other_people_do_not_verify(engine: DlibFaceEngine, obama: EnrolmentResult, name: str) -> None:
    result = engine.verify(read_face(name), obama.encoding, TOLERANCE)
    assert result.distance > 0.6
    assert not result.passed and result.reason_code == "face_mismatch"


def test_tolerance_decides(engine: DlibFaceEngine, obama: EnrolmentResult) -> None:
    probe = read_face("obama2.jpg")  # the hardest same-person photo, ~0.35
    assert engine.verify(probe, obama.encoding, 0.5).passed
    strict = engine.verify(probe, obama.encoding, 0.2)
    assert not strict.passed and strict.reason_code == "face_mismatch"


def test_small_photo_enrols(engine: DlibFaceEngine, obama: EnrolmentResult) -> None:
    small = engine.enrol(read_face("obama_small.jpg"))
    assert engine.min_face_px <= small.face_px < 150
    assert engine.verify(read_face("obama.jpg"), small.encoding, TOLERANCE).passed


def test_rgba_png_enrols(engine: DlibFaceEngine) -> None:
    assert Image.open(FACES / "lin-manuel-miranda.png").mode == "RGBA"
    lin = engine.enrol(read_face("lin-manuel-miranda.png"))
    assert engine.verify(read_face("lin-manuel-miranda.png"), lin.encoding, TOLERANCE).distance < 0.01


@pytest.mark.parametrize("name", ["two_people.jpg", "obama_and_biden.jpg"])
def test_several_faces_are_refused(engine: DlibFaceEngine, obama: EnrolmentResult, name: str) -> None:
    with pytest.raises(FaceRejected) as enrolment:
        engine.enrol(read_face(name))
    assert enrolment.value.code == "face_multiple_faces" and enrolment.value.message
    with pytest.raises(FaceRejected) as verification:
        engine.verify(read_face(name), obama.encoding, TOLERANCE)
    assert verification.value.code == "face_multiple_faces"


@pytest.mark.parametrize("name", ["coffee.png", "rocket.jpg"])
def test_photo_without_a_face_is_refused(engine: DlibFaceEngine, obama: EnrolmentResult, name: str) -> None:
    with pytest.raises(FaceRejected) as enrolment:
        engine.enrol(read_face(name))
    assert enrolment.value.code == "face_no_face"
    with pytest.raises(FaceRejected) as verification:
        engine.verify(read_face(name), obama.encoding, TOLERANCE)
    assert verification.value.code == "face_no_face"


def test_face_too_small_for_the_detection_copy_is_found_at_full_size(engine: DlibFaceEngine) -> None:
    # obama_small.jpg pasted into a 2400×1800 frame: its 103 px face shrinks to ~27 px in the 640 px copy,
    # below the HOG window, so only the full-size retry can find it.
    frame = Image.new("RGB", (2400, 1800), (235, 235, 230))
    frame.paste(Image.open(FACES / "obama_small.jpg"), (1500, 900))
    alone = engine.enrol(read_face("obama_small.jpg"))
    framed = engine.enrol(as_jpeg(frame))
    top, right, bottom, left = alone.face_box
    # HOG boxes snap to the detector's pyramid levels, so the same face can come back ~20 % larger.
    assert iou(framed.face_box, (top + 900, right + 1500, bottom + 900, left + 1500)) > 0.6
    assert engine.verify(as_jpeg(frame), alone.encoding, TOLERANCE).distance < 0.15


def test_face_below_the_minimum_size_is_refused(engine: DlibFaceEngine) -> None:
    strict = DlibFaceEngine(min_face_px=150)
    with pytest.raises(FaceRejected) as caught:
        strict.enrol(read_face("obama_small.jpg"))  # face ~103 px
    assert caught.value.code == "face_too_small"
    assert strict.enrol(read_face("obama.jpg")).face_px >= 150


def test_sideways_phone_photo_is_turned_upright_by_exif(engine: DlibFaceEngine, obama: EnrolmentResult) -> None:
    # Stored rotated 90° with orientation 8 ("rotate 90° counter-clockwise to display"), as phones do.
    stored = Image.open(FACES / "obama.jpg").transpose(Image.Transpose.ROTATE_270)
    exif = Image.Exif()
    exif[0x0112] = 8
    result = engine.verify(as_jpeg(stored, exif=exif), obama.encoding, TOLERANCE)
    assert result.passed and result.distance < 0.15


def test_encode_probe_returns_the_hashes_for_replay_checks(engine: DlibFaceEngine) -> None:
    data = read_face("obama-720p.jpg")
    encoding, validated = engine.encode_probe(data)
    assert encoding_from_bytes(encoding).shape == (128,)
    assert (validated.width, validated.height) == (1280, 720)
    again, revalidated = engine.encode_probe(data)
    assert again == encoding and revalidated.sha256 == validated.sha256


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not a photo at all", "image_type_not_allowed"),
        ((FACES / "obama.jpg").read_bytes()[:50_000], "image_unreadable"),
    ],
    ids=["text", "truncated"],
)
def test_image_errors_pass_through(engine: DlibFaceEngine, data: bytes, code: str) -> None:
    with pytest.raises(ImageRejected) as caught:
        engine.enrol(data)
    assert caught.value.code == code


def test_corrupt_stored_encoding_is_a_programming_error(engine: DlibFaceEngine) -> None:
    with pytest.raises(ValueError):
        engine.verify(read_face("obama_small.jpg"), b"\x00" * 100, TOLERANCE)


def test_concurrent_verifications_agree_with_serial_ones(engine: DlibFaceEngine, obama: EnrolmentResult) -> None:
    names = ["obama2.jpg", "biden.jpg", "obama_small.jpg", "kit_harington_john1.jpeg"]
    serial = [engine.verify(read_face(name), obama.encoding, TOLERANCE).distance for name in names]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda n: engine.verify(read_face(n), obama.encoding, TOLERANCE).distance, names))
    assert parallel == pytest.approx(serial, abs=1e-9)


def test_missing_models_raise_instead_of_quitting(monkeypatch: pytest.MonkeyPatch) -> None:
    # What happens with setuptools>=81: face_recognition_models cannot import pkg_resources.
    monkeypatch.setitem(sys.modules, "face_recognition_models", None)
    monkeypatch.setitem(sys.modules, "face_recognition", None)
    with pytest.raises(RuntimeError, match="setuptools<81"):
        engine_module._import_face_recognition()

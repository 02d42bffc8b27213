"""Face engine on face_recognition 1.3 (dlib HOG detector + ResNet encoder).

Measured on the team's 2-core machine with the photos in shared/data/faces (bench/bench_face.py):
- Detection runs on a copy scaled to ~640 px on the long side with no upsampling: 7–30 ms instead of 60–230 ms
  at full size (and 0.3–1 s with face_recognition's default upsample of 1). A face that small copy misses is
  searched once more at full size.
- Encoding uses model="small" (5-point landmarks, the alignment dlib's encoder was built for): obama.jpg vs
  the same person 0.06–0.35, vs others 0.71–0.84; "large" (68 points) gave 0.07–0.38 vs 0.70–0.85 at the same
  speed (~90 ms per face), so "small" separates slightly better.
- min_face_px=80: dlib's HOG window is 80×80, so faces found at upsample 0 are ~72 px or more. obama.jpg
  scaled until its face was 70–100 px still matched the original at 0.07–0.12, so 80 px keeps every face the
  detector reliably finds, still accepts obama_small.jpg (320×240, face 103 px, distance 0.08), and refuses
  faces cut by the image edge or at the detector's limit.
- dlib holds the GIL while it computes (four threads took as long as four serial calls), so one process-wide
  lock around the models costs no throughput; scale with processes (RQ workers), not threads.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Literal

import numpy as np
from PIL import Image

from backend.adapters.face.base import (
    EnrolmentResult,
    FaceRejected,
    VerificationResult,
    compare_encodings,
    encoding_to_bytes,
)
from backend.core.images import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    ValidatedImage,
    validate_image,
)

FaceBox = tuple[int, int, int, int]  # (top, right, bottom, left), face_recognition's order

# face_recognition keeps its dlib models in module globals, so they are shared by every engine in the process.
_models_lock = threading.Lock()
_face_api: ModuleType | None = None


def load_face_recognition() -> ModuleType:
    """Import face_recognition once (about 1 s: it loads every dlib model) and return the module."""
    global _face_api
    with _models_lock:
        if _face_api is None:
            _face_api = _import_face_recognition()
        return _face_api


def _import_face_recognition() -> ModuleType:
    # face_recognition answers a failed `import face_recognition_models` by printing a hint and calling
    # quit(), which would silently end a web or worker process. Import the models first so the cause surfaces.
    try:
        import face_recognition_models  # noqa: F401
    except Exception as exc:
        raise RuntimeError(
            "face_recognition_models cannot be imported. Install it and keep setuptools<81 in the same "
            "environment: the package imports pkg_resources, which setuptools 81 removed."
        ) from exc
    try:
        import face_recognition
    except SystemExit as exc:  # face_recognition's own quit(), should its import of the models still fail
        raise RuntimeError("face_recognition failed to load its models (face_recognition_models)") from exc
    return face_recognition


class DlibFaceEngine:
    """Thread-safe and reusable; models load on first use (or on `load()`) and stay loaded."""

    def __init__(
        self,
        min_face_px: int = 80,
        detect_long_side: int = 640,
        *,
        model: Literal["small", "large"] = "small",
        num_jitters: int = 1,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_pixels: int = DEFAULT_MAX_PIXELS,
    ) -> None:
        if min_face_px < 1 or detect_long_side < 80:
            raise ValueError("min_face_px must be positive and detect_long_side at least the 80 px HOG window")
        if model not in ("small", "large") or num_jitters < 1:
            raise ValueError('model is "small" or "large" and num_jitters at least 1')
        self.min_face_px = min_face_px
        self.detect_long_side = detect_long_side
        self.model = model
        self.num_jitters = num_jitters
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels

    def load(self) -> None:
        """Load the models now, e.g. when a worker starts, rather than on its first photo."""
        load_face_recognition()

    def enrol(self, image: bytes) -> EnrolmentResult:
        encoding, box, validated = self._encode_single_face(image)
        return EnrolmentResult(
            encoding=encoding,
            face_box=box,
            face_px=_short_side(box),
            image_sha256=validated.sha256,
            image_phash=validated.phash,
        )

    def encode_probe(self, image: bytes) -> tuple[bytes, ValidatedImage]:
        encoding, _box, validated = self._encode_single_face(image)
        return encoding, validated

    def verify(self, image: bytes, known_encoding: bytes, tolerance: float) -> VerificationResult:
        encoding, _validated = self.encode_probe(image)
        return compare_encodings(encoding, known_encoding, tolerance)

    def _encode_single_face(self, image: bytes) -> tuple[bytes, FaceBox, ValidatedImage]:
        validated = validate_image(image, max_bytes=self.max_bytes, max_pixels=self.max_pixels)
        api = load_face_recognition()
        box = self._find_single_face(api, validated.rgb)
        if _short_side(box) < self.min_face_px:
            raise FaceRejected("face_too_small")
        with _models_lock:
            encodings = api.face_encodings(
                validated.rgb, known_face_locations=[box], num_jitters=self.num_jitters, model=self.model
            )
        return encoding_to_bytes(encodings[0]), box, validated

    def _find_single_face(self, api: ModuleType, rgb: np.ndarray) -> FaceBox:
        height, width = rgb.shape[:2]
        scale = min(1.0, self.detect_long_side / max(height, width))
        boxes: list[FaceBox] = []
        if scale < 1.0:
            small_size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = np.asarray(Image.fromarray(rgb).resize(small_size, Image.Resampling.BILINEAR))
            with _models_lock:
                found = api.face_locations(small, number_of_times_to_upsample=0, model="hog")
            boxes = [_scale_box(box, 1.0 / scale, width, height) for box in found]
        if not boxes:
            # Faces below ~80 px in the scaled copy are invisible to the HOG window; look once at full size.
            with _models_lock:
                found = api.face_locations(rgb, number_of_times_to_upsample=0, model="hog")
            boxes = [_scale_box(box, 1.0, width, height) for box in found]
        if not boxes:
            raise FaceRejected("face_no_face")
        if len(boxes) > 1:
            raise FaceRejected("face_multiple_faces")
        return boxes[0]


def _scale_box(box: FaceBox, factor: float, width: int, height: int) -> FaceBox:
    top, right, bottom, left = box
    return (
        max(0, round(top * factor)),
        min(width, round(right * factor)),
        min(height, round(bottom * factor)),
        max(0, round(left * factor)),
    )


def _short_side(box: FaceBox) -> int:
    top, right, bottom, left = box
    return min(bottom - top, right - left)

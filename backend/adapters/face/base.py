"""Face enrolment and verification: the interface every face engine implements, and its results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from backend.core.images import ValidatedImage

ENCODING_DIMENSIONS = 128
# Stored encodings are 128 little-endian float64 values, so bytes written on one machine read on any other.
ENCODING_DTYPE = np.dtype("<f8")
ENCODING_BYTES = ENCODING_DIMENSIONS * ENCODING_DTYPE.itemsize

# Chinese user-facing text by code; the lead may move these into core/messages.py.
FACE_MESSAGES: dict[str, str] = {
    "face_no_face": "照片中未检测到人脸，请正对镜头、光线充足后重新拍摄。",
    "face_multiple_faces": "照片中检测到多张人脸，请确保画面中只有本人。",
    "face_too_small": "人脸在照片中过小，请靠近镜头后重新拍摄。",
    "face_mismatch": "人脸比对未通过，与登记的人脸不一致。",
}


class FaceRejected(Exception):
    """A photo the engine refuses to enrol or compare; `code` is stable, `message` is shown to the user.

    Image problems (size, type, damage, pixel count) are raised as `backend.core.images.ImageRejected`.
    """

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message or FACE_MESSAGES.get(code, "人脸照片不符合要求。")
        super().__init__(f"{code}: {self.message}")


@dataclass(frozen=True)
class EnrolmentResult:
    encoding: bytes  # ENCODING_BYTES long, see encoding_to_bytes
    face_box: tuple[int, int, int, int]  # (top, right, bottom, left) in pixels of the upright original
    face_px: int  # short side of face_box
    image_sha256: str
    image_phash: str


@dataclass(frozen=True)
class VerificationResult:
    distance: float  # euclidean distance between encodings; same person is typically < 0.4
    passed: bool
    tolerance: float
    reason_code: str | None  # "face_mismatch" when not passed


@runtime_checkable
class FaceEngine(Protocol):
    def enrol(self, image: bytes) -> EnrolmentResult:
        """Encode the only face of an enrolment photo, or raise FaceRejected / ImageRejected."""
        ...

    def verify(self, image: bytes, known_encoding: bytes, tolerance: float) -> VerificationResult:
        """Compare the only face of a probe photo with an enrolled encoding."""
        ...

    def encode_probe(self, image: bytes) -> tuple[bytes, ValidatedImage]:
        """Encode a probe photo and return its validated image too (hashes for replay detection)."""
        ...


def encoding_to_bytes(encoding: np.ndarray) -> bytes:
    vector = np.asarray(encoding, dtype=ENCODING_DTYPE).reshape(-1)
    if vector.size != ENCODING_DIMENSIONS:
        raise ValueError(f"a face encoding has {ENCODING_DIMENSIONS} values, got {vector.size}")
    return vector.tobytes()


def encoding_from_bytes(data: bytes) -> np.ndarray:
    if len(data) != ENCODING_BYTES:
        raise ValueError(f"a stored face encoding is {ENCODING_BYTES} bytes, got {len(data)}")
    return np.frombuffer(data, dtype=ENCODING_DTYPE)


def compare_encodings(probe: bytes, known: bytes, tolerance: float) -> VerificationResult:
    """Euclidean distance decides: at or below `tolerance` is the same person (docs/design.md §4: 0.5 by default)."""
    if not tolerance > 0:
        raise ValueError("tolerance must be positive")
    distance = float(np.linalg.norm(encoding_from_bytes(probe) - encoding_from_bytes(known)))
    passed = distance <= tolerance
    return VerificationResult(
        distance=distance,
        passed=passed,
        tolerance=tolerance,
        reason_code=None if passed else "face_mismatch",
    )

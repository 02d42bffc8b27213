"""Face enrolment and verification (see base.py for the interface, engine.py for the dlib engine)."""

from backend.adapters.face.base import (
    EnrolmentResult,
    FaceEngine,
    FaceRejected,
    VerificationResult,
    compare_encodings,
    encoding_from_bytes,
    encoding_to_bytes,
)
from backend.adapters.face.engine import DlibFaceEngine

__all__ = [
    "DlibFaceEngine",
    "EnrolmentResult",
    "FaceEngine",
    "FaceRejected",
    "VerificationResult",
    "compare_encodings",
    "encoding_from_bytes",
    "encoding_to_bytes",
]

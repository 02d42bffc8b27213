"""Face engine timings on the shared photos: enrolment, verification and bare face_recognition, compared.

Run from the repository root: .venv/bin/python bench/bench_face.py
Each figure is the median of 3 runs, in milliseconds; a refused photo shows its refusal code after the time.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from backend.adapters.face import DlibFaceEngine, FaceRejected  # noqa: E402
from backend.adapters.face.engine import load_face_recognition  # noqa: E402
from backend.core.images import ImageRejected, validate_image  # noqa: E402

FACES = REPO_ROOT.parent / "shared" / "data" / "faces"
RUNS = 3
TOLERANCE = 0.5


def median_ms(action: Callable[[], object]) -> tuple[float, str]:
    """Median wall time of RUNS calls, and what the call answered (a distance, a count or a refusal code)."""
    times: list[float] = []
    outcome = ""
    for _ in range(RUNS):
        start = time.perf_counter()
        try:
            outcome = describe(action())
        except (FaceRejected, ImageRejected) as refusal:
            outcome = refusal.code
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), outcome


def describe(result: object) -> str:
    distance = getattr(result, "distance", None)
    if distance is not None:
        return f"d={distance:.3f}"
    face_px = getattr(result, "face_px", None)
    if face_px is not None:
        return f"face {face_px}px"
    if isinstance(result, list):
        return f"{len(result)} face(s)"
    return ""


def phone_sized_copy(directory: Path) -> Path:
    """obama.jpg enlarged to 4032×3024 on a plain frame: the size a phone camera uploads (not real data)."""
    frame = Image.new("RGB", (4032, 3024), (225, 225, 220))
    portrait = Image.open(FACES / "obama.jpg").resize((1820, 2274))
    frame.paste(portrait, (1100, 375))
    path = directory / "synthetic-4032x3024.jpg"
    frame.save(path, "JPEG", quality=90)
    return path


def main() -> None:
    start = time.perf_counter()
    face_recognition = load_face_recognition()
    print(f"model load (import face_recognition): {(time.perf_counter() - start) * 1000:.0f} ms")

    engine = DlibFaceEngine()
    reference = engine.enrol((FACES / "obama.jpg").read_bytes())
    print(f"engine: min_face_px={engine.min_face_px}, detect_long_side={engine.detect_long_side}, ", end="")
    print(f"model={engine.model}; verify compares with obama.jpg at tolerance {TOLERANCE}")
    print(f"median of {RUNS} runs, ms; validate = decode + EXIF + hashes only (part of enrol and verify)")
    print("face_recognition = face_encodings(load_image_file(path)): HOG with upsample 1, every face\n")

    header = (
        f"{'photo':<27}{'size':>10} {'validate':>9} {'enrol':>7} {'':<20}{'verify':>7} {'':<20}{'face_recognition':>16}"
    )
    print(header)
    print("-" * (len(header) + 10))
    with tempfile.TemporaryDirectory() as scratch:
        paths = [p for p in sorted(FACES.iterdir()) if p.suffix.lower() in {".jpg", ".jpeg", ".png"}]
        for path in [*paths, phone_sized_copy(Path(scratch))]:
            data = path.read_bytes()
            validate_ms, _ = median_ms(lambda data=data: validate_image(data))
            enrol_ms, enrol_outcome = median_ms(lambda data=data: engine.enrol(data))
            verify_ms, verify_outcome = median_ms(lambda data=data: engine.verify(data, reference.encoding, TOLERANCE))
            bare_ms, bare_outcome = median_ms(
                lambda path=path: face_recognition.face_encodings(face_recognition.load_image_file(path))
            )
            with Image.open(path) as image:
                size = f"{image.width}×{image.height}"
            print(
                f"{path.name:<27}{size:>10} {validate_ms:>9.0f} {enrol_ms:>7.0f} {enrol_outcome:<20}"
                f"{verify_ms:>7.0f} {verify_outcome:<20}{bare_ms:>7.0f} {bare_outcome}"
            )


if __name__ == "__main__":
    main()

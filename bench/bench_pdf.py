"""Conclusion-document PDF budget (DESIGN §8: 3 pages, CJK font embedded, QR ≤ 150 ms to render).

Run: .venv/bin/python bench/bench_pdf.py [N]
Renders the three-page 维护保养记录 of the tests (45 items, 3 defects, two signatures with 执业印章, org seal,
signed QR) N times and the A5 维保标识 N times; prints the one-off cold start, median and p95 in ms.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pypdf import PdfReader

from backend.core.signing import TokenSigner, generate_keypair
from backend.modules.documents.rendering import render_conclusion_pdf, render_maintenance_notice_pdf
from tests.documents.test_rendering import make_notice_view, make_signed_view

BUDGET_MS = 150.0


def timed(render: Callable[[], bytes]) -> tuple[float, bytes]:
    start = time.perf_counter()
    pdf = render()
    return (time.perf_counter() - start) * 1000, pdf


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    return f"median {median:7.1f} ms   p95 {p95:7.1f} ms   min {ordered[0]:6.1f}   max {ordered[-1]:6.1f}"


def main(runs: int) -> None:
    private_pem, _ = generate_keypair()
    view = make_signed_view(TokenSigner(private_pem, "bench"))
    notice = make_notice_view()

    cold_ms, pdf = timed(lambda: render_conclusion_pdf(view))  # font file parsed once per process here
    pages = len(PdfReader(__import__("io").BytesIO(pdf)).pages)
    conclusion = [timed(lambda: render_conclusion_pdf(view))[0] for _ in range(runs)]
    notices = [timed(lambda: render_maintenance_notice_pdf(notice))[0] for _ in range(runs)]

    print(f"conclusion document: {pages} pages, {len(view.items)} items, {len(pdf) / 1024:.0f} KiB, N={runs}")
    print(f"  cold first render (font parse + QR encode) {cold_ms:7.1f} ms")
    print(f"  warm                 {summary(conclusion)}")
    verdict = "within" if statistics.median(conclusion) <= BUDGET_MS else "OVER"
    print(f"  budget {BUDGET_MS:.0f} ms: {verdict}")
    print(f"维保标识 (A5):           {summary(notices)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)

"""List endpoints at 1× and 10× the Shanghai-scale data: keyset pagination and the right indexes keep a page
as fast at 20 million visits as at 2 million (DESIGN.md section 8: "list endpoints take the same time at 10×
the data").

    .venv/bin/python bench/generate_shanghai.py --scale 1     # fire_shanghai_1x
    .venv/bin/python bench/generate_shanghai.py --scale 10    # fire_shanghai_10x
    .venv/bin/python bench/bench_lists.py [--runs 30]

Each list is read as a district supervisor (徐汇, 310104) and as the corps: the first page, and the 25th page
reached by following the cursors. Times are medians of whole requests through the Flask app (token, access
gate, query, JSON) on each database, the two databases alternating request by request; the median and the
best of the runs are printed (the best shows the cost without whatever else the machine was doing).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEEP_PAGE = 25


def lists(org_id: int) -> dict[str, str]:
    return {
        "projects": "/api/v1/projects?limit=20",
        "visits": "/api/v1/visits?limit=20",
        "warnings": "/api/v1/monitoring/warnings?limit=20",
        "org timeline": f"/api/v1/timeline/organizations/{org_id}?limit=20",
    }


def paired(one: Setup, ten: Setup, urls: tuple[str, str], viewer: str, runs: int) -> list[list[float]]:
    """Request times (ms) of the same list on both databases, alternating request by request so that any other
    load on the machine weighs on both alike."""
    sides = ((one, urls[0]), (ten, urls[1]))
    for side, url in sides:
        for _ in range(3):
            side.client.get(url, headers=side.headers[viewer])
    times: list[list[float]] = [[], []]
    for _ in range(runs):
        for index, (side, url) in enumerate(sides):
            started = time.perf_counter()
            response = side.client.get(url, headers=side.headers[viewer])
            times[index].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.get_json())
    return times


def deep_url(client: Any, url: str, headers: dict[str, str]) -> str:
    """The URL of the DEEP_PAGE-th page, reached by following next_cursor like a client does."""
    current = url
    for _ in range(DEEP_PAGE - 1):
        cursor = client.get(current, headers=headers).get_json()["next_cursor"]
        assert cursor, f"{url}: fewer than {DEEP_PAGE} pages"
        current = f"{url}&cursor={cursor}"
    return current


@dataclass
class Setup:
    client: Any
    headers: dict[str, dict[str, str]]
    org_id: int
    sizes: dict[str, int]


def setup(url: str) -> Setup:
    """An app on the database, a token for each viewer, and the 徐汇 organisation with the most events."""
    import sqlalchemy as sa

    from config import normalise_db_url

    os.environ["TEST_DATABASE_URL_EFFECTIVE"] = normalise_db_url(url)
    from backend import create_app
    from backend.core.db import db
    from backend.modules.accounts.models import User, UserRole
    from backend.modules.accounts.services import _issue_tokens

    app = create_app("testing")
    with app.app_context():
        sizes = {
            table: int(db.session.scalar(sa.text(f"SELECT reltuples::bigint FROM pg_class WHERE relname = '{table}'")))
            for table in ("projects", "site_visits", "monitoring_warnings", "timeline_events")
        }
        viewers = {
            "310104": sa.select(UserRole.user_id).where(
                UserRole.role == "supervisor", UserRole.jurisdiction == "310104"
            ),
            "corps": sa.select(UserRole.user_id).where(UserRole.role == "corps_admin"),
        }
        headers = {
            name: {"Authorization": f"Bearer {_issue_tokens(db.session.get(User, db.session.scalar(q))).access_token}"}
            for name, q in viewers.items()
        }
        org_id = db.session.scalar(
            sa.text(
                "SELECT e.org_id FROM timeline_events e JOIN organizations o ON o.id = e.org_id"
                " WHERE o.district_code = '310104' GROUP BY e.org_id ORDER BY count(*) DESC LIMIT 1"
            )
        )
        db.session.remove()
    return Setup(app.test_client(), headers, org_id, sizes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url1", default="postgresql://postgres@127.0.0.1:5432/fire_shanghai_1x")
    parser.add_argument("--url10", default="postgresql://postgres@127.0.0.1:5432/fire_shanghai_10x")
    parser.add_argument("--runs", type=int, default=30)
    opts = parser.parse_args()
    one, ten = setup(opts.url1), setup(opts.url10)
    for table in one.sizes:
        print(f"{table:20} 1×: {one.sizes[table]:>12,}   10×: {ten.sizes[table]:>12,}")
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print(f"\n{'list':14} {'viewer':8} {'page':8} {'1× median':>10} {'10× median':>10} {'1× best':>8} {'10× best':>8}")
    worst = 0.0
    for viewer in one.headers:
        for name, first in lists(one.org_id).items():
            ten_first = lists(ten.org_id)[name]
            pages = {
                "page 1": (first, ten_first),
                f"page {DEEP_PAGE}": (
                    deep_url(one.client, first, one.headers[viewer]),
                    deep_url(ten.client, ten_first, ten.headers[viewer]),
                ),
            }
            for page, urls in pages.items():
                base, tenfold = paired(one, ten, urls, viewer, opts.runs)
                ratio = statistics.median(tenfold) / statistics.median(base)
                worst = max(worst, ratio)
                print(
                    f"{name:14} {viewer:8} {page:8} {statistics.median(base):10.1f} {statistics.median(tenfold):10.1f}"
                    f" {min(base):8.1f} {min(tenfold):8.1f}   10×/1× {ratio:.2f}"
                )
    print(f"\nworst 10×/1× ratio of medians: {worst:.2f}; load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""List endpoints at 1× and 10× the Shanghai-scale data: keyset pagination and the right indexes keep a page
as fast at 20 million visits as at 2 million (DESIGN.md section 8: "list endpoints take the same time at 10×
the data").

    .venv/bin/python bench/generate_shanghai.py --scale 1     # fire_shanghai_1x
    .venv/bin/python bench/generate_shanghai.py --scale 10    # fire_shanghai_10x
    .venv/bin/python bench/bench_lists.py [--runs 30]

Each list is read as a district supervisor (徐汇, 310104) and as the corps: the first page, and the 25th page
reached by following the cursors. Times are medians of whole requests through the Flask app (token, access
gate, query, JSON) on each database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
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


def median_ms(client: Any, url: str, headers: dict[str, str], runs: int) -> float:
    for _ in range(3):
        client.get(url, headers=headers)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.get_json())
    return statistics.median(times)


def deep_url(client: Any, url: str, headers: dict[str, str]) -> str:
    """The URL of the DEEP_PAGE-th page, reached by following next_cursor like a client does."""
    current = url
    for _ in range(DEEP_PAGE - 1):
        cursor = client.get(current, headers=headers).get_json()["next_cursor"]
        assert cursor, f"{url}: fewer than {DEEP_PAGE} pages"
        current = f"{url}&cursor={cursor}"
    return current


def measure(url: str, runs: int) -> tuple[dict[tuple[str, str, str], float], dict[str, int]]:
    import sqlalchemy as sa

    from config import normalise_db_url

    os.environ["TEST_DATABASE_URL_EFFECTIVE"] = normalise_db_url(url)
    from backend import create_app
    from backend.core.db import db
    from backend.modules.accounts.models import User, UserRole
    from backend.modules.accounts.services import _issue_tokens

    app = create_app("testing")
    client = app.test_client()
    results: dict[tuple[str, str, str], float] = {}
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
        # the 徐汇 organisation with the most timeline events
        org_id = db.session.scalar(
            sa.text(
                "SELECT e.org_id FROM timeline_events e JOIN organizations o ON o.id = e.org_id"
                " WHERE o.district_code = '310104' GROUP BY e.org_id ORDER BY count(*) DESC LIMIT 1"
            )
        )
        db.session.remove()
    for viewer, header in headers.items():
        for name, first in lists(org_id).items():
            results[(name, viewer, "page 1")] = median_ms(client, first, header, runs)
            results[(name, viewer, f"page {DEEP_PAGE}")] = median_ms(
                client, deep_url(client, first, header), header, runs
            )
    return results, sizes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url1", default="postgresql://postgres@127.0.0.1:5432/fire_shanghai_1x")
    parser.add_argument("--url10", default="postgresql://postgres@127.0.0.1:5432/fire_shanghai_10x")
    parser.add_argument("--runs", type=int, default=30)
    opts = parser.parse_args()
    one, one_sizes = measure(opts.url1, opts.runs)
    ten, ten_sizes = measure(opts.url10, opts.runs)
    for table in one_sizes:
        print(f"{table:20} 1×: {one_sizes[table]:>12,}   10×: {ten_sizes[table]:>12,}")
    print(f"\n{'list':14} {'viewer':8} {'page':8} {'1× (ms)':>9} {'10× (ms)':>9} {'10×/1×':>7}")
    worst = 0.0
    for key, base in one.items():
        ratio = ten[key] / base
        worst = max(worst, ratio)
        print(f"{key[0]:14} {key[1]:8} {key[2]:8} {base:9.1f} {ten[key]:9.1f} {ratio:7.2f}")
    print(f"\nworst 10×/1× ratio: {worst:.2f}")


if __name__ == "__main__":
    main()

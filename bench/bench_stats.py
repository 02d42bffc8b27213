"""Statistics at Shanghai scale: GET /api/v1/stats/summary (the supervisors' dashboard) beside the raw SQL
aggregates it answers from. Budget (DESIGN.md section 8): the endpoint within 2 × the raw SQL.

    .venv/bin/python bench/generate_shanghai.py            # once: fills fire_shanghai_1x
    .venv/bin/python bench/bench_stats.py [--url postgresql://postgres@127.0.0.1:5432/fire_shanghai_1x] [--runs 25]

The raw side is hand-written SQL (the same eight GROUP BY district aggregates, in one UNION ALL as the
endpoint sends them) run with psycopg on an open connection. The endpoint side is the whole request through
the Flask app (token, access gate, the SQLAlchemy statement, JSON) on the same database. Both are warmed up,
then run in turn, request by request (other load on the machine weighs on both alike), and medians are
compared. Every request pays a fixed floor (token check, actor, routing, JSON) whatever it asks; the floor is
measured as GET /api/v1/me and printed so that the statistics work itself (endpoint − floor) can be read
against the raw SQL too. The monthly trend of visits (12 months, by district) is measured the same way.
`--jobs` also times the scheduled work's queries (each warning rule over a day, every score's inputs).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DAY = "date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai'"
RAW_SUMMARY = {
    "organizations": "SELECT district_code, count(*) FROM organizations WHERE {org} status IN ('verified', 'suspended')"
    " GROUP BY district_code",
    "organizations_pending": "SELECT district_code, count(*) FROM organizations WHERE {org} status = 'submitted'"
    " GROUP BY district_code",
    "practitioners": "SELECT o.district_code, count(DISTINCT e.practitioner_id) FROM employments e"
    " JOIN organizations o ON o.id = e.org_id WHERE {o} e.status = 'active' GROUP BY o.district_code",
    "projects_in_service": "SELECT district_code, count(*) FROM projects WHERE {area}"
    " status IN ('published', 'in_service') GROUP BY district_code",
    "visits_today": "SELECT district_code, count(*) FROM site_visits WHERE {area}"
    " status IN ('checked_in', 'checked_out')"
    f" AND checked_in_at >= {DAY} AND checked_in_at < {DAY} + interval '1 day' GROUP BY district_code",
    "on_site_now": "SELECT district_code, count(*) FROM site_visits WHERE {area} status = 'checked_in'"
    " AND checked_in_at >= now() - interval '12 hours' GROUP BY district_code",
    "warnings_open": "SELECT district_code, count(*) FROM monitoring_warnings WHERE {area}"
    " status IN ('open', 'acknowledged') GROUP BY district_code",
    "penalties": "SELECT district_code, count(*) FROM penalties WHERE {area}"
    " decided_on >= date_trunc('year', now() AT TIME ZONE 'Asia/Shanghai')::date GROUP BY district_code",
}
RAW_TREND = (
    "SELECT date_trunc('month', v.checked_in_at AT TIME ZONE 'Asia/Shanghai'), v.district_code, count(*)"
    " FROM site_visits v"
    " WHERE {area} v.status IN ('checked_in', 'checked_out')"
    " AND v.checked_in_at >= %(start)s AND v.checked_in_at < %(end)s"
    " GROUP BY 1, 2"
)


def timed(func: Callable[[], Any], runs: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        func()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return times


def alternating(
    first: Callable[[], Any], second: Callable[[], Any], runs: int, warmup: int = 3
) -> tuple[list[float], list[float]]:
    """Both timed in turn, run by run, so that other load on the machine weighs on both alike."""
    for _ in range(warmup):
        first()
        second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for index, func in enumerate((first, second)):
            started = time.perf_counter()
            func()
            times[index].append((time.perf_counter() - started) * 1000)
    return times


def describe(times: list[float]) -> str:
    ordered = sorted(times)
    return (
        f"median {statistics.median(ordered):7.1f} ms  p90 {ordered[max(0, math.ceil(len(ordered) * 0.9) - 1)]:7.1f} ms"
    )


def raw_summary(conn: Any, district: str | None) -> dict[str, int]:
    area = f"district_code = '{district}' AND" if district else ""
    org = f"district_code = '{district}' AND" if district else ""
    o = f"o.district_code = '{district}' AND" if district else ""
    union = " UNION ALL ".join(
        f"SELECT '{key}', * FROM ({sql.format(area=area, org=org, o=o)}) AS {key}" for key, sql in RAW_SUMMARY.items()
    )
    totals = dict.fromkeys(RAW_SUMMARY, 0)
    for key, _district, count in conn.execute(union).fetchall():
        totals[key] += count
    return totals


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/fire_shanghai_1x")
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--trend-runs", type=int, default=5, help="runs of the 12-month trend (a full scan each)")
    parser.add_argument("--jobs", action="store_true", help="also time the scheduled scans' and scores' queries")
    opts = parser.parse_args()

    import psycopg
    import sqlalchemy as sa

    from config import normalise_db_url

    os.environ["TEST_DATABASE_URL_EFFECTIVE"] = normalise_db_url(opts.url)
    from backend import create_app
    from backend.core.db import db
    from backend.core.timeutil import today
    from backend.modules.accounts.models import User, UserRole
    from backend.modules.accounts.services import _issue_tokens
    from backend.modules.monitoring.sqlutil import month_key, month_span, months_back

    app = create_app("testing")
    client = app.test_client()
    conn = psycopg.connect(opts.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    with app.app_context():
        visits = db.session.scalar(sa.text("SELECT count(*) FROM site_visits"))
        projects = db.session.scalar(sa.text("SELECT count(*) FROM projects"))
        print(f"database: {projects:,} projects, {visits:,} site visits; load average {os.getloadavg()[0]:.2f}")
        viewers = {
            "corps": db.session.scalar(sa.select(UserRole.user_id).where(UserRole.role == "corps_admin")),
            "310104 (徐汇)": db.session.scalar(
                sa.select(UserRole.user_id).where(UserRole.role == "supervisor", UserRole.jurisdiction == "310104")
            ),
        }
        headers = {
            name: {"Authorization": f"Bearer {_issue_tokens(db.session.get(User, uid)).access_token}"}
            for name, uid in viewers.items()
        }
        keys = months_back(month_key(today()), 12)
        start, end = month_span(keys[0])[0], month_span(keys[-1])[1]

    ratios: dict[str, tuple[float, float]] = {}
    floor = timed(lambda: client.get("/api/v1/me", headers=headers["corps"]), opts.runs)
    print(f"request floor (GET /api/v1/me): {describe(floor)}")
    # /me is answered from the cached actor; a request that reads the database also pays the connection's
    # round trips (pool pre-ping, BEGIN, ROLLBACK), which the raw side, on an open autocommit connection, does not
    db_floor = timed(
        lambda: client.get("/api/v1/monitoring/notifications?limit=1", headers=headers["corps"]), opts.runs
    )
    print(f"request floor with one small query (GET /api/v1/monitoring/notifications?limit=1): {describe(db_floor)}")
    for name, header in headers.items():
        district = None if name == "corps" else name.split()[0]

        def endpoint() -> Any:
            response = client.get("/api/v1/stats/summary", headers=header)  # noqa: B023
            assert response.status_code == 200, response.get_json()
            return response.get_json()

        body = endpoint()
        served = {f["key"]: f["value"] for f in body["figures"]}
        raw = raw_summary(conn, district)
        assert served == raw, f"the endpoint and the raw SQL disagree: {served} != {raw}"
        api_times, sql_times = alternating(endpoint, lambda: raw_summary(conn, district), opts.runs)  # noqa: B023
        ratio = statistics.median(api_times) / statistics.median(sql_times)
        print(f"\nGET /api/v1/stats/summary as {name}: {served}")
        print(f"  endpoint  {describe(api_times)}")
        print(f"  raw SQL   {describe(sql_times)}")
        work = (statistics.median(api_times) - statistics.median(floor)) / statistics.median(sql_times)
        db_work = (statistics.median(api_times) - statistics.median(db_floor)) / statistics.median(sql_times)
        ratios[name] = (ratio, work, db_work)
        print(
            f"  ratio {ratio:.2f} (budget ≤ 2.00); without the request floor {work:.2f};"
            f" without the one-query floor {db_work:.2f}"
        )

        def trend() -> Any:
            response = client.get("/api/v1/stats/trends?metric=visits&months=12&by=district", headers=header)  # noqa: B023
            assert response.status_code == 200
            return response

        area = f"v.district_code = '{district}' AND" if district else ""
        trend_times, raw_trend = alternating(
            trend,
            lambda: conn.execute(RAW_TREND.format(area=area), {"start": start, "end": end}).fetchall(),  # noqa: B023
            opts.trend_runs,
            warmup=1,
        )
        print(f"GET /api/v1/stats/trends?metric=visits&months=12&by=district as {name}:")
        print(f"  endpoint  {describe(trend_times)}")
        print(f"  raw SQL   {describe(raw_trend)}")
        print(f"  ratio {statistics.median(trend_times) / statistics.median(raw_trend):.2f}")
    print("\nsummary endpoint / raw SQL (budget ≤ 2×):")
    for name, (ratio, work, db_work) in ratios.items():
        verdict = "within" if ratio <= 2 else "over"
        print(
            f"  {name:14} {ratio:5.2f} ({verdict}); endpoint − request floor {work:.2f};"
            f" endpoint − one-query floor {db_work:.2f}"
        )
    if opts.jobs:
        with app.app_context():
            background_work()


def background_work() -> None:
    """The scheduled work at this scale, read side only (nothing is written): each warning rule's detection
    over the last day (what the hourly scan does before recording findings), and the inputs of every score."""
    from datetime import timedelta

    from backend.core.db import db
    from backend.core.timeutil import to_local, utcnow
    from backend.modules.monitoring import scores
    from backend.modules.monitoring.warnings import RULES
    from backend.modules.monitoring.warnings.engine import day_window
    from backend.modules.monitoring.warnings.settings import settings_in_force

    window = day_window(utcnow() - timedelta(days=1), utcnow())
    settings = settings_in_force()
    span = f"{to_local(window.start):%Y-%m-%d %H:%M} – {to_local(window.end):%Y-%m-%d %H:%M}"
    print(f"\nwarning rules over {span} (Shanghai time; detection only):")
    total = 0.0
    for code, rule in RULES.items():
        started = time.perf_counter()
        found = rule.detect(window, settings[code])
        elapsed = (time.perf_counter() - started) * 1000
        total += elapsed
        db.session.rollback()
        print(f"  {code:28} {elapsed:8.1f} ms  {len(found):6} findings")
    print(f"  all rules                    {total:8.1f} ms")
    for kind in ("organization", "practitioner"):
        started = time.perf_counter()
        scores.gather(scores.Subjects(kind, None))
        print(f"score inputs of every {kind}: {(time.perf_counter() - started) * 1000:.0f} ms")
        db.session.rollback()


if __name__ == "__main__":
    main()

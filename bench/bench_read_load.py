"""Read endpoints under load: gunicorn + PostgreSQL on this machine, against a bare Flask JSON endpoint.

Budget (DESIGN.md section 8): ≥ 50 % of the bare endpoint's throughput. Needs PostgreSQL (TEST_DATABASE_URL or
postgresql://postgres@127.0.0.1:5432/test), Redis (REDIS_URL or redis://127.0.0.1:6379/0) and `wrk`.

    .venv/bin/python bench/bench_read_load.py [--seconds 10] [--connections 16] [--rounds 3]

The database gets the demo data (`flask demo load`) plus copies of its projects in 徐汇 (310104), so that the
district supervisor's project list has full pages. The machine is shared, so each round measures the bare endpoint
and then every API endpoint back to back; each round's ratio is against that round's bare figure, and the table
shows the median ratio and the range over the rounds.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not start")


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> float:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} non-2xx responses")
    assert match, out
    return float(match.group(1))


SEED = """
import json
import sqlalchemy as sa
from backend import create_app
from backend.core.db import db
from backend.demo import load_demo
from backend.modules.accounts.models import User, UserRole
from backend.modules.accounts.services import _issue_tokens
from backend.modules.projects.models import Project
from tests.builders.accounts import make_user

app = create_app()
with app.app_context():
    load_demo()
    # copies of the demo projects in 徐汇 so that the supervisor's list has full pages (COPIES x 16 projects)
    columns = [c.name for c in Project.__table__.columns if c.name != "id"]
    values = {"project_no": "p.project_no || '-c' || n", "district_code": "'310104'", "special_zone": "NULL"}
    select = ", ".join(values.get(c, "p." + c) for c in columns)
    db.session.execute(sa.text(
        f"INSERT INTO projects ({', '.join(columns)}) SELECT {select} FROM projects p, generate_series(1, {COPIES}) n"
    ))
    db.session.commit()
    supervisor = db.session.scalar(
        sa.select(User).join(UserRole).where(UserRole.role == "supervisor", UserRole.jurisdiction == "310104")
    )
    print(json.dumps({
        "corps_admin": make_user(roles=("corps_admin",)).access_token,
        "supervisor_310104": _issue_tokens(supervisor).access_token,
    }))
"""


def seed(env: dict[str, str], copies: int) -> dict[str, str]:
    """Demo data, the extra 徐汇 projects, and an access token for each viewer (issued as a login issues them)."""
    out = subprocess.run(
        [str(REPO / ".venv/bin/python"), "-c", f"COPIES = {copies}\n" + SEED],
        cwd=REPO,
        env={**env, "JOBS_MODE": "inline"},  # the demo loader's jobs run in the process, no worker needed
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--copies", type=int, default=5, help="copies of the demo projects put in 徐汇")
    opts = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    from config import normalise_db_url

    base = normalise_db_url(os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    name = f"fire_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(sa.make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    key = base64.b64encode(os.urandom(32)).decode()
    from backend.core.signing import generate_keypair

    signing_pem, _ = generate_keypair()
    env = {
        **os.environ,
        "APP_CONFIG": "production",
        "DATABASE_URL": url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "JWT_SECRET_KEY": base64.b64encode(os.urandom(48)).decode(),
        "SECRET_KEY": key,
        "DATA_ENCRYPTION_KEYS": f"k1:{key}",
        "DATA_ENCRYPTION_ACTIVE_KEY": "k1",
        "LOOKUP_HASH_KEY": base64.b64encode(os.urandom(32)).decode(),
        "PUBLIC_BASE_URL": "http://127.0.0.1",
        "REPORT_SIGNING_KEY_PEM": signing_pem.decode(),
        "INSTANCE_PATH": f"/tmp/{name}",
    }
    procs: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run(
            [str(REPO / ".venv/bin/alembic"), "upgrade", "head"], cwd=REPO, env=env, check=True, capture_output=True
        )
        tokens = seed(env, opts.copies)
        api_port, bare_port = free_port(), free_port()
        gunicorn = str(REPO / ".venv/bin/gunicorn")
        common = ["-w", str(opts.workers), "--log-level", "warning"]
        procs.append(
            subprocess.Popen([gunicorn, *common, "-b", f"127.0.0.1:{api_port}", "wsgi:app"], cwd=REPO, env=env)
        )
        procs.append(
            subprocess.Popen(
                [gunicorn, *common, "-b", f"127.0.0.1:{bare_port}", "bench.bare_app:app"], cwd=REPO, env=env
            )
        )
        wait_for(api_port)
        wait_for(bare_port)
        corps = {"Authorization": f"Bearer {tokens['corps_admin']}"}
        supervisor = {"Authorization": f"Bearer {tokens['supervisor_310104']}"}
        endpoints = (
            ("GET /api/v1/jurisdictions (public)", "/api/v1/jurisdictions", {}),
            ("GET /api/v1/me (JWT, user, roles)", "/api/v1/me", corps),
            ("GET /api/v1/projects?limit=20 (supervisor)", "/api/v1/projects?limit=20", supervisor),
        )
        bare_url = f"http://127.0.0.1:{bare_port}/bare"
        for _label, path, headers in endpoints:
            wrk(f"http://127.0.0.1:{api_port}{path}", 2, 4, headers)
        wrk(bare_url, 2, 4, {})
        bares: list[float] = []
        rates: dict[str, list[float]] = {label: [] for label, _, _ in endpoints}
        ratios: dict[str, list[float]] = {label: [] for label, _, _ in endpoints}
        for _ in range(opts.rounds):
            bare = wrk(bare_url, opts.seconds, opts.connections, {})
            bares.append(bare)
            for label, path, headers in endpoints:
                rps = wrk(f"http://127.0.0.1:{api_port}{path}", opts.seconds, opts.connections, headers)
                rates[label].append(rps)
                ratios[label].append(rps / bare)
        print(
            f"gunicorn -w {opts.workers}, wrk -t2 -c{opts.connections} -d{opts.seconds}s, PostgreSQL + Redis,"
            f" {opts.rounds} rounds; load average {os.getloadavg()[0]:.2f}"
        )
        print(f"{'endpoint':48} {'req/s (median)':>14} {'vs bare (median)':>17} {'range':>12}")
        print(f"{'bare Flask JSON endpoint':48} {statistics.median(bares):14.0f}")
        for label, _, _ in endpoints:
            r = ratios[label]
            print(
                f"{label:48} {statistics.median(rates[label]):14.0f} {statistics.median(r):17.0%}"
                f" {f'{min(r):.0%}–{max(r):.0%}':>12}"
            )
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(f"/tmp/{name}", ignore_errors=True)


if __name__ == "__main__":
    main()

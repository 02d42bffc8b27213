"""Read endpoints under load: gunicorn + PostgreSQL on this machine, against a bare Flask JSON endpoint.

Budget (DESIGN.md section 8): ≥ 50 % of the bare endpoint's throughput. Needs PostgreSQL (TEST_DATABASE_URL or
postgresql://postgres@127.0.0.1:5432/test), Redis (REDIS_URL or redis://127.0.0.1:6379/0) and `wrk`.

    .venv/bin/python bench/bench_read_load.py [--seconds 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
import socket
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
    deadline = time.time() + timeout
    while time.time() < deadline:
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
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
        token = (
            subprocess.run(
                [
                    str(REPO / ".venv/bin/python"),
                    "-c",
                    (
                        "from backend import create_app\n"
                        "from tests.factories import make_user\n"
                        "app = create_app()\n"
                        "with app.app_context():\n"
                        "    print(make_user(roles=('corps_admin',)).access_token)\n"
                    ),
                ],
                cwd=REPO,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
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
        auth = {"Authorization": f"Bearer {token}"}
        for warm in (f"http://127.0.0.1:{api_port}/api/v1/me", f"http://127.0.0.1:{bare_port}/bare"):
            wrk(warm, 2, 4, auth)
        bare = wrk(f"http://127.0.0.1:{bare_port}/bare", opts.seconds, opts.connections, {})
        rows = [("bare Flask JSON endpoint", bare, None)]
        for label, path, headers in (
            ("GET /api/v1/jurisdictions (public)", "/api/v1/jurisdictions", {}),
            ("GET /api/v1/me (JWT, user, roles)", "/api/v1/me", auth),
        ):
            rps = wrk(f"http://127.0.0.1:{api_port}{path}", opts.seconds, opts.connections, headers)
            rows.append((label, rps, rps / bare))
        print(f"gunicorn -w {opts.workers}, wrk -t2 -c{opts.connections} -d{opts.seconds}s, PostgreSQL + Redis")
        print(f"{'endpoint':44} {'req/s':>9} {'vs bare':>8}")
        for label, rps, ratio in rows:
            print(f"{label:44} {rps:9.0f} {'' if ratio is None else f'{ratio:7.0%}':>8}")
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(f"/tmp/{name}", ignore_errors=True)


if __name__ == "__main__":
    main()

"""Admin SPA load budget: time to first render < 2 s, and the bundle size.

Run: .venv/bin/python bench/bench_admin_load.py [N]   (needs admin/dist: bash scripts/build-admin.sh; Node 20;
Debian's chromium at /usr/bin/chromium)

Starts the real backend the way `make run` does (temporary INSTANCE_PATH with SQLite, `alembic upgrade head`,
`flask demo load`, `flask run` on a free port), then loads /admin/ in headless chromium N times with an empty
cache and again with a warm cache, and the district supervisor's dashboard (logged in through the API with the
SMS code from the outbox) until its district map has drawn. Prints medians of:
  first render  navigation start -> first screen rendered: the later of the app's mark (router resolved, page
                component mounted, next animation frame) and the browser's first contentful paint; budget 2 s
  FCP           first contentful paint alone
and the bundle: the whole build, and what the login page and the dashboard download (raw and gzip).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[1]
ADMIN = REPO / "admin"
DIST = ADMIN / "dist"
BIN = REPO / ".venv" / "bin"
BUDGET_MS = 2000.0
DISTRICT_SUPERVISOR = "13900000002"  # 黄浦, from the demo data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_backend() -> tuple[subprocess.Popen[bytes], str, dict[str, str], str]:
    instance = tempfile.mkdtemp(prefix="fire-admin-bench-")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "JOBS_MODE")}
    env |= {"INSTANCE_PATH": instance, "APP_CONFIG": "embedded"}
    subprocess.run([BIN / "alembic", "upgrade", "head"], cwd=REPO, env=env, check=True, capture_output=True)
    subprocess.run([BIN / "flask", "--app", "wsgi", "demo", "load"], cwd=REPO, env=env, check=True, capture_output=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [BIN / "flask", "--app", "wsgi", "run", "--port", str(port), "--no-reload"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/api/v1/jurisdictions", timeout=1).ok:
                return server, url, env, instance
        except requests.ConnectionError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("backend did not start")


def login(url: str, env: dict[str, str], phone: str) -> dict[str, Any]:
    requests.post(f"{url}/api/v1/auth/sms-codes", json={"phone": phone}, timeout=10).raise_for_status()
    listing = subprocess.run(
        [BIN / "flask", "--app", "wsgi", "outbox", "list", "--channel", "sms", "--json"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    messages = [json.loads(line) for line in listing.splitlines() if line.startswith("{")]
    code = next(m["payload"]["params"]["code"] for m in messages if m["recipient"] == phone)
    response = requests.post(f"{url}/api/v1/auth/sms-login", json={"phone": phone, "code": code}, timeout=10)
    response.raise_for_status()
    return dict(response.json())


def kib(n: float) -> str:
    return f"{n / 1024:8.1f} KiB"


def sizes(names: list[str]) -> tuple[int, int]:
    raw = gz = 0
    for name in set(names):
        data = (DIST / "assets" / name).read_bytes()
        raw += len(data)
        gz += len(gzip.compress(data, 9))
    return raw, gz


def median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs if r[key] is not None)


def painted(runs: list[dict[str, Any]]) -> float:
    """Time to first render as the user sees it: the app's mark or the first contentful paint, whichever is later."""
    return statistics.median(max(r["firstRender"], r["fcp"] or 0) for r in runs)


def main(runs: int) -> None:
    if not (DIST / "index.html").is_file():
        raise SystemExit("admin/dist missing: run bash scripts/build-admin.sh first")
    server, url, env, instance = start_backend()
    try:
        tokens = login(url, env, DISTRICT_SUPERVISOR)
        out = subprocess.run(
            ["node", "e2e/measure-load.mjs", url, str(runs), tokens["access_token"], tokens["refresh_token"]],
            cwd=ADMIN,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(instance, ignore_errors=True)
    result = json.loads(out.strip().splitlines()[-1])

    print(f"admin SPA load, {runs} runs each, headless chromium, Flask dev server on 127.0.0.1 (medians)")
    for label, key in (
        ("login page, empty cache", "login_cold"),
        ("login page, warm cache ", "login_warm"),
        ("黄浦 dashboard, empty cache", "dashboard_cold"),
    ):
        samples = result[key]
        first = painted(samples)
        verdict = "OK" if first < BUDGET_MS else "OVER BUDGET"
        extra = f"   map drawn {median(samples, 'ready'):6.0f} ms" if key == "dashboard_cold" else ""
        print(
            f"  {label:28s} first render {first:6.0f} ms  FCP {median(samples, 'fcp'):6.0f} ms"
            f"  ({samples[0]['requests']} requests){extra}   budget {BUDGET_MS:.0f} ms: {verdict}"
        )

    files = [p for p in DIST.rglob("*") if p.is_file()]
    total_raw = sum(p.stat().st_size for p in files)
    total_gz = sum(len(gzip.compress(p.read_bytes(), 9)) for p in files)
    js = [p for p in files if p.suffix == ".js"]
    css = [p for p in files if p.suffix == ".css"]
    print("bundle (admin/dist)")
    print(f"  whole build          {len(files):3d} files {kib(total_raw)} raw {kib(total_gz)} gzip")
    print(f"  JavaScript           {len(js):3d} files {kib(sum(p.stat().st_size for p in js))} raw")
    print(f"  CSS                  {len(css):3d} files {kib(sum(p.stat().st_size for p in css))} raw")
    for label, key in (("login page loads", "login_cold"), ("dashboard loads", "dashboard_cold")):
        raw, gz = sizes(result[key][0]["scripts"])
        print(f"  {label:20s} {len(set(result[key][0]['scripts'])):3d} scripts {kib(raw)} raw {kib(gz)} gzip")
    biggest = max(js, key=lambda p: p.stat().st_size)
    print(f"  largest chunk        {biggest.name} {kib(biggest.stat().st_size)} (ECharts map, dashboard only)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)

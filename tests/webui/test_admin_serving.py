"""The admin SPA as Flask serves it: index.html for client-side routes, hashed assets cached for a year,
missing files answered 404 (never index.html), and a clear 503 before the SPA is built."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

INDEX = """<!doctype html>
<html lang="zh-CN"><head><meta charset="UTF-8"><title>监督管理</title>
<script type="module" crossorigin src="/admin/assets/index-Bx7Kq2aZ.js"></script>
<link rel="stylesheet" crossorigin href="/admin/assets/index-C1dE9fGh.css">
</head><body><div id="app"></div></body></html>
"""
SCRIPT = "console.log('监督管理端')\n"
REAL_DIST = Path(__file__).resolve().parents[2] / "admin" / "dist"


@pytest.fixture
def dist(app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX, encoding="utf-8")
    (tmp_path / "assets" / "index-Bx7Kq2aZ.js").write_text(SCRIPT, encoding="utf-8")
    (tmp_path / "assets" / "index-C1dE9fGh.css").write_text("body{margin:0}", encoding="utf-8")
    (tmp_path / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\n", encoding="utf-8")
    monkeypatch.setitem(app.config, "ADMIN_DIST_DIR", str(tmp_path))
    return tmp_path


def test_index_is_served_and_revalidated(client: Any, dist: Path) -> None:
    response = client.get("/admin/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    body = response.get_data(as_text=True)
    assert '<script type="module" crossorigin src="/admin/assets/index-Bx7Kq2aZ.js">' in body


def test_login_page_learns_that_sms_goes_to_the_outbox(client: Any, dist: Path) -> None:
    body = client.get("/admin/login").get_data(as_text=True)
    assert '<meta name="fire-sms-backend" content="simulator"></head>' in body


@pytest.mark.parametrize("path", ["/admin/login", "/admin/dashboard", "/admin/corps/supervisors", "/admin/a/b/c/d"])
def test_client_side_routes_answer_with_index(client: Any, dist: Path, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.get_data() == client.get("/admin/").get_data()


def test_bare_admin_redirects_to_the_slash(client: Any, dist: Path) -> None:
    response = client.get("/admin")
    assert response.status_code in (301, 308)
    assert response.headers["Location"].endswith("/admin/")


def test_unchanged_index_answers_304(client: Any, dist: Path) -> None:
    etag = client.get("/admin/").headers["ETag"]
    assert client.get("/admin/dashboard", headers={"If-None-Match": etag}).status_code == 304
    (dist / "index.html").write_text(INDEX.replace("Bx7Kq2aZ", "Zz9Yy8Xx"), encoding="utf-8")
    changed = client.get("/admin/dashboard", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "index-Zz9Yy8Xx.js" in changed.get_data(as_text=True)


def test_hashed_assets_are_cached_for_a_year(client: Any, dist: Path) -> None:
    response = client.get("/admin/assets/index-Bx7Kq2aZ.js")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == SCRIPT
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_other_build_files_get_a_short_cache(client: Any, dist: Path) -> None:
    response = client.get("/admin/robots.txt")
    assert response.status_code == 200
    assert "max-age=3600" in response.headers["Cache-Control"]
    assert "immutable" not in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/admin/assets/index-Deleted1.js", "/admin/assets/", "/admin/favicon.ico"])
def test_missing_files_are_404_not_index(client: Any, dist: Path, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


@pytest.mark.parametrize(
    "path", ["/admin/../wsgi.py", "/admin/assets/..%2F..%2Fwsgi.py", "/admin/%2e%2e/%2e%2e/config/__init__.py"]
)
def test_no_file_outside_the_build_is_served(client: Any, dist: Path, path: str) -> None:
    response = client.get(path)
    body = response.get_data(as_text=True)
    assert "create_app" not in body
    assert "normalise_db_url" not in body


def test_unbuilt_spa_answers_503_with_the_build_command(
    client: Any, app: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.config, "ADMIN_DIST_DIR", str(tmp_path / "missing"))
    response = client.get("/admin/dashboard")
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "scripts/build-admin.sh" in body
    assert "管理端尚未构建" in body


def test_the_api_is_not_shadowed(client: Any, dist: Path) -> None:
    response = client.get("/api/v1/jurisdictions")
    assert response.status_code == 200
    assert {j["code"] for j in response.get_json()} >= {"corps", "310101", "chem"}


@pytest.mark.skipif(not (REAL_DIST / "index.html").is_file(), reason="admin/dist not built (scripts/build-admin.sh)")
def test_every_asset_of_the_real_build_is_served(client: Any, app: Any, monkeypatch: Any) -> None:
    monkeypatch.setitem(app.config, "ADMIN_DIST_DIR", str(REAL_DIST))
    index = client.get("/admin/").get_data(as_text=True)
    referenced = re.findall(r'(?:src|href)="(/admin/assets/[^"]+)"', index)
    assert any(p.endswith(".js") for p in referenced)
    bundled = sorted((REAL_DIST / "assets").iterdir())
    # The district outlines ship inside the build as a hashed asset (no map tiles are reachable).
    assert any(p.name.startswith("shanghai_districts_wgs84-") for p in bundled)
    for path in referenced + [f"/admin/assets/{p.name}" for p in bundled]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "immutable" in response.headers["Cache-Control"], path

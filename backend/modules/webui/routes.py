"""Plain Flask routes outside the OpenAPI document: the admin SPA at /admin/ and the public pages at /public/.

The SPA is a static build (admin/dist, `scripts/build-admin.sh`). Its hashed assets never change under the same
name, so they are cached for a year; index.html is revalidated on every load so a new build is picked up at once.
Client-side routes (/admin/corps/supervisors …) all answer with index.html.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, render_template, request, send_from_directory

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DIST = REPO_ROOT / "admin" / "dist"
ASSET_MAX_AGE = 365 * 24 * 3600
# The SPA loads only its own files and talks only to this origin; Element Plus sets inline styles.
ADMIN_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
PUBLIC_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)

admin_bp = Blueprint("webui_admin", __name__, url_prefix="/admin")
public_bp = Blueprint("webui_public", __name__, url_prefix="/public", template_folder="templates")


def dist_dir() -> Path:
    return Path(current_app.config.get("ADMIN_DIST_DIR") or DEFAULT_DIST)


def _looks_like_file(path: str) -> bool:
    """A missing /admin/assets/x.js must be a 404, not index.html parsed as JavaScript."""
    return path.startswith("assets/") or "." in path.rsplit("/", 1)[-1]


def _not_built() -> Response:
    html = render_template("webui/admin_missing.html", dist=str(dist_dir()))
    response = Response(html, status=503, mimetype="text/html")
    response.headers["Retry-After"] = "60"
    response.headers["Cache-Control"] = "no-store"
    return response


def _index_html(index: Path) -> bytes:
    """index.html with the runtime facts the login page needs (whether SMS codes go to the outbox)."""
    meta = f'<meta name="fire-sms-backend" content="{current_app.config.get("SMS_BACKEND", "")}">'
    return index.read_bytes().replace(b"</head>", meta.encode() + b"</head>", 1)


@admin_bp.get("/", defaults={"path": ""})
@admin_bp.get("/<path:path>")
def admin(path: str) -> Any:
    dist = dist_dir()
    index = dist / "index.html"
    if not index.is_file():
        return _not_built()
    if path and (dist / path).is_file() and path != "index.html":
        max_age = ASSET_MAX_AGE if path.startswith("assets/") else 3600
        response = send_from_directory(dist, path, max_age=max_age)
        if path.startswith("assets/"):
            response.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}, immutable"
        return response
    if path and _looks_like_file(path):
        abort(404)
    body = _index_html(index)
    response = Response(body, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.headers["Content-Security-Policy"] = ADMIN_CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response.make_conditional(request)


@public_bp.get("/")
def landing() -> Any:
    from .search import search_kinds

    response = Response(render_template("webui/landing.html", kinds=search_kinds()), mimetype="text/html")
    response.headers["Content-Security-Policy"] = PUBLIC_CSP
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def register_plain(app: Flask) -> None:
    """Called by module discovery (backend/modules/__init__.py)."""
    for bp in (admin_bp, public_bp):
        if bp.name not in app.blueprints:
            app.register_blueprint(bp)

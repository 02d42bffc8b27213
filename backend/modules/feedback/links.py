"""Signed links for client contacts, who have no account: the feedback page link (one-time binding of the
contact's WeChat openid) and the QR scene string that binds a contact by scanning (≤ 64 characters)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from backend.core.timeutil import utcnow

LINK_SALT = "feedback-link"
SCENE_PREFIX = "b"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def public_base_url() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def link_token(feedback_id: int, nonce: str) -> str:
    return str(_serializer().dumps({"f": feedback_id, "n": nonce}))


def read_link_token(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, dict) else None


def feedback_page_path(feedback_id: int) -> str:
    return f"/wx/feedback/{feedback_id}"


def feedback_url(feedback_id: int, nonce: str) -> str:
    return f"{public_base_url()}{feedback_page_path(feedback_id)}?k={link_token(feedback_id, nonce)}"


def _mac(payload: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"contact-binding:{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()[:16]


def binding_scene(project_id: int, expires_at: datetime) -> str:
    """b<project id>.<expiry, unix minutes in base 36>.<96-bit MAC>: WeChat's scene_str allows 64 characters."""
    payload = f"{SCENE_PREFIX}{project_id}.{_base36(int(expires_at.timestamp()) // 60)}"
    return f"{payload}.{_mac(payload)}"


def read_binding_scene(scene: str | None) -> int | None:
    """The project whose contact a scanned scene binds, or None for any other scene (or a forged one)."""
    if not scene or not scene.startswith(SCENE_PREFIX) or scene.count(".") != 2:
        return None
    payload, _, mac = scene.rpartition(".")
    if not hmac.compare_digest(mac, _mac(payload)):
        return None
    project_part, _, expiry = payload.partition(".")
    try:
        project_id, expires_minute = int(project_part[len(SCENE_PREFIX) :]), int(expiry, 36)
    except ValueError:
        return None
    if expires_minute * 60 < utcnow().timestamp():
        return None
    return project_id


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out

"""Extension singletons, initialised by create_app. Imports nothing of ours, so core may use it (the Api, which
needs core's error shape, is backend.core.api.api)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_jwt_extended import JWTManager

jwt = JWTManager()

_fake_redis: Any = None


def redis_connection() -> Any:
    """Real Redis when REDIS_URL is configured; otherwise one in-process fakeredis (embedded default)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    conn = app.extensions.get("redis")
    if conn is not None:
        return conn
    url = app.config.get("REDIS_URL")
    if url:
        import redis

        conn = redis.Redis.from_url(url)
    else:
        global _fake_redis
        if _fake_redis is None:
            import fakeredis

            _fake_redis = fakeredis.FakeRedis()
        conn = _fake_redis
    app.extensions["redis"] = conn
    return conn

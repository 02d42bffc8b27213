"""Who the caller is, without a database round trip on every request.

The actor (roles, organisations, jurisdiction, permissions) is cached per session for a short time. It is
trusted only while the user's current token version (published on every role change) equals the token's, and
the session is not revoked — both read in the same round trip as the cached actor. Redis when configured
(shared by all web processes); otherwise a process-local dict (the embedded default runs one process, and its
role changes and logouts happen in that same process).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from flask import current_app

from backend.core.access import Actor

TTL_SECONDS = 60


def _redis() -> Any | None:
    if not current_app.config.get("REDIS_URL"):
        return None
    from backend.extensions import redis_connection

    return redis_connection()


class _Local:
    lock = threading.Lock()
    data: dict[str, tuple[float, str]] = {}

    @classmethod
    def get(cls, key: str) -> str | None:
        with cls.lock:
            found = cls.data.get(key)
            if found is None or found[0] < time.monotonic():
                cls.data.pop(key, None)
                return None
            return found[1]

    @classmethod
    def set(cls, key: str, value: str, ttl: int) -> None:
        with cls.lock:
            if len(cls.data) > 50_000:
                cls.data.clear()
            cls.data[key] = (time.monotonic() + ttl, value)


def _keys(user_id: int, sid: str) -> tuple[str, str, str]:
    return f"actor:{user_id}:{sid}", f"uver:{user_id}", f"revoked:{sid}"


def _dump(actor: Actor) -> str:
    return json.dumps(
        [actor.user_id, sorted(actor.roles), sorted(actor.org_ids), actor.jurisdiction, sorted(actor.permissions)]
    )


def _load(raw: str | bytes) -> Actor:
    user_id, roles, org_ids, jurisdiction, permissions = json.loads(raw)
    return Actor(user_id, frozenset(roles), frozenset(org_ids), jurisdiction, frozenset(permissions))


def get(user_id: int, sid: str, version: int) -> Actor | None:
    actor_key, ver_key, revoked_key = _keys(user_id, sid)
    redis = _redis()
    if redis is not None:
        raw, current_version, revoked = redis.mget(actor_key, ver_key, revoked_key)
    else:
        raw, current_version, revoked = _Local.get(actor_key), _Local.get(ver_key), _Local.get(revoked_key)
    if raw is None or revoked is not None or current_version is None or int(current_version) != version:
        return None
    return _load(raw)


def put(actor: Actor, sid: str, version: int) -> None:
    assert actor.user_id is not None
    actor_key, ver_key, _ = _keys(actor.user_id, sid)
    redis = _redis()
    if redis is not None:
        pipe = redis.pipeline()
        pipe.set(actor_key, _dump(actor), ex=TTL_SECONDS)
        pipe.set(ver_key, version, ex=TTL_SECONDS * 10, nx=True)
        pipe.execute()
    else:
        _Local.set(actor_key, _dump(actor), TTL_SECONDS)
        if _Local.get(ver_key) is None:
            _Local.set(ver_key, str(version), TTL_SECONDS * 10)


def publish_version(user_id: int, version: int) -> None:
    """After a role change commits: every cached actor of this user stops being trusted."""
    _, ver_key, _ = _keys(user_id, "")
    redis = _redis()
    if redis is not None:
        redis.set(ver_key, version, ex=TTL_SECONDS * 10)
    else:
        _Local.set(ver_key, str(version), TTL_SECONDS * 10)


def publish_revoked(sid: str, ttl_seconds: int) -> None:
    _, _, revoked_key = _keys(0, sid)
    redis = _redis()
    if redis is not None:
        redis.set(revoked_key, "1", ex=ttl_seconds)
    else:
        _Local.set(revoked_key, "1", ttl_seconds)

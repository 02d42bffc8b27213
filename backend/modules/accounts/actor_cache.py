"""Who the caller is, without a database round trip on every request.

The actor (roles, organisations, jurisdiction, permissions) is cached per session for a short time, stamped
with the user's current "stamp", a random value replaced on every change to the user's roles or tokens. A cached
actor is trusted only while its stamp is the current one, the token's version is the one it was cached for, and
the session is not revoked — all read in one round trip. Redis when configured (shared by all web processes);
otherwise a process-local dict (the embedded default runs one process, whose role changes and logouts happen in
that same process).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

from flask import current_app

from backend.core.access import Actor

TTL_SECONDS = 60
STAMP_TTL_SECONDS = 24 * 3600


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


def _text(value: Any) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _mget(*keys: str) -> list[str | None]:
    redis = _redis()
    if redis is not None:
        return [_text(v) for v in redis.mget(*keys)]
    return [_Local.get(k) for k in keys]


def _set(key: str, value: str, ttl: int) -> None:
    redis = _redis()
    if redis is not None:
        redis.set(key, value, ex=ttl)
    else:
        _Local.set(key, value, ttl)


def get(user_id: int, sid: str, version: int) -> Actor | None:
    raw, stamp, revoked = _mget(f"actor:{user_id}:{sid}", f"ustamp:{user_id}", f"revoked:{sid}")
    if raw is None or stamp is None or revoked is not None:
        return None
    cached_stamp, cached_version, uid, roles, org_ids, jurisdiction, permissions = json.loads(raw)
    if cached_stamp != stamp or cached_version != version:
        return None
    return Actor(uid, frozenset(roles), frozenset(org_ids), jurisdiction, frozenset(permissions))


def put(actor: Actor, sid: str, version: int) -> None:
    assert actor.user_id is not None
    (stamp,) = _mget(f"ustamp:{actor.user_id}")
    if stamp is None:
        stamp = uuid.uuid4().hex
        _set(f"ustamp:{actor.user_id}", stamp, STAMP_TTL_SECONDS)
    value = json.dumps(
        [
            stamp,
            version,
            actor.user_id,
            sorted(actor.roles),
            sorted(actor.org_ids),
            actor.jurisdiction,
            sorted(actor.permissions),
        ]
    )
    _set(f"actor:{actor.user_id}:{sid}", value, TTL_SECONDS)


def user_changed(user_id: int) -> None:
    """After a change to a user's roles or tokens commits: every cached actor of that user is dropped."""
    _set(f"ustamp:{user_id}", uuid.uuid4().hex, STAMP_TTL_SECONDS)


def session_revoked(sid: str, ttl_seconds: int) -> None:
    _set(f"revoked:{sid}", "1", ttl_seconds)

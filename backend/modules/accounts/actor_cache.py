"""Who the caller is, without a database round trip on every request.

The actor (roles, organisations, jurisdiction, permissions) and the small profile `/me` shows are cached per
session for a short time, stamped with the user's current "stamp", a random value replaced after every committed
change to the user's row or roles (see `watch_user_changes`) and on every change to their tokens. A cached actor is
trusted only while its stamp is the current one, the token's version is the one it was cached for, and the
session is not revoked — all read in one round trip. Redis when configured (shared by all web processes);
otherwise a process-local dict (the embedded default runs one process, whose role changes and logouts happen in
that same process).

The stamp is read before the database is: an entry is stored under the stamp seen then, so a change that commits
while the actor is being loaded leaves an entry that is never trusted, rather than a stale one.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from backend.core.access import Actor

TTL_SECONDS = 60
STAMP_TTL_SECONDS = 24 * 3600
# Entries carry the profile since version 2; a new prefix keeps processes of the previous release (during a
# rolling restart) from reading entries of the other shape.
ACTOR_KEY = "actor2"


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


def lookup(user_id: int, sid: str, version: int) -> tuple[Actor | None, str | None]:
    """The cached actor if still trusted (None otherwise), and the user's current stamp (None if none yet).

    A trusted actor carries the cached profile in `actor.extra["profile"]`."""
    raw, stamp, revoked = _mget(f"{ACTOR_KEY}:{user_id}:{sid}", f"ustamp:{user_id}", f"revoked:{sid}")
    if raw is None or stamp is None or revoked is not None:
        return None, stamp
    cached_stamp, cached_version, uid, roles, org_ids, jurisdiction, permissions, profile = json.loads(raw)
    if cached_stamp != stamp or cached_version != version:
        return None, stamp
    actor = Actor(
        uid, frozenset(roles), frozenset(org_ids), jurisdiction, frozenset(permissions), extra={"profile": profile}
    )
    return actor, stamp


def get(user_id: int, sid: str, version: int) -> Actor | None:
    return lookup(user_id, sid, version)[0]


def current_stamp(user_id: int, seen: str | None) -> str:
    """The stamp to store an entry under: the one seen before the database was read, or a new one set now (before
    the database is read)."""
    if seen is not None:
        return seen
    stamp = uuid.uuid4().hex
    _set(f"ustamp:{user_id}", stamp, STAMP_TTL_SECONDS)
    return stamp


def put(actor: Actor, sid: str, version: int, stamp: str, profile: dict[str, Any]) -> None:
    """Cache an actor loaded from the database under the stamp read before that load (`current_stamp`)."""
    assert actor.user_id is not None
    value = json.dumps(
        [
            stamp,
            version,
            actor.user_id,
            sorted(actor.roles),
            sorted(actor.org_ids),
            actor.jurisdiction,
            sorted(actor.permissions),
            profile,
        ],
        ensure_ascii=False,
    )
    _set(f"{ACTOR_KEY}:{actor.user_id}:{sid}", value, TTL_SECONDS)


def user_changed(user_id: int) -> None:
    """After a change to a user's row, roles or tokens commits: every cached actor of that user is dropped."""
    _set(f"ustamp:{user_id}", uuid.uuid4().hex, STAMP_TTL_SECONDS)


def session_revoked(sid: str, ttl_seconds: int) -> None:
    _set(f"revoked:{sid}", "1", ttl_seconds)


# --- invalidation on every committed change to a user or their roles --------------------------------------

_CHANGED = "accounts_changed_users"


def _note_change(session: Session | None, user_id: int | None) -> None:
    if session is not None and user_id is not None:
        session.info.setdefault(_CHANGED, set()).add(user_id)


def _after_commit(session: Session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if changed and has_app_context():
        for user_id in sorted(changed):
            user_changed(user_id)


def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def _on_user(mapper: Any, connection: Any, target: Any) -> None:
    _note_change(sa.orm.object_session(target), target.id)


def _on_role(mapper: Any, connection: Any, target: Any) -> None:
    user_id = target.user_id
    if user_id is None and target.user is not None:
        user_id = target.user.id
    _note_change(sa.orm.object_session(target), user_id)


_ROW_EVENTS = ("after_insert", "after_update", "after_delete")


def watch_user_changes() -> None:
    """Any module may change a user through the ORM (a display name set by the real-name module, a role granted
    by an import): whatever the path, the user's stamp is replaced once that change commits, so the cached actor
    and profile are never served past it. Installed by `accounts.hooks.install` (the app factory); idempotent,
    since the listeners are global and create_app may run many times in one process."""
    from .models import User, UserRole

    listeners: list[tuple[Any, str, Callable[..., None]]] = [(User, event, _on_user) for event in _ROW_EVENTS]
    listeners += [(UserRole, event, _on_role) for event in _ROW_EVENTS]
    listeners += [(Session, "after_commit", _after_commit), (Session, "after_rollback", _after_rollback)]
    for target, event, handler in listeners:
        if not sa.event.contains(target, event, handler):
            sa.event.listen(target, event, handler)

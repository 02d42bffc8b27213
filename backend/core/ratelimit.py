"""Fixed-window counters in Redis (or the embedded in-process fakeredis)."""

from __future__ import annotations

from backend.extensions import redis_connection

from .errors import RateLimited


def hit(key: str, limit: int, window_seconds: int) -> int:
    """Count one event; return how many happened in the window (including this one)."""
    conn = redis_connection()
    full = f"rl:{key}"
    pipe = conn.pipeline()
    pipe.incr(full)
    pipe.expire(full, window_seconds, nx=True)
    count, _ = pipe.execute()
    return int(count)


def enforce(key: str, limit: int, window_seconds: int, code: str = "rate_limited") -> None:
    count = hit(key, limit, window_seconds)
    if count > limit:
        ttl = redis_connection().ttl(f"rl:{key}")
        raise RateLimited(code, headers={"Retry-After": str(max(int(ttl), 1))})

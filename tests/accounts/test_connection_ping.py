"""Pooled database connections: pinged only after sitting idle (no round trip on every request), and a connection
that died while idle is replaced before a request uses it."""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa


def _fresh_pool(engine: Any) -> None:
    engine.dispose()


def test_a_recently_used_connection_is_not_pinged(ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.core import db as dbmod

    pings: list[Any] = []
    monkeypatch.setattr(dbmod, "_ping", lambda conn: pings.append(conn))
    _fresh_pool(dbmod.db.engine)
    for _ in range(3):
        with dbmod.db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    assert pings == []


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced(ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.core import db as dbmod

    engine = dbmod.db.engine
    _fresh_pool(engine)
    connects: list[Any] = []

    def on_connect(conn: Any, record: Any) -> None:
        connects.append(conn)

    sa.event.listen(engine, "connect", on_connect)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            first = conn.connection.dbapi_connection
            record = conn.connection._connection_record
        assert len(connects) == 1
        record.info["idle_since"] = time.monotonic() - dbmod.PING_AFTER_IDLE_SECONDS - 1

        pings: list[Any] = []

        def dead(conn: Any) -> None:  # what a ping on a connection the server dropped does
            pings.append(conn)
            raise RuntimeError("server closed the connection unexpectedly")

        monkeypatch.setattr(dbmod, "_ping", dead)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
            assert conn.connection.dbapi_connection is not first
        assert pings == [first]
        assert len(connects) == 2  # a new connection was opened in place of the dead one

        monkeypatch.undo()
        with engine.connect() as conn:
            record = conn.connection._connection_record
        record.info["idle_since"] = time.monotonic() - dbmod.PING_AFTER_IDLE_SECONDS - 1
        with engine.connect() as conn:  # the real ping on a live connection passes and keeps it
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
        assert len(connects) == 2
    finally:
        sa.event.remove(engine, "connect", on_connect)
        _fresh_pool(engine)


def test_a_connection_killed_by_the_server_while_idle_is_replaced(ctx: Any) -> None:
    """The real thing on PostgreSQL: the server ends the backend of a pooled connection; the next request works."""
    from backend.core import db as dbmod

    engine = dbmod.db.engine
    _fresh_pool(engine)
    with engine.connect() as conn:
        record = conn.connection._connection_record
        if engine.dialect.name == "postgresql":
            pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    if engine.dialect.name == "postgresql":
        other = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
        with other.connect() as killer:
            killer.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.dispose()
    record.info["idle_since"] = time.monotonic() - dbmod.PING_AFTER_IDLE_SECONDS - 1
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    _fresh_pool(engine)

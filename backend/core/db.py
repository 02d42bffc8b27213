"""Database: declarative base, column types, and the unit of work every service commits through."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import g, has_app_context
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.types import TypeDecorator

from .timeutil import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on PostgreSQL and SQLite alike.

    SQLite has no time zones, so the value is stored as naive UTC and marked UTC on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# BIGINT primary keys on PostgreSQL (2 million visits and growing), INTEGER on SQLite so that it autoincrements.
BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), dict[str, Any]: JSONType, list[Any]: JSONType},
    )


# No pool_pre_ping: it costs a round trip on every checkout, i.e. on every request that reads. `_ping_if_idle` below
# checks only a connection that sat idle in the pool (where servers, firewalls and restarts drop them unseen).
db = SQLAlchemy(model_class=Base)


class IdMixin:
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)


def _after_commit_hooks() -> list[Callable[[], None]]:
    if not hasattr(g, "_after_commit"):
        g._after_commit = []
    return g._after_commit


def after_commit(func: Callable[[], None]) -> None:
    """Run func once the current unit of work has committed (jobs, pushes): never for rolled-back work."""
    if has_app_context():
        _after_commit_hooks().append(func)
    else:  # pragma: no cover - services always run in an app context
        func()


class UnitOfWork:
    def __init__(self) -> None:
        self.session = db.session
        self._committed = False

    def commit(self) -> None:
        self.session.commit()
        self._committed = True
        hooks = list(_after_commit_hooks())
        _after_commit_hooks().clear()
        for hook in hooks:
            hook()

    def rollback(self) -> None:
        self.session.rollback()
        _after_commit_hooks().clear()


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """Services own the transaction: `with unit_of_work() as uow: ...; uow.commit()`.

    Leaving the block without commit (or through an exception) rolls everything back, so a
    failed request never leaves half its writes behind.
    """
    uow = UnitOfWork()
    try:
        yield uow
    except BaseException:
        uow.rollback()
        raise
    if not uow._committed:
        uow.rollback()


_K = TypeVar("_K")
_V = TypeVar("_V")


def column_map(stmt: sa.Select[tuple[_K, _V]]) -> dict[_K, _V]:
    """A two-column select as a dict from the first column to the second (ids to names and the like)."""
    return dict(row._tuple() for row in db.session.execute(stmt))


def get_or_404(model: type[Any], ident: Any, code: str = "not_found") -> Any:
    from .errors import NotFound

    obj = db.session.get(model, ident)
    if obj is None:
        raise NotFound(code)
    return obj


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: enforce foreign keys like PostgreSQL does, and let readers run beside the writer."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


# A pooled connection returned this recently is trusted without a ping; one idle longer is pinged before use. If the
# server went away in between all the same, the failing statement is seen as a disconnect and SQLAlchemy invalidates
# the whole pool, so later requests reconnect.
PING_AFTER_IDLE_SECONDS = 10.0


def _ping(dbapi_connection: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT 1")
    finally:
        cursor.close()


@sa.event.listens_for(sa.pool.Pool, "checkin")
def _mark_idle(dbapi_connection: Any, connection_record: Any) -> None:
    connection_record.info["idle_since"] = time.monotonic()


@sa.event.listens_for(sa.pool.Pool, "checkout")
def _ping_if_idle(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
    idle_since = connection_record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        _ping(dbapi_connection)
    except Exception as exc:
        # the pool drops this connection and checks out (or opens) another
        raise sa.exc.DisconnectionError("pooled connection lost while idle") from exc

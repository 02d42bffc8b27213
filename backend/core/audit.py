"""Append-only audit log: every write (captured at flush, so none is forgotten) and every unmasked read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from .crypto import EncryptedBytes, EncryptedText
from .db import Base, BigIntPK, db
from .timeutil import utcnow

REDACTED = "***"


class AuditLog(Base):
    __tablename__ = "audit_log"
    __audit__ = False

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    actor_ip: Mapped[str | None] = mapped_column(sa.String(45))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(64))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    changes: Mapped[dict[str, Any] | None] = mapped_column()
    request_id: Mapped[str | None] = mapped_column(sa.String(36))

    __table_args__ = (sa.Index("ix_audit_log_target", "target_type", "target_id"),)


@dataclass(frozen=True)
class RequestContext:
    user_id: int | None
    ip: str | None
    request_id: str | None


def current_context() -> RequestContext:
    if not has_request_context():
        return RequestContext(getattr(g, "cli_user_id", None) if g else None, None, None)
    actor = getattr(g, "actor", None)
    return RequestContext(
        actor.user_id if actor is not None else None,
        request.remote_addr,
        getattr(g, "request_id", None),
    )


def record(
    action: str,
    target_type: str,
    target_id: Any = None,
    changes: dict[str, Any] | None = None,
    session: Session | None = None,
) -> AuditLog:
    """Add an audit row to the current transaction (it commits or rolls back with the work it describes)."""
    ctx = current_context()
    row = AuditLog(
        actor_user_id=ctx.user_id,
        actor_ip=ctx.ip,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        changes=changes,
        request_id=ctx.request_id,
    )
    (session or db.session).add(row)
    return row


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def _is_secret(column: sa.Column[Any]) -> bool:
    return isinstance(column.type, EncryptedText | EncryptedBytes) or bool(column.info.get("secret"))


def _changes_of(obj: Any, kind: str) -> dict[str, Any]:
    state = sa.inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        hist = state.attrs[attr.key].history
        if kind == "update" and not hist.has_changes():
            continue
        if kind == "delete":
            value = state.attrs[attr.key].loaded_value
            out[attr.key] = REDACTED if _is_secret(column) else _json_safe(value)
            continue
        new = hist.added[0] if hist.added else state.attrs[attr.key].value
        if kind == "insert" and new is None:
            continue
        if _is_secret(column):
            out[attr.key] = REDACTED
        elif kind == "update":
            old = hist.deleted[0] if hist.deleted else None
            out[attr.key] = [_json_safe(old), _json_safe(new)]
        else:
            out[attr.key] = _json_safe(new)
    return out


def _audited(obj: Any) -> bool:
    return getattr(type(obj), "__audit__", True)


def _capture_writes(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get("audit_suspended"):  # bulk maintenance (key rotation) records one summary row instead
        return
    rows: list[tuple[str, Any, str]] = []
    rows += [("insert", o, "create") for o in session.new if _audited(o)]
    rows += [("update", o, "update") for o in session.dirty if _audited(o) and session.is_modified(o)]
    rows += [("delete", o, "delete") for o in session.deleted if _audited(o)]
    pending: list[tuple[Any, str, dict[str, Any]]] = []
    for kind, obj, verb in rows:
        changes = _changes_of(obj, kind)
        if kind == "update" and not changes:
            continue
        pending.append((obj, verb, changes))
    if not pending:
        return
    # Inserted rows have no id until the flush; fill it in after the flush.
    session.info.setdefault("audit_pending", []).extend(pending)


def _write_pending(session: Session, flush_context: Any) -> None:
    pending = session.info.pop("audit_pending", [])
    for obj, verb, changes in pending:
        state = sa.inspect(obj)
        ident = state.identity[0] if state.identity else None
        record(f"{obj.__tablename__}.{verb}", obj.__tablename__, ident, changes, session=session)


def install(session_factory: Any) -> None:
    """At every flush: capture the audited rows' changes before it, write them to the audit log after it. Installed
    explicitly by the app factory; idempotent (the listeners are global to the session class)."""
    if not event.contains(session_factory, "before_flush", _capture_writes):
        event.listen(session_factory, "before_flush", _capture_writes)
        event.listen(session_factory, "after_flush_postexec", _write_pending)

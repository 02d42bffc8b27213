"""The tamper-evident timeline (全生命周期) every module writes to: its tables, appending and verifying the chain.

Shared infrastructure like the audit log: the modules record their events here, inside their own transaction;
`backend.modules.lifecycle` holds the per-role views of it and the `flask timeline verify` command."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .audit import current_context
from .db import Base, BigIntPK, db
from .timeutil import utcnow

# Who may see an event (docs/design.md §5). Supervisors see every level within their jurisdiction.
VISIBILITIES = ("public", "client", "org", "supervisor")


class TimelineEvent(Base):
    """One thing that happened. Rows are chained: `hash` covers the row and the previous row's hash, so a
    changed or deleted row breaks the chain from that row on (`flask timeline verify` names it)."""

    __tablename__ = "timeline_events"
    __audit__ = False  # the timeline is its own evidence; the audit log records the writes that caused it

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(48))
    summary: Mapped[str] = mapped_column(sa.String(500))
    org_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    practitioner_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    project_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    district_code: Mapped[str | None] = mapped_column(sa.String(6))
    special_zone: Mapped[str | None] = mapped_column(sa.String(8))
    actor_user_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    visibility: Mapped[str] = mapped_column(sa.String(12), default="org")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    is_trial: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        sa.Index("ix_timeline_org", "org_id", "occurred_at", "id"),
        sa.Index("ix_timeline_practitioner", "practitioner_id", "occurred_at", "id"),
        sa.Index("ix_timeline_project", "project_id", "occurred_at", "id"),
        sa.Index("ix_timeline_kind", "kind"),
    )


class TimelineHead(Base):
    """The chain's last hash, one row, locked while appending so concurrent writers serialise."""

    __tablename__ = "timeline_head"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    last_hash: Mapped[str] = mapped_column(sa.String(64))


GENESIS = "0" * 64
HASHED_FIELDS = (
    "id",
    "occurred_at",
    "kind",
    "summary",
    "org_id",
    "practitioner_id",
    "project_id",
    "district_code",
    "special_zone",
    "actor_user_id",
    "visibility",
    "data",
    "is_trial",
)


def _canonical(event: TimelineEvent) -> bytes:
    values: dict[str, Any] = {}
    for name in HASHED_FIELDS:
        value = getattr(event, name)
        if isinstance(value, datetime):
            value = value.astimezone().timestamp()
        values[name] = value
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def compute_hash(prev_hash: str, event: TimelineEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + _canonical(event)).hexdigest()


def append_event(
    kind: str,
    summary: str,
    *,
    org_id: int | None = None,
    practitioner_id: int | None = None,
    project_id: int | None = None,
    district_code: str | None = None,
    special_zone: str | None = None,
    visibility: str = "org",
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    is_trial: bool = False,
) -> TimelineEvent:
    """Append inside the caller's transaction (the event commits with the change it records)."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"unknown visibility {visibility}")
    head = db.session.get(TimelineHead, 1, with_for_update=True)
    if head is None:
        head = TimelineHead(id=1, last_event_id=None, last_hash=GENESIS)
        db.session.add(head)
        db.session.flush()
    event = TimelineEvent(
        occurred_at=occurred_at or utcnow(),
        recorded_at=utcnow(),
        kind=kind,
        summary=summary[:500],
        org_id=org_id,
        practitioner_id=practitioner_id,
        project_id=project_id,
        district_code=district_code,
        special_zone=special_zone,
        actor_user_id=current_context().user_id,
        visibility=visibility,
        data=data or {},
        prev_hash=head.last_hash,
        hash="pending",
        is_trial=is_trial,
    )
    db.session.add(event)
    db.session.flush()  # the id is part of what is hashed
    event.hash = compute_hash(head.last_hash, event)
    head.last_hash = event.hash
    head.last_event_id = event.id
    db.session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(batch: int = 5000) -> ChainReport:
    """Walk the chain in id order; the first row whose stored hash or link does not match is named."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = db.session.scalars(
            sa.select(TimelineEvent).where(TimelineEvent.id > last_id).order_by(TimelineEvent.id).limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            if event.prev_hash != prev:
                return ChainReport(checked, event.id, "与上一条记录的链接不一致（有记录被删除或插入）")
            if compute_hash(prev, event) != event.hash:
                return ChainReport(checked, event.id, "记录内容与其哈希不一致（记录被修改）")
            prev = event.hash
            checked += 1
            last_id = event.id
        db.session.expunge_all()
    head = db.session.get(TimelineHead, 1)
    if head is not None and head.last_hash != prev:
        return ChainReport(checked, head.last_event_id, "链尾与最后一条记录不一致（末尾记录被删除）")
    return ChainReport(checked, None, None)

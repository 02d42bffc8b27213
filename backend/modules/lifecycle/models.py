from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, BigIntPK
from backend.core.timeutil import utcnow

# Who may see an event (DESIGN.md section 5). Supervisors see every level within their jurisdiction.
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

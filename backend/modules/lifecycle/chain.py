"""Appending to and verifying the tamper-evident timeline chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from backend.core.audit import current_context
from backend.core.db import db
from backend.core.timeutil import utcnow

from .models import VISIBILITIES, TimelineEvent, TimelineHead

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

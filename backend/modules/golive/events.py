"""The import's timeline events, appended a batch at a time.

`core.timeline.append_event` locks the chain's head, inserts, hashes and moves the head for every event: four
statements each, 600,000 for the 150,000 projects of Shanghai. Here the events of a batch are inserted at once
(unique placeholders for the hash), then linked in id order from the head, exactly as append_event links them,
and the head moves once; `flask timeline verify` checks them like any other. The head stays locked from the
first insert to the commit, so no other writer can slip an event in between.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backend.core.audit import current_context
from backend.core.db import db
from backend.core.timeline import GENESIS, VISIBILITIES, TimelineEvent, TimelineHead, compute_hash
from backend.core.timeutil import utcnow


@dataclass(frozen=True)
class PendingEvent:
    kind: str
    summary: str
    fields: dict[str, Any]
    occurred_at: datetime = field(default_factory=utcnow)


def _head() -> TimelineHead:
    head = db.session.get(TimelineHead, 1, with_for_update=True)
    if head is None:
        head = TimelineHead(id=1, last_event_id=None, last_hash=GENESIS)
        db.session.add(head)
        db.session.flush()
    return head


def append_many(pending: list[PendingEvent]) -> None:
    """Append the events in the caller's transaction, in the order given."""
    if not pending:
        return
    head = _head()
    actor, now = current_context().user_id, utcnow()
    rows = []
    for event in pending:
        fields = dict(event.fields)
        visibility = fields.pop("visibility", "org")
        if visibility not in VISIBILITIES:
            raise ValueError(f"unknown visibility {visibility}")
        rows.append(
            TimelineEvent(
                occurred_at=event.occurred_at,
                recorded_at=now,
                kind=event.kind,
                summary=event.summary[:500],
                actor_user_id=actor,
                visibility=visibility,
                data=fields.pop("data", None) or {},
                prev_hash=head.last_hash,
                hash=f"pending-{uuid.uuid4().hex}",
                is_trial=False,
                **fields,
            )
        )
    db.session.add_all(rows)
    db.session.flush()  # the ids are part of what is hashed
    previous = head.last_hash
    for row in sorted(rows, key=lambda r: r.id):
        row.prev_hash = previous
        row.hash = compute_hash(previous, row)
        previous = row.hash
    head.last_hash = previous
    head.last_event_id = max(r.id for r in rows)
    db.session.flush()

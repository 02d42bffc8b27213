"""Clearing the trial data before go-live (`flask trial clear`, and the corps admin's API).

What goes: every row tagged is_trial, the rows that exist only through them (certificates of a trial
practitioner, members of a trial project: rows of tables without is_trial that hold a required reference to a
row that goes), the stored files they own, and the background jobs enqueued during the trial. What stays:
accounts (users and roles), supervisor assignments, settings, import runs, imported data and the audit log.
A row that stays but refers to a row that goes loses the reference when the column may be empty; a stored file
that a staying row refers to stays (files are shared by content). A real row that cannot lose its reference
blocks the clearing: the dry run lists such blockers and the clearing refuses to start.

The timeline is a hash chain, so deleting its trial events breaks it on purpose: the clearing first checks the
whole chain (a chain already broken is never re-sealed), deletes, re-computes the links of every later event
in id order, moves the head, then appends a system.trial_cleared event and records the old head hash, the
counts and the new head in the audit log, so the rebase is itself evidenced.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from backend.core import audit
from backend.core.access import Actor, Role
from backend.core.db import after_commit, db, unit_of_work
from backend.core.errors import Conflict, ValidationFailed
from backend.core.files import path_for
from backend.core.timeline import GENESIS, TimelineEvent, TimelineHead, append_event, compute_hash, verify_chain
from backend.modules.accounts.queries import UserRole, user_by_id
from backend.modules.accounts.services import revoke_role

from .models import TrialJob
from .trial import get_mode, tagging_suspended

CONFIRMATION = "确认清除试运行数据"
# Never deleted from, whatever they refer to: accounts, configuration, evidence and bookkeeping.
KEPT_TABLES = frozenset(
    {
        "users",
        "user_roles",
        "supervisor_assignments",
        "audit_log",
        "system_settings",
        "import_runs",
        "import_row_errors",
        "background_jobs",
        "trial_jobs",
        "timeline_head",
    }
)
FILES = "stored_files"
TIMELINE = "timeline_events"
CHUNK = 500
RECHAIN_BATCH = 1000


@dataclass(frozen=True)
class Edge:
    """A foreign key child.column → parent.id."""

    child: sa.Table
    column: sa.Column[Any]
    parent: str


@dataclass
class Plan:
    doomed: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    nullify: dict[tuple[str, str], set[int]] = field(default_factory=lambda: defaultdict(set))
    blockers: dict[tuple[str, str], int] = field(default_factory=dict)
    adopted_files: set[int] = field(default_factory=set)
    jobs: set[int] = field(default_factory=set)
    org_roles: list[UserRole] = field(default_factory=list)


@dataclass(frozen=True)
class ClearingReport:
    mode: str
    executed: bool
    tables: dict[str, int]  # rows deleted (or to delete) per table
    nullified: dict[str, int]  # "table.column" → staying rows whose reference is emptied
    blockers: list[dict[str, Any]]
    files: int  # stored files removed from disk
    adopted_files: int
    jobs: int
    org_roles: int
    rechained_events: int
    old_head_hash: str | None = None
    new_head_hash: str | None = None
    chain_verified: bool | None = None

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())


# --- the plan ------------------------------------------------------------------------------------------------


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _edges() -> list[Edge]:
    edges = []
    for table in db.metadata.sorted_tables:
        if "id" not in table.c:
            continue
        for column in table.columns:
            for fk in column.foreign_keys:
                target = fk.column
                if target.name == "id" and list(target.table.primary_key.columns) == [target]:
                    edges.append(Edge(table, column, target.table.name))
    return edges


def _seed(plan: Plan) -> None:
    for table in db.metadata.sorted_tables:
        if "is_trial" in table.c and "id" in table.c and table.name not in KEPT_TABLES:
            ids = db.session.scalars(sa.select(table.c.id).where(table.c.is_trial.is_(True))).all()
            if ids:
                plan.doomed[table.name].update(ids)


def _referencing(edge: Edge, ids: set[int]) -> list[int]:
    found: list[int] = []
    for chunk in _chunks(ids):
        found += db.session.scalars(sa.select(edge.child.c.id).where(edge.column.in_(chunk))).all()
    return found


def _follows_parent(edge: Edge) -> bool:
    """A row that exists only through its parent: a required reference, in a table without is_trial."""
    return not edge.column.nullable and "is_trial" not in edge.child.c and edge.child.name not in KEPT_TABLES


def _close_over(plan: Plan, edges: list[Edge]) -> None:
    """Add, until nothing changes, the rows that follow a doomed parent (stored files doom nothing)."""
    fresh = {name: set(ids) for name, ids in plan.doomed.items()}
    while fresh:
        new: dict[str, set[int]] = defaultdict(set)
        for edge in edges:
            ids = fresh.get(edge.parent)
            if not ids or edge.parent == FILES or not _follows_parent(edge):
                continue
            for row_id in _referencing(edge, ids):
                if row_id not in plan.doomed[edge.child.name]:
                    plan.doomed[edge.child.name].add(row_id)
                    new[edge.child.name].add(row_id)
        fresh = {k: v for k, v in new.items() if v}


def _staying_references(plan: Plan, edges: list[Edge]) -> None:
    """Rows that stay but refer to a row that goes: emptied, adopted (files) or blocking."""
    for edge in edges:
        ids = plan.doomed.get(edge.parent)
        if not ids:
            continue
        staying = [r for r in _referencing(edge, ids) if r not in plan.doomed.get(edge.child.name, ())]
        if not staying:
            continue
        if edge.parent == FILES:
            plan.adopted_files.update(_targets(edge, staying))
        elif edge.column.nullable:
            plan.nullify[(edge.child.name, edge.column.name)].update(staying)
        else:
            plan.blockers[(edge.child.name, edge.column.name)] = len(staying)
    plan.doomed[FILES] -= plan.adopted_files


def _targets(edge: Edge, row_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(row_ids):
        found.update(db.session.scalars(sa.select(edge.column).where(edge.child.c.id.in_(chunk))).all())
    return found


def _org_roles(plan: Plan) -> None:
    """Roles in organisations that go: kept roles must never point at an id a new organisation could reuse."""
    orgs = plan.doomed.get("organizations")
    if orgs:
        for chunk in _chunks(orgs):
            plan.org_roles += db.session.scalars(
                sa.select(UserRole).where(
                    UserRole.org_id.in_(chunk), UserRole.role.in_((Role.ORG_ADMIN, Role.LEGAL_REP))
                )
            ).all()


def make_plan() -> Plan:
    plan = Plan()
    edges = _edges()
    _seed(plan)
    _close_over(plan, edges)
    _staying_references(plan, edges)
    _org_roles(plan)
    plan.jobs = set(db.session.scalars(sa.select(TrialJob.job_id)).all())
    plan.doomed = defaultdict(set, {k: v for k, v in plan.doomed.items() if v})
    return plan


def _rechain_count(plan: Plan) -> int:
    events = plan.doomed.get(TIMELINE)
    if not events:
        return 0
    first = min(events)
    later = db.session.scalar(sa.select(sa.func.count()).select_from(TimelineEvent).where(TimelineEvent.id > first))
    return int(later or 0) - len([e for e in events if e > first])


def _blocker_list(plan: Plan) -> list[dict[str, Any]]:
    return [
        {"table": t, "column": c, "rows": n, "message": f"{t}.{c}：{n} 行正式数据引用了试运行数据，须先处理"}
        for (t, c), n in sorted(plan.blockers.items())
    ]


def _report(actor: Actor, plan: Plan, executed: bool, **extra: Any) -> ClearingReport:
    return ClearingReport(
        mode=get_mode(actor).mode,
        executed=executed,
        tables={name: len(ids) for name, ids in sorted(plan.doomed.items())},
        nullified={f"{t}.{c}": len(ids) for (t, c), ids in sorted(plan.nullify.items())},
        blockers=_blocker_list(plan),
        files=len(plan.doomed.get(FILES, ())),
        adopted_files=len(plan.adopted_files),
        jobs=len(plan.jobs),
        org_roles=len(plan.org_roles),
        rechained_events=extra.pop("rechained_events") if "rechained_events" in extra else _rechain_count(plan),
        **extra,
    )


def preview(actor: Actor) -> ClearingReport:
    """The dry run: what the clearing would delete, empty, keep and refuse, per table; nothing is written."""
    return _report(actor, make_plan(), executed=False)


# --- the clearing --------------------------------------------------------------------------------------------


def _nullify(plan: Plan) -> None:
    tables = db.metadata.tables
    for (table_name, column), ids in plan.nullify.items():
        table = tables[table_name]
        for chunk in _chunks(ids):
            db.session.execute(sa.update(table).where(table.c.id.in_(chunk)).values({column: None}))


def _adopt_files(plan: Plan) -> None:
    table = db.metadata.tables[FILES]
    for chunk in _chunks(plan.adopted_files):
        db.session.execute(sa.update(table).where(table.c.id.in_(chunk)).values(is_trial=False))


def _file_hashes(plan: Plan) -> list[str]:
    table = db.metadata.tables[FILES]
    shas: list[str] = []
    for chunk in _chunks(plan.doomed.get(FILES, ())):
        shas += db.session.scalars(sa.select(table.c.sha256).where(table.c.id.in_(chunk))).all()
    return shas


def _revoke_org_roles(plan: Plan) -> None:
    for role in plan.org_roles:
        user = user_by_id(role.user_id)
        if user is not None:
            revoke_role(user, role.role, org_id=role.org_id)
    db.session.flush()


def _delete_rows(plan: Plan) -> None:
    """Children before parents, in the reverse of the schema's dependency order; Core statements, summarised
    in one audit entry rather than one per row."""
    for table in reversed(db.metadata.sorted_tables):
        ids = plan.doomed.get(table.name)
        for chunk in _chunks(ids or ()):
            db.session.execute(sa.delete(table).where(table.c.id.in_(chunk)))
    for chunk in _chunks(plan.jobs):
        db.session.execute(sa.delete(TrialJob).where(TrialJob.job_id.in_(chunk)))
        jobs = db.metadata.tables["background_jobs"]
        db.session.execute(sa.delete(jobs).where(jobs.c.id.in_(chunk)))


def _rechain(first_deleted: int, head: TimelineHead) -> int:
    """Re-link every event after the first deleted one, in id order, from the last intact hash."""
    prev = db.session.scalar(
        sa.select(TimelineEvent.hash).where(TimelineEvent.id < first_deleted).order_by(TimelineEvent.id.desc()).limit(1)
    )
    prev = prev or GENESIS
    last_id, count = first_deleted, 0
    while True:
        events = db.session.scalars(
            sa.select(TimelineEvent).where(TimelineEvent.id > last_id).order_by(TimelineEvent.id).limit(RECHAIN_BATCH)
        ).all()
        if not events:
            break
        for event in events:
            event.prev_hash = prev
            event.hash = compute_hash(prev, event)
            prev = event.hash
        db.session.flush()
        last_id, count = events[-1].id, count + len(events)
        for event in events:
            db.session.expunge(event)
    head.last_hash = prev
    head.last_event_id = db.session.scalar(sa.select(sa.func.max(TimelineEvent.id)))
    db.session.flush()
    return count


def _remove_files(shas: list[str]) -> None:
    for sha in shas:
        path_for(sha).unlink(missing_ok=True)


def _require_confirmation(confirmation: str) -> None:
    if (confirmation or "").strip() != CONFIRMATION:
        raise ValidationFailed(
            "trial_confirmation_mismatch", details={"fields": {"confirmation": [f"请输入“{CONFIRMATION}”"]}}
        )


def _require_intact_chain() -> None:
    report = verify_chain()
    if not report.ok:
        raise Conflict("timeline_chain_broken", details={"broken_at": report.broken_at, "reason": report.reason})


def clear(actor: Actor, confirmation: str) -> ClearingReport:
    """Delete the trial data (see the module docstring). The confirmation phrase must be typed exactly."""
    _require_confirmation(confirmation)
    _require_intact_chain()
    with unit_of_work() as uow, tagging_suspended():
        head = db.session.get(TimelineHead, 1, with_for_update=True)  # appenders wait until the rebase is done
        plan = make_plan()
        if plan.blockers:
            raise Conflict("trial_clear_blocked", details={"blockers": _blocker_list(plan)})
        old_head = head.last_hash if head is not None else GENESIS
        deleted = {name: len(ids) for name, ids in sorted(plan.doomed.items())}
        shas = _file_hashes(plan)
        _nullify(plan)
        _adopt_files(plan)
        _revoke_org_roles(plan)
        _delete_rows(plan)
        rechained = 0
        if head is not None and plan.doomed.get(TIMELINE):
            rechained = _rechain(min(plan.doomed[TIMELINE]), head)
        rebased_head = head.last_hash if head is not None else GENESIS
        summary = f"试运行数据已清除：共删除 {sum(deleted.values())} 行"
        if plan.doomed.get(TIMELINE):
            summary += f"，时间线删除 {deleted[TIMELINE]} 条试运行记录，其后 {rechained} 条重新链接"
        append_event(
            "system.trial_cleared",
            summary,
            visibility="supervisor",
            data={"tables": deleted, "rechained_events": rechained, "old_head_hash": old_head},
        )
        new_head = db.session.get(TimelineHead, 1)
        audit.record(
            "trial.cleared",
            "system",
            None,
            {
                "tables": deleted,
                "nullified": {f"{t}.{c}": len(ids) for (t, c), ids in plan.nullify.items()},
                "files": len(shas),
                "adopted_files": len(plan.adopted_files),
                "jobs": len(plan.jobs),
                "org_roles": len(plan.org_roles),
                "old_head_hash": old_head,
                "rebased_head_hash": rebased_head,
                "new_head_hash": new_head.last_hash if new_head else None,
                "rechained_from": min(plan.doomed[TIMELINE]) if plan.doomed.get(TIMELINE) else None,
                "rechained_events": rechained,
            },
        )
        after_commit(lambda: _remove_files(shas))
        report = _report(
            actor,
            plan,
            executed=True,
            rechained_events=rechained,
            old_head_hash=old_head,
            new_head_hash=new_head.last_hash if new_head else None,
        )
        uow.commit()
    return replace(report, chain_verified=verify_chain().ok)

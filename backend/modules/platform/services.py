from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from backend.core.access import Actor
from backend.core.audit import AuditLog
from backend.core.db import db, unit_of_work
from backend.core.errors import NotFound
from backend.core.jobs import BackgroundJob, retry_failed
from backend.core.outbox import OutboxMessage
from backend.core.pagination import Page, keyset_page


def list_audit(actor: Actor, args: dict[str, Any]) -> Page[AuditLog]:
    stmt = sa.select(AuditLog)
    for key in ("target_type", "target_id", "actor_user_id", "action"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(AuditLog, key) == args[key])
    return keyset_page(db.session, stmt, [AuditLog.id], limit=args["limit"], cursor=args["cursor"])


def list_outbox(actor: Actor, args: dict[str, Any]) -> Page[OutboxMessage]:
    stmt = sa.select(OutboxMessage)
    if args.get("channel"):
        stmt = stmt.where(OutboxMessage.channel == args["channel"])
    return keyset_page(db.session, stmt, [OutboxMessage.id], limit=args["limit"], cursor=args["cursor"])


def list_jobs(actor: Actor, args: dict[str, Any]) -> Page[BackgroundJob]:
    stmt = sa.select(BackgroundJob)
    if args.get("status"):
        stmt = stmt.where(BackgroundJob.status == args["status"])
    return keyset_page(db.session, stmt, [BackgroundJob.id], limit=args["limit"], cursor=args["cursor"])


def get_job(actor: Actor, job_id: int) -> BackgroundJob:
    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        raise NotFound()
    return job


def retry_job(actor: Actor, job_id: int) -> BackgroundJob:
    with unit_of_work() as uow:
        job = retry_failed(job_id)
        uow.commit()
    return job

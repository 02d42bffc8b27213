"""Background jobs: a transactional outbox in the database, executed by RQ workers or in-process.

Why a table as well as RQ: a job row is written in the same transaction as the work that needs it, so a
crash between commit and enqueue, or a Redis or worker that dies mid-job, loses nothing: the recovery sweep
re-enqueues rows that never finished. Failures stay visible in the table (status, attempts, last error).
"""

from __future__ import annotations

import importlib
import logging
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, BigIntPK, after_commit, db
from .schedule import Periodic
from .timeutil import utcnow

log = logging.getLogger(__name__)

QUEUES = ("default", "biometrics", "documents", "notifications")


class BackgroundJob(Base):
    __tablename__ = "background_jobs"
    __audit__ = False

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    func: Mapped[str] = mapped_column(sa.String(200))
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    queue: Mapped[str] = mapped_column(sa.String(32), default="default")
    status: Mapped[str] = mapped_column(sa.String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    result: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    run_after: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.Index("ix_background_jobs_status_run_after", "status", "run_after"),)


def _resolve(func_path: str) -> Any:
    module_name, _, attr = func_path.rpartition(".")
    if not module_name.startswith("backend."):
        raise ValueError(f"job function must live in the backend package: {func_path}")
    return getattr(importlib.import_module(module_name), attr)


def job_path(func: Callable[..., Any]) -> str:
    """The dotted path a job row stores for `func` (what `run_job` resolves): the function must be a module-level
    function of the backend package, so that a worker in another process finds the very same one."""
    path = f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', '')}"
    if _resolve(path) is not func:
        raise ValueError(f"job function must be a module-level function: {path}")
    return path


def enqueue(func: Callable[..., Any], *, queue: str = "default", max_attempts: int = 3, **kwargs: Any) -> BackgroundJob:
    """Schedule `func(job, **kwargs)` after the current transaction commits.

    The caller names the function itself (`enqueue(jobs.deliver_feedback, ...)`), so the job is visible from
    the code that sets it off; the row stores its dotted path, which is what a worker resolves. The function
    receives the BackgroundJob row first (for progress) and keyword arguments that must be JSON-serialisable
    (ids, not objects: the job loads fresh state when it runs).
    """
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue}")
    func_path = job_path(func)  # fail now, not in the worker, if the function cannot be found again
    job = BackgroundJob(func=func_path, args=kwargs, queue=queue, max_attempts=max_attempts)
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    after_commit(lambda: dispatch(job_id, queue))
    return job


def dispatch(job_id: int, queue: str, delay: timedelta | None = None) -> None:
    mode = current_app.config["JOBS_MODE"]
    if mode == "inline":
        # Embedded default: run now, in this process, with the same retry accounting as a worker.
        for _ in range(10):
            if run_job(job_id) != "retry":
                break
        return
    from rq import Queue, Retry  # noqa: F401  (imported lazily: the embedded default needs no Redis)

    from backend.extensions import redis_connection

    try:
        q = Queue(queue, connection=redis_connection())
        if delay:
            q.enqueue_in(delay, "backend.core.jobs.run_job", job_id, job_id=f"job-{job_id}-{utcnow().timestamp()}")
        else:
            q.enqueue("backend.core.jobs.run_job", job_id, job_id=f"job-{job_id}")
    except Exception:  # Redis down: the row stays queued and the recovery sweep enqueues it later
        log.exception("could not enqueue job %s; the recovery sweep will retry", job_id)


def run_job(job_id: int) -> str:
    """Entry point that workers execute. Returns 'done', 'failed', 'retry' or 'skipped'."""
    job = db.session.get(BackgroundJob, job_id, with_for_update=db.engine.dialect.name == "postgresql")
    if job is None or job.status in ("done", "failed"):
        db.session.rollback()
        return "skipped"
    job.status = "running"
    job.attempts += 1
    job.started_at = utcnow()
    db.session.commit()
    func = _resolve(job.func)
    try:
        result = func(job, **(job.args or {}))
    except Exception as exc:
        db.session.rollback()
        job = db.session.get(BackgroundJob, job_id)
        assert job is not None
        job.last_error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
        log.warning("job %s (%s) attempt %s failed: %s", job_id, job.func, job.attempts, job.last_error)
        if job.attempts >= job.max_attempts:
            job.status = "failed"
            job.finished_at = utcnow()
            db.session.commit()
            return "failed"
        job.status = "queued"
        backoff = timedelta(seconds=10 * 3 ** (job.attempts - 1))
        job.run_after = utcnow() + backoff
        db.session.commit()
        if current_app.config["JOBS_MODE"] == "inline":
            return "retry"
        dispatch(job_id, job.queue, delay=backoff)
        return "retry"
    job = db.session.get(BackgroundJob, job_id)
    assert job is not None
    job.status = "done"
    job.finished_at = utcnow()
    if isinstance(result, dict):
        job.result = result
    db.session.commit()
    return "done"


def set_progress(job: BackgroundJob, done: int, total: int | None = None) -> None:
    """Record progress in its own short transaction so readers see it while the job runs."""
    db.session.execute(
        sa.update(BackgroundJob)
        .where(BackgroundJob.id == job.id)
        .values(progress_done=done, progress_total=total if total is not None else BackgroundJob.progress_total)
    )
    db.session.commit()


def recover_stale_jobs(stale_after: timedelta = timedelta(minutes=10)) -> int:
    """Re-dispatch jobs whose worker or queue vanished: queued and due, or running for too long."""
    cutoff = utcnow() - stale_after
    rows = db.session.scalars(
        sa.select(BackgroundJob).where(
            sa.or_(
                sa.and_(BackgroundJob.status == "queued", BackgroundJob.run_after < cutoff),
                sa.and_(BackgroundJob.status == "running", BackgroundJob.started_at < cutoff),
            )
        )
    ).all()
    for job in rows:
        if job.status == "running" and job.attempts >= job.max_attempts:
            job.status = "failed"
            job.last_error = (job.last_error or "") + "\n工作进程中断，超过最大重试次数"
            job.finished_at = utcnow()
        else:
            job.status = "queued"
            job.run_after = utcnow()
    ids = [(j.id, j.queue) for j in rows if j.status == "queued"]
    db.session.commit()
    for job_id, queue in ids:
        dispatch(job_id, queue)
    return len(ids)


def retry_failed(job_id: int) -> BackgroundJob:
    from .errors import Conflict, NotFound

    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        raise NotFound()
    if job.status != "failed":
        raise Conflict("job_not_failed")
    job.status = "queued"
    job.max_attempts = job.attempts + 3  # a fresh round of attempts; the count keeps the history
    job.run_after = utcnow()
    db.session.flush()
    after_commit(lambda: dispatch(job_id, job.queue))
    return job


def probe(job: BackgroundJob, fail_first: int = 0) -> dict[str, Any]:
    """Diagnostic job (`flask jobs probe`): proves a worker picks jobs up; `fail_first` makes its first
    attempts fail so an operator can watch the retry and failure handling work end to end."""
    if job.attempts <= fail_first:
        raise RuntimeError(f"探测任务按要求失败（第 {job.attempts} 次）")
    return {"attempts": job.attempts, "ran_at": utcnow().isoformat()}


# Core's own periodic tasks (the app factory collects them with every module's `jobs.PERIODIC`).
PERIODIC = (Periodic("recover_stale_jobs", recover_stale_jobs, 300),)

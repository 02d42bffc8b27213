"""Background jobs: retried on failure, failures visible, nothing lost when Redis or a worker dies."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest

from backend.core.db import db, unit_of_work
from backend.core.jobs import BackgroundJob, enqueue, job_path, probe, recover_stale_jobs, run_job
from backend.core.timeutil import utcnow
from tests.builders.accounts import make_user


def _enqueue_probe(fail_first: int, max_attempts: int = 3) -> int:
    with unit_of_work() as uow:
        job = enqueue(probe, max_attempts=max_attempts, fail_first=fail_first)
        uow.commit()
    return job.id


def test_inline_job_is_retried_then_succeeds(ctx: Any) -> None:
    job = db.session.get(BackgroundJob, _enqueue_probe(fail_first=2))
    db.session.refresh(job)
    assert job.status == "done" and job.attempts == 3
    assert job.result["attempts"] == 3
    assert "第 2 次" in job.last_error


def test_failure_after_max_attempts_is_visible_and_can_be_retried(client: Any, ctx: Any, app: Any) -> None:
    job_id = _enqueue_probe(fail_first=4)
    admin = make_user(roles=("corps_admin",))
    r = client.get("/api/v1/admin/jobs?status=failed", headers=admin.headers)
    assert r.status_code == 200
    failed = r.get_json()["items"]
    assert [j["id"] for j in failed] == [job_id]
    assert failed[0]["attempts"] == 3 and "探测任务按要求失败" in failed[0]["last_error"]
    r = client.post(f"/api/v1/admin/jobs/{job_id}/retry", headers=admin.headers)
    assert r.status_code == 200
    db.session.expire_all()
    job = db.session.get(BackgroundJob, job_id)
    if app.config["JOBS_MODE"] == "inline":  # the retry ran at once: attempt 4 failed, 5 succeeded
        assert job.status == "done" and job.attempts == 5
    r = client.post(f"/api/v1/admin/jobs/{job_id}/retry", headers=admin.headers)
    assert r.status_code == 409 and r.get_json()["code"] == "job_not_failed"


def test_job_is_not_dispatched_when_the_transaction_rolls_back(ctx: Any) -> None:
    with pytest.raises(RuntimeError), unit_of_work():
        enqueue(probe, fail_first=0)
        raise RuntimeError("the work failed")
    assert db.session.query(BackgroundJob).count() == 0


def test_stale_running_job_is_recovered(ctx: Any, app: Any) -> None:
    """A worker that died mid-job leaves a 'running' row; the sweep runs it again."""
    job = BackgroundJob(
        func="backend.core.jobs.probe",
        args={"fail_first": 0},
        status="running",
        attempts=1,
        started_at=utcnow() - timedelta(hours=1),
    )
    db.session.add(job)
    db.session.commit()
    assert recover_stale_jobs() == 1
    db.session.refresh(job)
    assert job.status == "done" and job.attempts == 2


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis (CI sets REDIS_URL)")
def test_rq_worker_runs_jobs_and_a_lost_enqueue_is_recovered(app: Any, ctx: Any) -> None:
    from rq import SimpleWorker

    from backend.extensions import redis_connection

    app.config["JOBS_MODE"] = "rq"
    try:
        job_id = _enqueue_probe(fail_first=0)
        assert db.session.get(BackgroundJob, job_id).status == "queued"
        SimpleWorker(["default"], connection=redis_connection()).work(burst=True)
        db.session.expire_all()
        assert db.session.get(BackgroundJob, job_id).status == "done"

        # Redis loses the queue (flush) after the commit: the row survives and the sweep re-dispatches it.
        lost_id = _enqueue_probe(fail_first=0)
        redis_connection().flushdb()
        row = db.session.get(BackgroundJob, lost_id)
        row.run_after = utcnow() - timedelta(hours=1)
        db.session.commit()
        assert recover_stale_jobs() == 1
        SimpleWorker(["default"], connection=redis_connection()).work(burst=True)
        db.session.expire_all()
        assert db.session.get(BackgroundJob, lost_id).status == "done"
    finally:
        app.config["JOBS_MODE"] = "inline"


def test_run_job_skips_finished_jobs(ctx: Any) -> None:
    job_id = _enqueue_probe(fail_first=0)
    assert run_job(job_id) == "skipped"


def test_a_job_is_enqueued_by_reference_and_stored_by_its_dotted_path(ctx: Any) -> None:
    """The caller names the function; the row keeps the dotted path queued rows always had, which a worker
    resolves back to the same function."""
    from backend.modules.feedback import jobs as feedback_jobs

    job = db.session.get(BackgroundJob, _enqueue_probe(fail_first=0))
    assert job.func == "backend.core.jobs.probe"
    with unit_of_work():
        with pytest.raises(ValueError, match="job function must"):
            enqueue(lambda job: None)
        assert job_path(feedback_jobs.deliver_feedback) == "backend.modules.feedback.jobs.deliver_feedback"

"""Periodic tasks are declared (core's in core.jobs, each module's in its jobs.PERIODIC), collected by the app
factory, and listed by `flask schedule list`; nothing registers itself when imported."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from flask import Flask

from backend import modules
from backend.core import jobs as core_jobs
from backend.core import schedule
from backend.core.schedule import Periodic

EXPECTED = {
    "recover_stale_jobs": "core",
    "purge_revoked_sessions": "accounts",
    "realname_daily_recheck": "realname",
    "close_stale_visits": "projects",
    "feedback_after_visits": "feedback",
    "feedback_monthly": "feedback",
    "feedback_expire": "feedback",
    "expire_spot_checks": "supervision",
    "monitoring_event_scan": "monitoring",
    "monitoring_periodic_scan": "monitoring",
    "monitoring_compile_reports": "monitoring",
    "monitoring_scores_nightly": "monitoring",
}


def test_the_app_schedules_what_core_and_the_modules_declare(app: Any) -> None:
    declared = [*core_jobs.PERIODIC, *modules.periodic_tasks()]
    assert schedule.tasks(app) == tuple(declared)
    assert {t.name: t.owner for t in declared} == EXPECTED
    for task in declared:  # each declaration names a function a worker can find again
        module_name, _, attr = task.path.rpartition(".")
        assert getattr(importlib.import_module(module_name), attr) is task.func


def test_schedule_list_prints_every_task_with_its_module_and_interval(app: Any) -> None:
    result = app.test_cli_runner().invoke(args=["schedule", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["NAME", "MODULE", "EVERY", "QUEUE", "FUNCTION", "NEXT", "RUN"]
    rows = {line.split()[0]: line.split() for line in lines[1 : 1 + len(EXPECTED)]}
    assert set(rows) == set(EXPECTED)
    assert rows["recover_stale_jobs"][:5] == ["recover_stale_jobs", "core", "5", "min", "default"]
    assert rows["expire_spot_checks"][:4] == ["expire_spot_checks", "supervision", "1", "min"]
    assert rows["realname_daily_recheck"][1:4] == ["realname", "1", "d"]
    assert "backend.modules.feedback.jobs.run_monthly_feedback" in rows["feedback_monthly"]


def test_a_name_declared_twice_is_refused_and_an_unknown_name_is_not_run(app: Any) -> None:
    task = Periodic("twice", core_jobs.recover_stale_jobs, 60)
    with pytest.raises(ValueError, match="twice"):
        schedule.install(Flask("other"), [task, task])
    with app.app_context(), pytest.raises(LookupError):
        schedule.run_periodic("no_such_task")


def test_no_jobs_module_registers_anything_at_import() -> None:
    """Declarations only: the modules' jobs expose PERIODIC and core.schedule keeps no global list to add to."""
    assert not hasattr(schedule, "register") and not hasattr(schedule, "PERIODIC")
    for jobs in modules.submodules("jobs"):
        assert all(isinstance(t, Periodic) for t in getattr(jobs, "PERIODIC", ()))


def test_the_readme_and_docs_show_the_schedule_as_declared(app: Any) -> None:
    """README's "What runs when" and docs/jobs.md paste the `flask schedule list` table: it must stay current."""
    from pathlib import Path

    output = app.test_cli_runner().invoke(args=["schedule", "list"]).output
    table = output.split("\n\n")[0].rstrip()
    root = Path(__file__).resolve().parent.parent
    for doc in ("README.md", "docs/jobs.md"):
        assert table in (root / doc).read_text(encoding="utf-8"), f"{doc}: paste the output of `flask schedule list`"

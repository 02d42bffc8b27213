"""`flask import …` and `flask trial …` as an operator types them on the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from backend.core.db import db
from backend.modules.golive import clearing
from backend.modules.realname.models import Organization
from tests.golive.builders import copy_sample, read_sample, write_csv
from tests.projects import builders as pb


def test_import_run_shows_progress_and_the_counts_then_errors_writes_the_file(
    app: Any, ctx: Any, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    directory = copy_sample(tmp_path / "v1", "01-organizations.csv")
    rows = read_sample("01-organizations.csv")[:2]
    write_csv(directory / "01-organizations.csv", "organizations", [rows[0], {**rows[1], "types": "保安服务"}])
    result = runner.invoke(args=["import", "run", str(directory), "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "导入进度" in result.output and "机构：新增 1，未变 0，错误 1" in result.output
    run_id = int(result.output.split("#")[1].split("：")[0])
    out = tmp_path / "errors.csv"
    written = runner.invoke(args=["import", "errors", str(run_id), "-o", str(out)])
    assert written.exit_code == 0, written.output
    assert out.read_text(encoding="utf-8-sig").splitlines()[1] == (
        "01-organizations.csv,3,机构类型,未知的机构类型“保安服务”：应为 维护保养检测、消防安全评估"
    )
    status = runner.invoke(args=["import", "status", str(run_id)])
    assert "已完成" in status.output


def test_a_dry_run_from_the_command_line_saves_nothing(app: Any, ctx: Any, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(args=["import", "run", str(copy_sample(tmp_path / "v1")), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "试导入" in result.output and "机构：新增 60" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 0


def test_trial_mode_and_clear_from_the_command_line(app: Any, ctx: Any) -> None:
    runner = app.test_cli_runner()
    assert "正式运行" in runner.invoke(args=["trial", "mode"]).output
    assert "试运行" in runner.invoke(args=["trial", "mode", "trial", "--reason", "上线前演练"]).output
    org = pb.make_org()
    runner.invoke(args=["trial", "mode", "live"])
    preview = runner.invoke(args=["trial", "clear", "--dry-run"])
    assert "organizations：将删除 1 行" in preview.output
    refused = runner.invoke(args=["trial", "clear"], input="不确认\n")
    assert refused.exit_code != 0 and "确认语不正确" in refused.output
    done = runner.invoke(args=["trial", "clear", "--confirm", clearing.CONFIRMATION])
    assert done.exit_code == 0, done.output
    assert "organizations：已删除 1 行" in done.output and "时间线校验：通过" in done.output
    assert db.session.get(Organization, org.id) is None
    assert runner.invoke(args=["timeline", "verify"]).exit_code == 0

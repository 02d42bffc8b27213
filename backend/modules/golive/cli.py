"""`flask import …` (v1 history) and `flask trial …` (mode and clearing)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from backend.core import jurisdictions
from backend.core.access import Actor, Role
from backend.core.errors import DomainError

from . import clearing, importer, services, templates
from .kinds import KINDS
from .models import MODES, RUN_STATUSES

# Commands run by an operator on the server: recorded in the audit log without a user id.
OPERATOR = Actor(user_id=None, roles=frozenset({Role.CORPS_ADMIN}), jurisdiction=jurisdictions.CORPS)

import_group = AppGroup("import", help="导入原系统历史数据（格式见 docs/import.md）")
trial_group = AppGroup("trial", help="试运行：运行模式与试运行数据清除")


def _fail(exc: DomainError) -> click.ClickException:
    return click.ClickException(exc.message)


def _summary(run_id: int) -> None:
    run = importer.get_run(run_id)
    click.echo(
        f"导入任务 #{run.id}：{RUN_STATUSES.get(run.status, run.status)}{'（试导入，未保存）' if run.dry_run else ''}"
    )
    for key, counts in run.counts.items():
        name = KINDS[key].name
        click.echo(f"  {name}：新增 {counts['created']}，未变 {counts['unchanged']}，错误 {counts['failed']}")
    if run.errors_count:
        click.echo(f"  共 {run.errors_count} 条错误：flask import errors {run.id} -o errors.csv")


def _execute(run_id: int, batch_size: int) -> None:
    total = importer.ensure_total(run_id)
    with click.progressbar(length=total, label="导入进度", show_pos=True, show_percent=True) as bar:

        def progress(done: int, _total: int | None) -> None:
            bar.update(done - bar.pos)

        try:
            importer.execute(run_id, progress=progress, batch_size=batch_size)
        except Exception as exc:
            raise click.ClickException(f"导入中断：{exc}。修正后执行 flask import resume {run_id} 续传") from exc
    _summary(run_id)


@import_group.command("run")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只校验，不保存（报告新增数与错误）")
@click.option("--batch-size", default=importer.BATCH_SIZE, show_default=True, help="每批（一个事务）的行数")
def import_run(path: Path, dry_run: bool, batch_size: int) -> None:
    """Import a directory of CSV/XLSX files (or one file), in batches, resumable."""
    try:
        run = services.create_cli_run(path, dry_run)
    except DomainError as exc:
        raise _fail(exc) from exc
    click.echo(f"导入任务 #{run.id}：{len(run.files)} 个文件")
    _execute(run.id, batch_size)


@import_group.command("resume")
@click.argument("run_id", type=int)
@click.option("--batch-size", default=importer.BATCH_SIZE, show_default=True)
def import_resume(run_id: int, batch_size: int) -> None:
    """Continue an interrupted run from its last committed batch."""
    _execute(run_id, batch_size)


@import_group.command("status")
@click.argument("run_id", type=int)
def import_status(run_id: int) -> None:
    """Show a run's progress and counts."""
    try:
        _summary(run_id)
    except DomainError as exc:
        raise _fail(exc) from exc


@import_group.command("errors")
@click.argument("run_id", type=int)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="写入文件（默认输出到屏幕）")
def import_errors(run_id: int, output: Path | None) -> None:
    """Write a run's error file (CSV: file, line, column, reason)."""
    lines = services.error_file(OPERATOR, run_id)
    if output is None:
        for chunk in lines:
            click.echo(chunk.decode("utf-8").lstrip("\ufeff"), nl=False)
        return
    with output.open("wb") as handle:
        for chunk in lines:
            handle.write(chunk)
    click.echo(f"已写入 {output}")


@import_group.command("templates")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def import_templates(directory: Path) -> None:
    """Write the CSV templates (one per object) and the XLSX workbook."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in templates.template_files().items():
        (directory / name).write_bytes(content)
    click.echo(f"模板已写入 {directory}")


@trial_group.command("mode")
@click.argument("mode", required=False, type=click.Choice(sorted(MODES)))
@click.option("--reason", help="切换原因（记入审计日志）")
def trial_mode(mode: str | None, reason: str | None) -> None:
    """Show the system mode, or switch it (trial | live)."""
    state = services.switch_mode(OPERATOR, mode, reason) if mode else services.get_mode(OPERATOR)
    click.echo(f"当前运行模式：{state.mode_name}（{state.mode}）")


@trial_group.command("clear")
@click.option("--dry-run", is_flag=True, help="只统计将删除的数据")
@click.option("--confirm", "confirmation", help=f"确认语：{clearing.CONFIRMATION}")
def trial_clear(dry_run: bool, confirmation: str | None) -> None:
    """Delete the trial data (dry run first), re-chain the timeline, record the clearing."""
    report = services.clearing_preview(OPERATOR) if dry_run else None
    if report is None:
        confirmation = confirmation or click.prompt(f"请输入“{clearing.CONFIRMATION}”以确认")
        try:
            report = services.clear_trial(OPERATOR, confirmation)
        except DomainError as exc:
            raise _fail(exc) from exc
    verb = "已删除" if report.executed else "将删除"
    for table, rows in report.tables.items():
        click.echo(f"  {table}：{verb} {rows} 行")
    click.echo(f"共{verb} {report.total_rows} 行；文件 {report.files} 个；后台任务 {report.jobs} 个")
    click.echo(f"时间线重新链接 {report.rechained_events} 条")
    for blocker in report.blockers:
        click.echo(f"  无法清除：{blocker['message']}", err=True)
    if report.executed:
        click.echo(f"时间线校验：{'通过' if report.chain_verified else '失败'}")


commands = [import_group, trial_group]

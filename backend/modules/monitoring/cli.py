"""`flask monitoring …`: run a warning scan, compile monthly reports, recompute scores."""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask.cli import AppGroup

monitoring_group = AppGroup("monitoring", help="Process monitoring: warning scans, monthly reports, scores.")


def _moment(value: str | None, default: datetime) -> datetime:
    if not value:
        return default
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise click.BadParameter("须带时区，例如 2026-10-01T00:00:00+08:00")
    return moment


@monitoring_group.command("scan")
@click.option("--since", help="开始时间（ISO 8601，带时区）；默认昨天零点")
@click.option("--until", help="结束时间；默认现在")
@click.option("--rule", "rules", multiple=True, help="只运行这些规则（可重复）")
def scan_command(since: str | None, until: str | None, rules: tuple[str, ...]) -> None:
    """Run the warning rules over a window now."""
    from backend.core.timeutil import today, utcnow

    from .services import run_scan
    from .sqlutil import local_midnight
    from .warnings import RULES

    unknown = [r for r in rules if r not in RULES]
    if unknown:
        raise click.BadParameter(f"未知规则：{', '.join(unknown)}；可选：{', '.join(RULES)}")
    end = _moment(until, utcnow())
    start = _moment(since, local_midnight(today() - timedelta(days=1)))
    result = run_scan(start, end, list(rules) or None)
    click.echo(f"规则 {len(result['rules'])} 条；新增预警 {result['raised']} 条，补充证据 {result['updated']} 条")
    for rule, error in result["errors"].items():
        click.echo(f"规则 {rule} 运行失败：{error}", err=True)


@monitoring_group.command("compile-reports")
@click.option("--on", "on", help="按该日期编制其上月报表（YYYY-MM-DD）；默认今天")
def compile_reports_command(on: str | None) -> None:
    """Compile the previous month's report of every organisation that owes one."""
    from datetime import date

    from .reports import compile_due

    compiled = compile_due(date.fromisoformat(on) if on else None)
    click.echo(f"编制月度报表 {len(compiled)} 份")


@monitoring_group.command("scores")
def scores_command() -> None:
    """Recompute every organisation's and practitioner's score."""
    from .scores import recompute_all

    counts = recompute_all()
    click.echo(f"机构 {counts['organization']} 家、从业人员 {counts['practitioner']} 人的画像评分已更新")


commands = [monitoring_group]

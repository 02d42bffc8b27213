"""`flask timeline verify`: walk the hash chain and name the first row that does not match."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from backend.core.messages import message_for
from backend.core.timeline import verify_chain

timeline_group = AppGroup("timeline", help="全生命周期时间线")


@timeline_group.command("verify")
def verify() -> None:
    """Check that no timeline row was changed, inserted or deleted; exit 1 naming the first broken row."""
    report = verify_chain()
    if report.ok:
        click.echo(f"时间线完整：已校验 {report.checked} 条记录。")
        return
    click.echo(
        f"{message_for('timeline_chain_broken')}。第一条被破坏的记录：#{report.broken_at}，{report.reason}"
        f"（此前 {report.checked} 条完好）",
        err=True,
    )
    raise SystemExit(1)


commands = [timeline_group]

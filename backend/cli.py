"""`flask` commands: bootstrap, demo data, outbox, workers and the scheduler."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from backend.core.db import db

if TYPE_CHECKING:
    from rq import Queue
    from rq.job import Job


def register(app: Flask) -> None:
    app.cli.add_command(create_corps_admin)
    app.cli.add_command(outbox_group)
    app.cli.add_command(worker)
    app.cli.add_command(scheduler)
    app.cli.add_command(jobs_group)
    app.cli.add_command(schedule_group)
    app.cli.add_command(demo_group)
    app.cli.add_command(keys_group)


@click.command("create-corps-admin")
@click.option("--phone", required=True, help="手机号：该号码登录后即为总队管理员")
@click.option("--name", default="总队管理员", show_default=True)
def create_corps_admin(phone: str, name: str) -> None:
    """Create the first corps admin (activates when that phone logs in)."""
    from backend.modules.accounts.services import create_corps_admin as create

    assignment = create(phone, name)
    click.echo(f"总队管理员账号已分配（状态：{assignment.status}）。用该手机号登录即可使用。")


outbox_group = AppGroup("outbox", help="Development outbox of SMS and WeChat messages.")


@outbox_group.command("list")
@click.option("--channel", type=click.Choice(["sms", "wechat_template", "wechat_subscribe"]))
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines (for scripts).")
def outbox_list(channel: str | None, limit: int, as_json: bool) -> None:
    """List the newest outgoing messages."""
    from backend.core.outbox import OutboxMessage

    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if channel:
        stmt = stmt.where(OutboxMessage.channel == channel)
    for msg in db.session.scalars(stmt):
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "id": msg.id,
                        "channel": msg.channel,
                        "recipient": msg.recipient,
                        "payload": msg.payload,
                        "created_at": msg.created_at.isoformat(),
                    },
                    ensure_ascii=False,
                )
            )
        else:
            text = msg.payload.get("text") or json.dumps(msg.payload, ensure_ascii=False)
            click.echo(
                f"#{msg.id} {msg.created_at.astimezone():%Y-%m-%d %H:%M:%S} [{msg.channel}] {msg.recipient}: {text}"
            )


@click.command("worker")
@click.option("--queues", default="default,biometrics,documents,notifications", show_default=True)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(queues: str, burst: bool) -> None:
    """Run an RQ worker (needs REDIS_URL). Jobs run in this process inside the app context."""
    from rq import SimpleWorker

    from backend.extensions import redis_connection

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL 未配置：嵌入式默认模式下任务在进程内执行，无需 worker。")

    class AppWorker(SimpleWorker):
        def perform_job(self, job: Job, queue: Queue) -> bool:
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()

    w = AppWorker(queues.split(","), connection=redis_connection())
    w.work(with_scheduler=True, burst=burst)


@click.command("scheduler")
def scheduler() -> None:
    """Run the periodic tasks through RQ's cron scheduler (needs REDIS_URL and a worker)."""
    from rq.cron import CronScheduler

    from backend.core.schedule import run_periodic, tasks
    from backend.extensions import redis_connection

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL 未配置。")
    cron = CronScheduler(connection=redis_connection())
    for task in tasks():
        cron.register(
            run_periodic,
            queue_name=task.queue,
            args=(task.name,),
            interval=task.interval_seconds,
            name=task.name,
        )
    cron.start()


jobs_group = AppGroup("jobs", help="Background job maintenance.")


@jobs_group.command("recover")
def jobs_recover() -> None:
    """Re-enqueue jobs lost when Redis or a worker died."""
    from backend.core.jobs import recover_stale_jobs

    click.echo(f"重新入队 {recover_stale_jobs()} 个任务")


@jobs_group.command("probe")
@click.option("--fail-first", default=0, show_default=True, help="Fail this many attempts before succeeding.")
def jobs_probe(fail_first: int) -> None:
    """Enqueue a diagnostic job and print its id (watch it in GET /api/v1/admin/jobs)."""
    from backend.core.db import unit_of_work
    from backend.core.jobs import enqueue, probe

    with unit_of_work() as uow:
        job = enqueue(probe, max_attempts=3, fail_first=fail_first)
        uow.commit()
    db.session.refresh(job)
    click.echo(f"任务 #{job.id}: {job.status}")


@jobs_group.command("run-periodic")
@click.argument("name")
def jobs_run_periodic(name: str) -> None:
    """Run one periodic task now."""
    from backend.core.schedule import run_periodic

    run_periodic(name)
    click.echo("完成")


schedule_group = AppGroup("schedule", help="The periodic tasks.")


def _every(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _next_runs() -> dict[str, str]:
    """Next run of each task as a running RQ cron scheduler last saved it; empty when there is none to ask."""
    if not current_app.config.get("REDIS_URL"):
        return {}
    try:
        from rq.cron import CronScheduler

        from backend.extensions import redis_connection

        found: dict[str, str] = {}
        for cron in CronScheduler.all(redis_connection()):
            for job in cron.get_jobs():
                if job.next_enqueue_time is not None:
                    found[job.name] = f"{job.next_enqueue_time.astimezone():%Y-%m-%d %H:%M:%S}"
        return found
    except Exception:  # Redis unreachable: the table still shows what is declared
        return {}


@schedule_group.command("list")
def schedule_list() -> None:
    """Print every periodic task: name, declaring module, interval, queue, function and next run (when an RQ
    cron scheduler is running; otherwise each task first runs when the scheduler starts, then every interval)."""
    from backend.core.schedule import tasks

    declared = tasks()
    next_runs = _next_runs()
    header = ("NAME", "MODULE", "EVERY", "QUEUE", "FUNCTION", "NEXT RUN")
    rows = [
        (t.name, t.owner, _every(t.interval_seconds), t.queue, t.path, next_runs.get(t.name, "-")) for t in declared
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    for row in (header, *rows):
        click.echo("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    if not next_runs:
        click.echo("\nNext run unknown: no RQ cron scheduler is running (`flask scheduler`); a task first runs when")
        click.echo("the scheduler (or the embedded one of `make run`) starts, then once every interval.")


demo_group = AppGroup("demo", help="Demo data.")


@demo_group.command("load")
@click.option("--reset", is_flag=True, help="Drop demo users first (embedded only).")
def demo_load(reset: bool) -> None:
    """Load a realistic Shanghai demo: accounts for every role and, as modules add them, their data."""
    from backend.demo import load_demo

    summary = load_demo()
    for line in summary:
        click.echo(line)


keys_group = AppGroup("keys", help="Encryption keys.")


@keys_group.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt personal data still under an old key with DATA_ENCRYPTION_ACTIVE_KEY."""
    from backend.core.rotation import rotate

    total = 0
    for result in rotate():
        total += result.rows_reencrypted
        if result.rows_reencrypted:
            click.echo(f"{result.table}: {result.rows_reencrypted} 行已用新密钥重新加密")
    click.echo(f"完成，共 {total} 行")


@keys_group.command("new")
def keys_new() -> None:
    """Print a fresh random 32-byte key (base64) for DATA_ENCRYPTION_KEYS or LOOKUP_HASH_KEY."""
    from backend.core.crypto import new_key_b64

    click.echo(new_key_b64())

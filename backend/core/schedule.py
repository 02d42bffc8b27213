"""Periodic work (warning scans, spot-check expiry, stale-job recovery), declared once and run either by RQ's
cron scheduler (`flask scheduler`) or, in the embedded default, by a thread inside the web process."""

from __future__ import annotations

import importlib
import logging
import threading
import time
from dataclasses import dataclass

from flask import Flask

from .db import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str  # dotted path of a function taking no arguments, run inside an app context
    interval_seconds: int
    queue: str = "default"


# Core's own tasks; each module registers its tasks from its jobs.py (imported by its routes).
PERIODIC: list[Periodic] = [
    Periodic("recover_stale_jobs", "backend.core.jobs.recover_stale_jobs", 300),
]


def register(periodic: Periodic) -> None:
    if all(p.name != periodic.name for p in PERIODIC):
        PERIODIC.append(periodic)


def run_periodic(name: str) -> None:
    """What the scheduler enqueues: resolve and run one periodic task by name."""
    task = next(p for p in PERIODIC if p.name == name)
    module, _, attr = task.func.rpartition(".")
    try:
        getattr(importlib.import_module(module), attr)()
    finally:
        db.session.remove()


def start_embedded_scheduler(app: Flask, tick_seconds: int = 30) -> threading.Thread:
    """Embedded default: no Redis, no worker. A daemon thread runs each periodic task when it is due."""
    last_run: dict[str, float] = {}

    def loop() -> None:
        while True:
            now = time.monotonic()
            for task in list(PERIODIC):
                if now - last_run.get(task.name, -1e12) >= task.interval_seconds:
                    last_run[task.name] = now
                    with app.app_context():
                        try:
                            run_periodic(task.name)
                        except Exception:
                            log.exception("periodic task %s failed", task.name)
            time.sleep(tick_seconds)

    thread = threading.Thread(target=loop, name="embedded-scheduler", daemon=True)
    thread.start()
    return thread

"""Periodic work (warning scans, spot-check expiry, stale-job recovery), run either by RQ's cron scheduler
(`flask scheduler`) or, in the embedded default, by a thread inside the web process.

Nothing registers itself at import time. Core declares its own tasks (`backend.core.jobs.PERIODIC`) and each
module declares its tasks in a `PERIODIC` tuple in its own `jobs.py`; the app factory collects them all (core's,
then the modules' in the order of `backend.modules.MODULES`) and hands them to `install`, which keeps them on the
app. `flask schedule list` prints what is scheduled."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from .db import db

log = logging.getLogger(__name__)

_EXTENSION = "periodic_tasks"


@dataclass(frozen=True)
class Periodic:
    name: str
    func: Callable[[], Any]  # a module-level function taking no arguments, run inside an app context
    interval_seconds: int
    queue: str = "default"

    @property
    def path(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"

    @property
    def owner(self) -> str:
        """Who declared it, by the function's package: 'core' or the module's name."""
        parts = self.func.__module__.split(".")
        if parts[:2] == ["backend", "modules"] and len(parts) > 2:
            return parts[2]
        return "core" if parts[:2] == ["backend", "core"] else self.func.__module__


def install(app: Flask, declared: Iterable[Periodic]) -> None:
    """Keep the declared tasks on the app (called once by the app factory). Names must be unique: the scheduler
    and `flask jobs run-periodic` find a task by its name."""
    tasks = tuple(declared)
    seen: set[str] = set()
    for task in tasks:
        if task.name in seen:
            raise ValueError(f"periodic task declared twice: {task.name}")
        seen.add(task.name)
    app.extensions[_EXTENSION] = tasks


def tasks(app: Flask | None = None) -> tuple[Periodic, ...]:
    """The app's periodic tasks, as declared."""
    return tuple((app or current_app).extensions.get(_EXTENSION, ()))


def run_periodic(name: str) -> None:
    """What the scheduler enqueues: find one periodic task by name and run it."""
    task = next((p for p in tasks() if p.name == name), None)
    if task is None:
        raise LookupError(f"no periodic task named {name}")
    try:
        task.func()
    finally:
        db.session.remove()


def start_embedded_scheduler(app: Flask, tick_seconds: int = 30) -> threading.Thread:
    """Embedded default: no Redis, no worker. A daemon thread runs each periodic task when it is due."""
    last_run: dict[str, float] = {}

    def loop() -> None:
        while True:
            now = time.monotonic()
            for task in tasks(app):
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

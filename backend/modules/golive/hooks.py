"""Listeners of the go-live module, installed by the app factory (never by importing the module)."""

from __future__ import annotations

from flask import Flask

from . import trial


def install(app: Flask) -> None:
    """Before every flush, while the system is in its trial phase, mark new rows (and queued jobs) as trial data;
    it runs before the audit hook, so the audit log records is_trial as stored."""
    trial.install()

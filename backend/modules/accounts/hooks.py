"""Listeners of the accounts module, installed by the app factory (never by importing the module)."""

from __future__ import annotations

from flask import Flask

from . import actor_cache


def install(app: Flask) -> None:
    """After every commit that inserted, changed or deleted a user or a role, drop that user's cached actor and
    profile (ORM row events note the user; the session's after_commit listener replaces the stamp)."""
    actor_cache.watch_user_changes()

"""Periodic tasks of the accounts module (collected by the app factory, like every module's `jobs.PERIODIC`)."""

from __future__ import annotations

from backend.core.schedule import Periodic

from . import services

PERIODIC = (Periodic("purge_revoked_sessions", services.purge_revoked_sessions, 3600),)

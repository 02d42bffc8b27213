"""Periodic tasks of the accounts module, registered here like every module's own (core names no module)."""

from __future__ import annotations

from backend.core.schedule import Periodic, register

register(Periodic("purge_revoked_sessions", "backend.modules.accounts.services.purge_revoked_sessions", 3600))

"""Background entry points of the projects module. Thin: each calls one service."""

from __future__ import annotations

from backend.core.schedule import Periodic

from .services import checkin

SWEEP_EVERY_SECONDS = 900


def close_stale_visits() -> dict[str, int]:
    """Periodic: close visits nobody checked out (they stop blocking new check-ins and are marked)."""
    return {"closed": checkin.close_stale_visits()}


PERIODIC = (Periodic("close_stale_visits", close_stale_visits, SWEEP_EVERY_SECONDS),)

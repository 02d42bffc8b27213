"""Background entry points of the realname module: load ids, call a service."""

from __future__ import annotations

from typing import Any

from backend.core.jobs import BackgroundJob
from backend.core.schedule import Periodic

from . import services

DAY_SECONDS = 24 * 3600


def enrol_face(job: BackgroundJob, enrolment_id: int) -> dict[str, Any]:
    """Queue "biometrics": encode one enrolment photo and drop it."""
    enrolment = services.process_face_enrolment(enrolment_id)
    return {"status": enrolment.status, "fail_reason": enrolment.fail_reason}


def daily_recheck() -> None:
    """Periodic: certificates expire and calibrations lapse, so conditions are re-evaluated every day."""
    services.daily_recheck()


PERIODIC = (Periodic("realname_daily_recheck", daily_recheck, DAY_SECONDS),)

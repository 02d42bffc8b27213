"""Demo monitoring data from the other modules' demo activity: the previous month's reports compiled, the last
60 days scanned for warnings, and every score computed. Idempotent: reports are compiled once per month, a
warning once per rule, subject and period, and scores are replaced."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from backend.core.db import db
from backend.core.timeutil import utcnow

from . import reports, scores
from .models import MonitoringWarning
from .warnings.engine import day_window, scan

LOOKBACK = timedelta(days=60)


def load() -> list[str]:
    compiled = reports.compile_due()
    now = utcnow()
    result = scan(day_window(now - LOOKBACK, now))
    scored = scores.recompute_all()
    open_count = db.session.scalar(
        sa.select(sa.func.count()).where(MonitoringWarning.status.in_(("open", "acknowledged")))
    )
    return [
        f"月度报表：新编制 {len(compiled)} 份",
        f"预警研判：近60天扫描新增 {len(result.raised)} 条，当前未处理 {open_count} 条",
        f"画像评分：机构 {scored.get('organization', 0)} 家、从业人员 {scored.get('practitioner', 0)} 人",
    ]

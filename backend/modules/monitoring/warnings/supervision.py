"""Real-time spot checks (实时抽查) that failed (identity or location not confirmed) or went unanswered."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from backend.core.db import db

from ..readmodel import Practitioner, Project, SpotCheck
from ..sqlutil import local_day
from .registry import Detection, Settings, Window, group, rule


def _checks(status: str, moment: Any, window: Window) -> list[Any]:
    return list(
        db.session.execute(
            sa.select(
                SpotCheck.id,
                SpotCheck.practitioner_id,
                SpotCheck.org_id,
                SpotCheck.project_id,
                SpotCheck.district_code,
                SpotCheck.special_zone,
                SpotCheck.is_trial,
                local_day(moment).label("day"),
                Practitioner.name_masked,
                Project.project_no,
            )
            .join(Practitioner, Practitioner.id == SpotCheck.practitioner_id)
            .join(Project, Project.id == SpotCheck.project_id)
            .where(SpotCheck.status == status, moment >= window.start, moment < window.end)
            .order_by(SpotCheck.id)
        )
    )


def _detections(rows: list[Any], what: str) -> list[Detection]:
    return group(
        [
            Detection(
                "practitioner",
                row.practitioner_id,
                row.day,
                f"从业人员{row.name_masked}在项目{row.project_no}的实时抽查{what}",
                {"spot_check_ids": [row.id]},
                org_id=row.org_id,
                practitioner_id=row.practitioner_id,
                project_id=row.project_id,
                district_code=row.district_code,
                special_zone=row.special_zone,
                is_trial=row.is_trial,
            )
            for row in rows
        ]
    )


@rule(
    "spot_check_failed",
    family="supervision",
    title="实时抽查未通过",
    description="实时抽查答复的人脸或位置核验未通过",
    severity="high",
    subject_kind="practitioner",
    triggers=("spot_check.failed",),
)
def spot_check_failed(window: Window, settings: Settings) -> list[Detection]:
    return _detections(_checks("failed", SpotCheck.answered_at, window), "未通过")


@rule(
    "spot_check_unanswered",
    family="supervision",
    title="实时抽查逾期未答复",
    description="实时抽查在答复期限内没有答复",
    severity="medium",
    subject_kind="practitioner",
    triggers=("spot_check.expired",),
)
def spot_check_unanswered(window: Window, settings: Settings) -> list[Detection]:
    return _detections(_checks("expired", SpotCheck.deadline_at, window), "逾期未答复")

"""The client unit's answer (从业反馈): a dispute, or a rating at or below the threshold, is a warning about the
project it concerns."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from backend.core.db import db
from backend.core.timeutil import to_local

from ..readmodel import Feedback, Project
from ..sqlutil import month_key
from .registry import Detection, Param, Settings, Window, group, rule


def _answered(window: Window, *conditions: Any) -> list[Any]:
    return list(
        db.session.execute(
            sa.select(Feedback, Project.project_no, Project.name)
            .join(Project, Project.id == Feedback.project_id)
            .where(Feedback.responded_at >= window.start, Feedback.responded_at < window.end, *conditions)
            .order_by(Feedback.id)
        )
    )


def _detection(feedback: Feedback, project_no: str, text: str) -> Detection:
    return Detection(
        "project",
        feedback.project_id,
        month_key(to_local(feedback.responded_at or feedback.created_at).date()),
        f"项目{project_no}：{text}",
        {"feedback_ids": [feedback.id]},
        org_id=feedback.org_id,
        project_id=feedback.project_id,
        district_code=feedback.district_code,
        special_zone=feedback.special_zone,
        is_trial=feedback.is_trial,
    )


@rule(
    "client_dispute",
    family="feedback",
    title="委托单位对服务有异议",
    description="委托单位在从业反馈中对服务提出异议",
    severity="medium",
    subject_kind="project",
    triggers=("feedback.disputed",),
)
def client_dispute(window: Window, settings: Settings) -> list[Detection]:
    rows = _answered(window, Feedback.status == "disputed")
    return group([_detection(f, no, f"委托单位提出异议：{f.dispute_reason or '未说明原因'}") for f, no, _name in rows])


@rule(
    "low_rating",
    family="feedback",
    title="委托单位评价过低",
    description="委托单位确认服务时给出的评分不高于阈值",
    severity="medium",
    subject_kind="project",
    params=(Param("max_rating", "WARNING_LOW_RATING_MAX", 2, "评分不高于", "分", 1, 4),),
    triggers=("feedback.confirmed",),
)
def low_rating(window: Window, settings: Settings) -> list[Detection]:
    rows = _answered(window, Feedback.rating.is_not(None), Feedback.rating <= settings["max_rating"])
    return group([_detection(f, no, f"委托单位评分{f.rating}分（满分5分）") for f, no, _name in rows])

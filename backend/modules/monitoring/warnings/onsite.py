"""On-site authenticity (docs/design.md §4): the projects module refuses or flags each check-in as it
arrives (SiteVisit.reasons / .flags); these rules turn a day's refusals and flags into a warning about the
practitioner, with the visits as evidence."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from backend.core.db import db

from ..readmodel import Practitioner, Project, SiteVisit
from ..sqlutil import has_code, local_day
from .registry import Detection, Param, Settings, Window, group, rule

VISIT_TRIGGERS = ("visit.checked_in", "visit.check_in_refused")


def _min_count(code: str) -> Param:
    return Param("min_count", f"WARNING_{code.upper()}_MIN_COUNT", 1, "同一天内达到次数", "次", 1, 50)


def _visits_with(window: Window, column: Any, code: str) -> list[Any]:
    # Refusal reasons are on refused visits, flags on accepted ones: saying so lets the (status, checked_in_at)
    # index find the window's visits instead of reading every visit.
    statuses = ("rejected",) if column is SiteVisit.reasons else ("checked_in", "checked_out")
    return list(
        db.session.execute(
            sa.select(
                SiteVisit.id,
                SiteVisit.practitioner_id,
                SiteVisit.org_id,
                SiteVisit.project_id,
                SiteVisit.district_code,
                SiteVisit.special_zone,
                SiteVisit.is_trial,
                local_day(SiteVisit.checked_in_at).label("day"),
                Practitioner.name_masked,
                Project.project_no,
            )
            .join(Practitioner, Practitioner.id == SiteVisit.practitioner_id)
            .join(Project, Project.id == SiteVisit.project_id)
            .where(
                SiteVisit.status.in_(statuses),
                SiteVisit.checked_in_at >= window.start,
                SiteVisit.checked_in_at < window.end,
                has_code(column, code),
            )
            .order_by(SiteVisit.id)
        )
    )


def _per_practitioner_day(rows: list[Any], settings: Settings, what: str) -> list[Detection]:
    by_key: dict[tuple[int, str], list[Any]] = {}
    for row in rows:
        by_key.setdefault((row.practitioner_id, row.day), []).append(row)
    found = []
    for (practitioner_id, day), visits in by_key.items():
        if len(visits) < settings["min_count"]:
            continue
        first = visits[0]
        projects = "、".join(dict.fromkeys(v.project_no for v in visits))
        found.append(
            Detection(
                "practitioner",
                practitioner_id,
                day,
                f"从业人员{first.name_masked}于{day}有{len(visits)}次签到{what}（项目{projects}）",
                {"visit_ids": [v.id for v in visits]},
                org_id=first.org_id,
                practitioner_id=practitioner_id,
                project_id=first.project_id,
                district_code=first.district_code,
                special_zone=first.special_zone,
                is_trial=first.is_trial,
            )
        )
    return group(found)


@rule(
    "face_mismatch",
    family="onsite",
    title="人脸比对不一致",
    description="签到照片与本人注册人脸的距离超过容差，签到被拒绝（可能由他人代签）",
    severity="high",
    subject_kind="practitioner",
    params=(_min_count("face_mismatch"),),
    triggers=VISIT_TRIGGERS,
)
def face_mismatch(window: Window, settings: Settings) -> list[Detection]:
    return _per_practitioner_day(_visits_with(window, SiteVisit.reasons, "face_mismatch"), settings, "人脸比对不一致")


@rule(
    "outside_geofence",
    family="onsite",
    title="签到位置在项目电子围栏外",
    description="签到定位（换算为 WGS-84 后）不在项目电子围栏内，签到被拒绝",
    severity="medium",
    subject_kind="practitioner",
    params=(_min_count("outside_geofence"),),
    triggers=VISIT_TRIGGERS,
)
def outside_geofence(window: Window, settings: Settings) -> list[Detection]:
    rows = _visits_with(window, SiteVisit.reasons, "outside_geofence")
    return _per_practitioner_day(rows, settings, "定位在项目电子围栏外")


@rule(
    "photo_replay",
    family="onsite",
    title="签到照片重复使用",
    description="签到照片与此前提交的照片相同或高度相似（翻拍、重放），签到被拒绝",
    severity="high",
    subject_kind="practitioner",
    params=(_min_count("photo_replay"),),
    triggers=VISIT_TRIGGERS,
)
def photo_replay(window: Window, settings: Settings) -> list[Detection]:
    rows = _visits_with(window, SiteVisit.reasons, "photo_replayed")
    return _per_practitioner_day(rows, settings, "使用了此前提交过的照片")


@rule(
    "impossible_travel",
    family="onsite",
    title="签到间移动速度异常",
    description="与上一次签到或签出相比，移动速度超过设定上限（默认 120 km/h），不可能如实到场",
    severity="medium",
    subject_kind="practitioner",
    params=(_min_count("impossible_travel"),),
    triggers=VISIT_TRIGGERS,
)
def impossible_travel(window: Window, settings: Settings) -> list[Detection]:
    rows = _visits_with(window, SiteVisit.flags, "impossible_travel")
    return _per_practitioner_day(rows, settings, "与上一次签到之间的移动速度不可能达到")


@rule(
    "device_shared",
    family="onsite",
    title="多人共用签到设备",
    description="同一设备在数分钟内被另一名从业人员用于签到",
    severity="medium",
    subject_kind="practitioner",
    params=(_min_count("device_shared"),),
    triggers=VISIT_TRIGGERS,
)
def device_shared(window: Window, settings: Settings) -> list[Detection]:
    rows = _visits_with(window, SiteVisit.flags, "device_shared")
    return _per_practitioner_day(rows, settings, "使用了他人刚用过的设备")

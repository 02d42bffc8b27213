"""Time on site and sites per day: a maintenance or testing job on a large building cannot be done in minutes,
and nobody serves a dozen buildings in a day. Both are measured from accepted visits.

Each rule is two queries whatever the number of findings: an aggregate finds the (practitioner, day) groups
over the threshold, then one read collects those groups' visits as evidence.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from backend.core.db import column_map, db

from ..readmodel import Practitioner, Project, SiteVisit
from ..sqlutil import local_day
from .registry import Detection, Param, Settings, Window, group, rule

ACCEPTED = ("checked_in", "checked_out")


def required_minutes(area_m2: float, settings: Settings) -> float:
    """The least time on site for a building of this floor area: a floor, plus so much per 10,000 m², capped."""
    scaled = area_m2 / 10_000 * settings["minutes_per_10k_m2"]
    return min(max(scaled, settings["min_minutes"]), settings["max_required_minutes"])


def _required_seconds_sql(settings: Settings) -> sa.ColumnElement[float]:
    scaled = Project.floor_area_m2 / 10_000.0 * float(settings["minutes_per_10k_m2"])
    at_least = sa.case((scaled > settings["min_minutes"], scaled), else_=float(settings["min_minutes"]))
    capped = sa.case(
        (at_least > settings["max_required_minutes"], float(settings["max_required_minutes"])), else_=at_least
    )
    return capped * 60.0


def _visits_of(
    window: Window, practitioner_ids: set[int], statuses: tuple[str, ...]
) -> dict[tuple[int, str], list[Any]]:
    """The window's visits of these practitioners, by (practitioner, Shanghai day), oldest first."""
    found: dict[tuple[int, str], list[Any]] = {}
    if not practitioner_ids:
        return found
    rows = db.session.execute(
        sa.select(
            SiteVisit.id,
            SiteVisit.practitioner_id,
            SiteVisit.project_id,
            SiteVisit.org_id,
            SiteVisit.district_code,
            SiteVisit.special_zone,
            SiteVisit.is_trial,
            SiteVisit.duration_s,
            local_day(SiteVisit.checked_in_at).label("day"),
        )
        .where(
            SiteVisit.practitioner_id.in_(sorted(practitioner_ids)),
            SiteVisit.status.in_(statuses),
            SiteVisit.checked_in_at >= window.start,
            SiteVisit.checked_in_at < window.end,
        )
        .order_by(SiteVisit.id)
    )
    for row in rows:
        found.setdefault((row.practitioner_id, row.day), []).append(row)
    return found


def _names(practitioner_ids: set[int]) -> dict[int, str]:
    if not practitioner_ids:
        return {}
    return column_map(
        sa.select(Practitioner.id, Practitioner.name_masked).where(Practitioner.id.in_(sorted(practitioner_ids)))
    )


@rule(
    "onsite_too_short",
    family="workload",
    title="现场作业时间过短",
    description="同一天在一个项目的在场时间（签到至签出）少于按建筑面积计算的最短时间",
    severity="medium",
    subject_kind="practitioner",
    params=(
        Param("min_minutes", "WARNING_ONSITE_MIN_MINUTES", 20, "最短在场时间", "分钟", 1, 480),
        Param("minutes_per_10k_m2", "WARNING_ONSITE_MINUTES_PER_10K_M2", 15, "每万平方米所需时间", "分钟", 0, 480),
        Param("max_required_minutes", "WARNING_ONSITE_MAX_REQUIRED_MINUTES", 240, "所需时间上限", "分钟", 1, 960),
    ),
    triggers=("visit.checked_out",),
)
def onsite_too_short(window: Window, settings: Settings) -> list[Detection]:
    day = local_day(SiteVisit.checked_in_at).label("day")
    on_site = sa.func.sum(SiteVisit.duration_s)
    short = db.session.execute(
        sa.select(
            SiteVisit.practitioner_id,
            SiteVisit.project_id,
            day,
            on_site.label("seconds"),
            Project.project_no,
            Project.floor_area_m2,
        )
        .join(Project, Project.id == SiteVisit.project_id)
        .where(
            SiteVisit.status == "checked_out",
            SiteVisit.duration_s.is_not(None),
            SiteVisit.checked_in_at >= window.start,
            SiteVisit.checked_in_at < window.end,
            Project.floor_area_m2.is_not(None),
        )
        .group_by(SiteVisit.practitioner_id, SiteVisit.project_id, day, Project.project_no, Project.floor_area_m2)
        .having(on_site < _required_seconds_sql(settings))
    ).all()
    people = {row.practitioner_id for row in short}
    visits, names = _visits_of(window, people, ("checked_out",)), _names(people)
    found = []
    for row in short:
        evidence = [
            v for v in visits.get((row.practitioner_id, row.day), []) if v.project_id == row.project_id and v.duration_s
        ]
        first = evidence[0]
        needed = round(required_minutes(row.floor_area_m2, settings))
        found.append(
            Detection(
                "practitioner",
                row.practitioner_id,
                row.day,
                f"从业人员{names.get(row.practitioner_id, '')}于{row.day}在项目{row.project_no}"
                f"（建筑面积{row.floor_area_m2:g}平方米）在场{round(row.seconds / 60)}分钟，少于应有的{needed}分钟",
                {"visit_ids": [v.id for v in evidence]},
                org_id=first.org_id,
                practitioner_id=row.practitioner_id,
                project_id=row.project_id,
                district_code=first.district_code,
                special_zone=first.special_zone,
                is_trial=first.is_trial,
            )
        )
    return group(found)


@rule(
    "too_many_sites",
    family="workload",
    title="单日执业项目过多",
    description="同一从业人员一天内签到的项目数超过上限",
    severity="medium",
    subject_kind="practitioner",
    params=(Param("max_sites", "WARNING_MAX_SITES_PER_DAY", 5, "每日项目数上限", "个", 1, 50),),
    triggers=("visit.checked_in",),
)
def too_many_sites(window: Window, settings: Settings) -> list[Detection]:
    day = local_day(SiteVisit.checked_in_at).label("day")
    sites = sa.func.count(sa.distinct(SiteVisit.project_id))
    busy = db.session.execute(
        sa.select(SiteVisit.practitioner_id, day, sites.label("sites"))
        .where(
            SiteVisit.status.in_(ACCEPTED),
            SiteVisit.checked_in_at >= window.start,
            SiteVisit.checked_in_at < window.end,
        )
        .group_by(SiteVisit.practitioner_id, day)
        .having(sites > settings["max_sites"])
    ).all()
    people = {row.practitioner_id for row in busy}
    visits, names = _visits_of(window, people, ACCEPTED), _names(people)
    found = []
    for practitioner_id, busy_day, count in busy:
        evidence = visits[(practitioner_id, busy_day)]
        first = evidence[0]
        found.append(
            Detection(
                "practitioner",
                practitioner_id,
                busy_day,
                f"从业人员{names.get(practitioner_id, '')}于{busy_day}在{count}个项目签到，"
                f"超过每日{settings['max_sites']}个的上限",
                {"visit_ids": [v.id for v in evidence]},
                org_id=first.org_id,
                practitioner_id=practitioner_id,
                district_code=first.district_code,
                special_zone=first.special_zone,
                is_trial=first.is_trial,
            )
        )
    return found

"""Scores (画像): an explainable 100-point score for each organisation and practitioner.

Six factors, each worth a configurable weight (the weights add up to 100):
- 委托单位评价: the average client rating over the window, scaled from 1 (nothing) to 5 (full weight);
- 预警: the full weight less points per warning by severity (dismissed warnings do not count);
- 行政处罚与信用: the full weight less points per penalty decision and its credit points (第三十一条);
- 实时抽查: the share of spot checks passed;
- 维保计划执行: the share of plan items done, from the monthly reports;
- 现场执业合规: the share of check-ins accepted without any flag.
A share with nothing to measure yet counts at a neutral fraction and says so. Each contribution is rounded to
a tenth of a point and the score is their sum, so the factors shown add up to the score exactly.

Computed with one aggregate query per factor for any set of subjects (or all of them): nightly for everyone,
and after events for the organisations and practitioners they concern.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from backend.core.access import Actor, area_clause
from backend.core.db import db, unit_of_work
from backend.core.errors import Forbidden, NotFound
from backend.core.pagination import decode_cursor, encode_cursor
from backend.core.timeutil import to_local, today, utcnow
from backend.modules.realname.conditions import MONITORED_STATUSES

from .models import MonitoringWarning, MonthlyReport, Score
from .readmodel import (
    Employment,
    Feedback,
    FeedbackVisit,
    Organization,
    Penalty,
    Practitioner,
    Project,
    SiteVisit,
    SpotCheck,
    organization_by_id,
    practitioner_by_id,
)
from .sqlutil import empty_list, month_key

DEFAULTS: dict[str, Any] = {
    "SCORE_WEIGHT_RATINGS": 25,
    "SCORE_WEIGHT_WARNINGS": 20,
    "SCORE_WEIGHT_PENALTIES": 20,
    "SCORE_WEIGHT_SPOT_CHECKS": 15,
    "SCORE_WEIGHT_PLAN": 10,
    "SCORE_WEIGHT_ONSITE": 10,
    "SCORE_WINDOW_DAYS": 365,
    "SCORE_PENALTY_WINDOW_DAYS": 730,
    "SCORE_NEUTRAL_FRACTION": 0.8,
    "SCORE_WARNING_POINTS_HIGH": 4.0,
    "SCORE_WARNING_POINTS_MEDIUM": 2.0,
    "SCORE_WARNING_POINTS_LOW": 1.0,
    "SCORE_PENALTY_POINTS": 5.0,
    "SCORE_GRADE_A": 90,
    "SCORE_GRADE_B": 75,
    "SCORE_GRADE_C": 60,
}
FACTORS = (
    ("ratings", "委托单位评价", "SCORE_WEIGHT_RATINGS"),
    ("warnings", "预警", "SCORE_WEIGHT_WARNINGS"),
    ("penalties", "行政处罚与信用", "SCORE_WEIGHT_PENALTIES"),
    ("spot_checks", "实时抽查", "SCORE_WEIGHT_SPOT_CHECKS"),
    ("plan", "维保计划执行", "SCORE_WEIGHT_PLAN"),
    ("onsite", "现场执业合规", "SCORE_WEIGHT_ONSITE"),
)
ACCEPTED = ("checked_in", "checked_out")
CHUNK = 2000


def setting(name: str) -> Any:
    return current_app.config.get(name, DEFAULTS[name])


def weights() -> dict[str, int]:
    found = {key: int(setting(config)) for key, _, config in FACTORS}
    if sum(found.values()) != 100:
        raise ValueError(f"score weights must add up to 100, not {sum(found.values())}")
    return found


def grade_of(tenths: int) -> str:
    for grade, config in (("A", "SCORE_GRADE_A"), ("B", "SCORE_GRADE_B"), ("C", "SCORE_GRADE_C")):
        if tenths >= int(setting(config)) * 10:
            return grade
    return "D"


# --- inputs: one aggregate per factor, for a set of subjects --------------------------------------------------


@dataclass(frozen=True)
class Subjects:
    kind: str  # organization | practitioner
    ids: list[int] | None  # None: all of them

    def only(self, column: Any) -> sa.ColumnElement[bool]:
        return sa.true() if self.ids is None else column.in_(self.ids)


def _by_subject(stmt: sa.Select[Any]) -> dict[int, Any]:
    return {row[0]: row for row in db.session.execute(stmt)}


def rating_inputs(subjects: Subjects, since: Any) -> dict[int, Any]:
    answered = sa.and_(Feedback.rating.is_not(None), Feedback.responded_at >= since)
    if subjects.kind == "organization":
        return _by_subject(
            sa.select(Feedback.org_id, sa.func.avg(Feedback.rating), sa.func.count(Feedback.id))
            .where(answered, subjects.only(Feedback.org_id))
            .group_by(Feedback.org_id)
        )
    # A practitioner answers for the feedback on their own visits and on the projects they lead.
    pairs = sa.union(
        sa.select(SiteVisit.practitioner_id.label("pid"), FeedbackVisit.feedback_id.label("fid")).join(
            SiteVisit, SiteVisit.id == FeedbackVisit.visit_id
        ),
        sa.select(Project.lead_practitioner_id.label("pid"), Feedback.id.label("fid")).join(
            Project, Project.id == Feedback.project_id
        ),
    ).subquery()
    return _by_subject(
        sa.select(pairs.c.pid, sa.func.avg(Feedback.rating), sa.func.count(Feedback.id))
        .join(Feedback, Feedback.id == pairs.c.fid)
        .where(answered, pairs.c.pid.is_not(None), subjects.only(pairs.c.pid))
        .group_by(pairs.c.pid)
    )


def warning_inputs(subjects: Subjects, since: Any) -> dict[int, dict[str, int]]:
    column = MonitoringWarning.org_id if subjects.kind == "organization" else MonitoringWarning.practitioner_id
    rows = db.session.execute(
        sa.select(column, MonitoringWarning.severity, sa.func.count())
        .where(
            column.is_not(None),
            subjects.only(column),
            MonitoringWarning.detected_at >= since,
            MonitoringWarning.status != "dismissed",
        )
        .group_by(column, MonitoringWarning.severity)
    )
    found: dict[int, dict[str, int]] = {}
    for subject_id, severity, count in rows:
        found.setdefault(subject_id, {})[severity] = int(count)
    return found


def penalty_inputs(subjects: Subjects, since_day: Any) -> dict[int, Any]:
    column: sa.orm.QueryableAttribute[int | None]
    if subjects.kind == "organization":
        column, kind = Penalty.org_id, Penalty.subject_kind == "organization"
    else:
        column, kind = Penalty.practitioner_id, Penalty.subject_kind == "practitioner"
    return _by_subject(
        sa.select(column, sa.func.count(), sa.func.coalesce(sa.func.sum(Penalty.credit_points), 0))
        .where(kind, column.is_not(None), subjects.only(column), Penalty.decided_on >= since_day)
        .group_by(column)
    )


def spot_check_inputs(subjects: Subjects, since: Any) -> dict[int, Any]:
    column = SpotCheck.org_id if subjects.kind == "organization" else SpotCheck.practitioner_id
    return _by_subject(
        sa.select(
            column,
            sa.func.count().filter(SpotCheck.status == "passed"),
            sa.func.count().filter(SpotCheck.status.in_(("passed", "failed", "expired"))),
        )
        .where(subjects.only(column), SpotCheck.issued_at >= since)
        .group_by(column)
    )


def onsite_inputs(subjects: Subjects, since: Any) -> dict[int, Any]:
    column = SiteVisit.org_id if subjects.kind == "organization" else SiteVisit.practitioner_id
    clean = sa.and_(SiteVisit.status.in_(ACCEPTED), empty_list(SiteVisit.flags))
    return _by_subject(
        sa.select(column, sa.func.count().filter(clean), sa.func.count())
        .where(subjects.only(column), SiteVisit.checked_in_at >= since)
        .group_by(column)
    )


def plan_inputs(subjects: Subjects, since_month: str) -> dict[int, list[int]]:
    """[due, done] from the monthly reports' plan figures (organisations: theirs; practitioners: the projects
    they lead)."""
    stmt = sa.select(MonthlyReport.org_id, MonthlyReport.figures).where(MonthlyReport.month >= since_month)
    if subjects.kind == "organization":
        stmt = stmt.where(subjects.only(MonthlyReport.org_id))
    found: dict[int, list[int]] = {}
    wanted = None if subjects.ids is None else set(subjects.ids)
    for org_id, figures in db.session.execute(stmt):
        if subjects.kind == "organization":
            plan = figures.get("plan", {})
            totals = found.setdefault(org_id, [0, 0])
            totals[0] += int(plan.get("due") or 0)
            totals[1] += int(plan.get("done") or 0)
            continue
        for row in figures.get("plan_projects", []):
            lead = row.get("lead_practitioner_id")
            if lead is None or (wanted is not None and lead not in wanted):
                continue
            totals = found.setdefault(lead, [0, 0])
            totals[0] += int(row.get("due") or 0)
            totals[1] += int(row.get("done") or 0)
    return found


# --- factors ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    key: str
    label: str
    weight: int
    tenths: int
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "weight": self.weight,
            "points": self.tenths / 10,
            "detail": self.detail,
        }


def _share(weight: int, part: int, whole: int) -> int:
    fraction = part / whole if whole else float(setting("SCORE_NEUTRAL_FRACTION"))
    return round(weight * 10 * fraction)


def _less(weight: int, points: float) -> int:
    return max(0, weight * 10 - round(points * 10))


@dataclass(frozen=True)
class Inputs:
    ratings: dict[int, Any]
    warnings: dict[int, dict[str, int]]
    penalties: dict[int, Any]
    spot_checks: dict[int, Any]
    plan: dict[int, list[int]]
    onsite: dict[int, Any]


def window_start_month(now: datetime, days: int) -> str:
    """The month, as Shanghai counts months, in which the score window ending at `now` starts: its first
    monthly report. (The UTC date is a day behind from 00:00 to 08:00 Shanghai, which on the 1st named the
    month before and counted one report too many.)"""
    return month_key(to_local(now - timedelta(days=days)).date())


def gather(subjects: Subjects) -> Inputs:
    now = utcnow()
    since = now - timedelta(days=int(setting("SCORE_WINDOW_DAYS")))
    since_day = today() - timedelta(days=int(setting("SCORE_PENALTY_WINDOW_DAYS")))
    since_month = window_start_month(now, int(setting("SCORE_WINDOW_DAYS")))
    return Inputs(
        rating_inputs(subjects, since),
        warning_inputs(subjects, since),
        penalty_inputs(subjects, since_day),
        spot_check_inputs(subjects, since),
        plan_inputs(subjects, since_month),
        onsite_inputs(subjects, since),
    )


def factors_for(subject_id: int, inputs: Inputs, weight: dict[str, int]) -> list[Factor]:
    neutral = "，按中性值计"
    found = []

    rating = inputs.ratings.get(subject_id)
    if rating is None:
        found.append(
            Factor("ratings", "委托单位评价", weight["ratings"], _share(weight["ratings"], 0, 0), "暂无评价" + neutral)
        )
    else:
        average = float(rating[1])
        tenths = round(weight["ratings"] * 10 * (average - 1) / 4)
        found.append(
            Factor("ratings", "委托单位评价", weight["ratings"], tenths, f"评价{rating[2]}次，平均{average:.2f}分")
        )

    counts = inputs.warnings.get(subject_id, {})
    points = sum(
        counts.get(level, 0) * float(setting(f"SCORE_WARNING_POINTS_{level.upper()}"))
        for level in ("high", "medium", "low")
    )
    levels = "、".join(
        f"{name}{counts.get(level, 0)}" for level, name in (("high", "高"), ("medium", "中"), ("low", "低"))
    )
    detail = f"预警{sum(counts.values())}条（{levels}），扣{points:g}分" if counts else "无预警"
    found.append(Factor("warnings", "预警", weight["warnings"], _less(weight["warnings"], points), detail))

    penalty = inputs.penalties.get(subject_id)
    if penalty is None:
        found.append(Factor("penalties", "行政处罚与信用", weight["penalties"], weight["penalties"] * 10, "无行政处罚"))
    else:
        points = int(penalty[1]) * float(setting("SCORE_PENALTY_POINTS")) + int(penalty[2])
        detail = f"行政处罚{penalty[1]}起，信用扣分{penalty[2]}，共扣{points:g}分"
        found.append(
            Factor("penalties", "行政处罚与信用", weight["penalties"], _less(weight["penalties"], points), detail)
        )

    passed, total = (int(v) for v in inputs.spot_checks.get(subject_id, (subject_id, 0, 0))[1:])
    detail = f"实时抽查{total}次，通过{passed}次" if total else "暂无实时抽查" + neutral
    found.append(
        Factor("spot_checks", "实时抽查", weight["spot_checks"], _share(weight["spot_checks"], passed, total), detail)
    )

    due, done = inputs.plan.get(subject_id, [0, 0])
    detail = f"维保计划应完成{due}项，完成{done}项" if due else "暂无维保计划数据" + neutral
    found.append(Factor("plan", "维保计划执行", weight["plan"], _share(weight["plan"], done, due), detail))

    clean, visits = (int(v) for v in inputs.onsite.get(subject_id, (subject_id, 0, 0))[1:])
    detail = f"签到{visits}次，无异常{clean}次" if visits else "暂无现场签到" + neutral
    found.append(Factor("onsite", "现场执业合规", weight["onsite"], _share(weight["onsite"], clean, visits), detail))
    return found


# --- storing ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    org_id: int | None
    district_code: str | None
    special_zone: str | None
    is_trial: bool


def _org_places(ids: list[int] | None) -> dict[int, Place]:
    stmt = sa.select(Organization).where(Organization.status.in_(MONITORED_STATUSES))
    if ids is not None:
        stmt = stmt.where(Organization.id.in_(ids))
    return {o.id: Place(o.id, o.district_code, o.special_zone, o.is_trial) for o in db.session.scalars(stmt)}


def _practitioner_places(ids: list[int] | None) -> dict[int, Place]:
    """Practitioners with an active employment (their employer places them in a district)."""
    stmt = (
        sa.select(
            Employment.practitioner_id,
            Organization.id,
            Organization.district_code,
            Organization.special_zone,
            Practitioner.is_trial,
        )
        .join(Organization, Organization.id == Employment.org_id)
        .join(Practitioner, Practitioner.id == Employment.practitioner_id)
        .where(Employment.status == "active")
    )
    if ids is not None:
        stmt = stmt.where(Employment.practitioner_id.in_(ids))
    return {
        pid: Place(org_id, district, zone, trial) for pid, org_id, district, zone, trial in db.session.execute(stmt)
    }


def _store(kind: str, places: dict[int, Place], inputs: Inputs) -> int:
    weight = weights()
    ids = sorted(places)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with unit_of_work() as uow:
            existing = {
                s.subject_id: s
                for s in db.session.scalars(
                    sa.select(Score).where(Score.subject_kind == kind, Score.subject_id.in_(chunk))
                )
            }
            now = utcnow()
            for subject_id in chunk:
                factors = factors_for(subject_id, inputs, weight)
                tenths = sum(f.tenths for f in factors)
                place = places[subject_id]
                score = existing.get(subject_id) or Score(subject_kind=kind, subject_id=subject_id)
                if score.id is None:
                    db.session.add(score)
                score.score_tenths = tenths
                score.grade = grade_of(tenths)
                score.factors = [f.as_dict() for f in factors]
                score.org_id = place.org_id
                score.district_code = place.district_code
                score.special_zone = place.special_zone
                score.is_trial = place.is_trial
                score.computed_at = now
            uow.commit()
    return len(ids)


def recompute(org_ids: Iterable[int] | None = None, practitioner_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Scores of the given organisations and practitioners; None for a kind means all of that kind."""
    counts = {}
    for kind, ids, places_of in (
        ("organization", org_ids, _org_places),
        ("practitioner", practitioner_ids, _practitioner_places),
    ):
        wanted = None if ids is None else sorted(set(ids))
        if wanted == []:
            counts[kind] = 0
            continue
        places = places_of(wanted)
        inputs = gather(Subjects(kind, sorted(places) if wanted is not None else None))
        counts[kind] = _store(kind, places, inputs)
        db.session.rollback()
    return counts


def recompute_all() -> dict[str, int]:
    return recompute(None, None)


# --- reading ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreView:
    score: Score
    name: str

    def __getattr__(self, name: str) -> Any:
        if name in ("score", "name"):
            raise AttributeError(name)
        return getattr(self.score, name)

    @property
    def value(self) -> float:
        return self.score.score


def _current(kind: str, subject_id: int) -> Score:
    score = db.session.scalar(sa.select(Score).where(Score.subject_kind == kind, Score.subject_id == subject_id))
    if score is None:
        if kind == "organization":
            recompute(org_ids=[subject_id], practitioner_ids=[])
        else:
            recompute(org_ids=[], practitioner_ids=[subject_id])
        score = db.session.scalar(sa.select(Score).where(Score.subject_kind == kind, Score.subject_id == subject_id))
    if score is None:
        raise NotFound("score_not_available")
    return score


def org_score(actor: Actor, org_id: int) -> ScoreView:
    org = organization_by_id(org_id)
    if org is None:
        raise NotFound("org_not_found")
    if org.id not in actor.org_ids and not actor.covers(org.district_code, org.special_zone):
        raise Forbidden("out_of_jurisdiction" if actor.is_supervisory else "forbidden")
    return ScoreView(_current("organization", org.id), org.name)


def practitioner_score(actor: Actor, practitioner_id: int) -> ScoreView:
    practitioner = practitioner_by_id(practitioner_id)
    if practitioner is None:
        raise NotFound("practitioner_not_found")
    places = _practitioner_places([practitioner.id])
    place = places.get(practitioner.id)
    own = practitioner.user_id == actor.user_id
    employer = place is not None and place.org_id in actor.org_ids
    supervises = place is not None and actor.covers(place.district_code, place.special_zone)
    if not (own or employer or supervises):
        raise Forbidden("out_of_jurisdiction" if actor.is_supervisory else "forbidden")
    return ScoreView(_current("practitioner", practitioner.id), practitioner.name_masked)


# --- the public ranking -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    rank: int
    org: Organization
    score_tenths: int
    grade: str
    computed_at: Any

    @property
    def score(self) -> float:
        return self.score_tenths / 10


@dataclass
class RankingPage:
    items: list[Ranked]
    next_cursor: str | None


def rankings(args: dict[str, Any]) -> RankingPage:
    """Organisations in practice by score (no personal data): rank, name, credit code, score and grade."""
    rank = sa.func.rank().over(order_by=Score.score_tenths.desc()).label("rank")
    ranked = (
        sa.select(Score.subject_id.label("org_id"), Score.score_tenths, Score.grade, Score.computed_at, rank)
        .join(Organization, Organization.id == Score.subject_id)
        .where(
            Score.subject_kind == "organization",
            Organization.status.in_(MONITORED_STATUSES),
            Organization.is_trial.is_(False),
        )
    )
    if args.get("district_code"):
        ranked = ranked.where(Organization.district_code == args["district_code"])
    sub = ranked.subquery()
    stmt = sa.select(sub, Organization).join(Organization, Organization.id == sub.c.org_id)
    if args.get("org_ids"):
        # Filtered after ranking: a search result shows each organisation's place in the whole ranking.
        stmt = stmt.where(sub.c.org_id.in_(args["org_ids"]))
    if args.get("cursor"):
        score_tenths, org_id = decode_cursor(args["cursor"], ["int", "int"])
        stmt = stmt.where(
            sa.or_(
                sub.c.score_tenths < score_tenths, sa.and_(sub.c.score_tenths == score_tenths, sub.c.org_id > org_id)
            )
        )
    rows = db.session.execute(stmt.order_by(sub.c.score_tenths.desc(), sub.c.org_id).limit(args["limit"] + 1)).all()
    items = [Ranked(r.rank, r.Organization, r.score_tenths, r.grade, r.computed_at) for r in rows[: args["limit"]]]
    cursor = encode_cursor([items[-1].score_tenths, items[-1].org.id]) if len(rows) > args["limit"] else None
    return RankingPage(items, cursor)


# --- practitioners ranked, for their supervisors and employers ---------------------------------------------


@dataclass(frozen=True)
class RankedPractitioner:
    rank: int
    practitioner_id: int
    name_masked: str
    org_id: int | None
    org_name: str | None
    score_tenths: int
    grade: str
    computed_at: Any

    @property
    def score(self) -> float:
        return self.score_tenths / 10


@dataclass
class PractitionerRankingPage:
    items: list[RankedPractitioner]
    next_cursor: str | None


def practitioner_rankings(actor: Actor, args: dict[str, Any]) -> PractitionerRankingPage:
    """Practitioners by score within what the caller sees: a supervisor its jurisdiction (by the employer's place,
    as the score recorded it), an organisation its own staff. Ranks are within that set (and the filters)."""
    if actor.is_supervisory:
        scope = area_clause(actor, Score.district_code, Score.special_zone)
    elif actor.org_ids:
        scope = Score.org_id.in_(sorted(actor.org_ids))
    else:
        raise Forbidden("forbidden")
    ranked = sa.select(
        Score.subject_id.label("practitioner_id"),
        Score.org_id,
        Score.score_tenths,
        Score.grade,
        Score.computed_at,
        sa.func.rank().over(order_by=Score.score_tenths.desc()).label("rank"),
    ).where(Score.subject_kind == "practitioner", Score.is_trial.is_(False), scope)
    if args.get("org_id"):
        ranked = ranked.where(Score.org_id == args["org_id"])
    if args.get("district_code"):
        ranked = ranked.where(Score.district_code == args["district_code"])
    sub = ranked.subquery()
    stmt = (
        sa.select(sub, Practitioner.name_masked, Organization.name.label("org_name"))
        .join(Practitioner, Practitioner.id == sub.c.practitioner_id)
        .outerjoin(Organization, Organization.id == sub.c.org_id)
    )
    if args.get("cursor"):
        score_tenths, practitioner_id = decode_cursor(args["cursor"], ["int", "int"])
        stmt = stmt.where(
            sa.or_(
                sub.c.score_tenths < score_tenths,
                sa.and_(sub.c.score_tenths == score_tenths, sub.c.practitioner_id > practitioner_id),
            )
        )
    limit = args["limit"]
    rows = db.session.execute(stmt.order_by(sub.c.score_tenths.desc(), sub.c.practitioner_id).limit(limit + 1)).all()
    items = [
        RankedPractitioner(
            r.rank, r.practitioner_id, r.name_masked, r.org_id, r.org_name, r.score_tenths, r.grade, r.computed_at
        )
        for r in rows[:limit]
    ]
    last = items[-1] if items else None
    cursor = encode_cursor([last.score_tenths, last.practitioner_id]) if last and len(rows) > limit else None
    return PractitionerRankingPage(items, cursor)

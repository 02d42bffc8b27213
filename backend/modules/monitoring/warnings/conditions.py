"""Practice conditions (从业条件, 应急〔2019〕88号): the realname module re-evaluates an organisation's
conditions whenever its staff, certificates or declaration change (and daily); an organisation in practice
that falls below a threshold is warned about once a month until it meets them again. The thresholds themselves
are the regulation's, versioned in realname.conditions.RULESETS."""

from __future__ import annotations

import sqlalchemy as sa

from backend.core.db import db
from backend.core.timeline import TimelineEvent
from backend.modules.realname.conditions import MONITORED_STATUSES, evaluate

from ..readmodel import Organization
from ..sqlutil import month_key
from .registry import Detection, Settings, Window, rule


def _latest_unmet_event(org_id: int) -> int | None:
    return db.session.scalar(
        sa.select(TimelineEvent.id)
        .where(TimelineEvent.org_id == org_id, TimelineEvent.kind == "org.conditions_unmet")
        .order_by(TimelineEvent.id.desc())
        .limit(1)
    )


@rule(
    "conditions_unmet",
    family="conditions",
    title="从业条件低于标准",
    description="在业机构的场所面积、注册消防工程师、技术负责人、消防设施操作员、设备或质量体系低于从业条件",
    severity="high",
    subject_kind="organization",
    triggers=("org.conditions_unmet",),
)
def conditions_unmet(window: Window, settings: Settings) -> list[Detection]:
    orgs = db.session.scalars(
        sa.select(Organization)
        .where(Organization.status.in_(MONITORED_STATUSES), Organization.conditions_met.is_(False))
        .order_by(Organization.id)
    )
    found = []
    for org in orgs:
        report = evaluate(org, window.today)
        if report.met:  # recovered since the last stored evaluation: nothing to warn about
            continue
        labels = "、".join(c.label for c in report.unmet)
        event_id = _latest_unmet_event(org.id)
        found.append(
            Detection(
                "organization",
                org.id,
                month_key(window.today),
                f"{org.name}不符合从业条件：{labels}",
                {"unmet": [c.key for c in report.unmet], "event_ids": [event_id] if event_id else []},
                org_id=org.id,
                district_code=org.district_code,
                special_zone=org.special_zone,
                is_trial=org.is_trial,
            )
        )
    return found

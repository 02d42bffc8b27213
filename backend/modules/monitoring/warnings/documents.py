"""A conclusion document signed by someone who was not on site: the documents module blocks it (reasons
project_lead_not_on_site / technical_lead_not_on_site) and records each attempt on the timeline, so an attempt
is found even when the document later took effect."""

from __future__ import annotations

import sqlalchemy as sa

from backend.core.db import db
from backend.core.timeline import TimelineEvent

from ..readmodel import Practitioner, document_by_id
from ..sqlutil import local_day_key
from .registry import Detection, Settings, Window, group, rule

SIGNERS = {
    "project_lead_not_on_site": ("project_lead_id", "项目负责人"),
    "technical_lead_not_on_site": ("technical_lead_id", "技术负责人"),
}


@rule(
    "document_without_presence",
    family="documents",
    title="未到场出具书面结论文件",
    description="项目负责人或技术负责人在文件所涉期间没有经身份核验的现场签到，却签署了书面结论文件",
    severity="high",
    subject_kind="practitioner",
    triggers=("document.blocked",),
)
def document_without_presence(window: Window, settings: Settings) -> list[Detection]:
    events = db.session.scalars(
        sa.select(TimelineEvent)
        .where(
            TimelineEvent.kind == "document.blocked",
            TimelineEvent.occurred_at >= window.start,
            TimelineEvent.occurred_at < window.end,
            sa.cast(TimelineEvent.data, sa.Text).like('%_not_on_site"%'),
        )
        .order_by(TimelineEvent.id)
    ).all()
    found = []
    for event in events:
        document = document_by_id(event.data.get("document_id"))
        if document is None:
            continue
        for code in event.data.get("reasons", []):
            if code not in SIGNERS:
                continue
            attribute, role = SIGNERS[code]
            practitioner_id = getattr(document, attribute)
            name = db.session.scalar(sa.select(Practitioner.name_masked).where(Practitioner.id == practitioner_id))
            found.append(
                Detection(
                    "practitioner",
                    practitioner_id,
                    local_day_key(event.occurred_at),
                    f"{role}{name}未在{document.period_start}至{document.period_end}到项目现场，"
                    f"却签署了{document.type_name}{document.report_number or ''}",
                    {"document_ids": [document.id], "event_ids": [event.id]},
                    org_id=document.org_id,
                    practitioner_id=practitioner_id,
                    project_id=document.project_id,
                    district_code=document.district_code,
                    special_zone=document.special_zone,
                    is_trial=document.is_trial,
                )
            )
    return group(found)

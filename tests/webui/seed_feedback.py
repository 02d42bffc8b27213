"""Seed for the client contact's browser test (admin/e2e/feedback.test.mjs): a verified organisation with its two
engineers (faces enrolled from the shared photos), a published 维保 project at 上海公安博物馆 whose client contact has
not bound WeChat yet, a visit by both engineers that ended today with the lead's work records (one fire-pump defect
left open), and the feedback the organisation asks for through the feedback service. The service's delivery job
sends the contact the signed link by SMS, so the development outbox holds it, as the contact's phone would.

Run against the browser test's instance (PUBLIC_BASE_URL = the served origin, so the link opens there):
    INSTANCE_PATH=… PUBLIC_BASE_URL=… .venv/bin/python -m tests.webui.seed_feedback
prints one JSON line {"feedback_id", "project_id", "project_name", "org_name", "contact_phone", ...}.
    INSTANCE_PATH=… .venv/bin/python -m tests.webui.seed_feedback --report <feedback id> [--openid-seed SEED]
prints the feedback and the project's binding as stored, for the test's assertions.
"""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from typing import Any

# The contact's phone number in tests.documents.builders.make_project (the SMS goes there).
CONTACT_PHONE = "13916668888"
# Checked in the lead's records: the fire alarm controller, detectors, a fire pump start (found defective) and
# the emergency lighting, as a morning's maintenance round goes.
RECORDED_SYSTEMS = ("fire_alarm", "fire_alarm", "water_supply", "emergency_lighting")


def _recorded_items(plan_items: list[Any]) -> list[Any]:
    """The first plan items of each system in RECORDED_SYSTEMS, with the fire pump's manual start among them."""
    chosen: list[Any] = []
    for code in RECORDED_SYSTEMS:
        chosen.append(next(i for i in plan_items if i.system_code == code and i not in chosen))
    pump = next(i for i in plan_items if "水泵" in i.name)
    if pump not in chosen:
        chosen[2] = pump
    return chosen


def seed() -> dict[str, Any]:
    from backend.core.timeutil import utcnow
    from backend.modules.feedback import services
    from tests.builders.accounts import actor_of
    from tests.documents.builders import make_defect, make_records, make_visit, make_world

    # No visits last month: the feedback is about today's visit only.
    world = make_world(lead_on_site=False, tech_on_site=False)
    start = utcnow() - timedelta(hours=5)
    lead = make_visit(world.project, world.lead, start, minutes=120)
    make_visit(world.project, world.tech, start + timedelta(minutes=10), minutes=100)
    items = _recorded_items(world.plan_items)
    records = make_records(lead, items, f"{start.year:04d}-{start.month:02d}")
    defective = next(r for r in records if r.result == "defect")
    defect = make_defect(defective, severity="serious", repaired=False)

    # What the organisation does in the mini-program: POST /api/v1/projects/<id>/feedback.
    feedback = services.request_feedback(actor_of(world.admin), world.project.id)
    assert feedback.channel == "sms", feedback.channel  # the contact does not follow the account yet
    return {
        "feedback_id": feedback.id,
        "project_id": world.project.id,
        "project_name": world.project.name,
        "org_name": world.org.name,
        "contact_phone": CONTACT_PHONE,
        "engineers": [world.lead.name, world.tech.name],
        "items": [item.name for item in items],
        "defect": defect.description,
    }


def report(feedback_id: int, openid_seed: str | None) -> dict[str, Any]:
    import sqlalchemy as sa
    from flask import current_app

    from backend.adapters.wechat import simulator_openid
    from backend.core.db import db
    from backend.core.timeline import TimelineEvent
    from backend.modules.feedback.models import Feedback
    from backend.modules.projects.models import Project

    feedback = db.session.get(Feedback, feedback_id)
    assert feedback is not None, feedback_id
    project = db.session.get(Project, feedback.project_id)
    assert project is not None
    kinds = db.session.scalars(
        sa.select(TimelineEvent.kind).where(TimelineEvent.project_id == project.id).order_by(TimelineEvent.id)
    )
    appid = str(current_app.config["WECHAT_OFFICIAL_APPID"])
    return {
        "status": feedback.status,
        "rating": feedback.rating,
        "comment": feedback.comment,
        "responder_openid": feedback.responder_openid,
        "link_used": feedback.link_used_at is not None,
        "client_contact_openid": project.client_contact_openid,
        "expected_openid": simulator_openid(appid, openid_seed) if openid_seed else None,
        "events": list(kinds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=int, metavar="FEEDBACK_ID", help="print the stored answer instead")
    parser.add_argument("--openid-seed", help="with --report: the simulator user whose openid is expected")
    args = parser.parse_args()

    from backend import create_app

    app = create_app()
    with app.app_context():
        result = seed() if args.report is None else report(args.report, args.openid_seed)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

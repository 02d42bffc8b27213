"""Practice feedback rules: made once per visit group after the team leaves and once a month for 维保, pushed
by template message or SMS, the one-time binding link, answers, expiry, delivery reports."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from backend.adapters.wechat import simulator_openid
from backend.core.db import db
from backend.core.errors import Conflict, Forbidden
from backend.core.timeline import TimelineEvent
from backend.core.timeutil import utcnow
from backend.modules.feedback import contact, official, services
from backend.modules.feedback.links import binding_scene, link_token, read_binding_scene
from backend.modules.feedback.models import Feedback, OfficialFollower, OfficialMessage
from backend.modules.projects.models import SiteVisit
from tests.documents.builders import make_world
from tests.feedback.builders import outbox, reported_at_the_time, visits_today

CONTACT = "oZhouXiaomeiContact000000001"
OTHER = "oSomeoneElseEntirely00000002"


def fresh(feedback_id: int) -> Feedback:
    db.session.expire_all()
    feedback = db.session.get(Feedback, feedback_id)
    assert feedback is not None
    return feedback


def opened(feedback: Feedback, openid: str = CONTACT) -> Any:
    return contact.open_feedback(feedback.id, link_token(feedback.id, feedback.link_nonce), openid)


def test_visit_feedback_waits_until_the_whole_team_has_left(ctx: Any) -> None:
    world = make_world()
    reported_at_the_time(world)
    lead_visit, tech_visit = visits_today(world, still_on_site=True)
    assert services.collect_visit_feedback() == []

    tech_visit.status = "checked_out"
    tech_visit.checked_out_at = utcnow()
    tech_visit.duration_s = 3600
    db.session.commit()
    (created,) = services.collect_visit_feedback()
    feedback = fresh(created)
    assert feedback.kind == "visit" and feedback.status == "pending"
    assert sorted(feedback.visit_ids) == sorted([lead_visit.id, tech_visit.id])
    assert feedback.summary["counts"]["visits"] == 2 and feedback.summary["counts"]["people"] == 2
    assert feedback.summary["counts"]["records"] == 5
    assert feedback.deadline - feedback.created_at == timedelta(days=7)
    assert services.collect_visit_feedback() == []  # each visit is reported once


def test_last_months_visits_are_reported_in_the_monthly_feedback(ctx: Any) -> None:
    world = make_world()
    feedback = services.create_monthly_feedback(world.project.id, world.year, world.month)
    assert feedback.kind == "monthly"
    assert (feedback.period_start.month, feedback.period_end.day >= 28) == (world.month, True)
    assert feedback.summary["counts"] == {
        "visits": 2,
        "people": 2,
        "records": len(world.plan_items),
        "defects": 0,
        "fixed": 1,
    }
    assert feedback.summary["defect_ids"] == [world.defect.id]
    again = services.create_monthly_feedback(world.project.id, world.year, world.month)
    assert again.id == feedback.id


def test_the_monthly_sweep_covers_active_maintenance_projects_only(ctx: Any) -> None:
    world = make_world()
    from tests.documents.builders import make_project

    make_project(world.org, world.lead, service_type="testing")
    make_project(world.org, world.lead, status="registered")
    today_next_month = date(world.year + world.month // 12, world.month % 12 + 1, 3)
    (created,) = services.run_monthly_feedback(today_next_month)
    assert fresh(created).project_id == world.project.id
    assert services.run_monthly_feedback(today_next_month) == []  # made already


def test_a_following_contact_gets_a_template_message_with_the_link(ctx: Any, app: Any) -> None:
    world = make_world()
    openid = simulator_openid(app.config["WECHAT_OFFICIAL_APPID"], "zhou-xiaomei")
    world.project.client_contact_openid = openid
    db.session.commit()
    feedback = services.create_monthly_feedback(world.project.id, world.year, world.month)

    feedback = fresh(feedback.id)
    assert feedback.channel == "wechat_template"
    (message,) = feedback.messages
    assert message.status == "sent" and message.external_id
    (sent,) = outbox("wechat_template")
    assert sent.recipient == openid
    assert sent.payload["url"].startswith(f"{app.config['PUBLIC_BASE_URL']}/wx/feedback/{feedback.id}?k=")
    assert world.org.name in sent.payload["data"]["first"]["value"]
    assert str(sent.payload["msgid"]) == message.external_id
    assert outbox("sms") == []

    assert official.template_delivery(message.external_id, "success") is True
    assert db.session.get(OfficialMessage, message.id).status == "delivered"
    assert official.template_delivery("200163836", "success") is False


def test_contact_who_does_not_follow_gets_the_link_by_sms(ctx: Any, app: Any) -> None:
    world = make_world()
    feedback = services.create_monthly_feedback(world.project.id, world.year, world.month)
    assert fresh(feedback.id).channel == "sms"
    (sms,) = outbox("sms")
    assert sms.recipient == "13916668888"
    assert sms.payload["template"] == "feedback_link"
    assert f"/wx/feedback/{feedback.id}?k=" in sms.payload["text"]
    assert world.project.name in sms.payload["text"]


def test_unfollowed_contact_falls_back_to_sms_and_no_contact_is_flagged(ctx: Any) -> None:
    world = make_world()
    world.project.client_contact_openid = CONTACT
    db.session.add(OfficialFollower(openid=CONTACT, subscribed=False))
    db.session.commit()
    feedback = services.create_monthly_feedback(world.project.id, world.year, world.month)
    assert fresh(feedback.id).channel == "sms"

    world.project.client_contact_openid = None
    world.project.client_contact_phone = None
    db.session.commit()
    lonely = services.create_monthly_feedback(world.project.id, world.year, world.month - 1 or 12)
    lonely = fresh(lonely.id)
    assert lonely.channel is None and "undelivered" in lonely.flags


def test_the_signed_link_binds_the_first_openid_once(ctx: Any) -> None:
    world = make_world()
    feedback = services.create_monthly_feedback(world.project.id, world.year, world.month)
    page = opened(feedback)
    assert page.project_name == world.project.name and page.can_respond
    db.session.expire_all()
    assert world.project.client_contact_openid == CONTACT
    assert fresh(feedback.id).link_used_at is not None

    with pytest.raises(Forbidden) as forwarded:
        opened(feedback, OTHER)
    assert forwarded.value.code == "feedback_other_contact"
    assert contact.open_feedback(feedback.id, None, CONTACT).feedback.id == feedback.id  # bound: no link needed
    with pytest.raises(Forbidden) as forged:
        contact.open_feedback(feedback.id, "forged.token", OTHER)
    assert forged.value.code == "feedback_link_invalid"
    kinds = [e.kind for e in db.session.scalars(sa.select(TimelineEvent))]
    assert "project.client_contact_bound" in kinds


def test_confirmation_needs_the_bound_contact_and_a_pending_feedback(ctx: Any) -> None:
    world = make_world()
    feedback = services.create_monthly_feedback(world.project.id, world.year, world.month)
    opened(feedback)
    with pytest.raises(Forbidden):
        contact.confirm(feedback.id, OTHER, 5, "")
    confirmed = contact.confirm(feedback.id, CONTACT, 5, "  服务很到位  ")
    assert (confirmed.status, confirmed.rating, confirmed.comment) == ("confirmed", 5, "服务很到位")
    with pytest.raises(Conflict) as again:
        contact.dispute(feedback.id, CONTACT, "改主意了", None, None)
    assert again.value.code == "feedback_already_answered"


def test_dispute_and_low_rating_are_flagged(ctx: Any) -> None:
    world = make_world()
    feedback = services.create_monthly_feedback(world.project.id, world.year, world.month)
    opened(feedback)
    disputed = contact.dispute(feedback.id, CONTACT, "10日当天未见维保人员到场", 1, None)
    assert disputed.status == "disputed" and disputed.dispute_reason == "10日当天未见维保人员到场"
    assert set(disputed.flags) == {"disputed", "low_rating"}


def test_pending_feedback_expires_after_the_window_and_is_flagged(ctx: Any, app: Any) -> None:
    world = make_world()
    feedback = services.create_monthly_feedback(world.project.id, world.year, world.month)
    opened(feedback)
    assert services.expire_overdue_feedback() == []
    fresh(feedback.id).deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert services.expire_overdue_feedback() == [feedback.id]
    expired = fresh(feedback.id)
    assert expired.status == "expired" and expired.flags == ["window_lapsed"]
    with pytest.raises(Conflict):
        contact.confirm(feedback.id, CONTACT, 5, "")
    event = db.session.scalar(sa.select(TimelineEvent).where(TimelineEvent.kind == "feedback.expired"))
    assert event is not None and event.data["feedback_id"] == feedback.id


def test_window_is_configurable(ctx: Any, app: Any) -> None:
    world = make_world()
    app.config["FEEDBACK_WINDOW_DAYS"] = 3
    try:
        feedback = services.create_monthly_feedback(world.project.id, world.year, world.month)
    finally:
        app.config.pop("FEEDBACK_WINDOW_DAYS")
    assert fresh(feedback.id).deadline - fresh(feedback.id).created_at == timedelta(days=3)


def test_client_confirms_a_defects_rectification(ctx: Any) -> None:
    world = make_world()
    feedback = services.create_monthly_feedback(world.project.id, world.year, world.month)
    page = opened(feedback)
    (defect,) = page.defects
    assert defect.can_confirm and defect.status_name == "已整改"
    contact.confirm_rectification(feedback.id, CONTACT, world.defect.id)
    (after,) = contact.open_feedback(feedback.id, None, CONTACT).defects
    assert after.client_confirmed_at is not None and not after.can_confirm

    world.defect.status = "open"
    world.defect.client_confirmed_at = None
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        contact.confirm_rectification(feedback.id, CONTACT, world.defect.id)
    assert caught.value.code == "defect_not_repaired"


def test_binding_scene_is_signed_short_and_expires(ctx: Any) -> None:
    scene = binding_scene(42, utcnow() + timedelta(days=30))
    assert len(scene) <= 64 and read_binding_scene(scene) == 42
    assert read_binding_scene(scene.replace("b42", "b43")) is None
    assert read_binding_scene(binding_scene(42, utcnow() - timedelta(minutes=2))) is None
    assert read_binding_scene("123123") is None


def test_visit_rejected_at_check_in_is_not_reported(ctx: Any) -> None:
    world = make_world()
    visits_today(world)
    rejected = db.session.scalar(sa.select(SiteVisit).order_by(SiteVisit.id.desc()))
    rejected.status = "rejected"
    db.session.commit()
    (created,) = services.collect_visit_feedback()
    assert rejected.id not in fresh(created).visit_ids

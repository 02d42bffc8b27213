"""Feedback over HTTP for organisations and supervisors: lists and details in their scope only, asking for the
feedback of the latest visits, resending, and the contact-binding scene."""

from __future__ import annotations

from typing import Any

from backend.modules.feedback import services
from tests.builders.accounts import make_user
from tests.builders.places import HUANGPU_SITE
from tests.documents.builders import make_world
from tests.feedback.builders import outbox, reported_at_the_time, visits_today


def test_organisation_asks_for_feedback_of_its_latest_visits(client: Any, ctx: Any) -> None:
    world = make_world()
    reported_at_the_time(world)
    visits_today(world)
    url = f"/api/v1/projects/{world.project.id}/feedback"
    r = client.post(url, headers=world.admin.headers)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["kind"] == "visit" and body["status"] == "pending" and body["channel"] == "sms"
    assert body["summary"]["counts"]["visits"] == 2
    assert [m["channel"] for m in body["messages"]] == ["sms"]
    again = client.post(url, headers=world.admin.headers)
    assert again.status_code == 409 and again.get_json()["code"] == "feedback_no_new_visits"


def test_feedback_is_not_made_while_someone_is_still_on_site(client: Any, ctx: Any) -> None:
    world = make_world()
    visits_today(world, still_on_site=True)
    r = client.post(f"/api/v1/projects/{world.project.id}/feedback", headers=world.admin.headers)
    assert r.status_code == 409 and r.get_json()["code"] == "feedback_team_on_site"


def test_lists_and_details_stay_within_organisation_and_jurisdiction(client: Any, ctx: Any) -> None:
    world = make_world()
    feedback = services.create_monthly_feedback(world.project.id, world.year, world.month)
    other = make_world(wikidata_item=HUANGPU_SITE, org_name="上海外滩消防技术有限公司")
    services.create_monthly_feedback(other.project.id, other.year, other.month)

    def ids(login: Any, **query: Any) -> list[int]:
        r = client.get("/api/v1/feedback", query_string=query, headers=login.headers)
        assert r.status_code == 200, r.get_json()
        return [item["id"] for item in r.get_json()["items"]]

    xuhui = make_user(roles=("supervisor",), jurisdiction="310104")
    huangpu = make_user(roles=("supervisor",), jurisdiction="310101")
    corps = make_user(roles=("corps_admin",))
    assert ids(world.admin) == [feedback.id]
    assert ids(xuhui) == [feedback.id]
    assert feedback.id not in ids(huangpu) and len(ids(huangpu)) == 1
    assert len(ids(corps)) == 2
    assert ids(corps, status="confirmed") == []
    assert ids(corps, project_id=world.project.id) == [feedback.id]

    url = f"/api/v1/feedback/{feedback.id}"
    assert client.get(url, headers=world.admin.headers).get_json()["status_name"] == "待确认"
    assert client.get(url, headers=xuhui.headers).status_code == 200
    r = client.get(url, headers=huangpu.headers)
    assert r.status_code == 403 and r.get_json()["code"] == "out_of_jurisdiction"
    assert client.get(url, headers=other.admin.headers).status_code == 403
    r = client.get(url, headers=world.lead.headers)  # practitioners do not manage feedback
    assert r.status_code == 403 and r.get_json()["details"].get("gate") == "role"
    assert client.get(url).status_code == 401


def test_resend_pushes_the_link_again_for_pending_feedback_only(client: Any, ctx: Any) -> None:
    world = make_world()
    feedback = services.create_monthly_feedback(world.project.id, world.year, world.month)
    url = f"/api/v1/feedback/{feedback.id}/resend"
    other = make_world(wikidata_item=HUANGPU_SITE, org_name="上海外滩消防技术有限公司")
    assert client.post(url, headers=other.admin.headers).status_code == 403
    r = client.post(url, headers=world.admin.headers)
    assert r.status_code == 202
    assert len(outbox("sms")) == 2
    assert len(r.get_json()["messages"]) == 2

    from backend.core.db import db
    from backend.modules.feedback.models import Feedback

    db.session.get(Feedback, feedback.id).status = "confirmed"
    db.session.commit()
    r = client.post(url, headers=world.admin.headers)
    assert r.status_code == 409 and r.get_json()["code"] == "feedback_not_pending"


def test_contact_binding_scene_for_the_organisation_only(client: Any, ctx: Any) -> None:
    from backend.modules.feedback.links import read_binding_scene

    world = make_world()
    url = f"/api/v1/projects/{world.project.id}/contact-binding"
    r = client.get(url, headers=world.admin.headers)
    assert r.status_code == 200
    assert read_binding_scene(r.get_json()["scene"]) == world.project.id
    other = make_world(wikidata_item=HUANGPU_SITE, org_name="上海外滩消防技术有限公司")
    assert client.get(url, headers=other.admin.headers).status_code == 403
    supervisor = make_user(roles=("supervisor",), jurisdiction="310104")
    assert client.get(url, headers=supervisor.headers).get_json()["details"].get("gate") == "role"

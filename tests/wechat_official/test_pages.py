"""The client contact's H5 page: the SMS link opened through WeChat OAuth (simulator standing in for
open.weixin.qq.com), the openid bound on first open, confirmation with a rating, dispute, rectification;
plain HTML forms with our own static assets only. And the public verification page."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from backend.adapters.wechat import simulator_authorize_redirect, simulator_openid
from backend.core.audit import AuditLog
from backend.core.db import db
from backend.core.timeline import TimelineEvent
from backend.modules.feedback import services
from backend.modules.feedback.models import Feedback
from tests.documents.builders import make_world
from tests.feedback.builders import csrf_token, link_in_sms, local_path, open_via_oauth

SEED = "client-contact-zhou-xiaomei"


def sent_feedback(world: Any) -> tuple[Feedback, str]:
    feedback = services.create_monthly_feedback(world.project.id, world.year, world.month)
    return feedback, link_in_sms("13916668888")


def test_contact_confirms_and_rates_through_the_oauth_page(client: Any, app: Any, ctx: Any) -> None:
    world = make_world()
    feedback, link = sent_feedback(world)

    page = open_via_oauth(client, link, SEED)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert world.project.name in html and world.org.name in html
    # Who came, in full: the client contact sees its own project in full, and the read of the names is audited.
    assert "张伟明" in html and "欧阳丽华" in html and "张*明" not in html
    read = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "feedback.contact_read")).one()
    assert read.target_id == str(feedback.id)
    assert sorted(read.changes["practitioner_ids"]) == sorted({world.lead.practitioner.id, world.tech.practitioner.id})
    assert "消防水泵手动启动运转及供电电源检查" in html
    db.session.expire_all()
    openid = simulator_openid(app.config["WECHAT_OFFICIAL_APPID"], SEED)
    assert world.project.client_contact_openid == openid

    r = client.post(
        f"/wx/feedback/{feedback.id}/confirm",
        data={"csrf_token": csrf_token(html), "rating": "4", "comment": "维保及时，记录清楚"},
    )
    assert r.status_code == 303
    done = client.get(r.headers["Location"])
    assert "已确认，感谢您的评价" in done.get_data(as_text=True)
    assert "确认服务情况属实" not in done.get_data(as_text=True)  # answered: no form any more

    db.session.expire_all()
    answered = db.session.get(Feedback, feedback.id)
    assert (answered.status, answered.rating, answered.comment) == ("confirmed", 4, "维保及时，记录清楚")
    assert answered.responder_openid == openid
    kinds = [e.kind for e in db.session.scalars(sa.select(TimelineEvent))]
    assert "feedback.confirmed" in kinds and "project.client_contact_bound" in kinds


def test_contact_disputes_with_a_reason(client: Any, ctx: Any) -> None:
    world = make_world()
    feedback, link = sent_feedback(world)
    html = open_via_oauth(client, link, SEED).get_data(as_text=True)
    url = f"/wx/feedback/{feedback.id}/dispute"
    r = client.post(url, data={"csrf_token": csrf_token(html), "reason": " "})
    assert r.status_code == 422 and "请填写异议理由" in r.get_data(as_text=True)
    r = client.post(url, data={"csrf_token": csrf_token(html), "reason": "当天只来了一个人", "rating": "2"})
    assert r.status_code == 303
    db.session.expire_all()
    disputed = db.session.get(Feedback, feedback.id)
    assert (disputed.status, disputed.dispute_reason, disputed.rating) == ("disputed", "当天只来了一个人", 2)


def test_rating_must_be_one_to_five(client: Any, ctx: Any) -> None:
    world = make_world()
    feedback, link = sent_feedback(world)
    html = open_via_oauth(client, link, SEED).get_data(as_text=True)
    for rating in ("", "0", "6", "five"):
        r = client.post(f"/wx/feedback/{feedback.id}/confirm", data={"csrf_token": csrf_token(html), "rating": rating})
        assert r.status_code == 422, rating
    db.session.expire_all()
    assert db.session.get(Feedback, feedback.id).status == "pending"


def test_contact_confirms_a_defects_rectification(client: Any, ctx: Any) -> None:
    world = make_world()
    feedback, link = sent_feedback(world)
    html = open_via_oauth(client, link, SEED).get_data(as_text=True)
    assert "确认已整改" in html
    r = client.post(
        f"/wx/feedback/{feedback.id}/defects/{world.defect.id}/confirm", data={"csrf_token": csrf_token(html)}
    )
    assert r.status_code == 303
    assert "已确认该隐患整改完成" in client.get(r.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert world.defect.client_confirmed_at is not None


def test_a_forwarded_link_does_not_open_for_someone_else(client: Any, app: Any, ctx: Any) -> None:
    world = make_world()
    feedback, link = sent_feedback(world)
    assert open_via_oauth(client, link, SEED).status_code == 200
    stranger = app.test_client()
    page = open_via_oauth(stranger, link, "someone-who-got-the-link-forwarded")
    assert page.status_code == 403
    assert "仅限本项目委托单位联系人" in page.get_data(as_text=True)
    r = stranger.post(f"/wx/feedback/{feedback.id}/confirm", data={"csrf_token": "x", "rating": "5"})
    assert r.status_code == 400  # not our form
    db.session.expire_all()
    assert db.session.get(Feedback, feedback.id).status == "pending"


def test_forms_need_the_pages_csrf_token_and_a_wechat_session(client: Any, app: Any, ctx: Any) -> None:
    world = make_world()
    feedback, link = sent_feedback(world)
    anonymous = app.test_client().post(f"/wx/feedback/{feedback.id}/confirm", data={"rating": "5"})
    assert anonymous.status_code == 302 and f"/wx/feedback/{feedback.id}" in anonymous.headers["Location"]
    open_via_oauth(client, link, SEED)
    r = client.post(f"/wx/feedback/{feedback.id}/confirm", data={"rating": "5", "csrf_token": "guessed"})
    assert r.status_code == 400 and "页面已过期" in r.get_data(as_text=True)


def _authorize_query(response: Any) -> dict[str, str]:
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}


def test_oauth_state_must_match_and_codes_are_single_use(client: Any, app: Any, ctx: Any) -> None:
    world = make_world()
    _, link = sent_feedback(world)
    query = _authorize_query(client.get(local_path(link)))
    wrong_state = client.get(local_path(simulator_authorize_redirect(query["redirect_uri"], "forged-state", SEED)))
    assert wrong_state.status_code == 400 and "页面已过期" in wrong_state.get_data(as_text=True)

    query = _authorize_query(client.get(local_path(link)))
    back = simulator_authorize_redirect(query["redirect_uri"], query["state"], SEED)
    assert client.get(local_path(back)).status_code == 302
    assert client.get(local_path(link)).status_code == 200  # signed in: no more trips to WeChat

    replay = app.test_client()
    state = _authorize_query(replay.get(local_path(link)))["state"]
    code = parse_qs(urlsplit(back).query)["code"][0]
    r = replay.get("/wx/oauth/callback", query_string={"code": code, "state": state})
    assert r.status_code == 400 and "微信授权失败" in r.get_data(as_text=True)


def test_pages_use_only_their_own_assets(client: Any, ctx: Any) -> None:
    world = make_world()
    _, link = sent_feedback(world)
    html = open_via_oauth(client, link, SEED).get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") for a in assets), assets
    for asset in assets:
        r = client.get(asset)
        assert r.status_code == 200, asset
    assert "<form" in html and 'name="rating"' in html and 'type="radio"' in html
    assert 'name="viewport"' in html


def test_verify_page_without_a_token_offers_the_upload_form(client: Any) -> None:
    r = client.get("/verify")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "书面结论文件防伪核验" in html and 'type="file"' in html
    assert client.post("/verify", data={}).status_code == 400

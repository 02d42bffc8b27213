"""The official account's server endpoint with WeChat's real pushed XML (data/wechat/xml): every push is
accepted with a valid signature and refused with 403 without one; safe mode with the recorded crypto
parameters; follow, scan-to-bind, text help and template delivery reports change what they should."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import xmltodict

from backend.adapters.wechat import OfficialServer
from backend.core.db import db
from backend.core.timeutil import utcnow
from backend.modules.feedback import services
from backend.modules.feedback.links import binding_scene
from backend.modules.feedback.models import OfficialFollower, OfficialMessage
from tests.documents.builders import make_world

WECHAT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "wechat"
XML = WECHAT / "xml"
CRYPTO = json.loads((WECHAT / "crypto_params.json").read_text(encoding="utf-8"))
PLAINTEXT = sorted(p.name for p in XML.glob("*.xml") if not p.name.startswith("crypto__"))
PLAIN_FROM_CRYPTO = "crypto__encrypt_message_plain.xml"
URL = "/wechat/official"


def signed(app: Any, timestamp: str = "1732500000", nonce: str = "8312749") -> dict[str, str]:
    token = app.config["WECHAT_OFFICIAL_TOKEN"]
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


def push(client: Any, app: Any, body: bytes, **query: str) -> Any:
    return client.post(URL, query_string={**signed(app), **query}, data=body, content_type="text/xml")


def reply_of(response: Any) -> dict[str, Any] | None:
    if response.data == b"success":
        return None
    return xmltodict.parse(response.data)["xml"]


@pytest.mark.parametrize("name", [*PLAINTEXT, PLAIN_FROM_CRYPTO])
def test_every_recorded_push_is_accepted_when_signed(client: Any, app: Any, ctx: Any, name: str) -> None:
    r = push(client, app, (XML / name).read_bytes())
    assert r.status_code == 200, r.get_data(as_text=True)
    reply = reply_of(r)
    if reply is not None:
        source = xmltodict.parse((XML / name).read_bytes())["xml"]
        assert reply["ToUserName"] == source["FromUserName"] and reply["MsgType"] == "text"
        assert "上海消防公众服务平台" in reply["Content"]


@pytest.mark.parametrize("name", PLAINTEXT)
def test_every_recorded_push_is_refused_with_a_bad_signature(client: Any, app: Any, name: str) -> None:
    body = (XML / name).read_bytes()
    bad = {**signed(app), "signature": "0" * 40}
    assert client.post(URL, query_string=bad, data=body).status_code == 403
    assert client.post(URL, query_string={**signed(app), "nonce": "1"}, data=body).status_code == 403
    assert client.post(URL, data=body).status_code == 403


def test_url_verification_echoes_only_for_our_signature(client: Any, app: Any) -> None:
    r = client.get(URL, query_string={**signed(app), "echostr": "6402311392389158336"})
    assert r.status_code == 200 and r.get_data(as_text=True) == "6402311392389158336"
    r = client.get(URL, query_string={**signed(app), "nonce": "9", "echostr": "6402311392389158336"})
    assert r.status_code == 403


@pytest.fixture
def safe_mode(app: Any) -> Iterator[OfficialServer]:
    """The recorded safe-mode parameters (token, EncodingAESKey, app id) configured for the endpoint."""
    keys = ("WECHAT_OFFICIAL_TOKEN", "WECHAT_OFFICIAL_AES_KEY", "WECHAT_OFFICIAL_APPID")
    saved = {key: app.config.get(key) for key in keys}
    app.config.update(
        WECHAT_OFFICIAL_TOKEN=CRYPTO["token"],
        WECHAT_OFFICIAL_AES_KEY=CRYPTO["encoding_aes_key"],
        WECHAT_OFFICIAL_APPID=CRYPTO["receive_id"],
    )
    try:
        yield OfficialServer(CRYPTO["token"], CRYPTO["receive_id"], CRYPTO["encoding_aes_key"])
    finally:
        app.config.update(saved)


def test_encrypted_push_is_answered_encrypted(client: Any, ctx: Any, safe_mode: OfficialServer) -> None:
    params = CRYPTO["decrypt_message"]
    query = {
        "timestamp": params["timestamp"],
        "nonce": params["nonce"],
        "encrypt_type": "aes",
        "msg_signature": params["msg_signature"],
    }
    r = client.post(URL, query_string=query, data=(WECHAT / params["file"]).read_bytes())
    assert r.status_code == 200, r.get_data(as_text=True)
    envelope = xmltodict.parse(r.data)["xml"]
    assert "Encrypt" in envelope and "上海消防" not in r.get_data(as_text=True)
    reply = safe_mode.parse(
        r.data,
        {
            "encrypt_type": "aes",
            "msg_signature": envelope["MsgSignature"],
            "timestamp": envelope["TimeStamp"],
            "nonce": envelope["Nonce"],
        },
    )
    assert reply.target == params["expected_FromUserName"] and "上海消防公众服务平台" in reply.content

    forged = {**query, "msg_signature": "0" * 40}
    assert client.post(URL, query_string=forged, data=(WECHAT / params["file"]).read_bytes()).status_code == 403


def test_encrypted_url_verification_with_the_recorded_signature(client: Any, safe_mode: OfficialServer) -> None:
    params = CRYPTO["check_signature_ok"]
    query = {
        "signature": params["signature"],
        "timestamp": params["timestamp"],
        "nonce": params["nonce"],
        "echostr": params["echo_str"],
    }
    r = client.get(URL, query_string=query)
    assert r.status_code == 200 and r.get_data(as_text=True).isdigit()
    r = client.get(URL, query_string={**query, "nonce": CRYPTO["check_signature_bad_nonce"]})
    assert r.status_code == 403


def _follower(openid: str) -> OfficialFollower | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(OfficialFollower).where(OfficialFollower.openid == openid))


def test_follow_and_unfollow_are_recorded(client: Any, app: Any, ctx: Any) -> None:
    assert push(client, app, (XML / "parser__parse_subscribe_event.xml").read_bytes()).status_code == 200
    assert _follower("FromUser").subscribed is True
    assert push(client, app, (XML / "events__unsubscribe_event.xml").read_bytes()).status_code == 200
    follower = _follower("FromUser")
    assert follower.subscribed is False and follower.unsubscribed_at is not None


def test_scanning_a_binding_code_binds_the_projects_client_contact(client: Any, app: Any, ctx: Any) -> None:
    world = make_world()
    scene = binding_scene(world.project.id, utcnow() + timedelta(days=30))
    body = (XML / "parser__parse_subscribe_scan_event.xml").read_text(encoding="utf-8")
    assert "qrscene_123123" in body
    r = push(client, app, body.replace("qrscene_123123", f"qrscene_{scene}").encode())
    reply = reply_of(r)
    assert reply is not None and world.project.name in reply["Content"]
    db.session.expire_all()
    assert world.project.client_contact_openid == "FromUser"

    # a follower scanning the real sample's scene (123123) binds nothing
    r = push(client, app, (XML / "parser__parse_scan_event.xml").read_bytes())
    assert "上海消防公众服务平台" in reply_of(r)["Content"]
    forged = body.replace("qrscene_123123", f"qrscene_{scene[:-1]}x").replace("FromUser", "oIntruder")
    push(client, app, forged.encode())
    db.session.expire_all()
    assert world.project.client_contact_openid == "FromUser"


def test_text_feedback_lists_the_contacts_pending_feedback(client: Any, app: Any, ctx: Any) -> None:
    world = make_world()
    world.project.client_contact_openid = "fromUser"  # the sender of the recorded text message
    db.session.commit()
    feedback = services.create_monthly_feedback(world.project.id, world.year, world.month)
    body = (XML / "parser__parse_text_message.xml").read_text(encoding="utf-8").replace("this is a test", "反馈")
    reply = reply_of(push(client, app, body.encode()))
    assert reply is not None and f"/wx/feedback/{feedback.id}" in reply["Content"]
    assert world.project.name in reply["Content"]


def test_template_delivery_report_is_recorded_on_the_sent_message(client: Any, app: Any, ctx: Any) -> None:
    from backend.adapters.wechat import simulator_openid

    world = make_world()
    world.project.client_contact_openid = simulator_openid(app.config["WECHAT_OFFICIAL_APPID"], "zhou")
    db.session.commit()
    services.create_monthly_feedback(world.project.id, world.year, world.month)
    message = db.session.scalar(sa.select(OfficialMessage))
    assert message.status == "sent"

    body = (XML / "events__template_send_job_finish_event.xml").read_text(encoding="utf-8")
    assert push(client, app, body.encode()).data == b"success"  # the sample's own MsgID is not ours
    r = push(client, app, body.replace("200163836", message.external_id).encode())
    assert r.status_code == 200 and r.data == b"success"
    db.session.expire_all()
    message = db.session.get(OfficialMessage, message.id)
    assert message.status == "delivered" and message.status_at is not None

    blocked = body.replace("200163836", message.external_id).replace("success", "failed:user block")
    push(client, app, blocked.encode())
    db.session.expire_all()
    assert db.session.get(OfficialMessage, message.id).status == "user_blocked"

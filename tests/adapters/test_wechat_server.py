"""Official-account server endpoint: WeChat's real pushed XML (data/wechat/xml), signatures and safe mode."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
from pathlib import Path
from typing import Any

import pytest
import xmltodict
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.crypto.base import BasePrpCrypto
from wechatpy.replies import TextReply

from backend.adapters.wechat import NO_REPLY, OfficialServer, SubscribeMessageEvent, WeChatError

WECHAT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "wechat"
XML_DIR = WECHAT_DATA / "xml"
CRYPTO = json.loads((WECHAT_DATA / "crypto_params.json").read_text(encoding="utf-8"))
TOKEN = "fire-supervision-token"

# What each plaintext push must parse into: (wechatpy type, event, attributes).
PLAINTEXT: dict[str, tuple[str, str | None, dict[str, Any]]] = {
    "parser__parse_text_message.xml": ("text", None, {"content": "this is a test", "source": "fromUser"}),
    "parser__parse_image_message.xml": ("image", None, {"image": "this is a url", "media_id": "media_id"}),
    "parser__parse_location_message.xml": (
        "location",
        None,
        {"label": "位置信息", "location": ("23.134521", "113.358803")},
    ),
    "parser__parse_subscribe_event.xml": ("event", "subscribe", {"source": "FromUser"}),
    "parser__parse_subscribe_scan_event.xml": ("event", "subscribe_scan", {"scene_id": "123123"}),
    "parser__parse_scan_event.xml": ("event", "scan", {"scene_id": "123123", "ticket": "TICKET"}),
    "parser__parse_location_event.xml": ("event", "location", {"latitude": 23.137466}),
    "parser__parse_click_event.xml": ("event", "click", {"key": "EVENTKEY"}),
    "parser__parse_view_event.xml": ("event", "view", {"url": "www.qq.com"}),
    "parser__parse_unknown_message.xml": ("unknown", None, {"source": "fromUser"}),
    "events__unsubscribe_event.xml": ("event", "unsubscribe", {"target": "toUser"}),
    "events__scan_code_push_event.xml": ("event", "scancode_push", {"scan_result": "1", "key": "6"}),
    "events__template_send_job_finish_event.xml": ("event", "templatesendjobfinish", {"status": "success"}),
    "events__template_subscribe_msg_popup_event.xml": ("event", "subscribe_msg_popup_event", {}),
    "events__template_subscribe_msg_sent_event.xml": ("event", "subscribe_msg_sent_event", {}),
    "crypto__encrypt_message_plain.xml": ("text", None, {"content": "test", "source": "wx49f0ab532d5d035a"}),
}
ENCRYPTED = {"crypto__decrypt_message.xml", "crypto__encrypt_message_encrypted.xml"}


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signed_query(timestamp: str = "1700000000", nonce: str = "20250301") -> dict[str, str]:
    return {"signature": sha1_signature(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


def safe_server() -> OfficialServer:
    return OfficialServer(CRYPTO["token"], CRYPTO["receive_id"], CRYPTO["encoding_aes_key"])


def decrypt_query() -> dict[str, str]:
    params = CRYPTO["decrypt_message"]
    return {
        "timestamp": params["timestamp"],
        "nonce": params["nonce"],
        "encrypt_type": "aes",
        "msg_signature": params["msg_signature"],
    }


def test_every_recorded_push_is_covered() -> None:
    assert {path.name for path in XML_DIR.glob("*.xml")} == set(PLAINTEXT) | ENCRYPTED


@pytest.mark.parametrize("name", sorted(PLAINTEXT))
def test_plaintext_push_parses(name: str) -> None:
    msg_type, event, attributes = PLAINTEXT[name]
    message = OfficialServer(TOKEN, "wx5fa0000000000002").parse((XML_DIR / name).read_bytes(), signed_query())
    assert message.type == msg_type
    assert getattr(message, "event", None) == event
    for attribute, value in attributes.items():
        assert getattr(message, attribute) == value


def test_subscribe_notice_popup_lists_each_template_decision() -> None:
    body = (XML_DIR / "events__template_subscribe_msg_popup_event.xml").read_bytes()
    message = OfficialServer(TOKEN, "wx5fa0000000000002").parse(body, signed_query())
    assert isinstance(message, SubscribeMessageEvent)
    assert message.source == "otFpruAK8D-E6EfStSYonYSBZ8_4"
    assert [(item["TemplateId"], item["SubscribeStatusString"]) for item in message.subscribes] == [
        ("VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc", "accept"),
        ("9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI", "reject"),
    ]


def test_subscribe_notice_sent_reports_delivery() -> None:
    body = (XML_DIR / "events__template_subscribe_msg_sent_event.xml").read_bytes()
    message = OfficialServer(TOKEN, "wx5fa0000000000002").parse(body, signed_query())
    assert isinstance(message, SubscribeMessageEvent)
    (item,) = message.subscribes  # a single <List> still comes back as a list
    assert (item["MsgID"], item["ErrorCode"], item["ErrorStatus"]) == ("1700827132819554304", "0", "success")


@pytest.mark.parametrize(
    "query",
    [
        {**signed_query(), "signature": sha1_signature("another-token", "1700000000", "20250301")},
        {**signed_query(), "nonce": "20250302"},  # nonce changed after signing
        {"timestamp": "1700000000", "nonce": "20250301"},  # unsigned
    ],
    ids=["wrong-token", "tampered-nonce", "unsigned"],
)
def test_plaintext_push_with_bad_signature_is_refused(query: dict[str, str]) -> None:
    body = (XML_DIR / "parser__parse_text_message.xml").read_bytes()
    with pytest.raises(WeChatError) as caught:
        OfficialServer(TOKEN, "wx5fa0000000000002").parse(body, query)
    assert caught.value.code == "wechat_bad_signature"


@pytest.mark.parametrize("body", [b"<xml><ToUserName>x</ToUserName>", b"<xml><Content>no type</Content></xml>"])
def test_signed_but_malformed_push_is_a_bad_message(body: bytes) -> None:
    with pytest.raises(WeChatError) as caught:
        OfficialServer(TOKEN, "wx5fa0000000000002").parse(body, signed_query())
    assert caught.value.code == "wechat_bad_message"


def test_encrypted_push_decrypts_with_recorded_parameters() -> None:
    body = (WECHAT_DATA / CRYPTO["decrypt_message"]["file"]).read_bytes()
    message = safe_server().parse(body, decrypt_query())
    assert message.type == "text"
    assert message.content == CRYPTO["decrypt_message"]["expected_Content"]
    assert message.source == CRYPTO["decrypt_message"]["expected_FromUserName"]


def test_encrypted_reply_sample_decrypts_to_its_plaintext() -> None:
    encrypted = xmltodict.parse((XML_DIR / "crypto__encrypt_message_encrypted.xml").read_bytes())["xml"]
    query = {
        "encrypt_type": "aes",
        "msg_signature": encrypted["MsgSignature"],
        "timestamp": encrypted["TimeStamp"],
        "nonce": encrypted["Nonce"],
    }
    message = safe_server().parse((XML_DIR / "crypto__encrypt_message_encrypted.xml").read_bytes(), query)
    plain = OfficialServer(TOKEN, "x").parse(
        (XML_DIR / "crypto__encrypt_message_plain.xml").read_bytes(), signed_query()
    )
    assert (message.type, message.content, message.source, message.target, message.time) == (
        plain.type,
        plain.content,
        plain.source,
        plain.target,
        plain.time,
    )


@pytest.mark.parametrize(
    ("server", "query", "code"),
    [
        (safe_server, {**decrypt_query(), "msg_signature": "0" * 40}, "wechat_bad_signature"),
        (safe_server, {**decrypt_query(), "timestamp": "1411525904"}, "wechat_bad_signature"),
        (
            lambda: OfficialServer(CRYPTO["token"], "wx0000000000000000", CRYPTO["encoding_aes_key"]),
            decrypt_query(),
            "wechat_bad_signature",  # encrypted for another app
        ),
        (
            lambda: OfficialServer(CRYPTO["token"], CRYPTO["receive_id"]),
            decrypt_query(),
            "wechat_not_configured",
        ),
    ],
    ids=["forged-signature", "tampered-timestamp", "other-appid", "no-aes-key"],
)
def test_encrypted_push_is_refused_when_not_ours(server: Any, query: dict[str, str], code: str) -> None:
    body = (WECHAT_DATA / CRYPTO["decrypt_message"]["file"]).read_bytes()
    with pytest.raises(WeChatError) as caught:
        server().parse(body, query)
    assert caught.value.code == code


def test_encrypted_reply_reproduces_recorded_ciphertext(monkeypatch: pytest.MonkeyPatch) -> None:
    params = CRYPTO["encrypt_message"]
    monkeypatch.setattr(BasePrpCrypto, "get_random_string", lambda self: params["random_16_bytes_used"])
    plain = (WECHAT_DATA / params["plain_file"]).read_text(encoding="utf-8")
    query = {
        "encrypt_type": "aes",
        "timestamp": params["timestamp"],
        "nonce": params["nonce"],
        "msg_signature": "x",
    }

    rendered = xmltodict.parse(safe_server().render_reply(plain, query))["xml"]

    expected = xmltodict.parse((WECHAT_DATA / params["expected_file"]).read_bytes())["xml"]
    assert rendered == expected


def test_reply_round_trips_through_safe_mode() -> None:
    server = safe_server()
    incoming = server.parse((WECHAT_DATA / CRYPTO["decrypt_message"]["file"]).read_bytes(), decrypt_query())
    reply = TextReply(content="已收到您的确认，谢谢！", message=incoming)

    body = server.render_reply(reply, decrypt_query())

    envelope = xmltodict.parse(body)["xml"]
    assert "已收到" not in body.decode("utf-8")
    echoed = server.parse(
        body,
        {
            "encrypt_type": "aes",
            "msg_signature": envelope["MsgSignature"],
            "timestamp": envelope["TimeStamp"],
            "nonce": envelope["Nonce"],
        },
    )
    assert (echoed.content, echoed.source, echoed.target) == (
        "已收到您的确认，谢谢！",
        incoming.target,
        incoming.source,
    )


def test_plaintext_reply_and_no_reply() -> None:
    server = OfficialServer(TOKEN, "wx5fa0000000000002")
    incoming = server.parse((XML_DIR / "parser__parse_text_message.xml").read_bytes(), signed_query())
    body = server.render_reply(TextReply(content="您好", message=incoming), signed_query())
    reply = xmltodict.parse(body)["xml"]
    assert (reply["MsgType"], reply["Content"], reply["ToUserName"]) == ("text", "您好", "fromUser")
    assert server.render_reply(None, signed_query()) == NO_REPLY == b"success"


def test_url_verification_with_plain_signature_echoes() -> None:
    timestamp, nonce, echostr = "1700000000", "123456789", "6402311392389158336"
    signature = sha1_signature(TOKEN, timestamp, nonce)
    assert OfficialServer(TOKEN, "wx5fa0000000000002").verify_url(signature, timestamp, nonce, echostr) == echostr


def _decrypt_echostr_independently(echostr: str) -> tuple[str, str]:
    """AES-256-CBC, key = EncodingAESKey, IV = its first 16 bytes; plaintext = 16 random bytes, length,
    text, receive-id."""
    key = base64.b64decode(CRYPTO["encoding_aes_key"] + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    padded = decryptor.update(base64.b64decode(echostr)) + decryptor.finalize()
    content = padded[16 : -padded[-1]]
    (length,) = struct.unpack(">I", content[:4])
    return content[4 : 4 + length].decode(), content[4 + length :].decode()


def test_url_verification_with_recorded_signature_passes() -> None:
    params = CRYPTO["check_signature_ok"]
    answer = safe_server().verify_url(params["signature"], params["timestamp"], params["nonce"], params["echo_str"])
    expected, receive_id = _decrypt_echostr_independently(params["echo_str"])
    assert receive_id == CRYPTO["receive_id"]
    assert answer == expected
    assert re.fullmatch(r"\d+", answer)


@pytest.mark.parametrize(
    ("server", "change"),
    [
        (safe_server, {"nonce": CRYPTO["check_signature_bad_nonce"]}),
        (safe_server, {"signature": "dd6b9c95b495b3f7e2901bfbc76c664930ffdb97"}),
        (safe_server, {"echo_str": CRYPTO["check_signature_ok"]["echo_str"][::-1]}),
        # without an AES key only the plain (three-field) scheme is available
        (lambda: OfficialServer(CRYPTO["token"], CRYPTO["receive_id"]), {}),
    ],
    ids=["tampered-nonce", "tampered-signature", "tampered-echostr", "no-aes-key"],
)
def test_url_verification_with_tampered_signature_raises(server: Any, change: dict[str, str]) -> None:
    params = {**CRYPTO["check_signature_ok"], **change}
    with pytest.raises(WeChatError) as caught:
        server().verify_url(params["signature"], params["timestamp"], params["nonce"], params["echo_str"])
    assert caught.value.code == "wechat_bad_signature"

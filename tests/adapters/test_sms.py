"""SMS gateway: the simulator renders the real text into the outbox; the client speaks the gateway's JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses

from backend.adapters.sms import SmsClient, SmsError, SmsGateway, SmsResult, SmsSimulator, render_sms

GATEWAY = "https://sms.test/api/v1/send"


class Outbox:
    """Collects what the simulator hands to its sink, as core.outbox.record_outbox would store it."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def __call__(self, *, channel: str, recipient: str, payload: dict[str, Any]) -> None:
        self.messages.append({"channel": channel, "recipient": recipient, "payload": payload})


class Clock:
    def __init__(self) -> None:
        self.now = 1_780_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sms(outbox: Outbox, clock: Clock) -> SmsSimulator:
    return SmsSimulator(outbox, clock=clock)


def test_login_code_is_rendered_and_lands_in_the_outbox(sms: SmsSimulator, outbox: Outbox) -> None:
    assert isinstance(sms, SmsGateway)
    result = sms.send("+86 138-1234-5678", "login_code", {"code": "403921"})
    assert result.ok and result.error is None and result.message_id
    (message,) = outbox.messages
    assert message["channel"] == "sms" and message["recipient"] == "13812345678"
    assert message["payload"]["text"] == "【上海消防】您的验证码为403921，5分钟内有效，请勿泄露。"
    assert message["payload"]["template"] == "login_code"
    assert message["payload"]["params"] == {"code": "403921"}
    assert message["payload"]["message_id"] == result.message_id


def test_feedback_link_and_spot_check_texts(sms: SmsSimulator, outbox: Outbox) -> None:
    sms.send(
        "13900001111",
        "feedback_link",
        {
            "org_name": "上海申安消防技术服务有限公司",
            "project_name": "上海科技馆建筑消防设施维护保养",
            "service": "维护保养",
            "deadline": "12月2日",
            "url": "https://xf.example/f/Ab3x",
        },
    )
    sms.send("13900001111", "spot_check", {"project_name": "上海科技馆建筑消防设施维护保养", "deadline": "15:30"})
    texts = [m["payload"]["text"] for m in outbox.messages]
    assert texts[0] == (
        "【上海消防】上海申安消防技术服务有限公司已完成“上海科技馆建筑消防设施维护保养”的维护保养服务，"
        "请于12月2日前打开 https://xf.example/f/Ab3x 确认并评价。"
    )
    assert texts[1].startswith("【上海消防】您负责的项目“上海科技馆建筑消防设施维护保养”被列入实时抽查")
    assert "15:30前" in texts[1]


def test_invalid_phone_is_refused_without_sending(sms: SmsSimulator, outbox: Outbox) -> None:
    result = sms.send("12345678901", "login_code", {"code": "111111"})
    assert result == SmsResult(False, None, "sms_invalid_phone")
    assert result.error_message == "手机号码无效或无法接收短信"
    assert outbox.messages == []


def test_unknown_template_or_missing_params_raise(sms: SmsSimulator, outbox: Outbox) -> None:
    with pytest.raises(SmsError) as unknown:
        sms.send("13812345678", "marketing", {})
    assert unknown.value.code == "sms_unknown_template"
    with pytest.raises(SmsError) as missing:
        sms.send("13812345678", "spot_check", {"project_name": "某项目"})
    assert missing.value.code == "sms_bad_params" and "deadline" in missing.value.message
    assert outbox.messages == []


def test_same_template_to_the_same_number_is_limited_per_minute(
    sms: SmsSimulator, outbox: Outbox, clock: Clock
) -> None:
    assert sms.send("13812345678", "login_code", {"code": "111111"}).ok
    clock.now += 30
    assert sms.send("13812345678", "login_code", {"code": "222222"}).error == "sms_rate_limited"
    assert sms.send("13812345679", "login_code", {"code": "333333"}).ok  # another number
    assert sms.send("13812345678", "spot_check", {"project_name": "甲", "deadline": "10:00"}).ok
    clock.now += 31
    assert sms.send("13812345678", "login_code", {"code": "444444"}).ok
    assert [m["payload"]["params"].get("code") for m in outbox.messages] == [
        "111111",
        "333333",
        None,
        "444444",
    ]


def test_daily_limit_per_number(outbox: Outbox, clock: Clock) -> None:
    sms = SmsSimulator(outbox, clock=clock, min_interval_seconds=0, daily_limit=3)
    results = []
    for i in range(4):
        results.append(sms.send("13812345678", "login_code", {"code": f"00000{i}"}).ok)
        clock.now += 600
    assert results == [True, True, True, False]
    clock.now += 24 * 3600
    assert sms.send("13812345678", "login_code", {"code": "999999"}).ok


def test_render_sms_is_the_shared_contract() -> None:
    assert render_sms("login_code", {"code": 123456}) == "【上海消防】您的验证码为123456，5分钟内有效，请勿泄露。"


# --- real client ---


def gateway_client(**kwargs: Any) -> SmsClient:
    return SmsClient(GATEWAY, "key-1", template_ids={"login_code": "SMS_2841093"}, **kwargs)


@responses.activate
def test_client_posts_the_template_and_reads_the_message_id() -> None:
    responses.post(
        GATEWAY,
        json={"code": "OK", "message_id": "8812093"},
        match=[
            responses.matchers.header_matcher({"X-Api-Key": "key-1"}),
            responses.matchers.json_params_matcher(
                {
                    "phone": "13812345678",
                    "sign_name": "上海消防",
                    "template_id": "SMS_2841093",
                    "params": {"code": "403921"},
                }
            ),
        ],
    )
    assert gateway_client().send("138 1234 5678", "login_code", {"code": 403921}) == SmsResult(True, "8812093")


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"code": "INVALID_PHONE", "message": "号码不存在"}, "sms_invalid_phone"),
        ({"code": "BLACKLISTED"}, "sms_invalid_phone"),
        ({"code": "RATE_LIMITED"}, "sms_rate_limited"),
        ({"code": "CONTENT_REJECTED", "message": "内容审核未通过"}, "sms_rejected"),
    ],
)
@responses.activate
def test_client_returns_refusals_of_one_message(answer: dict, error: str) -> None:
    responses.post(GATEWAY, body=json.dumps(answer, ensure_ascii=False), content_type="text/plain")
    assert gateway_client().send("13812345678", "login_code", {"code": "1"}) == SmsResult(False, None, error)


@pytest.mark.parametrize(
    ("status", "answer", "code"),
    [
        (200, {"code": "AUTH_FAILED"}, "sms_auth_failed"),
        (401, {}, "sms_auth_failed"),
        (200, {"code": "TEMPLATE_NOT_FOUND"}, "sms_unknown_template"),
        (429, {}, "sms_throttled"),
        (502, {}, "sms_unavailable"),
        (200, {"code": "OK"}, "sms_bad_response"),
    ],
)
@responses.activate
def test_client_raises_when_it_cannot_send_at_all(status: int, answer: dict, code: str) -> None:
    responses.post(GATEWAY, status=status, json=answer)
    with pytest.raises(SmsError) as caught:
        gateway_client().send("13812345678", "login_code", {"code": "1"})
    assert caught.value.code == code
    assert len(responses.calls) == 1  # a POST that reached the gateway is never repeated


@responses.activate
def test_client_connection_failure_is_unavailable() -> None:
    responses.post(GATEWAY, body=requests.ConnectionError("refused"))
    with pytest.raises(SmsError) as caught:
        gateway_client().send("13812345678", "login_code", {"code": "1"})
    assert caught.value.code == "sms_unavailable"


@responses.activate
def test_client_checks_phone_and_params_before_calling() -> None:
    assert gateway_client().send("1381234", "login_code", {"code": "1"}).error == "sms_invalid_phone"
    with pytest.raises(SmsError):
        gateway_client().send("13812345678", "login_code", {})
    assert len(responses.calls) == 0

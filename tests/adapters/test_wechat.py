"""WeChat mini-program and official-account adapter: wechatpy's real code against WeChat's recorded answers
(served by `responses`) and against the local simulator."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import fakeredis
import pytest
import requests
import responses

from backend.adapters.wechat import (
    MiniProgram,
    OfficialAccount,
    SendResult,
    WeChatError,
    WeChatMiniProgram,
    WeChatOfficialAccount,
    WeChatSimulator,
    make_mini_program,
    make_official_account,
    simulator_authorize_redirect,
    simulator_issue_login_code,
    simulator_openid,
    simulator_unionid,
)
from backend.adapters.wechat import simulator as simulator_module
from backend.adapters.wechat.base import MESSAGES
from backend.adapters.wechat.client import TimeoutHTTPAdapter

RECORDED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "wechat" / "json"
API = "https://api.weixin.qq.com/"
APPID = "wx5fa0000000000001"
SECRET = "recorded-test-secret"
OPENID_SHAPE = re.compile(r"^o[A-Za-z0-9_-]{27}$")


def recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


def query_of(call: Any) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(call.request.url).query).items()}


class Outbox:
    def __init__(self) -> None:
        self.items: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, channel: str, recipient: str, payload: dict[str, Any]) -> None:
        self.items.append((channel, recipient, payload))


@pytest.fixture
def wechat() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def serve_token(mock: responses.RequestsMock) -> None:
    mock.get(API + "cgi-bin/token", json=recorded("token.json"))


# --- wechatpy against WeChat's recorded answers ----------------------------------------------------------


def test_code_to_session_fetches_token_then_returns_recorded_user(wechat: responses.RequestsMock) -> None:
    serve_token(wechat)
    wechat.get(API + "sns/jscode2session", json=recorded("sns_jscode2session.json"))
    mini = WeChatMiniProgram(APPID, SECRET)

    session = mini.code_to_session("081ZQ0Ga1ZkuJH0Vd2Ia1nqnDn0ZQ0GM")

    expected = recorded("sns_jscode2session.json")
    assert session.openid == expected["openid"] == "o16wA0b4AZKzgVJR3MBwoUdTfU_E"
    assert session.unionid == expected["unionid"]
    assert session.session_key == expected["session_key"]
    token_call, login_call = wechat.calls
    assert query_of(token_call) == {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}
    login = query_of(login_call)
    assert login["js_code"] == "081ZQ0Ga1ZkuJH0Vd2Ia1nqnDn0ZQ0GM"
    assert login["grant_type"] == "authorization_code"
    assert login["access_token"] == recorded("token.json")["access_token"]


def test_every_request_carries_the_configured_timeout(wechat: responses.RequestsMock) -> None:
    # wechatpy itself fetches the access token without any timeout
    serve_token(wechat)
    wechat.get(API + "sns/jscode2session", json=recorded("sns_jscode2session.json"))
    WeChatMiniProgram(APPID, SECRET, timeout=2.5).code_to_session("code")
    assert [call.request.req_kwargs["timeout"] for call in wechat.calls] == [2.5, 2.5]


def test_access_token_is_shared_through_redis(wechat: responses.RequestsMock) -> None:
    serve_token(wechat)
    wechat.get(API + "sns/jscode2session", json=recorded("sns_jscode2session.json"))
    redis = fakeredis.FakeStrictRedis()
    web, worker = WeChatMiniProgram(APPID, SECRET, redis=redis), WeChatMiniProgram(APPID, SECRET, redis=redis)

    web.code_to_session("first")
    worker.code_to_session("second")

    token_calls = [c for c in wechat.calls if urlsplit(c.request.url).path == "/cgi-bin/token"]
    assert len(token_calls) == 1
    assert json.loads(redis.get(f"wechatpy:{APPID}_access_token")) == recorded("token.json")["access_token"]


def test_without_redis_each_client_fetches_its_own_token(wechat: responses.RequestsMock) -> None:
    serve_token(wechat)
    wechat.get(API + "sns/jscode2session", json=recorded("sns_jscode2session.json"))
    WeChatMiniProgram(APPID, SECRET).code_to_session("first")
    WeChatMiniProgram(APPID, SECRET).code_to_session("second")
    assert sum(urlsplit(c.request.url).path == "/cgi-bin/token" for c in wechat.calls) == 2


@pytest.mark.parametrize(
    ("errcode", "errmsg", "code"),
    [
        (40029, "invalid code, rid: 6496f3ae-0b2c0ab5-6eb1b35b", "wechat_invalid_code"),
        (40163, "code been used, rid: 6496f3ae-0b2c0ab5-6eb1b35c", "wechat_code_used"),
        (40226, "invalid scope", "wechat_user_blocked"),
        (45011, "api minute-quota reach limit", "wechat_rate_limited"),
        (-1, "system error", "wechat_unavailable"),
        (40013, "invalid appid", "wechat_invalid_credential"),
        (61023, "refresh_token is invalid", "wechat_error"),
    ],
)
def test_code_to_session_maps_errcodes(wechat: responses.RequestsMock, errcode: int, errmsg: str, code: str) -> None:
    serve_token(wechat)
    wechat.get(API + "sns/jscode2session", json={"errcode": errcode, "errmsg": errmsg})

    with pytest.raises(WeChatError) as caught:
        WeChatMiniProgram(APPID, SECRET).code_to_session("code")

    assert caught.value.code == code
    assert caught.value.errcode == errcode
    assert caught.value.message.startswith(MESSAGES[code])
    assert re.search(r"[\u4e00-\u9fff]", caught.value.message)


def test_wrong_appsecret_on_token_fetch_is_a_credential_error(wechat: responses.RequestsMock) -> None:
    wechat.get(API + "cgi-bin/token", json={"errcode": 40125, "errmsg": "invalid appsecret"})
    with pytest.raises(WeChatError) as caught:
        WeChatMiniProgram(APPID, "wrong").code_to_session("code")
    assert (caught.value.code, caught.value.errcode) == ("wechat_invalid_credential", 40125)


@pytest.mark.parametrize(
    "failure", [{"status": 502, "body": "Bad Gateway"}, {"body": requests.ConnectionError("unreachable")}]
)
def test_unreachable_wechat_is_unavailable(wechat: responses.RequestsMock, failure: dict[str, Any]) -> None:
    serve_token(wechat)
    wechat.get(API + "sns/jscode2session", **failure)
    with pytest.raises(WeChatError) as caught:
        WeChatMiniProgram(APPID, SECRET).code_to_session("code")
    assert (caught.value.code, caught.value.errcode) == ("wechat_unavailable", None)


def test_non_json_answer_is_unavailable(wechat: responses.RequestsMock) -> None:
    # e.g. a proxy's HTML error page answered with status 200
    serve_token(wechat)
    wechat.get(API + "sns/jscode2session", body="<html>gateway</html>", content_type="text/html")
    wechat.get(API + "sns/oauth2/access_token", body="<html>gateway</html>", content_type="text/html")
    for call in (
        lambda: WeChatMiniProgram(APPID, SECRET).code_to_session("code"),
        lambda: WeChatOfficialAccount(APPID, SECRET).oauth_openid("code"),
    ):
        with pytest.raises(WeChatError) as caught:
            call()
        assert caught.value.code == "wechat_unavailable"


def test_template_message_posts_wechat_payload_and_reads_msgid(wechat: responses.RequestsMock) -> None:
    serve_token(wechat)
    wechat.post(API + "cgi-bin/message/template/send", json=recorded("message_template_send__doraemonext.json"))
    account = WeChatOfficialAccount("wx5fa0000000000002", SECRET)

    result = account.send_template_message(
        "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
        "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
        {"first": "您的项目有新的维保记录", "keyword1": {"value": "上海中心大厦", "color": "#173177"}},
        url="https://fire.example.cn/h5/feedback/42",
    )

    assert result == SendResult(ok=True, msgid=200228332, errcode=0, errmsg="ok")
    body = json.loads(wechat.calls[-1].request.body)
    assert body == {
        "touser": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
        "template_id": "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
        "url": "https://fire.example.cn/h5/feedback/42",
        "data": {
            "first": {"value": "您的项目有新的维保记录"},
            "keyword1": {"value": "上海中心大厦", "color": "#173177"},
        },
    }


def test_refusal_of_one_message_is_a_failed_result(wechat: responses.RequestsMock) -> None:
    serve_token(wechat)
    wechat.post(API + "cgi-bin/message/subscribe/send", json={"errcode": 43101, "errmsg": "user refuse to accept"})
    result = WeChatMiniProgram(APPID, SECRET).send_subscribe_message("o16wA0b4AZKzgVJR3MBwoUdTfU_E", "t", {"a": "b"})
    assert result == SendResult(ok=False, msgid=None, errcode=43101, errmsg="user refuse to accept")


def test_quota_exhaustion_on_send_raises(wechat: responses.RequestsMock) -> None:
    serve_token(wechat)
    wechat.post(API + "cgi-bin/message/subscribe/send", json={"errcode": 45009, "errmsg": "reach max api daily"})
    with pytest.raises(WeChatError) as caught:
        WeChatMiniProgram(APPID, SECRET).send_subscribe_message("o16wA0b4AZKzgVJR3MBwoUdTfU_E", "t", {"a": "b"})
    assert (caught.value.code, caught.value.errcode) == ("wechat_rate_limited", 45009)


def test_oauth_openid_from_recorded_answer_needs_no_access_token(wechat: responses.RequestsMock) -> None:
    wechat.get(API + "sns/oauth2/access_token", json=recorded("sns_oauth2_access_token.json"))
    openid = WeChatOfficialAccount("wx5fa0000000000002", SECRET).oauth_openid("oauth-code")
    assert openid == recorded("sns_oauth2_access_token.json")["openid"]
    (call,) = wechat.calls
    assert query_of(call) == {
        "appid": "wx5fa0000000000002",
        "secret": SECRET,
        "code": "oauth-code",
        "grant_type": "authorization_code",
    }


def test_oauth_authorize_url_points_at_wechat() -> None:
    url = WeChatOfficialAccount("wx5fa0000000000002", SECRET).oauth_authorize_url(
        "https://fire.example.cn/h5/feedback?id=42", "a b&c", scope="snsapi_userinfo"
    )
    parts = urlsplit(url)
    assert (parts.netloc, parts.path, parts.fragment) == (
        "open.weixin.qq.com",
        "/connect/oauth2/authorize",
        "wechat_redirect",
    )
    assert parse_qs(parts.query) == {
        "appid": ["wx5fa0000000000002"],
        "redirect_uri": ["https://fire.example.cn/h5/feedback?id=42"],
        "response_type": ["code"],
        "scope": ["snsapi_userinfo"],
        "state": ["a b&c"],
    }
    with pytest.raises(ValueError):
        WeChatOfficialAccount("wx5fa0000000000002", SECRET).oauth_authorize_url("https://x.cn", "s", "snsapi_login")


# --- the simulator ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "file"),
    [
        (simulator_module.TOKEN_TEMPLATE, "token.json"),
        (simulator_module.JSCODE2SESSION_TEMPLATE, "sns_jscode2session.json"),
        (simulator_module.OAUTH_TOKEN_TEMPLATE, "sns_oauth2_access_token.json"),
        (simulator_module.MESSAGE_SENT_TEMPLATE, "message_template_send__doraemonext.json"),
    ],
)
def test_simulator_templates_are_the_recorded_answers(template: dict[str, Any], file: str) -> None:
    assert json.dumps(template) == json.dumps(recorded(file))  # same keys, order and values


def test_simulator_answers_have_recorded_shapes() -> None:
    outbox = Outbox()
    http = requests.Session()
    http.mount(API, WeChatSimulator(APPID, SECRET, outbox))
    app = {"appid": APPID, "secret": SECRET}

    def shape(answer: dict[str, Any]) -> list[tuple[str, type]]:
        return [(key, type(value)) for key, value in answer.items()]

    token = http.get(API + "cgi-bin/token", params={**app, "grant_type": "client_credential"}).json()
    assert shape(token) == shape(recorded("token.json"))
    login = http.get(
        API + "sns/jscode2session",
        params={**app, "js_code": simulator_issue_login_code("u1"), "grant_type": "authorization_code"},
    ).json()
    assert shape(login) == shape(recorded("sns_jscode2session.json"))
    oauth = http.get(
        API + "sns/oauth2/access_token",
        params={**app, "code": simulator_issue_login_code("u1"), "grant_type": "authorization_code"},
    ).json()
    assert shape(oauth) == shape(recorded("sns_oauth2_access_token.json"))
    sent = http.post(
        API + "cgi-bin/message/template/send",
        params={"access_token": token["access_token"]},
        json={"touser": login["openid"], "template_id": "t", "data": {"first": {"value": "v"}}},
    ).json()
    assert shape(sent) == shape(recorded("message_template_send__doraemonext.json"))
    assert http.get(API + "cgi-bin/user/info", params={"access_token": token["access_token"]}).status_code == 404


def test_simulator_login_end_to_end_through_wechatpy() -> None:
    mini = make_mini_program({"WECHAT_BACKEND": "simulator"}, Outbox())
    assert isinstance(mini, WeChatMiniProgram)
    assert isinstance(mini.transport, WeChatSimulator)

    first = mini.code_to_session(simulator_issue_login_code("practitioner-13800138000"))
    again = mini.code_to_session(simulator_issue_login_code("practitioner-13800138000"))
    other = mini.code_to_session(simulator_issue_login_code("practitioner-13900139000"))

    assert OPENID_SHAPE.match(first.openid)
    assert first.openid == again.openid == simulator_openid(mini.appid, "practitioner-13800138000")
    assert first.unionid == simulator_unionid("practitioner-13800138000")
    assert first.session_key != again.session_key
    assert other.openid != first.openid


def test_simulator_codes_are_single_use() -> None:
    mini = make_mini_program({}, Outbox())
    code = simulator_issue_login_code("alice")
    mini.code_to_session(code)
    with pytest.raises(WeChatError) as caught:
        mini.code_to_session(code)
    assert (caught.value.code, caught.value.errcode) == ("wechat_code_used", 40163)


def _tag_flipped(code: str) -> str:
    return code[:-1] + ("1" if code[-1] == "0" else "0")


def _identity_swapped(code: str) -> str:
    # bob's payload under alice's tag: a forged code for another user
    return simulator_issue_login_code("bob").rpartition(".")[0] + "." + code.rpartition(".")[2]


@pytest.mark.parametrize(
    "make_code",
    [
        lambda: "081ZQ0Ga1ZkuJH0Vd2Ia1nqnDn0ZQ0GM",  # shaped like a real wx.login code, but not minted here
        lambda: _tag_flipped(simulator_issue_login_code("alice")),
        lambda: _identity_swapped(simulator_issue_login_code("alice")),
        lambda: simulator_issue_login_code("alice", issued_at=1_600_000_000),  # minted long ago: expired
    ],
    ids=["foreign", "tag-flipped", "identity-swapped", "expired"],
)
def test_simulator_refuses_unknown_or_expired_codes(make_code: Any) -> None:
    with pytest.raises(WeChatError) as caught:
        make_mini_program({}, Outbox()).code_to_session(make_code())
    assert (caught.value.code, caught.value.errcode) == ("wechat_invalid_code", 40029)


def test_simulator_subscribe_message_lands_in_outbox() -> None:
    outbox = Outbox()
    mini = make_mini_program({}, outbox)
    openid = mini.code_to_session(simulator_issue_login_code("alice")).openid

    result = mini.send_subscribe_message(
        openid,
        "spot-check-template",
        {"thing1": "实时抽查：上海中心大厦", "time2": "2025-03-01 10:00"},
        page="pages/spot",
    )

    assert result.ok and result.errcode == 0 and result.msgid is not None
    assert outbox.items == [
        (
            "wechat_subscribe",
            openid,
            {
                "touser": openid,
                "template_id": "spot-check-template",
                "page": "pages/spot",
                "data": {
                    "thing1": {"value": "实时抽查：上海中心大厦"},
                    "time2": {"value": "2025-03-01 10:00"},
                },
                "msgid": result.msgid,
            },
        )
    ]


def test_simulator_template_message_lands_in_outbox() -> None:
    outbox = Outbox()
    account = make_official_account({"WECHAT_BACKEND": "simulator"}, outbox)
    openid = simulator_openid(account.appid, "client-unit-contact")

    first = account.send_template_message(openid, "feedback", {"first": "请确认服务"}, url="https://x.cn/h5/1")
    second = account.send_template_message(openid, "feedback", {"first": "请确认服务"})

    assert first.ok and second.ok and second.msgid != first.msgid
    assert [(channel, to) for channel, to, _ in outbox.items] == [("wechat_template", openid)] * 2
    assert outbox.items[0][2] == {
        "touser": openid,
        "template_id": "feedback",
        "url": "https://x.cn/h5/1",
        "data": {"first": {"value": "请确认服务"}},
        "msgid": first.msgid,
    }
    assert "url" not in outbox.items[1][2]


@pytest.mark.parametrize(
    ("openid", "template_id", "data", "errcode"),
    [
        ("not-an-openid", "t", {"a": "b"}, 40003),
        ("o16wA0b4AZKzgVJR3MBwoUdTfU_E", "", {"a": "b"}, 40037),
        ("o16wA0b4AZKzgVJR3MBwoUdTfU_E", "t", {"a": "  "}, 47003),
        ("o16wA0b4AZKzgVJR3MBwoUdTfU_E", "t", {}, 47003),
    ],
)
def test_simulator_refuses_malformed_messages(openid: str, template_id: str, data: dict, errcode: int) -> None:
    outbox = Outbox()
    result = make_official_account({}, outbox).send_template_message(openid, template_id, data)
    assert (result.ok, result.errcode, result.msgid) == (False, errcode, None)
    assert outbox.items == []


def test_simulator_refuses_wrong_appsecret() -> None:
    mini = WeChatMiniProgram(APPID, "stale-secret", transport=WeChatSimulator(APPID, SECRET, Outbox()))
    with pytest.raises(WeChatError) as caught:
        mini.code_to_session(simulator_issue_login_code("alice"))
    assert (caught.value.code, caught.value.errcode) == ("wechat_invalid_credential", 40125)


def test_revoked_access_token_is_refetched_by_wechatpy() -> None:
    outbox = Outbox()
    account = make_official_account({}, outbox)
    openid = simulator_openid(account.appid, "bob")
    assert account.send_template_message(openid, "t", {"first": "1"}).ok
    old_token = account.client.session.get(account.client.access_token_key)

    account.transport.revoke_access_tokens()

    assert account.send_template_message(openid, "t", {"first": "2"}).ok
    assert account.client.session.get(account.client.access_token_key) != old_token
    assert len(outbox.items) == 2


def test_simulator_state_is_shared_through_redis() -> None:
    redis = fakeredis.FakeStrictRedis()
    web, worker = make_mini_program({}, Outbox(), redis=redis), make_mini_program({}, Outbox(), redis=redis)
    code = simulator_issue_login_code("alice")
    openid = web.code_to_session(code).openid
    token = redis.get(f"wechatpy:{web.appid}_access_token")

    with pytest.raises(WeChatError) as caught:
        worker.code_to_session(code)  # another process sees the code as used
    assert caught.value.errcode == 40163
    assert worker.send_subscribe_message(openid, "t", {"thing1": "x"}).ok
    assert redis.get(f"wechatpy:{web.appid}_access_token") == token  # the worker reused the web's token


def test_simulator_oauth_redirect_identifies_the_client_contact() -> None:
    account = make_official_account({}, Outbox())
    redirect = simulator_authorize_redirect("https://fire.example.cn/h5/feedback?id=42", "s1", "contact-7")
    query = parse_qs(urlsplit(redirect).query)
    assert (query["id"], query["state"]) == (["42"], ["s1"])

    openid = account.oauth_openid(query["code"][0])

    assert openid == simulator_openid(account.appid, "contact-7")
    mini_openid = make_mini_program({}, Outbox()).code_to_session(simulator_issue_login_code("contact-7")).openid
    assert openid != mini_openid  # one person has one openid per app, as on WeChat


def test_factories_return_protocol_implementations() -> None:
    assert isinstance(make_mini_program({}, Outbox()), MiniProgram)
    assert isinstance(make_official_account({}, Outbox()), OfficialAccount)


def test_real_backend_needs_credentials_and_uses_the_same_classes(wechat: responses.RequestsMock) -> None:
    with pytest.raises(WeChatError) as caught:
        make_mini_program({"WECHAT_BACKEND": "wechat"}, Outbox())
    assert caught.value.code == "wechat_not_configured"
    with pytest.raises(ValueError):
        make_official_account({"WECHAT_BACKEND": "sandbox"}, Outbox())

    outbox = Outbox()
    mini = make_mini_program(
        {"WECHAT_BACKEND": "wechat", "WECHAT_MINIPROGRAM_APPID": APPID, "WECHAT_MINIPROGRAM_SECRET": SECRET},
        outbox,
    )
    assert type(mini) is WeChatMiniProgram and isinstance(mini.transport, TimeoutHTTPAdapter)
    serve_token(wechat)
    wechat.get(API + "sns/jscode2session", json=recorded("sns_jscode2session.json"))
    assert mini.code_to_session("real-code").openid == recorded("sns_jscode2session.json")["openid"]

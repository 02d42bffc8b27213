"""WeChat adapter interfaces: mini-program login and subscribe messages, official-account template messages
and OAuth. Implementations (client.py) run wechatpy; only the HTTP transport differs between WeChat itself and
the local simulator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

# Stable machine codes -> user-facing Chinese text. The lead maps the codes to HTTP answers.
MESSAGES: dict[str, str] = {
    "wechat_invalid_code": "微信登录凭证无效或已过期，请重新登录",
    "wechat_code_used": "微信登录凭证已被使用，请重新登录",
    "wechat_user_blocked": "该微信用户存在安全风险，已被微信拦截登录",
    "wechat_invalid_credential": "微信应用凭证配置错误（AppID 或 AppSecret 无效）",
    "wechat_not_configured": "未配置微信应用的 AppID 或 AppSecret",
    "wechat_rate_limited": "微信接口调用次数超过限制，请稍后再试",
    "wechat_unavailable": "微信服务暂时不可用，请稍后再试",
    "wechat_bad_signature": "微信消息签名校验失败",
    "wechat_bad_message": "无法解析微信推送的消息",
    "wechat_error": "微信接口返回错误",
}

# WeChat errcodes with their machine code. Codes not listed map to "wechat_error".
ERRCODE_TO_CODE: dict[int, str] = {
    -1: "wechat_unavailable",  # system busy
    40001: "wechat_invalid_credential",  # access_token invalid even after wechatpy refetched it
    40002: "wechat_invalid_credential",
    40013: "wechat_invalid_credential",  # invalid appid
    40125: "wechat_invalid_credential",  # invalid appsecret
    40164: "wechat_invalid_credential",  # server IP not in the app's whitelist
    40029: "wechat_invalid_code",
    40163: "wechat_code_used",
    40226: "wechat_user_blocked",  # high-risk user, login intercepted by WeChat
    45009: "wechat_rate_limited",
    45011: "wechat_rate_limited",
}

# errcodes about the whole application (configuration, quota, outage) rather than one message: a send raises
# on these, while a refusal of one message (bad openid, user did not subscribe) comes back as a SendResult.
SYSTEMIC_ERRCODES: frozenset[int] = frozenset({-1, 40001, 40002, 40013, 40125, 40164, 45009, 45011})


class WeChatError(Exception):
    """A WeChat call failed; `code` is stable, `message` is Chinese, `errcode` is WeChat's own (if any)."""

    def __init__(self, code: str, message: str | None = None, errcode: int | None = None) -> None:
        self.code = code
        self.message = message or MESSAGES.get(code, MESSAGES["wechat_error"])
        self.errcode = errcode
        super().__init__(f"{code}: {self.message}" + (f" (errcode {errcode})" if errcode is not None else ""))

    @classmethod
    def from_errcode(cls, errcode: int | None, errmsg: str | None = None) -> WeChatError:
        if errcode is None:  # no JSON answer at all: HTTP error status or network failure
            return cls("wechat_unavailable")
        code = ERRCODE_TO_CODE.get(errcode, "wechat_error")
        message = MESSAGES[code]
        if code == "wechat_error" and errmsg:
            message = f"{message}：{errmsg}"
        return cls(code, message, errcode)


@dataclass(frozen=True)
class MiniSession:
    openid: str
    unionid: str | None
    session_key: str


@dataclass(frozen=True)
class SendResult:
    ok: bool
    msgid: int | None
    errcode: int
    errmsg: str


# Template data as WeChat wants it ({"thing1": {"value": "…"}}); plain strings are accepted and wrapped.
TemplateData = dict[str, Any]


@runtime_checkable
class MiniProgram(Protocol):
    appid: str

    def code_to_session(self, js_code: str) -> MiniSession: ...

    def send_subscribe_message(
        self, openid: str, template_id: str, data: TemplateData, page: str | None = None
    ) -> SendResult: ...


@runtime_checkable
class OfficialAccount(Protocol):
    appid: str  # the official account's own id (the OAuth page checks a request names it)

    def send_template_message(
        self, openid: str, template_id: str, data: TemplateData, url: str | None = None
    ) -> SendResult: ...

    def oauth_authorize_url(self, redirect_uri: str, state: str, scope: str = "snsapi_base") -> str: ...

    def oauth_openid(self, code: str) -> str: ...

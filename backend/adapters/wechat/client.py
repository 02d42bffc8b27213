"""wechatpy-backed implementations of MiniProgram and OfficialAccount.

The same classes serve production and development: a `transport` (a requests adapter mounted for
https://api.weixin.qq.com/) decides whether wechatpy talks to WeChat or to the local simulator."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from wechatpy import WeChatOAuth
from wechatpy.client import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from backend.adapters.wechat.base import (
    SYSTEMIC_ERRCODES,
    MiniSession,
    SendResult,
    TemplateData,
    WeChatError,
)

WECHAT_API_PREFIX = "https://api.weixin.qq.com/"
DEFAULT_TIMEOUT = 5.0


class TimeoutHTTPAdapter(HTTPAdapter):
    """wechatpy fetches access tokens and OAuth tokens without a timeout; this puts one on every request."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(max_retries=0)
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def token_storage(redis: Any | None) -> SessionStorage:
    """Redis shares one access token between web and worker processes (WeChat invalidates older tokens
    after a refetch, so each process fetching its own would make them knock each other out)."""
    return RedisStorage(redis, prefix="wechatpy") if redis is not None else MemoryStorage()


def normalize_template_data(data: TemplateData) -> dict[str, dict[str, Any]]:
    return {key: value if isinstance(value, dict) else {"value": str(value)} for key, value in data.items()}


@contextmanager
def wechat_errors() -> Iterator[None]:
    """Translate wechatpy and requests failures into WeChatError."""
    try:
        yield
    except WeChatClientException as exc:
        raise WeChatError.from_errcode(exc.errcode, exc.errmsg) from exc
    except requests.RequestException as exc:
        raise WeChatError("wechat_unavailable") from exc


def _answer(answer: Any, *required: str) -> dict[str, Any]:
    # wechatpy hands back the raw Response when the body is not JSON (a proxy's error page, for instance)
    if not isinstance(answer, dict) or any(key not in answer for key in required):
        raise WeChatError("wechat_unavailable")
    return answer


def _send(call: Any, **kwargs: Any) -> SendResult:
    with wechat_errors():
        try:
            answer = _answer(call(**kwargs))
        except WeChatClientException as exc:
            if exc.errcode is None or int(exc.errcode) in SYSTEMIC_ERRCODES:
                raise
            return SendResult(ok=False, msgid=None, errcode=int(exc.errcode), errmsg=str(exc.errmsg))
        msgid = answer.get("msgid")
        return SendResult(
            ok=True,
            msgid=int(msgid) if msgid is not None else None,
            errcode=int(answer.get("errcode", 0)),
            errmsg=str(answer.get("errmsg", "ok")),
        )


class _WeChatApp:
    def __init__(
        self,
        appid: str,
        secret: str,
        redis: Any | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: BaseAdapter | None = None,
    ) -> None:
        if not appid or not secret:
            raise WeChatError("wechat_not_configured")
        self.appid = appid
        self.secret = secret
        self.timeout = timeout
        self.transport = transport if transport is not None else TimeoutHTTPAdapter(timeout)
        self.client = WeChatClient(appid, secret, session=token_storage(redis), timeout=timeout)
        self._mount(self.client._http)

    def _mount(self, http: requests.Session) -> None:
        # wechatpy keeps a plain requests.Session in `_http`; mounting is its only transport hook.
        http.mount(WECHAT_API_PREFIX, self.transport)


class WeChatMiniProgram(_WeChatApp):
    """Mini-program: wx.login code -> session (code2Session) and subscribe messages."""

    def code_to_session(self, js_code: str) -> MiniSession:
        if not js_code:
            raise WeChatError("wechat_invalid_code", errcode=40029)
        with wechat_errors():
            answer = _answer(self.client.wxa.code_to_session(js_code), "openid", "session_key")
            return MiniSession(
                openid=answer["openid"], unionid=answer.get("unionid"), session_key=answer["session_key"]
            )

    def send_subscribe_message(
        self, openid: str, template_id: str, data: TemplateData, page: str | None = None
    ) -> SendResult:
        return _send(
            self.client.wxa.send_subscribe_message,
            user_id=openid,
            template_id=template_id,
            data=normalize_template_data(data),
            page=page,
        )


class WeChatOfficialAccount(_WeChatApp):
    """Official account 「上海消防公众服务平台」: template messages, and OAuth for client units' H5 pages."""

    def __init__(self, *args: Any, oauth_base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The authorize step is a page in the user's browser, not an API call the transport can answer: in
        # development a local stand-in serves it (wechat_official/dev.py) instead of open.weixin.qq.com.
        self.oauth_base_url = oauth_base_url

    def send_template_message(
        self, openid: str, template_id: str, data: TemplateData, url: str | None = None
    ) -> SendResult:
        return _send(
            self.client.message.send_template,
            user_id=openid,
            template_id=template_id,
            data=normalize_template_data(data),
            url=url,
        )

    def _oauth(self, redirect_uri: str = "", scope: str = "snsapi_base", state: str = "") -> WeChatOAuth:
        oauth = WeChatOAuth(self.appid, self.secret, redirect_uri, scope=scope, state=state)
        if self.oauth_base_url:
            oauth.OAUTH_BASE_URL = self.oauth_base_url
        self._mount(oauth._http)
        return oauth

    def oauth_authorize_url(self, redirect_uri: str, state: str, scope: str = "snsapi_base") -> str:
        """WeChat hands `state` back unchanged (at most 128 bytes); wechatpy appends it raw, so quote it."""
        if scope not in ("snsapi_base", "snsapi_userinfo"):
            raise ValueError(f"unsupported OAuth scope {scope!r}")
        return self._oauth(redirect_uri, scope, quote(state, safe="")).authorize_url

    def oauth_openid(self, code: str) -> str:
        if not code:
            raise WeChatError("wechat_invalid_code", errcode=40029)
        with wechat_errors():
            try:
                return str(self._oauth().fetch_access_token(code)["openid"])
            except (KeyError, ValueError) as exc:  # WeChatOAuth parses the body itself and trusts its fields
                raise WeChatError("wechat_unavailable") from exc

"""A local stand-in for WeChat's HTTP API, mounted as a requests transport under wechatpy.

wechatpy's real code builds the requests, parses the answers and raises its own exceptions; only the bytes
come from here instead of api.weixin.qq.com. Answers have the shapes of WeChat's recorded responses
(wechatpy's test fixtures, see data/wechat/json; tests check the templates below against those files).

Login codes are self-describing so that any process can mint one (like wx.login on a device) and the simulator
can tell who it belongs to: base64url("<issued_at>:<nonce>:<seed>") + "." + HMAC tag. As on WeChat a code
expires after five minutes and can be used once."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from backend.adapters.wechat.base import WeChatError
from backend.adapters.wechat.client import (
    DEFAULT_TIMEOUT,
    TimeoutHTTPAdapter,
    WeChatMiniProgram,
    WeChatOfficialAccount,
)
from backend.core.timeutil import epoch_seconds

OutboxSink = Callable[[str, str, dict[str, Any]], None]

# The simulator's "WeChat side" secret. Not a security boundary: it only keeps typos from being valid codes.
SIMULATOR_KEY = b"fire-supervision-wechat-simulator"
CODE_TTL_SECONDS = 300  # wx.login codes are valid for five minutes
TOKEN_TTL_SECONDS = 7200
OPENID_PATTERN = re.compile(r"^o[A-Za-z0-9_-]{27}$")

# Shapes of WeChat's answers, copied from the recorded responses in data/wechat/json (key order included).
TOKEN_TEMPLATE: dict[str, Any] = {"access_token": "1234567890", "expires_in": 7200}  # token.json
JSCODE2SESSION_TEMPLATE: dict[str, Any] = {  # sns_jscode2session.json
    "session_key": "D1ZWEygStjuLCnZ9IN2l4Q==",
    "expires_in": 7200,
    "openid": "o16wA0b4AZKzgVJR3MBwoUdTfU_E",
    "unionid": "or4zX05h_Ykt4ju0TUfx3CQsvfTo",
}
OAUTH_TOKEN_TEMPLATE: dict[str, Any] = {  # sns_oauth2_access_token.json
    "access_token": "ACCESS_TOKEN",
    "expires_in": 7200,
    "refresh_token": "REFRESH_TOKEN",
    "openid": "OPENID",
    "scope": "SCOPE",
}
MESSAGE_SENT_TEMPLATE: dict[str, Any] = {"errcode": 0, "errmsg": "ok", "msgid": 200228332}  # template send

DEV_MINIPROGRAM_APPID = "wx5fa0000000000001"
DEV_OFFICIAL_APPID = "wx5fa0000000000002"
DEV_SECRET = "simulator-app-secret"
# Where the browser is sent for WeChat's authorize page in development (relative: the page's own origin).
DEV_OAUTH_BASE_URL = "/wx/dev/connect/"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _tag(text: str) -> str:
    return hmac.new(SIMULATOR_KEY, text.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def simulator_issue_login_code(openid_seed: str, issued_at: float | None = None) -> str:
    """A code the simulator accepts for user `openid_seed`, as wx.login or an OAuth redirect hands out."""
    issued = int(epoch_seconds() if issued_at is None else issued_at)
    blob = _b64url(f"{issued}:{secrets.token_hex(4)}:{openid_seed}".encode())
    return f"{blob}.{_tag(blob)}"


def simulator_authorize_redirect(redirect_uri: str, state: str, openid_seed: str) -> str:
    """Where WeChat would send the browser after the user of `openid_seed` passes the OAuth page."""
    parts = urlsplit(redirect_uri)
    query = [*parse_qsl(parts.query), ("code", simulator_issue_login_code(openid_seed)), ("state", state)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _decode_code(code: str) -> tuple[int, str] | None:
    blob, _, tag = code.rpartition(".")
    if not blob or not hmac.compare_digest(tag, _tag(blob)):
        return None
    try:
        issued, _nonce, seed = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4)).decode().split(":", 2)
        return int(issued), seed
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _derived_id(label: str) -> str:
    # openids look like WeChat's: "o" + 27 characters of base64url (28 in all, as in the recorded answers)
    return "o" + _b64url(hmac.new(SIMULATOR_KEY, label.encode("utf-8"), hashlib.sha256).digest())[:27]


def simulator_openid(appid: str, openid_seed: str) -> str:
    """The openid the simulator gives `openid_seed` in app `appid` (differs per app, as on WeChat)."""
    return _derived_id(f"openid:{appid}:{openid_seed}")


def simulator_unionid(openid_seed: str) -> str:
    """The unionid, shared by all apps of one open-platform account, as on WeChat."""
    return _derived_id(f"unionid:{openid_seed}")


class _MemoryState:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._used_codes: dict[str, float] = {}
        self._tokens: dict[str, float] = {}
        self._msgids = itertools.count(3_000_000_001)

    def claim_code(self, code: str, ttl: int) -> bool:
        now = epoch_seconds()
        with self._lock:
            self._used_codes = {c: exp for c, exp in self._used_codes.items() if exp > now}
            if code in self._used_codes:
                return False
            self._used_codes[code] = now + ttl
            return True

    def add_token(self, token: str, ttl: int) -> None:
        with self._lock:
            self._tokens[token] = epoch_seconds() + ttl

    def has_token(self, token: str) -> bool:
        return self._tokens.get(token, 0.0) > epoch_seconds()

    def revoke_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def next_msgid(self) -> int:
        with self._lock:
            return next(self._msgids)


class _RedisState:
    """Same state in Redis, so that every web and worker process of a dev deployment sees one WeChat."""

    def __init__(self, redis: Any, appid: str) -> None:
        self.redis = redis
        self.prefix = f"wechat-simulator:{appid}:"

    def claim_code(self, code: str, ttl: int) -> bool:
        return bool(self.redis.set(f"{self.prefix}code:{code}", 1, nx=True, ex=ttl))

    def add_token(self, token: str, ttl: int) -> None:
        self.redis.set(f"{self.prefix}token:{token}", 1, ex=ttl)

    def has_token(self, token: str) -> bool:
        return bool(self.redis.exists(f"{self.prefix}token:{token}"))

    def revoke_tokens(self) -> None:
        for key in self.redis.scan_iter(f"{self.prefix}token:*"):
            self.redis.delete(key)

    def next_msgid(self) -> int:
        return 3_000_000_000 + int(self.redis.incr(f"{self.prefix}msgid"))


class _Refusal(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(errcode, errmsg)
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatSimulator(BaseAdapter):
    """requests transport answering WeChat's API for one app (appid/secret) the way WeChat does."""

    def __init__(
        self,
        appid: str,
        secret: str,
        outbox_sink: OutboxSink,
        redis: Any | None = None,
        code_ttl: int = CODE_TTL_SECONDS,
    ) -> None:
        super().__init__()
        self.appid = appid
        self.secret = secret
        self.outbox_sink = outbox_sink
        self.code_ttl = code_ttl
        self.state: _MemoryState | _RedisState = _RedisState(redis, appid) if redis is not None else _MemoryState()
        self.routes: dict[tuple[str, str], Callable[[Mapping[str, str], bytes], dict[str, Any]]] = {
            ("GET", "/cgi-bin/token"): self._token,
            ("GET", "/sns/jscode2session"): self._jscode2session,
            ("GET", "/sns/oauth2/access_token"): self._oauth_access_token,
            ("POST", "/cgi-bin/message/template/send"): self._template_send,
            ("POST", "/cgi-bin/message/subscribe/send"): self._subscribe_send,
        }

    # --- requests transport -------------------------------------------------------------------------------

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None, **kwargs: Any
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        handler = self.routes.get(((request.method or "GET").upper(), parts.path))
        if handler is None:
            return self._response(request, 404, {"errcode": 404, "errmsg": f"simulator: no API {parts.path}"})
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        # wechatpy sends its JSON and form bodies as str or bytes, never as a stream.
        raw = request.body
        body = raw.encode() if isinstance(raw, str) else raw if isinstance(raw, bytes) else b""
        try:
            answer = handler(params, body)
        except _Refusal as refusal:
            rid = "-".join(secrets.token_hex(4) for _ in range(3))  # WeChat appends a request id
            answer = {"errcode": refusal.errcode, "errmsg": f"{refusal.errmsg}, rid: {rid}"}
        return self._response(request, 200, answer)

    def close(self) -> None:
        pass

    @staticmethod
    def _response(request: requests.PreparedRequest, status: int, payload: dict[str, Any]) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response.reason = "OK" if status == 200 else "Not Found"
        response._content = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json; encoding=utf-8"})
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        return response

    # --- dev controls -------------------------------------------------------------------------------------

    def revoke_access_tokens(self) -> None:
        """Invalidate every issued access token, as WeChat does when the secret is reset elsewhere."""
        self.state.revoke_tokens()

    # --- checks shared by the APIs ------------------------------------------------------------------------

    def _check_app(self, params: Mapping[str, str], grant_type: str) -> None:
        if params.get("grant_type") != grant_type:
            raise _Refusal(40002, "invalid grant_type")
        if params.get("appid") != self.appid:
            raise _Refusal(40013, "invalid appid")
        if not hmac.compare_digest(params.get("secret", ""), self.secret):
            raise _Refusal(40125, "invalid appsecret")

    def _redeem_code(self, code: str) -> str:
        decoded = _decode_code(code)
        if decoded is None or epoch_seconds() - decoded[0] > self.code_ttl:
            raise _Refusal(40029, "invalid code")
        if not self.state.claim_code(code, self.code_ttl):
            raise _Refusal(40163, "code been used")
        return decoded[1]

    def _check_access_token(self, params: Mapping[str, str]) -> None:
        if not self.state.has_token(params.get("access_token", "")):
            raise _Refusal(40001, "invalid credential, access_token is invalid or not latest")

    @staticmethod
    def _message_body(body: bytes) -> dict[str, Any]:
        try:
            message = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _Refusal(47001, "data format error") from None
        if not isinstance(message, dict):
            raise _Refusal(47001, "data format error")
        if not OPENID_PATTERN.match(str(message.get("touser", ""))):
            raise _Refusal(40003, "invalid openid")
        if not message.get("template_id"):
            raise _Refusal(40037, "invalid template_id")
        data = message.get("data")
        if not isinstance(data, dict) or not data:
            raise _Refusal(47003, "argument invalid! data is empty")
        for key, item in data.items():
            if not isinstance(item, dict) or not str(item.get("value", "")).strip():
                raise _Refusal(47003, f"argument invalid! data.{key}.value is empty")
        return message

    # --- the APIs -----------------------------------------------------------------------------------------

    def _token(self, params: Mapping[str, str], body: bytes) -> dict[str, Any]:
        self._check_app(params, "client_credential")
        token = secrets.token_urlsafe(102)  # WeChat's tokens are ~136 characters of base64url
        self.state.add_token(token, TOKEN_TTL_SECONDS)
        return {**TOKEN_TEMPLATE, "access_token": token, "expires_in": TOKEN_TTL_SECONDS}

    def _jscode2session(self, params: Mapping[str, str], body: bytes) -> dict[str, Any]:
        self._check_app(params, "authorization_code")
        seed = self._redeem_code(params.get("js_code", ""))
        return {
            **JSCODE2SESSION_TEMPLATE,
            "session_key": base64.b64encode(secrets.token_bytes(16)).decode("ascii"),
            "openid": simulator_openid(self.appid, seed),
            "unionid": simulator_unionid(seed),
        }

    def _oauth_access_token(self, params: Mapping[str, str], body: bytes) -> dict[str, Any]:
        self._check_app(params, "authorization_code")
        seed = self._redeem_code(params.get("code", ""))
        return {
            **OAUTH_TOKEN_TEMPLATE,
            "access_token": secrets.token_urlsafe(66),
            "refresh_token": secrets.token_urlsafe(66),
            "openid": simulator_openid(self.appid, seed),
            "scope": "snsapi_base",
        }

    def _deliver(self, channel: str, params: Mapping[str, str], body: bytes) -> dict[str, Any]:
        self._check_access_token(params)
        message = self._message_body(body)
        msgid = self.state.next_msgid()
        self.outbox_sink(channel, message["touser"], {**message, "msgid": msgid})
        return {**MESSAGE_SENT_TEMPLATE, "msgid": msgid}

    def _template_send(self, params: Mapping[str, str], body: bytes) -> dict[str, Any]:
        return self._deliver("wechat_template", params, body)

    def _subscribe_send(self, params: Mapping[str, str], body: bytes) -> dict[str, Any]:
        return self._deliver("wechat_subscribe", params, body)


# --- factories: the same wechatpy-backed classes, WeChat or the simulator underneath -----------------------


def _backend(config: Mapping[str, Any]) -> str:
    backend = str(config.get("WECHAT_BACKEND", "simulator"))
    if backend not in ("simulator", "wechat"):
        raise ValueError(f"WECHAT_BACKEND must be 'simulator' or 'wechat', not {backend!r}")
    return backend


def _app_settings(
    config: Mapping[str, Any], prefix: str, dev_appid: str, outbox_sink: OutboxSink, redis: Any | None
) -> tuple[str, str, float, BaseAdapter]:
    simulated = _backend(config) == "simulator"
    appid = str(config.get(f"{prefix}_APPID") or (dev_appid if simulated else ""))
    secret = str(config.get(f"{prefix}_SECRET") or (DEV_SECRET if simulated else ""))
    if not appid or not secret:
        raise WeChatError("wechat_not_configured")
    timeout = float(config.get("WECHAT_TIMEOUT", DEFAULT_TIMEOUT))
    transport: BaseAdapter = (
        WeChatSimulator(appid, secret, outbox_sink, redis=redis) if simulated else TimeoutHTTPAdapter(timeout)
    )
    return appid, secret, timeout, transport


def make_mini_program(
    config: Mapping[str, Any], outbox_sink: OutboxSink, redis: Any | None = None
) -> WeChatMiniProgram:
    """Config: WECHAT_BACKEND ("simulator" by default, or "wechat"), WECHAT_MINIPROGRAM_APPID,
    WECHAT_MINIPROGRAM_SECRET, WECHAT_TIMEOUT (seconds)."""
    appid, secret, timeout, transport = _app_settings(
        config, "WECHAT_MINIPROGRAM", DEV_MINIPROGRAM_APPID, outbox_sink, redis
    )
    return WeChatMiniProgram(appid, secret, redis=redis, timeout=timeout, transport=transport)


def make_official_account(
    config: Mapping[str, Any], outbox_sink: OutboxSink, redis: Any | None = None
) -> WeChatOfficialAccount:
    """Config: WECHAT_BACKEND, WECHAT_OFFICIAL_APPID, WECHAT_OFFICIAL_SECRET, WECHAT_TIMEOUT (seconds)."""
    appid, secret, timeout, transport = _app_settings(config, "WECHAT_OFFICIAL", DEV_OFFICIAL_APPID, outbox_sink, redis)
    simulated = _backend(config) == "simulator"
    oauth_base_url = str(config.get("WECHAT_OAUTH_BASE_URL") or DEV_OAUTH_BASE_URL) if simulated else None
    return WeChatOfficialAccount(
        appid, secret, redis=redis, timeout=timeout, transport=transport, oauth_base_url=oauth_base_url
    )

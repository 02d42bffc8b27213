"""HTTP client of the SMS gateway.

Request
    POST {url}
    X-Api-Key: the key issued to this system
    {"phone": "13812345678", "sign_name": "上海消防", "template_id": "<gateway id of the template>",
     "params": {"code": "123456"}}

Answers (HTTP 200)
    {"code": "OK", "message_id": "..."}                   -> SmsResult(ok=True, message_id)
    {"code": "INVALID_PHONE" | "BLACKLISTED", ...}        -> SmsResult(ok=False, error="sms_invalid_phone")
    {"code": "RATE_LIMITED", ...}                         -> SmsResult(ok=False, error="sms_rate_limited")
    {"code": "TEMPLATE_NOT_FOUND"}                        -> SmsError("sms_unknown_template")
    {"code": "TEMPLATE_PARAMS"}                           -> SmsError("sms_bad_params")
    {"code": "AUTH_FAILED"}, HTTP 401/403                 -> SmsError("sms_auth_failed")
    any other code                                        -> SmsResult(ok=False, error="sms_rejected")
    HTTP 429 -> SmsError("sms_throttled"); HTTP 5xx, timeouts -> SmsError("sms_unavailable").

Only connection failures are retried: a request that reached the gateway may have been sent, and a retried
POST would text the person twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from backend.core.validators import is_valid_cn_mobile, normalize_cn_mobile

from .base import SIGN_NAME, SmsError, SmsResult, render_sms

_RESULT_ERRORS = {
    "INVALID_PHONE": "sms_invalid_phone",
    "BLACKLISTED": "sms_invalid_phone",
    "RATE_LIMITED": "sms_rate_limited",
}
_RAISED_ERRORS = {
    "TEMPLATE_NOT_FOUND": "sms_unknown_template",
    "TEMPLATE_PARAMS": "sms_bad_params",
    "AUTH_FAILED": "sms_auth_failed",
}


class SmsClient:
    """Implements ``SmsGateway`` over HTTP. ``template_ids`` maps our template names to the gateway's ids
    (names are sent as they are when absent). A ``session`` passed in gets the key header and the adapter."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        sign_name: str = SIGN_NAME,
        template_ids: Mapping[str, str] | None = None,
        timeout: float = 5.0,
        connect_retries: int = 2,
        session: requests.Session | None = None,
    ) -> None:
        self.url = url
        self.sign_name = sign_name
        self.template_ids = dict(template_ids or {})
        self.timeout = timeout
        self._session = session or requests.Session()
        self._session.headers.update({"X-Api-Key": api_key})
        retry = Retry(total=connect_retries, connect=connect_retries, read=0, status=0, other=0, backoff_factor=0.3)
        self._session.mount(url, HTTPAdapter(max_retries=retry))

    def send(self, phone: str, template: str, params: Mapping[str, Any]) -> SmsResult:
        render_sms(template, params)  # same template contract as the simulator; raises before any request
        number = normalize_cn_mobile(phone)
        if not is_valid_cn_mobile(number):
            return SmsResult(False, None, "sms_invalid_phone")
        body: dict[str, Any] = {
            "phone": number,
            "sign_name": self.sign_name,
            "template_id": self.template_ids.get(template, template),
            "params": {k: str(v) for k, v in params.items()},
        }
        try:
            response = self._session.post(self.url, json=body, timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise SmsError("sms_unavailable") from exc
        if response.status_code in (401, 403):
            raise SmsError("sms_auth_failed")
        if response.status_code == 429:
            raise SmsError("sms_throttled")
        if response.status_code >= 500:
            raise SmsError("sms_unavailable")
        try:
            answer = json.loads(response.content)  # from bytes: the charset label is often missing
            code = answer["code"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SmsError("sms_bad_response") from exc
        if response.status_code == 200 and code == "OK":
            message_id = answer.get("message_id")
            if not message_id:
                raise SmsError("sms_bad_response")
            return SmsResult(True, str(message_id))
        if code in _RAISED_ERRORS:
            raise SmsError(_RAISED_ERRORS[code])
        return SmsResult(False, None, _RESULT_ERRORS.get(code, "sms_rejected"))

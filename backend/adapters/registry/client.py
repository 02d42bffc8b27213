"""HTTP client of the national 社会消防技术服务信息系统 data-sharing interface.

Requests
    GET {base_url}/api/v1/organizations/{credit_code}
    GET {base_url}/api/v1/certificates?id_number=...&cert_no=...   (either or both)

Every request is signed (the provincial exchange gateway rejects unsigned calls):
    X-App-Key:    the key issued to this system
    X-Timestamp:  Unix seconds
    X-Nonce:      32 random hex characters, new for every attempt (the gateway refuses a replayed nonce)
    X-Signature:  hex HMAC-SHA256(app_secret, METHOD \\n PATH \\n CANONICAL_QUERY \\n TIMESTAMP \\n NONCE)
                  where PATH is the URL path as sent (including any base path) and CANONICAL_QUERY is the
                  query parameters sorted by name, form-urlencoded ("cert_no=...&id_number=..."; "" if none).

Answers
    200 {"code": 0, "message": "ok", "data": {
            "credit_code": "91310115MA1K4L2B3X", "name": "上海……消防技术服务有限公司",
            "types": ["维护保养检测", "消防安全评估"], "legal_representative": "张三",
            "registered_address": "上海市浦东新区……", "status": "正常" | "停业" | "注销",
            "registered_at": "2019-03-02"}}
    200 {"code": 0, "message": "ok", "data": {"items": [{
            "holder_name": "李四", "id_number": "310101198001011234",
            "kind": "一级注册消防工程师" | "二级注册消防工程师" | "消防设施操作员",
            "level": null | "五级/初级" | "四级/中级" | "三级/高级" | "二级/技师" | "一级/高级技师",
            "cert_no": "2018311000123", "registration_no": "3111900042" | null,
            "org_credit_code": "9131…" | null, "org_name": "上海……有限公司" | null,
            "issued_on": "2022-07-09", "expires_on": "2025-07-08" | null,
            "status": "有效" | "注销" | "过期"}]}}
    404 (or "data": null): no such organisation / no certificate -> None / [].
    200 with a non-zero "code": a refusal by the registry -> RegistryError("registry_error", its message).
    400 -> registry_bad_request, 401/403 -> registry_auth_failed, 429 -> registry_rate_limited,
    5xx, timeouts and connection failures are retried (``retries`` times, exponential back-off) and then
    raise registry_unavailable; an unreadable body raises registry_bad_response.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests

from backend.core.timeutil import epoch_seconds
from backend.core.validators import normalize_credit_code, normalize_id_number

from .base import MESSAGES, RegistryCertificate, RegistryError, RegistryOrg


def sign_request(app_secret: str, method: str, path: str, query: Mapping[str, str], timestamp: str, nonce: str) -> str:
    canonical_query = urlencode(sorted(query.items()))
    message = "\n".join((method.upper(), path, canonical_query, timestamp, nonce))
    return hmac.new(app_secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def _optional_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class RegistryClient:
    """Implements ``NationalRegistry`` over HTTP. ``sleep`` is injectable: tests do not wait for back-off."""

    def __init__(
        self,
        base_url: str,
        app_key: str,
        app_secret: str,
        *,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.5,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self.base_url = base_url.rstrip("/")
        self._base_path = urlsplit(self.base_url).path
        self.app_key = app_key
        self._secret = app_secret
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._session = session or requests.Session()
        self._sleep = sleep

    # --- NationalRegistry ---

    def lookup_organization(self, credit_code: str) -> RegistryOrg | None:
        data = self._get(f"/api/v1/organizations/{quote(normalize_credit_code(credit_code), safe='')}", {})
        if data is None:
            return None
        try:
            return RegistryOrg(
                credit_code=data["credit_code"],
                name=data["name"],
                types=tuple(data["types"]),
                legal_representative=data["legal_representative"],
                registered_address=data["registered_address"],
                status=data["status"],
                registered_at=date.fromisoformat(data["registered_at"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RegistryError("registry_bad_response") from exc

    def lookup_certificates(
        self, *, id_number: str | None = None, cert_no: str | None = None
    ) -> list[RegistryCertificate]:
        if not id_number and not cert_no:
            raise RegistryError("registry_invalid_query")
        query = {}
        if id_number:
            query["id_number"] = normalize_id_number(id_number)
        if cert_no:
            query["cert_no"] = cert_no.strip()
        data = self._get("/api/v1/certificates", query)
        if data is None:
            return []
        try:
            return [
                RegistryCertificate(
                    holder_name=item["holder_name"],
                    id_number=item["id_number"],
                    kind=item["kind"],
                    level=item.get("level"),
                    cert_no=item["cert_no"],
                    registration_no=item.get("registration_no"),
                    org_credit_code=item.get("org_credit_code"),
                    org_name=item.get("org_name"),
                    issued_on=date.fromisoformat(item["issued_on"]),
                    expires_on=_optional_date(item.get("expires_on")),
                    status=item["status"],
                )
                for item in data["items"]
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise RegistryError("registry_bad_response") from exc

    # --- transport ---

    def _headers(self, path: str, query: Mapping[str, str]) -> dict[str, str]:
        timestamp = str(int(epoch_seconds()))
        nonce = secrets.token_hex(16)
        return {
            "Accept": "application/json",
            "X-App-Key": self.app_key,
            "X-Timestamp": timestamp,
            "X-Nonce": nonce,
            "X-Signature": sign_request(self._secret, "GET", path, query, timestamp, nonce),
        }

    def _get(self, endpoint: str, query: Mapping[str, str]) -> Any:
        """The "data" of a successful answer, or None for 404. Retries by hand rather than with urllib3's
        Retry because each attempt needs a fresh nonce and signature."""
        path = self._base_path + endpoint
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self._session.get(
                    self.base_url + endpoint,
                    params=dict(query),
                    headers=self._headers(path, query),
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise RegistryError("registry_unavailable") from exc
            else:
                if response.status_code < 500:
                    return self._read(response)
                if last:
                    raise RegistryError("registry_unavailable")
            self._sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")  # the last attempt always returns or raises

    @staticmethod
    def _read(response: requests.Response) -> Any:
        status = response.status_code
        if status == 404:
            return None
        if status in (401, 403):
            raise RegistryError("registry_auth_failed")
        if status == 429:
            raise RegistryError("registry_rate_limited")
        if status == 400:
            raise RegistryError("registry_bad_request")
        if status != 200:
            raise RegistryError("registry_error")
        try:
            # from bytes: gateways often label JSON text/plain or omit the charset, and requests would then
            # decode Chinese as ISO-8859-1
            body = json.loads(response.content)
        except ValueError as exc:
            raise RegistryError("registry_bad_response") from exc
        if not isinstance(body, dict):
            raise RegistryError("registry_bad_response")
        if body.get("code") != 0:
            detail = body.get("message")
            text = f"{MESSAGES['registry_error']}：{detail}" if detail else None
            raise RegistryError("registry_error", text)
        return body.get("data")

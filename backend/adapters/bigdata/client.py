"""HTTP client of the corps big-data platform (enterprise business-registration data).

Request
    GET {base_url}/api/v1/enterprises/{credit_code}
    X-Api-Key: the key issued to this system

Answers
    200 {"code": 0, "message": "ok", "data": {
            "credit_code": "91310115MA1K4L2B3X", "name": "上海……消防技术服务有限公司",
            "legal_representative": "张三", "address": "上海市浦东新区……",
            "status": "存续" | "注销" | "吊销", "established_on": "2016-05-12",
            "registered_capital_wan": 500, "enterprise_type": "有限责任公司（自然人投资或控股）",
            "registration_authority": "上海市浦东新区市场监督管理局", "business_scope": "……"}}
    404 (or "data": null): unknown enterprise -> None.
    200 with a non-zero "code" -> BigDataError("bigdata_error", its message).
    401/403 -> bigdata_auth_failed, 429 -> bigdata_rate_limited; 5xx, timeouts and connection failures are
    retried by urllib3 (``retries`` times, exponential back-off) and then raise bigdata_unavailable.

The comparison with what an organisation declared is done here, not by the platform (base.cross_check), so the
simulator and the real platform judge differences the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from backend.core.validators import normalize_credit_code

from .base import MESSAGES, BigDataError, BusinessRecord, CrossCheckResult, cross_check

RETRY_STATUSES = (500, 502, 503, 504)


class BigDataClient:
    """Implements ``BigDataPlatform`` over HTTP. A ``session`` passed in gets the key header and the retrying
    adapter mounted for ``base_url``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 5.0,
        retries: int = 2,
        backoff_factor: float = 0.5,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = session or requests.Session()
        self._session.headers.update({"X-Api-Key": api_key, "Accept": "application/json"})
        retry = Retry(
            total=retries,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            backoff_factor=backoff_factor,
            raise_on_status=False,  # the last 5xx comes back as a response and is mapped below
        )
        self._session.mount(self.base_url, HTTPAdapter(max_retries=retry))

    def lookup_business(self, credit_code: str) -> BusinessRecord | None:
        url = f"{self.base_url}/api/v1/enterprises/{quote(normalize_credit_code(credit_code), safe='')}"
        try:
            response = self._session.get(url, timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:  # includes urllib3's MaxRetryError
            raise BigDataError("bigdata_unavailable") from exc
        data = self._read(response)
        if data is None:
            return None
        try:
            return BusinessRecord(
                credit_code=data["credit_code"],
                name=data["name"],
                legal_representative=data["legal_representative"],
                address=data["address"],
                status=data["status"],
                established_on=date.fromisoformat(data["established_on"]),
                registered_capital_wan=data.get("registered_capital_wan"),
                enterprise_type=data.get("enterprise_type"),
                registration_authority=data.get("registration_authority"),
                business_scope=data.get("business_scope"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BigDataError("bigdata_bad_response") from exc

    def cross_check_organization(self, credit_code: str, declared: Mapping[str, Any]) -> CrossCheckResult:
        return cross_check(credit_code, declared, self.lookup_business(credit_code))

    @staticmethod
    def _read(response: requests.Response) -> Any:
        status = response.status_code
        if status == 404:
            return None
        if status in (401, 403):
            raise BigDataError("bigdata_auth_failed")
        if status == 429:
            raise BigDataError("bigdata_rate_limited")
        if status >= 500:
            raise BigDataError("bigdata_unavailable")
        if status != 200:
            raise BigDataError("bigdata_error")
        try:
            # from bytes: gateways often label JSON text/plain or omit the charset, and requests would then
            # decode Chinese as ISO-8859-1
            body = json.loads(response.content)
        except ValueError as exc:
            raise BigDataError("bigdata_bad_response") from exc
        if not isinstance(body, dict):
            raise BigDataError("bigdata_bad_response")
        if body.get("code") != 0:
            detail = body.get("message")
            raise BigDataError("bigdata_error", f"{MESSAGES['bigdata_error']}：{detail}" if detail else None)
        return body.get("data")

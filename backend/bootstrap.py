"""Outside systems wired in one place: the simulator outside production, the real client when configured."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from backend.core.outbox import record_outbox

if TYPE_CHECKING:
    # The interfaces only: the implementations are imported on first use (see Adapters).
    from backend.adapters.bigdata.base import BigDataPlatform
    from backend.adapters.face.base import FaceEngine
    from backend.adapters.gis.base import GisPlatform
    from backend.adapters.registry.base import NationalRegistry
    from backend.adapters.sms.base import SmsGateway
    from backend.adapters.wechat.base import MiniProgram, OfficialAccount


class Adapters:
    """One per app. Each adapter is built on first use, so a web process that never sends a WeChat message
    never imports wechatpy, and the face model is loaded only by processes that match faces."""

    def __init__(self, app: Flask) -> None:
        self.config = app.config

    def _redis(self) -> Any:
        if not self.config.get("REDIS_URL"):
            return None
        from backend.extensions import redis_connection

        return redis_connection()

    def _cfg(self, prefix: str) -> dict[str, Any]:
        return {k: v for k, v in self.config.items() if k.startswith(prefix)}

    @cached_property
    def sms(self) -> SmsGateway:
        if self.config["SMS_BACKEND"] == "http":
            from backend.adapters.sms import SmsClient

            return SmsClient(self.config["SMS_URL"], self.config["SMS_API_KEY"])
        from backend.adapters.sms import SmsSimulator

        # The platform enforces the code limits itself (accounts.services); the simulated gateway's own
        # throttle is set wide so it never answers for the platform.
        return SmsSimulator(record_outbox, min_interval_seconds=0, daily_limit=10**6)

    @cached_property
    def wechat_mini(self) -> MiniProgram:
        from backend.adapters.wechat import make_mini_program

        return make_mini_program(self._cfg("WECHAT_"), record_outbox, redis=self._redis())

    @cached_property
    def wechat_official(self) -> OfficialAccount:
        from backend.adapters.wechat import make_official_account

        return make_official_account(self._cfg("WECHAT_"), record_outbox, redis=self._redis())

    @cached_property
    def registry(self) -> NationalRegistry:
        if self.config["REGISTRY_BACKEND"] == "http":
            from backend.adapters.registry import RegistryClient

            return RegistryClient(
                self.config["REGISTRY_URL"],
                self.config["REGISTRY_APP_KEY"],
                self.config["REGISTRY_APP_SECRET"],
            )
        from backend.adapters.registry import RegistrySimulator

        return RegistrySimulator()

    @cached_property
    def bigdata(self) -> BigDataPlatform:
        if self.config["BIGDATA_BACKEND"] == "http":
            from backend.adapters.bigdata import BigDataClient

            return BigDataClient(self.config["BIGDATA_URL"], self.config["BIGDATA_API_KEY"])
        from backend.adapters.bigdata import BigDataSimulator

        return BigDataSimulator()

    @cached_property
    def gis(self) -> GisPlatform:
        from backend.adapters.gis import make_gis_platform

        return make_gis_platform(self.config.get("GIS_URL"), self.config.get("GIS_KEY"))

    @cached_property
    def face(self) -> FaceEngine:
        from backend.adapters.face import DlibFaceEngine

        return DlibFaceEngine()


def register_adapter_errors() -> None:
    """HTTP status of each adapter's errors (the adapters themselves know nothing of HTTP)."""
    from backend.adapters.sms import SmsError
    from backend.adapters.wechat import WeChatError
    from backend.core.api import register_adapter_error

    register_adapter_error(
        WeChatError,
        503,
        {
            "wechat_invalid_code": 400,
            "wechat_code_used": 400,
            "wechat_user_blocked": 403,
            "wechat_bad_signature": 403,
            "wechat_bad_message": 400,
        },
    )
    register_adapter_error(SmsError, 503, {"sms_unknown_template": 500, "sms_bad_params": 500})
    from backend.adapters.bigdata import BigDataError
    from backend.adapters.gis import GisError
    from backend.adapters.registry import RegistryError

    register_adapter_error(RegistryError, 503, {"registry_invalid_query": 422, "registry_bad_request": 422})
    register_adapter_error(BigDataError, 503)
    register_adapter_error(GisError, 503)
    from backend.adapters.face import FaceRejected
    from backend.core.images import ImageRejected

    register_adapter_error(FaceRejected, 422)
    register_adapter_error(ImageRejected, 422, {"image_too_large": 413, "image_type_not_allowed": 415})


def adapters() -> Adapters:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found: Adapters | None = app.extensions.get("adapters")
    if found is None:
        found = app.extensions["adapters"] = Adapters(app)
    return found

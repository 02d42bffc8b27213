"""SMS gateway adapter interface and the message templates (the text is what the carrier delivers; real
gateways hold the same templates, approved, under their own ids)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from string import Formatter
from typing import Any, Protocol, runtime_checkable

SIGN_NAME = "上海消防"

# template name -> text. Chinese SMS must start with the approved signature in 【】 (工信部 rules).
TEMPLATES: dict[str, str] = {
    "login_code": "【上海消防】您的验证码为{code}，5分钟内有效，请勿泄露。",
    "feedback_link": "【上海消防】{org_name}已完成“{project_name}”的{service}服务，"
    "请于{deadline}前打开 {url} 确认并评价。",
    "spot_check": "【上海消防】您负责的项目“{project_name}”被列入实时抽查，"
    "请于{deadline}前在“上海消防技术服务系统”小程序中完成现场核验。",
}

# Stable machine codes -> user-facing Chinese text. The lead maps the codes to HTTP answers.
MESSAGES: dict[str, str] = {
    "sms_invalid_phone": "手机号码无效或无法接收短信",
    "sms_rate_limited": "短信发送过于频繁，请稍后再试",
    "sms_rejected": "短信平台拒绝发送该短信",
    "sms_unknown_template": "短信模板不存在",
    "sms_bad_params": "短信模板参数不完整",
    "sms_auth_failed": "短信平台拒绝了本系统的接入凭证",
    "sms_throttled": "短信平台繁忙，请稍后再试",
    "sms_unavailable": "短信平台暂时无法访问，请稍后再试",
    "sms_bad_response": "短信平台返回的数据无法识别",
}


class SmsError(Exception):
    """The gateway cannot send at all (configuration, outage) or the caller used a template wrongly.
    One message refused (bad number, frequency limit) is an ``SmsResult`` with ``ok=False`` instead."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message or MESSAGES.get(code, MESSAGES["sms_rejected"])
        super().__init__(f"{code}: {self.message}")


@dataclass(frozen=True)
class SmsResult:
    ok: bool
    message_id: str | None
    error: str | None = None  # a key of MESSAGES when not ok

    @property
    def error_message(self) -> str | None:
        return MESSAGES.get(self.error) if self.error else None


def template_fields(template: str) -> tuple[str, ...]:
    if template not in TEMPLATES:
        raise SmsError("sms_unknown_template", f"{MESSAGES['sms_unknown_template']}：{template}")
    return tuple(name for _, name, _, _ in Formatter().parse(TEMPLATES[template]) if name)


def render_sms(template: str, params: Mapping[str, Any]) -> str:
    """The delivered text. Raises SmsError for an unknown template or a missing parameter."""
    missing = [name for name in template_fields(template) if params.get(name) in (None, "")]
    if missing:
        raise SmsError("sms_bad_params", f"{MESSAGES['sms_bad_params']}：缺少{'、'.join(missing)}")
    return TEMPLATES[template].format(**{k: str(v) for k, v in params.items()})


@runtime_checkable
class SmsGateway(Protocol):
    def send(self, phone: str, template: str, params: Mapping[str, Any]) -> SmsResult: ...

"""Every user-facing message, by stable error code. Identifiers stay English; users read Chinese."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # generic HTTP
    "bad_request": "请求格式不正确",
    "unauthorized": "请先登录",
    "token_expired": "登录已过期，请重新登录",
    "token_invalid": "登录凭证无效，请重新登录",
    "token_revoked": "登录凭证已失效，请重新登录",
    "forbidden": "您没有执行此操作的权限",
    "out_of_jurisdiction": "该数据不在您的管辖范围内",
    "not_found": "请求的资源不存在",
    "method_not_allowed": "不支持该请求方法",
    "conflict": "数据状态冲突，请刷新后重试",
    "payload_too_large": "上传内容过大",
    "validation_error": "提交的数据有误，请检查后重试",
    "value_out_of_range": "提交的数值超出允许范围",
    "rate_limited": "操作过于频繁，请稍后再试",
    "internal_error": "系统繁忙，请稍后再试",
    "service_unavailable": "外部服务暂不可用，请稍后再试",
    # accounts
    "invalid_phone": "手机号码格式不正确",
    "sms_too_frequent": "验证码发送过于频繁，请60秒后再试",
    "sms_daily_limit": "该手机号今日获取验证码次数已达上限",
    "sms_ip_limit": "当前网络获取验证码次数过多，请稍后再试",
    "code_invalid": "验证码错误",
    "code_expired": "验证码已过期，请重新获取",
    "code_attempts_exceeded": "验证码错误次数过多，请重新获取",
    "login_ip_limit": "登录尝试过于频繁，请稍后再试",
    "account_disabled": "账号已停用，请联系管理员",
    "wechat_not_bound": "该微信尚未绑定手机号，请先完成手机号验证",
    "wechat_bind_invalid": "绑定凭证无效或已过期，请重新登录微信",
    "wechat_already_bound": "该手机号已绑定其他微信账号",
    "supervisor_exists": "该手机号已分配监督管理账号",
    "jurisdiction_unknown": "管辖范围不存在",
    "permission_unknown": "权限项不存在",
    "cannot_change_self": "不能修改自己的管理员账号",
    "job_not_failed": "只能重试失败的任务",
}


def message_for(code: str, default: str | None = None) -> str:
    return MESSAGES.get(code, default or MESSAGES["bad_request"])


def register(messages: dict[str, str]) -> None:
    """Feature modules add their own codes at import time; a code may not change meaning."""
    for code, text in messages.items():
        existing = MESSAGES.get(code)
        if existing is not None and existing != text:
            raise ValueError(f"message code {code!r} already means {existing!r}")
        MESSAGES[code] = text

"""Field errors in Chinese.

Request validation is marshmallow's, and its messages are English ("Missing data for required field.").
Every 422 passes its `details.fields` through `translate`, so a user reads Chinese wherever the field error comes
from; messages the project writes itself (already Chinese) pass through unchanged, and an English message not
known here is kept as it is rather than guessed.
"""

from __future__ import annotations

import re
from typing import Any

_COMPARE = {
    "greater than or equal to": "不小于",
    "greater than": "大于",
    "less than or equal to": "不大于",
    "less than": "小于",
}
_OPS = "|".join(sorted(map(re.escape, _COMPARE), key=len, reverse=True))

_FIXED = {
    "Missing data for required field.": "必填",
    "Field may not be null.": "不能为空",
    "Unknown field.": "不允许的字段",
    "Invalid input type.": "输入类型无效",
    "Invalid input.": "输入无效",
    "Invalid type.": "类型无效",
    "Invalid value.": "取值无效",
    "Not a valid string.": "须为文本",
    "Not a valid utf-8 string.": "须为 UTF-8 文本",
    "Not a valid integer.": "须为整数",
    "Not a valid number.": "须为数字",
    "Number too large.": "数值过大",
    "Special numeric values (nan or infinity) are not permitted.": "不允许 NaN 或无穷大",
    "Not a valid boolean.": "须为 true 或 false",
    "Not a valid list.": "须为列表",
    "Not a valid tuple.": "须为数组",
    "Not a valid mapping type.": "须为对象",
    "Not a valid date.": "日期格式无效（应为 YYYY-MM-DD）",
    "Not a valid datetime.": "时间格式无效（应为 ISO 8601，例如 2026-03-01T09:30:00+08:00）",
    "Not a valid naive datetime.": "时间格式无效（不应带时区）",
    "Not a valid aware datetime.": "时间须带时区（例如 +08:00）",
    "Not a valid time.": "时刻格式无效（应为 HH:MM[:SS]）",
    "Not a valid period of time.": "时长格式无效",
    "Not a valid email address.": "电子邮箱格式无效",
    "Not a valid URL.": "网址格式无效",
    "Not a valid UUID.": "UUID 格式无效",
    "Not a valid IP address.": "IP 地址格式无效",
    "String does not match expected pattern.": "格式不正确",
}

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Length must be between (\S+) and (\S+)\.$"), r"长度须在 \1～\2 之间"),
    (re.compile(r"^Length must be (\S+)\.$"), r"长度须为 \1"),
    (re.compile(r"^Shorter than minimum length (\S+)\.$"), r"长度不能少于 \1"),
    (re.compile(r"^Longer than maximum length (\S+)\.$"), r"长度不能超过 \1"),
    (re.compile(r"^Must be one of: (.*)\.$"), r"须为以下之一：\1"),
    (re.compile(r"^One or more of the choices you made was not in: (.*)\.$"), r"包含不允许的取值，可选：\1"),
    (re.compile(r"^Must be equal to (.*)\.$"), r"须等于 \1"),
    (re.compile(r"^\"?(.*?)\"? cannot be formatted as a (\w+)\.$"), r"“\1”无法转换为\2"),
]
_RANGE = re.compile(rf"^Must be ({_OPS}) (\S+?)(?: and ({_OPS}) (\S+?))?\.$")


def translate_message(message: str) -> str:
    if message in _FIXED:
        return _FIXED[message]
    match = _RANGE.match(message)
    if match:
        first = f"须{_COMPARE[match.group(1)]} {match.group(2)}"
        if match.group(3):
            return f"{first}，且{_COMPARE[match.group(3)]} {match.group(4)}"
        return first
    for pattern, replacement in _PATTERNS:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


def translate(errors: Any) -> Any:
    """The same nesting as marshmallow's `messages` (dicts by location, field and index; lists of strings)."""
    if isinstance(errors, str):
        return translate_message(errors)
    if isinstance(errors, list):
        return [translate(e) for e in errors]
    if isinstance(errors, dict):
        return {key: translate(value) for key, value in errors.items()}
    return errors

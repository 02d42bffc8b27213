"""Identity number validators and masking helpers.

- 统一社会信用代码: GB 32100-2015 (18 characters, check character over a 31-character alphabet).
- 公民身份号码: GB 11643-1999 (17 digits + ISO 7064 MOD 11-2 check character).
- 中国大陆手机号: 11 digits starting 13–19.

Every ``*_error(s)`` function returns a Chinese reason for the first rule the input breaks, or ``None``
when it is valid; the matching ``is_valid_*`` is ``*_error(s) is None``. Inputs are normalised first
(surrounding blanks removed, letters upper-cased) because people type codes from paper; store the
``normalize_*`` form.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from backend.core.timeutil import today as shanghai_today

SHANGHAI = ZoneInfo("Asia/Shanghai")

# --- 统一社会信用代码 (GB 32100-2015) ---------------------------------------------------------------

# The standard drops I, O, Z, S and V so that codes cannot be misread (1/0/2/5/U).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUE = {ch: i for i, ch in enumerate(CREDIT_CODE_ALPHABET)}
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# 登记管理部门代码 -> allowed 机构类别代码. GB 32100-2015 Table 1 plus the departments added later by the
# national standardisation administration (外交, 司法行政, 文化, 旅游, 宗教, 工会, 军队, 农业).
CREDIT_CODE_CATEGORIES: dict[str, dict[str, str]] = {
    "1": {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},
    "2": {"1": "外国常驻新闻机构", "9": "其他"},
    "3": {
        "1": "律师执业机构",
        "2": "公证处",
        "3": "基层法律服务所",
        "4": "司法鉴定机构",
        "5": "仲裁委员会",
        "9": "其他",
    },
    "4": {"1": "外国在华文化中心", "9": "其他"},
    "5": {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"},
    "6": {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
    "7": {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"},
    "8": {"1": "基层工会", "9": "其他"},
    "9": {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"},
    "A": {"1": "军队事业单位", "9": "其他"},
    "N": {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    "Y": {"1": "其他"},
}

# GB 11714 organisation code (characters 9–17 of a credit code) check weights.
ORGANIZATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CODE_BODY = re.compile(r"^[0-9A-Z]{8}$")


def normalize_credit_code(s: str) -> str:
    return s.strip().upper()


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a credit code whose first 17 characters are ``first17``."""
    if len(first17) != 17 or any(ch not in _CREDIT_VALUE for ch in first17):
        raise ValueError("first17 must be 17 characters from the GB 32100 alphabet")
    total = sum(_CREDIT_VALUE[ch] * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def organization_code_check_char(first8: str) -> str:
    """GB 11714 check character of the 8-character organisation code body (positions 9–16 of a credit code).

    Not enforced by :func:`credit_code_error`: GB 32100 only requires the outer check, and rejecting a real,
    registered code because of a legacy inner code would lock an organisation out.
    """
    if not _ORG_CODE_BODY.match(first8):
        raise ValueError("first8 must be 8 digits or upper-case letters")
    total = sum(int(ch, 36) * w for ch, w in zip(first8, ORGANIZATION_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code_error(s: str) -> str | None:
    code = normalize_credit_code(s)
    if len(code) != 18:
        return "统一社会信用代码应为18位"
    bad = [ch for ch in code if ch not in _CREDIT_VALUE]
    if bad:
        return f"统一社会信用代码含有不允许的字符“{bad[0]}”（不使用I、O、Z、S、V）"
    categories = CREDIT_CODE_CATEGORIES.get(code[0])
    if categories is None:
        return "统一社会信用代码第1位（登记管理部门代码）无效"
    if code[1] not in categories:
        return "统一社会信用代码第2位（机构类别代码）与登记管理部门不符"
    if not code[2:8].isdigit():
        return "统一社会信用代码第3～8位（登记管理机关行政区划码）应为数字"
    if credit_code_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位错误，请核对后重新输入"
    return None


def is_valid_credit_code(s: str) -> bool:
    return credit_code_error(s) is None


# --- 公民身份号码 (GB 11643-1999) ---------------------------------------------------------------------

ID_NUMBER_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK_CHARS = "10X98765432"  # index = weighted sum mod 11 (ISO 7064 MOD 11-2)

# First two digits: province-level divisions (GB/T 2260), 71 台湾, 81 香港, 82 澳门 and 83 used by
# 港澳台居民居住证 numbers, which share this format.
ID_PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
    | {"71", "81", "82", "83"}
)
ID_EARLIEST_BIRTH_YEAR = 1900


def normalize_id_number(s: str) -> str:
    return s.strip().upper()


def id_check_digit(first17: str) -> str:
    """The 18th character (0–9 or X) of an ID number whose first 17 digits are ``first17``."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("first17 must be 17 ASCII digits")
    total = sum(int(ch) * w for ch, w in zip(first17, ID_NUMBER_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _parse_birth_date(digits: str) -> date | None:
    try:
        return datetime.strptime(digits, "%Y%m%d").date()
    except ValueError:
        return None


def id_number_error(s: str, *, today: date | None = None) -> str | None:
    """``today`` defaults to the current date in Shanghai; pass it to judge a number as of another day."""
    number = normalize_id_number(s)
    if len(number) != 18:
        return "身份证号码应为18位"
    if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        return "身份证号码前17位应为数字，最后一位为数字或X"
    if number[:2] not in ID_PROVINCE_CODES:
        return "身份证号码前6位（地址码）无效"
    born = _parse_birth_date(number[6:14])
    if born is None:
        return "身份证号码中的出生日期无效"
    if born.year < ID_EARLIEST_BIRTH_YEAR:
        return "身份证号码中的出生日期过早"
    if born > (today or shanghai_today()):
        return "身份证号码中的出生日期晚于今天"
    if id_check_digit(number[:17]) != number[17]:
        return "身份证号码校验位错误，请核对后重新输入"
    return None


def is_valid_id_number(s: str, *, today: date | None = None) -> bool:
    return id_number_error(s, today=today) is None


def birth_date_of(id_number: str) -> date:
    number = normalize_id_number(id_number)
    born = _parse_birth_date(number[6:14]) if len(number) == 18 else None
    if born is None:
        raise ValueError("not an 18-digit ID number with a valid birth date")
    return born


def gender_of(id_number: str) -> str:
    """'男' or '女': GB 11643 gives odd sequence codes (17th digit) to men and even ones to women."""
    number = normalize_id_number(id_number)
    if len(number) != 18 or not number[16].isdigit():
        raise ValueError("not an 18-digit ID number")
    return "男" if int(number[16]) % 2 else "女"


def age_on(id_number: str, day: date) -> int:
    born = birth_date_of(id_number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# --- 手机号 --------------------------------------------------------------------------------------------

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_MOBILE_NOISE = re.compile(r"[\s-]")


def normalize_cn_mobile(s: str) -> str:
    """Drops blanks, dashes and a +86 / 0086 country prefix."""
    number = _MOBILE_NOISE.sub("", s)
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            return number[len(prefix) :]
    if len(number) == 13 and number.startswith("86"):
        return number[2:]
    return number


def cn_mobile_error(s: str) -> str | None:
    number = normalize_cn_mobile(s)
    if not (number.isascii() and number.isdigit()) or len(number) != 11:
        return "手机号码应为11位数字"
    if not _MOBILE.match(number):
        return "手机号码号段无效"
    return None


def is_valid_cn_mobile(s: str) -> bool:
    return cn_mobile_error(s) is None


# --- 脱敏 (masking for display to people without the permission to see the full value) -----------------


def mask_name(name: str) -> str:
    """张三丰 -> 张*丰, 张三 -> 张*, 欧阳娜娜 -> 欧**娜: first and (for 3+ characters) last kept."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _mask_middle(value: str, keep_head: int, keep_tail: int) -> str:
    value = value.strip()
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]


def mask_id(id_number: str) -> str:
    """310***********1234: first 3 and last 4 characters kept."""
    return _mask_middle(id_number, 3, 4)


def mask_phone(phone: str) -> str:
    """138****5678: first 3 and last 4 digits kept."""
    return _mask_middle(normalize_cn_mobile(phone), 3, 4)

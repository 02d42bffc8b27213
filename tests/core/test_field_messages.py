"""Field errors reach the user in Chinese, whatever marshmallow said."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pytest

from backend.core.field_messages import translate, translate_message


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Missing data for required field.", "必填"),
        ("Unknown field.", "不允许的字段"),
        ("Length must be between 2 and 500.", "长度须在 2～500 之间"),
        ("Longer than maximum length 16.", "长度不能超过 16"),
        ("Must be one of: csv, xlsx.", "须为以下之一：csv, xlsx"),
        ("Must be greater than or equal to 1 and less than or equal to 5.", "须不小于 1，且不大于 5"),
        ("Must be greater than 0.", "须大于 0"),
        ("Not a valid integer.", "须为整数"),
        ("该证书已登记在其他从业人员名下", "该证书已登记在其他从业人员名下"),  # our own text passes through
        ("Something marshmallow may say one day.", "Something marshmallow may say one day."),  # kept, not guessed
    ],
)
def test_messages(english: str, chinese: str) -> None:
    assert translate_message(english) == chinese


def test_every_message_of_a_real_validation_is_translated() -> None:
    class Form(ma.Schema):
        note = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=500))
        rating = ma.fields.Integer(validate=ma.validate.Range(min=1, max=5))
        day = ma.fields.Date()
        items = ma.fields.List(ma.fields.Integer())

    with pytest.raises(ma.ValidationError) as caught:
        Form().load({"note": "x", "rating": 9, "day": "yesterday", "items": [1, "a"], "extra": 1})
    assert translate({"json": caught.value.messages}) == {
        "json": {
            "note": ["长度须在 2～500 之间"],
            "rating": ["须不小于 1，且不大于 5"],
            "day": ["日期格式无效（应为 YYYY-MM-DD）"],
            "items": {1: ["须为整数"]},
            "extra": ["不允许的字段"],
        }
    }


def test_an_api_validation_error_is_in_chinese(client: Any) -> None:
    r = client.post("/api/v1/auth/sms-codes", json={"phone_number": "13900000001"})
    assert r.status_code == 422
    body = r.get_json()
    assert body["code"] == "validation_error" and body["message"]
    fields = body["details"]["fields"]["json"]
    assert fields["phone_number"] == ["不允许的字段"] and fields["phone"] == ["必填"]

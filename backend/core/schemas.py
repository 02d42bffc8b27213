"""Shared marshmallow pieces: aware datetimes shown in Asia/Shanghai with their offset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import marshmallow as ma

from .timeutil import SHANGHAI


class LocalDateTime(ma.fields.DateTime):
    """ISO 8601 with +08:00 on output; input must carry an offset (a naive time is ambiguous)."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return value.astimezone(SHANGHAI).isoformat()

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        result = super()._deserialize(value, attr, data, **kwargs)
        if result.tzinfo is None:
            raise ma.ValidationError("时间必须带时区，例如 2026-05-20T09:30:00+08:00")
        return result


class BaseSchema(ma.Schema):
    class Meta:
        ordered = True
        unknown = ma.RAISE


class MessageSchema(BaseSchema):
    code = ma.fields.String()
    message = ma.fields.String()

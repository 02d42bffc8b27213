"""Keyset pagination: a page costs the same at row 10 and row 10 million.

Lists order by a unique key (id, or (time, id)) descending; the cursor is the last row's key, opaque to
clients. No OFFSET anywhere.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import marshmallow as ma
import sqlalchemy as sa

from .errors import ValidationFailed

T = TypeVar("T")

MAX_LIMIT = 100


class PageArgsSchema(ma.Schema):
    limit = ma.fields.Integer(
        load_default=20,
        validate=ma.validate.Range(1, MAX_LIMIT),
        metadata={"description": "每页条数 (1–100)"},
    )
    cursor = ma.fields.String(load_default=None, metadata={"description": "上一页返回的 next_cursor"})


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "next_cursor": ma.fields.String(allow_none=True, metadata={"description": "下一页游标；为空表示没有更多"}),
        },
        name=name,
    )


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    out = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(out).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: list[str]) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(kinds):
            raise ValueError
        return [
            datetime.fromisoformat(v) if k == "datetime" else int(v) if k == "int" else v
            for v, k in zip(raw, kinds, strict=True)
        ]
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise ValidationFailed("validation_error", details={"fields": {"cursor": ["游标无效"]}}) from exc


def keyset_page(
    session: Any,
    stmt: sa.Select[Any],
    keys: list[Any],
    *,
    limit: int,
    cursor: str | None,
    kinds: list[str] | None = None,
) -> Page[Any]:
    """Run `stmt` ordered by `keys` (descending) from after `cursor`; keys must end in a unique column."""
    kinds = kinds or ["int"] * len(keys)
    if cursor:
        values = decode_cursor(cursor, kinds)
        stmt = stmt.where(sa.tuple_(*keys) < sa.tuple_(*values)) if len(keys) > 1 else stmt.where(keys[0] < values[0])
    stmt = stmt.order_by(*(k.desc() for k in keys)).limit(limit + 1)
    rows = list(session.scalars(stmt).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, k.key) for k in keys])
    return Page(rows, next_cursor)

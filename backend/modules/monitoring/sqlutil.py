"""SQL pieces the monitoring queries share, written once for PostgreSQL and SQLite.

Days and months are Shanghai's (a visit at 07:30 CST on the 1st belongs to the 1st, not to the previous UTC
day). Shanghai keeps no daylight saving time, so SQLite's fixed '+8 hours' is exact; PostgreSQL converts with
the zone name. The expressions compile to plain SQL without bound parameters, so the same expression can be
selected and grouped by (PostgreSQL refuses a GROUP BY whose parameters differ from the SELECT's).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from backend.core.timeutil import SHANGHAI, month_bounds, to_local


class local_day(FunctionElement[str]):
    """'YYYY-MM-DD' of an aware timestamp column, in Shanghai."""

    type = sa.String()
    inherit_cache = True


class local_month(FunctionElement[str]):
    """'YYYY-MM' of an aware timestamp column, in Shanghai."""

    type = sa.String()
    inherit_cache = True


class month_bucket(FunctionElement[Any]):
    """The Shanghai month of an aware timestamp column, for GROUP BY over many rows: on PostgreSQL the
    month's first instant as a Shanghai wall-clock timestamp (date_trunc is several times cheaper per row than
    to_char, and the 12 buckets are formatted once, by `bucket_key`); on SQLite 'YYYY-MM'."""

    type = sa.String()
    inherit_cache = True


class date_month(FunctionElement[str]):
    """'YYYY-MM' of a DATE column."""

    type = sa.String()
    inherit_cache = True


@compiles(local_day, "postgresql")
def _pg_local_day(element: Any, compiler: Any, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')"


@compiles(local_day)
def _sqlite_local_day(element: Any, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m-%d', {compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(local_month, "postgresql")
def _pg_local_month(element: Any, compiler: Any, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"


@compiles(local_month)
def _sqlite_local_month(element: Any, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(month_bucket, "postgresql")
def _pg_month_bucket(element: Any, compiler: Any, **kw: Any) -> str:
    return f"date_trunc('month', ({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'Asia/Shanghai')"


@compiles(month_bucket)
def _sqlite_month_bucket(element: Any, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)}, '+8 hours')"


def bucket_key(value: Any) -> str:
    """'YYYY-MM' of what month_bucket (or date_month) answered."""
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    return str(value)[:7]


@compiles(date_month, "postgresql")
def _pg_date_month(element: Any, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(date_month)
def _sqlite_date_month(element: Any, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


def has_code(column: Any, code: str) -> sa.ColumnElement[bool]:
    """A JSON list of findings ({"code": ..., ...}) holds one with this code. JSON (SQLite) and JSONB
    (PostgreSQL) both print objects as {"code": "x", ...}, so the text form is matched."""
    return sa.cast(column, sa.Text).like(f'%"code": "{code}"%')


def lists_value(column: Any, value: str) -> sa.ColumnElement[bool]:
    """A JSON list of strings (or of codes in event data) contains this string."""
    return sa.cast(column, sa.Text).like(f'%"{value}"%')


def empty_list(column: Any) -> sa.ColumnElement[bool]:
    return sa.cast(column, sa.Text) == "[]"


# --- months and days in Python ----------------------------------------------------------------------------


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def local_day_key(moment: datetime) -> str:
    return to_local(moment).date().isoformat()


def shift_month(key: str, delta: int) -> str:
    year, month = (int(p) for p in key.split("-"))
    index = year * 12 + (month - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_span(key: str) -> tuple[datetime, datetime]:
    """UTC instants of the start and end of a Shanghai calendar month."""
    year, month = (int(p) for p in key.split("-"))
    return month_bounds(year, month)


def first_day(key: str) -> date:
    year, month = (int(p) for p in key.split("-"))
    return date(year, month, 1)


def last_day(key: str) -> date:
    return first_day(shift_month(key, 1)) - timedelta(days=1)


def months_back(end_key: str, count: int) -> list[str]:
    """The `count` months ending with `end_key`, oldest first."""
    return [shift_month(end_key, -i) for i in range(count - 1, -1, -1)]


def local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)

"""What every kind of imported object shares: the kind's base class (its columns and its four steps), the cell
checks (the Checker: each cell parsed with the rules the API applies, every problem of a row collected so the
error file lists them all at once) and the natural-key lookups a batch prefetches (Refs).

Writing a row: find it by its natural key (existing rows are never overwritten: a second run changes nothing),
check its references and the rules that need the database, then create it the way the realname, projects and
documents services do.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import sqlalchemy as sa

from backend.core import geo, jurisdictions
from backend.core.crypto import id_number_hash, phone_hash
from backend.core.db import db
from backend.core.timeutil import SHANGHAI
from backend.core.validators import (
    cn_mobile_error,
    credit_code_error,
    id_number_error,
    normalize_cn_mobile,
    normalize_credit_code,
    normalize_id_number,
)
from backend.modules.accounts.queries import User
from backend.modules.projects.queries import Project
from backend.modules.realname.queries import Certificate, Employment, Organization, Practitioner

if TYPE_CHECKING:
    from .run import Context

CREATED, UNCHANGED = "created", "unchanged"
LIST_SEPARATORS = re.compile(r"[;；,，|\n]+")
NAME_LIST_SEPARATORS = re.compile(r"[;；,，、|\s]+")
PROJECT_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_/\-]{0,31}$")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")

RowT = TypeVar("RowT")


# --- the kinds ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header users see
    description: str
    example: str = ""
    required: bool = False
    text: bool = False  # kept as text in the XLSX template (codes, ID numbers, phones)


CRS_COLUMN = Column("crs", "坐标系", "wgs84（默认，GPS）、gcj02（高德、腾讯、微信）、bd09（百度）", "gcj02")
DISTRICT_HELP = "区名（如 徐汇区）或行政区划代码（如 310104）"


class Kind(ABC, Generic[RowT]):
    """One kind of object of the v1 export: a table (a CSV file or a sheet) with its columns, and the four
    steps of a row: parse (cells → typed row, no database), prefetch (the batch's natural-key lookups, one
    query per kind of key), apply (write one row: CREATED or UNCHANGED, RowInvalid when it cannot be) and
    finish (what the batch sums up once its rows are written)."""

    key: ClassVar[str]
    name: ClassVar[str]
    description: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    natural_key: ClassVar[tuple[str, ...]]
    aliases: ClassVar[tuple[str, ...]] = ()

    @property
    def required(self) -> list[str]:
        return [c.key for c in self.columns if c.required]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def names(self) -> set[str]:
        """The names a file or sheet of this kind may have (lower case)."""
        return {self.key, self.name.lower(), *(a.lower() for a in self.aliases)}

    def key_of(self, values: dict[str, str]) -> tuple[str, ...] | None:
        """The row's key as written (normalised), for spotting a row given twice in one file; None when blank."""
        key = tuple((values.get(k) or "").strip().upper() for k in self.natural_key)
        return key if key[0] else None

    @abstractmethod
    def parse(self, values: dict[str, str]) -> RowT: ...

    @abstractmethod
    def prefetch(self, ctx: Context, rows: list[RowT]) -> None: ...

    @abstractmethod
    def apply(self, ctx: Context, row: RowT) -> str: ...

    def finish(self, ctx: Context) -> None:
        """The batch's rows are flushed: queue its summary events (nothing by default)."""

    def __repr__(self) -> str:
        return f"<Kind {self.key}>"


# --- cells --------------------------------------------------------------------------------------------------


def choices(names: dict[str, str], *extra: tuple[str, str]) -> dict[str, str]:
    """Chinese name → key, and the key itself."""
    return {**{v: k for k, v in names.items()}, **{k: k for k in names}, **dict(extra)}


DISTRICT_CHOICES: dict[str, str] = {}
for _code, _name in jurisdictions.DISTRICTS.items():
    DISTRICT_CHOICES.update({_code: _code, _name: _code, _name.removesuffix("区"): _code})
DISTRICT_CHOICES["浦东"] = "310115"


class RowInvalid(Exception):
    """One row's problems: [(column key, Chinese reason)]."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{k}: {r}" for k, r in errors))
        self.errors = errors


def invalid(key: str, reason: str) -> RowInvalid:
    return RowInvalid([(key, reason)])


@dataclass(frozen=True)
class Site:
    lng: float  # WGS-84
    lat: float
    source_crs: str
    district: str  # adcode from the district polygons


class Checker:
    """Reads the cells of one row and collects what is wrong with them."""

    def __init__(self, kind: Kind[Any], values: dict[str, str]) -> None:
        self.kind = kind
        self.values = values
        self.errors: list[tuple[str, str]] = []

    def fail(self, key: str, reason: str) -> None:
        self.errors.append((key, reason))

    def raw(self, key: str) -> str:
        return (self.values.get(key) or "").strip()

    def missing(self, key: str, required: bool) -> bool:
        if self.raw(key):
            return False
        if required:
            self.fail(key, "必填项为空")
        return True

    def text(self, key: str, max_len: int, *, required: bool = False) -> str | None:
        if self.missing(key, required):
            return None
        value = self.raw(key)
        if len(value) > max_len:
            self.fail(key, f"不能超过{max_len}个字")
            return None
        return value

    def name(self, key: str, *, required: bool = True) -> str | None:
        value = self.text(key, 64, required=required)
        return "".join(value.split()) if value else value

    def credit_code(self, key: str, *, required: bool = True) -> str | None:
        if self.missing(key, required):
            return None
        code = normalize_credit_code(self.raw(key))
        if error := credit_code_error(code):
            self.fail(key, error)
            return None
        return code

    def id_number(self, key: str, *, required: bool = True) -> str | None:
        if self.missing(key, required):
            return None
        number = normalize_id_number(self.raw(key))
        if "E+" in number or "." in number:
            self.fail(key, "身份证号被存成了数字（精度已丢失）：请将该列设为文本格式后重新导出")
            return None
        if error := id_number_error(number):
            self.fail(key, error)
            return None
        return number

    def id_numbers(self, key: str) -> list[str]:
        numbers: list[str] = []
        for part in NAME_LIST_SEPARATORS.split(self.raw(key)):
            if not part:
                continue
            number = normalize_id_number(part)
            if error := id_number_error(number):
                self.fail(key, f"{error}（第{len(numbers) + 1}人）")
            else:
                numbers.append(number)
        return list(dict.fromkeys(numbers))

    def phone(self, key: str, *, required: bool = True) -> str | None:
        if self.missing(key, required):
            return None
        phone = normalize_cn_mobile(self.raw(key))
        if error := cn_mobile_error(phone):
            self.fail(key, error)
            return None
        return phone

    def choice(self, key: str, choices: dict[str, Any], *, required: bool = True, default: Any = None) -> Any:
        if self.missing(key, required):
            return default
        value = self.raw(key)
        found = choices.get(value, choices.get(value.lower()))
        if found is None:
            names = "、".join(dict.fromkeys(k for k in choices if not k.isascii()))
            self.fail(key, f"“{value}”无效，应为：{names}")
        return found

    def number(self, key: str, *, minimum: float = 0.0) -> float | None:
        if self.missing(key, False):
            return None
        try:
            value = float(self.raw(key).replace(",", ""))
        except ValueError:
            self.fail(key, "应为数字")
            return None
        if value < minimum:
            self.fail(key, f"不能小于{minimum:g}")
            return None
        return value

    def date(self, key: str, *, required: bool = False) -> date | None:
        if self.missing(key, required):
            return None
        value = self.raw(key).split(" ")[0]
        match = _DATE.match(value) or _COMPACT_DATE.match(value)
        try:
            if match is None:
                raise ValueError
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            self.fail(key, "日期格式应为 YYYY-MM-DD")
            return None

    def datetime(self, key: str, *, required: bool = False) -> datetime | None:
        """Beijing time unless the cell carries its own offset."""
        if self.missing(key, required):
            return None
        value = self.raw(key)
        try:
            match = _DATETIME.match(value)
            if match:
                year, month, day, hour, minute, second = (int(p) for p in match.groups(default="0"))
                return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)
        except ValueError:
            self.fail(key, "时间格式应为 YYYY-MM-DD HH:MM[:SS]")
            return None

    def district(self, key: str) -> str | None:
        if self.missing(key, False):
            return None
        value = self.raw(key).removeprefix("上海市")
        code = DISTRICT_CHOICES.get(value)
        if code is None:
            self.fail(key, f"未知的区“{value}”：应为上海市16个区之一（区名或行政区划代码）")
        return code

    def project_no(self, key: str = "project_no") -> str | None:
        if self.missing(key, True):
            return None
        value = self.raw(key).upper()
        if not PROJECT_NO.match(value):
            self.fail(key, "项目编号只能包含字母、数字、-、_、/，且不超过32位")
            return None
        return value

    def site(self, *, required: bool = False) -> Site | None:
        """Coordinates in the datum the row names, converted to WGS-84; the district from the polygons."""
        lng_text, lat_text = self.raw("lng"), self.raw("lat")
        if not lng_text and not lat_text:
            if required:
                self.fail("lng", "必填项为空：请填写经纬度")
            return None
        try:
            lng, lat = float(lng_text), float(lat_text)
        except ValueError:
            self.fail("lng" if not _is_float(lng_text) else "lat", "经纬度应为数字，且须同时填写")
            return None
        crs = (self.raw("crs") or geo.CRS.WGS84.value).lower()
        if crs not in {c.value for c in geo.CRS}:
            self.fail("crs", geo.MESSAGES["geo_unknown_crs"])
            return None
        try:
            lng, lat = geo.to_wgs84(lng, lat, crs)
            geo.require_in_shanghai(lng, lat)
        except geo.GeoError as exc:
            self.fail("lng", exc.message)
            return None
        found = geo.district_of(lng, lat)
        if found is None:
            self.fail("lng", geo.MESSAGES["geo_outside_shanghai"])
            return None
        return Site(lng, lat, crs, found.adcode)

    def done(self) -> None:
        if self.errors:
            raise RowInvalid(self.errors)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def split_list(text: str) -> list[str]:
    return [p.strip() for p in LIST_SEPARATORS.split(text or "") if p.strip()]


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


# --- references ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgRef:
    id: int
    name: str
    types: tuple[str, ...]
    status: str
    district_code: str | None
    special_zone: str | None
    is_trial: bool


@dataclass(frozen=True)
class PersonRef:
    id: int
    user_id: int
    name: str
    imported: bool
    is_trial: bool


@dataclass(frozen=True)
class ProjectRef:
    id: int
    project_no: str
    org_id: int
    service_type: str
    status: str
    contract_end: date | None
    district_code: str | None
    special_zone: str | None
    geofence: dict[str, Any] | None
    is_trial: bool


def org_ref(org: Organization) -> OrgRef:
    return OrgRef(
        org.id, org.name, tuple(org.types or ()), org.status, org.district_code, org.special_zone, org.is_trial
    )


def project_ref(p: Project) -> ProjectRef:
    return ProjectRef(
        p.id,
        p.project_no,
        p.org_id,
        p.service_type,
        p.status,
        p.contract_end,
        p.district_code,
        p.special_zone,
        p.geofence,
        p.is_trial,
    )


class Refs:
    """Rows found by natural key. Organisations (a few hundred) stay cached for the run; people and projects
    are fetched per batch, in one query for all the keys of the batch. The kinds fill the rest for their
    batches."""

    def __init__(self) -> None:
        self.orgs: dict[str, OrgRef | None] = {}
        self.people: dict[str, PersonRef | None] = {}
        self.projects: dict[str, ProjectRef | None] = {}
        self.users: dict[str, User | None] = {}  # by phone hash
        # (certificate kind, number) → the holder's keyed ID-number hash
        self.holders: dict[tuple[str, str], str | None] = {}
        # employments file: the people of the batch with their certificates, accounts and employments
        self.practitioners: dict[int, Practitioner] = {}
        self.accounts: dict[int, User] = {}
        self.employments: dict[int, list[Employment]] = {}
        self.visits: dict[tuple[int, str], int] = {}  # (practitioner, idempotency key) → project, when imported
        self.reports: dict[str, int] = {}  # report number → project

    def clear(self) -> None:
        self.orgs.clear()
        self.new_batch()

    def new_batch(self) -> None:
        self.people.clear()
        self.projects.clear()
        self.users.clear()
        self.holders.clear()
        self.practitioners.clear()
        self.accounts.clear()
        self.employments.clear()
        self.visits.clear()
        self.reports.clear()

    def prefetch_users(self, phones: Iterable[str]) -> None:
        hashes = {phone_hash(p) for p in phones if p} - set(self.users)
        if hashes:
            self.users.update(dict.fromkeys(hashes))
            for user in db.session.scalars(sa.select(User).where(User.phone_hash.in_(hashes))):
                self.users[user.phone_hash] = user

    def prefetch_holders(self, certificates: Iterable[tuple[str, str]]) -> None:
        wanted = {c for c in certificates if c not in self.holders}
        for kind in {k for k, _ in wanted}:
            numbers = [n for k, n in wanted if k == kind]
            self.holders.update({(kind, n): None for n in numbers})
            rows = db.session.execute(
                sa.select(Certificate.cert_no, Practitioner.id_number_hash)
                .join(Practitioner, Practitioner.id == Certificate.practitioner_id)
                .where(Certificate.kind == kind, Certificate.cert_no.in_(numbers))
            )
            self.holders.update({(kind, n): holder for n, holder in rows})

    def user(self, phone: str) -> User | None:
        self.prefetch_users([phone])
        return self.users[phone_hash(phone)]

    def holder(self, kind: str, cert_no: str) -> str | None:
        self.prefetch_holders([(kind, cert_no)])
        return self.holders[(kind, cert_no)]

    def prefetch(
        self, credit_codes: Iterable[str] = (), id_numbers: Iterable[str] = (), project_nos: Iterable[str] = ()
    ) -> None:
        codes = {c for c in credit_codes if c and c not in self.orgs}
        if codes:
            self.orgs.update(dict.fromkeys(codes))
            for org in db.session.scalars(sa.select(Organization).where(Organization.credit_code.in_(codes))):
                self.orgs[org.credit_code] = org_ref(org)
        hashes = {id_number_hash(n) for n in id_numbers if n} - set(self.people)
        if hashes:
            self.people.update(dict.fromkeys(hashes))
            columns = (Practitioner.id_number_hash, Practitioner.id, Practitioner.user_id, Practitioner.name)
            rows = db.session.execute(
                sa.select(*columns, Practitioner.imported, Practitioner.is_trial).where(
                    Practitioner.id_number_hash.in_(hashes)
                )
            )
            for h, pid, user_id, name, imported, is_trial in rows:
                self.people[h] = PersonRef(pid, user_id, name, imported, is_trial)
        numbers = {n for n in project_nos if n and n not in self.projects}
        if numbers:
            self.projects.update(dict.fromkeys(numbers))
            for project in db.session.scalars(sa.select(Project).where(Project.project_no.in_(numbers))):
                self.projects[project.project_no] = project_ref(project)

    def org(self, credit_code: str) -> OrgRef | None:
        self.prefetch(credit_codes=[credit_code])
        return self.orgs[credit_code]

    def person(self, id_number: str) -> PersonRef | None:
        self.prefetch(id_numbers=[id_number])
        return self.people[id_number_hash(id_number)]

    def project(self, project_no: str) -> ProjectRef | None:
        self.prefetch(project_nos=[project_no])
        return self.projects[project_no]

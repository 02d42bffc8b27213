"""从业人员及证书: practitioners, one row per certificate (a person without one: one row, certificate columns
empty), known by their ID number. The phone becomes the mini-program login; the national registry decides on
the identity and on each certificate, as declaring them through the API does."""

from __future__ import annotations

from dataclasses import dataclass

from backend.core.access import Role
from backend.core.crypto import id_number_hash, phone_hash
from backend.core.db import db
from backend.core.validators import mask_name
from backend.modules.accounts.queries import User
from backend.modules.accounts.services import create_users, grant_role
from backend.modules.realname import queries
from backend.modules.realname.practitioners import check_certificate, check_registry_identity
from backend.modules.realname.queries import CERT_KINDS, OPERATOR_LEVELS, Certificate, Practitioner, practitioner_by_id

from .common import CREATED, UNCHANGED, Checker, Column, Kind, PersonRef, choices, invalid
from .run import Context, user_for_phone

CERT_KIND_CHOICES = choices(CERT_KINDS)
# 五级/初级工, 五级/初级, 五级, 初级, 5 → 5 (realname keeps levels as 5 … 1, lower is higher)
OPERATOR_LEVEL_CHOICES: dict[str, int] = {}
for _level, _name in OPERATOR_LEVELS.items():
    _grade, _title = _name.split("/")
    for _alias in (
        _name,
        f"{_grade}/{_title.removesuffix('工')}",
        _grade,
        _title,
        _title.removesuffix("工"),
        str(_level),
    ):
        OPERATOR_LEVEL_CHOICES[_alias] = _level


@dataclass(frozen=True)
class CertificateRow:
    kind: str
    cert_no: str
    registration_no: str | None
    level: int | None


@dataclass(frozen=True)
class PractitionerRow:
    id_number: str
    name: str
    phone: str
    certificate: CertificateRow | None


def _certificate_row(check: Checker) -> CertificateRow | None:
    kind = check.choice("cert_kind", CERT_KIND_CHOICES, required=False)
    if kind is None:
        if check.raw("cert_no"):
            check.fail("cert_kind", "填写了证书编号时必须填写证书类别")
        return None
    cert_no = check.text("cert_no", 64, required=True)
    registration_no = check.text("registration_no", 64)
    level = None
    if kind == "operator":
        level = check.choice("operator_level", OPERATOR_LEVEL_CHOICES)
    if cert_no is None:
        return None
    return CertificateRow(kind, cert_no.upper(), registration_no, level)


def _certificate(person: Practitioner, cert: CertificateRow) -> Certificate:
    """A certificate whose status the national registry decides (valid / invalid / expired), as declaring one
    through the API does; checked before it is written, so it is written once."""
    certificate = Certificate(
        kind=cert.kind,
        cert_no=cert.cert_no,
        registration_no=cert.registration_no,
        level=cert.level,
        status="pending",
        check_notes=[],
    )
    check_certificate(certificate, person)
    return certificate


def _create_accounts(ctx: Context, rows: list[PractitionerRow]) -> None:
    """The login accounts of the batch's new people, in one statement (each needs its id before its row)."""
    wanted: dict[str, PractitionerRow] = {}
    for row in rows:
        hashed = id_number_hash(row.id_number)
        key = phone_hash(row.phone)
        claimed = row.certificate and ctx.refs.holders.get((row.certificate.kind, row.certificate.cert_no))
        if ctx.refs.people.get(hashed) or ctx.refs.users.get(key) or key in wanted or claimed not in (None, hashed):
            continue
        wanted[key] = row
    made: dict[str, User] = dict(zip(wanted, create_users((r.phone, r.name) for r in wanted.values()), strict=True))
    if made:
        ctx.refs.users.update(made)
        ctx.accounts_made.update(made)


def _account_for(ctx: Context, row: PractitionerRow) -> User:
    user = ctx.refs.user(row.phone)
    if user is None:
        user, _ = user_for_phone(ctx, row.phone, row.name)
        ctx.accounts_made.add(user.phone_hash)
    taken = user.id in ctx.accounts_taken
    if not taken and user.phone_hash not in ctx.accounts_made:
        with db.session.no_autoflush:
            taken = queries.practitioner_for_user(user.id) is not None
    if taken:
        raise invalid("phone", "该手机号已是另一名从业人员的登录账号")
    if not user.display_name:
        user.display_name = row.name
    return user


def _new_practitioner(ctx: Context, row: PractitionerRow, hashed: str) -> Practitioner:
    """Added to the session and written with the rest of the batch (finish gives it its event)."""
    user = _account_for(ctx, row)
    practitioner = Practitioner(
        user_id=user.id,
        name=row.name,
        name_masked=mask_name(row.name),
        id_number=row.id_number,
        id_number_hash=hashed,
        identity_status="unverified",
        face_status="none",
        registry_notes=[],
        imported=True,
        is_trial=False,
        certificates=[],
    )
    check_registry_identity(practitioner)  # does the national registry know this ID number under this name?
    db.session.add(practitioner)
    grant_role(user, Role.PRACTITIONER)
    ctx.accounts_taken.add(user.id)
    ctx.new_people[hashed] = practitioner
    return practitioner


class Practitioners(Kind[PractitionerRow]):
    key = "practitioners"
    name = "从业人员及证书"
    description = "从业人员，每张证书一行（无证书的人员一行，证书各列留空），以身份证号识别。本人以手机号登录小程序。"
    columns = (
        Column("id_number", "身份证号", "18位，按 GB 11643 校验；加密保存", "", True, True),
        Column("name", "姓名", "与身份证一致", "陈志强", True),
        Column("phone", "手机号", "11位手机号；以此登录小程序", "13700000001", True, True),
        Column("cert_kind", "证书类别", "一级注册消防工程师、二级注册消防工程师、消防设施操作员", "一级注册消防工程师"),
        Column("cert_no", "证书编号", "填写证书类别时必填", "2018311000123", text=True),
        Column("registration_no", "注册编号", "注册消防工程师的注册编号", "3111900042", text=True),
        Column(
            "operator_level",
            "技能等级",
            "消防设施操作员必填：五级/初级、四级/中级、三级/高级、二级/技师、一级/高级技师（或 5～1）",
            "四级/中级",
        ),
    )
    natural_key = ("id_number", "cert_kind", "cert_no")
    aliases = ("从业人员", "人员", "证书", "persons")

    def parse(self, values: dict[str, str]) -> PractitionerRow:
        check = Checker(self, values)
        row = PractitionerRow(
            id_number=check.id_number("id_number") or "",
            name=check.name("name") or "",
            phone=check.phone("phone") or "",
            certificate=_certificate_row(check),
        )
        check.done()
        return row

    def prefetch(self, ctx: Context, rows: list[PractitionerRow]) -> None:
        ctx.refs.prefetch(id_numbers=[r.id_number for r in rows])
        ctx.refs.prefetch_users([r.phone for r in rows])
        ctx.refs.prefetch_holders([(r.certificate.kind, r.certificate.cert_no) for r in rows if r.certificate])
        _create_accounts(ctx, rows)

    def apply(self, ctx: Context, row: PractitionerRow) -> str:
        hashed = id_number_hash(row.id_number)
        pending = ctx.new_people.get(hashed)
        ref = None if pending is not None else ctx.refs.person(row.id_number)
        known_name = pending.name if pending is not None else ref.name if ref is not None else None
        if known_name is not None and known_name != row.name:
            raise invalid("name", "姓名与系统中同一身份证号的从业人员不一致")
        cert = row.certificate
        holder = ctx.refs.holder(cert.kind, cert.cert_no) if cert else None
        if holder is not None and holder != hashed:
            raise invalid("cert_no", "该证书已登记在其他从业人员名下")
        if ref is not None:
            ctx.adopt(Practitioner, ref.id, ref.is_trial)
            # People who registered themselves declare their own certificates; only imported people get more here.
            if cert is None or holder is not None or not ref.imported:
                return UNCHANGED
        person = pending or (practitioner_by_id(ref.id) if ref else _new_practitioner(ctx, row, hashed))
        assert person is not None
        if cert is not None and holder is None:
            certificate = _certificate(person, cert)
            if person.id is None:
                person.certificates.append(certificate)
            else:
                certificate.practitioner_id = person.id
                db.session.add(certificate)
            ctx.refs.holders[(cert.kind, cert.cert_no)] = hashed
        return CREATED

    def finish(self, ctx: Context) -> None:
        for hashed, person in ctx.new_people.items():
            ctx.refs.people[hashed] = PersonRef(person.id, person.user_id, person.name, True, False)
            ctx.event(
                "import.practitioner",
                f"从业人员 {person.name_masked} 自原系统导入",
                practitioner_id=person.id,
                visibility="org",
            )

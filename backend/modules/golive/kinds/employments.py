"""聘用关系: a practitioner's employment at an organisation, one row per employment; a person may be employed by
one organisation at a time (第十一条), and an engineer registered elsewhere in the national registry by none."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from backend.core.db import db
from backend.core.timeutil import to_local, today
from backend.core.validators import mask_phone
from backend.modules.accounts.queries import User
from backend.modules.realname import queries
from backend.modules.realname.queries import (
    POSITIONS,
    Certificate,
    Employment,
    Practitioner,
    organization_by_id,
)

from .common import CREATED, UNCHANGED, Checker, Column, Kind, OrgRef, Refs, choices, invalid, local_midnight
from .run import Context, known_org, known_person

POSITION_CHOICES = choices(POSITIONS)
EMPLOYMENT_STATUS_CHOICES = {"在职": "active", "离职": "ended", "active": "active", "ended": "ended"}


@dataclass(frozen=True)
class EmploymentRow:
    id_number: str
    credit_code: str
    position: str
    status: str
    started_on: date | None
    ended_on: date | None


def _prefetch_staff(refs: Refs) -> None:
    """One query each for the batch's practitioners (certificates included), accounts and employments."""
    ids = [ref.id for ref in refs.people.values() if ref is not None and ref.id not in refs.practitioners]
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        people = db.session.scalars(sa.select(Practitioner).where(Practitioner.id.in_(chunk))).all()
        refs.practitioners.update({p.id: p for p in people})
        users = db.session.scalars(sa.select(User).where(User.id.in_([p.user_id for p in people]))).all()
        refs.accounts.update({u.id: u for u in users})
        for pid in chunk:
            refs.employments.setdefault(pid, [])
        for e in db.session.scalars(sa.select(Employment).where(Employment.practitioner_id.in_(chunk))):
            refs.employments[e.practitioner_id or 0].append(e)


def _same_employment(e: Employment, row: EmploymentRow) -> bool:
    started = to_local(e.started_at).date() if e.started_at else None
    return e.imported and started == row.started_on and e.status == row.status


def _registered_elsewhere(person: Practitioner, org_credit_code: str) -> Certificate | None:
    """An engineer certificate the national registry registers to another organisation (第十一条)."""
    return next(
        (
            c
            for c in queries.valid_certificates(person)
            if c.kind in queries.ENGINEER_KINDS
            and c.registered_org_credit_code
            and c.registered_org_credit_code != org_credit_code
        ),
        None,
    )


def _check_can_start(person: Practitioner, org: OrgRef, credit_code: str, history: list[Employment]) -> None:
    if org.status == "deregistered":
        raise invalid("status", "机构已注销，不能导入在职人员")
    current = next((e for e in history if e.status == "active"), None)
    if current is not None:
        where = organization_by_id(current.org_id)
        raise invalid(
            "status",
            f"该人员已在“{where.name if where else ''}”在职：同一时间只能在一家机构执业（第十一条）",
        )
    elsewhere = _registered_elsewhere(person, credit_code)
    if elsewhere is not None:
        raise invalid(
            "id_number",
            f"该人员的注册消防工程师证书（注册编号 {elsewhere.registration_no or elsewhere.cert_no}）在全国系统中"
            "注册于其他机构，不能在本机构执业；请先办理变更注册",
        )


class Employments(Kind[EmploymentRow]):
    key = "employments"
    name = "聘用关系"
    description = "从业人员在机构的聘用，每段聘用一行；同一人同时只能在一家机构在职（第十一条）。"
    columns = (
        Column("id_number", "身份证号", "从业人员的身份证号", "", True, True),
        Column("credit_code", "机构统一社会信用代码", "聘用机构", "91310101MAC1PBUW93", True, True),
        Column(
            "position",
            "岗位",
            "技术负责人、项目负责人、注册消防工程师、消防设施操作员、机构管理人员、其他从业人员",
            "项目负责人",
            True,
        ),
        Column("status", "聘用状态", "在职（默认）、离职", "在职"),
        Column("started_on", "入职日期", "YYYY-MM-DD", "2020-03-01"),
        Column("ended_on", "离职日期", "离职时填写，YYYY-MM-DD", ""),
    )
    natural_key = ("id_number", "credit_code", "started_on")
    aliases = ("聘用", "employment")

    def parse(self, values: dict[str, str]) -> EmploymentRow:
        check = Checker(self, values)
        row = EmploymentRow(
            id_number=check.id_number("id_number") or "",
            credit_code=check.credit_code("credit_code") or "",
            position=check.choice("position", POSITION_CHOICES),
            status=check.choice("status", EMPLOYMENT_STATUS_CHOICES, required=False, default="active"),
            started_on=check.date("started_on"),
            ended_on=check.date("ended_on"),
        )
        if row.started_on and row.started_on > today():
            check.fail("started_on", "入职日期不能晚于今天")
        if row.ended_on and row.started_on and row.ended_on < row.started_on:
            check.fail("ended_on", "离职日期不能早于入职日期")
        if row.status == "active" and row.ended_on:
            check.fail("ended_on", "在职人员不应填写离职日期")
        check.done()
        return row

    def prefetch(self, ctx: Context, rows: list[EmploymentRow]) -> None:
        ctx.refs.prefetch(credit_codes=[r.credit_code for r in rows], id_numbers=[r.id_number for r in rows])
        _prefetch_staff(ctx.refs)

    def apply(self, ctx: Context, row: EmploymentRow) -> str:
        person_ref = known_person(ctx, row.id_number, "id_number")
        org = known_org(ctx, row.credit_code)
        refs = ctx.refs
        if person_ref.id not in refs.practitioners:
            _prefetch_staff(refs)
        history = refs.employments[person_ref.id]
        at_org = [e for e in history if e.org_id == org.id]
        if any(_same_employment(e, row) for e in at_org):
            return UNCHANGED
        if row.status == "active" and any(e.status == "active" and not e.imported for e in at_org):
            return UNCHANGED  # already employed there through the new system
        person, user = refs.practitioners[person_ref.id], refs.accounts[person_ref.user_id]
        if row.status == "active":
            _check_can_start(person, org, row.credit_code, history)
        employment = Employment(
            org_id=org.id,
            practitioner_id=person.id,
            invited_phone_hash=user.phone_hash,
            invited_phone_masked=mask_phone(user.phone),
            invited_user_id=user.id,
            position=row.position,
            status=row.status,
            started_at=local_midnight(row.started_on) if row.started_on else None,
            ended_at=local_midnight(row.ended_on) if row.ended_on else None,
            end_reason="原系统记录：已离职" if row.status == "ended" else None,
            imported=True,
            is_trial=False,
        )
        db.session.add(employment)
        history.append(employment)
        ctx.employments.setdefault(org.id, Counter())[row.status] += 1
        ctx.orgs_to_refresh.add(org.id)
        return CREATED

    def finish(self, ctx: Context) -> None:
        """One timeline entry per organisation, and its practice conditions re-evaluated as the API does."""
        for org_id, counts in sorted(ctx.employments.items()):
            org = organization_by_id(org_id)
            assert org is not None
            active = counts.get("active", 0)
            ctx.event(
                "import.employments",
                f"{org.name} 自原系统导入聘用关系 {sum(counts.values())} 条（在职 {active} 人）",
                org_id=org.id,
                district_code=org.district_code,
                special_zone=org.special_zone,
                visibility="org",
                data=dict(counts),
            )
        for org_id in sorted(ctx.orgs_to_refresh):
            org = organization_by_id(org_id)
            assert org is not None
            ctx.refresh_conditions(org)

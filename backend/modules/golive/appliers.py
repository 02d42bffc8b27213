"""Writing one checked row: find it by its natural key (existing rows are never overwritten: a second run
changes nothing), check its references and the rules that need the database, then create it the way the
realname, projects and documents services do: the models' encrypted columns and keyed hashes, the national
registry's verdict on identities and certificates, districts from the district polygons, roles for the
people who will log in, practice conditions re-evaluated, and one timeline event per organisation,
practitioner and project (visits, documents and employments are summed up per project or organisation).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from backend.adapters.gis import GisError
from backend.bootstrap import adapters
from backend.core import geo
from backend.core.access import Role
from backend.core.crypto import id_number_hash, phone_hash
from backend.core.db import db
from backend.core.timeutil import SHANGHAI, to_local, today, utcnow
from backend.core.validators import mask_name, mask_phone
from backend.modules.accounts.models import User
from backend.modules.accounts.services import grant_role
from backend.modules.documents.models import DOC_TYPE_FOR_SERVICE, DOC_TYPES, ConclusionDocument
from backend.modules.projects.models import SERVICE_TYPES, Project, ProjectMember, SiteVisit
from backend.modules.projects.services.common import SERVICE_ORG_TYPES, change_status
from backend.modules.realname import queries
from backend.modules.realname.conditions import refresh_conditions
from backend.modules.realname.models import Certificate, Employment, Organization, Practitioner
from backend.modules.realname.organizations import bigdata_notes, registry_notes
from backend.modules.realname.practitioners import check_certificate, check_registry_identity

from . import supplement
from .events import PendingEvent, append_many
from .validation import (
    CertificateRow,
    DocumentRow,
    EmploymentRow,
    OrgRow,
    PractitionerRow,
    ProjectRow,
    RowInvalid,
    VisitRow,
)

CREATED, UNCHANGED = "created", "unchanged"
ORG_STATUS_NAMES = {"verified": "正常", "suspended": "停业", "deregistered": "注销"}
VISIT_KEY_PREFIX = "v1-"  # idempotency key of an imported visit: unique per practitioner with the v1 number
IMPORTED_FLAG = {"code": "imported", "message": "原系统导入的历史记录"}


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def _invalid(key: str, reason: str) -> RowInvalid:
    return RowInvalid([(key, reason)])


# --- references --------------------------------------------------------------------------------------------


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


def _org_ref(org: Organization) -> OrgRef:
    return OrgRef(
        org.id, org.name, tuple(org.types or ()), org.status, org.district_code, org.special_zone, org.is_trial
    )


def _project_ref(p: Project) -> ProjectRef:
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
    are fetched per batch, in one query for all the keys of the batch."""

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

    def prefetch_history(self, visit_numbers: Iterable[str] = (), report_numbers: Iterable[str] = ()) -> None:
        """Visits and documents of the batch already imported: one query each (the unique indexes serve them)."""
        people = [ref.id for ref in self.people.values() if ref is not None]
        keys = [VISIT_KEY_PREFIX + n for n in visit_numbers]
        if people and keys:
            rows = db.session.execute(
                sa.select(SiteVisit.practitioner_id, SiteVisit.idempotency_key, SiteVisit.project_id).where(
                    SiteVisit.practitioner_id.in_(people), SiteVisit.idempotency_key.in_(keys)
                )
            )
            self.visits.update({(pid, key): project for pid, key, project in rows})
        numbers = list(report_numbers)
        if numbers:
            rows = db.session.execute(
                sa.select(ConclusionDocument.report_number, ConclusionDocument.project_id).where(
                    ConclusionDocument.report_number.in_(numbers)
                )
            )
            self.reports.update({number: project for number, project in rows})

    def prefetch_staff(self) -> None:
        """One query each for the batch's practitioners (certificates included), accounts and employments."""
        ids = [ref.id for ref in self.people.values() if ref is not None and ref.id not in self.practitioners]
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            people = db.session.scalars(sa.select(Practitioner).where(Practitioner.id.in_(chunk))).all()
            self.practitioners.update({p.id: p for p in people})
            users = db.session.scalars(sa.select(User).where(User.id.in_([p.user_id for p in people]))).all()
            self.accounts.update({u.id: u for u in users})
            for pid in chunk:
                self.employments.setdefault(pid, [])
            for e in db.session.scalars(sa.select(Employment).where(Employment.practitioner_id.in_(chunk))):
                self.employments[e.practitioner_id or 0].append(e)

    def prefetch_accounts(self, phones: Iterable[str], certificates: Iterable[tuple[str, str]] = ()) -> None:
        hashes = {phone_hash(p) for p in phones if p} - set(self.users)
        if hashes:
            self.users.update(dict.fromkeys(hashes))
            for user in db.session.scalars(sa.select(User).where(User.phone_hash.in_(hashes))):
                self.users[user.phone_hash] = user
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
        self.prefetch_accounts([phone])
        return self.users[phone_hash(phone)]

    def holder(self, kind: str, cert_no: str) -> str | None:
        self.prefetch_accounts((), [(kind, cert_no)])
        return self.holders[(kind, cert_no)]

    def prefetch(
        self, credit_codes: Iterable[str] = (), id_numbers: Iterable[str] = (), project_nos: Iterable[str] = ()
    ) -> None:
        codes = {c for c in credit_codes if c and c not in self.orgs}
        if codes:
            self.orgs.update(dict.fromkeys(codes))
            for org in db.session.scalars(sa.select(Organization).where(Organization.credit_code.in_(codes))):
                self.orgs[org.credit_code] = _org_ref(org)
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
                self.projects[project.project_no] = _project_ref(project)

    def org(self, credit_code: str) -> OrgRef | None:
        self.prefetch(credit_codes=[credit_code])
        return self.orgs[credit_code]

    def person(self, id_number: str) -> PersonRef | None:
        self.prefetch(id_numbers=[id_number])
        return self.people[id_number_hash(id_number)]

    def project(self, project_no: str) -> ProjectRef | None:
        self.prefetch(project_nos=[project_no])
        return self.projects[project_no]


@dataclass
class Context:
    """What the appliers share during a run."""

    documented: set[str]  # project numbers that have a conclusion document in this run's files
    # A dry run writes in a transaction that is rolled back; it leaves out the timeline (whose head it would
    # lock for the whole run), the practice-condition re-evaluation and the outside cross-checks.
    dry_run: bool = False
    refs: Refs = field(default_factory=Refs)
    # (lead practitioner id, org id) → why the lead may not lead a project that continues ([] = may)
    lead_problems: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    # per batch: timeline summaries and the organisations whose practice conditions changed
    employments: dict[int, Counter[str]] = field(default_factory=dict)
    history: dict[int, Counter[str]] = field(default_factory=dict)
    orgs_to_refresh: set[int] = field(default_factory=set)
    new_projects: list[Project] = field(default_factory=list)
    new_people: dict[str, Practitioner] = field(default_factory=dict)  # by ID-number hash, written at batch end
    accounts_made: set[str] = field(default_factory=set)  # phone hashes of the accounts this batch created
    accounts_taken: set[int] = field(default_factory=set)  # accounts given to a practitioner of this batch
    pending_events: list[PendingEvent] = field(default_factory=list)

    def reset(self) -> None:
        """After a rollback: nothing cached may point at rows that are gone."""
        self.refs.clear()
        self.lead_problems.clear()
        self.employments.clear()
        self.history.clear()
        self.orgs_to_refresh.clear()
        self.new_projects.clear()
        self.new_people.clear()
        self.accounts_made.clear()
        self.accounts_taken.clear()
        self.pending_events.clear()

    def event(self, kind: str, summary: str, **fields: Any) -> None:
        """Queued, and appended with the others at the end of the batch (events.append_many)."""
        if not self.dry_run:
            self.pending_events.append(PendingEvent(kind, summary, fields))

    def refresh_conditions(self, org: Organization) -> None:
        if not self.dry_run:
            refresh_conditions(org)

    def adopt(self, model: type[Any], row_id: int, is_trial: bool) -> None:
        """A row made during the trial that the v1 history vouches for becomes permanent: the clearing would
        otherwise delete it, or be blocked by the imported rows that refer to it."""
        if is_trial:
            obj = db.session.get(model, row_id)
            if obj is not None:
                obj.is_trial = False


def prefetch(ctx: Context, object_key: str, rows: list[Any]) -> None:
    ctx.refs.new_batch()
    if object_key == "organizations":
        ctx.refs.prefetch(credit_codes=[r.credit_code for r in rows])
        ctx.refs.prefetch_accounts([r.legal_rep_phone for r in rows])
    elif object_key == "practitioners":
        ctx.refs.prefetch(id_numbers=[r.id_number for r in rows])
        certificates = [(r.certificate.kind, r.certificate.cert_no) for r in rows if r.certificate]
        ctx.refs.prefetch_accounts([r.phone for r in rows], certificates)
        _create_accounts(ctx, rows)
    elif object_key == "employments":
        ctx.refs.prefetch(credit_codes=[r.credit_code for r in rows], id_numbers=[r.id_number for r in rows])
        ctx.refs.prefetch_staff()
    elif object_key == "projects":
        people = [n for r in rows for n in (r.lead_id_number, *r.member_id_numbers)]
        ctx.refs.prefetch([r.credit_code for r in rows], people, [r.project_no for r in rows])
    elif object_key == "visits":
        ctx.refs.prefetch(id_numbers=[r.id_number for r in rows], project_nos=[r.project_no for r in rows])
        ctx.refs.prefetch_history(visit_numbers=[r.visit_no for r in rows])
    elif object_key == "documents":
        people = [n for r in rows for n in (r.project_lead_id_number, r.technical_lead_id_number)]
        ctx.refs.prefetch(id_numbers=people, project_nos=[r.project_no for r in rows])
        ctx.refs.prefetch_history(report_numbers=[r.report_number for r in rows])


def _known_org(ctx: Context, credit_code: str, key: str = "credit_code") -> OrgRef:
    org = ctx.refs.org(credit_code)
    if org is None:
        raise _invalid(key, "未找到该统一社会信用代码的机构：请先导入“机构”表，或确认机构已在系统登记")
    ctx.adopt(Organization, org.id, org.is_trial)
    return org


def _known_person(ctx: Context, id_number: str, key: str) -> PersonRef:
    person = ctx.refs.person(id_number)
    if person is None:
        raise _invalid(key, "未找到该身份证号的从业人员：请先导入“从业人员及证书”表")
    ctx.adopt(Practitioner, person.id, person.is_trial)
    return person


def _known_project(ctx: Context, project_no: str) -> ProjectRef:
    project = ctx.refs.project(project_no)
    if project is None:
        raise _invalid("project_no", "未找到该项目编号：请先导入“项目及委托单位”表")
    ctx.adopt(Project, project.id, project.is_trial)
    return project


def user_for_phone(ctx: Context, phone: str, name: str) -> tuple[User, bool]:
    """The account of that phone, created if it never logged in (the first SMS login finds it, roles and all);
    and whether it existed before."""
    user = ctx.refs.user(phone)
    if user is not None:
        if not user.display_name:
            user.display_name = name
        return user, True
    user = User(phone=phone, phone_hash=phone_hash(phone), display_name=name, roles=[])
    db.session.add(user)
    db.session.flush()
    ctx.refs.users[user.phone_hash] = user
    return user, False


# --- organisations -----------------------------------------------------------------------------------------


def _org_location(row: OrgRow) -> tuple[float | None, float | None, str]:
    """The file's coordinates; else the GIS platform's answer for the address, as registration does; else
    only the district the file names."""
    if row.site is not None:
        return row.site.lng, row.site.lat, row.site.district
    try:
        found = adapters().gis.geocode(row.address)
    except GisError:
        found = None
    district = geo.district_of(found.lng, found.lat) if found else None
    if found is not None and district is not None:
        return found.lng, found.lat, district.adcode
    if found is not None and row.district is None:
        raise _invalid("address", "该地址不在上海市范围内")
    if row.district is None:
        raise _invalid("address", "无法定位该地址：请填写经纬度或所在区")
    return None, None, row.district


def organization(ctx: Context, row: OrgRow) -> str:
    existing = ctx.refs.org(row.credit_code)
    if existing is not None:
        ctx.adopt(Organization, existing.id, existing.is_trial)
        return UNCHANGED
    lng, lat, district = _org_location(row)
    user, _ = user_for_phone(ctx, row.legal_rep_phone, row.legal_rep_name)
    org = Organization(
        credit_code=row.credit_code,
        name=row.name,
        types=row.types,
        legal_form=row.legal_form,
        legal_rep_name=row.legal_rep_name,
        legal_rep_id_number=row.legal_rep_id_number,
        legal_rep_id_hash=id_number_hash(row.legal_rep_id_number),
        legal_rep_user_id=user.id,
        address=row.address,
        lng=lng,
        lat=lat,
        district_code=district,
        workplace_area_m2=row.workplace_area_m2,
        status=row.status,
        review_reasons=[],
        verified_at=_local_midnight(row.verified_on) if row.verified_on else utcnow(),
        imported=True,
        is_trial=False,
    )
    db.session.add(org)
    db.session.flush()
    grant_role(user, Role.LEGAL_REP, org_id=org.id)
    grant_role(user, Role.ORG_ADMIN, org_id=org.id)
    if not ctx.dry_run:
        org.registry_notes = registry_notes(org) + bigdata_notes(org)
    ctx.event(
        "import.organization",
        f"{org.name} 自原系统导入（机构状态：{ORG_STATUS_NAMES[org.status]}）",
        org_id=org.id,
        district_code=org.district_code,
        visibility="org",
        data={"registry_notes": len(org.registry_notes)},
    )
    ctx.refresh_conditions(org)
    ctx.refs.orgs[org.credit_code] = _org_ref(org)
    return CREATED


# --- practitioners and certificates ------------------------------------------------------------------------


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
    made: dict[str, User] = {}
    for row in rows:
        hashed = id_number_hash(row.id_number)
        key = phone_hash(row.phone)
        claimed = row.certificate and ctx.refs.holders.get((row.certificate.kind, row.certificate.cert_no))
        if ctx.refs.people.get(hashed) or ctx.refs.users.get(key) or key in made or claimed not in (None, hashed):
            continue
        made[key] = User(phone=row.phone, phone_hash=key, display_name=row.name, roles=[])
    if made:
        db.session.add_all(made.values())
        db.session.flush()
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
        raise _invalid("phone", "该手机号已是另一名从业人员的登录账号")
    if not user.display_name:
        user.display_name = row.name
    return user


def _new_practitioner(ctx: Context, row: PractitionerRow, hashed: str) -> Practitioner:
    """Added to the session and written with the rest of the batch (finish_batch gives it its event)."""
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


def practitioner(ctx: Context, row: PractitionerRow) -> str:
    hashed = id_number_hash(row.id_number)
    pending = ctx.new_people.get(hashed)
    ref = None if pending is not None else ctx.refs.person(row.id_number)
    known_name = pending.name if pending is not None else ref.name if ref is not None else None
    if known_name is not None and known_name != row.name:
        raise _invalid("name", "姓名与系统中同一身份证号的从业人员不一致")
    cert = row.certificate
    holder = ctx.refs.holder(cert.kind, cert.cert_no) if cert else None
    if holder is not None and holder != hashed:
        raise _invalid("cert_no", "该证书已登记在其他从业人员名下")
    if ref is not None:
        ctx.adopt(Practitioner, ref.id, ref.is_trial)
        # People who registered themselves declare their own certificates; only imported people get more here.
        if cert is None or holder is not None or not ref.imported:
            return UNCHANGED
    person = pending or (db.session.get(Practitioner, ref.id) if ref else _new_practitioner(ctx, row, hashed))
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


# --- employments -------------------------------------------------------------------------------------------


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
        raise _invalid("status", "机构已注销，不能导入在职人员")
    current = next((e for e in history if e.status == "active"), None)
    if current is not None:
        where = db.session.get(Organization, current.org_id)
        raise _invalid(
            "status",
            f"该人员已在“{where.name if where else ''}”在职：同一时间只能在一家机构执业（第十一条）",
        )
    elsewhere = _registered_elsewhere(person, credit_code)
    if elsewhere is not None:
        raise _invalid(
            "id_number",
            f"该人员的注册消防工程师证书（注册编号 {elsewhere.registration_no or elsewhere.cert_no}）在全国系统中"
            "注册于其他机构，不能在本机构执业；请先办理变更注册",
        )


def employment(ctx: Context, row: EmploymentRow) -> str:
    person_ref = _known_person(ctx, row.id_number, "id_number")
    org = _known_org(ctx, row.credit_code)
    refs = ctx.refs
    if person_ref.id not in refs.practitioners:
        refs.prefetch_staff()
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
        started_at=_local_midnight(row.started_on) if row.started_on else None,
        ended_at=_local_midnight(row.ended_on) if row.ended_on else None,
        end_reason="原系统记录：已离职" if row.status == "ended" else None,
        imported=True,
        is_trial=False,
    )
    db.session.add(employment)
    history.append(employment)
    ctx.employments.setdefault(org.id, Counter())[row.status] += 1
    ctx.orgs_to_refresh.add(org.id)
    return CREATED


# --- projects ----------------------------------------------------------------------------------------------


def _lead_problems(ctx: Context, lead_id: int, org_id: int) -> list[str]:
    """A project that continues needs a lead employed by the organisation with a valid engineer certificate,
    as registration requires (history that ended is imported as it was)."""
    key = (lead_id, org_id)
    if key not in ctx.lead_problems:
        lead = db.session.get(Practitioner, lead_id)
        problems = []
        if lead is None or not queries.employed_by(lead_id, org_id):
            problems.append("项目负责人不在该机构在职")
        elif not queries.is_registered_engineer(lead):
            problems.append("项目负责人没有有效的注册消防工程师证书")
        ctx.lead_problems[key] = problems
    return ctx.lead_problems[key]


def _members(ctx: Context, row: ProjectRow) -> tuple[PersonRef, list[PersonRef]]:
    lead = _known_person(ctx, row.lead_id_number, "lead_id_number")
    unknown = [i + 1 for i, n in enumerate(row.member_id_numbers) if ctx.refs.person(n) is None]
    if unknown:
        raise _invalid("member_id_numbers", f"第{'、'.join(map(str, unknown))}名项目成员未找到：请先导入从业人员")
    members = [_known_person(ctx, n, "member_id_numbers") for n in row.member_id_numbers]
    return lead, [m for m in members if m.id != lead.id]


def _initial_status(ctx: Context, row: ProjectRow) -> str:
    """Concluded when the v1 project has its conclusion document and its contract has ended; anything that
    continues waits for the supplement (coordinates with a geofence, client contact, maintenance plan)."""
    if row.project_no in ctx.documented and row.contract_end < today():
        return "concluded"
    return "needs_supplement"


def project(ctx: Context, row: ProjectRow) -> str:
    org = _known_org(ctx, row.credit_code)
    existing = ctx.refs.project(row.project_no)
    if existing is not None:
        if existing.org_id != org.id:
            raise _invalid("project_no", "该项目编号已被其他机构的项目使用")
        ctx.adopt(Project, existing.id, existing.is_trial)
        return UNCHANGED
    if SERVICE_ORG_TYPES[row.service_type] not in org.types:
        raise _invalid("service_type", "该机构类型不能承接此类服务：维保、检测须为维护保养检测机构，评估须为评估机构")
    lead, members = _members(ctx, row)
    status = _initial_status(ctx, row)
    if status != "concluded" and (problems := _lead_problems(ctx, lead.id, org.id)):
        raise _invalid("lead_id_number", "；".join(problems))
    contract_over = _local_midnight(row.contract_end + timedelta(days=1))
    project = Project(
        project_no=row.project_no,
        org_id=org.id,
        service_type=row.service_type,
        name=row.name,
        status=status,
        client_name=row.client_name,
        client_credit_code=row.client_credit_code,
        client_contact_name=row.client_contact_name,
        client_contact_phone=row.client_contact_phone,
        client_contact_phone_hash=phone_hash(row.client_contact_phone) if row.client_contact_phone else None,
        building_name=row.building_name,
        building_address=row.building_address,
        building_use=row.building_use,
        floor_area_m2=row.floor_area_m2,
        facility_systems=row.facility_systems,
        lng=row.site.lng if row.site else None,
        lat=row.site.lat if row.site else None,
        coord_source_crs=row.site.source_crs if row.site else None,
        district_code=row.district,
        contract_start=row.contract_start,
        contract_end=row.contract_end,
        lead_practitioner_id=lead.id,
        concluded_at=contract_over if status == "concluded" else None,
        imported=True,
        is_trial=False,
    )
    project.members = [ProjectMember(practitioner_id=lead.id, role="lead")] + [
        ProjectMember(practitioner_id=m.id, role="member") for m in members
    ]
    db.session.add(project)  # written with the rest of the batch, in one statement
    ctx.new_projects.append(project)
    return CREATED


def _missing_at_import(project: Project) -> list[str]:
    """projects.services.common.missing_for_practice for a project just imported, without its plan query (an
    imported project has no maintenance plan yet); the tests hold the two to the same answer."""
    missing = []
    if project.lng is None or project.lat is None or not project.geofence:
        missing.append("coordinates")
    if not project.client_contact_name or not project.client_contact_phone:
        missing.append("client_contact")
    if project.service_type == "maintenance":
        missing.append("maintenance_plan")
    return missing


def _project_imported_event(ctx: Context, project: Project) -> None:
    service = SERVICE_TYPES[project.service_type]
    if project.status == "concluded":
        summary = f"{service}项目{project.project_no}（{project.building_name}）自原系统导入（已完结）"
        data: dict[str, Any] = {"status": project.status}
    else:
        missing = _missing_at_import(project)
        summary = (
            f"{service}项目{project.project_no}（{project.building_name}）自原系统导入，"
            f"须补充{supplement.missing_text(missing)}后才能继续执业"
        )
        data = {"status": project.status, "missing": missing}
    ctx.event(
        "import.project",
        summary,
        org_id=project.org_id,
        practitioner_id=project.lead_practitioner_id,
        project_id=project.id,
        district_code=project.district_code,
        special_zone=project.special_zone,
        visibility="org",
        data=data,
    )


# --- visits ------------------------------------------------------------------------------------------------


def visit(ctx: Context, row: VisitRow) -> str:
    project = _known_project(ctx, row.project_no)
    person = _known_person(ctx, row.id_number, "id_number")
    key = VISIT_KEY_PREFIX + row.visit_no
    existing = ctx.refs.visits.get((person.id, key))
    if existing is not None:
        if existing != project.id:
            raise _invalid("visit_no", "该人员的此签到记录编号已用于其他项目")
        return UNCHANGED
    site = row.site
    distance = round(geo.distance_to_geofence_m(project.geofence, site.lng, site.lat), 1) if project.geofence else None
    flags = [dict(IMPORTED_FLAG)]
    if row.checked_out_at is None:
        flags.append({"code": "not_checked_out", "message": "原系统记录没有签退时间"})
    duration = int((row.checked_out_at - row.checked_in_at).total_seconds()) if row.checked_out_at else None
    ctx.refs.visits[(person.id, key)] = project.id
    db.session.add(
        SiteVisit(
            project_id=project.id,
            practitioner_id=person.id,
            org_id=project.org_id,
            status="checked_out",
            idempotency_key=key,
            checked_in_at=row.checked_in_at,
            lng=site.lng,
            lat=site.lat,
            submitted_crs=site.source_crs,
            distance_to_fence_m=distance,
            identity_method="imported",
            flags=flags,
            reasons=[],
            checked_out_at=row.checked_out_at,
            duration_s=duration,
            district_code=project.district_code,
            special_zone=project.special_zone,
            is_trial=False,
        )
    )
    ctx.history.setdefault(project.id, Counter())["visits"] += 1
    return CREATED


# --- conclusion documents ----------------------------------------------------------------------------------


def document(ctx: Context, row: DocumentRow) -> str:
    project = _known_project(ctx, row.project_no)
    existing = ctx.refs.reports.get(row.report_number)
    if existing is not None:
        if existing != project.id:
            raise _invalid("report_number", "该报告编号已被其他项目的结论文件使用")
        return UNCHANGED
    doc_type = DOC_TYPE_FOR_SERVICE[project.service_type]
    if row.doc_type is not None and row.doc_type != doc_type:
        raise _invalid("doc_type", f"与项目的服务类型不符：应为{DOC_TYPES[doc_type]}")
    project_lead = _known_person(ctx, row.project_lead_id_number, "project_lead_id_number")
    technical_lead = _known_person(ctx, row.technical_lead_id_number, "technical_lead_id_number")
    effective_at = _local_midnight(row.effective_on)
    ctx.refs.reports[row.report_number] = project.id
    db.session.add(
        ConclusionDocument(
            report_number=row.report_number,
            project_id=project.id,
            org_id=project.org_id,
            doc_type=doc_type,
            period_start=row.period_start,
            period_end=row.period_end,
            status="effective",
            items=[],
            defects=[],
            conclusion=row.conclusion,
            project_lead_id=project_lead.id,
            technical_lead_id=technical_lead.id,
            block_reasons=[],
            flags=[{"code": "imported", "message": "原系统导入的书面结论文件（无电子签名和防伪二维码）"}],
            evaluated_at=effective_at,
            effective_at=effective_at,
            district_code=project.district_code,
            special_zone=project.special_zone,
            is_trial=False,
        )
    )
    ctx.history.setdefault(project.id, Counter())["documents"] += 1
    _conclude_if_over(ctx, project)
    return CREATED


def _conclude_if_over(ctx: Context, ref: ProjectRef) -> None:
    """A project imported earlier without its document, whose contract has ended, is concluded by it."""
    if ctx.dry_run or ref.status != "needs_supplement" or ref.contract_end is None or ref.contract_end >= today():
        return
    project = db.session.get(Project, ref.id)
    assert project is not None
    change_status(project, "concluded", f"项目{project.project_no}导入原系统结论文件，合同已结束，项目完结")
    ctx.refs.projects[project.project_no] = _project_ref(project)


# --- the end of a batch ------------------------------------------------------------------------------------


def finish_batch(ctx: Context) -> None:
    """One timeline entry per organisation and per project for what the batch added to them, and the
    practice conditions of organisations whose staff changed, re-evaluated as the API does."""
    db.session.flush()
    for hashed, person in ctx.new_people.items():
        ctx.refs.people[hashed] = PersonRef(person.id, person.user_id, person.name, True, False)
        ctx.event(
            "import.practitioner",
            f"从业人员 {person.name_masked} 自原系统导入",
            practitioner_id=person.id,
            visibility="org",
        )
    ctx.new_people.clear()
    ctx.accounts_made.clear()
    ctx.accounts_taken.clear()
    for project in ctx.new_projects:
        _project_imported_event(ctx, project)
        ctx.refs.projects[project.project_no] = _project_ref(project)
    ctx.new_projects.clear()
    for org_id, counts in sorted(ctx.employments.items()):
        org = db.session.get(Organization, org_id)
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
        org = db.session.get(Organization, org_id)
        assert org is not None
        ctx.refresh_conditions(org)
    for project_id, counts in sorted(ctx.history.items()):
        with_history = db.session.get(Project, project_id)
        assert with_history is not None
        parts = [f"现场签到 {counts['visits']} 次"] if counts.get("visits") else []
        parts += [f"书面结论文件 {counts['documents']} 份"] if counts.get("documents") else []
        ctx.event(
            "import.history",
            f"项目{with_history.project_no}导入原系统历史记录：{'、'.join(parts)}",
            org_id=with_history.org_id,
            project_id=with_history.id,
            district_code=with_history.district_code,
            special_zone=with_history.special_zone,
            visibility="org",
            data=dict(counts),
        )
    if not ctx.dry_run:
        append_many(ctx.pending_events)
    ctx.employments.clear()
    ctx.history.clear()
    ctx.orgs_to_refresh.clear()
    ctx.pending_events.clear()


# Each applier takes its table's clean row type; the importer dispatches by table key.
APPLIERS: dict[str, Callable[[Context, Any], str]] = {
    "organizations": organization,
    "practitioners": practitioner,
    "employments": employment,
    "projects": project,
    "visits": visit,
    "documents": document,
}

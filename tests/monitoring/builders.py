"""Rows the monitoring tests need, built directly so that every timestamp falls where a test wants it (a
month that is over, a day with too many sites, a report submitted late). Real Shanghai places come from
shared/data/sites, credit codes and ID numbers carry valid check characters, flags and refusal reasons on visits
are made by the projects module's own Finding class, and the documents and realname services are called where
a warning rests on what they record. Call inside an app context."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from backend.core.crypto import id_number_hash, phone_hash
from backend.core.db import db
from backend.core.geo import circle_geofence
from backend.core.timeutil import SHANGHAI, today, utcnow
from backend.core.validators import credit_code_check_char, id_check_digit, mask_name
from backend.modules.feedback.models import Feedback
from backend.modules.monitoring.models import MonthlyReport
from backend.modules.monitoring.sqlutil import first_day, last_day, month_key, shift_month
from backend.modules.projects.models import MaintenancePlan, PlanItem, Project, ProjectMember, SiteVisit, WorkRecord
from backend.modules.projects.services.checkin_rules import Finding
from backend.modules.realname.models import Certificate, Employment, Organization, Practitioner
from backend.modules.supervision.models import Penalty, SpotCheck
from tests.builders.accounts import Login, actor_of, make_user
from tests.builders.media import signature_png
from tests.builders.places import HUANGPU, PUDONG, XUHUI, place_in, serial


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time (stored as UTC by the columns)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def past_month(back: int = 2) -> str:
    return shift_month(month_key(today()), -back)


def credit_code(n: int) -> str:
    first17 = f"91310104{n:09d}"
    return first17 + credit_code_check_char(first17)


def id_number(n: int) -> str:
    first17 = f"31010419{80 + n % 15:02d}0{1 + n % 9}1{n % 10}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


# --- organisations and people -----------------------------------------------------------------------------


@dataclass
class Org:
    row: Organization
    admin: Login

    @property
    def id(self) -> int:
        return self.row.id


def make_org(
    district: str = XUHUI,
    name: str | None = None,
    *,
    verified_at: datetime | None = None,
    conditions_met: bool = True,
    status: str = "verified",
) -> Org:
    n = serial()
    place = place_in(district, n % 5)
    org = Organization(
        credit_code=credit_code(n),
        name=name or f"上海{place.label[:8]}消防技术服务有限公司{n}",
        types=["maintenance_testing"],
        legal_rep_name="周建华",
        legal_rep_id_number=id_number(n),
        legal_rep_id_hash=id_number_hash(id_number(n)),
        address=f"上海市{place.label}附近",
        lng=place.lng,
        lat=place.lat,
        district_code=district,
        workplace_area_m2=260,
        status=status,
        verified_at=verified_at or utcnow() - timedelta(days=400),
        conditions_met=conditions_met,
        conditions_checked_at=utcnow(),
    )
    db.session.add(org)
    db.session.commit()
    admin = make_user(roles=("org_admin",), org_id=org.id, name="机构管理员")
    return Org(org, admin)


@dataclass
class Person:
    row: Practitioner
    login: Login

    @property
    def id(self) -> int:
        return self.row.id


def make_person(
    org: Org | None,
    name: str = "张伟明",
    *,
    position: str = "project_lead",
    cert: str | None = "engineer_1",
    expires_on: date | None = None,
    registered_to: str | None = "employer",
    alternative_identity: bool = False,
) -> Person:
    from backend.core.files import store_image

    n = serial()
    login = make_user(roles=("practitioner",), name=name)
    practitioner = Practitioner(
        user_id=login.user_id,
        name=name,
        name_masked=mask_name(name),
        id_number=id_number(1000 + n),
        id_number_hash=id_number_hash(id_number(1000 + n)),
        identity_status="verified",
        alt_identity_approved_at=utcnow() if alternative_identity else None,
        alt_identity_method="现场核验身份证件" if alternative_identity else None,
    )
    if alternative_identity:
        stored, _ = store_image(signature_png(name), "signature", login.user_id)
        practitioner.signature_file_id = stored.id
    if cert is not None:
        registered = org.row.credit_code if registered_to == "employer" and org else registered_to
        practitioner.certificates.append(
            Certificate(
                kind=cert,
                level=4 if cert == "operator" else None,
                cert_no=f"ZS{n:08d}",
                registration_no=f"3101{n:06d}" if cert != "operator" else None,
                registered_org_credit_code=registered if cert != "operator" else None,
                issued_on=date(2020, 3, 1),
                expires_on=expires_on or today() + timedelta(days=900),
                status="valid",
            )
        )
    db.session.add(practitioner)
    db.session.flush()
    if org is not None:
        db.session.add(
            Employment(
                org_id=org.id,
                practitioner_id=practitioner.id,
                invited_phone_hash=phone_hash(login.phone),
                invited_user_id=login.user_id,
                position=position,
                status="active",
                started_at=utcnow() - timedelta(days=300),
            )
        )
    db.session.commit()
    return Person(practitioner, login)


# --- projects, plans, visits, records ---------------------------------------------------------------------


def make_project(
    org: Org,
    lead: Person | None,
    *,
    month: str,
    index: int = 0,
    service_type: str = "maintenance",
    area: float | None = 8000.0,
    members: tuple[Person, ...] = (),
    months: int = 1,
) -> Project:
    n = serial()
    place = place_in(org.row.district_code or XUHUI, index)
    project = Project(
        project_no=f"WB{month.replace('-', '')}{n:05d}",
        org_id=org.id,
        service_type=service_type,
        name=f"{place.label}消防设施维护保养",
        status="in_service",
        client_name=f"{place.label}物业管理有限公司",
        client_contact_name="王建国",
        client_contact_phone="13916000001",
        building_name=place.label,
        building_address=f"上海市{place.label}",
        building_use="办公",
        floor_area_m2=area,
        facility_systems=["fire_alarm", "hydrant", "extinguisher"],
        lng=place.lng,
        lat=place.lat,
        coord_source_crs="wgs84",
        geofence=circle_geofence(place.lng, place.lat, 300),
        district_code=place.adcode,
        contract_start=first_day(month),
        contract_end=last_day(shift_month(month, months - 1)),
        lead_practitioner_id=lead.id if lead else None,
        published_at=at(first_day(month) - timedelta(days=20), 10),
        created_at=at(first_day(month) - timedelta(days=25), 10),
    )
    team = ([lead] if lead else []) + [m for m in members if m is not lead]
    for person in team:
        project.members.append(ProjectMember(practitioner_id=person.id, role="lead" if person is lead else "member"))
    db.session.add(project)
    db.session.commit()
    return project


PLAN_ITEMS = (
    ("fire_alarm", "FA-CONTROLLER-WEEK", "火灾报警控制器功能检查", "weekly"),
    ("hydrant", "HY-MONTH", "室内消火栓检查", "monthly"),
    ("extinguisher", "EX-MONTH", "灭火器外观及压力检查", "monthly"),
)


def make_plan(
    project: Project, month: str, items: tuple[tuple[str, str, str, str], ...] = PLAN_ITEMS
) -> list[PlanItem]:
    plan = MaintenancePlan(
        project_id=project.id,
        catalogue_version="2026.1",
        start_month=first_day(month),
        end_month=first_day(month),
        tolerance_days=7,
    )
    plan.items = [
        PlanItem(system_code=s, item_code=c, name=n, frequency=f, clause="GB 25201-2010", months=[month])
        for s, c, n, f in items
    ]
    db.session.add(plan)
    db.session.commit()
    return list(plan.items)


def make_visit(
    project: Project,
    person: Person,
    start: datetime,
    minutes: int | None = 90,
    *,
    status: str = "checked_out",
    flags: list[Finding] | None = None,
    reasons: list[Finding] | None = None,
    device: str | None = None,
) -> SiteVisit:
    visit = SiteVisit(
        project_id=project.id,
        practitioner_id=person.id,
        org_id=project.org_id,
        status=status,
        idempotency_key=f"visit-{serial()}",
        checked_in_at=start,
        lng=project.lng,
        lat=project.lat,
        accuracy_m=12.0,
        submitted_crs="gcj02",
        distance_to_fence_m=0.0,
        face_distance=0.31,
        face_passed=status != "rejected",
        device_id=device or f"wx-device-{person.id}",
        flags=[f.as_dict() for f in flags or []],
        reasons=[f.as_dict() for f in reasons or []],
        district_code=project.district_code,
        special_zone=project.special_zone,
    )
    if status == "checked_out" and minutes is not None:
        visit.checked_out_at = start + timedelta(minutes=minutes)
        visit.duration_s = minutes * 60
    db.session.add(visit)
    db.session.commit()
    return visit


def make_record(visit: SiteVisit, item: PlanItem, month: str, when: datetime | None = None) -> WorkRecord:
    record = WorkRecord(
        visit_id=visit.id,
        project_id=visit.project_id,
        practitioner_id=visit.practitioner_id,
        plan_item_id=item.id,
        system_code=item.system_code,
        plan_month=month,
        result="normal",
        photo_file_ids=[],
        idempotency_key=f"rec-{serial()}",
        device_time=when or visit.checked_in_at + timedelta(minutes=20),
        created_at=when or visit.checked_in_at + timedelta(minutes=20),
    )
    db.session.add(record)
    db.session.commit()
    return record


def make_feedback(
    project: Project,
    month: str,
    *,
    status: str = "confirmed",
    rating: int | None = 5,
    responded_at: datetime | None = None,
    dispute_reason: str | None = None,
) -> Feedback:
    n = serial()
    feedback = Feedback(
        project_id=project.id,
        org_id=project.org_id,
        kind="monthly",
        dedupe_key=f"monthly:{project.id}:{month}:{n}",
        period_start=first_day(month),
        period_end=last_day(month),
        status=status,
        summary={"month": month},
        deadline=at(last_day(month), 23) + timedelta(days=7),
        channel="sms",
        link_nonce=f"{n:032d}",
        responded_at=responded_at or at(last_day(month) - timedelta(days=2), 15),
        rating=rating if status == "confirmed" else None,
        dispute_reason=dispute_reason,
        district_code=project.district_code,
        special_zone=project.special_zone,
        created_at=at(last_day(month) - timedelta(days=4), 9),
    )
    db.session.add(feedback)
    db.session.commit()
    return feedback


def make_spot_check(visit: SiteVisit, issuer: Login, *, status: str = "passed") -> SpotCheck:
    issued = visit.checked_in_at + timedelta(minutes=30)
    check = SpotCheck(
        visit_id=visit.id,
        practitioner_id=visit.practitioner_id,
        project_id=visit.project_id,
        org_id=visit.org_id,
        district_code=visit.district_code,
        special_zone=visit.special_zone,
        issued_by=issuer.user_id,
        issued_at=issued,
        deadline_at=issued + timedelta(minutes=15),
        status=status,
        answered_at=issued + timedelta(minutes=6) if status in ("passed", "failed") else None,
        failure_reasons=[{"code": "face_mismatch", "message": "人脸比对不一致"}] if status == "failed" else [],
        closed_at=issued + timedelta(minutes=15) if status == "expired" else None,
    )
    db.session.add(check)
    db.session.commit()
    return check


def make_penalty(org: Org, issuer: Login, *, credit_points: int = 0, decided_on: date | None = None) -> Penalty:
    penalty = Penalty(
        decision_no=f"沪消行罚决字〔2026〕{serial():04d}号",
        basis="art28",
        ruleset="7号令(2021)+消防法(2021修正)",
        facts="未按规定到现场开展维护保养",
        subject_kind="organization",
        org_id=org.id,
        amount_yuan=8000,
        decided_on=decided_on or today() - timedelta(days=30),
        is_public=True,
        credit_points=credit_points,
        district_code=org.row.district_code,
        issued_by=issuer.user_id,
    )
    db.session.add(penalty)
    db.session.commit()
    return penalty


def submit_reports(org: Org, months: list[str]) -> None:
    """Reports submitted on the 5th of the following month (figures are not what these tests are about)."""
    for month in months:
        submitted = min(at(first_day(shift_month(month, 1)) + timedelta(days=4), 10), utcnow())
        db.session.add(
            MonthlyReport(
                org_id=org.id,
                month=month,
                status="submitted",
                figures={"org": {"name": org.row.name}, "plan": {"due": 0, "done": 0}, "plan_projects": []},
                compiled_at=submitted - timedelta(days=3),
                due_on=first_day(shift_month(month, 1)).replace(day=10),
                submitted_at=submitted,
                submitted_by=org.admin.user_id,
                district_code=org.row.district_code,
            )
        )
    db.session.commit()


# --- a month of activity ----------------------------------------------------------------------------------


@dataclass
class World:
    month: str
    supervisor: Login
    org: Org
    lead: Person
    technical_lead: Person
    operator: Person
    project: Project
    items: list[PlanItem]
    visits: list[SiteVisit] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def day(self, n: int) -> date:
        return first_day(self.month) + timedelta(days=n - 1)


def clean_month(month: str | None = None, *, reports: bool = True) -> World:
    """A month of maintenance done by the book: on site every week for an hour and a half, every plan item
    done inside its window, the client satisfied, a spot check passed, the reports submitted on time."""
    month = month or past_month()
    supervisor = make_user(roles=("supervisor",), jurisdiction=XUHUI)
    org = make_org(XUHUI, "上海申安消防技术服务有限公司", verified_at=at(first_day(month), 9) - timedelta(days=200))
    lead = make_person(org, "张伟明", position="project_lead", alternative_identity=True)
    technical_lead = make_person(org, "欧阳丽华", position="technical_lead", alternative_identity=True)
    operator = make_person(org, "李建国", position="operator", cert="operator")
    project = make_project(org, lead, month=month, members=(operator,))
    items = make_plan(project, month)
    world = World(month, supervisor, org, lead, technical_lead, operator, project, items)
    weekly, hydrant, extinguisher = items
    for day in (3, 10, 17, 24):
        visit = make_visit(project, lead, at(world.day(day), 9))
        world.visits.append(visit)
        make_record(visit, weekly, month)
    helper = make_visit(project, operator, at(world.day(10), 9, 10))
    world.visits.append(helper)
    make_record(helper, hydrant, month)
    make_record(helper, extinguisher, month)
    make_feedback(project, month, rating=5)
    make_spot_check(world.visits[2], supervisor, status="passed")
    if reports:
        submit_reports(org, [month, shift_month(month, 1)])
    return world


Expected = set[tuple[str, str, int]]


def one_anomaly_per_rule(world: World) -> Expected:
    """On top of a clean month: one finding for every rule, each about its own subject. Returns the
    (rule, subject kind, subject id) pairs the scan must raise, no more and no fewer."""
    from backend.modules.documents.services import drafts, signing
    from backend.modules.realname import services as realname
    from backend.modules.realname.employment import EmploymentRefused

    month, org, project = world.month, world.org, world.project
    before_month = at(first_day(month), 9) - timedelta(days=200)
    expected: Expected = set()

    # 从业条件: a verified organisation that employs nobody (its reports are in, so only this is wrong)
    org_b = make_org(HUANGPU, verified_at=before_month, conditions_met=False)
    submit_reports(org_b, [month, shift_month(month, 1)])
    expected.add(("conditions_unmet", "organization", org_b.id))

    # 挂证: an engineer working for A whose certificate the national system registers to B
    p3 = make_person(org, "赵子龙", position="engineer", cert="engineer_2", registered_to=org_b.row.credit_code)
    expected.add(("certificate_two_orgs", "practitioner", p3.id))

    # 挂证: B invites one of A's operators, who accepts; realname refuses and keeps the evidence
    p4 = make_person(org, "王晓东", position="operator", cert="operator")
    invitation = realname.invite(actor_of(org_b.admin), org_b.id, phone=p4.login.phone, position="operator")
    try:
        realname.accept(actor_of(p4.login), invitation.id)
    except EmploymentRefused:
        pass
    else:  # pragma: no cover - the realname module must refuse
        raise AssertionError("a second employment was accepted")
    expected.add(("employed_twice", "practitioner", p4.id))

    # Check-ins refused or flagged by the projects module
    for rule, code, column in (
        ("face_mismatch", "face_mismatch", "reasons"),
        ("outside_geofence", "outside_geofence", "reasons"),
        ("photo_replay", "photo_replayed", "reasons"),
        ("impossible_travel", "impossible_travel", "flags"),
        ("device_shared", "device_shared", "flags"),
    ):
        person = make_person(org, "孙立新", position="operator", cert="operator")
        refused = column == "reasons"
        make_visit(
            project,
            person,
            at(world.day(5), 14),
            status="rejected" if refused else "checked_out",
            **{column: [Finding(code, {"detail": 1})]},
        )
        expected.add((rule, "practitioner", person.id))

    # A conclusion document signed by a technical lead who was never on site
    document = drafts.create_draft(actor_of(org.admin), project.id, first_day(month), last_day(month))
    signing.sign(actor_of(world.lead.login), document.id, "alternative", None)
    signing.sign(actor_of(world.technical_lead.login), document.id, "alternative", None)
    expected.add(("document_without_presence", "practitioner", world.technical_lead.id))

    # A second project whose monthly item nobody did
    idle = make_project(org, world.lead, month=month, index=1)
    make_plan(idle, month, (("hydrant", "HY-MONTH", "室内消火栓检查", "monthly"),))
    expected.add(("plan_items_not_done", "project", idle.id))

    # An organisation that never submitted its report
    org_c = make_org(PUDONG, verified_at=before_month)
    expected.add(("monthly_report_late", "organization", org_c.id))

    # The client disputes, and rates another month's service 2
    make_feedback(project, month, status="disputed", rating=None, dispute_reason="维保人员未到场，记录与实际不符")
    make_feedback(project, month, rating=2, responded_at=at(world.day(20), 16))
    expected.add(("client_dispute", "project", project.id))
    expected.add(("low_rating", "project", project.id))

    # Ten minutes in an 8,000 m² building
    hasty = make_person(org, "钱多多", position="operator", cert="operator")
    make_visit(project, hasty, at(world.day(12), 15), minutes=10)
    expected.add(("onsite_too_short", "practitioner", hasty.id))

    # Six buildings in one day
    busy = make_person(org, "周一鸣", position="operator", cert="operator")
    for index in range(6):
        site = make_project(org, busy, month=month, index=2 + index, service_type="testing", area=None)
        make_visit(site, busy, at(world.day(14), 8 + index), minutes=30)
    expected.add(("too_many_sites", "practitioner", busy.id))

    # A certificate about to lapse
    expiring = make_person(
        org, "吴海燕", position="engineer", cert="engineer_2", expires_on=today() + timedelta(days=10)
    )
    expected.add(("certificate_expiring", "practitioner", expiring.id))

    # Spot checks failed and unanswered
    for rule, status, day in (("spot_check_failed", "failed", 17), ("spot_check_unanswered", "expired", 18)):
        person = make_person(org, "郑晓明", position="operator", cert="operator")
        visit = make_visit(project, person, at(world.day(day), 13))
        make_spot_check(visit, world.supervisor, status=status)
        expected.add((rule, "practitioner", person.id))
    return expected

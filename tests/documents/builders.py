"""Rows for the documents, feedback and official-account tests: a verified organisation with its project lead
and technical lead (faces enrolled from the shared photos, handwritten signatures, certificates), a published
维保 project at a real Shanghai site with a plan from the projects catalogue, and the month's site visits,
work records, a repaired defect. Each piece is a small function so tests can leave one out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from backend.core.timeutil import SHANGHAI, today, utcnow
from backend.core.validators import credit_code_check_char, id_check_digit, mask_name
from tests.builders.accounts import Login, actor_of, make_user, next_phone
from tests.builders.media import face_encoding, face_photo, recaptured, signature_png
from tests.builders.places import XUHUI_SITE, serial, site

BUILDING_SYSTEMS = ["fire_alarm", "water_supply", "hydrant", "sprinkler", "emergency_lighting", "extinguisher"]


def previous_month() -> tuple[int, int]:
    day = today().replace(day=1) - timedelta(days=1)
    return day.year, day.month


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# --- organisation and people ----------------------------------------------------------------------------


def make_org(name: str = "上海申安消防技术服务有限公司", district: str = "310104", **overrides: Any) -> Any:
    from backend.core.crypto import id_number_hash
    from backend.core.db import db
    from backend.modules.realname.models import Organization

    n = serial()
    first17 = f"91{district}MA1F{n:04d}X"[:17].ljust(17, "0")
    legal_id = _id_number(n + 500)
    org = Organization(
        credit_code=first17 + credit_code_check_char(first17),
        name=name,
        types=["maintenance_testing"],
        legal_rep_name="陈建国",
        legal_rep_id_number=legal_id,
        legal_rep_id_hash=id_number_hash(legal_id),
        address=f"上海市{district}某路{n}号",
        district_code=district,
        workplace_area_m2=320.0,
        status="verified",
        verified_at=utcnow(),
        conditions_met=True,
        **overrides,
    )
    db.session.add(org)
    db.session.commit()
    return org


def _id_number(n: int) -> str:
    first17 = f"31010419850{(n % 9) + 1}{(n % 28) + 1:02d}{n % 1000:03d}"[:17]
    return first17 + id_check_digit(first17)


@dataclass
class Person:
    practitioner: Any
    login: Login
    name: str

    @property
    def headers(self) -> dict[str, str]:
        return self.login.headers


def make_practitioner(
    org: Any,
    name: str,
    *,
    position: str,
    face: str | None = "obama.jpg",
    level: str = "engineer_1",
    registration_no: str | None = None,
    employed: bool = True,
) -> Person:
    from backend.core.crypto import id_number_hash, phone_hash
    from backend.core.db import db
    from backend.core.files import store_image
    from backend.modules.realname.models import Certificate, Employment, Practitioner

    n = serial()
    phone = next_phone()
    login = make_user(phone=phone, roles=("practitioner",), name=name)
    id_number = _id_number(n)
    signature, _ = store_image(signature_png(name), "signature", login.user_id)
    practitioner = Practitioner(
        user_id=login.user_id,
        name=name,
        name_masked=mask_name(name),
        id_number=id_number,
        id_number_hash=id_number_hash(id_number),
        identity_status="verified",
        biometric_consent_version="2025-01" if face else None,
        biometric_consent_at=utcnow() if face else None,
        face_status="enrolled" if face else "none",
        face_encoding=face_encoding(face) if face else None,
        face_enrolled_at=utcnow() if face else None,
        signature_file_id=signature.id,
    )
    db.session.add(practitioner)
    db.session.flush()
    db.session.add(
        Certificate(
            practitioner_id=practitioner.id,
            kind=level,
            cert_no=f"{3100000000 + n}",
            registration_no=registration_no or f"CF3120{n:07d}",
            registered_org_credit_code=org.credit_code,
            issued_on=date(2019, 6, 1),
            expires_on=today() + timedelta(days=700),
            status="valid",
            checked_at=utcnow(),
        )
    )
    if employed:
        db.session.add(
            Employment(
                org_id=org.id,
                practitioner_id=practitioner.id,
                invited_phone_hash=phone_hash(phone),
                invited_user_id=login.user_id,
                position=position,
                status="active",
                started_at=utcnow() - timedelta(days=400),
            )
        )
    db.session.commit()
    return Person(practitioner, login, name)


# --- project --------------------------------------------------------------------------------------------


def make_project(
    org: Any,
    lead: Person | None,
    *,
    wikidata_item: str = XUHUI_SITE,
    service_type: str = "maintenance",
    status: str = "published",
    contact_phone: str | None = "13916668888",
    systems: list[str] | None = None,
) -> Any:
    from backend.core.crypto import phone_hash
    from backend.core.db import db
    from backend.modules.projects.models import Project, ProjectMember

    place = site(wikidata_item)
    n = serial()
    lng, lat = place.lng, place.lat
    year = today().year
    project = Project(
        project_no=f"XM{place.adcode}{year}{n:05d}",
        org_id=org.id,
        service_type=service_type,
        name=f"{place.label}建筑消防设施维护保养（{year}年度）",
        status=status,
        client_name=f"{place.label}管理处",
        client_contact_name="周晓梅",
        client_contact_phone=contact_phone,
        client_contact_phone_hash=phone_hash(contact_phone) if contact_phone else None,
        building_name=place.label,
        building_address=f"上海市{place.district}（{place.label}）",
        building_use="公共展览建筑",
        floor_area_m2=12850.5,
        floors_above=5,
        floors_below=1,
        facility_systems=systems if systems is not None else list(BUILDING_SYSTEMS),
        lng=lng,
        lat=lat,
        coord_source_crs="WGS84",
        geofence={
            "type": "Polygon",
            "coordinates": [
                [
                    [lng - 0.002, lat - 0.002],
                    [lng + 0.002, lat - 0.002],
                    [lng + 0.002, lat + 0.002],
                    [lng - 0.002, lat + 0.002],
                    [lng - 0.002, lat - 0.002],
                ]
            ],
        },
        district_code=place.adcode,
        contract_start=date(year - 1, 1, 1),
        contract_end=date(year + 1, 12, 31),
        lead_practitioner_id=lead.practitioner.id if lead else None,
        published_at=utcnow() - timedelta(days=200) if status != "registered" else None,
    )
    if lead is not None:
        project.members.append(ProjectMember(practitioner_id=lead.practitioner.id, role="lead"))
    db.session.add(project)
    db.session.commit()
    return project


def make_plan(project: Any, year: int, month: int) -> list[Any]:
    """Plan items from the projects catalogue for the building's systems, due in the given month."""
    from backend.core.db import db
    from backend.modules.projects import catalogue
    from backend.modules.projects.models import MaintenancePlan, PlanItem

    key = f"{year:04d}-{month:02d}"
    cat = catalogue.current()
    plan = MaintenancePlan(
        project_id=project.id,
        catalogue_version=cat.version,
        start_month=date(year, 1, 1),
        end_month=date(year, 12, 1),
    )
    for code in project.facility_systems:
        system = cat.system(code)
        assert system is not None, code
        for item in system.items:
            plan.items.append(
                PlanItem(
                    system_code=code,
                    item_code=item.code,
                    name=item.name,
                    frequency=item.frequency,
                    clause=item.clause,
                    months=[key],
                )
            )
    db.session.add(plan)
    db.session.commit()
    return list(plan.items)


def make_visit(
    project: Any,
    person: Person,
    checked_in: datetime,
    minutes: int = 150,
    *,
    checked_out: bool = True,
    face_passed: bool = True,
    status: str | None = None,
) -> Any:
    from backend.core.db import db
    from backend.modules.projects.models import SiteVisit

    visit = SiteVisit(
        project_id=project.id,
        practitioner_id=person.practitioner.id,
        org_id=project.org_id,
        status=status or ("checked_out" if checked_out else "checked_in"),
        idempotency_key=f"visit-{serial()}",
        checked_in_at=checked_in,
        device_time=checked_in,
        lng=project.lng + 0.0003,
        lat=project.lat - 0.0002,
        accuracy_m=15.0,
        submitted_crs="GCJ02",
        distance_to_fence_m=0.0,
        face_distance=0.31 if face_passed else 0.78,
        face_passed=face_passed,
        identity_method="face",
        device_id=f"device-{person.practitioner.id}",
        flags=[],
        reasons=[] if face_passed else [{"code": "face_mismatch"}],
        checked_out_at=checked_in + timedelta(minutes=minutes) if checked_out else None,
        checkout_lng=project.lng if checked_out else None,
        checkout_lat=project.lat if checked_out else None,
        duration_s=minutes * 60 if checked_out else None,
        district_code=project.district_code,
    )
    db.session.add(visit)
    db.session.commit()
    return visit


def make_records(visit: Any, plan_items: list[Any], month_key: str) -> list[Any]:
    """A record per plan item: all normal except the fire pump (defect, repaired and verified later) and
    one item fixed on the spot."""
    from backend.core.db import db
    from backend.modules.projects.models import WorkRecord

    records = []
    for index, item in enumerate(plan_items):
        result = "defect" if "水泵" in item.name and not records_with_defect(records) else "normal"
        if result == "normal" and index == 1:
            result = "fixed"
        record = WorkRecord(
            visit_id=visit.id,
            project_id=visit.project_id,
            practitioner_id=visit.practitioner_id,
            plan_item_id=item.id,
            system_code=item.system_code,
            plan_month=month_key,
            result=result,
            note="1号消防泵出水压力不足0.6MPa"
            if result == "defect"
            else ("更换损坏的指示灯" if result == "fixed" else ""),
            photo_file_ids=[],
            idempotency_key=f"record-{serial()}",
            created_at=visit.checked_in_at + timedelta(minutes=5 + index),
        )
        db.session.add(record)
        records.append(record)
    db.session.commit()
    return records


def records_with_defect(records: list[Any]) -> bool:
    return any(r.result == "defect" for r in records)


def make_defect(record: Any, *, severity: str = "serious", repaired: bool = True, verifier: Login | None = None) -> Any:
    from backend.core.db import db
    from backend.modules.projects.models import Defect, RepairRecord

    defect = Defect(
        project_id=record.project_id,
        work_record_id=record.id,
        plan_item_id=record.plan_item_id,
        system_code=record.system_code,
        severity=severity,
        description="1号消防水泵手动启动后出水压力不足0.6MPa，叶轮磨损",
        status="closed" if repaired else "open",
        found_by=record.practitioner_id,
        created_at=record.created_at,
        closed_at=record.created_at + timedelta(days=3) if repaired else None,
    )
    db.session.add(defect)
    db.session.flush()
    if repaired:
        db.session.add(
            RepairRecord(
                defect_id=defect.id,
                practitioner_id=record.practitioner_id,
                description="更换水泵叶轮，复测出水压力0.72MPa",
                photo_file_ids=[],
                created_at=record.created_at + timedelta(days=2),
                verified_by=verifier.user_id if verifier else None,
                verified_at=record.created_at + timedelta(days=3),
                verdict="approved",
            )
        )
    db.session.commit()
    return defect


# --- the whole scene ------------------------------------------------------------------------------------


@dataclass
class World:
    org: Any
    admin: Login
    lead: Person
    tech: Person
    project: Any
    year: int
    month: int
    plan_items: list[Any] = field(default_factory=list)
    visits: list[Any] = field(default_factory=list)
    records: list[Any] = field(default_factory=list)
    defect: Any = None

    @property
    def month_key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def make_world(
    *,
    wikidata_item: str = XUHUI_SITE,
    tech_on_site: bool = True,
    lead_on_site: bool = True,
    org_name: str = "上海申安消防技术服务有限公司",
) -> World:
    """Last month's maintenance of a published project, done on site by both engineers."""
    place = site(wikidata_item)
    org = make_org(org_name, place.adcode)
    admin = make_user(roles=("org_admin",), org_id=org.id, name="机构管理员")
    lead = make_practitioner(org, "张伟明", position="project_lead", face="obama.jpg")
    tech = make_practitioner(org, "欧阳丽华", position="technical_lead", face="biden.jpg")
    project = make_project(org, lead, wikidata_item=wikidata_item)
    year, month = previous_month()
    world = World(org, admin, lead, tech, project, year, month)
    world.plan_items = make_plan(project, year, month)
    if lead_on_site:
        world.visits.append(make_visit(project, lead, local(year, month, 10, 9, 0)))
    if tech_on_site:
        world.visits.append(make_visit(project, tech, local(year, month, 10, 9, 20), minutes=90))
    if world.visits:
        world.records = make_records(world.visits[0], world.plan_items, world.month_key)
        defective = next((r for r in world.records if r.result == "defect"), None)
        if defective is not None:
            world.defect = make_defect(defective, verifier=admin)
    return world


CONTACT_OPENID = "oContactZhouXiaomei0000000000"


def confirm_month_feedback(world: World, rating: int = 5, openid: str = CONTACT_OPENID) -> Any:
    """The month's feedback, opened through its signed link and confirmed by the contact (the services the H5
    page calls; the page itself is tested in tests/wechat_official)."""
    from backend.modules.feedback import contact, services
    from backend.modules.feedback.links import link_token

    feedback = services.create_monthly_feedback(world.project.id, world.year, world.month)
    contact.open_feedback(feedback.id, link_token(feedback.id, feedback.link_nonce), openid)
    return contact.confirm(feedback.id, openid, rating, "维保人员认真负责")


def sign_both(document_id: int, world: World) -> Any:
    """Both engineers sign after a face check on a new capture of their enrolled face."""
    from backend.modules.documents.services import signing

    signing.sign(actor_of(world.lead.login), document_id, "face", face_photo("obama2.jpg"))
    return signing.sign(actor_of(world.tech.login), document_id, "face", recaptured("biden.jpg"))

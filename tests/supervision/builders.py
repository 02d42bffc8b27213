"""Rows for supervision and timeline tests, built directly (the realname and projects services are other
engineers' work): real Shanghai places from shared/data/sites, valid credit codes and ID numbers, faces
enrolled from shared/data/faces with the real face engine. Call inside an app context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from backend.core.crypto import id_number_hash
from backend.core.db import db
from backend.core.geo import circle_geofence, from_wgs84
from backend.core.timeutil import utcnow
from backend.core.validators import credit_code_check_char, id_check_digit, mask_name
from backend.modules.projects.models import MaintenancePlan, PlanItem, Project, SiteVisit, WorkRecord
from backend.modules.realname.models import Employment, Organization, Practitioner
from tests.builders.accounts import Login, make_user
from tests.builders.media import face_encoding
from tests.builders.places import XUHUI, place_in, serial


def credit_code(serial: int) -> str:
    first17 = f"91310000{serial:09d}"
    return first17 + credit_code_check_char(first17)


def id_number(serial: int) -> str:
    first17 = f"310104198{serial % 10}0101{serial % 1000:03d}"
    return first17 + id_check_digit(first17)


def make_org(district: str = XUHUI, *, status: str = "verified", name: str | None = None) -> Organization:
    n = serial()
    place = place_in(district)
    org = Organization(
        credit_code=credit_code(n),
        name=name or f"上海{place.label[:6]}消防技术服务有限公司{n}",
        types=["maintenance_testing"],
        legal_rep_name="王建国",
        legal_rep_id_number=id_number(n),
        legal_rep_id_hash=id_number_hash(id_number(n)),
        address=f"上海市{place.label}附近",
        lng=place.lng,
        lat=place.lat,
        district_code=district,
        workplace_area_m2=260,
        status=status,
        conditions_met=True,
    )
    db.session.add(org)
    db.session.commit()
    return org


@dataclass
class Person:
    login: Login
    practitioner: Practitioner


def make_practitioner(
    name: str = "张伟", *, face: str | None = "obama.jpg", openid: str | None = None, org: Organization | None = None
) -> Person:
    from backend.modules.accounts.models import User

    login = make_user(roles=("practitioner",), name=name)
    n = serial()
    practitioner = Practitioner(
        user_id=login.user_id,
        name=name,
        name_masked=mask_name(name),
        id_number=id_number(n + 500),
        id_number_hash=id_number_hash(id_number(n + 500)),
        identity_status="verified",
        biometric_consent_version="2025-1" if face else None,
        biometric_consent_at=utcnow() if face else None,
        face_status="enrolled" if face else "none",
        face_encoding=face_encoding(face) if face else None,
        face_enrolled_at=utcnow() if face else None,
    )
    db.session.add(practitioner)
    if openid:
        db.session.get(User, login.user_id).wechat_openid = openid
    db.session.flush()
    if org is not None:
        db.session.add(
            Employment(
                org_id=org.id,
                practitioner_id=practitioner.id,
                invited_phone_hash="x" * 64,
                position="project_lead",
                status="active",
                started_at=utcnow() - timedelta(days=200),
            )
        )
    db.session.commit()
    return Person(login, practitioner)


def make_project(
    org: Organization, *, district: str | None = None, index: int = 0, status: str = "in_service"
) -> Project:
    place = place_in(district or org.district_code or XUHUI, index)
    n = serial()
    project = Project(
        project_no=f"WB2026{n:06d}",
        org_id=org.id,
        service_type="maintenance",
        name=f"{place.label}消防设施维护保养",
        status=status,
        client_name=f"{place.label}物业管理有限公司",
        building_name=place.label,
        building_address=f"上海市{place.label}",
        facility_systems=["fire_alarm", "sprinkler", "hydrant"],
        lng=place.lng,
        lat=place.lat,
        coord_source_crs="wgs84",
        geofence=circle_geofence(place.lng, place.lat, 300),
        district_code=place.adcode,
        published_at=utcnow() - timedelta(days=30),
    )
    db.session.add(project)
    db.session.commit()
    return project


def gcj02_at(project: Project, north_m: float = 0.0) -> tuple[float, float]:
    """Where the phone of someone standing `north_m` north of the project centre reports (GCJ-02)."""
    from backend.core.geo import geodesic_destination

    lng, lat = geodesic_destination(project.lng, project.lat, 0.0, north_m) if north_m else (project.lng, project.lat)
    return from_wgs84(lng, lat, "gcj02")


def make_visit(
    project: Project, person: Person, *, checked_in_at: datetime | None = None, status: str = "checked_in"
) -> SiteVisit:
    visit = SiteVisit(
        project_id=project.id,
        practitioner_id=person.practitioner.id,
        org_id=project.org_id,
        status=status,
        idempotency_key=f"visit-{serial()}",
        checked_in_at=checked_in_at or utcnow() - timedelta(minutes=40),
        lng=project.lng,
        lat=project.lat,
        accuracy_m=12.0,
        submitted_crs="gcj02",
        distance_to_fence_m=0.0,
        face_distance=0.31,
        face_passed=True,
        district_code=project.district_code,
        special_zone=project.special_zone,
    )
    if status == "checked_out":
        visit.checked_out_at = visit.checked_in_at + timedelta(hours=2)
        visit.duration_s = 7200
    db.session.add(visit)
    db.session.commit()
    return visit


def _plan_of(project_id: int) -> MaintenancePlan:
    plan = db.session.scalar(sa.select(MaintenancePlan).where(MaintenancePlan.project_id == project_id))
    if plan is None:
        month = utcnow().date().replace(day=1)
        plan = MaintenancePlan(project_id=project_id, catalogue_version="2026.1", start_month=month, end_month=month)
        db.session.add(plan)
        db.session.flush()
    return plan


def make_work_record(visit: SiteVisit, *, result: str = "normal", note: str | None = None) -> WorkRecord:
    plan = _plan_of(visit.project_id)
    item = PlanItem(
        plan_id=plan.id,
        system_code="fire_alarm",
        item_code=f"FA-{serial()}",
        name="火灾报警控制器功能检查",
        frequency="monthly",
        clause="GB 25201-2010 附录C",
        months=[utcnow().strftime("%Y-%m")],
    )
    db.session.add(item)
    db.session.flush()
    record = WorkRecord(
        visit_id=visit.id,
        project_id=visit.project_id,
        practitioner_id=visit.practitioner_id,
        plan_item_id=item.id,
        system_code="fire_alarm",
        result=result,
        note=note,
        photo_file_ids=[],
        idempotency_key=f"rec-{serial()}",
        created_at=utcnow(),
    )
    db.session.add(record)
    db.session.commit()
    return record


def full_checklist(check_type: str = "unit", failing: dict[str, str] | None = None) -> list[dict[str, Any]]:
    from backend.modules.supervision.rules import checklist_for

    failing = failing or {}
    return [
        {"code": item.code, "result": "fail", "note": failing[item.code]}
        if item.code in failing
        else {"code": item.code, "result": "pass"}
        for item in checklist_for(check_type)
    ]

"""Rows the projects tests need, built directly (not through the realname API, which another module owns):
a verified organisation meeting its conditions, practitioners with a face enrolled from a real photo and an
active employment, and projects at real Shanghai places registered through the projects services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from backend.core.access import Actor, Role
from backend.core.crypto import id_number_hash, phone_hash
from backend.core.db import db
from backend.core.geo import wgs84_to_gcj02
from backend.core.timeutil import today, utcnow
from backend.core.validators import credit_code_check_char, id_check_digit, mask_name
from tests.builders.accounts import Login, make_user
from tests.builders.accounts import actor_of as actor_of  # re-exported for tests/golive (pb.actor_of)
from tests.builders.media import face_encoding, face_photo
from tests.builders.places import Place, serial
from tests.builders.places import place as place  # re-exported for tests/golive (pb.place)

# tests/golive (being rewritten elsewhere) calls the face photo pb.face_bytes.
face_bytes = face_photo


# ----------------------------------------------------------------------------------------------------
# Realname rows


def credit_code(serial: int) -> str:
    first17 = f"91310101{serial:09d}"
    return first17 + credit_code_check_char(first17)


def id_number(serial: int) -> str:
    first17 = f"31010119850101{serial % 1000:03d}"
    return first17 + id_check_digit(first17)


@dataclass
class Org:
    id: int
    admin: Login


def make_org(
    *, types: tuple[str, ...] = ("maintenance_testing",), status: str = "verified", conditions_met: bool = True
) -> Org:
    from backend.modules.realname.models import Organization

    n = serial()
    admin = make_user(roles=(), name=f"法定代表人{n}")
    org = Organization(
        credit_code=credit_code(n),
        name=f"上海安消{n}消防技术服务有限公司",
        types=list(types),
        legal_rep_name=f"赵{n}",
        legal_rep_id_number=id_number(n),
        legal_rep_id_hash=id_number_hash(id_number(n)),
        legal_rep_user_id=admin.user_id,
        address="上海市黄浦区南京东路100号",
        district_code="310101",
        workplace_area_m2=260.0,
        status=status,
        verified_at=utcnow() if status == "verified" else None,
        conditions_met=conditions_met,
        conditions_checked_at=utcnow(),
    )
    db.session.add(org)
    db.session.commit()
    login = make_user(phone=admin.phone, roles=("legal_rep",), org_id=org.id)
    return Org(org.id, login)


@dataclass
class Person:
    id: int  # practitioner id
    login: Login
    name: str


def make_practitioner(
    org_id: int | None,
    *,
    name: str = "陈志强",
    face: str | None = "obama.jpg",
    engineer: bool = True,
    alternative_identity: bool = False,
) -> Person:
    """A practitioner with (by default) a face enrolled from `face`, a valid 一级 certificate and an active
    employment at `org_id`."""
    from backend.modules.realname.models import Certificate, Employment, Practitioner

    n = serial()
    login = make_user(roles=("practitioner",), name=name)
    person = Practitioner(
        user_id=login.user_id,
        name=name,
        name_masked=mask_name(name),
        id_number=id_number(1000 + n),
        id_number_hash=id_number_hash(id_number(1000 + n)),
        identity_status="verified",
        biometric_consent_version="2025.1",
        biometric_consent_at=utcnow(),
        face_status="enrolled" if face else "none",
        face_encoding=face_encoding(face) if face else None,
        face_enrolled_at=utcnow() if face else None,
        alt_identity_approved_at=utcnow() if alternative_identity else None,
    )
    if engineer:
        person.certificates.append(
            Certificate(
                kind="engineer_1",
                cert_no=f"ZC{n:08d}",
                registration_no=f"3100{n:06d}",
                issued_on=date(2020, 1, 1),
                expires_on=today() + timedelta(days=900),
                status="valid",
            )
        )
    db.session.add(person)
    db.session.flush()
    if org_id is not None:
        db.session.add(
            Employment(
                org_id=org_id,
                practitioner_id=person.id,
                invited_phone_hash=phone_hash(login.phone),
                invited_user_id=login.user_id,
                position="project_lead" if engineer else "operator",
                status="active",
                started_at=utcnow(),
            )
        )
    db.session.commit()
    return Person(person.id, login, name)


def org_actor(org: Org) -> Actor:
    return Actor(user_id=org.admin.user_id, roles=frozenset({Role.LEGAL_REP}), org_ids=frozenset({org.id}))


# ----------------------------------------------------------------------------------------------------
# Projects


SYSTEMS = [
    "power",
    "fire_alarm",
    "water_supply",
    "hydrant",
    "sprinkler",
    "smoke_control",
    "emergency_lighting",
    "extinguisher",
]


def registration_data(
    site: Place,
    lead_id: int,
    member_ids: list[int] | None = None,
    *,
    service_type: str = "maintenance",
    crs: str = "gcj02",
    contract_start: date | None = None,
    months: int = 12,
    **overrides: Any,
) -> dict[str, Any]:
    start = contract_start or today().replace(day=1)
    end_year, end_month = divmod(start.month - 1 + months, 12)
    end = date(start.year + end_year, end_month + 1, 1) - timedelta(days=1)
    lng, lat = site.gcj02() if crs == "gcj02" else (site.lng, site.lat)
    data: dict[str, Any] = {
        "service_type": service_type,
        "name": f"{site.label}消防设施维护保养",
        "client": {
            "name": "上海申城物业管理有限公司",
            "credit_code": credit_code(900 + serial()),
            "contact_name": "王建国",
            "contact_phone": "13916000001",
        },
        "building": {
            "name": site.label,
            "address": f"上海市{site.district}{site.label}",
            "use": "商业",
            "floor_area_m2": 32000.0,
            "height_m": 48.0,
            "floors_above": 12,
            "floors_below": 2,
            "facility_systems": list(SYSTEMS),
            "facilities_in_service_on": date(2016, 6, 1),
        },
        "location": {"lng": lng, "lat": lat, "crs": crs},
        "contract_start": start,
        "contract_end": end,
        "lead_practitioner_id": lead_id,
        "member_ids": member_ids or [],
    }
    data.update(overrides)
    return data


def make_project(
    org: Org,
    lead: Person,
    members: list[Person] | None = None,
    *,
    site: str = "人民广场",
    publish: bool = True,
    plan: bool = True,
    **overrides: Any,
) -> int:
    """Register (and by default plan and publish) a project through the services; returns its id."""
    from backend.modules.projects.services import plans, registration, status

    actor = org_actor(org)
    data = registration_data(place(site), lead.id, [m.id for m in members or []], **overrides)
    project = registration.register_project(actor, data)
    project_id = project.id
    if plan and data["service_type"] == "maintenance":
        plans.generate_plan(actor, project_id)
    if publish:
        status.publish(actor, project_id)
    return project_id


def check_in_form(site: Place, *, offset_m: float = 0.0, key: str | None = None, **overrides: Any) -> dict[str, Any]:
    """Form fields of a check-in from the site (GCJ-02, as wx.getLocation answers), moved offset_m north."""
    from backend.core.geo import geodesic_destination

    lng, lat = geodesic_destination(site.lng, site.lat, 0.0, offset_m) if offset_m else (site.lng, site.lat)
    g_lng, g_lat = wgs84_to_gcj02(lng, lat)
    form: dict[str, Any] = {
        "lng": g_lng,
        "lat": g_lat,
        "crs": "gcj02",
        "accuracy_m": 15.0,
        "device_id": "wx-device-0001",
        "idempotency_key": key or uuid.uuid4().hex,
    }
    form.update(overrides)
    return form

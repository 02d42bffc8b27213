"""Demo projects at real Shanghai places (Wikidata), one or two per district, for the demo organisations.

Runs after the realname demo (module order). Projects are registered through the services, as an
organisation's legal representative would, so numbers, fences, districts, plans and timeline events are the
real ones. Idempotent: nothing happens once demo projects exist, or while no organisation may practise.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from backend.core.access import Actor, Role
from backend.core.db import db
from backend.core.geo import PLACES_CSV
from backend.core.timeutil import today
from backend.modules.realname import queries
from backend.modules.realname.queries import Employment, Organization, Practitioner

from .models import Project
from .services import plans, registration, status
from .services.common import SERVICE_ORG_TYPES

WANTED = 15
FIRST_DISTRICTS = ("黄浦区", "徐汇区", "浦东新区")
# 上海化学工业区 (Wikidata Q17370522): supervised by the chemical-park detachment, so the demo marks it.
CHEM_PARK = "上海化学工业区"
# Words in Wikidata descriptions of places that are buildings someone maintains (not streets, parks, rivers).
BUILDING_WORDS = (
    "building",
    "hotel",
    "museum",
    "school",
    "library",
    "hospital",
    "theatre",
    "theater",
    "shopping",
    "tower",
    "office",
    "大楼",
    "大厦",
    "酒店",
    "饭店",
    "博物馆",
    "图书馆",
    "医院",
    "中学",
    "剧院",
    "中心",
    "商厦",
    "建筑",
)
SKIP_WORDS = ("街道", "镇", "隧道", "公园", "站", "路", "桥", "河", "岛")
SYSTEMS_BASE = [
    "power",
    "fire_alarm",
    "water_supply",
    "hydrant",
    "sprinkler",
    "smoke_control",
    "emergency_lighting",
    "emergency_broadcast",
    "fire_telephone",
    "fire_separation",
    "extinguisher",
]
CLIENT_SUFFIX = "物业管理有限公司"
SERVICE_WORDS = {"maintenance": "消防设施维护保养", "testing": "消防设施检测", "assessment": "消防安全评估"}
CONTACTS = [("王建国", "13916000001"), ("李秀英", "13916000002"), ("张伟", "13916000003"), ("刘芳", "13916000004")]


@dataclass(frozen=True)
class Place:
    label: str
    lng: float
    lat: float
    district: str


def demo_places(limit: int = WANTED) -> list[Place]:
    """Building-like places, spread over the districts: the first of each district in turn."""
    by_district: dict[str, list[Place]] = {}
    with PLACES_CSV.open(encoding="utf-8", newline="") as handle:
        for row in sorted(csv.DictReader(handle), key=lambda r: r["wikidata_item"]):
            label, text = row["label"], (row["description"] or "").lower()
            if not row["district_by_polygon_derived"] or not any(w in text or w in label for w in BUILDING_WORDS):
                continue
            if any(w in label for w in SKIP_WORDS) or label.startswith("Q"):
                continue
            place = Place(label, float(row["lng_wgs84"]), float(row["lat_wgs84"]), row["district_by_polygon_derived"])
            by_district.setdefault(place.district, []).append(place)
    chosen: list[Place] = []
    # The demo supervisors' districts first, so each of them has projects to supervise.
    order = sorted(
        by_district,
        key=lambda d: (d not in FIRST_DISTRICTS, FIRST_DISTRICTS.index(d) if d in FIRST_DISTRICTS else 0, d),
    )
    while len(chosen) < limit and any(by_district.values()):
        for district in order:
            if by_district[district] and len(chosen) < limit:
                chosen.append(by_district[district].pop(0))
    return chosen


def _ready_orgs() -> list[Organization]:
    orgs = db.session.scalars(
        sa.select(Organization)
        .where(Organization.status == "verified", Organization.is_trial.is_(False))
        .order_by(Organization.id)
    ).all()
    return [o for o in orgs if not queries.org_can_practise(o)]


def _staff(org: Organization) -> tuple[Practitioner | None, list[int]]:
    people = db.session.scalars(
        sa.select(Practitioner)
        .join(Employment, Employment.practitioner_id == Practitioner.id)
        .where(Employment.org_id == org.id, Employment.status == "active")
        .order_by(Practitioner.id)
    ).all()
    leads = [p for p in people if queries.is_registered_engineer(p)]
    if not leads:
        return None, []
    return leads[0], [p.id for p in people if p.id != leads[0].id][:3]


def _service_for(org: Organization, index: int) -> str | None:
    offered = [s for s in ("maintenance", "testing", "assessment") if SERVICE_ORG_TYPES[s] in (org.types or [])]
    return offered[index % len(offered)] if offered else None


def _registration(place: Place, service: str, lead_id: int, members: list[int], index: int) -> dict[str, Any]:
    start = (today().replace(day=1) - timedelta(days=60)).replace(day=1)
    contact_name, contact_phone = CONTACTS[index % len(CONTACTS)]
    systems = SYSTEMS_BASE + (["fire_elevator"] if index % 3 == 0 else [])
    return {
        "service_type": service,
        "name": f"{place.label}{SERVICE_WORDS[service]}",
        "client": {
            "name": f"上海{place.label[:4]}{CLIENT_SUFFIX}",
            "contact_name": contact_name,
            "contact_phone": contact_phone,
        },
        "building": {
            "name": place.label,
            "address": f"上海市{place.district}{place.label}",
            "use": "公共建筑",
            "floor_area_m2": 8_000.0 + 1_500.0 * index,
            "height_m": 24.0 + 6.0 * (index % 5),
            "floors_above": 6 + index % 10,
            "floors_below": 1 + index % 3,
            "facility_systems": systems,
            "facilities_in_service_on": date(2015 + index % 8, 1 + index % 12, 1),
        },
        "location": {"lng": place.lng, "lat": place.lat, "crs": "wgs84"},
        "contract_start": start,
        "contract_end": date(start.year + 1, start.month, 1) - timedelta(days=1),
        "lead_practitioner_id": lead_id,
        "member_ids": members,
    }


def _chem_park() -> Place | None:
    with PLACES_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["label"] == CHEM_PARK:
                return Place(
                    CHEM_PARK, float(row["lng_wgs84"]), float(row["lat_wgs84"]), row["district_by_polygon_derived"]
                )
    return None


def _corps() -> Actor:
    from backend.core.crypto import phone_hash
    from backend.demo import CORPS_ADMIN_PHONE
    from backend.modules.accounts.queries import User

    user_id = db.session.scalar(sa.select(User.id).where(User.phone_hash == phone_hash(CORPS_ADMIN_PHONE)))
    return Actor(user_id=user_id, roles=frozenset({Role.CORPS_ADMIN}), jurisdiction="corps")


def _mark_chem_park(project_id: int) -> None:
    correction = {"district_code": None, "special_zone": "chem", "reason": "位于上海化学工业区，由化工区支队监管"}
    project = db.session.get(Project, project_id)
    assert project is not None
    correction["district_code"] = project.district_code
    registration.correct_jurisdiction(_corps(), project_id, correction)


def load() -> list[str]:
    if db.session.scalar(sa.select(sa.func.count()).select_from(Project).where(Project.is_trial.is_(False))):
        return ["项目演示数据：已存在，跳过"]
    orgs = _ready_orgs()
    staffed = [(org, *_staff(org)) for org in orgs]
    staffed = [(org, lead, members) for org, lead, members in staffed if lead is not None]
    if not staffed:
        return ["项目演示数据：尚无通过审核、符合从业条件且有注册消防工程师的机构，跳过"]
    created: list[Project] = []
    published = 0
    chem = _chem_park()
    sites = demo_places() + ([chem] if chem else [])
    for index, place in enumerate(sites):
        org, lead, members = staffed[index % len(staffed)]
        service = "maintenance" if place is chem and "maintenance_testing" in org.types else _service_for(org, index)
        if service is None or lead is None:
            continue
        actor = Actor(user_id=org.legal_rep_user_id, roles=frozenset({Role.LEGAL_REP}), org_ids=frozenset({org.id}))
        project = registration.register_project(actor, _registration(place, service, lead.id, members, index))
        created.append(project)
        if service == "maintenance":
            plans.generate_plan(actor, project.id)
        if index % 3 != 2 or place is chem:
            status.publish(actor, project.id)
            published += 1
        if place is chem:
            _mark_chem_park(project.id)
    districts = {p.district_code for p in created}
    return [f"演示项目 {len(created)} 个（其中公示 {published} 个），分布于 {len(districts)} 个区，含化工区项目"]

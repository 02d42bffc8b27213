"""Project registration (项目登记) by an organisation, later edits, the supplement of imported projects, and the
supervisors' correction of the district."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry

from backend.bootstrap import adapters
from backend.core import geo, jurisdictions
from backend.core.access import Actor, require_org_manager
from backend.core.crypto import phone_hash
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.core.messages import message_for
from backend.core.timeutil import now as local_now
from backend.core.validators import credit_code_error, is_valid_cn_mobile, normalize_cn_mobile, normalize_credit_code
from backend.modules.realname import queries
from backend.modules.realname.queries import Organization, Practitioner, organization_by_id, practitioner_by_id

from .. import catalogue
from ..models import SERVICE_TYPES, Project, ProjectMember, SiteVisit
from .common import (
    CLOSED_STATUSES,
    SERVICE_ORG_TYPES,
    SERVICE_PREFIXES,
    complete_supplement_if_ready,
    has_plan,
    load_project,
    project_event,
    require_manage,
)

MAX_CONTRACT_YEARS = 5
GEOCODED = "gis"  # coord_source_crs of a point found by the GIS platform from the address


def _field_error(code: str, field: str, text: str | None = None, **details: Any) -> ValidationFailed:
    return ValidationFailed(code, details={"fields": {field: [text or message_for(code)]}, **details})


# ----------------------------------------------------------------------------------------------------
# Organisation, team, client, building


def _organisation(actor: Actor, org_id: int | None) -> Organization:
    if org_id is None:
        if len(actor.org_ids) != 1:
            raise _field_error("org_required", "org_id")
        org_id = next(iter(actor.org_ids))
    require_org_manager(actor, org_id)
    org = organization_by_id(org_id)
    if org is None:
        raise NotFound("org_not_found")
    return org


def _require_can_practise(org: Organization) -> None:
    reasons = queries.org_can_practise(org)
    if reasons:
        raise Conflict("org_cannot_practise", details={"reasons": reasons})


def _require_service_allowed(org: Organization, service_type: str) -> None:
    if SERVICE_ORG_TYPES[service_type] not in (org.types or []):
        raise _field_error("service_type_not_allowed", "service_type")


def _lead(org_id: int, practitioner_id: int | None) -> Practitioner:
    # None: a project without a lead (imported) whose team is changed without naming one.
    lead = practitioner_by_id(practitioner_id) if practitioner_id is not None else None
    if lead is None or not queries.employed_by(lead.id, org_id):
        raise _field_error("lead_not_employed", "lead_practitioner_id")
    if not queries.is_registered_engineer(lead):
        raise _field_error("lead_not_engineer", "lead_practitioner_id")
    return lead


def _team(org_id: int, lead_id: int | None, member_ids: list[int]) -> list[ProjectMember]:
    lead = _lead(org_id, lead_id)
    others = sorted(set(member_ids) - {lead.id})
    strangers = [pid for pid in others if not queries.employed_by(pid, org_id)]
    if strangers:
        raise _field_error("member_not_employed", "member_ids", ids=strangers)
    return [ProjectMember(practitioner_id=lead.id, role="lead")] + [
        ProjectMember(practitioner_id=pid, role="member") for pid in others
    ]


def _apply_client(project: Project, client: dict[str, Any]) -> None:
    if "name" in client:
        project.client_name = client["name"].strip()
    if client.get("credit_code"):
        code = normalize_credit_code(client["credit_code"])
        error = credit_code_error(code)
        if error:
            raise _field_error("client_credit_code_invalid", "client.credit_code", error)
        project.client_credit_code = code
    if "contact_name" in client:
        project.client_contact_name = client["contact_name"].strip()
    if "contact_phone" in client:
        _apply_contact_phone(project, client["contact_phone"])


def _apply_contact_phone(project: Project, phone: str) -> None:
    phone = normalize_cn_mobile(phone)
    if not is_valid_cn_mobile(phone):
        raise _field_error("invalid_phone", "client.contact_phone")
    project.client_contact_phone = phone
    project.client_contact_phone_hash = phone_hash(phone)


BUILDING_FIELDS = ("use", "floor_area_m2", "height_m", "floors_above", "floors_below", "facilities_in_service_on")


def _apply_building(project: Project, building: dict[str, Any]) -> None:
    if "name" in building:
        project.building_name = building["name"].strip()
    if "address" in building:
        project.building_address = building["address"].strip()
    for key in BUILDING_FIELDS:
        if key in building:
            setattr(project, "building_use" if key == "use" else key, building[key])
    if "facility_systems" in building:
        codes = list(dict.fromkeys(building["facility_systems"]))
        unknown = catalogue.unknown_systems(codes)
        if unknown:
            raise _field_error("facility_system_unknown", "building.facility_systems", systems=unknown)
        project.facility_systems = codes


def _apply_contract(project: Project, start: date | None, end: date | None) -> None:
    start = start or project.contract_start
    end = end or project.contract_end
    if start is None or end is None:
        raise _field_error("contract_period_required", "contract_end")
    if end < start:
        raise _field_error("contract_end_before_start", "contract_end")
    if end > catalogue.add_years(start, MAX_CONTRACT_YEARS):
        raise _field_error("contract_too_long", "contract_end")
    project.contract_start, project.contract_end = start, end


# ----------------------------------------------------------------------------------------------------
# Location, district and geofence


@dataclass(frozen=True)
class Site:
    lng: float  # WGS-84
    lat: float
    source_crs: str  # wgs84 | gcj02 | bd09 | gis


def _locate(address: str, location: dict[str, Any] | None) -> Site:
    """Coordinates as given (converted from their datum), else the GIS platform's answer for the address."""
    if location:
        crs = location.get("crs", geo.CRS.WGS84)
        lng, lat = geo.to_wgs84(location["lng"], location["lat"], crs)
        geo.require_in_shanghai(lng, lat)
        return Site(lng, lat, str(geo.CRS(str(crs).lower())))
    found = adapters().gis.geocode(address)
    if found is None:
        raise _field_error("address_not_located", "building.address")
    if found.level != "poi":  # a street or district centre is no site: a 300 m fence there proves nothing
        raise _field_error("address_too_vague", "building.address", matched=found.formatted_address)
    geo.require_in_shanghai(found.lng, found.lat)
    return Site(found.lng, found.lat, GEOCODED)


def _geofence(site: Site, data: dict[str, Any]) -> dict[str, Any]:
    fence = data.get("geofence")
    if fence:
        crs = data.get("geofence_crs") or (site.source_crs if site.source_crs != GEOCODED else geo.CRS.WGS84)
        geometry: BaseGeometry = geo.validate_geofence(fence, crs)
    else:
        radius = data.get("geofence_radius_m") or geo.DEFAULT_GEOFENCE_RADIUS_M
        geometry = geo.validate_geofence({"type": "Circle", "center": [site.lng, site.lat], "radius_m": radius})
    if not geo.inside_geofence(geometry, site.lng, site.lat):
        raise _field_error("geofence_excludes_site", "geofence")
    return geo.geofence_to_geojson(geometry)


def _apply_site(project: Project, data: dict[str, Any]) -> None:
    site = _locate(project.building_address, data.get("location"))
    district = geo.district_of(site.lng, site.lat)
    if district is None:
        raise geo.GeoError("geo_outside_shanghai", details={"lng": site.lng, "lat": site.lat})
    project.lng, project.lat, project.coord_source_crs = site.lng, site.lat, site.source_crs
    project.geofence = _geofence(site, data)
    if project.district_corrected_by is None:  # a supervisor's correction outranks the polygons
        project.district_code = district.adcode


def _assign_number(project: Project) -> None:
    """Readable and unique: service, district, year and the row id, e.g. WB-310101-2026-000123."""
    project.project_no = f"pending-{uuid.uuid4().hex[:24]}"
    db.session.flush()
    prefix = SERVICE_PREFIXES[project.service_type]
    project.project_no = f"{prefix}-{project.district_code}-{local_now().year}-{project.id:06d}"


# ----------------------------------------------------------------------------------------------------
# Services


def register_project(actor: Actor, data: dict[str, Any]) -> Project:
    with unit_of_work() as uow:
        org = _organisation(actor, data.get("org_id"))
        _require_can_practise(org)
        _require_service_allowed(org, data["service_type"])
        project = Project(org_id=org.id, service_type=data["service_type"], name=data["name"].strip())
        _apply_client(project, data["client"])
        _apply_building(project, data["building"])
        _apply_site(project, data)
        _apply_contract(project, data["contract_start"], data["contract_end"])
        project.members = _team(org.id, data["lead_practitioner_id"], data.get("member_ids", []))
        project.lead_practitioner_id = data["lead_practitioner_id"]
        db.session.add(project)
        _assign_number(project)
        project_event(
            project,
            "project.registered",
            f"{org.name}登记{SERVICE_TYPES[project.service_type]}项目{project.project_no}（{project.building_name}）",
            visibility="org",
            practitioner_id=project.lead_practitioner_id,
        )
        uow.commit()
        return project


def update_project(actor: Actor, project_id: int, data: dict[str, Any]) -> Project:
    with unit_of_work() as uow:
        project = load_project(project_id, for_update=True)
        require_manage(actor, project)
        if project.status in CLOSED_STATUSES:
            raise Conflict("project_closed")
        if "name" in data:
            project.name = data["name"].strip()
        _apply_client(project, data.get("client", {}))
        building = data.get("building", {})
        systems_change = "facility_systems" in building and list(dict.fromkeys(building["facility_systems"])) != list(
            project.facility_systems
        )
        if systems_change and has_plan(project.id):
            raise Conflict("facility_systems_locked_by_plan")
        _apply_building(project, building)
        if "contract_start" in data or "contract_end" in data:
            _apply_contract(project, data.get("contract_start"), data.get("contract_end"))
        if "lead_practitioner_id" in data or "member_ids" in data:
            lead_id = data.get("lead_practitioner_id", project.lead_practitioner_id)
            current = [m.practitioner_id for m in project.members if m.role == "member"]
            project.members = _replace_team(project, _team(project.org_id, lead_id, data.get("member_ids", current)))
            project.lead_practitioner_id = lead_id
        changed = sorted(k for k in data if k != "org_id")
        project_event(
            project, "project.updated", f"项目{project.project_no}信息变更", visibility="org", data={"fields": changed}
        )
        uow.commit()
        return project


def _replace_team(project: Project, team: list[ProjectMember]) -> list[ProjectMember]:
    """Keep the rows of people who stay (their ids are referenced), add the new, drop the rest."""
    existing = {m.practitioner_id: m for m in project.members}
    result = []
    for wanted in team:
        row = existing.get(wanted.practitioner_id)
        if row is None:
            row = wanted
        row.role = wanted.role
        result.append(row)
    return result


def supplement_project(actor: Actor, project_id: int, data: dict[str, Any]) -> Project:
    """Imported v1 projects: add the coordinates and the client contact the old system did not have."""
    with unit_of_work() as uow:
        project = load_project(project_id, for_update=True)
        require_manage(actor, project)
        if project.status != "needs_supplement":
            raise Conflict("project_not_awaiting_supplement")
        if data.get("location") or data.get("geofence") or project.lng is None:
            _apply_site(project, data)
        if data.get("client_contact_name"):
            project.client_contact_name = data["client_contact_name"].strip()
        if data.get("client_contact_phone"):
            _apply_contact_phone(project, data["client_contact_phone"])
        project_event(project, "project.supplemented", f"项目{project.project_no}补充信息", visibility="org")
        complete_supplement_if_ready(project)
        uow.commit()
        return project


def correct_jurisdiction(actor: Actor, project_id: int, data: dict[str, Any]) -> Project:
    """The district detachment (or the corps) corrects the district and marks the special zones."""
    with unit_of_work() as uow:
        project = load_project(project_id, for_update=True)
        if not (actor.is_citywide or (actor.is_supervisory and actor.jurisdiction == project.district_code)):
            raise Forbidden("out_of_jurisdiction")
        district_code, zone = data["district_code"], data.get("special_zone")
        if district_code not in jurisdictions.DISTRICTS:
            raise _field_error("jurisdiction_unknown", "district_code")
        if zone is not None and zone not in jurisdictions.SPECIAL_ZONES:
            raise _field_error("jurisdiction_unknown", "special_zone")
        before = {"district_code": project.district_code, "special_zone": project.special_zone}
        project.district_code, project.special_zone = district_code, zone
        project.district_corrected_by = actor.user_id
        # Visits are listed by their own district columns: they follow the project.
        db.session.execute(
            sa.update(SiteVisit)
            .where(SiteVisit.project_id == project.id)
            .values(district_code=district_code, special_zone=zone)
        )
        after = {"district_code": district_code, "special_zone": zone}
        summary = f"项目{project.project_no}管辖区域更正为{jurisdictions.DISTRICTS[district_code]}"
        if zone:
            summary += f"（{jurisdictions.SPECIAL_ZONES[zone]}）"
        project_event(
            project,
            "project.jurisdiction_corrected",
            summary,
            visibility="supervisor",
            data={"from": before, "to": after, "reason": data["reason"]},
        )
        uow.commit()
        return project

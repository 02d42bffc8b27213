"""What each reader sees of a project or a visit (docs/design.md §5). Views are plain dataclasses filled
from the rows, with personal data masked unless the reader may see it, and evidence numbers (face distance,
distance to the fence, device) only for supervisors and the organisation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from backend.core.access import Actor
from backend.core.db import column_map, db
from backend.core.files import StoredFile
from backend.core.validators import mask_name, mask_phone
from backend.modules.realname.queries import Organization, Practitioner

from ..models import Project, SiteVisit, WorkRecord
from .common import ProjectAccess


@dataclass(frozen=True)
class Disclosure:
    evidence: bool  # face distance, distance to fence, device id, photo hash
    personal: bool  # unmasked names and phone numbers

    @classmethod
    def of(cls, actor: Actor, access: ProjectAccess) -> Disclosure:
        # The organisation reads its own data; a supervisor needs the read_personal_data permission.
        personal = access.org or (access.supervisor and actor.can("read_personal_data"))
        return cls(evidence=access.sees_evidence, personal=personal)


MASKED = Disclosure(evidence=False, personal=False)


@dataclass(frozen=True)
class ClientView:
    name: str
    credit_code: str | None
    contact_name: str | None
    contact_phone: str | None


@dataclass(frozen=True)
class BuildingView:
    name: str
    address: str
    use: str | None
    floor_area_m2: float | None
    height_m: float | None
    floors_above: int | None
    floors_below: int | None
    facility_systems: list[str]
    facilities_in_service_on: date | None


@dataclass(frozen=True)
class MemberView:
    practitioner_id: int
    name: str
    role: str


@dataclass(frozen=True)
class ProjectSummary:
    id: int
    project_no: str
    name: str
    service_type: str
    status: str
    org_id: int
    org_name: str
    org_credit_code: str
    client_name: str
    building_name: str
    building_address: str
    district_code: str | None
    special_zone: str | None
    lng: float | None
    lat: float | None
    contract_start: date | None
    contract_end: date | None
    lead_name: str | None
    published_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class ProjectDetail(ProjectSummary):
    client: ClientView
    building: BuildingView
    coord_source_crs: str | None
    geofence: dict[str, Any] | None
    district_corrected: bool
    members: list[MemberView]
    has_plan: bool
    missing: list[str]
    open_defects: int
    concluded_at: datetime | None
    cancel_reason: str | None
    imported: bool
    visits: list[VisitView] = field(default_factory=list)


@dataclass(frozen=True)
class RecordView:
    id: int
    plan_item_id: int | None
    system_code: str | None
    plan_month: str | None
    result: str
    note: str | None
    photo_file_ids: list[int]
    device_time: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class VisitView:
    id: int
    project_id: int
    project_no: str
    practitioner_id: int
    practitioner_name: str
    status: str
    checked_in_at: datetime
    device_time: datetime | None
    checked_out_at: datetime | None
    duration_s: int | None
    lng: float
    lat: float
    accuracy_m: float | None
    submitted_crs: str
    identity_method: str
    face_passed: bool | None
    face_distance: float | None
    distance_to_fence_m: float | None
    checkout_distance_m: float | None
    device_id: str | None
    photo_sha256: str | None
    flags: list[dict[str, Any]]
    reasons: list[dict[str, Any]]
    records: list[RecordView] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------------
# Look-ups done once per page


def org_names(org_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    ids = set(org_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Organization.id, Organization.name, Organization.credit_code).where(Organization.id.in_(ids))
    )
    return {row.id: (row.name, row.credit_code) for row in rows}


def practitioners(ids: Iterable[int]) -> dict[int, Practitioner]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {p.id: p for p in db.session.scalars(sa.select(Practitioner).where(Practitioner.id.in_(wanted)))}


def practitioner_name(practitioner: Practitioner | None, personal: bool) -> str:
    if practitioner is None:
        return ""
    return practitioner.name if personal else practitioner.name_masked


# ----------------------------------------------------------------------------------------------------
# Builders


def masked_names(ids: Iterable[int | None]) -> dict[int, str]:
    """Masked names only (nothing decrypted, no certificates loaded): what a list shows of a person."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.session.execute(sa.select(Practitioner.id, Practitioner.name_masked).where(Practitioner.id.in_(wanted)))
    return {row.id: row.name_masked for row in rows}


# The Project columns summary_fields reads (lists load only these).
SUMMARY_COLUMNS = (
    "id",
    "project_no",
    "name",
    "service_type",
    "status",
    "org_id",
    "client_name",
    "building_name",
    "building_address",
    "district_code",
    "special_zone",
    "lng",
    "lat",
    "contract_start",
    "contract_end",
    "lead_practitioner_id",
    "published_at",
    "created_at",
)


def summary_fields(project: Project, orgs: dict[int, tuple[str, str]], leads: dict[int, str]) -> dict[str, Any]:
    org_name, org_code = orgs.get(project.org_id, ("", ""))
    lead_name = leads.get(project.lead_practitioner_id) if project.lead_practitioner_id else None
    return {
        "id": project.id,
        "project_no": project.project_no,
        "name": project.name,
        "service_type": project.service_type,
        "status": project.status,
        "org_id": project.org_id,
        "org_name": org_name,
        "org_credit_code": org_code,
        "client_name": project.client_name,
        "building_name": project.building_name,
        "building_address": project.building_address,
        "district_code": project.district_code,
        "special_zone": project.special_zone,
        "lng": project.lng,
        "lat": project.lat,
        "contract_start": project.contract_start,
        "contract_end": project.contract_end,
        "lead_name": lead_name,
        "published_at": project.published_at,
        "created_at": project.created_at,
    }


def summaries(projects: list[Project]) -> list[ProjectSummary]:
    orgs = org_names(p.org_id for p in projects)
    leads = masked_names(p.lead_practitioner_id for p in projects)
    return [ProjectSummary(**summary_fields(p, orgs, leads)) for p in projects]


def _client(project: Project, disclosure: Disclosure) -> ClientView:
    name, phone = project.client_contact_name, project.client_contact_phone
    return ClientView(
        name=project.client_name,
        credit_code=project.client_credit_code,
        contact_name=name if disclosure.personal or not name else mask_name(name),
        contact_phone=phone if disclosure.personal or not phone else mask_phone(phone),
    )


def _building(project: Project) -> BuildingView:
    return BuildingView(
        name=project.building_name,
        address=project.building_address,
        use=project.building_use,
        floor_area_m2=project.floor_area_m2,
        height_m=project.height_m,
        floors_above=project.floors_above,
        floors_below=project.floors_below,
        facility_systems=list(project.facility_systems or []),
        facilities_in_service_on=project.facilities_in_service_on,
    )


def detail(
    project: Project,
    disclosure: Disclosure,
    *,
    has_plan: bool,
    missing: list[str],
    open_defects: int,
    visits: list[VisitView],
) -> ProjectDetail:
    people = practitioners(m.practitioner_id for m in project.members)
    leads = {pid: person.name_masked for pid, person in people.items()}
    fields = summary_fields(project, org_names([project.org_id]), leads)
    if disclosure.personal and project.lead_practitioner_id in people:
        fields["lead_name"] = people[project.lead_practitioner_id].name
    members = [
        MemberView(m.practitioner_id, practitioner_name(people.get(m.practitioner_id), disclosure.personal), m.role)
        for m in sorted(project.members, key=lambda m: (m.role != "lead", m.id or 0))
    ]
    return ProjectDetail(
        **fields,
        client=_client(project, disclosure),
        building=_building(project),
        coord_source_crs=project.coord_source_crs,
        geofence=project.geofence,
        district_corrected=project.district_corrected_by is not None,
        members=members,
        has_plan=has_plan,
        missing=missing,
        open_defects=open_defects,
        concluded_at=project.concluded_at,
        cancel_reason=project.cancel_reason,
        imported=project.imported,
        visits=visits,
    )


def record_view(record: WorkRecord) -> RecordView:
    return RecordView(
        id=record.id,
        plan_item_id=record.plan_item_id,
        system_code=record.system_code,
        plan_month=record.plan_month,
        result=record.result,
        note=record.note,
        photo_file_ids=list(record.photo_file_ids or []),
        device_time=record.device_time,
        created_at=record.created_at,
    )


def visit_views(
    visits: list[SiteVisit],
    disclosure_for: Callable[[SiteVisit], Disclosure],
    *,
    with_records: bool = False,
) -> list[VisitView]:
    people = practitioners(v.practitioner_id for v in visits)
    numbers = column_map(
        sa.select(Project.id, Project.project_no).where(Project.id.in_({v.project_id for v in visits}))
    )
    disclosures = {v.id: disclosure_for(v) for v in visits}
    photo_ids = {v.photo_file_id for v in visits if v.photo_file_id and disclosures[v.id].evidence}
    hashes = (
        column_map(sa.select(StoredFile.id, StoredFile.sha256).where(StoredFile.id.in_(photo_ids))) if photo_ids else {}
    )
    records: dict[int, list[RecordView]] = {v.id: [] for v in visits}
    if with_records and visits:
        for record in db.session.scalars(
            sa.select(WorkRecord).where(WorkRecord.visit_id.in_(records)).order_by(WorkRecord.id)
        ):
            records[record.visit_id].append(record_view(record))
    return [
        visit_view(
            visit,
            practitioner_name(people.get(visit.practitioner_id), disclosures[visit.id].personal),
            numbers.get(visit.project_id, ""),
            disclosures[visit.id],
            photo_sha256=hashes.get(visit.photo_file_id) if visit.photo_file_id else None,
            records=records.get(visit.id, []),
        )
        for visit in visits
    ]


def visit_view(
    visit: SiteVisit,
    name: str,
    project_no: str,
    shown: Disclosure,
    *,
    photo_sha256: str | None = None,
    records: list[RecordView] | None = None,
) -> VisitView:
    """One visit from rows already loaded (the check-in answers with this, without reading anything again)."""
    evidence = shown.evidence
    return VisitView(
        id=visit.id,
        project_id=visit.project_id,
        project_no=project_no,
        practitioner_id=visit.practitioner_id,
        practitioner_name=name,
        status=visit.status,
        checked_in_at=visit.checked_in_at,
        device_time=visit.device_time,
        checked_out_at=visit.checked_out_at,
        duration_s=visit.duration_s,
        lng=visit.lng,
        lat=visit.lat,
        accuracy_m=visit.accuracy_m,
        submitted_crs=visit.submitted_crs,
        identity_method=visit.identity_method,
        face_passed=visit.face_passed,
        face_distance=visit.face_distance if evidence else None,
        distance_to_fence_m=visit.distance_to_fence_m if evidence else None,
        checkout_distance_m=visit.checkout_distance_m if evidence else None,
        device_id=visit.device_id if evidence else None,
        photo_sha256=photo_sha256 if evidence else None,
        flags=list(visit.flags or []),
        reasons=list(visit.reasons or []),
        records=records or [],
    )

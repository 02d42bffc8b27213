"""Rules of the projects services on real data: Wikidata places, district polygons, the maintenance catalogue."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from backend.core import geo
from backend.core.db import db
from backend.core.errors import Conflict, Forbidden, ValidationFailed
from backend.core.timeline import TimelineEvent
from backend.core.timeutil import utcnow
from backend.modules.projects import catalogue
from backend.modules.projects.models import PlanItem, Project, SiteVisit
from backend.modules.projects.services import plans, registration, status
from backend.modules.projects.services.common import plan_of
from tests.builders.accounts import actor_of, make_user
from tests.builders.places import place
from tests.projects import builders as b


def _kinds(project_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(TimelineEvent.kind).where(TimelineEvent.project_id == project_id).order_by(TimelineEvent.id)
        )
    )


# ----------------------------------------------------------------------------------------------------
# Registration


@pytest.mark.parametrize(
    ("site", "adcode"),
    [("人民广场", "310101"), ("陆家嘴金融贸易区", "310115"), ("徐家汇藏书楼", "310104"), ("静安寺", "310106")],
)
def test_wikidata_places_land_in_their_district(ctx: Any, site: str, adcode: str) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    project = db.session.get(Project, b.make_project(org, lead, site=site, publish=False, plan=False))
    assert project is not None
    assert project.district_code == adcode == place(site).adcode
    assert re.fullmatch(rf"WB-{adcode}-\d{{4}}-{project.id:06d}", project.project_no)


def test_gcj02_site_is_stored_in_wgs84_with_a_300_m_fence(ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    site = place("上海博物馆")
    project = db.session.get(Project, b.make_project(org, lead, site="上海博物馆", publish=False, plan=False))
    assert project is not None and project.lng is not None and project.lat is not None
    # GCJ-02 is offset by some 500 m in Shanghai; what is stored is the WGS-84 point again (to a few cm).
    assert geo.haversine_m(place("上海博物馆").gcj02(), (site.lng, site.lat)) > 300
    assert geo.haversine_m((project.lng, project.lat), (site.lng, site.lat)) < 0.1
    assert project.coord_source_crs == "gcj02"
    ring = project.geofence["coordinates"][0]
    radii = [geo.haversine_m(point, (site.lng, site.lat)) for point in ring]
    assert min(radii) > 295 and max(radii) < 305


def test_bd09_coordinates_are_converted_too(ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    site = place("静安寺")
    bd_lng, bd_lat = geo.wgs84_to_bd09(site.lng, site.lat)
    data = b.registration_data(site, lead.id, location={"lng": bd_lng, "lat": bd_lat, "crs": "bd09"})
    project = registration.register_project(b.org_actor(org), data)
    assert geo.haversine_m((project.lng, project.lat), (site.lng, site.lat)) < 0.1
    assert project.district_code == "310106"


def test_an_address_alone_is_located_by_the_gis_platform(ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    site = place("上海博物馆")
    data = b.registration_data(site, lead.id, location=None)
    project = registration.register_project(b.org_actor(org), data)
    assert project.coord_source_crs == "gis"
    assert geo.haversine_m((project.lng, project.lat), (site.lng, site.lat)) < 50
    assert project.district_code == "310101"


def test_an_address_naming_only_a_district_is_refused(ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    data = b.registration_data(place("人民广场"), lead.id, location=None)
    data["building"]["address"] = "上海市黄浦区"
    with pytest.raises(ValidationFailed) as refused:
        registration.register_project(b.org_actor(org), data)
    assert refused.value.code in ("address_too_vague", "address_not_located")


def test_a_polygon_fence_drawn_elsewhere_is_refused(ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    far = place("静安寺")
    fence = geo.circle_geofence(far.lng, far.lat, 200)
    data = b.registration_data(place("人民广场"), lead.id, geofence=fence, geofence_crs="wgs84")
    with pytest.raises(ValidationFailed) as refused:
        registration.register_project(b.org_actor(org), data)
    assert refused.value.code == "geofence_excludes_site"


def test_the_lead_must_be_a_registered_engineer_employed_by_the_organisation(ctx: Any) -> None:
    org = b.make_org()
    other = b.make_org()
    operator = b.make_practitioner(org.id, engineer=False)
    stranger = b.make_practitioner(other.id)
    lead = b.make_practitioner(org.id)
    site = place("人民广场")
    for lead_id, members, code in [
        (operator.id, [], "lead_not_engineer"),
        (stranger.id, [], "lead_not_employed"),
        (lead.id, [stranger.id], "member_not_employed"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            registration.register_project(b.org_actor(org), b.registration_data(site, lead_id, members))
        assert refused.value.code == code
    project = registration.register_project(b.org_actor(org), b.registration_data(site, lead.id, [operator.id]))
    assert {(m.practitioner_id, m.role) for m in project.members} == {(lead.id, "lead"), (operator.id, "member")}


@pytest.mark.parametrize(
    ("org_status", "conditions_met", "reason"),
    [("submitted", True, "org_not_verified"), ("verified", False, "org_conditions_unmet")],
)
def test_only_a_verified_organisation_meeting_its_conditions_registers(
    ctx: Any, org_status: str, conditions_met: bool, reason: str
) -> None:
    org = b.make_org(status=org_status, conditions_met=conditions_met)
    lead = b.make_practitioner(org.id)
    with pytest.raises(Conflict) as refused:
        registration.register_project(b.org_actor(org), b.registration_data(place("人民广场"), lead.id))
    assert refused.value.code == "org_cannot_practise"
    assert reason in refused.value.details["reasons"]


def test_service_type_must_match_the_organisation_type(ctx: Any) -> None:
    org = b.make_org(types=("assessment",))
    lead = b.make_practitioner(org.id)
    with pytest.raises(ValidationFailed) as refused:
        registration.register_project(b.org_actor(org), b.registration_data(place("人民广场"), lead.id))
    assert refused.value.code == "service_type_not_allowed"
    data = b.registration_data(place("人民广场"), lead.id, service_type="assessment")
    assert registration.register_project(b.org_actor(org), data).project_no.startswith("PG-310101-")


def test_unknown_facility_systems_are_refused(ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    data = b.registration_data(place("人民广场"), lead.id)
    data["building"]["facility_systems"] = ["sprinkler", "flux_capacitor"]
    with pytest.raises(ValidationFailed) as refused:
        registration.register_project(b.org_actor(org), data)
    assert refused.value.details["systems"] == ["flux_capacitor"]


def test_client_contact_is_encrypted_at_rest(ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    project_id = b.make_project(org, lead, publish=False, plan=False)
    raw = db.session.execute(
        sa.text("SELECT client_contact_name, client_contact_phone FROM projects WHERE id = :id"), {"id": project_id}
    ).one()
    assert "王建国" not in raw[0] and "13916000001" not in raw[1]
    assert db.session.get(Project, project_id).client_contact_phone == "13916000001"


# ----------------------------------------------------------------------------------------------------
# Jurisdiction


def test_the_district_detachment_corrects_the_district_and_marks_a_special_zone(ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    project_id = b.make_project(org, lead, site="外滩")
    xuhui = actor_of(make_user(roles=("supervisor",), jurisdiction="310104"))
    with pytest.raises(Forbidden) as refused:
        registration.correct_jurisdiction(xuhui, project_id, {"district_code": "310104", "reason": "试"})
    assert refused.value.code == "out_of_jurisdiction"
    db.session.add(
        SiteVisit(
            project_id=project_id,
            practitioner_id=lead.id,
            org_id=org.id,
            status="checked_out",
            idempotency_key="visit-before-correction",
            checked_in_at=utcnow(),
            lng=121.48,
            lat=31.24,
            submitted_crs="wgs84",
            district_code="310101",
        )
    )
    db.session.commit()
    huangpu = actor_of(make_user(roles=("supervisor",), jurisdiction="310101"))
    project = registration.correct_jurisdiction(
        huangpu, project_id, {"district_code": "310101", "special_zone": "water", "reason": "黄浦江沿岸码头"}
    )
    assert (project.district_code, project.special_zone) == ("310101", "water")
    assert db.session.scalar(sa.select(SiteVisit.special_zone).where(SiteVisit.project_id == project_id)) == "water"
    assert "project.jurisdiction_corrected" in _kinds(project_id)


# ----------------------------------------------------------------------------------------------------
# Status


def test_status_flow_and_its_timeline(ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    actor = b.org_actor(org)
    project_id = b.make_project(org, lead, publish=False)
    assert status.publish(actor, project_id).status == "published"
    with pytest.raises(Conflict) as refused:
        status.publish(actor, project_id)
    assert refused.value.code == "invalid_status_transition"
    with pytest.raises(Conflict):
        status.archive(actor, project_id)
    assert status.conclude(actor, project_id).status == "concluded"
    assert status.archive(actor, project_id).status == "archived"
    assert _kinds(project_id) == [
        "project.registered",
        "plan.created",
        "project.published",
        "project.concluded",
        "project.archived",
    ]


def test_publication_needs_a_lead_still_employed(ctx: Any) -> None:
    from backend.modules.realname.models import Employment

    org = b.make_org()
    lead = b.make_practitioner(org.id)
    project_id = b.make_project(org, lead, publish=False)
    db.session.execute(sa.update(Employment).where(Employment.practitioner_id == lead.id).values(status="ended"))
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        status.publish(b.org_actor(org), project_id)
    assert refused.value.details["reasons"] == ["lead_not_employed"]


def test_cancelling_keeps_the_reason(ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    project_id = b.make_project(org, lead)
    project = status.cancel(b.org_actor(org), project_id, "委托单位解除合同")
    assert (project.status, project.cancel_reason) == ("cancelled", "委托单位解除合同")


# ----------------------------------------------------------------------------------------------------
# Maintenance plans


def _plan_items(project_id: int) -> dict[str, PlanItem]:
    plan = plan_of(project_id)
    assert plan is not None
    return {item.item_code: item for item in plan.items}


def test_the_plan_covers_the_buildings_systems_over_the_contract_months(ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    project_id = b.make_project(org, lead, contract_start=date(2026, 11, 1), months=12)
    items = _plan_items(project_id)
    systems = {item.system_code for item in items.values()}
    assert systems == set(b.SYSTEMS) | {"general"}
    assert "gas_storage_check" not in items  # the building has no gas extinguishing system
    months = catalogue.months_between(date(2026, 11, 1), date(2027, 10, 31))
    assert items["pump_manual_start"].months == months  # monthly (GB 50974)
    assert items["pump_auto_start"].months == months  # weekly, due every month
    assert items["pump_flow_pressure"].months == ["2026-11", "2027-02", "2027-05", "2027-08"]  # quarterly
    assert items["smoke_dampers"].months == ["2026-11", "2027-05"]  # half-yearly (GB 51251)
    assert items["alarm_devices_all"].months == ["2026-11"]  # yearly (GB 50166)
    assert items["annual_full_test"].clause.startswith("《消防法》第十六条")
    # in service June 2016: cleaned June 2018, then every 3 years: 2021, 2024, 2027
    assert items["smoke_detector_cleaning"].months == ["2027-06"]
    assert items["extinguisher_check"].clause == "GB 50444-2008 第5章"


def test_a_plan_only_for_maintenance_projects_and_only_once(ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    testing_id = b.make_project(org, lead, service_type="testing")
    with pytest.raises(Conflict) as refused:
        plans.generate_plan(b.org_actor(org), testing_id)
    assert refused.value.code == "plan_only_for_maintenance"
    project_id = b.make_project(org, lead)
    with pytest.raises(Conflict) as again:
        plans.generate_plan(b.org_actor(org), project_id)
    assert again.value.code == "plan_exists"


def test_plan_items_are_editable_within_the_plan_period(ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    actor = b.org_actor(org)
    project_id = b.make_project(org, lead, contract_start=date(2026, 11, 1), months=12)
    item = _plan_items(project_id)["alarm_devices_all"]
    changed = plans.update_item(actor, project_id, item.id, months=["2027-09"], enabled=True)
    assert changed.months == ["2027-09"]
    assert plans.update_item(actor, project_id, item.id, enabled=False).enabled is False
    with pytest.raises(ValidationFailed) as refused:
        plans.update_item(actor, project_id, item.id, months=["2028-01"])
    assert refused.value.code == "plan_month_outside_plan"


def test_a_record_counts_for_the_due_month_whose_window_holds_it() -> None:
    item = PlanItem(months=["2027-02", "2027-05"], frequency="quarterly")
    assert plans.month_for_record(item, date(2027, 2, 14), 7) == "2027-02"
    assert plans.month_for_record(item, date(2027, 3, 5), 7) == "2027-02"  # within 7 days after February
    assert plans.month_for_record(item, date(2027, 4, 28), 7) == "2027-05"  # within 7 days before May
    assert plans.month_for_record(item, date(2027, 3, 20), 7) == "2027-02"  # nearest due month; flagged later


# ----------------------------------------------------------------------------------------------------
# Edits, fences drawn on a map, demo data


def test_editing_the_team_and_the_lock_on_systems_once_planned(ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    second = b.make_practitioner(org.id, name="高原")
    operator = b.make_practitioner(org.id, name="许诺", engineer=False)
    actor = b.org_actor(org)
    project_id = b.make_project(org, lead, [operator], publish=False, plan=False)
    project = registration.update_project(actor, project_id, {"lead_practitioner_id": second.id})
    assert {(m.practitioner_id, m.role) for m in project.members} == {(second.id, "lead"), (operator.id, "member")}
    project = registration.update_project(actor, project_id, {"building": {"facility_systems": ["extinguisher"]}})
    assert project.facility_systems == ["extinguisher"]
    plans.generate_plan(actor, project_id)
    with pytest.raises(Conflict) as refused:
        registration.update_project(actor, project_id, {"building": {"facility_systems": ["sprinkler"]}})
    assert refused.value.code == "facility_systems_locked_by_plan"
    with pytest.raises(ValidationFailed):
        registration.update_project(actor, project_id, {"lead_practitioner_id": operator.id})


def test_a_polygon_fence_drawn_on_a_gcj02_map_is_stored_in_wgs84(ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    site = place("上海中心大厦")
    square = [(-0.0015, -0.0012), (0.0015, -0.0012), (0.0015, 0.0012), (-0.0015, 0.0012), (-0.0015, -0.0012)]
    g_lng, g_lat = site.gcj02()
    ring = [[g_lng + dx, g_lat + dy] for dx, dy in square]
    data = b.registration_data(site, lead.id, geofence={"type": "MultiPolygon", "coordinates": [[ring]]})
    project = registration.register_project(b.org_actor(org), data)
    assert project.geofence["type"] == "MultiPolygon"
    corner = project.geofence["coordinates"][0][0][0]
    expected = geo.gcj02_to_wgs84(*ring[0])
    assert geo.haversine_m(corner, expected) < 0.05
    assert geo.inside_geofence(project.geofence, site.lng, site.lat)


def test_demo_data_waits_for_an_organisation_that_may_practise(ctx: Any) -> None:
    from backend.modules.projects import demo

    b.make_org(status="submitted")
    (line,) = demo.load()
    assert "跳过" in line
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Project)) == 0


def test_demo_projects_stand_at_real_places_across_the_districts(ctx: Any) -> None:
    from backend.modules.projects import demo

    org = b.make_org()
    lead = b.make_practitioner(org.id, face=None, alternative_identity=True)
    b.make_practitioner(org.id, name="蒋涛", face=None, engineer=False)
    demo.load()
    projects = db.session.scalars(sa.select(Project)).all()
    assert len(projects) == demo.WANTED + 1
    districts = {p.district_code for p in projects}
    assert {"310101", "310104", "310115"} <= districts and len(districts) >= 14
    for project in projects:
        spot = place(project.building_name)
        assert geo.haversine_m((project.lng, project.lat), (spot.lng, spot.lat)) < 0.1
        assert project.lead_practitioner_id == lead.id
    (chem,) = [p for p in projects if p.special_zone]
    assert (chem.building_name, chem.special_zone) == ("上海化学工业区", "chem")
    assert any(p.status == "published" for p in projects) and any(p.status == "registered" for p in projects)
    assert plan_of(projects[0].id) is not None
    assert demo.load() == ["项目演示数据：已存在，跳过"]

"""On-site practice through the HTTP API, as the mini-program sends it (multipart check-ins with real photos,
GCJ-02 locations from wx.getLocation), and registration, plans, records and defects as JSON."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from PIL import Image, ImageOps

from backend.core.db import db
from backend.core.timeline import TimelineEvent
from backend.core.timeutil import now as local_now
from backend.core.timeutil import today as shanghai_today
from backend.modules.projects.models import Defect, Project, SiteVisit, WorkRecord
from tests.builders.media import face_photo
from tests.builders.places import Place, place
from tests.projects import builders as b


def post_check_in(client: Any, project_id: int, person: b.Person, photo: bytes, form: dict[str, Any]) -> Any:
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else str(v)) for k, v in form.items()}
    data["photo"] = (io.BytesIO(photo), "photo.jpg")  # type: ignore[assignment]
    return client.post(
        f"/api/v1/projects/{project_id}/check-ins",
        data=data,
        headers=person.login.headers,
        content_type="multipart/form-data",
    )


def mirrored(name: str) -> bytes:
    """The mirror image of a real photo: the same face, a different picture (perceptual hash 28-32 apart)."""
    buffer = io.BytesIO()
    ImageOps.mirror(Image.open(io.BytesIO(face_photo(name)))).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def reason_codes(response: Any) -> list[str]:
    return [r["code"] for r in response.get_json()["details"]["reasons"]]


def flag_codes(body: dict[str, Any]) -> list[str]:
    return [f["code"] for f in body["flags"]]


def visits_of(project_id: int) -> list[SiteVisit]:
    return list(db.session.scalars(sa.select(SiteVisit).where(SiteVisit.project_id == project_id)))


def timeline(project_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(TimelineEvent.kind).where(TimelineEvent.project_id == project_id).order_by(TimelineEvent.id)
        )
    )


def check_out(client: Any, visit_id: int, person: b.Person, site: Place, offset_m: float = 0.0, **extra: Any) -> Any:
    from backend.core.geo import geodesic_destination, wgs84_to_gcj02

    lng, lat = wgs84_to_gcj02(*geodesic_destination(site.lng, site.lat, 0.0, offset_m)) if offset_m else site.gcj02()
    body = {"lng": lng, "lat": lat, "crs": "gcj02", "accuracy_m": 12.0, **extra}
    return client.post(f"/api/v1/visits/{visit_id}/check-out", json=body, headers=person.login.headers)


def setup_team(site: str = "人民广场", **project: Any) -> tuple[b.Org, b.Person, int]:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    return org, lead, b.make_project(org, lead, site=site, **project)


# ----------------------------------------------------------------------------------------------------
# Check-in: the rules of docs/design.md §4


def test_a_gcj02_check_in_from_the_site_passes_and_starts_the_service(client: Any, ctx: Any) -> None:
    _org, lead, project_id = setup_team()
    site = place("人民广场")
    r = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), b.check_in_form(site))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["status"], body["identity_method"], body["face_passed"]) == ("checked_in", "face", True)
    assert body["flags"] == [] and body["reasons"] == []
    assert body["face_distance"] is None  # the practitioner sees no evidence figures
    visit = db.session.get(SiteVisit, body["id"])
    assert visit is not None and visit.distance_to_fence_m == 0 and visit.face_distance < 0.5
    assert abs(visit.lng - site.lng) < 1e-6 and abs(visit.lat - site.lat) < 1e-6  # stored in WGS-84
    assert db.session.get(Project, project_id).status == "in_service"
    assert timeline(project_id)[-2:] == ["visit.checked_in", "project.in_service"]


def test_a_check_in_one_km_away_is_refused_and_kept_as_evidence(client: Any, ctx: Any) -> None:
    _org, lead, project_id = setup_team()
    form = b.check_in_form(place("人民广场"), offset_m=1_000)
    r = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), form)
    assert r.status_code == 422
    body = r.get_json()
    assert body["code"] == "check_in_rejected" and body["message"] == "签到未通过核验"
    (reason,) = body["details"]["reasons"]
    assert reason["code"] == "outside_geofence" and 690 < reason["distance_m"] < 710
    (visit,) = visits_of(project_id)
    assert visit.status == "rejected" and visit.photo_file_id is not None
    assert db.session.get(Project, project_id).status == "published"
    assert timeline(project_id)[-1] == "visit.check_in_refused"


def test_another_persons_photo_is_refused(client: Any, ctx: Any) -> None:
    _org, lead, project_id = setup_team()
    r = post_check_in(client, project_id, lead, face_photo("biden.jpg"), b.check_in_form(place("人民广场")))
    assert r.status_code == 422
    (reason,) = r.get_json()["details"]["reasons"]
    assert reason["code"] == "face_mismatch" and reason["distance"] > 0.7
    assert reason["message"] == "人脸比对未通过，与登记的人脸不一致。"


def test_a_photo_without_a_face_or_not_an_image_is_refused(client: Any, ctx: Any) -> None:
    _org, lead, project_id = setup_team()
    site = place("人民广场")
    r = post_check_in(client, project_id, lead, face_photo("coffee.png"), b.check_in_form(site))
    assert reason_codes(r) == ["face_no_face"]
    r = post_check_in(client, project_id, lead, b"%PDF-1.7 not a photo", b.check_in_form(site))
    assert set(reason_codes(r)) >= {"image_type_not_allowed"}


def test_every_reason_is_listed(client: Any, ctx: Any) -> None:
    _org, lead, project_id = setup_team()
    form = b.check_in_form(place("人民广场"), offset_m=1_000, accuracy_m=400.0)
    r = post_check_in(client, project_id, lead, face_photo("biden.jpg"), form)
    assert sorted(reason_codes(r)) == ["face_mismatch", "outside_geofence"]
    assert [f["code"] for f in r.get_json()["details"]["flags"]] == ["poor_accuracy"]


def test_the_same_photo_sent_again_is_refused(client: Any, ctx: Any) -> None:
    _org, lead, project_id = setup_team()
    site = place("人民广场")
    first = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), b.check_in_form(site))
    assert first.status_code == 201
    assert check_out(client, first.get_json()["id"], lead, site).status_code == 200
    again = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), b.check_in_form(site))
    assert again.status_code == 422
    (reason,) = again.get_json()["details"]["reasons"]
    assert (reason["code"], reason["match"], reason["visit_id"]) == ("photo_replayed", "exact", first.get_json()["id"])
    # a different photo of the same person passes
    other = post_check_in(client, project_id, lead, face_photo("obama-720p.jpg"), b.check_in_form(site))
    assert other.status_code == 201, other.get_json()


def test_a_resized_recompressed_copy_is_a_replay_too(client: Any, ctx: Any) -> None:
    _org, lead, project_id = setup_team()
    site = place("人民广场")
    first = post_check_in(client, project_id, lead, face_photo("obama-720p.jpg"), b.check_in_form(site))
    check_out(client, first.get_json()["id"], lead, site)
    image = Image.open(io.BytesIO(face_photo("obama-720p.jpg")))
    buffer = io.BytesIO()
    image.resize((1024, 576)).save(buffer, "JPEG", quality=70)
    copy = post_check_in(client, project_id, lead, buffer.getvalue(), b.check_in_form(site))
    (reason,) = copy.get_json()["details"]["reasons"]
    assert (reason["code"], reason["match"]) == ("photo_replayed", "similar")
    assert reason["hash_distance"] <= 8


def test_two_people_checking_in_from_one_device_are_flagged(client: Any, ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    colleague = b.make_practitioner(org.id, name="刘思远", face="biden.jpg", engineer=False)
    project_id = b.make_project(org, lead, [colleague])
    site = place("人民广场")
    first = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), b.check_in_form(site))
    assert first.status_code == 201 and first.get_json()["flags"] == []
    second = post_check_in(client, project_id, colleague, face_photo("biden.jpg"), b.check_in_form(site))
    assert second.status_code == 201, second.get_json()
    (flag,) = second.get_json()["flags"]
    assert flag["code"] == "device_shared" and flag["other_visit_id"] == first.get_json()["id"]
    # a device of one's own raises nothing
    third_person = b.make_practitioner(org.id, name="孙立", face="obama.jpg", engineer=False)
    db.session.get(Project, project_id)  # keep the session fresh
    from backend.modules.projects.models import ProjectMember

    db.session.add(ProjectMember(project_id=project_id, practitioner_id=third_person.id, role="member"))
    db.session.commit()
    own = post_check_in(
        client, project_id, third_person, face_photo("obama_small.jpg"), b.check_in_form(site, device_id="wx-other")
    )
    assert own.status_code == 201 and own.get_json()["flags"] == []


def test_one_idempotency_key_sent_twice_makes_one_visit(client: Any, ctx: Any) -> None:
    _org, lead, project_id = setup_team()
    form = b.check_in_form(place("人民广场"), key="offline-queue-0001")
    first = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), form)
    again = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), form)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert len(visits_of(project_id)) == 1
    # a refused attempt is answered the same way again, and stored once
    refused = b.check_in_form(place("人民广场"), offset_m=1_000, key="offline-queue-0002")
    r1 = post_check_in(client, project_id, lead, face_photo("obama-720p.jpg"), refused)
    r2 = post_check_in(client, project_id, lead, face_photo("obama-720p.jpg"), refused)
    assert r1.status_code == r2.status_code == 422
    assert r1.get_json()["details"] == r2.get_json()["details"]
    assert len(visits_of(project_id)) == 2


def test_checked_in_elsewhere_is_refused(client: Any, ctx: Any) -> None:
    org, lead, here = setup_team()
    there = b.make_project(org, lead, site="上海博物馆")
    first = post_check_in(client, here, lead, face_photo("obama2.jpg"), b.check_in_form(place("人民广场")))
    assert first.status_code == 201
    r = post_check_in(client, there, lead, face_photo("obama-720p.jpg"), b.check_in_form(place("上海博物馆")))
    (reason,) = r.get_json()["details"]["reasons"]
    assert reason["code"] == "checked_in_elsewhere" and reason["visit_id"] == first.get_json()["id"]


def test_impossible_travel_since_the_last_check_in_is_flagged(client: Any, ctx: Any) -> None:
    org, lead, city = setup_team()
    airport = b.make_project(org, lead, site="上海浦东国际机场")
    first = post_check_in(client, city, lead, face_photo("obama2.jpg"), b.check_in_form(place("人民广场")))
    assert check_out(client, first.get_json()["id"], lead, place("人民广场")).status_code == 200
    r = post_check_in(client, airport, lead, face_photo("obama-720p.jpg"), b.check_in_form(place("上海浦东国际机场")))
    assert r.status_code == 201
    (flag,) = r.get_json()["flags"]
    assert flag["code"] == "impossible_travel" and flag["speed_kmh"] > 120 and 30_000 < flag["distance_m"] < 40_000


def test_a_late_offline_submission_is_accepted_and_flagged(client: Any, ctx: Any) -> None:
    _org, lead, project_id = setup_team()
    taken = local_now() - timedelta(hours=3)
    form = b.check_in_form(place("人民广场"), device_time=taken)
    r = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), form)
    assert r.status_code == 201
    (flag,) = r.get_json()["flags"]
    assert flag["code"] == "late_submission" and 179 <= flag["minutes_late"] <= 181
    # its check-out, also queued offline, measures the time on site from the device's clock
    out = check_out(
        client, r.get_json()["id"], lead, place("人民广场"), device_time=(taken + timedelta(hours=2)).isoformat()
    )
    assert out.get_json()["duration_s"] == 7200


def test_poor_accuracy_is_flagged(client: Any, ctx: Any) -> None:
    _org, lead, project_id = setup_team()
    form = b.check_in_form(place("人民广场"), accuracy_m=250.0)
    r = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), form)
    assert r.status_code == 201 and flag_codes(r.get_json()) == ["poor_accuracy"]


def test_the_approved_alternative_identity_check_replaces_the_face(client: Any, ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    without_face = b.make_practitioner(org.id, name="周敏", face=None, engineer=False, alternative_identity=True)
    no_option = b.make_practitioner(org.id, name="吴刚", face=None, engineer=False)
    project_id = b.make_project(org, lead, [without_face, no_option])
    site = place("人民广场")
    r = post_check_in(client, project_id, without_face, face_photo("rocket.jpg"), b.check_in_form(site))
    assert r.status_code == 201 and r.get_json()["identity_method"] == "alternative"
    r = post_check_in(client, project_id, no_option, face_photo("coffee.png"), b.check_in_form(site, device_id="x2"))
    assert reason_codes(r) == ["face_not_enrolled"]


def test_check_in_preconditions(client: Any, ctx: Any) -> None:
    org, lead, project_id = setup_team(publish=False)
    outsider = b.make_practitioner(org.id, name="郑好", engineer=False)
    site = place("人民广场")
    r = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), b.check_in_form(site))
    assert r.status_code == 409 and r.get_json()["code"] == "project_not_open_for_check_in"
    r = post_check_in(client, project_id, outsider, face_photo("obama2.jpg"), b.check_in_form(site))
    assert r.status_code == 403 and r.get_json()["code"] == "not_project_member"
    r = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), {"lng": 1})
    assert r.status_code == 422 and "idempotency_key" in r.get_json()["details"]["fields"]["form"]
    assert visits_of(project_id) == []


def test_an_imported_project_refuses_check_ins_until_supplemented(client: Any, ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    site = place("外滩")
    project = Project(
        project_no="WB-310101-2021-000777",
        org_id=org.id,
        service_type="maintenance",
        name="外滩历史建筑消防设施维护保养（v1 导入）",
        status="needs_supplement",
        client_name="上海外滩建筑管理有限公司",
        building_name="外滩",
        building_address="上海市黄浦区中山东一路",
        facility_systems=["fire_alarm", "extinguisher"],
        district_code="310101",
        contract_start=shanghai_today().replace(day=1),
        contract_end=shanghai_today().replace(day=1) + timedelta(days=300),
        lead_practitioner_id=lead.id,
        imported=True,
    )
    from backend.modules.projects.models import ProjectMember

    project.members = [ProjectMember(practitioner_id=lead.id, role="lead")]
    db.session.add(project)
    db.session.commit()
    form = b.check_in_form(site)
    r = post_check_in(client, project.id, lead, face_photo("obama2.jpg"), form)
    assert r.status_code == 409 and r.get_json()["code"] == "project_needs_supplement"
    assert r.get_json()["details"]["missing"] == ["coordinates", "client_contact", "maintenance_plan"]

    lng, lat = site.gcj02()
    supplement = {
        "location": {"lng": lng, "lat": lat, "crs": "gcj02"},
        "client_contact_name": "钱主任",
        "client_contact_phone": "13816000002",
    }
    r = client.post(f"/api/v1/projects/{project.id}/supplement", json=supplement, headers=org.admin.headers)
    assert r.status_code == 200 and r.get_json()["status"] == "needs_supplement"
    assert r.get_json()["district_code"] == "310101"
    r = post_check_in(client, project.id, lead, face_photo("obama2.jpg"), form)
    assert r.get_json()["details"]["missing"] == ["maintenance_plan"]
    r = client.post(f"/api/v1/projects/{project.id}/plan", json={}, headers=org.admin.headers)
    assert r.status_code == 201
    assert client.get(f"/api/v1/projects/{project.id}", headers=org.admin.headers).get_json()["status"] == "published"
    r = post_check_in(client, project.id, lead, face_photo("obama2.jpg"), form)
    assert r.status_code == 201, r.get_json()


def test_check_out_measures_the_time_on_site_and_is_idempotent(client: Any, ctx: Any) -> None:
    _org, lead, project_id = setup_team()
    site = place("人民广场")
    visit_id = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), b.check_in_form(site)).get_json()["id"]
    r = check_out(client, visit_id, lead, site, offset_m=450)  # 150 m outside the 300 m fence
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "checked_out" and body["duration_s"] >= 0
    (flag,) = body["flags"]
    assert (flag["code"], flag["stage"]) == ("checkout_outside_geofence", "check_out")
    assert 140 < flag["distance_m"] < 160
    assert check_out(client, visit_id, lead, site).get_json() == body
    assert timeline(project_id)[-1] == "visit.checked_out"


def test_visits_left_open_are_closed_by_the_sweep(client: Any, ctx: Any) -> None:
    from backend.modules.projects import jobs

    _org, lead, project_id = setup_team()
    site = place("人民广场")
    visit_id = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), b.check_in_form(site)).get_json()["id"]
    assert jobs.close_stale_visits() == {"closed": 0}
    visit = db.session.get(SiteVisit, visit_id)
    visit.checked_in_at -= timedelta(hours=13)
    db.session.commit()
    assert jobs.close_stale_visits() == {"closed": 1}
    visit = db.session.get(SiteVisit, visit_id)
    assert (
        visit.status == "checked_out" and visit.checked_out_at is None and visit.flags[-1]["code"] == "not_checked_out"
    )


# ----------------------------------------------------------------------------------------------------
# Registration, plans, records and defects over HTTP


def test_registering_a_project_over_http(client: Any, ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    data = b.registration_data(place("陆家嘴金融贸易区"), lead.id)
    body = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}
    body["building"] = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in body["building"].items()}
    r = client.post("/api/v1/projects", json=body, headers=org.admin.headers)
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    assert created["district_code"] == "310115" and created["district_name"] == "浦东新区"
    assert created["project_no"].startswith("WB-310115-")
    assert "contact" not in str(created)  # the state answer carries no personal data
    body["lead_practitioner_id"] = 999999
    r = client.post("/api/v1/projects", json=body, headers=org.admin.headers)
    assert r.status_code == 422 and r.get_json()["message"] == "项目负责人须为本机构在职人员"
    r = client.post("/api/v1/projects", json={"name": "x"}, headers=org.admin.headers)
    assert r.status_code == 422 and "service_type" in r.get_json()["details"]["fields"]["json"]


def _record(client: Any, visit_id: int, person: b.Person, **body: Any) -> Any:
    body.setdefault("idempotency_key", f"record-{len(body)}-{body.get('plan_item_id')}-{body.get('result')}")
    return client.post(f"/api/v1/visits/{visit_id}/records", json=body, headers=person.login.headers)


def test_records_defects_and_repairs(client: Any, ctx: Any) -> None:
    org, lead, project_id = setup_team()
    site = place("人民广场")
    visit_id = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), b.check_in_form(site)).get_json()["id"]
    plan = client.get(f"/api/v1/projects/{project_id}/plan", headers=lead.login.headers).get_json()
    item = next(i for i in plan["items"] if i["item_code"] == "extinguisher_check")

    upload = client.post(
        f"/api/v1/projects/{project_id}/photos",
        data={"photo": (io.BytesIO(face_photo("rocket.jpg")), "scene.jpg")},
        headers=lead.login.headers,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201
    photo_id = upload.get_json()["id"]
    defect = {"severity": "serious", "description": "3层东侧灭火器压力指示在红区"}
    r = _record(
        client,
        visit_id,
        lead,
        plan_item_id=item["id"],
        result="defect",
        photo_file_ids=[photo_id],
        defect=defect,
        idempotency_key="record-extinguisher-1",
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["plan_month"] == local_now().strftime("%Y-%m")
    again = _record(
        client,
        visit_id,
        lead,
        plan_item_id=item["id"],
        result="defect",
        defect=defect,
        idempotency_key="record-extinguisher-1",
    )
    assert again.status_code == 200 and again.get_json()["id"] == r.get_json()["id"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkRecord)) == 1

    r = _record(
        client, visit_id, lead, system_code="gas_extinguishing", result="normal", idempotency_key="record-gas-1"
    )
    assert r.status_code == 422 and r.get_json()["code"] == "system_not_in_building"
    r = _record(client, visit_id, lead, plan_item_id=item["id"], result="defect", idempotency_key="record-nodetail")
    assert r.get_json()["code"] == "defect_details_required"

    (found,) = client.get(f"/api/v1/projects/{project_id}/defects", headers=org.admin.headers).get_json()
    assert (found["severity_name"], found["status"]) == ("严重", "open")
    repair = client.post(
        f"/api/v1/defects/{found['id']}/repairs",
        json={"description": "更换灭火器2具", "photo_file_ids": [photo_id]},
        headers=lead.login.headers,
    )
    assert repair.status_code == 201
    rejected = client.post(
        f"/api/v1/repairs/{repair.get_json()['id']}/verification",
        json={"approved": False, "note": "照片未显示压力表"},
        headers=org.admin.headers,
    )
    assert rejected.get_json()["verdict"] == "rejected"
    assert db.session.get(Defect, found["id"]).status == "open"
    second = client.post(
        f"/api/v1/defects/{found['id']}/repairs", json={"description": "压力表照片补充"}, headers=lead.login.headers
    )
    r = client.post(
        f"/api/v1/repairs/{second.get_json()['id']}/verification", json={"approved": True}, headers=org.admin.headers
    )
    assert r.status_code == 200
    closed = db.session.get(Defect, found["id"])
    assert closed.status == "closed" and closed.closed_at is not None
    kinds = timeline(project_id)
    assert kinds.count("defect.found") == 1 and kinds[-1] == "defect.closed" and "defect.repair_rejected" in kinds
    # a practitioner cannot verify, nor can another organisation
    other = b.make_org()
    r = client.post(
        f"/api/v1/repairs/{second.get_json()['id']}/verification", json={"approved": True}, headers=other.admin.headers
    )
    assert r.status_code == 403


def test_the_monthly_checklist(client: Any, ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    start = local_now().date().replace(day=1) - timedelta(days=40)
    start = start.replace(day=1)  # contract began last month or the one before
    project_id = b.make_project(org, lead, contract_start=start, months=12)
    month = start.strftime("%Y-%m")
    site = place("人民广场")
    taken = local_now() - timedelta(minutes=5)
    visit = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), b.check_in_form(site))
    visit_id = visit.get_json()["id"]
    plan = client.get(f"/api/v1/projects/{project_id}/plan", headers=org.admin.headers).get_json()
    items = {i["item_code"]: i for i in plan["items"]}
    # done today but declared for the first contract month: more than 7 days after it → flagged
    r = _record(
        client,
        visit_id,
        lead,
        plan_item_id=items["pump_manual_start"]["id"],
        result="normal",
        plan_month=month,
        device_time=taken.isoformat(),
        idempotency_key="late-pump-check",
    )
    assert r.status_code == 201, r.get_json()
    checklist = client.get(
        f"/api/v1/projects/{project_id}/plan/checklist", query_string={"month": month}, headers=org.admin.headers
    ).get_json()
    entries = {e["item"]["item_code"]: e for e in checklist["entries"]}
    pump = entries["pump_manual_start"]
    assert (pump["status"], pump["flagged"], pump["overdue"]) == ("outside_window", True, True)
    assert entries["alarm_controller_daily"]["required"] >= 28
    assert entries["extinguisher_check"]["status"] == "not_done"
    assert "smoke_dampers" in entries and "pump_flow_pressure" in entries  # half-yearly and quarterly start now
    assert checklist["summary"]["due"] == len(entries) and checklist["summary"]["flagged"] == 1

    this_month = local_now().strftime("%Y-%m")
    r = _record(
        client,
        visit_id,
        lead,
        plan_item_id=items["extinguisher_check"]["id"],
        result="normal",
        idempotency_key="on-time-extinguisher",
    )
    current = client.get(
        f"/api/v1/projects/{project_id}/plan/checklist", query_string={"month": this_month}, headers=lead.login.headers
    ).get_json()
    done = {e["item"]["item_code"]: e for e in current["entries"]}["extinguisher_check"]
    assert (done["status"], done["flagged"], done["record_ids"]) == ("done", False, [r.get_json()["id"]])


def test_a_project_list_page_costs_the_same_few_queries_whatever_its_size(client: Any, ctx: Any) -> None:
    """No N+1: a list page loads the summary's columns and two batched look-ups, however many rows it holds
    (and nothing else of a project is loaded lazily while the page is written)."""
    from backend.core.db import db
    from tests.builders.accounts import make_user

    org = b.make_org()
    lead = b.make_practitioner(org.id)
    for _ in range(3):
        b.make_project(org, lead)
    supervisor = make_user(roles=("supervisor",), jurisdiction="310101")
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    def page_queries(limit: int) -> int:
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            r = client.get(f"/api/v1/projects?limit={limit}", headers=supervisor.headers)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        assert r.status_code == 200 and len(r.get_json()["items"]) == limit
        assert r.get_json()["items"][0]["lead_name"] == b.mask_name(lead.name)
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    client.get("/api/v1/me", headers=supervisor.headers)  # the actor is cached by the first request
    assert page_queries(1) == page_queries(3) <= 3

"""Supervision through the HTTP API: spot checks answered with real faces, inspections, penalties."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from backend.core.db import db
from backend.core.timeutil import utcnow
from tests.builders.accounts import corps_admin, org_admin, supervisor
from tests.builders.media import face_photo
from tests.builders.places import HUANGPU, PUDONG, XUHUI, serial
from tests.supervision import builders as b

SPOT = "/api/v1/supervision/spot-checks"


def _b64(name: str) -> str:
    return base64.b64encode(face_photo(name)).decode()


def _answer(client: Any, person: b.Person, check_id: int, photo: str, lnglat: tuple[float, float]) -> Any:
    body = {"photo": _b64(photo), "lng": lnglat[0], "lat": lnglat[1], "crs": "gcj02", "accuracy_m": 15}
    return client.post(f"/api/v1/supervision/my/spot-checks/{check_id}/answer", json=body, headers=person.login.headers)


def _on_site(district: str = XUHUI, *, openid: str | None = None, name: str = "李明") -> tuple[Any, Any, Any, Any]:
    org = b.make_org(district)
    project = b.make_project(org)
    person = b.make_practitioner(name, openid=openid, org=org)
    visit = b.make_visit(project, person)
    return org, project, person, visit


def _outbox(channel: str) -> list[Any]:
    from backend.core.outbox import OutboxMessage

    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == channel)))


# --- spot checks --------------------------------------------------------------------------------------------


def test_spot_check_answered_in_time_with_the_enrolled_face_passes(client: Any, ctx: Any) -> None:
    openid = "o" + "SpotCheckPassesOpenid12345A"
    _org, project, person, visit = _on_site(openid=openid)
    sup = supervisor(XUHUI)

    live = client.get("/api/v1/supervision/live-visits", headers=sup.headers).get_json()["items"]
    assert [v["visit_id"] for v in live] == [visit.id]
    assert live[0]["practitioner"]["name_masked"] == "李*"
    assert "李明" not in str(live)

    r = client.post(SPOT, json={"visit_id": visit.id}, headers=sup.headers)
    assert r.status_code == 201, r.get_json()
    check = r.get_json()
    assert check["status"] == "issued"

    pushed = _outbox("wechat_subscribe")
    assert len(pushed) == 1 and pushed[0].recipient == openid
    assert pushed[0].payload["data"]["thing1"]["value"] == project.name[:20]
    assert pushed[0].payload["page"].endswith(f"?id={check['id']}")

    mine = client.get("/api/v1/supervision/my/spot-checks", headers=person.login.headers).get_json()["items"]
    assert [c["id"] for c in mine] == [check["id"]]
    assert mine[0]["notified_via"] == "wechat"

    r = _answer(client, person, check["id"], "obama2.jpg", b.gcj02_at(project, north_m=40))
    assert r.status_code == 200, r.get_json()
    answered = r.get_json()
    assert answered["status"] == "passed"
    assert answered["face_passed"] is True and answered["face_distance"] < 0.5
    assert answered["distance_to_fence_m"] == 0
    assert answered["failure_reasons"] == []

    pending = client.get("/api/v1/supervision/my/spot-checks", headers=person.login.headers).get_json()["items"]
    assert pending == []
    kinds = [e["kind"] for e in _project_events(client, project.id, sup)]
    assert kinds == ["spot_check.issued", "spot_check.passed"]


def _project_events(client: Any, project_id: int, login: Any) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/timeline/projects/{project_id}?order=asc", headers=login.headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def test_spot_check_answered_with_another_face_fails(client: Any, ctx: Any) -> None:
    _org, project, person, visit = _on_site()
    sup = supervisor(XUHUI)
    check = client.post(SPOT, json={"visit_id": visit.id}, headers=sup.headers).get_json()

    r = _answer(client, person, check["id"], "biden.jpg", b.gcj02_at(project))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "failed"
    assert body["face_passed"] is False and body["face_distance"] > 0.5
    assert [reason["code"] for reason in body["failure_reasons"]] == ["face_mismatch"]
    assert body["failure_reasons"][0]["message"] == "人脸比对不一致"

    again = _answer(client, person, check["id"], "obama2.jpg", b.gcj02_at(project))
    assert again.status_code == 409 and again.get_json()["code"] == "spot_check_closed"


def test_spot_check_answered_away_from_the_site_fails(client: Any, ctx: Any) -> None:
    _org, project, person, visit = _on_site()
    sup = supervisor(XUHUI)
    check = client.post(SPOT, json={"visit_id": visit.id}, headers=sup.headers).get_json()

    body = _answer(client, person, check["id"], "obama2.jpg", b.gcj02_at(project, north_m=900)).get_json()
    assert body["status"] == "failed"
    assert [reason["code"] for reason in body["failure_reasons"]] == ["outside_geofence"]
    assert 550 < body["distance_to_fence_m"] < 650  # 900 m from the centre of a 300 m fence
    assert body["face_passed"] is True


def test_photo_without_a_face_is_refused_and_the_check_stays_open(client: Any, ctx: Any) -> None:
    _org, project, person, visit = _on_site()
    sup = supervisor(XUHUI)
    check = client.post(SPOT, json={"visit_id": visit.id}, headers=sup.headers).get_json()

    r = _answer(client, person, check["id"], "coffee.png", b.gcj02_at(project))
    assert r.status_code == 422 and r.get_json()["code"] == "face_no_face"
    status = client.get(f"{SPOT}/{check['id']}", headers=person.login.headers).get_json()["status"]
    assert status == "issued"


def test_a_photo_sent_again_fails_as_a_replay(client: Any, ctx: Any) -> None:
    _org, project, person, visit = _on_site()
    sup = supervisor(XUHUI)
    first = client.post(SPOT, json={"visit_id": visit.id}, headers=sup.headers).get_json()
    assert _answer(client, person, first["id"], "obama2.jpg", b.gcj02_at(project)).get_json()["status"] == "passed"

    second = client.post(SPOT, json={"visit_id": visit.id}, headers=sup.headers).get_json()
    body = _answer(client, person, second["id"], "obama2.jpg", b.gcj02_at(project)).get_json()
    assert body["status"] == "failed"
    assert [reason["code"] for reason in body["failure_reasons"]] == ["photo_replayed"]


def test_unanswered_spot_check_expires_through_the_scheduled_job(client: Any, ctx: Any) -> None:
    from backend.core.schedule import run_periodic, tasks
    from backend.modules.supervision.models import SpotCheck

    assert any(p.name == "expire_spot_checks" for p in tasks())
    _org, project, person, visit = _on_site()
    sup = supervisor(XUHUI)
    check = client.post(SPOT, json={"visit_id": visit.id, "deadline_minutes": 5}, headers=sup.headers).get_json()
    other = b.make_visit(b.make_project(b.make_org(XUHUI), index=1), b.make_practitioner("周杰"))
    still_open = client.post(SPOT, json={"visit_id": other.id, "deadline_minutes": 30}, headers=sup.headers).get_json()

    # Time passes: the first deadline is over, the second is not.
    db.session.execute(
        sa.update(SpotCheck).where(SpotCheck.id == check["id"]).values(deadline_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()

    on_site, project_id = b.gcj02_at(project), project.id
    run_periodic("expire_spot_checks")  # as the scheduler runs it (it ends the session afterwards)

    expired = client.get(f"{SPOT}/{check['id']}", headers=sup.headers).get_json()
    assert expired["status"] == "expired"
    assert [reason["code"] for reason in expired["failure_reasons"]] == ["no_answer"]
    assert client.get(f"{SPOT}/{still_open['id']}", headers=sup.headers).get_json()["status"] == "issued"
    r = _answer(client, person, check["id"], "obama2.jpg", on_site)
    assert r.status_code == 409 and r.get_json()["code"] == "spot_check_closed"
    assert "spot_check.expired" in [e["kind"] for e in _project_events(client, project_id, sup)]


def test_answer_after_the_deadline_closes_the_check_as_expired(client: Any, ctx: Any) -> None:
    from backend.modules.supervision.models import SpotCheck

    _org, project, person, visit = _on_site()
    sup = supervisor(XUHUI)
    check = client.post(SPOT, json={"visit_id": visit.id}, headers=sup.headers).get_json()
    db.session.execute(
        sa.update(SpotCheck).where(SpotCheck.id == check["id"]).values(deadline_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()

    r = _answer(client, person, check["id"], "obama2.jpg", b.gcj02_at(project))
    assert r.status_code == 409 and r.get_json()["code"] == "spot_check_expired"
    assert client.get(f"{SPOT}/{check['id']}", headers=sup.headers).get_json()["status"] == "expired"


def test_practitioner_without_openid_is_notified_by_sms(client: Any, ctx: Any) -> None:
    _org, project, person, visit = _on_site(openid=None)
    sup = supervisor(XUHUI)
    check = client.post(SPOT, json={"visit_id": visit.id}, headers=sup.headers).get_json()

    assert _outbox("wechat_subscribe") == []
    sms = _outbox("sms")
    assert len(sms) == 1 and sms[0].recipient == person.login.phone
    assert project.name in sms[0].payload["text"] and "实时抽查" in sms[0].payload["text"]
    assert client.get(f"{SPOT}/{check['id']}", headers=sup.headers).get_json()["notified_via"] == "sms"


def test_random_share_draws_only_live_practitioners_of_the_jurisdiction(client: Any, ctx: Any) -> None:
    org = b.make_org(XUHUI)
    xuhui_visits = []
    for i in range(10):
        project = b.make_project(org, index=i)
        xuhui_visits.append(b.make_visit(project, b.make_practitioner(f"徐{i}号", org=org)).id)
    huangpu_org = b.make_org(HUANGPU)
    b.make_visit(b.make_project(huangpu_org), b.make_practitioner("黄浦甲", org=huangpu_org))
    gone = b.make_visit(b.make_project(org, index=11), b.make_practitioner("已签退"), status="checked_out")
    stale = b.make_visit(
        b.make_project(org, index=12), b.make_practitioner("昨日未签退"), checked_in_at=utcnow() - timedelta(hours=30)
    )
    sup = supervisor(XUHUI)

    r = client.post(f"{SPOT}/random", json={"share_percent": 10}, headers=sup.headers)
    assert r.status_code == 201, r.get_json()
    batch = r.get_json()
    assert (batch["population"], batch["selected"]) == (10, 1)
    assert batch["checks"][0]["visit_id"] in xuhui_visits

    # The one already under a pending check is not drawn again.
    batch = client.post(f"{SPOT}/random", json={"share_percent": 30}, headers=sup.headers).get_json()
    assert (batch["population"], batch["selected"]) == (9, 3)
    drawn = {c["visit_id"] for c in batch["checks"]}
    assert drawn <= set(xuhui_visits) and gone.id not in drawn and stale.id not in drawn

    empty = client.post(f"{SPOT}/random", json={"share_percent": 10}, headers=supervisor("310115").headers)
    assert empty.status_code == 409 and empty.get_json()["code"] == "spot_check_no_population"


def test_spot_checks_respect_jurisdiction_and_ownership(client: Any, ctx: Any) -> None:
    _org, project, person, visit = _on_site(XUHUI)
    huangpu = supervisor(HUANGPU)
    xuhui = supervisor(XUHUI)

    assert client.get("/api/v1/supervision/live-visits", headers=huangpu.headers).get_json()["items"] == []
    r = client.post(SPOT, json={"visit_id": visit.id}, headers=huangpu.headers)
    assert r.status_code == 403 and r.get_json()["code"] == "out_of_jurisdiction"

    check = client.post(SPOT, json={"visit_id": visit.id}, headers=xuhui.headers).get_json()
    again = client.post(SPOT, json={"visit_id": visit.id}, headers=xuhui.headers)
    assert again.status_code == 409 and again.get_json()["code"] == "spot_check_pending"
    assert client.get(f"{SPOT}/{check['id']}", headers=huangpu.headers).status_code == 403
    assert client.get(SPOT, headers=huangpu.headers).get_json()["items"] == []
    assert [c["id"] for c in client.get(SPOT, headers=xuhui.headers).get_json()["items"]] == [check["id"]]

    stranger = b.make_practitioner("路人乙")
    assert client.get(f"{SPOT}/{check['id']}", headers=stranger.login.headers).status_code == 404
    r = _answer(client, stranger, check["id"], "obama2.jpg", b.gcj02_at(project))
    assert r.status_code == 404
    assert client.get("/api/v1/supervision/my/spot-checks", headers=stranger.login.headers).get_json()["items"] == []

    # The answer photo shows a face: only with the personal-data permission, and the read is audited.
    _answer(client, person, check["id"], "obama2.jpg", b.gcj02_at(project))
    assert client.get(f"{SPOT}/{check['id']}/photo", headers=xuhui.headers).status_code == 403
    allowed = supervisor(XUHUI, permissions=("read_personal_data",))
    photo = client.get(f"{SPOT}/{check['id']}/photo", headers=allowed.headers)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.data == face_photo("obama2.jpg")
    from backend.core.audit import AuditLog

    reads = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "personal_data.read")).all()
    assert [(a.actor_user_id, a.target_id) for a in reads] == [(allowed.user_id, str(check["id"]))]


def test_visit_no_longer_live_cannot_be_spot_checked(client: Any, ctx: Any) -> None:
    org = b.make_org(XUHUI)
    visit = b.make_visit(b.make_project(org), b.make_practitioner("王五"), status="checked_out")
    r = client.post(SPOT, json={"visit_id": visit.id}, headers=supervisor(XUHUI).headers)
    assert r.status_code == 409 and r.get_json()["code"] == "spot_check_visit_not_live"


# --- inspections --------------------------------------------------------------------------------------------

INSPECTIONS = "/api/v1/supervision/inspections"


def _location(project: Any, north_m: float = 0.0) -> dict[str, Any]:
    lng, lat = b.gcj02_at(project, north_m)
    return {"lng": lng, "lat": lat, "crs": "gcj02", "accuracy_m": 8}


def test_project_inspection_with_rectification_is_followed_up_until_closed(client: Any, ctx: Any) -> None:
    org = b.make_org(XUHUI)
    project = b.make_project(org)
    sup = supervisor(XUHUI)
    deadline = (utcnow() + timedelta(days=15)).date().isoformat()
    body = {
        "project_id": project.id,
        "checklist": b.full_checklist(
            failing={"on_site_staff": "项目负责人未到场", "building_notice": "未张贴维保标识"}
        ),
        "findings": "消防控制室值班记录不全",
        "location": _location(project, north_m=50),
        "result": "rectify",
        "rectification_deadline": deadline,
    }
    r = client.post(INSPECTIONS, json=body, headers=sup.headers)
    assert r.status_code == 201, r.get_json()
    inspection = r.get_json()
    assert inspection["check_type"] == "unit" and len(inspection["checklist"]) == 8
    assert (inspection["status"], inspection["result_label"]) == ("rectifying", "责令整改")
    assert inspection["location"]["distance_to_fence_m"] == 0 and inspection["location"]["flags"] == []
    assert inspection["suggested_bases"] == ["art28", "art30"]
    assert inspection["org"]["id"] == org.id and inspection["project"]["id"] == project.id

    photo = base64.b64encode(face_photo("rocket.jpg")).decode()
    r = client.post(
        f"{INSPECTIONS}/{inspection['id']}/photos", json={"photo": photo, "caption": "现场"}, headers=sup.headers
    )
    assert r.status_code == 201, r.get_json()
    url = r.get_json()["photos"][0]["url"]
    assert client.get(url, headers=sup.headers).data == face_photo("rocket.jpg")
    assert client.get(url, headers=org_admin(org.id).headers).status_code == 200
    assert client.get(url, headers=org_admin(b.make_org(XUHUI).id).headers).status_code == 403

    step = {"outcome": "progress", "note": "已安排项目负责人驻场"}
    assert (
        client.post(f"{INSPECTIONS}/{inspection['id']}/follow-ups", json=step, headers=sup.headers).status_code == 201
    )
    done = {"outcome": "rectified", "note": "复查：已整改到位"}
    r = client.post(f"{INSPECTIONS}/{inspection['id']}/follow-ups", json=done, headers=sup.headers)
    assert r.status_code == 201 and r.get_json()["status"] == "closed"
    assert [f["outcome"] for f in r.get_json()["follow_ups"]] == ["progress", "rectified"]
    late = client.post(f"{INSPECTIONS}/{inspection['id']}/follow-ups", json=step, headers=sup.headers)
    assert late.status_code == 409 and late.get_json()["code"] == "inspection_closed"

    kinds = [e["kind"] for e in _project_events(client, project.id, sup)]
    assert kinds == ["inspection.recorded", "inspection.followed_up", "inspection.closed"]


def test_organisation_special_check_covers_article_23_and_flags_a_distant_inspector(client: Any, ctx: Any) -> None:
    org = b.make_org(PUDONG)
    sup = supervisor(PUDONG)
    far = {"lng": org.lng, "lat": org.lat + 0.02, "crs": "wgs84"}  # about 2.2 km north of the office
    body = {"org_id": org.id, "checklist": b.full_checklist("special"), "location": far, "result": "qualified"}
    r = client.post(INSPECTIONS, json=body, headers=sup.headers)
    assert r.status_code == 201, r.get_json()
    inspection = r.get_json()
    assert inspection["check_type"] == "special" and len(inspection["checklist"]) == 14
    assert {"dual_practice", "subcontracting", "archives"} <= {item["code"] for item in inspection["checklist"]}
    assert inspection["status"] == "closed"
    assert inspection["location"]["flags"] == ["outside_geofence"]
    assert 1_800 < inspection["location"]["distance_to_fence_m"] < 2_100

    unit_only = {**body, "checklist": b.full_checklist("unit")}
    r = client.post(INSPECTIONS, json=unit_only, headers=sup.headers)
    assert r.status_code == 422 and r.get_json()["code"] == "inspection_checklist_incomplete"
    assert "dual_practice" in r.get_json()["details"]["missing"]


def test_inspection_results_must_match_the_checklist(client: Any, ctx: Any) -> None:
    project = b.make_project(b.make_org(XUHUI))
    sup = supervisor(XUHUI)
    base = {"project_id": project.id, "location": _location(project)}

    def post(**fields: Any) -> Any:
        return client.post(INSPECTIONS, json={**base, **fields}, headers=sup.headers)

    r = post(checklist=b.full_checklist(failing={"contract": "无书面合同"}), result="qualified")
    assert r.status_code == 422 and r.get_json()["code"] == "inspection_result_inconsistent"
    r = post(checklist=b.full_checklist(), result="rectify", rectification_deadline="2099-01-01")
    assert r.get_json()["code"] == "inspection_result_inconsistent"
    r = post(checklist=b.full_checklist(failing={"contract": "无书面合同"}), result="rectify")
    assert r.get_json()["code"] == "inspection_deadline_required"
    failing_without_note = [
        {**item, "result": "fail"} if item["code"] == "contract" else item for item in b.full_checklist()
    ]
    r = post(checklist=failing_without_note, result="case_filed")
    assert r.get_json()["code"] == "inspection_note_required"
    r = post(checklist=[*b.full_checklist(), {"code": "archives", "result": "pass"}], result="qualified")
    assert r.get_json()["code"] == "inspection_checklist_unknown_item"
    r = post(checklist=[*b.full_checklist(), {"code": "contract", "result": "pass"}], result="qualified")
    assert r.get_json()["code"] == "inspection_checklist_duplicate_item"
    assert r.get_json()["details"]["items"] == ["contract"]
    r = client.post(
        INSPECTIONS, json={**base, "org_id": 1, "checklist": [], "result": "qualified"}, headers=sup.headers
    )
    assert r.get_json()["code"] == "inspection_subject_required"


def test_inspections_are_scoped_to_jurisdiction_and_the_inspected_organisation(client: Any, ctx: Any) -> None:
    org = b.make_org(XUHUI)
    project = b.make_project(org)
    body = {
        "project_id": project.id,
        "checklist": b.full_checklist(),
        "location": _location(project),
        "result": "qualified",
    }
    huangpu = supervisor(HUANGPU)
    r = client.post(INSPECTIONS, json=body, headers=huangpu.headers)
    assert r.status_code == 403 and r.get_json()["code"] == "out_of_jurisdiction"
    inspection = client.post(INSPECTIONS, json=body, headers=supervisor(XUHUI).headers).get_json()

    assert client.get(f"{INSPECTIONS}/{inspection['id']}", headers=huangpu.headers).status_code == 403
    assert client.get(INSPECTIONS, headers=huangpu.headers).get_json()["items"] == []
    own = org_admin(org.id)
    assert [i["id"] for i in client.get(INSPECTIONS, headers=own.headers).get_json()["items"]] == [inspection["id"]]
    assert client.get(f"{INSPECTIONS}/{inspection['id']}", headers=own.headers).status_code == 200
    other = org_admin(b.make_org(XUHUI).id)
    assert client.get(INSPECTIONS, headers=other.headers).get_json()["items"] == []
    assert client.get(f"{INSPECTIONS}/{inspection['id']}", headers=other.headers).status_code == 403
    step = {"outcome": "progress", "note": "越权跟踪"}
    r = client.post(f"{INSPECTIONS}/{inspection['id']}/follow-ups", json=step, headers=huangpu.headers)
    assert r.status_code == 403
    assert client.get(INSPECTIONS, headers=corps_admin().headers).get_json()["items"][0]["id"] == inspection["id"]


# --- penalties ----------------------------------------------------------------------------------------------

PENALTIES = "/api/v1/supervision/penalties"


def _penalty(org: Any, **fields: Any) -> dict[str, Any]:
    return {
        "decision_no": fields.pop("decision_no", f"沪消行罚决字〔2026〕{serial():04d}号"),
        "basis": "art26",
        "facts": "冒用上海某消防技术服务有限公司名义承接维保业务",
        "subject_kind": "organization",
        "org_id": org.id,
        "amount_yuan": 25_000,
        "decided_on": utcnow().date().isoformat(),
        **fields,
    }


def test_penalty_amounts_are_held_to_the_article_ranges(client: Any, ctx: Any) -> None:
    org = b.make_org(XUHUI)
    engineer = b.make_practitioner("赵工程师", face=None, org=org)
    sup = supervisor(XUHUI, permissions=("issue_penalties",))

    def issue(**fields: Any) -> Any:
        return client.post(PENALTIES, json=_penalty(org, **fields), headers=sup.headers)

    cases = [
        ({"basis": "art26", "amount_yuan": 19_999}, 422),
        ({"basis": "art26", "amount_yuan": 20_000}, 201),
        ({"basis": "art26", "amount_yuan": 30_001}, 422),
        ({"basis": "art27", "amount_yuan": 20_000}, 201),
        ({"basis": "art27", "amount_yuan": 9_999}, 422),
        ({"basis": "art28", "amount_yuan": 10_000}, 201),
        ({"basis": "art28", "amount_yuan": 10_001}, 422),
        ({"basis": "art30", "amount_yuan": 5_001}, 422),
        ({"basis": "art30", "amount_yuan": 3_000}, 201),
        ({"basis": "art29", "amount_yuan": 50_000}, 201),
        (
            {
                "basis": "art27",
                "subject_kind": "practitioner",
                "practitioner_id": engineer.practitioner.id,
                "amount_yuan": 10_001,
            },
            422,
        ),
        (
            {
                "basis": "art27",
                "subject_kind": "practitioner",
                "practitioner_id": engineer.practitioner.id,
                "amount_yuan": 5_000,
            },
            201,
        ),
    ]
    for fields, status in cases:
        r = issue(**fields)
        assert r.status_code == status, (fields, r.get_json())
        if status == 422:
            assert r.get_json()["code"] == "penalty_amount_out_of_range"
            assert "罚款幅度" in r.get_json()["details"]["fields"]["amount_yuan"][0]

    r = issue(basis="art26", subject_kind="practitioner", practitioner_id=engineer.practitioner.id)
    assert r.status_code == 422 and r.get_json()["code"] == "penalty_basis_not_for_subject"
    outsider = b.make_practitioner("钱某", face=None, org=b.make_org(XUHUI))
    r = issue(basis="art27", subject_kind="practitioner", practitioner_id=outsider.practitioner.id, amount_yuan=6_000)
    assert r.status_code == 422 and r.get_json()["code"] == "penalty_practitioner_not_of_org"
    taken = issue(decision_no="沪消行罚决字〔2026〕9999号")
    assert taken.status_code == 201
    r = issue(decision_no="沪消行罚决字〔2026〕9999号")
    assert r.status_code == 409 and r.get_json()["code"] == "penalty_decision_no_taken"


def test_penalties_need_the_permission_and_the_jurisdiction(client: Any, ctx: Any) -> None:
    org = b.make_org(XUHUI)
    without = client.post(PENALTIES, json=_penalty(org), headers=supervisor(XUHUI).headers)
    assert without.status_code == 403 and without.get_json()["details"] == {"permission": "issue_penalties"}
    elsewhere = supervisor(HUANGPU, permissions=("issue_penalties",))
    r = client.post(PENALTIES, json=_penalty(org), headers=elsewhere.headers)
    assert r.status_code == 403 and r.get_json()["code"] == "out_of_jurisdiction"
    assert client.post(PENALTIES, json=_penalty(org), headers=corps_admin().headers).status_code == 201


def test_public_penalties_show_only_public_decisions_with_masked_names(client: Any, ctx: Any) -> None:
    org = b.make_org(XUHUI)
    engineer = b.make_practitioner("孙志强", face=None, org=org)
    sup = supervisor(XUHUI, permissions=("issue_penalties",))
    public = client.post(
        PENALTIES,
        json=_penalty(
            org,
            basis="art27",
            subject_kind="practitioner",
            practitioner_id=engineer.practitioner.id,
            amount_yuan=8_000,
            credit_points=6,
        ),
        headers=sup.headers,
    ).get_json()
    hidden = client.post(PENALTIES, json=_penalty(org, is_public=False), headers=sup.headers).get_json()

    listed = client.get("/api/v1/public/penalties").get_json()["items"]
    assert [p["id"] for p in listed] == [public["id"]]
    assert listed[0]["practitioner"]["name_masked"] == "孙*强" and "孙志强" not in str(listed)
    assert listed[0]["article"] == "《社会消防技术服务管理规定》第二十七条"
    assert "credit_points" not in listed[0]

    own = org_admin(org.id)
    assert {p["id"] for p in client.get(PENALTIES, headers=own.headers).get_json()["items"]} == {
        public["id"],
        hidden["id"],
    }
    assert client.get(f"{PENALTIES}/{hidden['id']}", headers=org_admin(b.make_org(XUHUI).id).headers).status_code == 403
    assert client.get(f"{PENALTIES}/{hidden['id']}", headers=supervisor(HUANGPU).headers).status_code == 403

    anonymous = client.get(f"/api/v1/timeline/organizations/{org.id}").get_json()["items"]
    assert [e["kind"] for e in anonymous] == ["penalty.issued"]
    assert anonymous[0]["data"] is None

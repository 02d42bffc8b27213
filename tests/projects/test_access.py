"""Who may see and do what with projects and visits (docs/design.md §5): the role gate of every projects
endpoint for every role, then the object-level rules: jurisdiction, own organisation, own projects, public."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from backend.core.audit import AuditLog
from backend.core.db import db
from tests.access_matrix import ROLES, check, operations
from tests.builders.accounts import make_user
from tests.builders.media import face_photo
from tests.builders.places import place
from tests.projects import builders as b
from tests.projects.test_api import post_check_in

MY_PATHS = ("/api/v1/projects", "/api/v1/visits", "/api/v1/defects", "/api/v1/repairs", "/api/v1/catalogue")
OTHER_MODULES = ("/documents", "/maintenance-notice", "/feedback", "/contact-binding")


def my_operations(app: Any) -> list[Any]:
    ops = [
        op
        for op in operations(app)
        if (op.rule.startswith(MY_PATHS) or op.rule.startswith("/api/v1/public/projects"))
        and not op.rule.endswith(OTHER_MODULES)
    ]
    assert len(ops) >= 25
    return ops


def test_the_role_gate_of_every_projects_endpoint(app: Any, client: Any, ctx: Any) -> None:
    from backend.modules.accounts.models import User
    from backend.modules.accounts.services import _issue_tokens

    users = {role: make_user(roles=(role,), org_id=424242, jurisdiction="310101").user_id for role in ROLES[1:]}
    failures = []
    for op in my_operations(app):
        for role in ROLES:
            headers = {}
            if role != "anonymous":
                user = db.session.get(User, users[role])
                headers = {"Authorization": f"Bearer {_issue_tokens(user).access_token}"}
            problem = check(client, op, role, headers)
            if problem:
                failures.append(problem)
    assert not failures, "\n".join(failures)


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def test_a_xuhui_supervisor_sees_xuhui_projects_and_not_huangpu_ones(client: Any, ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    xuhui = b.make_project(org, lead, site="徐家汇藏书楼")
    huangpu = b.make_project(org, lead, site="人民广场")
    visit = post_check_in(client, huangpu, lead, face_photo("obama2.jpg"), b.check_in_form(place("人民广场")))
    assert visit.status_code == 201
    supervisor = make_user(roles=("supervisor",), jurisdiction="310104")
    assert _ids(client.get("/api/v1/projects", headers=supervisor.headers)) == {xuhui}
    assert (
        _ids(client.get("/api/v1/projects", query_string={"district_code": "310101"}, headers=supervisor.headers))
        == set()
    )
    r = client.get(f"/api/v1/projects/{huangpu}", headers=supervisor.headers)
    assert r.status_code == 403 and r.get_json()["code"] == "out_of_jurisdiction"
    assert client.get(f"/api/v1/projects/{xuhui}", headers=supervisor.headers).status_code == 200
    assert _ids(client.get("/api/v1/visits", headers=supervisor.headers)) == set()
    r = client.get(f"/api/v1/visits/{visit.get_json()['id']}", headers=supervisor.headers)
    assert r.status_code == 403
    r = client.put(
        f"/api/v1/projects/{huangpu}/jurisdiction",
        json={"district_code": "310104", "reason": "越权更正"},
        headers=supervisor.headers,
    )
    assert r.status_code == 403
    huangpu_supervisor = make_user(roles=("supervisor",), jurisdiction="310101")
    assert _ids(client.get("/api/v1/projects", headers=huangpu_supervisor.headers)) == {huangpu}
    assert _ids(client.get("/api/v1/visits", headers=huangpu_supervisor.headers)) == {visit.get_json()["id"]}
    corps = make_user(roles=("corps_admin",))
    assert _ids(client.get("/api/v1/projects", headers=corps.headers)) == {xuhui, huangpu}


def test_a_special_detachment_sees_the_projects_marked_for_it(client: Any, ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    project_id = b.make_project(org, lead, site="外滩")
    water = make_user(roles=("supervisor",), jurisdiction="water")
    assert _ids(client.get("/api/v1/projects", headers=water.headers)) == set()
    huangpu = make_user(roles=("supervisor",), jurisdiction="310101")
    r = client.put(
        f"/api/v1/projects/{project_id}/jurisdiction",
        json={"district_code": "310101", "special_zone": "water", "reason": "黄浦江岸线码头设施"},
        headers=huangpu.headers,
    )
    assert r.status_code == 200 and r.get_json()["special_zone"] == "water"
    assert _ids(client.get("/api/v1/projects", headers=water.headers)) == {project_id}


def test_an_org_admin_cannot_touch_another_organisations_project(client: Any, ctx: Any) -> None:
    org = b.make_org()
    other = b.make_org()
    lead = b.make_practitioner(org.id)
    project_id = b.make_project(org, lead, publish=False)
    stranger = other.admin.headers
    assert client.get(f"/api/v1/projects/{project_id}", headers=stranger).status_code == 403
    assert client.patch(f"/api/v1/projects/{project_id}", json={"name": "改名"}, headers=stranger).status_code == 403
    assert client.post(f"/api/v1/projects/{project_id}/publish", headers=stranger).status_code == 403
    assert client.post(f"/api/v1/projects/{project_id}/plan", json={}, headers=stranger).status_code == 403
    assert client.get(f"/api/v1/projects/{project_id}/plan", headers=stranger).status_code == 403
    assert _ids(client.get("/api/v1/projects", headers=stranger)) == set()
    assert _ids(client.get("/api/v1/projects", headers=org.admin.headers)) == {project_id}
    # registering for another organisation is refused too
    data = b.registration_data(place("人民广场"), lead.id, org_id=org.id)
    body = json.loads(json.dumps(data, default=str))
    assert client.post("/api/v1/projects", json=body, headers=stranger).status_code == 403


def test_a_practitioner_sees_the_projects_they_work_on(client: Any, ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    colleague = b.make_practitioner(org.id, name="林海", face="biden.jpg", engineer=False)
    mine = b.make_project(org, lead, [colleague], site="人民广场")
    not_mine = b.make_project(org, lead, site="静安寺")
    assert _ids(client.get("/api/v1/projects", headers=colleague.login.headers)) == {mine}
    assert client.get(f"/api/v1/projects/{not_mine}", headers=colleague.login.headers).status_code == 403
    detail = client.get(f"/api/v1/projects/{mine}", headers=colleague.login.headers).get_json()
    assert detail["client"]["contact_phone"] == "139****0001" and detail["client"]["contact_name"] == "王*国"


def test_evidence_figures_are_for_supervisors_and_the_organisation(client: Any, ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    project_id = b.make_project(org, lead)
    visit = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), b.check_in_form(place("人民广场")))
    visit_id = visit.get_json()["id"]
    supervisor = make_user(roles=("supervisor",), jurisdiction="310101")
    for headers in (org.admin.headers, supervisor.headers):
        seen = client.get(f"/api/v1/visits/{visit_id}", headers=headers).get_json()
        assert 0 < seen["face_distance"] < 0.5 and seen["distance_to_fence_m"] == 0
        assert seen["device_id"] == "wx-device-0001"
        listed = client.get(f"/api/v1/projects/{project_id}", headers=headers).get_json()["visits"][0]
        assert listed["face_distance"] == seen["face_distance"]
    own = client.get(f"/api/v1/visits/{visit_id}", headers=lead.login.headers).get_json()
    assert own["face_distance"] is None and own["distance_to_fence_m"] is None and own["device_id"] is None


def test_supervisors_read_personal_data_only_with_permission_and_it_is_audited(client: Any, ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    project_id = b.make_project(org, lead)
    plain = make_user(roles=("supervisor",), jurisdiction="310101")
    detail = client.get(f"/api/v1/projects/{project_id}", headers=plain.headers).get_json()
    assert detail["client"]["contact_phone"] == "139****0001" and detail["members"][0]["name"] == "陈*强"
    permitted = make_user(roles=("supervisor",), jurisdiction="310101", permissions=("read_personal_data",))
    detail = client.get(f"/api/v1/projects/{project_id}", headers=permitted.headers).get_json()
    assert detail["client"]["contact_phone"] == "13916000001" and detail["members"][0]["name"] == "陈志强"
    reads = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "personal_data.read")).all()
    assert [(r.actor_user_id, r.target_id) for r in reads] == [(permitted.user_id, str(project_id))]
    # the organisation reads its own client's contact
    own = client.get(f"/api/v1/projects/{project_id}", headers=org.admin.headers).get_json()
    assert own["client"]["contact_phone"] == "13916000001"


def test_the_public_sees_published_projects_without_personal_data(client: Any, ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    published = b.make_project(org, lead, site="人民广场")
    unpublished = b.make_project(org, lead, site="静安寺", publish=False)
    r = client.get("/api/v1/public/projects")
    assert _ids(r) == {published}
    text = json.dumps(r.get_json(), ensure_ascii=False)
    for secret in ("王建国", "13916000001", "陈志强", "139****"):
        assert secret not in text
    (item,) = r.get_json()["items"]
    assert item["lead_name"] == "陈*强" and item["org_name"].endswith("有限公司") and item["status_name"] == "公示中"
    assert client.get(f"/api/v1/public/projects/{unpublished}").status_code == 404
    assert client.get(f"/api/v1/public/projects/{published}").status_code == 200
    catalogue = client.get("/api/v1/catalogue").get_json()
    assert {s["code"] for s in catalogue["systems"]} >= {"fire_alarm", "sprinkler", "extinguisher", "general"}


def test_lists_page_with_a_keyset_cursor(client: Any, ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    created = [b.make_project(org, lead, site=s, publish=False, plan=False) for s in ("人民广场", "外滩", "静安寺")]
    first = client.get("/api/v1/projects", query_string={"limit": 2}, headers=org.admin.headers).get_json()
    assert [p["id"] for p in first["items"]] == sorted(created, reverse=True)[:2]
    second = client.get(
        "/api/v1/projects", query_string={"limit": 2, "cursor": first["next_cursor"]}, headers=org.admin.headers
    ).get_json()
    assert [p["id"] for p in second["items"]] == [min(created)] and second["next_cursor"] is None
    by_status = client.get("/api/v1/projects", query_string={"status": "published"}, headers=org.admin.headers)
    assert _ids(by_status) == set()

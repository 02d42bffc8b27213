"""Object-level access to realname endpoints: jurisdiction for supervisors, ownership for organisations and
practitioners, the permission for unmasked personal data. (tests/test_access_matrix.py walks the role gate
of every endpoint; the first test here repeats that walk for this module's endpoints alone.)"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from backend.core.audit import AuditLog
from backend.core.db import db
from backend.modules.accounts.models import User
from backend.modules.accounts.services import _issue_tokens
from tests.access_matrix import ROLES, check, operations
from tests.builders.accounts import make_user, supervisor
from tests.builders.places import HUANGPU, XUHUI
from tests.realname.builders import SHENWEI, YAOAN, Http, employ, practitioner, practitioner_row, staff_of, verified_org

PREFIXES = (
    "/api/v1/orgs",
    "/api/v1/practitioners",
    "/api/v1/employments",
    "/api/v1/public/orgs",
    "/api/v1/public/practitioners",
)


def test_role_gate_of_every_realname_endpoint(app: Any, client: Any, ctx: Any) -> None:
    users = {role: make_user(roles=(role,), org_id=424242, jurisdiction=XUHUI).user_id for role in ROLES[1:]}
    ops = [op for op in operations(app) if op.rule.startswith(PREFIXES)]
    assert len(ops) >= 45
    failures = []
    for op in ops:
        for role in ROLES:
            headers = {}
            if role != "anonymous":
                user = db.session.get(User, users[role])
                headers = {"Authorization": f"Bearer {_issue_tokens(user).access_token}"}
            if problem := check(client, op, role, headers):
                failures.append(problem)
    assert not failures, "\n".join(failures)


def _world(client: Any) -> dict[str, Any]:
    xuhui_org = verified_org(SHENWEI)  # 徐汇
    huangpu_org = verified_org(YAOAN)  # 黄浦
    person = practitioner(staff_of(SHENWEI, "一级注册消防工程师")[0])
    employ(xuhui_org, person, "technical_lead")
    return {
        "xuhui_org": xuhui_org,
        "huangpu_org": huangpu_org,
        "person": person,
        "practitioner_id": practitioner_row(person).id,
        "xuhui": Http(client, supervisor(XUHUI)),
        "huangpu": Http(client, supervisor(HUANGPU)),
        "corps": Http(client, make_user(roles=("corps_admin",))),
    }


@pytest.mark.registry_data
def test_supervisors_act_only_within_their_jurisdiction(client: Any, ctx: Any) -> None:
    w = _world(client)
    xuhui_org = f"/api/v1/orgs/{w['xuhui_org'].org_id}"
    for method, url, body in (
        ("get", xuhui_org, None),
        ("get", f"{xuhui_org}/conditions", None),
        ("get", f"{xuhui_org}/staff", None),
        ("get", f"{xuhui_org}/documents/business_licence", None),
        ("post", f"{xuhui_org}/suspend", {"reasons": ["越权"]}),
        ("post", f"{xuhui_org}/deregister", {"reason": "越权"}),
        ("get", f"/api/v1/practitioners/{w['practitioner_id']}", None),
        ("post", f"/api/v1/practitioners/{w['practitioner_id']}/alternative-identity", {"method": "video_call"}),
    ):
        r = getattr(w["huangpu"], method)(url, json=body) if body else getattr(w["huangpu"], method)(url)
        assert r.status_code == 403 and r.get_json()["code"] == "out_of_jurisdiction", (method, url, r.get_json())
        ok = getattr(w["corps"], method)(url) if method == "get" else None
        assert ok is None or ok.status_code == 200, (url, ok.get_json() if ok else None)
    listed = w["huangpu"].get("/api/v1/orgs").get_json()["items"]
    assert [o["id"] for o in listed] == [w["huangpu_org"].org_id]
    assert w["huangpu"].get("/api/v1/practitioners").get_json()["items"] == []
    assert [p["id"] for p in w["xuhui"].get("/api/v1/practitioners").get_json()["items"]] == [w["practitioner_id"]]
    assert len(w["corps"].get("/api/v1/orgs").get_json()["items"]) == 2


@pytest.mark.registry_data
def test_org_admins_touch_only_their_own_organisation(client: Any, ctx: Any) -> None:
    w = _world(client)
    other = Http(client, w["huangpu_org"].legal_rep)
    xuhui_org = f"/api/v1/orgs/{w['xuhui_org'].org_id}"
    for method, url, kwargs in (
        ("get", xuhui_org, {}),
        ("patch", xuhui_org, {"json": {"workplace_area_m2": 1}}),
        ("put", f"{xuhui_org}/equipment", {"json": {"items": []}}),
        ("post", f"{xuhui_org}/submit", {}),
        ("get", f"{xuhui_org}/staff", {}),
        ("post", f"{xuhui_org}/staff", {"json": {"phone": "13800000000", "position": "operator"}}),
        ("get", f"{xuhui_org}/admins", {}),
        ("post", f"{xuhui_org}/admins", {"json": {"phone": "13800000000"}}),
        ("get", f"{xuhui_org}/conditions", {}),
        ("get", f"/api/v1/practitioners/{w['practitioner_id']}", {}),
    ):
        r = getattr(other, method)(url, **kwargs)
        assert r.status_code == 403, (method, url, r.get_json())
    assert [o["id"] for o in other.get("/api/v1/orgs").get_json()["items"]] == [w["huangpu_org"].org_id]
    # the employer reads its own staff's profile, names in full but ID masked
    own = Http(client, w["xuhui_org"].legal_rep).get(f"/api/v1/practitioners/{w['practitioner_id']}")
    assert own.status_code == 200 and "*" in own.get_json()["id_number_masked"] and own.get_json()["id_number"] is None
    # ending someone else's employment: invisible
    employment_id = db.session.scalar(sa.text("SELECT id FROM employments"))
    assert other.post(f"/api/v1/employments/{employment_id}/end", json={}).status_code == 404
    stranger = Http(client, practitioner(staff_of(YAOAN, "消防设施操作员")[0]))
    assert stranger.post(f"/api/v1/employments/{employment_id}/end", json={}).status_code == 404


@pytest.mark.registry_data
def test_unmasked_personal_data_needs_the_permission_and_is_audited(client: Any, ctx: Any) -> None:
    w = _world(client)
    url = f"/api/v1/practitioners/{w['practitioner_id']}"
    r = w["xuhui"].get(url, query_string={"unmask": "true"})
    assert r.status_code == 403 and r.get_json()["details"]["permission"] == "read_personal_data"
    masked = w["xuhui"].get(url).get_json()
    person = staff_of(SHENWEI, "一级注册消防工程师")[0]
    assert masked["id_number"] is None and person.id_number not in str(masked)
    permitted = Http(client, supervisor(XUHUI, permissions=("read_personal_data",)))
    r = permitted.get(url, query_string={"unmask": "true"})
    assert r.status_code == 200 and r.get_json()["id_number"] == person.id_number
    r = permitted.get(f"/api/v1/orgs/{w['xuhui_org'].org_id}", query_string={"unmask": "true"})
    assert r.get_json()["legal_rep_id_number"] and "*" not in r.get_json()["legal_rep_id_number"]
    reads = db.session.execute(
        sa.select(AuditLog.actor_user_id, AuditLog.target_type, AuditLog.changes).where(
            AuditLog.action == "personal_data.read"
        )
    ).all()
    assert (permitted.login.user_id, "practitioners", {"fields": ["name", "id_number"]}) in reads  # type: ignore[union-attr]
    assert (w["xuhui"].login.user_id, "practitioners", {"fields": ["name"]}) in reads
    # an organisation's own admins never get the unmasked number
    r = Http(client, w["xuhui_org"].legal_rep).get(url, query_string={"unmask": "true"})
    assert r.status_code == 403


@pytest.mark.registry_data
def test_practitioner_endpoints_act_on_the_caller_only(client: Any, ctx: Any) -> None:
    w = _world(client)
    someone = make_user(roles=("practitioner",))
    r = Http(client, someone).get("/api/v1/practitioners/me")
    assert r.status_code == 403 and r.get_json()["code"] == "practitioner_required"
    cert_id = db.session.scalar(sa.text("SELECT id FROM certificates"))
    other = Http(client, practitioner(staff_of(YAOAN, "消防设施操作员")[0]))
    assert other.delete(f"/api/v1/practitioners/me/certificates/{cert_id}").status_code == 404
    assert other.post(f"/api/v1/practitioners/me/certificates/{cert_id}/recheck").status_code == 404
    # an org admin cannot approve an identity check: that is the supervisors'
    r = Http(client, w["xuhui_org"].legal_rep).post(
        f"/api/v1/practitioners/{w['practitioner_id']}/alternative-identity", json={"method": "video_call"}
    )
    assert r.status_code == 403 and r.get_json()["details"]["gate"] == "role"


def test_a_supervisor_cannot_review_an_organisation_they_manage(client: Any, ctx: Any) -> None:
    from tests.builders.accounts import actor_of
    from tests.realname.builders import registered_org

    setup = registered_org(SHENWEI)
    from backend.modules.realname import services

    services.submit_organization(actor_of(setup.legal_rep), setup.org_id)
    both = make_user(phone=setup.legal_rep.phone, roles=("supervisor",), jurisdiction=XUHUI)
    r = Http(client, both).post(f"/api/v1/orgs/{setup.org_id}/review", json={"decision": "approve"})
    assert r.status_code == 403 and r.get_json()["code"] == "review_own_org"

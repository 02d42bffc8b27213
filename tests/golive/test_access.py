"""Who may import, switch the mode and clear the trial: the corps admin only (every endpoint × every role), and
imported data obeys the same object rules as the rest: jurisdiction for supervisors, own organisation for
organisation admins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from backend.core.db import db
from backend.modules.accounts.models import User
from backend.modules.accounts.services import _issue_tokens
from backend.modules.projects.models import Project
from tests.access_matrix import ROLES, check, operations
from tests.factories import make_user
from tests.golive.builders import copy_sample, read_sample, run_import

PATHS = ("/api/v1/admin/imports", "/api/v1/admin/system", "/api/v1/admin/trial")


def test_every_go_live_endpoint_is_for_the_corps_admin_alone(app: Any, client: Any, ctx: Any) -> None:
    ops = [op for op in operations(app) if op.rule.startswith(PATHS)]
    assert len(ops) == 11
    assert all(op.roles == ("corps_admin",) for op in ops)
    users = {role: make_user(roles=(role,), org_id=424242, jurisdiction="310101").user_id for role in ROLES[1:]}
    failures = []
    for op in ops:
        for role in ROLES:
            headers = {}
            if role != "anonymous":
                headers = {"Authorization": f"Bearer {_issue_tokens(db.session.get(User, users[role])).access_token}"}
            if problem := check(client, op, role, headers):
                failures.append(problem)
    assert not failures, "\n".join(failures)


def test_a_corps_level_supervisor_with_every_permission_still_may_not_import_or_clear(client: Any, ctx: Any) -> None:
    permissions = ("read_personal_data", "issue_penalties", "manage_rules", "export_data")
    supervisor = make_user(roles=("supervisor",), jurisdiction="corps", permissions=permissions)
    for method, url in (
        ("get", "/api/v1/admin/imports"),
        ("get", "/api/v1/admin/imports/templates"),
        ("put", "/api/v1/admin/system/mode"),
        ("post", "/api/v1/admin/trial/clearing"),
    ):
        response = getattr(client, method)(url, json={}, headers=supervisor.headers)
        assert response.status_code == 403 and response.get_json()["details"] == {"gate": "role"}, url


def test_imported_projects_follow_jurisdiction_and_ownership(client: Any, ctx: Any, tmp_path: Path) -> None:
    run_import(copy_sample(tmp_path / "v1"))
    projects = {r["project_no"]: r for r in read_sample("04-projects.csv")}
    orgs = {r["credit_code"]: r for r in read_sample("01-organizations.csv")}
    project = db.session.scalar(
        sa.select(Project).where(Project.imported.is_(True), Project.district_code == "310101").limit(1)
    )
    assert project is not None
    own = orgs[projects[project.project_no]["credit_code"]]
    other = next(o for code, o in orgs.items() if code != own["credit_code"] and o["status"] == "正常")
    url = f"/api/v1/projects/{project.id}"

    huangpu = make_user(roles=("supervisor",), jurisdiction="310101")
    xuhui = make_user(roles=("supervisor",), jurisdiction="310104")
    assert client.get(url, headers=huangpu.headers).status_code == 200
    refused = client.get(url, headers=xuhui.headers)
    assert refused.status_code == 403 and refused.get_json()["code"] == "out_of_jurisdiction"

    owner = make_user(phone=own["legal_rep_phone"])
    stranger = make_user(phone=other["legal_rep_phone"])
    assert client.get(url, headers=owner.headers).status_code == 200
    assert client.get(url, headers=stranger.headers).status_code == 403
    supplement = {"client_contact_name": "王建国", "client_contact_phone": "13916000001"}
    response = client.post(f"{url}/supplement", json=supplement, headers=stranger.headers)
    assert response.status_code == 403

"""Access to the monitoring endpoints: the role gate for every endpoint × role, then the object checks — a
supervisor of one district cannot read or act on another district's subjects, an organisation cannot reach
another organisation's warnings, reports, tracking or scores."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from backend.core.db import db
from backend.core.timeutil import utcnow
from backend.modules.monitoring import reports, scores
from backend.modules.monitoring.models import MonitoringWarning
from backend.modules.monitoring.sqlutil import first_day
from backend.modules.monitoring.warnings.engine import day_window, scan
from tests.access_matrix import ROLES, check, operations
from tests.builders.accounts import actor_of, make_user
from tests.builders.places import HUANGPU, XUHUI
from tests.monitoring.builders import at, clean_month, make_org, one_anomaly_per_rule

PREFIXES = ("/api/v1/stats", "/api/v1/monitoring", "/api/v1/public/rankings")


def test_every_monitoring_endpoint_for_every_role(app: Any, client: Any, ctx: Any) -> None:
    from backend.modules.accounts.models import User
    from backend.modules.accounts.services import _issue_tokens

    ops = [op for op in operations(app) if op.rule.startswith(PREFIXES)]
    assert len(ops) >= 25
    users = {role: make_user(roles=(role,), org_id=424242, jurisdiction=XUHUI).user_id for role in ROLES[1:]}
    failures = []
    for op in ops:
        for role in ROLES:
            headers = {}
            if role != "anonymous":
                user = db.session.get(User, users[role])
                headers = {"Authorization": f"Bearer {_issue_tokens(user).access_token}"}
            problem = check(client, op, role, headers)
            if problem:
                failures.append(problem)
    assert not failures, "\n".join(failures)


def _world() -> Any:
    world = clean_month(reports=False)
    one_anomaly_per_rule(world)
    scan(day_window(at(first_day(world.month), 0), utcnow()))
    report = reports.compile_for(actor_of(world.org.admin), world.org.id, world.month)
    scores.recompute_all()
    world.extra["report_id"] = report.id
    world.extra["warning_id"] = db.session.scalar(
        sa.select(MonitoringWarning.id).where(MonitoringWarning.rule == "face_mismatch")
    )
    return world


def _object_urls(world: Any) -> list[tuple[str, str, dict[str, Any] | None]]:
    warning, report = world.extra["warning_id"], world.extra["report_id"]
    return [
        ("GET", f"/api/v1/monitoring/warnings/{warning}", None),
        ("POST", f"/api/v1/monitoring/warnings/{warning}/acknowledge", {"note": "已阅"}),
        ("GET", f"/api/v1/monitoring/reports/{report}", None),
        ("GET", f"/api/v1/monitoring/reports/{report}/pdf", None),
        ("GET", f"/api/v1/monitoring/reports/{report}/xlsx", None),
        ("GET", f"/api/v1/monitoring/tracking/projects/{world.project.id}?month={world.month}", None),
        ("GET", f"/api/v1/monitoring/scores/organizations/{world.org.id}", None),
        ("GET", f"/api/v1/monitoring/scores/practitioners/{world.lead.id}", None),
    ]


def test_a_supervisor_of_another_district_is_refused_every_object(client: Any, ctx: Any) -> None:
    world = _world()
    huangpu = make_user(roles=("supervisor",), jurisdiction=HUANGPU, permissions=("read_personal_data",))
    for method, url, body in _object_urls(world):
        r = client.open(url, method=method, json=body, headers=huangpu.headers)
        assert (r.status_code, r.get_json()["code"]) == (403, "out_of_jurisdiction"), (method, url)
    for action in ("resolve", "dismiss"):
        r = client.post(
            f"/api/v1/monitoring/warnings/{world.extra['warning_id']}/{action}",
            json={"note": "越权操作"},
            headers=huangpu.headers,
        )
        assert (r.status_code, r.get_json()["code"]) == (403, "out_of_jurisdiction")


def test_another_organisation_is_refused_every_object(client: Any, ctx: Any) -> None:
    world = _world()
    stranger = make_org(XUHUI)
    for method, url, body in _object_urls(world):
        r = client.open(url, method=method, json=body, headers=stranger.admin.headers)
        assert r.status_code == 403, (method, url, r.get_json())
    r = client.post(
        f"/api/v1/monitoring/reports/{world.extra['report_id']}/submit", json={}, headers=stranger.admin.headers
    )
    assert r.status_code == 403
    r = client.post(
        "/api/v1/monitoring/reports",
        json={"org_id": world.org.id, "month": world.month},
        headers=stranger.admin.headers,
    )
    assert r.status_code == 403
    lists = ("warnings", "reports", f"tracking?month={world.month}")
    for path in lists:
        sep = "&" if "?" in path else "?"
        r = client.get(f"/api/v1/monitoring/{path}{sep}limit=100", headers=stranger.admin.headers)
        assert r.status_code == 200 and r.get_json()["items"] == [], path


def test_the_district_supervisor_and_the_organisation_reach_their_objects(client: Any, ctx: Any) -> None:
    world = _world()
    for login in (world.supervisor, world.org.admin):
        for method, url, body in _object_urls(world)[2:]:  # reads that change nothing
            r = client.open(url, method=method, json=body, headers=login.headers)
            assert r.status_code == 200, (url, r.get_json(silent=True))

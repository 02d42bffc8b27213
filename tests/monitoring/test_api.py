"""The monitoring endpoints over HTTP with real tokens: the dashboard summary in the shape the admin SPA reads,
trends, versioned rule settings, the warning workflow, notifications, monthly reports and their exports,
scores and the public ranking."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from backend.core.db import db
from backend.core.timeutil import utcnow
from backend.modules.monitoring.models import MonitoringWarning
from backend.modules.monitoring.sqlutil import first_day
from backend.modules.monitoring.warnings import RULES
from backend.modules.monitoring.warnings.engine import day_window, scan
from tests.builders.accounts import Login, make_user
from tests.builders.places import HUANGPU, XUHUI
from tests.monitoring.builders import at, clean_month, one_anomaly_per_rule

# The keys the admin SPA labels (admin/src/utils/stats.js LABELS)
ADMIN_KEYS = {"organizations", "practitioners", "projects_in_service", "visits_today", "warnings_open", "penalties"}


def h(login: Login) -> dict[str, str]:
    return login.headers


def _scanned_world() -> Any:
    world = clean_month()
    one_anomaly_per_rule(world)
    scan(day_window(at(first_day(world.month), 0), utcnow()))
    return world


def _warning(rule: str) -> MonitoringWarning:
    found = db.session.scalar(sa.select(MonitoringWarning).where(MonitoringWarning.rule == rule))
    assert found is not None
    return found


# --- statistics -------------------------------------------------------------------------------------------


def test_summary_has_the_shape_the_admin_dashboard_reads(client: Any, ctx: Any) -> None:
    world = _scanned_world()
    r = client.get("/api/v1/stats/summary", headers=h(world.supervisor))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    figures = {f["key"]: f for f in body["figures"]}
    assert set(figures) >= ADMIN_KEYS
    assert all(isinstance(f["value"], int) and f["label"] and f["unit"] for f in figures.values())
    assert figures["organizations"]["value"] == 1  # 徐汇 only
    assert figures["warnings_open"]["value"] == db.session.scalar(
        sa.select(sa.func.count()).where(MonitoringWarning.district_code == XUHUI)
    )
    assert [row["district_code"] for row in body["by_district"]] == [XUHUI]
    assert body["by_district"][0]["value"] == figures["projects_in_service"]["value"]
    assert body["district_metric"] == "服务中项目"


def test_trends_by_district(client: Any, ctx: Any) -> None:
    world = clean_month()
    corps = make_user(roles=("corps_admin",))
    r = client.get("/api/v1/stats/trends?metric=visits&months=4&by=district", headers=h(corps))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert len(body["months"]) == 4 and body["series"][0]["key"] == XUHUI
    assert body["series"][0]["values"][body["months"].index(world.month)] == 5
    r = client.get("/api/v1/stats/trends?metric=warnings&by=service_type", headers=h(corps))
    assert r.status_code == 422 and r.get_json()["code"] == "trend_grouping_unsupported"
    r = client.get("/api/v1/stats/trends?metric=nonsense", headers=h(corps))
    assert r.status_code == 422


# --- rule settings ----------------------------------------------------------------------------------------


def test_rules_are_listed_with_the_thresholds_in_force(client: Any, ctx: Any) -> None:
    supervisor = make_user(roles=("supervisor",), jurisdiction=XUHUI)
    r = client.get("/api/v1/monitoring/rules", headers=h(supervisor))
    assert r.status_code == 200
    rules = {rule["code"]: rule for rule in r.get_json()}
    assert set(rules) == set(RULES)
    assert rules["low_rating"]["thresholds"] == {"max_rating": 2} and rules["low_rating"]["version"] == 0
    assert rules["too_many_sites"]["params"][0]["config_key"] == "WARNING_MAX_SITES_PER_DAY"


def test_changing_a_rule_needs_the_permission_and_makes_a_version(client: Any, ctx: Any) -> None:
    body = {"thresholds": {"max_sites": 6}, "severity": "high", "note": "郊区项目分散，放宽至6个"}
    plain = make_user(roles=("supervisor",), jurisdiction=XUHUI)
    r = client.patch("/api/v1/monitoring/rules/too_many_sites", json=body, headers=h(plain))
    assert r.status_code == 403 and r.get_json()["details"]["permission"] == "manage_rules"
    allowed = make_user(roles=("supervisor",), jurisdiction=XUHUI, permissions=("manage_rules",))
    r = client.patch("/api/v1/monitoring/rules/too_many_sites", json=body, headers=h(allowed))
    assert r.status_code == 200, r.get_json()
    changed = r.get_json()
    assert changed["version"] == 1 and changed["thresholds"] == {"max_sites": 6} and changed["severity"] == "high"
    assert changed["changed_by"] == allowed.user_id and changed["note"] == body["note"]
    corps = make_user(roles=("corps_admin",))
    r = client.patch(
        "/api/v1/monitoring/rules/too_many_sites", json={"enabled": False, "note": "暂停"}, headers=h(corps)
    )
    assert r.get_json()["version"] == 2 and r.get_json()["thresholds"] == {"max_sites": 6}
    r = client.get("/api/v1/monitoring/rules/too_many_sites/versions", headers=h(plain))
    assert [(v["version"], v["enabled"], v["changed_by"]) for v in r.get_json()] == [
        (2, False, corps.user_id),
        (1, True, allowed.user_id),
    ]


def test_invalid_rule_changes_are_refused(client: Any, ctx: Any) -> None:
    corps = make_user(roles=("corps_admin",))
    r = client.patch(
        "/api/v1/monitoring/rules/low_rating", json={"thresholds": {"max_rating": 9}, "note": "测试"}, headers=h(corps)
    )
    assert r.status_code == 422 and r.get_json()["code"] == "rule_threshold_invalid"
    assert "max_rating" in r.get_json()["details"]["fields"]["thresholds"]
    r = client.patch(
        "/api/v1/monitoring/rules/low_rating", json={"thresholds": {"nonsense": 1}, "note": "测试"}, headers=h(corps)
    )
    assert r.status_code == 422
    r = client.patch("/api/v1/monitoring/rules/no_such_rule", json={"note": "测试"}, headers=h(corps))
    assert r.status_code == 404 and r.get_json()["code"] == "rule_not_found"


# --- warnings ---------------------------------------------------------------------------------------------


def _codes(client: Any, login: Login, query: str = "") -> set[str]:
    r = client.get(f"/api/v1/monitoring/warnings?limit=100{query}", headers=h(login))
    assert r.status_code == 200, r.get_json()
    return {w["rule"] for w in r.get_json()["items"]}


def test_each_sees_the_warnings_of_its_own(client: Any, ctx: Any) -> None:
    world = _scanned_world()
    huangpu = make_user(roles=("supervisor",), jurisdiction=HUANGPU)
    corps = make_user(roles=("corps_admin",))
    assert _codes(client, corps) == set(RULES)
    assert _codes(client, huangpu) == {"conditions_unmet", "employed_twice"}  # 黄浦's organisation B
    mine = _codes(client, world.org.admin)
    assert "face_mismatch" in mine and "certificate_two_orgs" not in mine  # 挂证 stays with supervisors
    assert _codes(client, world.supervisor, "&rule=face_mismatch") == {"face_mismatch"}
    item = client.get("/api/v1/monitoring/warnings?rule=face_mismatch", headers=h(world.supervisor)).get_json()
    warning = item["items"][0]
    assert warning["subject_name"].endswith("*新") and warning["evidence"]["visit_ids"]
    assert warning["rule_title"] == "人脸比对不一致" and warning["status_name"] == "待处理"


def test_the_warning_workflow(client: Any, ctx: Any) -> None:
    world = _scanned_world()
    warning = _warning("face_mismatch")
    url = f"/api/v1/monitoring/warnings/{warning.id}"
    huangpu = make_user(roles=("supervisor",), jurisdiction=HUANGPU)
    r = client.get(url, headers=h(huangpu))
    assert r.status_code == 403 and r.get_json()["code"] == "out_of_jurisdiction"

    r = client.post(f"{url}/acknowledge", json={"note": "已约谈当事人，重新采集人脸"}, headers=h(world.org.admin))
    assert r.status_code == 200 and r.get_json()["status"] == "acknowledged"
    assert r.get_json()["acknowledged_by"] == world.org.admin.user_id
    r = client.post(f"{url}/resolve", json={"note": "已核实"}, headers=h(world.org.admin))
    assert r.status_code == 403  # closing is the supervisor's decision
    r = client.post(f"{url}/resolve", json={"note": "已核实"}, headers=h(huangpu))
    assert r.status_code == 403 and r.get_json()["code"] == "out_of_jurisdiction"
    r = client.post(f"{url}/resolve", json={}, headers=h(world.supervisor))
    assert r.status_code == 422
    r = client.post(f"{url}/resolve", json={"note": "经现场核查为本人，已重新注册人脸"}, headers=h(world.supervisor))
    assert r.status_code == 200, r.get_json()
    closed = r.get_json()
    assert closed["status"] == "resolved" and closed["closed_by"] == world.supervisor.user_id and closed["closed_at"]
    r = client.post(f"{url}/dismiss", json={"note": "重复"}, headers=h(world.supervisor))
    assert r.status_code == 409 and r.get_json()["code"] == "warning_closed"
    r = client.get(f"/api/v1/timeline/projects/{world.project.id}?kind=warning", headers=h(world.supervisor))
    kinds = [e["kind"] for e in r.get_json()["items"]]
    assert "warning.resolved" in kinds and "warning.raised" in kinds


def test_another_organisation_cannot_touch_a_warning(client: Any, ctx: Any) -> None:
    from tests.monitoring.builders import make_org

    _scanned_world()
    warning = _warning("face_mismatch")
    stranger = make_org(XUHUI)
    r = client.get(f"/api/v1/monitoring/warnings/{warning.id}", headers=h(stranger.admin))
    assert r.status_code == 403
    r = client.post(f"/api/v1/monitoring/warnings/{warning.id}/acknowledge", json={}, headers=h(stranger.admin))
    assert r.status_code == 403
    assert _codes(client, stranger.admin) == set()


def test_notifications_reach_the_supervisor(client: Any, ctx: Any) -> None:
    world = _scanned_world()
    r = client.get("/api/v1/monitoring/notifications?unread=true&limit=100", headers=h(world.supervisor))
    items = r.get_json()["items"]
    assert {n["warning"]["rule"] for n in items} == {
        w.rule for w in db.session.scalars(sa.select(MonitoringWarning).where(MonitoringWarning.district_code == XUHUI))
    }
    first = items[0]
    r = client.post(f"/api/v1/monitoring/notifications/{first['id']}/read", headers=h(world.supervisor))
    assert r.status_code == 200 and r.get_json()["read_at"]
    r = client.post(f"/api/v1/monitoring/notifications/{first['id']}/read", headers=h(world.org.admin))
    assert r.status_code == 404
    r = client.get("/api/v1/monitoring/notifications?unread=true&limit=100", headers=h(world.supervisor))
    assert len(r.get_json()["items"]) == len(items) - 1


def test_corps_admin_runs_a_scan_now(client: Any, ctx: Any) -> None:
    world = clean_month()
    one_anomaly_per_rule(world)
    corps = make_user(roles=("corps_admin",))
    since = at(first_day(world.month), 0).isoformat()
    r = client.post("/api/v1/monitoring/scans", json={"since": since, "rules": ["low_rating"]}, headers=h(corps))
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["status"] == "done"
    assert {w.rule for w in db.session.scalars(sa.select(MonitoringWarning))} == {"low_rating"}
    r = client.post("/api/v1/monitoring/scans", json={"since": "2020-01-01T00:00:00+08:00"}, headers=h(corps))
    assert r.status_code == 422 and r.get_json()["code"] == "scan_window_invalid"


# --- tracking and reports ---------------------------------------------------------------------------------


def test_tracking_over_http(client: Any, ctx: Any) -> None:
    world = clean_month()
    r = client.get(f"/api/v1/monitoring/tracking?month={world.month}", headers=h(world.org.admin))
    assert r.status_code == 200
    (item,) = r.get_json()["items"]
    assert (item["project_id"], item["due"], item["done"], item["completion_rate"]) == (world.project.id, 3, 3, 100.0)
    r = client.get(
        f"/api/v1/monitoring/tracking/projects/{world.project.id}?month={world.month}", headers=h(world.supervisor)
    )
    assert [i["status"] for i in r.get_json()["items"]] == ["done", "done", "done"]
    r = client.get("/api/v1/monitoring/tracking?month=2026-13", headers=h(world.org.admin))
    assert r.status_code == 422


def test_monthly_report_over_http(client: Any, ctx: Any) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    world = clean_month(reports=False)
    admin = world.org.admin
    r = client.post("/api/v1/monitoring/reports", json={"org_id": world.org.id, "month": world.month}, headers=h(admin))
    assert r.status_code == 201, r.get_json()
    report = r.get_json()
    assert report["figures"]["visits"]["accepted"] == 5 and report["status"] == "compiled"
    url = f"/api/v1/monitoring/reports/{report['id']}"
    pdf = client.get(f"{url}/pdf", headers=h(world.supervisor))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) >= 1
    xlsx = client.get(f"{url}/xlsx", headers=h(admin))
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.data))["月度报表"]["B3"].value == world.month
    huangpu = make_user(roles=("supervisor",), jurisdiction=HUANGPU)
    assert client.get(url, headers=h(huangpu)).status_code == 403
    assert client.get(f"{url}/pdf", headers=h(huangpu)).status_code == 403
    r = client.post(f"{url}/submit", json={"remarks": "数据已核对"}, headers=h(world.supervisor))
    assert r.status_code == 403  # the organisation submits its own report
    r = client.post(f"{url}/submit", json={"remarks": "数据已核对"}, headers=h(admin))
    assert r.status_code == 200 and r.get_json()["status"] == "submitted" and r.get_json()["late"] is True
    assert client.post(f"{url}/recompile", headers=h(admin)).status_code == 409
    r = client.get(f"/api/v1/monitoring/reports?month={world.month}", headers=h(world.supervisor))
    assert [x["id"] for x in r.get_json()["items"]] == [report["id"]]
    assert client.get(f"/api/v1/monitoring/reports?month={world.month}", headers=h(huangpu)).get_json()["items"] == []


# --- scores -----------------------------------------------------------------------------------------------


def test_score_details_add_up_and_are_shown_to_whom_they_concern(client: Any, ctx: Any) -> None:
    world = _scanned_world()
    r = client.get(f"/api/v1/monitoring/scores/organizations/{world.org.id}", headers=h(world.org.admin))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert sum(Decimal(str(f["points"])) for f in body["factors"]) == Decimal(str(body["score"]))
    assert body["grade"] in "ABCD" and body["name"] == world.org.row.name
    url = f"/api/v1/monitoring/scores/practitioners/{world.lead.id}"
    own = client.get(url, headers=h(world.lead.login))
    assert own.status_code == 200 and own.get_json()["name"] == "张*明"
    assert client.get(url, headers=h(world.operator.login)).status_code == 403
    huangpu = make_user(roles=("supervisor",), jurisdiction=HUANGPU)
    r = client.get(url, headers=h(huangpu))
    assert r.status_code == 403 and r.get_json()["code"] == "out_of_jurisdiction"
    assert client.get(url, headers=h(world.supervisor)).status_code == 200


def test_public_ranking_needs_no_login_and_shows_no_personal_data(client: Any, ctx: Any) -> None:
    from backend.modules.monitoring import scores

    world = _scanned_world()
    scores.recompute_all()
    r = client.get("/api/v1/public/rankings?limit=10")
    assert r.status_code == 200
    body = r.get_json()
    assert [item["rank"] for item in body["items"]] == sorted(item["rank"] for item in body["items"])
    assert len(body["items"]) == 3 and world.org.id in {item["org_id"] for item in body["items"]}
    text = json.dumps(body, ensure_ascii=False)
    assert "周建华" not in text and "张伟明" not in text and "factors" not in text  # no legal rep, no staff
    assert client.get("/api/v1/public/rankings?district_code=999999").status_code == 422
    r = client.get(f"/api/v1/public/rankings?district_code={XUHUI}")
    assert [item["org_id"] for item in r.get_json()["items"]] == [world.org.id]
    # a page of search results asks for its organisations only, and each keeps its place in the whole ranking
    last = body["items"][-1]
    r = client.get(f"/api/v1/public/rankings?org_ids={last['org_id']},999999")
    assert r.status_code == 200
    assert [(i["org_id"], i["rank"]) for i in r.get_json()["items"]] == [(last["org_id"], last["rank"])]
    assert last["rank"] > 1
    assert client.get("/api/v1/public/rankings?org_ids=abc").status_code == 422


def test_practitioners_are_ranked_within_what_the_caller_sees(client: Any, ctx: Any) -> None:
    from backend.modules.monitoring import scores
    from backend.modules.monitoring.models import Score

    world = _scanned_world()
    scores.recompute_all()
    expected = db.session.execute(
        sa.select(Score.subject_id, Score.score_tenths)
        .where(Score.subject_kind == "practitioner", Score.org_id == world.org.id)
        .order_by(Score.score_tenths.desc(), Score.subject_id)
    ).all()
    assert len(expected) >= 2
    url = "/api/v1/monitoring/rankings/practitioners"
    for viewer in (world.supervisor, world.org.admin):
        r = client.get(url, headers=h(viewer))
        assert r.status_code == 200, r.get_json()
        items = r.get_json()["items"]
        assert [(i["practitioner_id"], round(i["score"] * 10)) for i in items] == [tuple(e) for e in expected]
        assert items[0]["rank"] == 1 and all(i["org_id"] == world.org.id for i in items)
        assert "张*明" in {i["name_masked"] for i in items} and "张伟明" not in json.dumps(items, ensure_ascii=False)
    # paging by cursor keeps the order
    first = client.get(f"{url}?limit=1", headers=h(world.supervisor)).get_json()
    second = client.get(f"{url}?limit=1&cursor={first['next_cursor']}", headers=h(world.supervisor)).get_json()
    assert [first["items"][0]["practitioner_id"], second["items"][0]["practitioner_id"]] == [e[0] for e in expected[:2]]
    # another district sees none of them; a practitioner and a stranger are refused
    huangpu = make_user(roles=("supervisor",), jurisdiction=HUANGPU)
    assert client.get(url, headers=h(huangpu)).get_json()["items"] == []
    assert client.get(url, headers=h(world.lead.login)).status_code == 403
    assert client.get(url).status_code == 401

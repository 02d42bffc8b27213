"""The timeline: a project's whole life in order, each viewer's slice, drill-down, and tamper evidence."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from backend.core.db import db, unit_of_work
from backend.core.timeline import append_event, verify_chain
from backend.core.timeutil import utcnow
from tests.builders.accounts import corps_admin, org_admin, supervisor
from tests.builders.media import face_photo
from tests.builders.places import HUANGPU, XUHUI
from tests.supervision import builders as b

TIMELINE = "/api/v1/timeline"


def _append(kind: str, project: Any, *, at: datetime, visibility: str = "org", **fields: Any) -> int:
    """What the realname, projects, documents and feedback modules do inside their own units of work."""
    with unit_of_work() as uow:
        event = append_event(
            kind,
            fields.pop("summary", kind),
            org_id=project.org_id,
            project_id=project.id,
            district_code=project.district_code,
            visibility=visibility,
            occurred_at=at,
            **fields,
        )
        uow.commit()
    return event.id


def _all(client: Any, url: str, headers: dict[str, str] | None = None, limit: int = 3) -> list[dict[str, Any]]:
    """Walk every page of a list, following next_cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    sep = "&" if "?" in url else "?"
    while True:
        page_url = f"{url}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        r = client.get(page_url, headers=headers or {})
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return items


def test_a_projects_timeline_shows_its_whole_life_in_order(client: Any, ctx: Any) -> None:
    org = b.make_org(XUHUI)
    project = b.make_project(org, status="in_service")
    engineer = b.make_practitioner("陈晨", org=org)
    visit = b.make_visit(project, engineer, status="checked_out")
    day = timedelta(days=1)
    start = utcnow() - 60 * day
    history = [
        ("project.registered", start, "public"),
        ("project.published", start + 5 * day, "public"),
        ("visit.checked_in", start + 50 * day, "org"),
        ("record.created", start + 50 * day + timedelta(hours=1), "org"),
        ("visit.checked_out", start + 50 * day + timedelta(hours=2), "org"),
        ("feedback.confirmed", start + 51 * day, "client"),
        ("document.effective", start + 52 * day, "public"),
    ]
    for kind, at, visibility in history:
        _append(
            kind,
            project,
            at=at,
            visibility=visibility,
            practitioner_id=engineer.practitioner.id,
            data={"visit_id": visit.id},
        )

    sup = supervisor(XUHUI, permissions=("issue_penalties",))
    spot = client.post(
        "/api/v1/supervision/spot-checks", json={"visit_id": b.make_visit(project, engineer).id}, headers=sup.headers
    )
    lng, lat = b.gcj02_at(project)
    answer = {"photo": base64.b64encode(face_photo("obama2.jpg")).decode(), "lng": lng, "lat": lat}
    url = f"/api/v1/supervision/my/spot-checks/{spot.get_json()['id']}/answer"
    assert client.post(url, json=answer, headers=engineer.login.headers).get_json()["status"] == "passed"
    inspection = {
        "project_id": project.id,
        "checklist": b.full_checklist(failing={"building_notice": "未设置维保标识"}),
        "location": {"lng": lng, "lat": lat},
        "result": "case_filed",
    }
    inspection_id = client.post("/api/v1/supervision/inspections", json=inspection, headers=sup.headers).get_json()[
        "id"
    ]
    penalty = {
        "decision_no": "沪消行罚决字〔2026〕0815号",
        "basis": "art30",
        "facts": "未在建筑物显著位置设置维护保养标识",
        "subject_kind": "organization",
        "org_id": org.id,
        "inspection_id": inspection_id,
        "amount_yuan": 3_000,
        "decided_on": utcnow().date().isoformat(),
    }
    assert client.post("/api/v1/supervision/penalties", json=penalty, headers=sup.headers).status_code == 201
    _append("project.concluded", project, at=utcnow(), visibility="public")

    expected = [kind for kind, _, _ in history] + [
        "spot_check.issued",
        "spot_check.passed",
        "inspection.recorded",
        "penalty.issued",
        "project.concluded",
    ]
    life = _all(client, f"{TIMELINE}/projects/{project.id}?order=asc", sup.headers)
    assert [e["kind"] for e in life] == expected
    times = [datetime.fromisoformat(e["occurred_at"]) for e in life]
    assert times == sorted(times)
    newest_first = _all(client, f"{TIMELINE}/projects/{project.id}", sup.headers, limit=4)
    assert [e["id"] for e in newest_first] == [e["id"] for e in reversed(life)]

    visit_event = life[2]
    assert visit_event["links"]["visit_records"] == f"{TIMELINE}/visits/{visit.id}/records"
    assert visit_event["links"]["organization"] == f"{TIMELINE}/organizations/{org.id}"
    assert visit_event["data"] == {"visit_id": visit.id}

    public = _all(client, f"{TIMELINE}/projects/{project.id}?order=asc")
    assert [e["kind"] for e in public] == [
        "project.registered",
        "project.published",
        "document.effective",
        "penalty.issued",
        "project.concluded",
    ]
    assert all(e["data"] is None and e["actor_user_id"] is None for e in public)
    assert verify_chain().ok


def test_kind_and_time_filters(client: Any, ctx: Any) -> None:
    project = b.make_project(b.make_org(XUHUI))
    t0 = utcnow() - timedelta(days=10)
    for i, kind in enumerate(["visit.checked_in", "visit.checked_out", "visitor.registered", "spot_check.issued"]):
        _append(kind, project, at=t0 + timedelta(days=i))
    sup = supervisor(XUHUI)
    url = f"{TIMELINE}/projects/{project.id}"

    def kinds(query: str) -> list[str]:
        r = client.get(f"{url}?order=asc&{query}", headers=sup.headers)
        assert r.status_code == 200, r.get_json()
        return [e["kind"] for e in r.get_json()["items"]]

    assert kinds("kind=visit") == ["visit.checked_in", "visit.checked_out"]
    assert kinds("kind=visit.checked_out&kind=spot_check") == ["visit.checked_out", "spot_check.issued"]
    assert kinds("kind=spot") == []  # a prefix matches whole dotted segments only
    since = (t0 + timedelta(days=1)).isoformat()
    until = (t0 + timedelta(days=3)).isoformat()
    assert kinds(f"since={since.replace('+', '%2B')}&until={until.replace('+', '%2B')}") == [
        "visit.checked_out",
        "visitor.registered",
    ]
    r = client.get(f"{url}?kind=DROP%20TABLE", headers=sup.headers)
    assert r.status_code == 422


@pytest.fixture
def four_levels(ctx: Any) -> dict[str, Any]:
    """A Xuhui project whose timeline has one event at each visibility level."""
    org = b.make_org(XUHUI)
    project = b.make_project(org)
    project.client_contact_openid = "o" + "ClientContactOpenid123456789"[:27]
    db.session.commit()
    engineer = b.make_practitioner("刘洋", face=None, org=org)
    t0 = utcnow() - timedelta(days=5)
    ids = {
        level: _append(
            f"test.{level}",
            project,
            at=t0 + timedelta(hours=i),
            visibility=level,
            practitioner_id=engineer.practitioner.id,
        )
        for i, level in enumerate(("public", "client", "org", "supervisor"))
    }
    return {"org": org, "project": project, "engineer": engineer, "ids": ids}


def _levels(client: Any, url: str, headers: dict[str, str] | None = None) -> list[str]:
    r = client.get(url, headers=headers or {})
    assert r.status_code == 200, r.get_json()
    return sorted(e["visibility"] for e in r.get_json()["items"])


def test_each_viewer_sees_only_its_slice(client: Any, four_levels: dict[str, Any]) -> None:
    org, project, engineer = four_levels["org"], four_levels["project"], four_levels["engineer"]
    for url in (f"{TIMELINE}/projects/{project.id}", f"{TIMELINE}/organizations/{org.id}"):
        assert _levels(client, url) == ["public"]
        assert _levels(client, url, org_admin(org.id).headers) == ["client", "org", "public"]
        assert _levels(client, url, org_admin(b.make_org(XUHUI).id).headers) == ["public"]
        assert _levels(client, url, supervisor(XUHUI).headers) == ["client", "org", "public", "supervisor"]
        assert _levels(client, url, supervisor(HUANGPU).headers) == ["public"]
        assert _levels(client, url, corps_admin().headers) == ["client", "org", "public", "supervisor"]

    mine = f"{TIMELINE}/practitioners/{engineer.practitioner.id}"
    assert _levels(client, mine, engineer.login.headers) == ["client", "org", "public"]
    assert _levels(client, mine, b.make_practitioner("旁人", face=None).login.headers) == ["public"]


def test_client_contact_sees_public_and_client_events_of_its_own_project(four_levels: dict[str, Any]) -> None:
    from backend.core.errors import Forbidden
    from backend.modules.lifecycle.services import client_project_timeline

    project = four_levels["project"]
    args = {"limit": 20, "cursor": None}
    page = client_project_timeline(project.client_contact_openid, project.id, args)
    assert sorted(view.event.visibility for view in page.items) == ["client", "public"]
    with pytest.raises(Forbidden):
        client_project_timeline("o" + "SomeoneElsesOpenid1234567890"[:27], project.id, args)
    with pytest.raises(Forbidden):
        client_project_timeline("", project.id, args)


def test_public_sees_nothing_of_an_organisation_not_yet_verified(client: Any, ctx: Any) -> None:
    org = b.make_org(XUHUI, status="submitted")
    project = b.make_project(org)
    _append("org.submitted", project, at=utcnow(), visibility="public")
    assert client.get(f"{TIMELINE}/organizations/{org.id}").get_json()["items"] == []
    assert _levels(client, f"{TIMELINE}/organizations/{org.id}", supervisor(XUHUI).headers) == ["public"]
    assert client.get(f"{TIMELINE}/organizations/999999").status_code == 404


def test_drill_down_from_organisation_to_projects_visits_and_records(client: Any, ctx: Any) -> None:
    org = b.make_org(XUHUI)
    serving = b.make_project(org, status="in_service")
    unpublished = b.make_project(org, index=1, status="registered")
    first, second = b.make_practitioner("甲工", face=None, org=org), b.make_practitioner("乙工", face=None, org=org)
    first_visit = b.make_visit(serving, first, status="checked_out")
    second_visit = b.make_visit(serving, second)
    b.make_work_record(first_visit, note="报警控制器自检正常")
    b.make_work_record(first_visit, result="defect", note="3层感烟探测器故障")
    b.make_work_record(second_visit)

    public = client.get(f"{TIMELINE}/organizations/{org.id}/projects").get_json()["items"]
    assert [(p["id"], p["visits"], p["work_records"]) for p in public] == [(serving.id, 2, 3)]
    assert public[0]["links"]["visits"] == f"{TIMELINE}/projects/{serving.id}/visits"
    own = client.get(f"{TIMELINE}/organizations/{org.id}/projects", headers=org_admin(org.id).headers)
    assert {p["id"] for p in own.get_json()["items"]} == {serving.id, unpublished.id}
    huangpu = supervisor(HUANGPU)
    elsewhere = client.get(f"{TIMELINE}/organizations/{org.id}/projects", headers=huangpu.headers)
    assert [p["id"] for p in elsewhere.get_json()["items"]] == [serving.id]

    visits_url = f"{TIMELINE}/projects/{serving.id}/visits"
    all_visits = client.get(visits_url, headers=supervisor(XUHUI).headers).get_json()["items"]
    assert [(v["id"], v["work_records"]) for v in all_visits] == [(second_visit.id, 1), (first_visit.id, 2)]
    assert all_visits[1]["practitioner_name"] == "甲*"
    only_mine = client.get(visits_url, headers=first.login.headers).get_json()["items"]
    assert [v["id"] for v in only_mine] == [first_visit.id]
    r = client.get(visits_url, headers=huangpu.headers)
    assert r.status_code == 403 and r.get_json()["code"] == "out_of_jurisdiction"
    assert client.get(visits_url).status_code == 401
    assert client.get(visits_url, headers=org_admin(b.make_org(XUHUI).id).headers).status_code == 403

    records_url = all_visits[1]["links"]["records"]
    records = client.get(records_url, headers=org_admin(org.id).headers).get_json()["items"]
    assert [(r["result"], r["note"]) for r in records] == [
        ("defect", "3层感烟探测器故障"),
        ("normal", "报警控制器自检正常"),
    ]
    assert records[0]["plan_item_name"] == "火灾报警控制器功能检查"
    assert client.get(records_url, headers=first.login.headers).status_code == 200
    assert client.get(records_url, headers=second.login.headers).status_code == 403


# --- tamper evidence ----------------------------------------------------------------------------------------


def _history(count: int = 5) -> list[int]:
    project = b.make_project(b.make_org(XUHUI))
    t0 = utcnow() - timedelta(days=count)
    return [_append(f"project.step{i}", project, at=t0 + timedelta(days=i), visibility="public") for i in range(count)]


def test_changing_one_row_by_sql_breaks_the_chain_at_that_row(app: Any, client: Any, ctx: Any) -> None:
    ids = _history()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["timeline", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "已校验 5 条记录" in ok.output

    db.session.execute(
        sa.text("UPDATE timeline_events SET summary = :text WHERE id = :id"), {"text": "已整改（篡改）", "id": ids[2]}
    )
    db.session.commit()

    report = verify_chain()
    assert (report.ok, report.broken_at, report.checked) == (False, ids[2], 2)
    broken = runner.invoke(args=["timeline", "verify"])
    assert broken.exit_code == 1
    assert f"#{ids[2]}" in broken.output and "被修改" in broken.output
    api = client.get(f"{TIMELINE}/verify", headers=corps_admin().headers).get_json()
    assert (api["ok"], api["broken_at"]) == (False, ids[2])


def test_deleting_a_row_names_the_row_after_it(ctx: Any) -> None:
    ids = _history()
    db.session.execute(sa.text("DELETE FROM timeline_events WHERE id = :id"), {"id": ids[1]})
    db.session.commit()
    report = verify_chain()
    assert (report.ok, report.broken_at) == (False, ids[2])
    assert "删除" in (report.reason or "")


def test_deleting_the_newest_row_is_caught_by_the_chain_head(ctx: Any) -> None:
    ids = _history(3)
    db.session.execute(sa.text("DELETE FROM timeline_events WHERE id = :id"), {"id": ids[-1]})
    db.session.commit()
    report = verify_chain()
    assert (report.ok, report.broken_at) == (False, ids[-1])

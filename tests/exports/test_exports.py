"""Server-side export through the HTTP API, on the demo data (several districts, every list filled).

The file must hold exactly the rows the list endpoint answers the same user with the same filters: the same
query, the same jurisdiction filter, the same masking.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from backend.core.audit import AuditLog
from backend.core.db import db
from backend.core.timeutil import today as shanghai_today
from backend.core.timeutil import utcnow
from backend.modules.exports import registry
from backend.modules.exports.writers import safe_text
from tests.builders.accounts import Login, make_user
from tests.supervision import builders as sb

# Every test here loads the demo, whose organisations and staff come from the registry data set.
pytestmark = pytest.mark.registry_data

HUANGPU = "310101"
LIST_PATHS = {
    "organizations": "/api/v1/orgs",
    "practitioners": "/api/v1/practitioners",
    "projects": "/api/v1/projects",
    "visits": "/api/v1/visits",
    "documents": "/api/v1/documents",
    "feedback": "/api/v1/feedback",
    "inspections": "/api/v1/supervision/inspections",
    "spot-checks": "/api/v1/supervision/spot-checks",
    "penalties": "/api/v1/supervision/penalties",
    "audit-logs": "/api/v1/admin/audit-logs",
    "supervisors": "/api/v1/admin/supervisors",
    "warnings": "/api/v1/monitoring/warnings",
    "reports": "/api/v1/monitoring/reports",
    "tracking": "/api/v1/monitoring/tracking",
    "scores": "/api/v1/public/rankings",
}
CORPS_ONLY = {"audit-logs", "supervisors"}


@pytest.fixture
def demo(ctx: Any) -> dict[str, Login]:
    from backend.demo import load_demo

    load_demo()
    corps = make_user(roles=("corps_admin",))
    # The demo has no site visits yet: people on site in 黄浦 and 徐汇, one of them spot-checked.
    for district, name in ((HUANGPU, "李明"), ("310104", "王芳")):
        org = sb.make_org(district)
        project = sb.make_project(org)
        person = sb.make_practitioner(name, org=org)
        sb.make_visit(project, person, status="checked_out", checked_in_at=utcnow() - timedelta(hours=5))
        visit = sb.make_visit(project, person)
        r = ctx.app.test_client().post(
            "/api/v1/supervision/spot-checks", json={"visit_id": visit.id}, headers=corps.headers
        )
        assert r.status_code == 201, r.get_json()
    return {
        "huangpu": make_user(roles=("supervisor",), jurisdiction=HUANGPU, permissions=("export_data",)),
        "xuhui": make_user(roles=("supervisor",), jurisdiction="310104", permissions=("export_data",)),
        "no_permission": make_user(roles=("supervisor",), jurisdiction=HUANGPU, permissions=("read_personal_data",)),
        "corps": corps,
    }


def _filters(key: str, who: str) -> dict[str, str]:
    if key == "tracking":
        return {"month": shanghai_today().strftime("%Y-%m")}
    if key == "scores" and who == "huangpu":
        return {"district_code": HUANGPU}  # the ranking is public; a district's export is its own district
    return {}


def list_rows(client: Any, login: Login, key: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {**filters, "limit": 100, **({"cursor": cursor} if cursor else {})}
        r = client.get(LIST_PATHS[key], query_string=params, headers=login.headers)
        assert r.status_code == 200, (key, r.get_json())
        body = r.get_json()
        rows += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return rows


def expected_cells(key: str, rows: list[dict[str, Any]]) -> list[list[str]]:
    """What the list endpoint's rows look like through the export's columns, as text read back from a file."""
    source = registry.get(key)
    assert source is not None
    return [[_text(safe_text(cell(row))) for _, cell in source.columns] for row in rows]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def export(client: Any, login: Login, key: str, fmt: str, filters: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {"list": key, "format": fmt, "filters": filters or {}}
    r = client.post("/api/v1/exports", json=body, headers=login.headers)
    assert r.status_code == 202, (key, r.get_json())
    job = r.get_json()
    # The embedded default runs the job in-process: it has finished when the request returns.
    r = client.get(f"/api/v1/exports/{job['id']}", headers=login.headers)
    assert r.status_code == 200
    return r.get_json()


def download(client: Any, login: Login, export_id: int) -> Any:
    return client.get(f"/api/v1/exports/{export_id}/file", headers=login.headers)


def read_xlsx(data: bytes) -> tuple[list[str], list[list[str]]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    values = [[_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    return values[0], values[1:]


def read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV must start with the UTF-8 BOM so that Excel reads Chinese"
    values = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return values[0], values[1:]


def test_huangpu_supervisor_exports_only_huangpu_projects_to_excel(client: Any, demo: dict[str, Login]) -> None:
    huangpu = demo["huangpu"]
    rows = list_rows(client, huangpu, "projects", {})
    assert rows and {r["district_code"] for r in rows} == {HUANGPU}
    all_rows = list_rows(client, demo["corps"], "projects", {})
    assert len(all_rows) > len(rows)

    job = export(client, huangpu, "projects", "xlsx")
    assert job["status"] == "done" and job["rows"] == len(rows) and job["progress_done"] == len(rows)
    assert job["filename"].startswith("项目-") and job["filename"].endswith(".xlsx")

    r = download(client, huangpu, job["id"])
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "no-store" in r.headers["Cache-Control"]
    headers, cells = read_xlsx(r.data)
    assert headers[:3] == ["项目编号", "项目名称", "服务类型"]
    assert cells == expected_cells("projects", rows)
    assert {c[headers.index("所属区")] for c in cells} == {"黄浦区"}

    # A filter narrows the export exactly as it narrows the list.
    status = rows[0]["status"]
    narrowed = list_rows(client, huangpu, "projects", {"status": status})
    job = export(client, huangpu, "projects", "csv", {"status": status})
    headers, cells = read_csv(download(client, huangpu, job["id"]).data)
    assert cells == expected_cells("projects", narrowed)


def test_every_list_exports_the_list_endpoints_rows(client: Any, demo: dict[str, Login]) -> None:
    assert set(registry.sources()) == set(LIST_PATHS)
    filled = set()
    for key in LIST_PATHS:
        users = ["corps"] if key in CORPS_ONLY else ["corps", "huangpu"]
        for who in users:
            login = demo[who]
            filters = _filters(key, who)
            for fmt, reader in (("xlsx", read_xlsx), ("csv", read_csv)):
                rows = list_rows(client, login, key, filters)
                job = export(client, login, key, fmt, filters)
                assert job["status"] == "done", (key, who, job)
                r = download(client, login, job["id"])
                assert r.status_code == 200, (key, who, r.get_json())
                headers, cells = reader(r.data)
                assert headers == [label for label, _ in registry.get(key).columns]  # type: ignore[union-attr]
                if key == "audit-logs":  # the export's own request is logged before its rows are read
                    assert cells[0][4] == "data_export.request" and cells[0][6] == str(job["id"])
                    cells = cells[1:]
                assert cells == expected_cells(key, rows), (key, who, fmt)
            if rows:
                filled.add(key)
    # The demo data fills most lists, so the comparison above is not between two empty files.
    print("filled lists:", sorted(filled))
    assert {"organizations", "practitioners", "projects", "visits", "spot-checks", "penalties", "scores"} <= filled


def test_huangpu_rows_stay_in_huangpu_across_lists(client: Any, demo: dict[str, Login]) -> None:
    huangpu = demo["huangpu"]
    for key, column in (("organizations", "所属区"), ("scores", "所属区"), ("inspections", "所属区")):
        job = export(client, huangpu, key, "xlsx")
        headers, cells = read_xlsx(download(client, huangpu, job["id"]).data)
        assert {c[headers.index(column)] for c in cells} <= {"黄浦区"}, key
    corps_orgs = export(client, demo["corps"], "organizations", "xlsx")
    huangpu_orgs = export(client, huangpu, "organizations", "xlsx")
    assert 0 < huangpu_orgs["rows"] < corps_orgs["rows"]


def test_personal_data_stays_masked_as_in_the_list(client: Any, demo: dict[str, Login]) -> None:
    corps = demo["corps"]
    job = export(client, corps, "practitioners", "csv")
    headers, cells = read_csv(download(client, corps, job["id"]).data)
    names = [c[headers.index("姓名")] for c in cells]
    assert names and all("*" in n for n in names)
    full_names = {r["name"] for r in list_rows(client, corps, "practitioners", {}) if r.get("name")}
    text = download(client, corps, job["id"]).data.decode("utf-8-sig")
    assert not any(name in text for name in full_names if len(name) > 1)

    job = export(client, corps, "supervisors", "csv")
    headers, cells = read_csv(download(client, corps, job["id"]).data)
    phones = [c[headers.index("手机号")] for c in cells]
    assert phones and all("****" in p for p in phones)


def test_refusals(client: Any, demo: dict[str, Login]) -> None:
    huangpu = demo["huangpu"]
    body = {"list": "projects", "format": "xlsx"}

    assert client.post("/api/v1/exports", json=body).status_code == 401
    org_admin = make_user(roles=("org_admin",), org_id=1)
    r = client.post("/api/v1/exports", json=body, headers=org_admin.headers)
    assert r.status_code == 403 and r.get_json()["details"] == {"gate": "role"}
    practitioner = make_user(roles=("practitioner",))
    assert client.post("/api/v1/exports", json=body, headers=practitioner.headers).status_code == 403

    # A supervisor without the export permission the corps admin grants.
    r = client.post("/api/v1/exports", json=body, headers=demo["no_permission"].headers)
    assert r.status_code == 403 and r.get_json()["details"] == {"permission": "export_data"}

    # The list's own gate: the audit log is the corps admin's.
    r = client.post("/api/v1/exports", json={**body, "list": "audit-logs"}, headers=huangpu.headers)
    assert r.status_code == 403 and r.get_json()["details"] == {"list": "audit-logs"}

    r = client.post("/api/v1/exports", json={**body, "list": "outbox"}, headers=huangpu.headers)
    assert r.status_code == 422 and r.get_json()["code"] == "export_list_unknown"
    r = client.post("/api/v1/exports", json={**body, "format": "pdf"}, headers=huangpu.headers)
    assert r.status_code == 422 and "format" in r.get_json()["details"]["fields"]["json"]
    r = client.post("/api/v1/exports", json={**body, "filters": {"status": "bogus"}}, headers=huangpu.headers)
    assert r.status_code == 422 and "status" in r.get_json()["details"]["fields"]["filters"]
    r = client.post("/api/v1/exports", json={"list": "tracking"}, headers=huangpu.headers)
    assert r.status_code == 422 and "month" in r.get_json()["details"]["fields"]["filters"]

    # Only the user who asked sees the export and downloads its file.
    job = export(client, huangpu, "projects", "xlsx")
    for other in (demo["xuhui"], demo["corps"]):
        assert client.get(f"/api/v1/exports/{job['id']}", headers=other.headers).status_code == 404
        assert download(client, other, job["id"]).status_code == 404
    assert client.get("/api/v1/exports/999999", headers=huangpu.headers).status_code == 404
    assert client.get(f"/api/v1/exports/{2**72}", headers=huangpu.headers).status_code == 404
    assert client.get(f"/api/v1/exports/{2**72}/file", headers=huangpu.headers).status_code == 404


def test_every_export_is_in_the_audit_log(client: Any, demo: dict[str, Login]) -> None:
    huangpu = demo["huangpu"]
    job = export(client, huangpu, "projects", "csv", {"service_type": "maintenance"})
    assert download(client, huangpu, job["id"]).status_code == 200
    entries = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.target_type == "background_jobs", AuditLog.target_id == str(job["id"]))
    ).all()
    by_action = {e.action: e for e in entries}
    assert set(by_action) == {"data_export.request", "data_export.complete", "data_export.download"}
    assert all(e.actor_user_id == huangpu.user_id for e in entries)
    assert by_action["data_export.request"].changes == {
        "list": "projects",
        "filters": {"service_type": "maintenance"},
        "format": "csv",
    }
    assert by_action["data_export.complete"].changes["rows"] == job["rows"]


def test_a_worker_runs_the_export_later(app: Any, client: Any, demo: dict[str, Login], monkeypatch: Any) -> None:
    """With RQ the request only queues the job; status shows it, the file waits, a worker writes it."""
    from backend.core.jobs import run_job

    huangpu = demo["huangpu"]
    monkeypatch.setitem(app.config, "JOBS_MODE", "rq")
    r = client.post("/api/v1/exports", json={"list": "visits", "format": "xlsx"}, headers=huangpu.headers)
    assert r.status_code == 202
    job = r.get_json()
    assert job["status"] == "queued" and job["rows"] is None
    r = download(client, huangpu, job["id"])
    assert r.status_code == 409 and r.get_json()["code"] == "export_not_ready"

    with app.app_context():  # as a worker: no request, no token
        assert run_job(job["id"]) == "done"
        complete = db.session.scalar(
            sa.select(AuditLog).where(AuditLog.action == "data_export.complete", AuditLog.target_id == str(job["id"]))
        )
        assert complete is not None and complete.actor_user_id == huangpu.user_id

    done = client.get(f"/api/v1/exports/{job['id']}", headers=huangpu.headers).get_json()
    assert done["status"] == "done" and done["finished_at"]
    _headers, cells = read_xlsx(download(client, huangpu, job["id"]).data)
    assert cells == expected_cells("visits", list_rows(client, huangpu, "visits", {}))


def test_a_permission_revoked_before_the_job_runs_stops_it(
    app: Any, client: Any, demo: dict[str, Login], monkeypatch: Any
) -> None:
    from backend.core.jobs import run_job
    from backend.modules.accounts.models import UserRole

    huangpu = demo["huangpu"]
    monkeypatch.setitem(app.config, "JOBS_MODE", "rq")
    job = client.post("/api/v1/exports", json={"list": "projects"}, headers=huangpu.headers).get_json()
    with app.app_context():
        role = db.session.scalar(sa.select(UserRole).where(UserRole.user_id == huangpu.user_id))
        role.permissions = []
        db.session.commit()
        for _ in range(3):
            if run_job(job["id"]) == "failed":
                break
    failed = client.get(f"/api/v1/exports/{job['id']}", headers=huangpu.headers).get_json()
    assert failed["status"] == "failed" and failed["error"] == "导出失败，请重试"


def test_an_export_past_the_row_limit_is_cut_and_says_so(client: Any, demo: dict[str, Login], monkeypatch: Any) -> None:
    from backend.modules.exports import services

    monkeypatch.setattr(services, "MAX_ROWS", 3)
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    corps = demo["corps"]
    rows = list_rows(client, corps, "projects", {})
    assert len(rows) > 3
    job = export(client, corps, "projects", "csv")
    assert job["status"] == "done" and job["rows"] == 3 and job["truncated"] is True
    _headers, cells = read_csv(download(client, corps, job["id"]).data)
    assert cells == expected_cells("projects", rows[:3])

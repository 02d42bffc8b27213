"""The go-live API over HTTP with real tokens: templates, uploads (files and a ZIP) run as background jobs with
progress, the error file, and an imported project that takes no check-in until its organisation supplements it."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from backend.core.db import db
from backend.core.jobs import BackgroundJob
from backend.core.outbox import OutboxMessage
from backend.core.timeline import TimelineEvent
from backend.core.timeutil import today as shanghai_today
from backend.modules.documents.models import ConclusionDocument
from backend.modules.golive import kinds, services, sources
from backend.modules.golive.models import ImportRun
from backend.modules.projects.models import Project, SiteVisit
from backend.modules.realname.models import Employment, Organization, Practitioner
from tests.factories import make_user
from tests.golive.builders import SAMPLE, read_sample, run_import, table_counts, table_snapshot, write_csv
from tests.projects import builders as pb
from tests.projects.test_api import post_check_in

ADMIN = "/api/v1/admin"


@pytest.fixture
def corps(ctx: Any) -> Any:
    return make_user(roles=("corps_admin",))


def _upload(client: Any, login: Any, files: list[tuple[bytes, str]], dry_run: bool = False) -> Any:
    data: dict[str, Any] = {"dry_run": "true" if dry_run else "false"}
    data["files"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(f"{ADMIN}/imports", data=data, headers=login.headers, content_type="multipart/form-data")


def _sample(*names: str) -> list[tuple[bytes, str]]:
    return [(p.read_bytes(), p.name) for p in sorted(SAMPLE.glob("*.csv")) if not names or p.name in names]


# --- templates -----------------------------------------------------------------------------------------------


def test_templates_describe_every_object_and_download_as_csv_and_xlsx(client: Any, corps: Any) -> None:
    listing = client.get(f"{ADMIN}/imports/templates", headers=corps.headers)
    assert listing.status_code == 200
    objects = listing.get_json()
    assert [o["key"] for o in objects] == kinds.ORDER
    for item in objects:
        kind = kinds.KINDS[item["key"]]
        assert [c["header"] for c in item["columns"]] == [c.header for c in kind.columns]
        assert all(c["description"] for c in item["columns"])
        response = client.get(item["csv_template"], headers=corps.headers)
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
        header, keys = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
        assert [h.rstrip("*") for h in header] == [c.header for c in kind.columns]
        assert keys == [c.key for c in kind.columns]
    workbook = client.get(f"{ADMIN}/imports/templates/workbook.xlsx", headers=corps.headers)
    assert workbook.status_code == 200
    from openpyxl import load_workbook

    sheets = load_workbook(io.BytesIO(workbook.data), read_only=True).sheetnames
    assert sheets == [sources.INSTRUCTION_SHEET] + [k.name for k in kinds.KINDS.values()]
    assert client.get(f"{ADMIN}/imports/templates/nothing.csv", headers=corps.headers).status_code == 404


# --- uploads -------------------------------------------------------------------------------------------------


@pytest.mark.registry_data
def test_an_uploaded_export_runs_as_a_job_with_progress_and_a_second_upload_changes_nothing(
    client: Any, corps: Any
) -> None:
    response = _upload(client, corps, _sample())
    assert response.status_code == 202, response.get_json()
    run = response.get_json()
    assert run["status"] == "done" and run["source"] == "upload" and run["errors_count"] == 0
    assert run["rows_done"] == run["rows_total"] > 1000
    assert sorted(run["files"]) == sorted(p.name for p in SAMPLE.glob("*.csv"))
    job = db.session.get(BackgroundJob, run["job_id"])
    assert job is not None and job.status == "done"
    assert job.progress_done == job.progress_total == run["rows_total"]
    assert client.get(f"{ADMIN}/imports/{run['id']}", headers=corps.headers).get_json()["status"] == "done"

    as_zip = io.BytesIO()
    with zipfile.ZipFile(as_zip, "w") as bundle:
        for content, name in _sample():
            bundle.writestr(name, content)
    before = table_snapshot("audit_log", "background_jobs")
    again = _upload(client, corps, [(as_zip.getvalue(), "v1导出.zip")])
    assert again.status_code == 202, again.get_json()
    db.session.expire_all()
    assert table_snapshot("audit_log", "background_jobs") == before
    counts = again.get_json()["counts"]
    assert sum(c["created"] for c in counts.values()) == 0
    assert sum(c["unchanged"] for c in counts.values()) == run["rows_total"]
    listing = client.get(f"{ADMIN}/imports?limit=1", headers=corps.headers).get_json()
    assert [r["id"] for r in listing["items"]] == [again.get_json()["id"]] and listing["next_cursor"]


def test_a_dry_run_upload_saves_nothing_but_its_report(client: Any, corps: Any) -> None:
    before = table_counts("audit_log", "background_jobs")
    response = _upload(client, corps, _sample("01-organizations.csv", "02-practitioners.csv"), dry_run=True)
    assert response.status_code == 202, response.get_json()
    run = response.get_json()
    assert run["dry_run"] and run["status"] == "done"
    assert run["counts"]["organizations"]["created"] == 60
    assert table_counts("audit_log", "background_jobs") == before


def test_the_error_file_lists_each_rejected_row_with_its_reason(client: Any, corps: Any, tmp_path: Path) -> None:
    rows = read_sample("01-organizations.csv")[:3]
    rows[1] = {**rows[1], "legal_rep_id_number": rows[1]["legal_rep_id_number"][:-1] + "0"}
    if rows[1]["legal_rep_id_number"] == read_sample("01-organizations.csv")[1]["legal_rep_id_number"]:
        rows[1]["legal_rep_id_number"] = rows[1]["legal_rep_id_number"][:-1] + "1"
    rows[2] = {**rows[2], "lng": "121.47", "lat": "", "legal_rep_phone": "1234"}
    path = write_csv(tmp_path / "机构.csv", "organizations", rows, encoding="gb18030")
    run = _upload(client, corps, [(path.read_bytes(), "机构.csv")]).get_json()
    assert run["errors_count"] == 3 and run["counts"]["organizations"] == {"created": 1, "unchanged": 0, "failed": 2}
    response = client.get(run["error_file"], headers=corps.headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert lines == [
        ["文件", "行号", "字段", "原因"],
        ["机构.csv", "3", "法定代表人身份证号", "身份证号码校验位错误，请核对后重新输入"],
        ["机构.csv", "4", "法定代表人手机号", "手机号码应为11位数字"],
        ["机构.csv", "4", "纬度", "经纬度应为数字，且须同时填写"],
    ]


@pytest.mark.registry_data
def test_the_four_kinds_of_broken_project_rows_come_back_in_the_error_file(
    client: Any, corps: Any, tmp_path: Path
) -> None:
    """Bad check digit, unknown district, coordinates outside Shanghai, duplicate: exactly those rows."""
    good = read_sample("04-projects.csv")[:4]
    bad_check_digit = {**good[1], "project_no": "BAD-0001", "credit_code": good[1]["credit_code"][:-1] + "0"}
    if bad_check_digit["credit_code"] == good[1]["credit_code"]:
        bad_check_digit["credit_code"] = good[1]["credit_code"][:-1] + "1"
    unknown_district = {**good[2], "project_no": "BAD-0002", "lng": "", "lat": "", "crs": "", "district": "火星区"}
    in_beijing = {**good[3], "project_no": "BAD-0003", "lng": "116.397428", "lat": "39.90923", "crs": "wgs84"}
    duplicate = {**good[0], "name": "重复的项目"}
    rows = [good[0], bad_check_digit, good[1], unknown_district, good[2], in_beijing, good[3], duplicate]
    path = write_csv(tmp_path / "项目.csv", "projects", rows, encoding="gb18030")
    files = _sample("01-organizations.csv", "02-practitioners.csv", "03-employments.csv")
    response = _upload(client, corps, [*files, (path.read_bytes(), "项目.csv")])
    assert response.status_code == 202, response.get_json()
    run = response.get_json()
    assert run["status"] == "done" and run["errors_count"] == 4
    assert run["counts"]["projects"] == {"created": 4, "unchanged": 0, "failed": 4}
    assert set(db.session.scalars(sa.select(Project.project_no))) == {r["project_no"] for r in good}

    download = client.get(run["error_file"], headers=corps.headers)
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert list(csv.reader(io.StringIO(download.data.decode("utf-8-sig")))) == [
        ["文件", "行号", "字段", "原因"],
        ["项目.csv", "3", "机构统一社会信用代码", "统一社会信用代码校验位错误，请核对后重新输入"],
        ["项目.csv", "5", "所在区", "未知的区“火星区”：应为上海市16个区之一（区名或行政区划代码）"],
        ["项目.csv", "7", "经度", "该位置不在上海市范围内"],
        ["项目.csv", "9", "项目编号", "与第2行重复"],
    ]


def test_unrecognised_files_are_refused_at_upload(client: Any, corps: Any) -> None:
    response = _upload(client, corps, [(b"a,b\n1,2\n", "export.csv")])
    assert response.status_code == 422 and "无法识别文件" in response.get_json()["message"]
    broken = _upload(client, corps, [(b"PK\x03\x04 not really a workbook", "数据.xlsx")])
    assert broken.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportRun)) == 0


def test_only_one_import_runs_at_a_time_and_an_interrupted_one_resumes(client: Any, corps: Any) -> None:
    stuck = services.create_cli_run(SAMPLE / "01-organizations.csv", dry_run=False)
    stuck.status = "running"  # its worker died
    db.session.commit()
    refused = _upload(client, corps, _sample("01-organizations.csv"))
    assert refused.status_code == 409 and refused.get_json()["code"] == "import_run_active"
    resumed = client.post(f"{ADMIN}/imports/{stuck.id}/resume", headers=corps.headers)
    assert resumed.status_code == 202, resumed.get_json()
    assert resumed.get_json()["status"] == "done" and resumed.get_json()["counts"]["organizations"]["created"] == 60
    again = client.post(f"{ADMIN}/imports/{stuck.id}/resume", headers=corps.headers)
    assert again.status_code == 409 and again.get_json()["code"] == "import_run_not_resumable"


# --- an imported project without its report ------------------------------------------------------------------


def _imported_project(tmp_path: Path, *, lead_id_number: str, credit_code: str, site: Any) -> int:
    lng, lat = site.gcj02()
    row = {
        "project_no": "WB2026-9001",
        "credit_code": credit_code,
        "service_type": "维保",
        "name": f"{site.label}消防设施维护保养",
        "client_name": f"{site.label}管理处",
        "building_name": site.label,
        "building_address": f"上海市{site.district}{site.label}",
        "facility_systems": "火灾自动报警系统；自动喷水灭火系统；灭火器",
        "lng": f"{lng:.6f}",
        "lat": f"{lat:.6f}",
        "crs": "gcj02",
        "contract_start": "2026-01-01",
        "contract_end": "2026-12-31",
        "lead_id_number": lead_id_number,
    }
    run = run_import(write_csv(tmp_path / "projects" / "项目.csv", "projects", [row]))
    assert run.errors_count == 0
    project_id = db.session.scalar(sa.select(Project.id).where(Project.project_no == "WB2026-9001"))
    assert project_id is not None
    return project_id


def test_an_imported_project_refuses_check_ins_until_its_organisation_supplements_it(
    client: Any, ctx: Any, tmp_path: Path
) -> None:
    orgs = read_sample("01-organizations.csv")[:2]  # 黄浦区 and 奉贤区
    run_import(write_csv(tmp_path / "orgs" / "机构.csv", "organizations", orgs))
    org_id = db.session.scalar(sa.select(Organization.id).where(Organization.credit_code == orgs[0]["credit_code"]))
    person = pb.make_practitioner(org_id)  # a face enrolled from a real photo, employed as project lead
    site = pb.place("人民广场")
    supervisor = make_user(roles=("supervisor",), jurisdiction=site.adcode)
    elsewhere = make_user(roles=("supervisor",), jurisdiction="310104")
    id_number = db.session.get(Practitioner, person.id).id_number
    project_id = _imported_project(tmp_path, lead_id_number=id_number, credit_code=orgs[0]["credit_code"], site=site)

    project = db.session.get(Project, project_id)
    assert project.status == "needs_supplement" and project.imported and project.district_code == site.adcode
    event = db.session.scalar(sa.select(TimelineEvent).where(TimelineEvent.project_id == project_id))
    assert event.kind == "import.project" and event.data["missing"] == [
        "coordinates",
        "client_contact",
        "maintenance_plan",
    ]
    assert "项目坐标（含电子围栏）、委托单位联系人、维保计划" in event.summary
    notices = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == "notice")).all()
    recipients = {n.recipient for n in notices}
    assert orgs[0]["legal_rep_phone"] in recipients and supervisor.phone in recipients
    assert elsewhere.phone not in recipients and orgs[1]["legal_rep_phone"] not in recipients

    everything = ["coordinates", "client_contact", "maintenance_plan"]
    admin = make_user(phone=orgs[0]["legal_rep_phone"])  # roles granted by the import: legal rep and org admin
    detail = client.get(f"/api/v1/projects/{project_id}", headers=admin.headers)
    assert detail.status_code == 200, detail.get_json()
    assert detail.get_json()["status"] == "needs_supplement" and detail.get_json()["missing"] == everything

    # A visit imported from v1 is a finished visit: no work record is taken on it before the supplement either.
    lng, lat = site.gcj02()
    visit_row = {
        "visit_no": "QD2026009001",
        "project_no": "WB2026-9001",
        "id_number": id_number,
        "checked_in_at": "2026-03-02 09:30",
        "checked_out_at": "2026-03-02 11:00",
        "lng": f"{lng:.6f}",
        "lat": f"{lat:.6f}",
        "crs": "gcj02",
    }
    assert run_import(write_csv(tmp_path / "visits" / "现场签到.csv", "visits", [visit_row])).errors_count == 0
    v1_visit = db.session.scalar(sa.select(SiteVisit.id).where(SiteVisit.project_id == project_id))
    no_record = client.post(
        f"/api/v1/visits/{v1_visit}/records",
        json={"result": "normal", "system_code": "general", "idempotency_key": "record-on-a-v1-visit"},
        headers=person.login.headers,
    )
    assert no_record.status_code == 409, no_record.get_json()
    assert no_record.get_json()["code"] == "project_needs_supplement"
    assert no_record.get_json()["details"]["missing"] == everything

    photo = pb.face_bytes("obama.jpg")
    refused = post_check_in(client, project_id, person, photo, pb.check_in_form(site))
    assert refused.status_code == 409, refused.get_json()
    assert refused.get_json()["code"] == "project_needs_supplement"
    assert refused.get_json()["message"] == "该项目为历史导入项目，须先补充项目坐标、委托单位联系人和维保计划"
    assert refused.get_json()["details"]["missing"] == everything

    stranger = make_user(phone=orgs[1]["legal_rep_phone"])  # the other imported organisation's legal rep
    lng, lat = site.gcj02()
    supplement = {
        "location": {"lng": lng, "lat": lat, "crs": "gcj02"},
        "client_contact_name": "王建国",
        "client_contact_phone": "13916000001",
    }
    url = f"/api/v1/projects/{project_id}/supplement"
    assert client.post(url, json=supplement, headers=stranger.headers).status_code == 403

    supplemented = client.post(url, json=supplement, headers=admin.headers)
    assert supplemented.status_code == 200, supplemented.get_json()
    db.session.expire_all()
    assert db.session.get(Project, project_id).status == "needs_supplement"  # the maintenance plan is missing
    still = post_check_in(client, project_id, person, photo, pb.check_in_form(site))
    assert still.status_code == 409 and still.get_json()["details"]["missing"] == ["maintenance_plan"]

    plan = client.post(f"/api/v1/projects/{project_id}/plan", json={}, headers=admin.headers)
    assert plan.status_code == 201, plan.get_json()
    db.session.expire_all()
    assert db.session.get(Project, project_id).status == "published"
    accepted = post_check_in(client, project_id, person, photo, pb.check_in_form(site))
    assert accepted.status_code == 201, accepted.get_json()
    assert accepted.get_json()["status"] == "checked_in"
    record = {"result": "normal", "system_code": "general", "idempotency_key": "record-after-supplement"}
    worked = client.post(
        f"/api/v1/visits/{accepted.get_json()['id']}/records", json=record, headers=person.login.headers
    )
    assert worked.status_code == 201, worked.get_json()
    detail = client.get(f"/api/v1/projects/{project_id}", headers=admin.headers).get_json()
    assert detail["status"] == "in_service" and detail["missing"] == []
    kinds = db.session.scalars(
        sa.select(TimelineEvent.kind).where(TimelineEvent.project_id == project_id).order_by(TimelineEvent.id)
    ).all()
    assert kinds[0] == "import.project" and "project.published" in kinds


def test_no_conclusion_document_is_drafted_for_a_project_awaiting_its_supplement(
    client: Any, ctx: Any, tmp_path: Path
) -> None:
    org = read_sample("01-organizations.csv")[0]
    run_import(write_csv(tmp_path / "orgs" / "机构.csv", "organizations", [org]))
    org_id = db.session.scalar(sa.select(Organization.id).where(Organization.credit_code == org["credit_code"]))
    lead = pb.make_practitioner(org_id, face=None)
    technical = pb.make_practitioner(org_id, name="周建华", face=None)
    db.session.execute(
        sa.update(Employment).where(Employment.practitioner_id == technical.id).values(position="technical_lead")
    )
    db.session.commit()
    id_number = db.session.get(Practitioner, lead.id).id_number
    project_id = _imported_project(
        tmp_path, lead_id_number=id_number, credit_code=org["credit_code"], site=pb.place("人民广场")
    )
    admin = make_user(phone=org["legal_rep_phone"])
    today = shanghai_today()
    response = client.post(
        f"/api/v1/projects/{project_id}/documents",
        json={"period_start": today.replace(day=1).isoformat(), "period_end": today.isoformat()},
        headers=admin.headers,
    )
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["code"] == "project_needs_supplement"
    assert response.get_json()["message"] == "该项目为历史导入项目，须先补充项目坐标、委托单位联系人和维保计划"
    assert response.get_json()["details"]["missing"] == ["coordinates", "client_contact", "maintenance_plan"]
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(ConclusionDocument))


# --- mode ----------------------------------------------------------------------------------------------------


def test_the_corps_admin_switches_the_mode_over_http(client: Any, corps: Any) -> None:
    assert client.get(f"{ADMIN}/system/mode", headers=corps.headers).get_json()["mode"] == "live"
    response = client.put(f"{ADMIN}/system/mode", json={"mode": "trial", "reason": "试运行"}, headers=corps.headers)
    assert response.status_code == 200 and response.get_json()["mode_name"] == "试运行"
    bad = client.put(f"{ADMIN}/system/mode", json={"mode": "test"}, headers=corps.headers)
    assert bad.status_code == 422

"""Importing v1 history: the sample export twice, broken rows, encodings and workbooks, datums, dry runs and a
crash resumed from its checkpoint."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import prcoords
import pytest
import sqlalchemy as sa

from backend.core import geo
from backend.core.audit import AuditLog
from backend.core.crypto import id_number_hash
from backend.core.db import db
from backend.core.jurisdictions import DISTRICTS
from backend.core.timeline import TimelineEvent, verify_chain
from backend.modules.documents.models import ConclusionDocument
from backend.modules.golive import importer, sources
from backend.modules.golive.kinds import KINDS
from backend.modules.golive.models import ImportRun
from backend.modules.projects.models import Project, SiteVisit
from backend.modules.realname.models import Certificate, Employment, Organization, Practitioner
from tests.golive.builders import (
    REPO,
    SAMPLE,
    TEMPLATES,
    copy_sample,
    errors_of,
    read_sample,
    run_import,
    table_counts,
    table_snapshot,
    totals,
    write_csv,
    write_workbook,
)

DISTRICT_CODES = {name: code for code, name in DISTRICTS.items()}
REFERENCE_FILES = ("01-organizations.csv", "02-practitioners.csv", "03-employments.csv")


def _script() -> Any:
    spec = importlib.util.spec_from_file_location("make_import_sample", REPO / "scripts" / "make_import_sample.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def _rows_per_file() -> dict[str, int]:
    return {path.name: len(read_sample(path.name)) for path in sorted(SAMPLE.glob("*.csv"))}


# --- the committed files -------------------------------------------------------------------------------------


def test_sample_and_templates_are_what_the_script_makes(ctx: Any) -> None:
    script = _script()
    for name, content in script.sample_files().items():
        assert (SAMPLE / name).read_bytes() == content, name
    for name, content in script.template_files().items():
        if name.endswith(".csv"):
            assert (TEMPLATES / name).read_bytes() == content, name
    from openpyxl import load_workbook

    workbook = load_workbook(TEMPLATES / "import-workbook.xlsx", read_only=True)
    for kind in KINDS.values():
        header, keys = list(workbook[kind.name].iter_rows(max_row=2, values_only=True))
        assert [h.rstrip("*") for h in header] == [c.header for c in kind.columns]
        assert list(keys) == [c.key for c in kind.columns]


def test_sample_files_come_in_the_encodings_v1_exports_use(ctx: Any) -> None:
    assert sources.detect_encoding(SAMPLE / "01-organizations.csv") == "gb18030"
    assert sources.detect_encoding(SAMPLE / "02-practitioners.csv") == "utf-8-sig"
    assert sources.detect_encoding(SAMPLE / "03-employments.csv") == "utf-8"
    # Chinese read back intact from the GB18030 file
    first = read_sample("01-organizations.csv")[0]
    assert first["name"] == "上海远安消防设备维修检测有限公司"
    assert first["types"] == "维护保养检测"


# --- the sample, twice ---------------------------------------------------------------------------------------


@pytest.mark.registry_data
def test_sample_imports_cleanly_and_a_second_run_changes_nothing(ctx: Any, tmp_path: Path) -> None:
    directory = copy_sample(tmp_path / "v1")
    first = run_import(directory)
    assert first.status == "done"
    assert errors_of(first.id) == []
    rows = _rows_per_file()
    assert first.rows_total == first.rows_done == sum(rows.values())
    assert first.counts["organizations"] == {"created": 60, "unchanged": 0, "failed": 0}
    assert first.counts["projects"]["created"] == rows["04-projects.csv"]
    assert first.counts["visits"]["created"] == rows["05-visits.csv"]
    assert totals(first, "created") == sum(rows.values())

    imported = db.session.scalar(sa.select(sa.func.count()).where(Organization.imported.is_(True)))
    assert imported == 60
    people = {r["id_number"] for r in read_sample("02-practitioners.csv")}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Practitioner)) == len(people)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == rows["02-practitioners.csv"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Employment)) == rows["03-employments.csv"]
    assert not db.session.scalar(sa.select(sa.func.count()).where(Project.is_trial.is_(True)))
    before = table_snapshot("audit_log")
    last_audit = db.session.scalar(sa.select(sa.func.max(AuditLog.id)))
    assert sum(len(rows) for rows in before.values()) > sum(rows.values())

    second = run_import(directory)
    assert second.status == "done"
    assert totals(second, "created") == 0
    assert totals(second, "failed") == 0
    assert totals(second, "unchanged") == sum(rows.values())
    db.session.expire_all()
    after = table_snapshot("audit_log")
    assert [t for t in before if after[t] != before[t]] == []  # every row of every table, column by column
    assert after == before
    # the audit log gained only the second run's own records (created, started, finished)
    audited = db.session.execute(
        sa.select(AuditLog.action, AuditLog.target_type, AuditLog.target_id).where(AuditLog.id > last_audit)
    ).all()
    assert sorted(audited) == [
        (a, "import_runs", str(second.id)) for a in ("import.created", "import.finished", "import.started")
    ]
    assert verify_chain().ok


def test_personal_data_is_stored_as_the_api_stores_it(ctx: Any, tmp_path: Path) -> None:
    run_import(copy_sample(tmp_path / "v1", "01-organizations.csv", "02-practitioners.csv"))
    row = read_sample("02-practitioners.csv")[0]
    person = db.session.scalar(
        sa.select(Practitioner).where(Practitioner.id_number_hash == id_number_hash(row["id_number"]))
    )
    assert person is not None and person.imported and person.id_number == row["id_number"]
    assert person.name_masked != person.name and person.name_masked.startswith(row["name"][0])
    raw = db.session.execute(
        sa.text("SELECT id_number, name FROM practitioners WHERE id = :id"), {"id": person.id}
    ).one()
    assert raw.id_number.startswith("v1:") and row["id_number"] not in raw.id_number
    assert raw.name.startswith("v1:")
    # the national registry decided the certificates' status, as declaring them through the API does
    statuses = {c.status for c in db.session.scalars(sa.select(Certificate))}
    assert statuses <= {"valid", "invalid", "expired"} and "valid" in statuses
    assert person.registry_known


@pytest.mark.registry_data
def test_imported_projects_are_concluded_or_wait_for_their_supplement(ctx: Any, tmp_path: Path) -> None:
    run_import(copy_sample(tmp_path / "v1"))
    documented = {r["project_no"] for r in read_sample("06-documents.csv")}
    for row in read_sample("04-projects.csv"):
        project = db.session.scalar(sa.select(Project).where(Project.project_no == row["project_no"]))
        assert project is not None and project.imported and project.geofence is None
        ended = row["contract_end"] < "2026-11-01"
        expected = "concluded" if row["project_no"] in documented and ended else "needs_supplement"
        assert project.status == expected, row["project_no"]
        event = db.session.scalar(
            sa.select(TimelineEvent).where(
                TimelineEvent.project_id == project.id, TimelineEvent.kind == "import.project"
            )
        )
        assert event is not None
        if expected == "needs_supplement":
            missing = event.data["missing"]
            assert "coordinates" in missing
            assert ("client_contact" in missing) == (not row["client_contact_name"])
            assert ("maintenance_plan" in missing) == (row["service_type"] == "维保")
            assert "须补充项目坐标" in event.summary
    # one history entry per project for its visits and documents, never one per visit
    # (the visits file and the documents file are imported in batches of their own: one entry for each)
    history = db.session.scalar(sa.select(sa.func.count()).where(TimelineEvent.kind == "import.history"))
    with_visits = {r["project_no"] for r in read_sample("05-visits.csv")}
    with_documents = {r["project_no"] for r in read_sample("06-documents.csv")}
    assert history == len(with_visits) + len(with_documents)
    visits = db.session.scalar(sa.select(sa.func.count()).select_from(SiteVisit))
    assert visits == len(read_sample("05-visits.csv"))
    assert not db.session.scalar(sa.select(sa.func.count()).where(TimelineEvent.kind.like("visit.%")))
    docs = db.session.scalars(sa.select(ConclusionDocument)).all()
    assert len(docs) == len(read_sample("06-documents.csv")) and {d.status for d in docs} == {"effective"}


@pytest.mark.registry_data
def test_coordinates_are_converted_from_the_datum_the_file_names(ctx: Any, tmp_path: Path) -> None:
    run_import(copy_sample(tmp_path / "v1", *REFERENCE_FILES, "04-projects.csv"))
    seen = set()
    for row in read_sample("04-projects.csv"):
        project = db.session.scalar(sa.select(Project).where(Project.project_no == row["project_no"]))
        assert project is not None
        if not row["lng"]:
            assert project.lng is None and project.district_code == DISTRICT_CODES[row["district"]]
            seen.add("none")
            continue
        lng, lat, crs = float(row["lng"]), float(row["lat"]), row["crs"]
        seen.add(crs)
        assert project.coord_source_crs == crs
        # an independent implementation of the datums agrees within a metre
        if crs == "gcj02":
            expected = prcoords.gcj_wgs_bored((lat, lng))
        elif crs == "bd09":
            expected = prcoords.bd_wgs_bored((lat, lng))
        else:
            expected = prcoords.Coords(lat, lng)
        assert geo.haversine_m((project.lng, project.lat), (expected.lon, expected.lat)) < 1.0
        assert project.district_code == geo.district_of(project.lng, project.lat).adcode
    assert seen == {"wgs84", "gcj02", "bd09", "none"}


# --- broken rows ---------------------------------------------------------------------------------------------


def _project_rows() -> list[dict[str, str]]:
    return read_sample("04-projects.csv")


@pytest.mark.registry_data
def test_broken_rows_come_back_with_their_reasons_and_the_others_import(ctx: Any, tmp_path: Path) -> None:
    directory = copy_sample(tmp_path / "v1", *REFERENCE_FILES)
    good = _project_rows()[:6]
    bad_check_digit = {**good[1], "project_no": "BAD-0001", "credit_code": good[1]["credit_code"][:-1] + "0"}
    if bad_check_digit["credit_code"] == good[1]["credit_code"]:
        bad_check_digit["credit_code"] = good[1]["credit_code"][:-1] + "1"
    unknown_district = {**good[2], "project_no": "BAD-0002", "lng": "", "lat": "", "crs": "", "district": "火星区"}
    in_beijing = {**good[3], "project_no": "BAD-0003", "lng": "116.397428", "lat": "39.90923", "crs": "wgs84"}
    duplicate = {**good[4], "name": "重复的项目"}
    rows = [
        good[0],
        good[1],
        bad_check_digit,
        good[2],
        unknown_district,
        good[3],
        in_beijing,
        good[4],
        duplicate,
        good[5],
    ]
    write_csv(directory / "04-projects.csv", "projects", rows)

    run = run_import(directory)
    label = "04-projects.csv"
    assert errors_of(run.id) == [
        (label, 4, "机构统一社会信用代码", "统一社会信用代码校验位错误，请核对后重新输入"),
        (label, 6, "所在区", "未知的区“火星区”：应为上海市16个区之一（区名或行政区划代码）"),
        (label, 8, "经度", "该位置不在上海市范围内"),
        (label, 10, "项目编号", "与第9行重复"),
    ]
    assert run.counts["projects"] == {"created": 6, "unchanged": 0, "failed": 4}
    numbers = set(db.session.scalars(sa.select(Project.project_no)))
    assert numbers == {r["project_no"] for r in good}


def test_reference_and_rule_errors_name_the_row(ctx: Any, tmp_path: Path) -> None:
    directory = copy_sample(tmp_path / "v1", "01-organizations.csv", "02-practitioners.csv")
    employments = read_sample("03-employments.csv")
    engineer = next(r for r in employments if r["position"] == "项目负责人" and r["status"] == "在职")
    other_org = next(r["credit_code"] for r in employments if r["credit_code"] != engineer["credit_code"])
    stranger = "110101199003070011"  # a valid number nobody in the files has
    rows = [
        engineer,
        {**engineer, "credit_code": other_org, "started_on": "2026-07-01"},  # a second active employer
        {**engineer, "id_number": stranger},
        {**engineer, "id_number": engineer["id_number"][:-1] + ("0" if engineer["id_number"][-1] != "0" else "1")},
        {**engineer, "position": "总经理", "started_on": "2020-01-01"},
    ]
    write_csv(directory / "03-employments.csv", "employments", rows)
    run = run_import(directory)
    errors = [(line, field) for _, line, field, _ in errors_of(run.id)]
    reasons = {line: reason for _, line, _, reason in errors_of(run.id)}
    assert errors == [(3, "聘用状态"), (4, "身份证号"), (5, "身份证号"), (6, "岗位")]
    assert "同一时间只能在一家机构执业" in reasons[3]
    assert "未找到该身份证号的从业人员" in reasons[4]
    assert reasons[5] == "身份证号码校验位错误，请核对后重新输入"
    assert reasons[6].startswith("“总经理”无效")


def test_a_file_missing_required_columns_is_refused_before_anything_starts(ctx: Any, tmp_path: Path) -> None:
    from backend.core.errors import ValidationFailed
    from backend.modules.golive import services

    path = tmp_path / "机构.csv"
    path.write_text("统一社会信用代码,机构名称\n91310101MAC1PBUW93,某公司\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as refused:
        services.create_cli_run(path, dry_run=False)
    assert "缺少必填列" in refused.value.message and "法定代表人" in refused.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportRun)) == 0


# --- encodings, workbooks, names -----------------------------------------------------------------------------


def test_gb18030_csv_named_in_chinese_and_an_xlsx_workbook_import_alike(ctx: Any, tmp_path: Path) -> None:
    orgs = read_sample("01-organizations.csv")[:5]
    codes = {o["credit_code"] for o in orgs}
    people = [r for r in read_sample("03-employments.csv") if r["credit_code"] in codes]
    ids = {r["id_number"] for r in people}
    certs = [r for r in read_sample("02-practitioners.csv") if r["id_number"] in ids]
    directory = tmp_path / "v1"
    write_csv(directory / "机构.csv", "organizations", orgs, encoding="gb18030")
    write_workbook(directory / "历史数据.xlsx", {"practitioners": certs, "employments": people})
    run = run_import(directory)
    assert errors_of(run.id) == []
    assert run.counts["organizations"]["created"] == 5
    assert run.counts["practitioners"]["created"] == len(certs)
    assert run.counts["employments"]["created"] == len(people)
    names = set(db.session.scalars(sa.select(Organization.name)))
    assert names == {o["name"] for o in orgs}


# --- dry run -------------------------------------------------------------------------------------------------


def test_a_dry_run_reports_what_a_run_would_do_and_writes_nothing(ctx: Any, tmp_path: Path) -> None:
    directory = copy_sample(tmp_path / "v1", *REFERENCE_FILES)
    rows = read_sample("03-employments.csv")
    rows.append({**rows[0], "id_number": "110101199003070011", "started_on": "2021-01-01"})
    write_csv(directory / "03-employments.csv", "employments", rows)
    before = table_counts("audit_log")
    dry = run_import(directory, dry_run=True, batch_size=200)
    assert dry.status == "done" and dry.dry_run
    assert table_counts("audit_log") == before
    assert [e[1:3] for e in errors_of(dry.id)] == [(len(rows) + 1, "身份证号")]

    real = run_import(directory, batch_size=200)
    assert real.counts == dry.counts
    assert [e[1:] for e in errors_of(real.id)] == [e[1:] for e in errors_of(dry.id)]


# --- crash and resumption ------------------------------------------------------------------------------------


class Crash(RuntimeError):
    pass


def _snapshot() -> dict[str, Any]:
    def keys(*columns: Any) -> list[Any]:
        return sorted(tuple(r) for r in db.session.execute(sa.select(*columns)).all())

    return {
        "tables": table_counts("audit_log"),
        "orgs": keys(Organization.credit_code, Organization.status, Organization.conditions_met),
        "people": keys(Practitioner.id_number_hash, Practitioner.identity_status),
        "certificates": keys(Certificate.kind, Certificate.cert_no, Certificate.status),
        "employments": keys(Employment.org_id, Employment.position, Employment.status),
        "projects": keys(Project.project_no, Project.status, Project.district_code),
        "visits": keys(SiteVisit.idempotency_key, SiteVisit.project_id),
        "documents": keys(ConclusionDocument.report_number, ConclusionDocument.project_id),
        "events": keys(TimelineEvent.kind, TimelineEvent.summary),
    }


@pytest.mark.registry_data
def test_a_run_killed_mid_way_resumes_from_its_checkpoint_and_equals_a_clean_run(
    app: Any, ctx: Any, tmp_path: Path
) -> None:
    from tests.conftest import _reset_database

    directory = copy_sample(tmp_path / "v1")

    def crash_after_three(batches: int) -> None:
        if batches == 3:
            raise Crash("worker killed")

    with pytest.raises(Crash):
        run_import(directory, batch_size=100, on_batch=crash_after_three)
    run = db.session.scalar(sa.select(ImportRun))
    assert run is not None and run.status == "failed" and "worker killed" in (run.last_error or "")
    # one batch of organisations, then two of practitioners (whose file has the key row: data from line 3)
    assert run.checkpoint == {"file": 1, "line": 202}
    assert 0 < run.rows_done < run.rows_total

    assert importer.execute(run.id, batch_size=100)
    resumed = importer.get_run(run.id)
    assert resumed.status == "done" and errors_of(run.id) == []
    resumed_counts, resumed_state = resumed.counts, _snapshot()
    assert verify_chain().ok

    db.session.remove()  # the reset truncates: no transaction of this test may hold a lock meanwhile
    _reset_database(app)
    clean = run_import(copy_sample(tmp_path / "v1-again"), batch_size=100)
    assert clean.counts == resumed_counts
    assert _snapshot() == resumed_state


def test_a_row_the_database_refuses_is_isolated_and_the_rest_of_its_batch_is_kept(
    ctx: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import IntegrityError

    rows = read_sample("01-organizations.csv")[:3]
    refused = rows[1]["credit_code"]
    organizations = KINDS["organizations"]
    original = organizations.apply

    def refusing(ctx: Any, row: Any) -> str:
        outcome = original(ctx, row)
        if row.credit_code == refused:
            raise IntegrityError("INSERT INTO organizations …", {}, Exception("duplicate key value"))
        return outcome

    monkeypatch.setattr(organizations, "apply", refusing)
    run = run_import(write_csv(tmp_path / "v1" / "机构.csv", "organizations", rows))
    assert errors_of(run.id) == [("机构.csv", 3, "", "数据库拒绝保存该行（IntegrityError），请检查数据长度和格式")]
    assert run.counts["organizations"] == {"created": 2, "unchanged": 0, "failed": 1}
    codes = set(db.session.scalars(sa.select(Organization.credit_code)))
    assert codes == {rows[0]["credit_code"], rows[2]["credit_code"]}
    events = db.session.scalar(sa.select(sa.func.count()).where(TimelineEvent.kind == "import.organization"))
    assert events == 2 and verify_chain().ok

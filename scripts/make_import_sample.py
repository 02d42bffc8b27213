"""Write the import templates (docs/import-templates/) and a sample v1 export (docs/import-sample/).

    .venv/bin/python scripts/make_import_sample.py

The sample is what a v1 export of the registry simulator's world would look like: its 60 organisations (正常,
停业 and 注销), every certificate holder with their certificates and employer, and two projects per
organisation at real Shanghai places (Wikidata, backend/data/geo), one finished in 2024 with its visits and
conclusion documents, one running in 2026 without a report (imported as 待补充信息). Coordinates are written in
all three datums, some projects have only a district, and the files use the encodings v1 exports come in:
GB18030 without the key row, UTF-8 with BOM, plain UTF-8. Deterministic: the same files on every run (the
CSV files byte for byte; tests/golive check them against this script).

Left out on purpose, so that the sample imports without an error: the 挂证 cases of the dataset (an engineer
registered to another organisation than the one claiming them), which the importer refuses as the API does.
"""

from __future__ import annotations

import csv
import io
import json
import random
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from backend.core.geo import from_wgs84  # noqa: E402
from backend.modules.golive import templates  # noqa: E402
from backend.modules.golive.kinds import KINDS, Kind  # noqa: E402
from backend.modules.golive.sources import UTF8_BOM  # noqa: E402
from backend.modules.projects.demo import demo_places  # noqa: E402

DATASET = REPO / "backend" / "data" / "registry" / "registry_dataset.json"
TEMPLATES = REPO / "docs" / "import-templates"
SAMPLE = REPO / "docs" / "import-sample"
SEED = 20261125
ORG_STATUS = {"正常": "正常", "停业": "停业", "注销": "注销"}
SYSTEM_NAMES = [
    "消防供配电设施",
    "火灾自动报警系统",
    "消防供水设施",
    "消火栓（消防炮）灭火系统",
    "自动喷水灭火系统",
    "防烟排烟系统",
    "消防应急照明和疏散指示系统",
    "消防应急广播系统",
    "消防专用电话系统",
    "灭火器",
]
CONTACTS = ["王建国", "李秀英", "张伟", "刘芳", "陈静", "杨洋", "赵磊", "黄丽"]
CRS_CYCLE = ("wgs84", "gcj02", "bd09")
SERVICE = {"maintenance": ("维保", "WB", "消防设施维护保养"), "testing": ("检测", "JC", "消防设施检测")}
SERVICE["assessment"] = ("评估", "PG", "消防安全评估")
DOC_TYPES = {"maintenance": "维护保养记录", "testing": "检测报告", "assessment": "评估报告"}
LEADS_VALID_UNTIL = "2028-12-31"
ENGINEER_1, ENGINEER_2, OPERATOR = "一级注册消防工程师", "二级注册消防工程师", "消防设施操作员"


@dataclass
class Staff:
    id_number: str
    name: str
    position: str
    valid_engineer: bool


def _csv(rows: list[list[Any]], kind: Kind[Any], *, key_row: bool, encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in kind.columns])
    if key_row:
        writer.writerow([c.key for c in kind.columns])
    writer.writerows(rows)
    text = out.getvalue()
    return (UTF8_BOM if encoding == "utf-8-sig" else b"") + text.encode(
        "utf-8" if encoding == "utf-8-sig" else encoding
    )


def _row(kind: Kind[Any], values: dict[str, Any]) -> list[str]:
    unknown = set(values) - {c.key for c in kind.columns}
    assert not unknown, unknown
    return ["" if values.get(c.key) is None else str(values[c.key]) for c in kind.columns]


def _position(kinds_valid: set[str], kinds: set[str], taken: set[str]) -> str:
    if ENGINEER_1 in kinds_valid and "technical_lead" not in taken:
        return "技术负责人"
    if kinds_valid & {ENGINEER_1, ENGINEER_2} and "project_lead" not in taken:
        return "项目负责人"
    if kinds & {ENGINEER_1, ENGINEER_2}:
        return "注册消防工程师"
    return "消防设施操作员"


POSITION_KEYS = {"技术负责人": "technical_lead", "项目负责人": "project_lead"}


def build() -> dict[str, list[list[str]]]:
    rng = random.Random(SEED)
    data = json.loads(DATASET.read_text(encoding="utf-8"))
    persons = {p["id_number"]: p for p in data["persons"]}
    phones = [p["mobile"] for p in data["persons"]]
    assert len(phones) == len(set(phones)), "the dataset's phones must be unique"
    certs_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for cert in data["certificates"]:
        certs_of[cert["id_number"]].append(cert)
    claimed = {(d["id_number"], d["claimed_by"]) for d in data["scenarios"]["dual_registration"]}
    orgs = {o["credit_code"]: o for o in data["organizations"]}

    out: dict[str, list[list[str]]] = defaultdict(list)
    for org in data["organizations"]:
        rep = next(p for p in data["persons"] if p["id_number"] == org["legal_representative_id_number"])
        types = "；".join(org["types"])
        out["organizations"].append(
            _row(
                KINDS["organizations"],
                {
                    "credit_code": org["credit_code"],
                    "name": org["name"],
                    "types": types,
                    "legal_form": "企业法人",
                    "legal_rep_name": org["legal_representative"],
                    "legal_rep_id_number": org["legal_representative_id_number"],
                    "legal_rep_phone": rep["mobile"],
                    "address": org["registered_address"],
                    "district": org["district"],
                    "workplace_area_m2": 260 if "维护保养检测" in org["types"] else 150,
                    "status": ORG_STATUS[org["status"]],
                    "verified_on": org["registered_at"],
                },
            )
        )

    staff: dict[str, list[Staff]] = defaultdict(list)
    taken: dict[str, set[str]] = defaultdict(set)
    for id_number in sorted(certs_of, key=lambda n: (persons[n]["employer_credit_code"] or "", n)):
        person = persons[id_number]
        for cert in certs_of[id_number]:
            level = cert["level"] if cert["kind"] == OPERATOR else None
            out["practitioners"].append(
                _row(
                    KINDS["practitioners"],
                    {
                        "id_number": id_number,
                        "name": person["name"],
                        "phone": person["mobile"],
                        "cert_kind": cert["kind"],
                        "cert_no": cert["cert_no"],
                        "registration_no": cert["registration_no"],
                        "operator_level": level,
                    },
                )
            )
        employer = person["employer_credit_code"]
        if employer is None or (id_number, employer) in claimed:
            continue
        valid = {c["kind"] for c in certs_of[id_number] if c["status"] == "有效"}
        position = _position(valid, {c["kind"] for c in certs_of[id_number]}, taken[employer])
        taken[employer].add(POSITION_KEYS.get(position, position))
        left = orgs[employer]["status"] == "注销"
        started = date.fromisoformat(orgs[employer]["registered_at"]) + timedelta(days=rng.randint(30, 900))
        started = min(started, date(2026, 6, 1))
        out["employments"].append(
            _row(
                KINDS["employments"],
                {
                    "id_number": id_number,
                    "credit_code": employer,
                    "position": position,
                    "status": "离职" if left else "在职",
                    "started_on": started.isoformat(),
                    "ended_on": "2026-03-31" if left else None,
                },
            )
        )
        # Leads of running projects must hold a valid registration; one that lapses soon would make the sample
        # fail the day it does, so only registrations valid beyond LEADS_VALID_UNTIL count here.
        engineer = any(
            c["kind"] in (ENGINEER_1, ENGINEER_2)
            and c["status"] == "有效"
            and c["org_credit_code"] == employer
            and (c["expires_on"] or "9999") >= LEADS_VALID_UNTIL
            for c in certs_of[id_number]
        )
        if not left:
            staff[employer].append(Staff(id_number, person["name"], position, engineer))

    _projects(rng, data, staff, out)
    return out


def _projects(rng: random.Random, data: dict[str, Any], staff: dict[str, list[Staff]], out: dict[str, Any]) -> None:
    places = iter(demo_places(200))
    serial = visit_serial = doc_serial = 0
    for org in data["organizations"]:
        people = staff.get(org["credit_code"], [])
        engineers = [s for s in people if s.valid_engineer]
        if org["status"] != "正常" or not engineers:
            continue
        lead = next((s for s in engineers if s.position == "项目负责人"), engineers[0])
        technical = next((s for s in engineers if s.position == "技术负责人"), lead)
        operators = [s for s in people if s.position == "消防设施操作员"][:2]
        services = ["assessment"] if org["types"] == ["消防安全评估"] else ["maintenance", "testing"]
        for finished in (True, False):
            serial += 1
            service = services[serial % len(services)]
            word, prefix, title = SERVICE[service]
            place = next(places)
            year = 2024 if finished else 2026
            number = f"{prefix}{year}-{serial:04d}"
            crs = CRS_CYCLE[serial % 3]
            lng, lat = from_wgs84(place.lng, place.lat, crs)
            only_district = serial % 7 == 0
            has_contact = serial % 3 != 0
            documented = finished and serial % 5 != 0  # some finished v1 projects never got their report
            systems = "；".join(rng.sample(SYSTEM_NAMES, 7)) if service != "assessment" else ""
            out["projects"].append(
                _row(
                    KINDS["projects"],
                    {
                        "project_no": number,
                        "credit_code": org["credit_code"],
                        "service_type": word,
                        "name": f"{place.label}{title}",
                        "client_name": f"{place.label}管理处",
                        "client_contact_name": rng.choice(CONTACTS) if has_contact else None,
                        "client_contact_phone": f"1391600{serial:04d}" if has_contact else None,
                        "building_name": place.label,
                        "building_address": f"上海市{place.district}{place.label}",
                        "building_use": rng.choice(["商业", "办公", "文化", "教育", "医疗"]),
                        "floor_area_m2": rng.randrange(8000, 60000, 100),
                        "facility_systems": systems,
                        "lng": None if only_district else f"{lng:.6f}",
                        "lat": None if only_district else f"{lat:.6f}",
                        "crs": None if only_district else crs,
                        "district": place.district,
                        "contract_start": f"{year}-01-01",
                        "contract_end": f"{year}-12-31",
                        "lead_id_number": lead.id_number,
                        "member_id_numbers": "；".join(s.id_number for s in operators),
                    },
                )
            )
            months = (3, 6, 9) if finished else (3, 7, 10)
            for month in months:
                for person in [lead, *operators[:1]]:
                    visit_serial += 1
                    start_minute = rng.randint(0, 50)
                    out["visits"].append(
                        _row(
                            KINDS["visits"],
                            {
                                "visit_no": f"QD{year}{visit_serial:06d}",
                                "project_no": number,
                                "id_number": person.id_number,
                                "checked_in_at": f"{year}-{month:02d}-15 09:{start_minute:02d}",
                                "checked_out_at": f"{year}-{month:02d}-15 11:{rng.randint(10, 59):02d}",
                                "lng": f"{lng:.6f}",
                                "lat": f"{lat:.6f}",
                                "crs": crs,
                            },
                        )
                    )
            if not documented:
                continue
            periods = (
                [(date(year, m, 1), date(year, m + 1, 1) - timedelta(days=1)) for m in months]
                if service == "maintenance"
                else [(date(year, 1, 1), date(year, 12, 31))]
            )
            for start, end in periods:
                doc_serial += 1
                out["documents"].append(
                    _row(
                        KINDS["documents"],
                        {
                            "report_number": f"BG{year}-{doc_serial:06d}",
                            "project_no": number,
                            "doc_type": DOC_TYPES[service],
                            "period_start": start.isoformat(),
                            "period_end": end.isoformat(),
                            "effective_on": (end + timedelta(days=rng.randint(3, 12))).isoformat(),
                            "project_lead_id_number": lead.id_number,
                            "technical_lead_id_number": technical.id_number,
                            "conclusion": f"{title}工作已按合同完成，{place.label}消防设施运行正常。",
                        },
                    )
                )


# (file name, object, encoding, key row): the encodings v1 exports come in.
SAMPLE_FILES = (
    ("01-organizations.csv", "organizations", "gb18030", False),
    ("02-practitioners.csv", "practitioners", "utf-8-sig", True),
    ("03-employments.csv", "employments", "utf-8", True),
    ("04-projects.csv", "projects", "utf-8", True),
    ("05-visits.csv", "visits", "utf-8", True),
    ("06-documents.csv", "documents", "utf-8", False),
)


def sample_files() -> dict[str, bytes]:
    rows = build()
    return {
        name: _csv(rows[key], KINDS[key], key_row=key_row, encoding=encoding)
        for name, key, encoding, key_row in SAMPLE_FILES
    }


def template_files() -> dict[str, bytes]:
    return templates.template_files()


def main() -> None:
    for directory, files in ((TEMPLATES, template_files()), (SAMPLE, sample_files())):
        directory.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (directory / name).write_bytes(content)
            print(f"{directory.relative_to(REPO)}/{name}: {len(content)} bytes")


if __name__ == "__main__":
    main()

"""Fill a PostgreSQL database with Shanghai-scale data (DESIGN.md section 8): ≥ 600 organisations, 30,000
practitioners, 150,000 projects and 2 million site visits, plus the timeline, warnings, feedback, conclusion
documents and penalties the statistics and lists read. `--scale 10` multiplies the projects, visits and the
rows that follow them (the organisations and people stay: ten times the activity, not ten times the city).

    .venv/bin/python bench/generate_shanghai.py [--url postgresql://postgres@127.0.0.1:5432/fire_shanghai_1x]
                                                 [--scale 1] [--replace]

The schema comes from the migrations (alembic upgrade head). Organisations, people and projects are made in
Python (personal data encrypted with the testing keys, so the benchmarks can run the app on the same database)
and sent with COPY; visits, timeline events, warnings, feedback and documents are made inside PostgreSQL with
INSERT … SELECT over generate_series. Secondary indexes and foreign keys of the big tables are dropped during
the load and rebuilt after it (foreign keys re-added NOT VALID: the generator made the references itself).
The timeline rows carry unique hashes but are not a verifiable chain (`flask timeline verify` will say so).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PLACES_CSV = REPO.parent / "shared" / "data" / "sites" / "wikidata_shanghai_places.csv"

ORGS = 600
PRACTITIONERS = 30_000
PROJECTS = 150_000
# Visits are generated per project (6 + id % 17 each, 14 on average): 2.06 million for 150,000 projects.

# Where the work is (a rough share of Shanghai's building stock by district).
DISTRICT_WEIGHTS = {
    "310115": 20,
    "310112": 9,
    "310104": 7,
    "310106": 7,
    "310101": 6,
    "310113": 7,
    "310114": 7,
    "310117": 7,
    "310105": 5,
    "310107": 5,
    "310110": 5,
    "310109": 4,
    "310118": 4,
    "310120": 3,
    "310116": 2,
    "310151": 2,
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌海燕鹏辉晨宇浩然子轩雨欣思涵"
ORG_WORDS = ("安", "盾", "卫", "消", "防", "申", "沪", "浦", "江", "华", "信", "达", "正", "诚", "恒", "泰")
BIG_TABLES = (
    "projects",
    "project_members",
    "site_visits",
    "timeline_events",
    "monitoring_warnings",
    "feedbacks",
    "conclusion_documents",
)
WARNING_RULES = (
    ("face_mismatch", "high", "人脸比对不一致"),
    ("outside_geofence", "medium", "定位在项目电子围栏外"),
    ("impossible_travel", "medium", "签到间移动速度异常"),
    ("device_shared", "medium", "多人共用签到设备"),
    ("onsite_too_short", "medium", "现场作业时间过短"),
    ("too_many_sites", "medium", "单日执业项目过多"),
)


def log(message: str, started: float) -> None:
    print(f"[{time.monotonic() - started:7.1f} s] {message}", flush=True)


def places_by_district() -> dict[str, list[tuple[str, float, float]]]:
    found: dict[str, list[tuple[str, float, float]]] = {}
    with PLACES_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["adcode_derived"] in DISTRICT_WEIGHTS and row["lng_wgs84"]:
                found.setdefault(row["adcode_derived"], []).append(
                    (row["label"], float(row["lng_wgs84"]), float(row["lat_wgs84"]))
                )
    return found


def create_database(url: str, replace: bool) -> None:
    import sqlalchemy as sa

    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if exists and not replace:
            sys.exit(f"database {target.database} exists; pass --replace to rebuild it")
        if exists:
            conn.execute(sa.text(f'DROP DATABASE "{target.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def migrate(app: Any) -> None:
    from alembic import command
    from alembic.config import Config

    from backend.core.db import db

    with app.app_context():
        cfg = Config(str(REPO / "alembic.ini"))
        cfg.set_main_option("script_location", str(REPO / "migrations"))
        with db.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")


# --- secondary indexes and foreign keys, off during the load ----------------------------------------------------


def drop_secondary(cur: Any) -> list[str]:
    """Drop the big tables' non-primary indexes and foreign keys; answer the statements that rebuild them."""
    rebuild: list[str] = []
    cur.execute(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint
           WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('f', 'u')""",
        (list(BIG_TABLES),),
    )
    for table, name, definition, kind in cur.fetchall():
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        suffix = " NOT VALID" if kind == "f" else ""
        rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}{suffix}')
    cur.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
           WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary""",
        (list(BIG_TABLES),),
    )
    for name, definition in cur.fetchall():
        cur.execute(f"DROP INDEX {name}")
        rebuild.insert(0, definition)
    return rebuild


# --- Python-made rows, sent with COPY ---------------------------------------------------------------------


class Maker:
    def __init__(self, seed: int) -> None:
        from backend.core.crypto import id_number_hash, keyring, phone_hash
        from backend.core.validators import credit_code_check_char, id_check_digit, mask_name

        self.rng = random.Random(seed)
        self.encrypt = lambda text: keyring().encrypt(text.encode())
        self.phone_hash, self.id_hash = phone_hash, id_number_hash
        self.check_char, self.check_digit, self.mask = credit_code_check_char, id_check_digit, mask_name
        self.places = places_by_district()
        self.districts = list(DISTRICT_WEIGHTS)
        self.weights = list(DISTRICT_WEIGHTS.values())
        self.phones = iter(range(13_900_100_000, 19_999_999_999, 7))

    def district(self) -> str:
        return self.rng.choices(self.districts, self.weights)[0]

    def place(self, district: str) -> tuple[str, float, float]:
        label, lng, lat = self.rng.choice(self.places[district])
        return label, lng + self.rng.uniform(-0.004, 0.004), lat + self.rng.uniform(-0.004, 0.004)

    def name(self) -> str:
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
        return self.rng.choice(SURNAMES) + given

    def credit_code(self, n: int) -> str:
        first17 = f"91{self.rng.choice(self.districts)}{n:09d}"
        return first17 + self.check_char(first17)

    def id_number(self, n: int) -> str:
        born = date(1965, 1, 1) + timedelta(days=(n // 1000) * 97 + self.rng.randrange(0, 90))  # unique with n % 1000
        first17 = f"{self.rng.choice(self.districts)}{born:%Y%m%d}{n % 1000:03d}"
        return first17 + self.check_digit(first17)

    def phone(self) -> str:
        return str(next(self.phones))


def copy_rows(cur: Any, table: str, columns: list[str], rows: Any) -> int:
    count = 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def jsonb(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def make_people(cur: Any, maker: Maker, now: datetime) -> dict[str, Any]:
    """Users, organisations, practitioners, certificates, employments, supervisors."""
    rng = maker.rng
    users: list[tuple[Any, ...]] = []
    roles: list[tuple[Any, ...]] = []
    phone_hashes: dict[int, str] = {}
    user_id = 0

    def new_user(display: str) -> int:
        nonlocal user_id
        user_id += 1
        phone = maker.phone()
        phone_hashes[user_id] = maker.phone_hash(phone)
        users.append((user_id, maker.encrypt(phone), phone_hashes[user_id], display, "active", 1, False, now, now))
        return user_id

    corps = new_user("总队管理员")
    roles.append((corps, "corps_admin", None, "corps", jsonb(["read_personal_data", "export_data"]), now))
    supervisors = {}
    for district in DISTRICT_WEIGHTS:
        supervisors[district] = new_user(f"{district}支队监督员")
        roles.append((supervisors[district], "supervisor", None, district, jsonb([]), now))

    orgs: list[tuple[Any, ...]] = []
    org_meta: list[dict[str, Any]] = []
    for n in range(1, ORGS + 1):
        district = maker.district()
        label, lng, lat = maker.place(district)
        admin = new_user("机构管理员")
        roles.append((admin, "org_admin", n, None, jsonb([]), now))
        credit = maker.credit_code(n)
        types = ["maintenance_testing"] if n % 5 else ["maintenance_testing", "assessment"]
        status = "verified" if n % 25 else ("submitted" if n % 50 else "suspended")
        name = f"上海{''.join(rng.sample(ORG_WORDS, 2))}{label[:4]}消防技术服务有限公司{n}"
        verified = now - timedelta(days=rng.randrange(30, 1500)) if status != "submitted" else None
        rep_id = maker.id_number(n)
        orgs.append(
            (
                n,
                credit,
                name,
                jsonb(types),
                "企业法人",
                maker.encrypt(maker.name()),
                maker.encrypt(rep_id),
                maker.id_hash(rep_id),
                admin,
                f"上海市{label}",
                lng,
                lat,
                district,
                rng.randrange(200, 1200),
                status,
                jsonb([]),
                jsonb([]),
                verified,
                verified,
                n % 40 != 0,
                now,
                "2019-88",
                False,
                False,
                now,
                now,
            )
        )
        org_meta.append({"id": n, "district": district, "credit": credit, "admin": admin})

    practitioners, certificates, employments = [], [], []
    staff: dict[int, list[tuple[int, str]]] = {o["id"]: [] for o in org_meta}
    for n in range(1, PRACTITIONERS + 1):
        org = org_meta[(n - 1) % ORGS]
        name = maker.name()
        user = new_user(name)
        roles.append((user, "practitioner", None, None, jsonb([]), now))
        id_number = maker.id_number(ORGS + n)
        practitioners.append(
            (
                n,
                user,
                maker.encrypt(name),
                maker.mask(name),
                maker.encrypt(id_number),
                maker.id_hash(id_number),
                "verified",
                jsonb([]),
                True,
                now,
                now,
                "2025.1",
                now,
                "enrolled",
                now,
                False,
                False,
                now,
                now,
            )
        )
        rank = len(staff[org["id"]])
        position = "technical_lead" if rank == 0 else "project_lead" if rank < 8 else "operator"
        engineer = position != "operator" or n % 9 == 0
        expires = (now + timedelta(days=rng.randrange(-30, 1500))).date()
        if engineer:
            kind = "engineer_1" if rank < 3 else "engineer_2"
            certificates.append(
                (
                    n,
                    kind,
                    None,
                    f"ZC{n:09d}",
                    f"3101{n:08d}",
                    org["credit"],
                    date(2019, 6, 1),
                    expires,
                    "valid",
                    jsonb([]),
                    now,
                    now,
                )
            )
        else:
            level = 4 if n % 3 else 3
            certificates.append(
                (
                    n,
                    "operator",
                    level,
                    f"CZ{n:09d}",
                    None,
                    None,
                    date(2020, 6, 1),
                    expires,
                    "valid",
                    jsonb([]),
                    now,
                    now,
                )
            )
        employments.append(
            (
                org["id"],
                n,
                phone_hashes[user],
                user,
                position,
                "active",
                now - timedelta(days=rng.randrange(30, 1500)),
                False,
                False,
                now,
                now,
            )
        )
        staff[org["id"]].append((n, position))

    copy_rows(
        cur,
        "users",
        [
            "id",
            "phone",
            "phone_hash",
            "display_name",
            "status",
            "token_version",
            "is_trial",
            "created_at",
            "updated_at",
        ],
        users,
    )
    copy_rows(cur, "user_roles", ["user_id", "role", "org_id", "jurisdiction", "permissions", "created_at"], roles)
    copy_rows(
        cur,
        "organizations",
        [
            "id",
            "credit_code",
            "name",
            "types",
            "legal_form",
            "legal_rep_name",
            "legal_rep_id_number",
            "legal_rep_id_hash",
            "legal_rep_user_id",
            "address",
            "lng",
            "lat",
            "district_code",
            "workplace_area_m2",
            "status",
            "review_reasons",
            "registry_notes",
            "submitted_at",
            "verified_at",
            "conditions_met",
            "conditions_checked_at",
            "conditions_ruleset",
            "imported",
            "is_trial",
            "created_at",
            "updated_at",
        ],
        orgs,
    )
    copy_rows(
        cur,
        "practitioners",
        [
            "id",
            "user_id",
            "name",
            "name_masked",
            "id_number",
            "id_number_hash",
            "identity_status",
            "registry_notes",
            "registry_known",
            "registry_checked_at",
            "identity_verified_at",
            "biometric_consent_version",
            "biometric_consent_at",
            "face_status",
            "face_enrolled_at",
            "imported",
            "is_trial",
            "created_at",
            "updated_at",
        ],
        practitioners,
    )
    copy_rows(
        cur,
        "certificates",
        [
            "practitioner_id",
            "kind",
            "level",
            "cert_no",
            "registration_no",
            "registered_org_credit_code",
            "issued_on",
            "expires_on",
            "status",
            "check_notes",
            "created_at",
            "updated_at",
        ],
        certificates,
    )
    copy_rows(
        cur,
        "employments",
        [
            "org_id",
            "practitioner_id",
            "invited_phone_hash",
            "invited_user_id",
            "position",
            "status",
            "started_at",
            "imported",
            "is_trial",
            "created_at",
            "updated_at",
        ],
        employments,
    )
    for table in ("users", "organizations", "practitioners"):
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    return {"orgs": org_meta, "staff": staff}


def make_projects(cur: Any, maker: Maker, people: dict[str, Any], count: int, now: datetime) -> None:
    """Projects with their team (the lead and one operator), staged in bench_team for the visit generator."""
    rng = maker.rng
    contacts = []
    for _ in range(2000):  # client contacts repeat across buildings (property companies): a pool, encrypted once
        phone = maker.phone()
        contacts.append((maker.encrypt(maker.name()), maker.encrypt(phone), maker.phone_hash(phone)))
    orgs = people["orgs"]
    statuses = ["in_service"] * 45 + ["published"] * 10 + ["concluded"] * 35 + ["archived"] * 8 + ["registered"] * 2
    services = ["maintenance"] * 7 + ["testing"] * 2 + ["assessment"]
    prefixes = {"maintenance": "WB", "testing": "JC", "assessment": "PG"}
    cur.execute("CREATE UNLOGGED TABLE bench_team (project_id bigint PRIMARY KEY, lead bigint, helper bigint)")

    def rows() -> Any:
        for n in range(1, count + 1):
            org = orgs[rng.randrange(ORGS)]
            district = org["district"] if rng.random() < 0.8 else maker.district()
            label, lng, lat = maker.place(district)
            lead, helper = rng.choice(leads_of[org["id"]]), rng.choice(operators_of[org["id"]])
            team.append((n, lead, helper))
            service = rng.choice(services)
            status = rng.choice(statuses)
            created = now - timedelta(days=rng.randrange(10, 1100), minutes=rng.randrange(600))
            published = created + timedelta(days=3) if status != "registered" else None
            concluded = (
                created + timedelta(days=rng.randrange(60, 400)) if status in ("concluded", "archived") else None
            )
            start = created.date()
            name, phone, phone_h = rng.choice(contacts)
            yield (
                n,
                f"{prefixes[service]}-{district}-{created.year}-{n:07d}",
                org["id"],
                service,
                f"{label}消防技术服务",
                status,
                f"{label}物业管理有限公司",
                name,
                phone,
                phone_h,
                label,
                f"上海市{label}",
                "办公",
                float(rng.choice((1500, 4000, 8000, 12000, 25000, 60000))),
                jsonb(["fire_alarm", "hydrant", "sprinkler", "extinguisher"]),
                lng,
                lat,
                "wgs84",
                jsonb({"type": "Circle", "center": [lng, lat], "radius_m": 300}),
                district,
                start,
                start + timedelta(days=365),
                lead,
                published,
                concluded,
                False,
                False,
                created,
                created,
            )

    team: list[tuple[int, int, int]] = []
    leads_of = {o: [p for p, pos in s if pos in ("project_lead", "technical_lead")] for o, s in people["staff"].items()}
    operators_of = {o: [p for p, pos in s if pos == "operator"] or leads_of[o] for o, s in people["staff"].items()}
    copy_rows(
        cur,
        "projects",
        [
            "id",
            "project_no",
            "org_id",
            "service_type",
            "name",
            "status",
            "client_name",
            "client_contact_name",
            "client_contact_phone",
            "client_contact_phone_hash",
            "building_name",
            "building_address",
            "building_use",
            "floor_area_m2",
            "facility_systems",
            "lng",
            "lat",
            "coord_source_crs",
            "geofence",
            "district_code",
            "contract_start",
            "contract_end",
            "lead_practitioner_id",
            "published_at",
            "concluded_at",
            "imported",
            "is_trial",
            "created_at",
            "updated_at",
        ],
        rows(),
    )
    copy_rows(cur, "bench_team", ["project_id", "lead", "helper"], team)
    cur.execute(
        """INSERT INTO project_members (project_id, practitioner_id, role)
           SELECT project_id, lead, 'lead' FROM bench_team
           UNION ALL SELECT project_id, helper, 'member' FROM bench_team WHERE helper <> lead"""
    )
    cur.execute("SELECT setval(pg_get_serial_sequence('projects', 'id'), (SELECT max(id) FROM projects))")


# --- SQL-made rows ----------------------------------------------------------------------------------------

VISITS_SQL = """
INSERT INTO site_visits (id, project_id, practitioner_id, org_id, status, idempotency_key, checked_in_at,
    device_time, lng, lat, accuracy_m, submitted_crs, distance_to_fence_m, face_distance, face_passed,
    identity_method, device_id, flags, reasons, checked_out_at, checkout_lng, checkout_lat, checkout_distance_m,
    duration_s, district_code, special_zone, is_trial)
SELECT v.id, v.project_id, v.practitioner_id, v.org_id, v.status, 'bench-' || v.id, v.checked_in_at,
    NULL, v.lng, v.lat, 8 + (v.id % 30), 'gcj02',
    CASE WHEN v.status = 'rejected' AND v.id % 2 = 0 THEN 420 + v.id % 900 ELSE 0 END,
    CASE WHEN v.status = 'rejected' AND v.id % 2 = 1 THEN 0.58 + (v.id % 20) / 100.0 ELSE 0.2 + (v.id % 25) / 100.0 END,
    NOT (v.status = 'rejected' AND v.id % 2 = 1), 'face', 'wx-' || v.practitioner_id,
    CASE WHEN v.status <> 'rejected' AND v.id % 97 = 0
         THEN '[{"code": "impossible_travel", "message": "与上一次签到之间的移动速度不可能达到",
                 "speed_kmh": 180}]'::jsonb
         WHEN v.status <> 'rejected' AND v.id % 89 = 0
         THEN '[{"code": "poor_accuracy", "message": "定位精度不足", "accuracy_m": 180}]'::jsonb
         ELSE '[]'::jsonb END,
    CASE WHEN v.status = 'rejected' AND v.id % 2 = 1
         THEN '[{"code": "face_mismatch", "message": "人脸比对不一致"}]'::jsonb
         WHEN v.status = 'rejected'
         THEN '[{"code": "outside_geofence", "message": "签到位置不在项目电子围栏内"}]'::jsonb
         ELSE '[]'::jsonb END,
    CASE WHEN v.status = 'checked_out' THEN v.checked_in_at + make_interval(mins => v.minutes::int) END,
    CASE WHEN v.status = 'checked_out' THEN v.lng END,
    CASE WHEN v.status = 'checked_out' THEN v.lat END,
    CASE WHEN v.status = 'checked_out' THEN 0 END,
    CASE WHEN v.status = 'checked_out' THEN v.minutes * 60 END,
    v.district_code, NULL, false
FROM (
    -- ids follow time, as they do when visits arrive one by one
    SELECT row_number() OVER (ORDER BY r.checked_in_at, r.project_id, r.s) AS id, r.*,
           CASE WHEN (r.project_id + r.s) % 50 = 0 THEN 'rejected'
                WHEN r.checked_in_at > now() - make_interval(mins => r.minutes::int) THEN 'checked_in'
                ELSE 'checked_out' END AS status
    FROM (
        SELECT p.id AS project_id, s, p.org_id, p.lng, p.lat, p.district_code,
               CASE WHEN s % 3 = 0 THEN t.helper ELSE t.lead END AS practitioner_id,
               45 + (p.id * 3 + s * 11) % 150 AS minutes,
               CASE WHEN x.at > now() THEN x.at - interval '1 day' ELSE x.at END AS checked_in_at
        FROM projects p JOIN bench_team t ON t.project_id = p.id,
             generate_series(1, 6 + (p.id % 17)) AS s,
             -- the last 365 days, working hours in Shanghai (00:00-09:00 UTC), never in the future
             LATERAL (SELECT date_trunc('day', now()) - make_interval(days => ((p.id * 7 + s * 13) % 365)::int)
                             + make_interval(mins => ((p.id * 31 + s * 17) % 540)::int) AS at) AS x
        WHERE p.status <> 'registered'
    ) AS r
) AS v
"""

TIMELINE_SQL = """
INSERT INTO timeline_events (id, occurred_at, recorded_at, kind, summary, org_id, practitioner_id, project_id,
    district_code, visibility, data, prev_hash, hash, is_trial)
SELECT e.id, e.at, e.at, e.kind, e.summary, e.org_id, e.practitioner_id, e.project_id, e.district_code,
    e.visibility, e.data, repeat('0', 64), encode(sha256(('bench-' || e.id)::bytea), 'hex'), false
FROM (
    SELECT row_number() OVER (ORDER BY at, kind) AS id, *
    FROM (
        SELECT created_at AS at, 'project.registered' AS kind, '项目' || project_no || '登记' AS summary, org_id,
               lead_practitioner_id AS practitioner_id, id AS project_id, district_code, 'org' AS visibility,
               jsonb_build_object('project_id', id) AS data
        FROM projects
        UNION ALL
        SELECT published_at, 'project.published', '项目' || project_no || '公示', org_id, NULL, id, district_code,
               'public', jsonb_build_object('project_id', id)
        FROM projects WHERE published_at IS NOT NULL
        UNION ALL
        SELECT checked_in_at, CASE WHEN status = 'rejected' THEN 'visit.check_in_refused' ELSE 'visit.checked_in' END,
               '现场签到', org_id, practitioner_id, project_id, district_code, 'org', jsonb_build_object('visit_id', id)
        FROM site_visits WHERE id % 4 = 0
    ) AS raw
) AS e
"""


def warnings_sql(count: int) -> str:
    rules = ", ".join(
        f"('{code}', '{severity}', '{title}', {i})" for i, (code, severity, title) in enumerate(WARNING_RULES)
    )
    return f"""
INSERT INTO monitoring_warnings (rule, rule_version, severity, subject_kind, subject_id, period_key, org_id,
    practitioner_id, project_id, district_code, summary, evidence, org_visible, status, detected_at, is_trial,
    created_at, updated_at)
SELECT r.code, 0, r.severity, 'practitioner', v.practitioner_id,
       to_char(v.checked_in_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), v.org_id, v.practitioner_id,
       v.project_id, v.district_code, '从业人员签到异常：' || r.title,
       jsonb_build_object('visit_ids', jsonb_build_array(v.id)), true,
       CASE WHEN v.id % 5 = 0 THEN 'open' WHEN v.id % 5 = 1 THEN 'acknowledged' ELSE 'resolved' END,
       v.checked_in_at + interval '1 hour', false, v.checked_in_at + interval '1 hour',
       v.checked_in_at + interval '1 hour'
FROM (
    SELECT DISTINCT ON (r.code, v.practitioner_id, to_char(v.checked_in_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'))
           v.*, r.code AS rule_code
    FROM site_visits v JOIN (VALUES {rules}) AS r(code, severity, title, n) ON r.n = v.id % {len(WARNING_RULES)}
    WHERE v.id % (SELECT greatest(1, count(*) / {count}) FROM site_visits) = 0
) AS v JOIN (VALUES {rules}) AS r(code, severity, title, n) ON r.code = v.rule_code
ORDER BY v.id
"""


FEEDBACK_SQL = """
INSERT INTO feedbacks (project_id, org_id, kind, dedupe_key, period_start, period_end, status, summary, deadline,
    channel, link_nonce, responded_at, rating, comment, dispute_reason, flags, district_code, is_trial,
    created_at, updated_at)
SELECT p.id, p.org_id, 'monthly', 'monthly:' || p.id || ':' || to_char(d.day, 'YYYY-MM'),
       date_trunc('month', d.day)::date, (date_trunc('month', d.day) + interval '1 month - 1 day')::date,
       CASE WHEN p.id % 40 = 0 THEN 'disputed' WHEN p.id % 13 = 0 THEN 'expired' ELSE 'confirmed' END,
       '{}'::jsonb, d.day + interval '7 days', 'sms', md5(p.id::text),
       CASE WHEN p.id % 13 <> 0 THEN d.day + interval '2 days' END,
       CASE WHEN p.id % 40 <> 0 AND p.id % 13 <> 0 THEN 5 - (p.id % 7) / 3 END,
       NULL, CASE WHEN p.id % 40 = 0 THEN '服务人员未按约定时间到场' END, '[]'::jsonb, p.district_code, false,
       d.day, d.day
FROM projects p, LATERAL (SELECT date_trunc('day', now()) - make_interval(days => ((p.id * 11) % 360)::int) AS day) d
WHERE p.status <> 'registered'
"""

DOCUMENTS_SQL = """
INSERT INTO conclusion_documents (report_number, project_id, org_id, doc_type, period_start, period_end, status,
    items, defects, conclusion, project_lead_id, technical_lead_id, block_reasons, flags, evaluated_at,
    effective_at, issued_at, district_code, is_trial, created_at, updated_at)
SELECT CASE p.service_type WHEN 'maintenance' THEN 'WB' WHEN 'testing' THEN 'JC' ELSE 'PG' END || '-' ||
           coalesce(p.district_code, '310000') || '-' || extract(year FROM d.day)::int || '-'
           || lpad(p.id::text, 7, '0'),
       p.id, p.org_id,
       CASE p.service_type WHEN 'maintenance' THEN 'maintenance_record' WHEN 'testing' THEN 'testing_report'
            ELSE 'assessment_report' END,
       (d.day - interval '30 days')::date, d.day::date,
       CASE WHEN p.id % 17 = 0 THEN 'blocked' ELSE 'effective' END, '[]'::jsonb, '[]'::jsonb,
       '经检查，各系统运行正常。',
       t.lead, t.lead, '[]'::jsonb, '[]'::jsonb, d.day, CASE WHEN p.id % 17 <> 0 THEN d.day END,
       CASE WHEN p.id % 17 <> 0 THEN d.day END, p.district_code, false, d.day, d.day
FROM projects p JOIN bench_team t ON t.project_id = p.id,
     LATERAL (SELECT date_trunc('day', now()) - make_interval(days => ((p.id * 5) % 360)::int) AS day) d
WHERE p.status IN ('in_service', 'concluded', 'archived') AND p.id % 3 <> 0
"""

PENALTIES_SQL = """
INSERT INTO penalties (decision_no, basis, ruleset, facts, subject_kind, org_id, amount_yuan, decided_on, is_public,
    credit_points, district_code, issued_by, is_trial, created_at, updated_at)
SELECT '沪消行罚决字〔' || extract(year FROM day)::int || '〕' || lpad(g::text, 5, '0') || '号',
       'art28', '7号令(2021)+消防法(2021修正)', '未按规定到现场开展维护保养', 'organization', o.id,
       2000 + (g % 8) * 1000, day::date, true, g % 6, o.district_code,
       (SELECT user_id FROM user_roles WHERE role = 'corps_admin' LIMIT 1), false, day, day
FROM generate_series(1, 2000) AS g
JOIN organizations o ON o.id = 1 + (g * 37) % 600,
LATERAL (SELECT date_trunc('day', now()) - make_interval(days => ((g * 3) % 700)::int) AS day) d
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="target database (default: a new database fire_shanghai_<scale>x)")
    parser.add_argument("--scale", type=int, default=1, help="multiply projects, visits and what follows them")
    parser.add_argument("--replace", action="store_true", help="drop the target database first if it exists")
    parser.add_argument("--seed", type=int, default=20261125)
    opts = parser.parse_args()
    started = time.monotonic()

    from config import normalise_db_url

    base = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    url = normalise_db_url(opts.url or base.rsplit("/", 1)[0] + f"/fire_shanghai_{opts.scale}x")
    create_database(url, opts.replace)
    os.environ["TEST_DATABASE_URL_EFFECTIVE"] = url
    from backend import create_app

    app = create_app("testing")
    migrate(app)
    log(f"schema ready in {url.rsplit('/', 1)[1]}", started)

    import psycopg

    from backend.core.timeutil import utcnow

    now = utcnow()
    plain_url = url.replace("postgresql+psycopg://", "postgresql://")
    with app.app_context(), psycopg.connect(plain_url, autocommit=False) as conn, conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off; SET maintenance_work_mem = '1GB'; SET work_mem = '256MB'")
        rebuild = drop_secondary(cur)
        maker = Maker(opts.seed)
        people = make_people(cur, maker, now)
        conn.commit()
        log(f"{ORGS} organisations, {PRACTITIONERS} practitioners with users, certificates, employments", started)
        make_projects(cur, maker, people, PROJECTS * opts.scale, now)
        conn.commit()
        log(f"{PROJECTS * opts.scale:,} projects and their teams", started)
        cur.execute(VISITS_SQL)
        visits = cur.rowcount
        conn.commit()
        log(f"{visits:,} site visits", started)
        cur.execute(TIMELINE_SQL)
        log(f"{cur.rowcount:,} timeline events", started)
        cur.execute(warnings_sql(50_000 * opts.scale))
        log(f"{cur.rowcount:,} warnings", started)
        cur.execute(FEEDBACK_SQL)
        log(f"{cur.rowcount:,} feedback", started)
        cur.execute(DOCUMENTS_SQL)
        log(f"{cur.rowcount:,} conclusion documents", started)
        cur.execute(PENALTIES_SQL)
        log(f"{cur.rowcount:,} penalties", started)
        cur.execute("DROP TABLE bench_team")
        for table in ("site_visits", "timeline_events"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute(
            "INSERT INTO timeline_head (id, last_event_id, last_hash) "
            "SELECT 1, id, hash FROM timeline_events ORDER BY id DESC LIMIT 1"
        )
        conn.commit()
        for statement in rebuild:
            cur.execute(statement)
        conn.commit()
        log(f"{len(rebuild)} indexes and constraints rebuilt", started)
    with psycopg.connect(plain_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    log("analysed; done", started)
    print(f"generated in {time.monotonic() - started:.0f} s: {url}")


if __name__ == "__main__":
    main()

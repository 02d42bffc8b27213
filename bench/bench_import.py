"""Import at Shanghai scale (DESIGN §8: 600 organisations, 30,000 practitioners, 150,000 projects) on PostgreSQL.

Run: .venv/bin/python bench/bench_import.py [--fraction 0.1] [--database postgresql://postgres@127.0.0.1:5432/postgres]

Writes a v1 export into a temporary directory first (600 organisations, 30,000 practitioners with one
certificate each, their employments, 150,000 projects, all multiplied by --fraction), creates a fresh database,
migrates it, imports the files through the same importer as `flask import run` (batches of 500, one
transaction each, checkpoint, registry checks, timeline events) and prints rows per second for each object and
the peak resident memory (ru_maxrss). The files are read as streams: memory must not grow with their size.

The national registry is the simulator, told about the 1,200 engineers (two per organisation: the technical
lead, 一级, and a project lead, 二级) so that the projects' leads are valid as registration requires; the
28,800 operators are unknown to it, as people often are, and their certificates come out invalid.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from backend.core.geo import PLACES_CSV, from_wgs84, geodesic_destination, in_shanghai  # noqa: E402
from backend.core.validators import credit_code_check_char, id_check_digit  # noqa: E402
from backend.modules.golive.kinds import KINDS  # noqa: E402

FULL = {"organizations": 600, "practitioners": 30_000, "projects": 150_000}
SEED = 20261125
SYSTEMS = "火灾自动报警系统；自动喷水灭火系统；消火栓（消防炮）灭火系统；消防应急照明和疏散指示系统；灭火器"


def _credit_code(n: int) -> str:
    first17 = f"91310000{n:09d}"
    return first17 + credit_code_check_char(first17)


def _id_number(n: int) -> str:
    """Unique for n < 1,000 × 1,500: a thousand sequence codes per birth date, birth dates 13 days apart."""
    day = date.fromordinal(date(1960, 1, 1).toordinal() + (n // 1000) * 13)
    first17 = f"310101{day:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def _places() -> list[tuple[str, float, float]]:
    with PLACES_CSV.open(encoding="utf-8", newline="") as handle:
        return [
            (r["label"], float(r["lng_wgs84"]), float(r["lat_wgs84"]))
            for r in csv.DictReader(handle)
            if r["district_by_polygon_derived"]
            and not r["label"].startswith("Q")
            and in_shanghai(float(r["lng_wgs84"]), float(r["lat_wgs84"]))
        ]


class Writer:
    """One CSV per object, written row by row."""

    def __init__(self, directory: Path, number: int, key: str) -> None:
        self.kind = KINDS[key]
        self.handle = (directory / f"{number:02d}-{key}.csv").open("w", encoding="utf-8", newline="")
        self.csv = csv.writer(self.handle)
        self.csv.writerow([c.header for c in self.kind.columns])
        self.rows = 0

    def row(self, **values: object) -> None:
        self.csv.writerow(["" if values.get(c.key) is None else values[c.key] for c in self.kind.columns])
        self.rows += 1

    def close(self) -> int:
        self.handle.close()
        return self.rows


def generate(directory: Path, fraction: float) -> tuple[dict[str, int], list[dict[str, str]]]:
    """The export, and the engineers the registry must know (name, id_number, kind, org)."""
    rng = random.Random(SEED)
    n_orgs = max(1, round(FULL["organizations"] * fraction))
    per_org = max(3, round(FULL["practitioners"] * fraction) // n_orgs)
    projects_per_org = max(1, round(FULL["projects"] * fraction) // n_orgs)
    places = _places()
    orgs, people, jobs, projects = (
        Writer(directory, 1, "organizations"),
        Writer(directory, 2, "practitioners"),
        Writer(directory, 3, "employments"),
        Writer(directory, 4, "projects"),
    )
    engineers: list[dict[str, str]] = []
    person = 0
    for o in range(n_orgs):
        code = _credit_code(o + 1)
        label, lng, lat = places[o % len(places)]
        person += 1
        orgs.row(
            credit_code=code,
            name=f"上海{o + 1:04d}消防技术服务有限公司",
            types="维护保养检测",
            legal_rep_name=f"法人{o + 1:04d}",
            legal_rep_id_number=_id_number(person),
            legal_rep_phone=f"136{o + 1:08d}",
            address=f"上海市{label}附近",
            lng=f"{lng:.6f}",
            lat=f"{lat:.6f}",
            workplace_area_m2=260,
            status="正常",
        )
        staff = []
        for s in range(per_org):
            person += 1
            id_number, name = _id_number(person), f"从业{person:05d}"
            kind = "一级注册消防工程师" if s == 0 else "二级注册消防工程师" if s == 1 else "消防设施操作员"
            level = "四级/中级" if kind == "消防设施操作员" else None
            people.row(
                id_number=id_number,
                name=name,
                phone=f"137{person:08d}",
                cert_kind=kind,
                cert_no=f"BENCH{person:09d}",
                operator_level=level,
            )
            position = "技术负责人" if s == 0 else "项目负责人" if s == 1 else "消防设施操作员"
            jobs.row(id_number=id_number, credit_code=code, position=position, started_on="2024-03-01")
            if level is None:
                engineers.append(
                    {"name": name, "id_number": id_number, "kind": kind, "org": code, "no": f"BENCH{person:09d}"}
                )
            staff.append(id_number)
        for p in range(projects_per_org):
            label, lng, lat = places[rng.randrange(len(places))]
            moved = geodesic_destination(lng, lat, rng.uniform(0, 360), rng.uniform(0, 150))
            lng, lat = moved if in_shanghai(*moved) else (lng, lat)
            crs = ("wgs84", "gcj02", "bd09")[p % 3]
            x, y = from_wgs84(lng, lat, crs)
            projects.row(
                project_no=f"WB2026-{o + 1:04d}-{p + 1:04d}",
                credit_code=code,
                service_type="维保",
                name=f"{label}消防设施维护保养",
                client_name=f"{label}管理处",
                client_contact_name="王建国" if p % 2 else None,
                client_contact_phone=f"139{(o * 1000 + p) % 10**8:08d}" if p % 2 else None,
                building_name=label,
                building_address=f"上海市{label}",
                floor_area_m2=rng.randrange(5000, 60000, 100),
                facility_systems=SYSTEMS,
                lng=f"{x:.6f}",
                lat=f"{y:.6f}",
                crs=crs,
                contract_start="2026-01-01",
                contract_end="2026-12-31",
                lead_id_number=staff[1],
                member_id_numbers="；".join(staff[2:4]),
            )
    counts = {w.kind.key: w.close() for w in (orgs, people, jobs, projects)}
    return counts, engineers


def _fresh_database(admin_url: str) -> str:
    from config import normalise_db_url

    url = sa.make_url(normalise_db_url(admin_url))
    name = f"fire_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_database(admin_url: str, url: str) -> None:
    from config import normalise_db_url

    engine = sa.create_engine(normalise_db_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=1.0, help="share of the full Shanghai size")
    parser.add_argument(
        "--database", default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and files afterwards")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    started = time.perf_counter()
    counts, engineers = generate(workdir, args.fraction)
    size = sum(p.stat().st_size for p in workdir.iterdir())
    print(f"files: {counts} ({size / 1e6:.1f} MB) written in {time.perf_counter() - started:.1f} s")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    url = _fresh_database(args.database)
    os.environ["TEST_DATABASE_URL_EFFECTIVE"] = url
    os.environ["TEST_UPLOAD_DIR"] = str(workdir / "uploads")
    from alembic import command
    from alembic.config import Config

    from backend import create_app
    from backend.bootstrap import adapters
    from backend.core.db import db
    from backend.modules.golive import importer, services

    app = create_app("testing")
    try:
        with app.app_context():
            cfg = Config(str(REPO / "alembic.ini"))
            cfg.set_main_option("script_location", str(REPO / "migrations"))
            with db.engine.begin() as connection:
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")
            registry = adapters().registry
            with open(workdir / "01-organizations.csv", encoding="utf-8", newline="") as handle:
                for row in list(csv.reader(handle))[1:]:
                    registry.register_organization(
                        credit_code=row[0],
                        name=row[1],
                        types=["维护保养检测"],
                        legal_representative=row[4],
                        registered_address=row[7],
                    )
            for e in engineers:
                registry.register_person(
                    name=e["name"],
                    id_number=e["id_number"],
                    kind=e["kind"],
                    org_credit_code=e["org"],
                    cert_no=e["no"],
                    issued_on=date(2025, 6, 1),
                )
            timings: dict[str, float] = {}
            for number, key in enumerate(counts, start=1):
                run = services.create_cli_run(workdir / f"{number:02d}-{key}.csv", dry_run=False)
                begin = time.perf_counter()
                importer.execute(run.id)
                timings[key] = time.perf_counter() - begin
                done = importer.get_run(run.id)
                errors = [(e.line, e.field, e.reason) for e in importer.error_lines(run.id)][:5]
                assert done.status == "done" and done.errors_count == 0, (key, done.counts, errors)
                db.session.remove()
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            total_rows = sum(counts.values())
            total_time = sum(timings.values())
            print(f"\nimport on PostgreSQL (fraction {args.fraction:g} of the Shanghai size):")
            for key, seconds in timings.items():
                print(f"  {key:14s} {counts[key]:>8,d} rows  {seconds:8.1f} s  {counts[key] / seconds:8.0f} rows/s")
            print(f"  {'all':14s} {total_rows:>8,d} rows  {total_time:8.1f} s  {total_rows / total_time:8.0f} rows/s")
            print(
                f"peak memory (ru_maxrss): {rss / 1024:.0f} MiB (after writing the files: {rss_before / 1024:.0f} MiB)"
            )
            if args.fraction < 1:
                full_rows = sum(round(v / args.fraction) for v in counts.values())
                minutes = full_rows / (total_rows / total_time) / 60
                print(f"extrapolated to the full size ({full_rows:,d} rows): {minutes:.0f} min")
    finally:
        if not args.keep:
            _drop_database(args.database, url)
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

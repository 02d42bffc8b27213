"""Serve the real backend for the mini-program's end-to-end test (miniprogram/tests/e2e).

The caller has already run `alembic upgrade head` and `flask demo load` with the same INSTANCE_PATH (the
embedded default: SQLite under that folder, in-process jobs, simulators). With --seed-check-in this adds what
an on-site check-in needs and the demo data may not hold yet: a verified organisation, a practitioner whose
face is enrolled from shared/data/faces/obama.jpg, employed there, on the team of a published project at a
real Shanghai place (shared/data/sites) with a 300 m geofence. Prints one JSON line (port and the seeded
facts), then serves on 127.0.0.1 until stdin closes or the process is terminated.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
PHONE = "13712340001"


def _first_place() -> dict[str, str]:
    with (SHARED / "sites" / "wikidata_shanghai_places.csv").open(encoding="utf-8") as fh:
        return next(row for row in csv.DictReader(fh) if row["adcode_derived"] == "310101")


def seed_check_in() -> dict[str, Any]:
    """Rows built directly, as tests/supervision/builders.py does: the registration services are covered by
    their own tests; this test is about the phone talking to the check-in endpoint."""
    from backend.adapters.face import DlibFaceEngine
    from backend.core.crypto import id_number_hash, phone_hash
    from backend.core.db import db
    from backend.core.geo import circle_geofence, from_wgs84
    from backend.core.timeutil import utcnow
    from backend.core.validators import credit_code_check_char, id_check_digit, mask_name
    from backend.modules.accounts.models import User, UserRole
    from backend.modules.projects.models import Project, ProjectMember
    from backend.modules.realname.models import Employment, Organization, Practitioner

    place = _first_place()
    lng, lat = float(place["lng_wgs84"]), float(place["lat_wgs84"])
    credit17 = "91310101MA1FL8E2X"
    id17 = "31010119850317001"
    rep17 = "31010119700101002"
    org = Organization(
        credit_code=credit17 + credit_code_check_char(credit17),
        name="上海外滩消防技术服务有限公司",
        types=["maintenance_testing"],
        legal_rep_name="王建国",
        legal_rep_id_number=rep17 + id_check_digit(rep17),
        legal_rep_id_hash=id_number_hash(rep17 + id_check_digit(rep17)),
        address=f"上海市{place['label']}附近",
        lng=lng,
        lat=lat,
        district_code="310101",
        workplace_area_m2=260,
        status="verified",
        conditions_met=True,
    )
    user = User(phone=PHONE, phone_hash=phone_hash(PHONE), display_name="张伟")
    user.roles.append(UserRole(role="practitioner"))
    db.session.add_all([org, user])
    db.session.flush()
    encoding = DlibFaceEngine().enrol((SHARED / "faces" / "obama.jpg").read_bytes()).encoding
    practitioner = Practitioner(
        user_id=user.id,
        name="张伟",
        name_masked=mask_name("张伟"),
        id_number=id17 + id_check_digit(id17),
        id_number_hash=id_number_hash(id17 + id_check_digit(id17)),
        identity_status="verified",
        biometric_consent_version="2025-1",
        biometric_consent_at=utcnow(),
        face_status="enrolled",
        face_encoding=encoding,
        face_enrolled_at=utcnow(),
    )
    db.session.add(practitioner)
    db.session.flush()
    db.session.add(
        Employment(
            org_id=org.id,
            practitioner_id=practitioner.id,
            invited_phone_hash=phone_hash(PHONE),
            position="project_lead",
            status="active",
            started_at=utcnow() - timedelta(days=200),
        )
    )
    project = Project(
        project_no="JC2026E2E001",
        org_id=org.id,
        service_type="testing",
        name=f"{place['label']}消防设施检测",
        status="published",
        client_name=f"{place['label']}物业管理有限公司",
        client_contact_name="李秀英",
        client_contact_phone="13916000002",
        client_contact_phone_hash=phone_hash("13916000002"),
        building_name=place["label"],
        building_address=f"上海市{place['label']}",
        facility_systems=["fire_alarm", "sprinkler", "hydrant"],
        lng=lng,
        lat=lat,
        coord_source_crs="wgs84",
        geofence=circle_geofence(lng, lat, 300),
        district_code="310101",
        published_at=utcnow() - timedelta(days=3),
        lead_practitioner_id=practitioner.id,
    )
    db.session.add(project)
    db.session.flush()
    db.session.add(ProjectMember(project_id=project.id, practitioner_id=practitioner.id, role="lead"))
    db.session.commit()
    gcj_lng, gcj_lat = from_wgs84(lng, lat, "gcj02")
    return {
        "phone": PHONE,
        "project_id": project.id,
        "project_name": project.name,
        "lng_gcj02": gcj_lng,
        "lat_gcj02": gcj_lat,
        "photo": str(SHARED / "faces" / "obama2.jpg"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-check-in", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))  # run as a script from anywhere: the backend package lives at the repo root

    from backend import create_app

    app = create_app()
    facts: dict[str, Any] = {}
    if args.seed_check_in:
        with app.app_context():
            facts = seed_check_in()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(json.dumps({"port": server.server_port, **facts}, ensure_ascii=False), flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # the test closes our stdin when it is done (or kills us)
    server.shutdown()


if __name__ == "__main__":
    main()

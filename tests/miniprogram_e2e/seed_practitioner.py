"""Seed what the mini-program's practitioner end-to-end test (miniprogram/tests/e2e/practitioner.test.js) needs
beyond serve_backend.py --seed-check-in: the seeded practitioner is a registered engineer (a valid 一级
certificate, as the national system would have confirmed) and a draft conclusion document of the seeded
project waits for his signature as project lead and technical lead.

Run by the test through the backend helper's python hook, against the same INSTANCE_PATH as the running
server: `python -c "from tests.miniprogram_e2e.seed_practitioner import main; main('13712340001')"`.
Prints one JSON line with the document id.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def seed_signing(phone: str) -> dict[str, Any]:
    import sqlalchemy as sa

    from backend.core.crypto import phone_hash
    from backend.core.db import db
    from backend.core.timeutil import today
    from backend.modules.accounts.models import User
    from backend.modules.documents.models import ConclusionDocument
    from backend.modules.projects.models import Project, ProjectMember
    from backend.modules.realname.models import Certificate, Practitioner

    user = db.session.scalar(sa.select(User).where(User.phone_hash == phone_hash(phone)))
    assert user is not None, f"no user with phone {phone}: start the backend with --seed-check-in"
    practitioner = db.session.scalar(sa.select(Practitioner).where(Practitioner.user_id == user.id))
    assert practitioner is not None
    db.session.add(
        Certificate(
            practitioner_id=practitioner.id,
            kind="engineer_1",
            cert_no="0031012026E2E",
            registration_no="S31012026E2E",
            issued_on=today() - timedelta(days=700),
            expires_on=today() + timedelta(days=700),
            status="valid",
            check_notes=[],
        )
    )
    project = db.session.scalar(
        sa.select(Project)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(ProjectMember.practitioner_id == practitioner.id)
        .order_by(Project.id)
    )
    assert project is not None
    document = ConclusionDocument(
        report_number=f"JC-E2E-{project.id:06d}",
        project_id=project.id,
        org_id=project.org_id,
        doc_type="testing_report",
        period_start=today() - timedelta(days=3),
        period_end=today(),
        status="draft",
        items=[
            {
                "system_code": "fire_alarm",
                "facility_system": "火灾自动报警系统",
                "item": "火灾探测器报警功能",
                "result": "normal",
                "note": "",
            }
        ],
        defects=[],
        conclusion="所检测的消防设施系统功能正常。",
        project_lead_id=practitioner.id,
        technical_lead_id=practitioner.id,
        district_code=project.district_code,
    )
    db.session.add(document)
    db.session.commit()
    return {"document_id": document.id, "report_number": document.report_number, "practitioner_id": practitioner.id}


def main(phone: str) -> None:
    sys.path.insert(0, str(REPO))
    from backend import create_app

    app = create_app()
    with app.app_context():
        facts = seed_signing(phone)
    print(json.dumps(facts, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])

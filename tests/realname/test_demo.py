"""The realname demo data loads, is idempotent, and tells a story the other modules can use."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from backend.core.db import db
from backend.modules.realname import demo
from backend.modules.realname.models import Employment, FaceEnrolment, Organization, Practitioner


@pytest.mark.registry_data
def test_demo_loads_verified_organisations_with_staff_and_is_idempotent(ctx: Any) -> None:
    from backend.demo import _accounts

    _accounts()
    lines = demo.load()
    orgs = db.session.scalars(sa.select(Organization).order_by(Organization.id)).all()
    assert len(orgs) == len(demo.DEMO_ORGS) == 6
    assert {o.status for o in orgs} == {"verified"}
    assert len({o.district_code for o in orgs}) == 6
    assert [o.conditions_met for o in orgs] == [True, True, True, True, True, False]
    practitioners = db.session.scalars(sa.select(Practitioner)).all()
    assert practitioners and {p.identity_status for p in practitioners} == {"verified"}
    assert {p.face_status for p in practitioners} == {"none"} and db.session.scalar(sa.select(FaceEnrolment)) is None
    assert all(p.alt_identity_approved_at is not None for p in practitioners)
    assert any("技术负责人" in line for line in lines) and any("13600000101" in line for line in lines)
    counts = (
        db.session.scalar(sa.select(sa.func.count()).select_from(Employment)),
        len(practitioners),
    )
    assert demo.load() == lines
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Employment)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Practitioner)),
    ) == counts

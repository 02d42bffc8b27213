"""Timeline slices as services: jurisdiction of events without a district, and kind filters taken literally."""

from __future__ import annotations

from typing import Any

from backend.core.access import Actor, Role
from backend.core.db import unit_of_work
from backend.core.timeline import append_event
from backend.modules.lifecycle.services import practitioner_timeline, project_timeline
from tests.builders.accounts import supervisor
from tests.builders.places import HUANGPU, XUHUI
from tests.supervision import builders as b

ARGS = {"limit": 50, "cursor": None, "order": "asc"}


def _supervisor(jurisdiction: str) -> Actor:
    login = supervisor(jurisdiction)
    return Actor(login.user_id, frozenset({Role.SUPERVISOR}), jurisdiction=jurisdiction)


def test_event_without_district_belongs_to_the_jurisdiction_of_its_organisation(ctx: Any) -> None:
    org = b.make_org(XUHUI)
    person = b.make_practitioner("林芳", face=None, org=org)
    with unit_of_work() as uow:
        # e.g. the realname module recording a certificate check: about a person, no place of its own
        append_event("certificate.verified", "证书核验通过", org_id=org.id, practitioner_id=person.practitioner.id)
        uow.commit()

    def seen(jurisdiction: str) -> list[str]:
        page = practitioner_timeline(_supervisor(jurisdiction), person.practitioner.id, dict(ARGS))
        return [view.event.kind for view in page.items]

    assert seen(XUHUI) == ["certificate.verified"]
    assert seen(HUANGPU) == []


def test_kind_filter_treats_underscore_and_percent_literally(ctx: Any) -> None:
    project = b.make_project(b.make_org(XUHUI))
    with unit_of_work() as uow:
        for kind in ("spot_check.issued", "spotXcheck.issued", "spot_checks.issued"):
            append_event(kind, kind, org_id=project.org_id, project_id=project.id, district_code=project.district_code)
        uow.commit()
    actor = _supervisor(XUHUI)
    page = project_timeline(actor, project.id, {**ARGS, "kind": ["spot_check"]})
    assert [view.event.kind for view in page.items] == ["spot_check.issued"]
    assert project_timeline(actor, project.id, {**ARGS, "kind": ["spot%"]}).items == []

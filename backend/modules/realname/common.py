"""Pieces the realname services share: loading subjects with their access checks, timeline and evidence."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from backend.core.access import Actor, require_area, require_org_manager
from backend.core.audit import record
from backend.core.db import db, unit_of_work
from backend.core.errors import Forbidden, NotFound
from backend.core.timeline import append_event
from backend.core.timeutil import utcnow
from backend.modules.accounts.queries import User, user_by_id

from .models import Employment, IntegrityEvidence, Organization, Practitioner
from .queries import active_employment


def get_org(org_id: int) -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None:
        raise NotFound("org_not_found")
    return org


def org_for_manager(actor: Actor, org_id: int) -> Organization:
    """The organisation, if the actor is one of its admins or its legal representative."""
    org = get_org(org_id)
    require_org_manager(actor, org.id)
    return org


def org_for_supervisor(actor: Actor, org_id: int) -> Organization:
    """The organisation, if it lies in the supervisor's jurisdiction."""
    org = get_org(org_id)
    require_area(actor, org.district_code, org.special_zone)
    return org


def org_for_reader(actor: Actor, org_id: int) -> Organization:
    """Its own admins and the supervisors of its district (or the corps) may read an organisation."""
    org = get_org(org_id)
    if org.id in actor.org_ids:
        return org
    if actor.is_supervisory:
        require_area(actor, org.district_code, org.special_zone)
        return org
    raise Forbidden()


def current_user(actor: Actor) -> User:
    user = user_by_id(actor.user_id)
    if user is None:
        raise Forbidden()
    return user


def employer_of(practitioner: Practitioner) -> Organization | None:
    employment = active_employment(practitioner.id)
    return db.session.get(Organization, employment.org_id) if employment else None


def practitioner_for_reader(actor: Actor, practitioner_id: int) -> Practitioner:
    """Supervisors read practitioners employed in their jurisdiction (an unemployed practitioner belongs to
    no district: every supervisor may see them, as any detachment may check a person's identity in person);
    org admins read those their organisation employs or has invited."""
    practitioner = db.session.get(Practitioner, practitioner_id)
    if practitioner is None:
        raise NotFound("practitioner_not_found")
    if actor.is_supervisory:
        employer = employer_of(practitioner)
        if employer is not None:
            require_area(actor, employer.district_code, employer.special_zone)
        return practitioner
    if actor.org_ids and _linked_to_orgs(practitioner.id, actor.org_ids):
        return practitioner
    raise Forbidden()


def _linked_to_orgs(practitioner_id: int, org_ids: frozenset[int]) -> bool:
    return (
        db.session.scalar(
            sa.select(Employment.id)
            .where(
                Employment.practitioner_id == practitioner_id,
                Employment.org_id.in_(org_ids),
                Employment.status.in_(("invited", "active")),
            )
            .limit(1)
        )
        is not None
    )


def audit_personal_read(actor: Actor, target_type: str, target_id: int, fields: list[str]) -> None:
    """Supervisors' reads of personal data are audited (docs/design.md §5); the caller commits."""
    if actor.is_supervisory:
        record("personal_data.read", target_type, target_id, {"fields": fields})


def org_event(org: Organization, kind: str, summary: str, *, visibility: str = "org", **data: Any) -> None:
    append_event(
        kind,
        summary,
        org_id=org.id,
        district_code=org.district_code,
        special_zone=org.special_zone,
        visibility=visibility,
        data=data,
        is_trial=org.is_trial,
    )


def practitioner_event(
    practitioner: Practitioner,
    kind: str,
    summary: str,
    *,
    org: Organization | None = None,
    visibility: str = "org",
    **data: Any,
) -> None:
    """A practitioner's event, placed in the district of the organisation concerned (or the current employer)
    so that the right supervisors see it. Summaries carry masked names only: no personal or biometric data."""
    where = org or employer_of(practitioner)
    append_event(
        kind,
        summary,
        practitioner_id=practitioner.id,
        org_id=where.id if where else None,
        district_code=where.district_code if where else None,
        special_zone=where.special_zone if where else None,
        visibility=visibility,
        data=data,
        is_trial=practitioner.is_trial,
    )


def record_evidence_separately(
    kind: str, summary: str, *, practitioner: Practitioner, org: Organization, details: dict[str, Any]
) -> None:
    """Keep the evidence of a refused act in its own transaction: the refusal rolls back the act, not the
    evidence (挂证 warnings are built from these rows)."""
    with unit_of_work() as uow:
        evidence = IntegrityEvidence(
            kind=kind,
            practitioner_id=practitioner.id,
            org_id=org.id,
            details=details,
            created_at=utcnow(),
            is_trial=practitioner.is_trial,
        )
        db.session.add(evidence)
        db.session.flush()
        practitioner_event(
            practitioner, f"integrity.{kind}", summary, org=org, visibility="supervisor", evidence_id=evidence.id
        )
        uow.commit()

"""The public directory (no login): organisations in practice and their practitioners, without personal data
(docs/design.md §5: names masked, certificate types only)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from backend.core.db import db
from backend.core.errors import NotFound
from backend.core.pagination import Page, keyset_page
from backend.core.timeutil import today

from .models import Certificate, Employment, Organization, Practitioner

PUBLIC_ORG_STATUSES = ("verified", "suspended")


def _public_orgs() -> sa.Select[tuple[Organization]]:
    return sa.select(Organization).where(Organization.status.in_(PUBLIC_ORG_STATUSES), Organization.is_trial.is_(False))


def public_organizations(
    *,
    limit: int,
    cursor: str | None,
    q: str | None = None,
    credit_code: str | None = None,
    district_code: str | None = None,
    org_type: str | None = None,
) -> Page[Organization]:
    stmt = _public_orgs()
    if q and q.strip():
        stmt = stmt.where(Organization.name.contains(q.strip(), autoescape=True))
    if credit_code and credit_code.strip():
        stmt = stmt.where(Organization.credit_code.startswith(credit_code.strip().upper(), autoescape=True))
    if district_code:
        stmt = stmt.where(Organization.district_code == district_code)
    if org_type:
        # types is a JSON list of keys; its text form contains the quoted key on SQLite and PostgreSQL alike.
        stmt = stmt.where(sa.cast(Organization.types, sa.String).contains(f'"{org_type}"'))
    return keyset_page(db.session, stmt, [Organization.id], limit=limit, cursor=cursor)


def public_organization(org_id: int) -> Organization:
    org = db.session.scalar(_public_orgs().where(Organization.id == org_id))
    if org is None:
        raise NotFound("org_not_found")
    return org


@dataclass(frozen=True)
class PublicPractitioner:
    id: int
    name_masked: str
    certificate_kinds: list[str]


def public_practitioners(
    *, limit: int, cursor: str | None, org_id: int | None = None, cert_kind: str | None = None
) -> Page[PublicPractitioner]:
    """Identity-verified practitioners employed by an organisation in practice."""
    day = today()
    valid_cert = sa.and_(
        Certificate.practitioner_id == Practitioner.id,
        Certificate.status == "valid",
        sa.or_(Certificate.expires_on.is_(None), Certificate.expires_on >= day),
    )
    stmt = (
        sa.select(Practitioner)
        .join(Employment, sa.and_(Employment.practitioner_id == Practitioner.id, Employment.status == "active"))
        .join(Organization, Organization.id == Employment.org_id)
        .where(
            Organization.status.in_(PUBLIC_ORG_STATUSES),
            Organization.is_trial.is_(False),
            Practitioner.identity_status == "verified",
            sa.exists().where(valid_cert),
        )
    )
    if org_id is not None:
        stmt = stmt.where(Organization.id == org_id)
    if cert_kind:
        stmt = stmt.where(sa.exists().where(valid_cert, Certificate.kind == cert_kind))
    page = keyset_page(db.session, stmt, [Practitioner.id], limit=limit, cursor=cursor)
    items = [
        PublicPractitioner(
            p.id,
            p.name_masked,
            sorted(
                {
                    c.kind
                    for c in p.certificates
                    if c.status == "valid" and (c.expires_on is None or c.expires_on >= day)
                }
            ),
        )
        for p in page.items
    ]
    return Page(items, page.next_cursor)

"""Builders for realname tests: real organisations and people from the registry simulator's dataset, real
face photos from shared/data/faces, and an HTTP helper that logs in as a real user. Call inside an app context.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from backend.bootstrap import adapters
from backend.core.db import db
from backend.core.timeutil import today as shanghai_today
from backend.modules.realname import services
from backend.modules.realname.models import Organization, Practitioner
from backend.modules.realname.practitioners import CONSENT_VERSION, REGISTRY_KINDS
from tests.builders.accounts import Login, actor_of, make_user, next_phone, relogin, supervisor
from tests.builders.media import licence_image, pdf_document
from tests.builders.places import XUHUI

# 上海申卫消防安全评估有限公司 (徐汇区, 消防安全评估): two valid 一级 engineers registered there.
SHENWEI = "91310104671876978W"
# 上海耀安消防设施检测有限公司 (黄浦区, 维护保养检测).
YAOAN = "91310101MAC1PBUW93"


@dataclass
class Http:
    """A client acting as one logged-in user."""

    client: Any
    login: Login | None

    @property
    def headers(self) -> dict[str, str]:
        return self.login.headers if self.login else {}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.client.post(url, headers=self.headers, **kw)

    def put(self, url: str, **kw: Any) -> Any:
        return self.client.put(url, headers=self.headers, **kw)

    def patch(self, url: str, **kw: Any) -> Any:
        return self.client.patch(url, headers=self.headers, **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self.client.delete(url, headers=self.headers, **kw)

    def upload(self, url: str, field: str, data: bytes, filename: str, method: str = "post") -> Any:
        return self.client.open(
            url,
            method=method.upper(),
            headers=self.headers,
            data={field: (io.BytesIO(data), filename)},
            content_type="multipart/form-data",
        )


# --- the registry dataset ------------------------------------------------------------------------------


def registry_org(credit_code: str) -> Any:
    found = adapters().registry.lookup_organization(credit_code)
    assert found is not None, credit_code
    return found


def legal_rep_of(credit_code: str) -> Any:
    org = registry_org(credit_code)
    return next(
        p
        for p in adapters().registry.persons()
        if p.employer_credit_code == credit_code and p.name == org.legal_representative
    )


def certificates_of(id_number: str) -> list[Any]:
    return adapters().registry.lookup_certificates(id_number=id_number)


def staff_of(credit_code: str, kind: str) -> list[Any]:
    """People employed by the organisation holding a valid certificate of `kind` (Chinese registry name)
    that counts there (engineers: registered to it)."""
    people = []
    for person in adapters().registry.persons():
        if person.employer_credit_code != credit_code:
            continue
        certs = [c for c in certificates_of(person.id_number) if c.kind == kind and c.is_valid]
        if kind != "消防设施操作员":
            certs = [c for c in certs if c.org_credit_code == credit_code]
        if certs:
            people.append(person)
    return people


# --- generated documents -------------------------------------------------------------------------------


EQUIPMENT = [
    {"category": "basic", "name": "激光测距仪", "quantity": 2, "calibration_due": None},
    {"category": "assessment", "name": "红外热像仪", "quantity": 1},
    {"category": "maintenance_testing", "name": "火灾探测器功能试验器", "quantity": 2},
]


def equipment(due: date | None = None) -> list[dict[str, Any]]:
    due = due or shanghai_today() + timedelta(days=365)
    return [{**item, "calibration_due": item.get("calibration_due", due.isoformat())} for item in EQUIPMENT]


def registration_body(credit_code: str, **overrides: Any) -> dict[str, Any]:
    org = registry_org(credit_code)
    rep = legal_rep_of(credit_code)
    types = [{"维护保养检测": "maintenance_testing", "消防安全评估": "assessment"}[t] for t in org.types]
    body = {
        "credit_code": org.credit_code,
        "name": org.name,
        "types": types,
        "legal_rep_name": rep.name,
        "legal_rep_id_number": rep.id_number,
        "address": org.registered_address,
        "workplace_area_m2": 260,
        "equipment": equipment(),
    }
    body.update(overrides)
    return body


# --- services-level builders (setup for tests that are about something else) ---------------------------


@dataclass
class OrgSetup:
    org_id: int
    legal_rep: Login


def registered_org(credit_code: str, **overrides: Any) -> OrgSetup:
    """A draft organisation registered by its real legal representative, with licence and documents."""
    rep = legal_rep_of(credit_code)
    login = make_user(phone=rep.mobile)
    body = registration_body(credit_code, **overrides)
    body["equipment"] = [
        {**item, "calibration_due": date.fromisoformat(item["calibration_due"]) if item["calibration_due"] else None}
        for item in body["equipment"]
    ]
    org = services.register_organization(actor_of(login), **body)
    login = relogin(rep.mobile)
    for kind in ("quality_system", "assessment_control"):
        services.upload_document(actor_of(login), org.id, kind, pdf_document(kind))
    services.upload_document(actor_of(login), org.id, "business_licence", licence_image())
    return OrgSetup(org.id, login)


def verified_org(credit_code: str, **overrides: Any) -> OrgSetup:
    setup = registered_org(credit_code, **overrides)
    org = db.session.get(Organization, setup.org_id)
    assert org is not None
    services.submit_organization(actor_of(setup.legal_rep), setup.org_id)
    services.review_organization(actor_of(supervisor(org.district_code or XUHUI)), setup.org_id, "approve", [])
    return setup


def practitioner(person: Any, *, declare: bool = True) -> Login:
    """The person registered as a practitioner (by their own phone), certificates declared from the registry."""
    login = make_user(phone=person.mobile or next_phone())
    services.register_practitioner(actor_of(login), name=person.name, id_number=person.id_number)
    login = relogin(login.phone)
    if declare:
        for cert in certificates_of(person.id_number):
            level = (
                5 - ("五级/初级", "四级/中级", "三级/高级", "二级/技师", "一级/高级技师").index(cert.level)
                if cert.level
                else None
            )
            services.declare_certificate(
                actor_of(login),
                kind=REGISTRY_KINDS[cert.kind],
                cert_no=cert.cert_no,
                registration_no=cert.registration_no,
                level=level,
            )
    return login


def employ(setup: OrgSetup, person_login: Login, position: str) -> int:
    employment = services.invite(actor_of(setup.legal_rep), setup.org_id, phone=person_login.phone, position=position)
    services.accept(actor_of(person_login), employment.id)
    return employment.id


def practitioner_row(login: Login) -> Practitioner:
    row = db.session.scalar(sa.select(Practitioner).where(Practitioner.user_id == login.user_id))
    assert row is not None
    return row


def consent(login: Login) -> None:
    services.give_biometric_consent(actor_of(login), CONSENT_VERSION)

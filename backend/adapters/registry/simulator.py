"""Local stand-in for the national 社会消防技术服务信息系统, answering from a checked-in dataset.

The dataset (backend/data/registry/registry_dataset.json, made by scripts/make_registry_dataset.py) holds
~60 Shanghai organisations and ~640 people with their certificates, including lapsed and cancelled ones and
挂证 cases; see the README beside it. Records can be added at run time for tests and demos. Each instance
owns its copy, so additions never leak between instances.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from backend.core.timeutil import today as shanghai_today
from backend.core.validators import (
    credit_code_error,
    id_number_error,
    normalize_credit_code,
    normalize_id_number,
)

from .base import (
    CERT_KINDS,
    CERT_OPERATOR,
    CERT_STATUS_EXPIRED,
    CERT_STATUS_VALID,
    CERT_STATUSES,
    ENGINEER_KINDS,
    OPERATOR_LEVELS,
    ORG_STATUSES,
    ORG_TYPES,
    RegistryCertificate,
    RegistryError,
    RegistryOrg,
)

DEFAULT_DATASET = Path(__file__).resolve().parents[2] / "data" / "registry" / "registry_dataset.json"
ENGINEER_REGISTRATION_YEARS = 3  # 《注册消防工程师管理规定》: a registration runs three years


@dataclass(frozen=True)
class SimulatedPerson:
    """A person of the dataset with what a demo needs beyond the registry's answer (phone, employer).
    ``employer_credit_code`` is where the person works in the demo story; for 挂证 cases it differs from
    the organisation the registry has the engineer registered at."""

    name: str
    id_number: str
    mobile: str
    employer_credit_code: str | None
    roles: tuple[str, ...]


@lru_cache(maxsize=4)
def load_dataset(path: Path = DEFAULT_DATASET) -> dict[str, Any]:
    """The parsed dataset; cached because several simulators (registry, big data) read the same file."""
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _org_from(record: dict[str, Any]) -> RegistryOrg:
    return RegistryOrg(
        credit_code=record["credit_code"],
        name=record["name"],
        types=tuple(record["types"]),
        legal_representative=record["legal_representative"],
        registered_address=record["registered_address"],
        status=record["status"],
        registered_at=date.fromisoformat(record["registered_at"]),
    )


def _cert_from(record: dict[str, Any]) -> RegistryCertificate:
    return RegistryCertificate(
        holder_name=record["holder_name"],
        id_number=record["id_number"],
        kind=record["kind"],
        level=record["level"],
        cert_no=record["cert_no"],
        registration_no=record["registration_no"],
        org_credit_code=record["org_credit_code"],
        org_name=record["org_name"],
        issued_on=date.fromisoformat(record["issued_on"]),
        expires_on=_date(record["expires_on"]),
        status=record["status"],
    )


class RegistrySimulator:
    """Implements ``NationalRegistry``. ``today`` decides when a registration has lapsed (default: the date in
    Shanghai), as the real system marks a registration 过期 the day after it ends."""

    def __init__(self, dataset_path: Path | str | None = None, *, today: Callable[[], date] | None = None) -> None:
        data = load_dataset(Path(dataset_path) if dataset_path else DEFAULT_DATASET)
        self._today = today or shanghai_today
        self._lock = threading.Lock()
        self._orgs: dict[str, RegistryOrg] = {r["credit_code"]: _org_from(r) for r in data["organizations"]}
        self._certs: list[RegistryCertificate] = [_cert_from(r) for r in data["certificates"]]
        self._persons: dict[str, SimulatedPerson] = {
            p["id_number"]: SimulatedPerson(
                p["name"], p["id_number"], p["mobile"], p["employer_credit_code"], tuple(p["roles"])
            )
            for p in data["persons"]
        }
        self.scenarios: dict[str, Any] = copy.deepcopy(data["scenarios"])
        self._serial = 0

    # --- NationalRegistry ---

    def lookup_organization(self, credit_code: str) -> RegistryOrg | None:
        return self._orgs.get(normalize_credit_code(credit_code))

    def lookup_certificates(
        self, *, id_number: str | None = None, cert_no: str | None = None
    ) -> list[RegistryCertificate]:
        if not id_number and not cert_no:
            raise RegistryError("registry_invalid_query")
        wanted_id = normalize_id_number(id_number) if id_number else None
        wanted_no = cert_no.strip().upper() if cert_no else None
        found = [
            cert
            for cert in self._certs
            if (wanted_id is None or cert.id_number == wanted_id)
            and (wanted_no is None or wanted_no in (cert.cert_no, cert.registration_no))
        ]
        return [self._as_of_today(cert) for cert in found]

    def _as_of_today(self, cert: RegistryCertificate) -> RegistryCertificate:
        if cert.status == CERT_STATUS_VALID and cert.expires_on is not None and cert.expires_on < self._today():
            return replace(cert, status=CERT_STATUS_EXPIRED)
        return cert

    # --- read access for demo seeding ---

    def organizations(self) -> list[RegistryOrg]:
        return list(self._orgs.values())

    def certificates(self) -> list[RegistryCertificate]:
        return [self._as_of_today(cert) for cert in self._certs]

    def persons(self) -> list[SimulatedPerson]:
        return list(self._persons.values())

    def person(self, id_number: str) -> SimulatedPerson | None:
        return self._persons.get(normalize_id_number(id_number))

    # --- run-time additions (tests, demo) ---

    def register_organization(
        self,
        *,
        credit_code: str,
        name: str,
        types: Iterable[str],
        legal_representative: str,
        registered_address: str,
        status: str = "正常",
        registered_at: date | None = None,
    ) -> RegistryOrg:
        """Adds or replaces an organisation. Raises ValueError on an invalid credit code, type or status."""
        code = normalize_credit_code(credit_code)
        if error := credit_code_error(code):
            raise ValueError(error)
        types = tuple(types)
        if not types or any(t not in ORG_TYPES for t in types):
            raise ValueError(f"types must be taken from {ORG_TYPES}")
        if status not in ORG_STATUSES:
            raise ValueError(f"status must be one of {ORG_STATUSES}")
        org = RegistryOrg(
            credit_code=code,
            name=name,
            types=types,
            legal_representative=legal_representative,
            registered_address=registered_address,
            status=status,
            registered_at=registered_at or self._today(),
        )
        with self._lock:
            self._orgs[code] = org
        return org

    def register_person(
        self,
        *,
        name: str,
        id_number: str,
        kind: str,
        level: str | None = None,
        org_credit_code: str | None = None,
        cert_no: str | None = None,
        registration_no: str | None = None,
        issued_on: date | None = None,
        expires_on: date | None = None,
        status: str = CERT_STATUS_VALID,
        mobile: str = "",
    ) -> RegistryCertificate:
        """Gives a person one certificate (call again for more). Engineers must name a registered
        organisation; numbers and the three-year registration period are filled in when omitted. Raises
        ValueError on input the real registry could not hold."""
        number = normalize_id_number(id_number)
        if error := id_number_error(number, today=self._today()):
            raise ValueError(error)
        if kind not in CERT_KINDS:
            raise ValueError(f"kind must be one of {CERT_KINDS}")
        if status not in CERT_STATUSES:
            raise ValueError(f"status must be one of {CERT_STATUSES}")
        issued = issued_on or self._today()
        org = None
        if kind in ENGINEER_KINDS:
            if level is not None:
                raise ValueError("engineers have no skill level")
            org = self.lookup_organization(org_credit_code or "")
            if org is None:
                raise ValueError("an engineer must be registered to a known organisation")
            if expires_on is None:
                expires_on = _add_years(issued, ENGINEER_REGISTRATION_YEARS) - timedelta(days=1)
        elif level not in OPERATOR_LEVELS:
            raise ValueError(f"operators need a level from {OPERATOR_LEVELS}")
        with self._lock:
            self._serial += 1
            serial = self._serial
            level_digit = "1" if kind == ENGINEER_KINDS[0] else "2"
            if cert_no is None:
                if kind == CERT_OPERATOR:
                    rank_digit = 5 - OPERATOR_LEVELS.index(level or "")
                    cert_no = f"S0000310000999{issued.year % 100:02d}{rank_digit}{90000 + serial:05d}"
                else:
                    cert_no = f"{issued.year}31{level_digit}{900000 + serial:06d}"
            if kind in ENGINEER_KINDS and registration_no is None:
                registration_no = f"31{level_digit}{issued.year % 100:02d}{90000 + serial:05d}"
            cert = RegistryCertificate(
                holder_name=name,
                id_number=number,
                kind=kind,
                level=level,
                cert_no=cert_no,
                registration_no=registration_no if kind in ENGINEER_KINDS else None,
                org_credit_code=org.credit_code if org else None,
                org_name=org.name if org else None,
                issued_on=issued,
                expires_on=expires_on,
                status=status,
            )
            self._certs.append(cert)
            known = self._persons.get(number)
            roles = tuple(sorted({*(known.roles if known else ()), kind}))
            self._persons[number] = SimulatedPerson(
                name,
                number,
                mobile or (known.mobile if known else ""),
                org.credit_code if org else (known.employer_credit_code if known else None),
                roles,
            )
        return cert

    def set_certificate_status(self, cert_no: str, status: str) -> RegistryCertificate:
        """Marks a certificate 注销 (or back to 有效), as the registry does when an engineer leaves a firm."""
        if status not in CERT_STATUSES:
            raise ValueError(f"status must be one of {CERT_STATUSES}")
        with self._lock:
            for i, cert in enumerate(self._certs):
                if cert_no in (cert.cert_no, cert.registration_no):
                    self._certs[i] = replace(cert, status=status)
                    return self._certs[i]
        raise KeyError(cert_no)

"""Local stand-in for the corps big-data platform: the business-registration view of the registry dataset
(backend/data/registry/registry_dataset.json, section "business_registrations"). It includes deliberate
differences from the fire registry (renamed firm, new legal representative, moved address, revoked licence)
and enterprises unknown to the fire registry; see the dataset's README."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from backend.core.validators import credit_code_error, normalize_credit_code

from .base import BusinessRecord, CrossCheckResult, cross_check

DEFAULT_DATASET = Path(__file__).resolve().parents[2] / "data" / "registry" / "registry_dataset.json"


def _record_from(item: Mapping[str, Any]) -> BusinessRecord:
    return BusinessRecord(
        credit_code=item["credit_code"],
        name=item["name"],
        legal_representative=item["legal_representative"],
        address=item["address"],
        status=item["status"],
        established_on=date.fromisoformat(item["established_on"]),
        registered_capital_wan=item.get("registered_capital_wan"),
        enterprise_type=item.get("enterprise_type"),
        registration_authority=item.get("registration_authority"),
        business_scope=item.get("business_scope"),
    )


class BigDataSimulator:
    """Implements ``BigDataPlatform``."""

    def __init__(self, dataset_path: Path | str | None = None) -> None:
        path = Path(dataset_path) if dataset_path else DEFAULT_DATASET
        with path.open(encoding="utf-8") as f:
            items = json.load(f)["business_registrations"]
        self._records: dict[str, BusinessRecord] = {item["credit_code"]: _record_from(item) for item in items}
        self._lock = threading.Lock()

    def lookup_business(self, credit_code: str) -> BusinessRecord | None:
        return self._records.get(normalize_credit_code(credit_code))

    def cross_check_organization(self, credit_code: str, declared: Mapping[str, Any]) -> CrossCheckResult:
        return cross_check(credit_code, declared, self.lookup_business(credit_code))

    def records(self) -> list[BusinessRecord]:
        return list(self._records.values())

    def register_business(self, record: BusinessRecord) -> BusinessRecord:
        """Adds or replaces an enterprise (tests, demo). Raises ValueError on an invalid credit code."""
        code = normalize_credit_code(record.credit_code)
        if error := credit_code_error(code):
            raise ValueError(error)
        record = replace(record, credit_code=code)
        with self._lock:
            self._records[code] = record
        return record

"""The registry of named warning rules (预警研判, docs/design.md §4).

A rule is a function of the scan window and its settings that answers Detections: findings about one subject
(an organisation, a practitioner or a project) in one period (a Shanghai day or month). The engine turns them
into warnings, one per rule, subject and period. Each rule declares its thresholds as Params: the default comes
from the app configuration (key `config_key`, else the code default) and the corps admin can override it in
the versioned rule settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from backend.core.timeutil import to_local


@dataclass(frozen=True)
class Param:
    key: str
    config_key: str
    default: float | int
    label: str
    unit: str
    minimum: float
    maximum: float
    integer: bool = True


@dataclass(frozen=True)
class Window:
    """The time a scan looks at: events in [start, end); `today` is Shanghai's date at the end."""

    start: datetime
    end: datetime

    @property
    def today(self) -> date:
        return to_local(self.end).date()


@dataclass
class Detection:
    subject_kind: str
    subject_id: int
    period_key: str
    summary: str
    evidence: dict[str, list[Any]] = field(default_factory=dict)
    org_id: int | None = None
    practitioner_id: int | None = None
    project_id: int | None = None
    district_code: str | None = None
    special_zone: str | None = None
    is_trial: bool = False

    @property
    def key(self) -> tuple[str, int, str]:
        return self.subject_kind, self.subject_id, self.period_key


@dataclass(frozen=True)
class Settings:
    """A rule's settings in force: the latest version in the database, else the configuration."""

    version: int
    enabled: bool
    severity: str
    values: dict[str, float | int]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


Detector = Callable[[Window, Settings], list[Detection]]


@dataclass(frozen=True)
class Rule:
    code: str
    family: str
    title: str
    description: str
    severity: str
    subject_kind: str
    detect: Detector
    params: tuple[Param, ...] = ()
    # Timeline event kinds after which the event scan runs the rule (cheap: only the new events' window).
    triggers: tuple[str, ...] = ()
    # Whether the organisation concerned sees (and is notified of) the warning. 挂证 findings stay with the
    # supervisors while they investigate.
    org_visible: bool = True


FAMILIES: dict[str, str] = {
    "conditions": "从业条件",
    "integrity": "挂证",
    "onsite": "现场执业真实性",
    "documents": "书面结论文件",
    "plans": "维保计划执行",
    "reports": "月度报表",
    "feedback": "委托单位反馈",
    "workload": "现场作业时长与强度",
    "certificates": "执业证书",
    "supervision": "实时抽查",
}

RULES: dict[str, Rule] = {}


def rule(
    code: str,
    *,
    family: str,
    title: str,
    description: str,
    severity: str,
    subject_kind: str,
    params: tuple[Param, ...] = (),
    triggers: tuple[str, ...] = (),
    org_visible: bool = True,
) -> Callable[[Detector], Detector]:
    """Register the decorated detector as a named rule."""
    if family not in FAMILIES:
        raise ValueError(f"unknown rule family {family}")

    def decorator(detect: Detector) -> Detector:
        if code in RULES:
            raise ValueError(f"rule {code} registered twice")
        RULES[code] = Rule(
            code, family, title, description, severity, subject_kind, detect, params, triggers, org_visible
        )
        return detect

    return decorator


def group(detections: list[Detection]) -> list[Detection]:
    """Merge detections of the same subject and period: one warning carries every piece of evidence."""
    merged: dict[tuple[str, int, str], Detection] = {}
    for found in detections:
        existing = merged.get(found.key)
        if existing is None:
            merged[found.key] = found
            continue
        for name, ids in found.evidence.items():
            existing.evidence[name] = list(dict.fromkeys([*existing.evidence.get(name, []), *ids]))
    return list(merged.values())

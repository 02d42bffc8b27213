"""Practice conditions (从业条件), computed live from declared data and staff records (docs/design.md §4).

Source: 《消防技术服务机构从业条件》 (应急〔2019〕88号, issued 2019-08-29), codified in 《社会消防技术服务管理规定》
(应急管理部令第7号) 第五～七条 and 第十二条. Thresholds change by regulation, so they live in a versioned rule set:
a new regulation is a new entry in RULESETS with its effective date, and each evaluation records which one it
applied (Organization.conditions_ruleset).

Who counts: only staff with an active employment at the organisation and a valid, unexpired certificate. A
registered fire engineer counts only where the national system registers their certificate (第十一条: no
practice at two organisations), so an engineer registered elsewhere counts nowhere but there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from backend.core.db import db
from backend.core.timeline import append_event
from backend.core.timeutil import today, utcnow

from .models import ORG_DOCUMENTS, Certificate, Employment, EquipmentCategory, Organization, Practitioner

EQUIPMENT_CATEGORIES = EquipmentCategory.labels()

# What each category usually holds (XF 1157 lineage); shown to organisations filling in the declaration.
EQUIPMENT_EXAMPLES = {
    "basic": ("计算机及打印设备", "数码照相机", "激光测距仪", "对讲机"),
    "maintenance_testing": (
        "火灾探测器功能试验器",
        "数字声级计",
        "照度计",
        "风速计",
        "消火栓系统试水检测装置",
        "数字微压计",
        "绝缘电阻测量仪",
        "接地电阻测量仪",
    ),
    "assessment": ("红外热像仪", "数字温湿度计", "可燃气体检测仪", "火灾模拟分析软件"),
}

# Organisations whose conditions are watched: those allowed to practise, and those suspended (to be reinstated).
MONITORED_STATUSES = ("verified", "suspended")

# 消防设施操作员 levels run 5 (五级/初级) … 1 (一级/高级技师); 中级 is 四级.
INTERMEDIATE_OPERATOR_LEVEL = 4


@dataclass(frozen=True)
class Thresholds:
    legal_form: str
    min_area_m2: float
    min_engineers: int
    min_engineers_level_1: int
    technical_lead_level_1: bool
    min_operators: int
    min_operators_intermediate: int
    equipment: tuple[str, ...]  # keys of EQUIPMENT_CATEGORIES, each needing at least one item in calibration
    documents: tuple[str, ...]  # keys of ORG_DOCUMENTS


@dataclass(frozen=True)
class RuleSet:
    key: str
    title: str
    effective_from: date
    by_types: dict[frozenset[str], Thresholds]

    def thresholds_for(self, types: list[str] | tuple[str, ...]) -> Thresholds:
        wanted = frozenset(types)
        if wanted in self.by_types:
            return self.by_types[wanted]
        # An organisation with no declared type yet is judged as a maintenance organisation (the stricter
        # single type), so an incomplete declaration never looks compliant.
        return self.by_types[frozenset({"maintenance_testing"})]


_MAINTENANCE = Thresholds(
    legal_form="企业法人",
    min_area_m2=200,
    min_engineers=2,
    min_engineers_level_1=1,
    technical_lead_level_1=True,
    min_operators=6,
    min_operators_intermediate=2,
    equipment=("basic", "maintenance_testing"),
    documents=("quality_system",),
)
_ASSESSMENT = Thresholds(
    legal_form="企业法人",
    min_area_m2=100,
    min_engineers=2,
    min_engineers_level_1=1,
    technical_lead_level_1=True,
    min_operators=0,
    min_operators_intermediate=0,
    equipment=("basic", "assessment"),
    documents=("assessment_control",),
)
_BOTH = Thresholds(
    legal_form="企业法人",
    min_area_m2=200,
    min_engineers=2,
    min_engineers_level_1=1,
    technical_lead_level_1=True,
    min_operators=6,
    min_operators_intermediate=2,
    equipment=("basic", "maintenance_testing", "assessment"),
    documents=("quality_system", "assessment_control"),
)

RULESETS: dict[str, RuleSet] = {
    "2019-88": RuleSet(
        key="2019-88",
        title="《消防技术服务机构从业条件》（应急〔2019〕88号）",
        effective_from=date(2019, 8, 29),
        by_types={
            frozenset({"maintenance_testing"}): _MAINTENANCE,
            frozenset({"assessment"}): _ASSESSMENT,
            frozenset({"maintenance_testing", "assessment"}): _BOTH,
        },
    ),
}


def ruleset_for(day: date) -> RuleSet:
    """The rule set in force on `day`: the latest whose effective date has come."""
    in_force = [r for r in RULESETS.values() if r.effective_from <= day]
    if not in_force:
        raise LookupError(f"no practice-condition rule set in force on {day}")
    return max(in_force, key=lambda r: r.effective_from)


@dataclass(frozen=True)
class ConditionResult:
    key: str
    label: str
    met: bool
    required: Any
    actual: Any
    unit: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class ConditionReport:
    org_id: int
    ruleset: str
    ruleset_title: str
    evaluated_on: date
    evaluated_at: datetime
    conditions: list[ConditionResult] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return all(c.met for c in self.conditions)

    @property
    def unmet(self) -> list[ConditionResult]:
        return [c for c in self.conditions if not c.met]


@dataclass(frozen=True)
class StaffMember:
    practitioner: Practitioner
    employment: Employment


def active_staff(org_id: int) -> list[StaffMember]:
    rows = db.session.execute(
        sa.select(Practitioner, Employment)
        .join(Employment, Employment.practitioner_id == Practitioner.id)
        .where(Employment.org_id == org_id, Employment.status == "active")
        .order_by(Employment.id)
    ).all()
    return [StaffMember(p, e) for p, e in rows]


def _valid(cert: Certificate, day: date) -> bool:
    return cert.status == "valid" and (cert.expires_on is None or cert.expires_on >= day)


def counted_engineer_certificate(practitioner: Practitioner, org: Organization, day: date) -> Certificate | None:
    """The best engineer certificate that counts for `org` (一级 before 二级), or None."""
    certs = [
        c
        for c in practitioner.certificates
        if c.kind in ("engineer_1", "engineer_2") and _valid(c, day) and c.registered_org_credit_code == org.credit_code
    ]
    return min(certs, key=lambda c: c.kind) if certs else None


def counted_operator_level(practitioner: Practitioner, day: date) -> int | None:
    """The highest valid operator level (lowest number), or None."""
    levels = [c.level for c in practitioner.certificates if c.kind == "operator" and _valid(c, day) and c.level]
    return min(levels) if levels else None


def _at_least(
    key: str, label: str, required: float, actual: float, unit: str, detail: str | None = None
) -> ConditionResult:
    return ConditionResult(key, label, actual >= required, required, actual, unit, detail)


def _equipment_in_calibration(org: Organization, category: str, day: date) -> int:
    return sum(
        e.quantity
        for e in org.equipment
        if e.category == category and e.quantity > 0 and (e.calibration_due is None or e.calibration_due >= day)
    )


def _expired_equipment(org: Organization, category: str, day: date) -> list[str]:
    return [
        e.name
        for e in org.equipment
        if e.category == category and e.calibration_due is not None and e.calibration_due < day
    ]


def _document_file_id(org: Organization, kind: str) -> int | None:
    return getattr(org, f"{kind}_file_id")


def evaluate(org: Organization, on: date | None = None) -> ConditionReport:
    """Every condition of the rule set in force, met or not, with the required and actual figures."""
    day = on or today()
    ruleset = ruleset_for(day)
    rules = ruleset.thresholds_for(org.types or [])
    staff = active_staff(org.id)

    counted = [(m, counted_engineer_certificate(m.practitioner, org, day)) for m in staff]
    engineers = [(m, c) for m, c in counted if c is not None]
    level_1 = [(m, c) for m, c in engineers if c.kind == "engineer_1"]
    leads = [m for m, c in level_1 if m.employment.position == "technical_lead"]
    operator_levels = [lvl for m in staff if (lvl := counted_operator_level(m.practitioner, day)) is not None]
    intermediate = [lvl for lvl in operator_levels if lvl <= INTERMEDIATE_OPERATOR_LEVEL]

    results = [
        ConditionResult("legal_form", "法人资格", org.legal_form == rules.legal_form, rules.legal_form, org.legal_form),
        _at_least("workplace_area", "工作场所建筑面积", rules.min_area_m2, org.workplace_area_m2 or 0, "平方米"),
        _at_least("engineers", "注册消防工程师", rules.min_engineers, len(engineers), "人"),
        _at_least("engineers_level_1", "其中一级注册消防工程师", rules.min_engineers_level_1, len(level_1), "人"),
    ]
    if rules.technical_lead_level_1:
        results.append(
            _at_least(
                "technical_lead",
                "技术负责人（一级注册消防工程师）",
                1,
                len(leads),
                "人",
                None if leads else "须聘任一名一级注册消防工程师为技术负责人（第十二条）",
            )
        )
    if rules.min_operators:
        results.append(_at_least("operators", "消防设施操作员", rules.min_operators, len(operator_levels), "人"))
    if rules.min_operators_intermediate:
        results.append(
            _at_least(
                "operators_intermediate",
                "其中中级（四级）及以上消防设施操作员",
                rules.min_operators_intermediate,
                len(intermediate),
                "人",
            )
        )
    for category in rules.equipment:
        expired = _expired_equipment(org, category, day)
        results.append(
            _at_least(
                f"equipment_{category}",
                EQUIPMENT_CATEGORIES[category],
                1,
                _equipment_in_calibration(org, category, day),
                "台（套）",
                f"检定/校准已过期：{'、'.join(expired)}" if expired else None,
            )
        )
    for kind in rules.documents:
        uploaded = _document_file_id(org, kind) is not None
        results.append(ConditionResult(f"document_{kind}", ORG_DOCUMENTS[kind], uploaded, 1, int(uploaded), "份"))
    return ConditionReport(org.id, ruleset.key, ruleset.title, day, utcnow(), results)


def refresh_conditions(org: Organization, on: date | None = None, *, announce_unmet: bool = False) -> ConditionReport:
    """Evaluate and store the result on the organisation, inside the caller's unit of work.

    For an organisation in practice (verified or suspended) a change of outcome goes on the timeline, which
    the warning scans read; `announce_unmet` also records a failing outcome that did not change (approval).
    """
    report = evaluate(org, on)
    changed = org.conditions_checked_at is None or org.conditions_met != report.met
    org.conditions_met = report.met
    org.conditions_checked_at = report.evaluated_at
    org.conditions_ruleset = report.ruleset
    if org.status in MONITORED_STATUSES and (changed or (announce_unmet and not report.met)):
        _record_outcome(org, report)
    return report


def _record_outcome(org: Organization, report: ConditionReport) -> None:
    if report.met:
        kind, summary = "org.conditions_met", f"{org.name} 符合从业条件"
    else:
        labels = "、".join(c.label for c in report.unmet)
        kind, summary = "org.conditions_unmet", f"{org.name} 不符合从业条件：{labels}"
    append_event(
        kind,
        summary,
        org_id=org.id,
        district_code=org.district_code,
        special_zone=org.special_zone,
        visibility="org",
        data={"ruleset": report.ruleset, "unmet": [c.key for c in report.unmet]},
        is_trial=org.is_trial,
    )

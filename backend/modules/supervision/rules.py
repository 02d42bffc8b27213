"""The regulation as data: the inspection checklists and the penalty articles with their amount ranges.

Sources: 《社会消防技术服务管理规定》（应急管理部令第7号，2021）第二十二、二十三条 (what a check covers),
第二十六～三十条 (penalties), 第三十一条 (credit points); 《中华人民共和国消防法》（2021 年修正）第六十九条, to which
第二十九条 refers. Thresholds change by regulation, so the set carries a version that every penalty records.
"""

from __future__ import annotations

from dataclasses import dataclass

from .vocabulary import (
    CheckType,
    FollowUpOutcome,
    InspectionResult,
    InspectionStatus,
    ItemResult,
    PenaltySubjectKind,
)

RULESET_VERSION = "7号令(2021)+消防法(2021修正)"

# The code lists (defined with their labels in vocabulary.py) as the rest of the module reads them.
CHECK_TYPES = CheckType.labels()
ITEM_RESULTS = ItemResult.labels()
INSPECTION_RESULTS = InspectionResult.labels()
INSPECTION_STATUSES = InspectionStatus.labels()
FOLLOW_UP_OUTCOMES = FollowUpOutcome.labels()


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    title: str
    clause: str
    penalty_basis: str  # the article a failed item usually leads to (a hint for the supervisor)


UNIT_ITEMS: tuple[ChecklistItem, ...] = (
    ChecklistItem("name_misuse", "是否冒用其他消防技术服务机构名义从事社会消防技术服务活动", "第二十二条", "art26"),
    ChecklistItem(
        "staff_qualifications", "从业人员是否具备相应资格（注册消防工程师、消防设施操作员）", "第二十二条", "art27"
    ),
    ChecklistItem(
        "standards_compliance",
        "是否按照国家标准、行业标准和执业准则开展消防技术服务活动",
        "第二十二条",
        "art29_standard",
    ),
    ChecklistItem("on_site_staff", "项目负责人和消防设施操作员是否到现场实地开展工作", "第二十二条", "art28"),
    ChecklistItem(
        "documents_truthful", "出具的书面结论文件是否真实、准确（无虚假、失实文件，第三十七条）", "第二十二条", "art29"
    ),
    ChecklistItem(
        "signatures_seals",
        "书面结论文件是否由技术负责人、项目负责人签名并加盖执业印章和机构印章",
        "第二十二条",
        "art28",
    ),
    ChecklistItem("contract", "是否与委托人签订消防技术服务书面合同", "第二十二条", "art28"),
    ChecklistItem("building_notice", "是否在建筑物显著位置设置维护保养等服务信息标识", "第二十二条", "art30"),
)

SPECIAL_ITEMS: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "practice_conditions", "是否符合从业条件（经营场所、人员、设备、质量管理体系）", "第二十三条", "art29"
    ),
    ChecklistItem("dual_practice", "注册消防工程师是否同时在两个以上社会组织执业", "第二十三条", "art27"),
    ChecklistItem("subcontracting", "是否转包、分包消防技术服务项目", "第二十三条", "art27"),
    ChecklistItem("leads_appointed", "是否设立技术负责人，是否为每个项目明确项目负责人", "第二十三条", "art28"),
    ChecklistItem(
        "workplace_publicity",
        "是否在经营场所公示营业执照、从业人员、服务项目、收费标准和监督电话",
        "第二十三条",
        "art28",
    ),
    ChecklistItem("archives", "是否建立并按规定保存消防技术服务档案（不少于6年，第十五条）", "第二十三条", "art28"),
)


def checklist_for(check_type: str) -> tuple[ChecklistItem, ...]:
    return UNIT_ITEMS + SPECIAL_ITEMS if check_type == "special" else UNIT_ITEMS


ITEMS_BY_CODE = {item.code: item for item in UNIT_ITEMS + SPECIAL_ITEMS}


@dataclass(frozen=True)
class AmountRange:
    minimum: int  # yuan, inclusive; a fine is always more than zero
    maximum: int  # yuan, inclusive

    def contains(self, amount: int) -> bool:
        return amount > 0 and self.minimum <= amount <= self.maximum

    def describe(self) -> str:
        if self.minimum <= 0:
            return f"{self.maximum:,} 元以下"
        return f"{self.minimum:,}～{self.maximum:,} 元"


@dataclass(frozen=True)
class PenaltyBasis:
    code: str
    article: str
    conduct: str
    organization: AmountRange | None  # the range for an organisation; None: not applicable to one
    practitioner: AmountRange | None  # the range for a person (the engineer, the responsible person)


PENALTY_BASES: dict[str, PenaltyBasis] = {
    basis.code: basis
    for basis in (
        PenaltyBasis(
            "art26",
            "《社会消防技术服务管理规定》第二十六条",
            "冒用其他消防技术服务机构名义从事社会消防技术服务活动",
            AmountRange(20_000, 30_000),
            None,
        ),
        PenaltyBasis(
            "art27",
            "《社会消防技术服务管理规定》第二十七条",
            "注册消防工程师同时在两个以上社会组织执业；指派无相应资格从业人员从事社会消防技术服务活动；"
            "转包、分包消防技术服务项目",
            AmountRange(10_000, 20_000),
            AmountRange(5_000, 10_000),
        ),
        PenaltyBasis(
            "art28",
            "《社会消防技术服务管理规定》第二十八条",
            "未设立技术负责人或未明确项目负责人；书面结论文件未签名、未加盖执业印章或机构印章；未签订书面合同；"
            "未按规定到现场；未建立或保存档案；未在经营场所公示",
            AmountRange(0, 10_000),
            None,
        ),
        PenaltyBasis(
            "art29",
            "《社会消防技术服务管理规定》第二十九条、《中华人民共和国消防法》第六十九条",
            "不具备从业条件从事消防技术服务活动，或者出具虚假文件",
            AmountRange(50_000, 100_000),
            AmountRange(10_000, 50_000),  # 直接负责的主管人员和其他直接责任人员
        ),
        PenaltyBasis(
            "art29_standard",
            "《社会消防技术服务管理规定》第二十九条、《中华人民共和国消防法》第六十九条",
            "不按照国家标准、行业标准开展消防技术服务活动",
            AmountRange(0, 50_000),
            AmountRange(0, 10_000),
        ),
        PenaltyBasis(
            "art30",
            "《社会消防技术服务管理规定》第三十条",
            "未在建筑物显著位置设置维护保养等服务信息标识",
            AmountRange(0, 5_000),
            None,
        ),
    )
}

SUBJECT_KINDS = PenaltySubjectKind.labels()

# 积分信用 (第三十一条): points deducted from the subject's credit score for one decision.
MAX_CREDIT_POINTS = 100


def amount_range(basis: PenaltyBasis, subject_kind: str) -> AmountRange | None:
    return basis.organization if subject_kind == "organization" else basis.practitioner


@dataclass(frozen=True)
class Checklist:
    check_type: str
    name: str
    items: tuple[ChecklistItem, ...]


@dataclass(frozen=True)
class Catalogue:
    ruleset: str
    checklists: list[Checklist]
    penalty_bases: list[PenaltyBasis]


def catalogue() -> Catalogue:
    checklists = [Checklist(code, name, checklist_for(code)) for code, name in CHECK_TYPES.items()]
    return Catalogue(RULESET_VERSION, checklists, list(PENALTY_BASES.values()))

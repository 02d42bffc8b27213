"""The supervision module's code lists (backend.core.vocabulary): inspections, their follow-ups, penalties and
spot checks, each code with its Chinese label."""

from __future__ import annotations

from backend.core.vocabulary import Labelled


class CheckType(Labelled):
    """The unit spot-check (第二十二条, of a project or an organisation) and the special check of an organisation
    (第二十三条), which covers everything the unit check does and more."""

    UNIT = "unit", "单位抽查（第二十二条）"
    SPECIAL = "special", "专项检查（第二十三条）"


class ItemResult(Labelled):
    PASS = "pass", "符合"
    FAIL = "fail", "不符合"
    NA = "na", "不适用"


class InspectionResult(Labelled):
    QUALIFIED = "qualified", "合格"
    RECTIFY = "rectify", "责令整改"
    CASE_FILED = "case_filed", "立案查处"


class InspectionStatus(Labelled):
    CLOSED = "closed", "已结案"
    RECTIFYING = "rectifying", "整改中"
    CASE_FILED = "case_filed", "已立案"


class FollowUpOutcome(Labelled):
    PROGRESS = "progress", "跟踪记录"
    RECTIFIED = "rectified", "整改完成（结案）"
    ESCALATED = "escalated", "逾期未改，立案查处"
    CLOSED = "closed", "案件办结（结案）"


class PenaltySubjectKind(Labelled):
    ORGANIZATION = "organization", "消防技术服务机构"
    PRACTITIONER = "practitioner", "从业人员"


class SpotCheckStatus(Labelled):
    ISSUED = "issued", "待答复"
    PASSED = "passed", "通过"
    FAILED = "failed", "未通过"
    EXPIRED = "expired", "逾期未答复"


class SpotCheckNotice(Labelled):
    """How the practitioner was told of a spot check (SpotCheck.notified_via)."""

    WECHAT = "wechat", "订阅消息"
    SMS = "sms", "短信"
    NONE = "none", "未送达"

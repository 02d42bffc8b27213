"""The one vocabulary: every code list is a `Labelled` enum registered in backend.core.vocabulary, each code with
one Chinese label, and lists that describe the same thing never disagree on a label."""

from __future__ import annotations

import re
from itertools import combinations
from typing import Any

import pytest

from backend.core.vocabulary import Labelled, vocabularies

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def lists(app: Any) -> dict[str, type[Labelled]]:
    # the app factory has imported every module, so every code list has registered itself
    return vocabularies()


def test_the_modules_register_their_code_lists(lists: dict[str, type[Labelled]]) -> None:
    for name in ("ProjectStatus", "VisitStatus", "DefectStatus", "WarningStatus", "ReportStatus", "FeedbackStatus"):
        assert name in lists
    assert all(issubclass(enum, Labelled) and enum.__name__ == name for name, enum in lists.items())


def test_every_code_has_a_chinese_label(lists: dict[str, type[Labelled]]) -> None:
    for name, enum in lists.items():
        assert len(enum) > 0, name
        for member in enum:
            assert member.value and member.value == str(member), (name, member)
            assert member.label.strip() and CHINESE.search(member.label), (name, member.value, member.label)
        assert len(set(enum.values())) == len(enum), f"{name}: a code defined twice"


def test_lists_that_describe_the_same_thing_agree(lists: dict[str, type[Labelled]]) -> None:
    """One name, one list (a second definition is refused), and a list named after another (OrgStatus and
    PublicOrgStatus: a view of the same thing) labels the codes they share alike."""
    for (a, first), (b, second) in combinations(lists.items(), 2):
        if a.endswith(b) or b.endswith(a):
            shared = set(first.values()) & set(second.values())
            assert shared, f"{a} and {b} share a name but no code"
            for code in shared:
                assert first.labels()[code] == second.labels()[code], (a, b, code)


def test_a_name_belongs_to_one_list() -> None:
    from backend.modules.projects.models import VisitStatus

    with pytest.raises(TypeError, match="already defined"):

        class VisitStatus(Labelled):  # type: ignore[no-redef]
            CHECKED_IN = "checked_in", "已签到"

    assert vocabularies()["VisitStatus"] is VisitStatus


def test_codes_compare_and_serialise_as_the_bare_strings() -> None:
    from backend.modules.projects.models import VISIT_STATUSES, VisitStatus

    assert VisitStatus.CHECKED_OUT == "checked_out" and VisitStatus.CHECKED_OUT.label == "已签退"
    assert VISIT_STATUSES == ("rejected", "checked_in", "checked_out")
    assert all(type(code) is str for code in VisitStatus.values())
    assert VisitStatus.label_of("checked_in") == "在场"
    assert (
        VisitStatus.label_of("unknown") == "unknown"
        and VisitStatus.label_of(None, "-") == "-"
        and VisitStatus.label_of("x", None) is None
    )
    assert VisitStatus.from_label("已签退") is VisitStatus.CHECKED_OUT and VisitStatus.from_label("?") is None

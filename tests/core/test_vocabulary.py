"""The one vocabulary: every code list is a `Labelled` enum registered in backend.core.vocabulary, each code with
one Chinese label, and lists that describe the same thing never disagree on a label."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from backend.core.vocabulary import Labelled, vocabularies

REPO = Path(__file__).resolve().parents[2]

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
    """A thing has one list, so one label per code: no module keeps its own copy of a list's labels (the visit status
    was labelled in the models, a schema description and the exports, and the copies had drifted). A dict literal
    mapping a code to its label is such a copy; other mappings of the same codes (a record result to a report's
    合格/不合格, say) say something else and are left alone."""
    pair = re.compile(r'"([a-z0-9_]+)"\s*:\s*"([^"]+)"')
    labels = {(member.value, member.label): name for name, enum in lists.items() for member in enum}
    copies: dict[tuple[str, str], list[str]] = {}
    for path in sorted((REPO / "backend").rglob("*.py")):
        if path == REPO / "backend" / "core" / "vocabulary.py":  # the docstring's example
            continue
        text = path.read_text(encoding="utf-8")
        for found in pair.finditer(text):
            if (code_label := (found.group(1), found.group(2))) in labels:
                line = text.count("\n", 0, found.start()) + 1
                where = (str(path.relative_to(REPO)), labels[code_label])
                copies.setdefault(where, []).append(f"{line}: {found.group(0)}")
    # one code whose label happens to be another list's (demo text naming a service 消防安全评估) is no copy
    assert {where: lines for where, lines in copies.items() if len(lines) > 1} == {}


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
    assert VisitStatus.glossary("、") == "rejected 签到被拒、checked_in 在场、checked_out 已签退"
    assert VisitStatus.from_label("已签退") is VisitStatus.CHECKED_OUT and VisitStatus.from_label("?") is None

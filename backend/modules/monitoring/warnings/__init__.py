"""Early warnings (预警研判): a registry of named rules, one small module per rule family, the scan that turns
their findings into deduplicated warnings, and the warnings' workflow. Importing the package registers every
rule."""

from . import (  # noqa: F401  (each module registers its rules)
    certificates,
    conditions,
    documents,
    feedback,
    integrity,
    onsite,
    plans,
    reports,
    supervision,
    workload,
)
from .registry import FAMILIES, RULES, Detection, Rule, Window

__all__ = ["FAMILIES", "RULES", "Detection", "Rule", "Window"]

"""The backend's one vocabulary: every code list (a state machine's statuses, a kind, a type) is a `Labelled`
string enum whose members carry the code stored in the database and sent in the API together with its Chinese
label, defined once, in the module that owns the list (its models.py or a vocabulary.py beside it).

    class VisitStatus(Labelled):
        CHECKED_IN = "checked_in", "在场"

    VisitStatus.CHECKED_IN == "checked_in"      # a str: columns, queries and JSON see the bare code
    VisitStatus.CHECKED_IN.label == "在场"
    VisitStatus.values()                        # ("checked_in", ...) for OneOf and the OpenAPI enum
    VisitStatus.labels()                        # {"checked_in": "在场", ...} for *_name fields and exports
    VisitStatus.glossary()                      # "checked_in 在场 / ..." for a field's description

Every subclass registers itself here when its module is imported, under its class name, so the whole vocabulary
can be listed (and served to the clients) from one place while core imports no module: `vocabularies()` once the
app is built. A name belongs to one list: a second list of that name, defined elsewhere, is refused.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

_REGISTRY: dict[str, type[Labelled]] = {}
_ITSELF: Any = object()


class Labelled(StrEnum):
    """A code list whose members are defined as `NAME = "code", "中文标签"`."""

    _value_: str
    _label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Runs before the members exist: the registry holds the class, read only once the modules are loaded.
        known = _REGISTRY.get(cls.__name__)
        if known is not None and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
            raise TypeError(f"code list {cls.__name__} is already defined in {known.__module__}")
        _REGISTRY[cls.__name__] = cls

    @property
    def label(self) -> str:
        return self._label

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """The codes as plain strings, in definition order."""
        return tuple(m.value for m in cls)

    @classmethod
    def labels(cls) -> dict[str, str]:
        """Code -> Chinese label, in definition order."""
        return {m.value: m.label for m in cls}

    @classmethod
    def label_of(cls, value: Any, default: Any = _ITSELF) -> Any:
        """The label of a code; for anything else `default`, or the value itself when no default is given."""
        member = cls._value2member_map_.get(value) if isinstance(value, str) else None
        if isinstance(member, cls):
            return member.label
        return value if default is _ITSELF else default

    @classmethod
    def glossary(cls, sep: str = " / ") -> str:
        """ "code label" for each member, for a field's description in the API document."""
        return sep.join(f"{m.value} {m.label}" for m in cls)

    @classmethod
    def from_label(cls, label: str) -> Self | None:
        """The member whose label is `label` (importers map Chinese back to codes)."""
        return next((m for m in cls if m.label == label), None)


def vocabularies() -> dict[str, type[Labelled]]:
    """Every code list defined so far, by name (complete once the app factory has imported the modules)."""
    return dict(sorted(_REGISTRY.items()))

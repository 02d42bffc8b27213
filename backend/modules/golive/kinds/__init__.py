"""The kinds of object a v1 export holds, one module each (columns, row checks, prefetch, writes), and their
registry: in dependency order, each table may refer to those before it. The importer, the templates, the CLI
and the API iterate this registry; nothing else names the kinds."""

from __future__ import annotations

import re
from typing import Any

from .common import Column, Kind
from .documents import Documents
from .employments import Employments
from .organizations import Organizations
from .practitioners import Practitioners
from .projects import Projects
from .visits import Visits

KINDS: dict[str, Kind[Any]] = {
    k.key: k for k in (Organizations(), Practitioners(), Employments(), Projects(), Visits(), Documents())
}
ORDER = list(KINDS)

_NAME_PREFIX = re.compile(r"^[\d\s._\-]+")


def kind_for_name(name: str) -> Kind[Any] | None:
    """机构.csv, 01-organizations.csv, a sheet called 项目及委托单位 … → the kind it holds."""
    wanted = _NAME_PREFIX.sub("", name.strip()).lower()
    return next((kind for kind in KINDS.values() if wanted in kind.names()), None)


__all__ = ["KINDS", "ORDER", "Column", "Kind", "kind_for_name"]

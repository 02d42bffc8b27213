"""Modules read each other through queries.py, not models.py: the files under backend/ that import another
module's models stay few (the models that relate to another module's tables, and little else)."""

from __future__ import annotations

import re
from pathlib import Path

BACKEND = Path(__file__).resolve().parent.parent / "backend"
MODELS_IMPORT = re.compile(r"from backend\.modules\.([a-z_]+)\.models\b")
TABLES_IMPORT = re.compile(r"from backend\.modules\.([a-z_]+)\.(?:models|queries)\b")
MAX_CROSS_MODULE_MODELS_IMPORTERS = 15


def cross_module_models_importers() -> list[str]:
    """Files under backend/ with a `from backend.modules.X.models import` of a module X other than their own
    (files outside backend/modules count every such import)."""
    found = []
    for path in sorted(BACKEND.rglob("*.py")):
        rel = path.relative_to(BACKEND.parent)
        own = rel.parts[2] if len(rel.parts) > 3 and rel.parts[1] == "modules" else None
        if any(m != own for m in MODELS_IMPORT.findall(path.read_text(encoding="utf-8"))):
            found.append(rel.as_posix())
    return found


def test_few_files_import_another_modules_models() -> None:
    importers = cross_module_models_importers()
    assert len(importers) <= MAX_CROSS_MODULE_MODELS_IMPORTERS, "\n".join(importers)


def test_monitoring_reads_other_modules_through_its_read_model() -> None:
    """readmodel.py is the one monitoring file that takes other modules' tables (from their queries.py); its
    models.py may name another module's table for an index over it."""
    monitoring = BACKEND / "modules" / "monitoring"
    allowed = {monitoring / "readmodel.py", monitoring / "models.py"}
    offenders = [
        path.relative_to(BACKEND.parent).as_posix()
        for path in sorted(monitoring.rglob("*.py"))
        if path not in allowed
        and any(m != "monitoring" for m in TABLES_IMPORT.findall(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


def test_users_are_created_only_by_accounts() -> None:
    """Other modules call accounts.services (create_user, create_users, ensure_user_for_phone)."""
    accounts = BACKEND / "modules" / "accounts"
    offenders = [
        path.relative_to(BACKEND.parent).as_posix()
        for path in sorted(BACKEND.rglob("*.py"))
        if accounts not in path.parents and re.search(r"\b(User|UserRole)\(", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []

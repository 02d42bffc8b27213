"""Feature modules, in dependency order: each imports only modules listed before it (and core, adapters,
bootstrap), never one after it. `lint-imports` checks this (the layers contract in pyproject.toml):

    exports > golive > monitoring > lifecycle > supervision > documents > feedback > projects > realname
        > accounts | platform | webui

accounts, platform and webui form the bottom layer and import no other module (nor one another); platform and
webui keep their places below because they are registered there. What every module writes to (the timeline, the
audit log, jobs) lives in backend.core. When a lower module must set off work in a higher one, the higher one
registers with it (documents.hooks listens for feedback.services.on_feedback_settled); nothing lower names a higher
module, by import or by dotted path.

Each may have routes.py (smorest blueprints named `*blp`, and an optional `register_plain(app)` for plain Flask
blueprints), models.py, demo.py (`load() -> list[str]`), messages.py, cli.py (`commands: list[click.Command]`),
jobs.py (`PERIODIC`: its periodic tasks, as `core.schedule.Periodic` declarations) and hooks.py (`install(app)`:
the session and ORM listeners it needs, idempotent); they are discovered here so that adding a module touches one
list. Importing a module installs and schedules nothing: the app factory does both, from what is found here."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from flask import Flask

from backend.core.api import Api, Blueprint, set_actor_loader
from backend.core.schedule import Periodic

MODULES = (
    "accounts",
    "platform",
    "realname",
    "projects",
    "feedback",
    "documents",
    "supervision",
    "lifecycle",
    "monitoring",
    "golive",
    "exports",
    "webui",
)


def _optional(name: str) -> ModuleType | None:
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def submodules(kind: str) -> list[ModuleType]:
    found = []
    for module in MODULES:
        if importlib.util.find_spec(f"backend.modules.{module}") is None:
            continue
        sub = _optional(f"backend.modules.{module}.{kind}")
        if sub is not None:
            found.append(sub)
    return found


def import_models() -> None:
    """Import every model so the metadata is complete (Alembic, tests, create_app)."""
    import backend.core.audit
    import backend.core.files
    import backend.core.jobs
    import backend.core.outbox
    import backend.core.timeline  # noqa: F401

    submodules("models")


def periodic_tasks() -> list[Periodic]:
    """Every module's periodic tasks, as declared in its `jobs.PERIODIC`, in module order."""
    return [task for jobs in submodules("jobs") for task in getattr(jobs, "PERIODIC", ())]


def install_hooks(app: Flask) -> None:
    """Install every module's listeners (`hooks.install(app)`, idempotent: create_app may run many times in one
    process and the session and ORM events they listen to are global)."""
    for hooks in submodules("hooks"):
        hooks.install(app)


def register(app: Flask, api: Api) -> None:
    from backend.modules.accounts.services import load_actor

    import_models()
    submodules("messages")
    set_actor_loader(load_actor)
    for routes in submodules("routes"):
        for attr in sorted(vars(routes)):
            value = getattr(routes, attr)
            if attr.endswith("blp") and isinstance(value, Blueprint):
                api.register_blueprint(value)
        # Plain Flask blueprints (HTML pages, the WeChat server endpoint) outside the OpenAPI document.
        register_plain = getattr(routes, "register_plain", None)
        if register_plain is not None:
            register_plain(app)
    for cli in submodules("cli"):
        for command in getattr(cli, "commands", []):
            app.cli.add_command(command)

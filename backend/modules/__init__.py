"""Feature modules. Each registers its blueprints here, in dependency order."""

from __future__ import annotations

from flask import Flask

from backend.core.api import Api, set_actor_loader


def register(app: Flask, api: Api) -> None:
    from backend.modules.accounts import routes as accounts_routes
    from backend.modules.accounts.services import load_actor
    from backend.modules.platform import routes as platform_routes

    set_actor_loader(load_actor)
    for blp in (accounts_routes.blp, accounts_routes.admin_blp, platform_routes.blp):
        api.register_blueprint(blp)


def import_models() -> None:
    """Import every model so the metadata is complete (Alembic, tests)."""
    import backend.core.audit
    import backend.core.jobs
    import backend.core.outbox
    import backend.modules.accounts.models  # noqa: F401

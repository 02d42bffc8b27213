"""The official account 「上海消防公众服务平台」: WeChat's server endpoint (/wechat/official), the client
contact's H5 feedback pages opened through OAuth (/wx/...), and the public verification page (/verify).

Plain Flask blueprints outside the OpenAPI document; the business rules live in backend.modules.feedback and
backend.modules.documents. `register(app)` is called by the app factory (backend.create_app) after the modules;
nothing else in backend imports this package (an import-linter contract keeps it so).
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from .pages import pages_bp
    from .server import server_bp

    blueprints = [server_bp, pages_bp]
    if app.config.get("WECHAT_BACKEND", "simulator") == "simulator" and app.config.get("ENV_NAME") != "production":
        from .dev import dev_bp

        blueprints.append(dev_bp)
    for blueprint in blueprints:
        if blueprint.name not in app.blueprints:
            app.register_blueprint(blueprint)

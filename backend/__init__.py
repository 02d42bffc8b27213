"""消防技术服务机构执业活动管理系统 — application factory.

Imports stay inside create_app so that `import backend.adapters.x` (workers, scripts, adapter tests) does
not drag in Flask, the database and every module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: str | object | None = None, **overrides: Any) -> Flask:
    import base64
    import logging
    import os
    import uuid
    from pathlib import Path

    from flask import Flask, g

    import config as config_module
    import wechat_official
    from backend import cli, modules
    from backend.bootstrap import register_adapter_errors
    from backend.core import audit, schedule
    from backend.core import jobs as core_jobs
    from backend.core.api import api, install_bounded_ints, register_error_handlers, register_jwt_loaders
    from backend.core.crypto import Keyring, parse_keys, set_keyring
    from backend.core.db import db
    from backend.extensions import jwt

    app = Flask(__name__, instance_path=str(config_module.INSTANCE))
    cfg = config_module.load(config) if config is None or isinstance(config, str) else config
    app.config.from_object(cfg)
    app.config.update(overrides)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable in every response
    app.json.sort_keys = False  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    set_keyring(
        Keyring(
            keys=parse_keys(app.config["DATA_ENCRYPTION_KEYS"]),
            active=app.config["DATA_ENCRYPTION_ACTIVE_KEY"],
            hash_key=base64.b64decode(app.config["LOOKUP_HASH_KEY"]),
        )
    )
    Path(app.config["UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    # What runs at flush and at commit, installed here rather than by importing anything (README, "What runs
    # when"): core's audit hook, then each module's hooks (go-live's trial tagging, which places itself before
    # the audit hook; accounts' actor-cache invalidation). Each install is idempotent.
    audit.install(db.session)
    modules.install_hooks(app)
    jwt.init_app(app)
    register_jwt_loaders(jwt)
    install_bounded_ints(app, api)
    api.init_app(app)
    register_error_handlers(app)
    register_adapter_errors()
    modules.register(app, api)
    schedule.install(app, [*core_jobs.PERIODIC, *modules.periodic_tasks()])  # declared, not self-registered
    wechat_official.register(app)  # the official-account endpoint and H5 pages: plain blueprints calling services

    @app.before_request
    def _request_id() -> None:
        g.request_id = str(uuid.uuid4())

    @app.after_request
    def _security_headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Request-ID", getattr(g, "request_id", ""))
        return response

    _register_swagger_assets(app)
    cli.register(app)
    if os.environ.get("EMBEDDED_SCHEDULER") == "1" and app.config["JOBS_MODE"] == "inline":
        # `make run`: no Redis, no worker; periodic tasks run in a thread of the web process.
        from backend.core.schedule import start_embedded_scheduler

        start_embedded_scheduler(app)
    return app


def _register_swagger_assets(app: Flask) -> None:
    """Serve the Swagger UI files from the installed package: no CDN is reachable from a government network."""
    import swagger_ui_bundle
    from flask import send_from_directory

    folder = swagger_ui_bundle.swagger_ui_path

    @app.route("/api/swagger-ui/<path:filename>")
    def swagger_ui_asset(filename: str) -> Any:
        return send_from_directory(folder, filename)

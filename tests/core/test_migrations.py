"""The migrations build exactly the schema the models describe, and downgrade cleanly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from backend.core.db import db

REPO = Path(__file__).resolve().parents[2]


def test_models_and_migrations_agree(app: Any, ctx: Any) -> None:
    with db.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(mc, db.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_downgrade_to_base_and_back(tmp_path: Path, app: Any) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        engine = sa.create_engine(url)
        schema = "migration_roundtrip"
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
        engine = sa.create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    else:
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    cfg = Config(str(REPO / "alembic.ini"))
    cfg.set_main_option("script_location", str(REPO / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        command.downgrade(cfg, "base")
        remaining = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        command.upgrade(cfg, "head")
        assert "audit_log" in sa.inspect(conn).get_table_names()
    engine.dispose()

"""Test harness. One database per run: PostgreSQL when TEST_DATABASE_URL is set (CI), else a SQLite file.
Redis when REDIS_URL is set (a dedicated db index, flushed between tests), else the in-process fakeredis."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
import time_machine

from tests.clock import instant_for

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()


def _redis_db_index() -> int:
    """Each xdist worker flushes its own Redis database between tests: gw0 uses TEST_REDIS_DB (9 by default),
    gw1 the next one, and so on."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    offset = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    index = int(os.environ.get("TEST_REDIS_DB", "9")) + offset
    if index > 15:
        raise RuntimeError(f"Redis database {index} is beyond the default 16; lower TEST_REDIS_DB or the workers")
    return index


def _pg_admin_url(url: str) -> sa.URL:
    return sa.make_url(url).set(database="postgres")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        from config import normalise_db_url

        base = normalise_db_url(base)
        name = f"fire_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(_pg_admin_url(base), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.make_url(base).set(database=name).render_as_string(hide_password=False)
        try:
            yield url
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    os.environ["TEST_DATABASE_URL_EFFECTIVE"] = database_url
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        parts = urlsplit(redis_url)
        os.environ["TEST_REDIS_URL_EFFECTIVE"] = urlunsplit(parts._replace(path="/" + str(_redis_db_index())))
    os.environ["TEST_UPLOAD_DIR"] = str(tmp_path_factory.mktemp("uploads"))
    from alembic import command
    from alembic.config import Config

    from backend import create_app

    application = create_app("testing")
    with application.app_context():
        cfg = Config(str(REPO / "alembic.ini"))
        cfg.set_main_option("script_location", str(REPO / "migrations"))
        from backend.core.db import db

        with db.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
        if db.engine.dialect.name == "sqlite":
            db.engine.dispose()
            path = Path(sa.make_url(database_url).database or "")
            shutil.copyfile(path, path.with_suffix(".template"))
    yield application


def _reset_database(app: Any) -> None:
    from backend.core.db import db

    engine = db.engine
    if engine.dialect.name == "postgresql":
        tables = [t.name for t in db.metadata.sorted_tables]
        with engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        db.session.remove()
        engine.dispose()
        path = Path(sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database or "")
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        shutil.copyfile(path.with_suffix(".template"), path)


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Traveller]:
    """Every test starts at the pinned instant (tests/clock.py) with the clock ticking; ``clock.move_to(...)``
    and ``clock.shift(...)`` travel within a test."""
    start = instant_for(registry_data=request.node.get_closest_marker("registry_data") is not None)
    with time_machine.travel(start, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest, clock: time_machine.Traveller) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        _reset_database(app)
        from backend.extensions import redis_connection

        redis_connection().flushdb()
        from backend.modules.accounts.actor_cache import _Local

        _Local.data.clear()
        app.extensions.pop("adapters", None)
    yield
    with app.app_context():
        from backend.core.db import db

        db.session.remove()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def ctx(app: Any) -> Iterator[Any]:
    with app.app_context() as c:
        yield c


@pytest.fixture
def shared_data() -> Path:
    assert SHARED_DATA.is_dir(), f"shared data not found at {SHARED_DATA}"
    return SHARED_DATA

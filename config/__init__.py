"""Configuration. `embedded` (default): SQLite under instance/, jobs in-process, simulators, no Redis needed.
`production`: everything from the environment. `testing`: TEST_DATABASE_URL / REDIS_URL when set."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))


def normalise_db_url(url: str) -> str:
    """psycopg 3 is the driver: accept the plain postgresql:// (or postgres://) form everyone writes."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "on")


class BaseConfig:
    ENV_NAME = "base"
    JSON_AS_ASCII = False
    JSON_SORT_KEYS = False
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    API_TITLE = "消防技术服务机构执业活动管理系统 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/api/swagger-ui/"
    API_SPEC_OPTIONS = {
        "info": {
            "description": "上海市消防技术服务机构执业活动管理系统。所有时间为 ISO 8601（带时区偏移）；"
            "错误统一为 {code, message, details}。"
        },
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }

    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=30)
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=14)
    JWT_TOKEN_LOCATION = ["headers"]

    SMS_CODE_TTL = timedelta(minutes=5)
    SMS_CODE_MAX_ATTEMPTS = 5
    SMS_RESEND_INTERVAL = timedelta(seconds=60)
    SMS_DAILY_LIMIT = 10
    SMS_IP_HOURLY_LIMIT = 30
    LOGIN_IP_MINUTE_LIMIT = 30

    JOBS_MODE = "inline"  # inline | rq
    REDIS_URL: str | None = None

    SMS_BACKEND = "simulator"
    WECHAT_BACKEND = "simulator"
    REGISTRY_BACKEND = "simulator"
    GIS_BACKEND = "simulator"
    BIGDATA_BACKEND = "simulator"
    # Simulator defaults; production sets the real ones (see README configuration table).
    WECHAT_MINIPROGRAM_APPID = "wx5f3d2c1b0a998877"
    WECHAT_MINIPROGRAM_SECRET = "simulator-mini-secret"
    WECHAT_OFFICIAL_APPID = "wx1a2b3c4d5e6f7788"
    WECHAT_OFFICIAL_SECRET = "simulator-official-secret"
    WECHAT_OFFICIAL_TOKEN = "shanghai-fire-oa-token"
    WECHAT_OFFICIAL_AES_KEY: str | None = None
    WECHAT_TIMEOUT = 5.0
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"

    FACE_TOLERANCE = 0.5
    SPOT_CHECK_DEADLINE_MINUTES = 15
    SPOT_CHECK_LIVE_HOURS = 12
    # Subscribe-message template ids (the simulator accepts any; production sets the approved ones)
    WECHAT_SPOT_CHECK_TEMPLATE_ID = "spot-check-notice"
    WECHAT_FEEDBACK_TEMPLATE_ID = "fire-practice-feedback"
    FEEDBACK_WINDOW_DAYS = 7
    # Report QR signing (Ed25519, PKCS#8 PEM). Embedded/testing generate one under instance/ when unset.
    REPORT_SIGNING_KEY_PEM: str | None = None
    REPORT_SIGNING_KEY_ID: str | None = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    UPLOAD_DIR = str(INSTANCE / "uploads")


def _load_or_create_secrets(path: Path) -> dict[str, Any]:
    """Embedded mode keeps generated secrets beside the database so data stays readable across restarts."""
    from backend.core.crypto import new_key_b64

    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    secrets = {
        "JWT_SECRET_KEY": new_key_b64() + new_key_b64(),
        "SECRET_KEY": new_key_b64(),
        "DATA_ENCRYPTION_KEYS": "k1:" + new_key_b64(),
        "DATA_ENCRYPTION_ACTIVE_KEY": "k1",
        "LOOKUP_HASH_KEY": new_key_b64(),
    }
    path.write_text(json.dumps(secrets, indent=2))
    path.chmod(0o600)
    return secrets


def apply_environment(cfg: BaseConfig) -> None:
    """Any setting named in BaseConfig can be overridden by an environment variable of the same name."""
    for key in dir(BaseConfig):
        if not key.isupper() or key not in os.environ:
            continue
        default = getattr(BaseConfig, key)
        raw = os.environ[key]
        if isinstance(default, bool):
            value: Any = raw.lower() in ("1", "true", "yes", "on")
        elif isinstance(default, int):
            value = int(raw)
        elif isinstance(default, float):
            value = float(raw)
        elif isinstance(default, str) or default is None:
            value = raw
        else:
            continue
        setattr(cfg, key, value)


class EmbeddedConfig(BaseConfig):
    ENV_NAME = "embedded"

    def __init__(self) -> None:
        INSTANCE.mkdir(parents=True, exist_ok=True)
        for key, value in _load_or_create_secrets(INSTANCE / "secrets.json").items():
            setattr(self, key, value)
        self.SQLALCHEMY_DATABASE_URI = normalise_db_url(
            os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'fire.db'}")
        )
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.JOBS_MODE = os.environ.get("JOBS_MODE", "inline")
        apply_environment(self)


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    JOBS_MODE = "rq"
    SESSION_COOKIE_SECURE = True
    REQUIRED = (
        "DATABASE_URL",
        "REDIS_URL",
        "JWT_SECRET_KEY",
        "SECRET_KEY",
        "DATA_ENCRYPTION_KEYS",
        "DATA_ENCRYPTION_ACTIVE_KEY",
        "LOOKUP_HASH_KEY",
        "PUBLIC_BASE_URL",
        "REPORT_SIGNING_KEY_PEM",
    )

    def __init__(self) -> None:
        missing = [k for k in self.REQUIRED if not os.environ.get(k)]
        if missing:
            raise RuntimeError(f"production configuration is missing: {', '.join(missing)}")
        for key in self.REQUIRED:
            setattr(self, key, os.environ[key])
        self.SQLALCHEMY_DATABASE_URI = normalise_db_url(os.environ["DATABASE_URL"])
        apply_environment(self)
        # Outside systems' endpoints and credentials (SMS_URL, REGISTRY_APP_SECRET, GIS_KEY, …)
        for key, value in os.environ.items():
            if key.split("_")[0] in ("SMS", "REGISTRY", "GIS", "BIGDATA") and key.endswith(("_URL", "_KEY", "_SECRET")):
                setattr(self, key, value)


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    JWT_SECRET_KEY = "testing-jwt-secret-that-is-long-enough-0123456789"
    SECRET_KEY = "testing-secret"
    DATA_ENCRYPTION_KEYS = "k1:" + "A" * 43 + "=," + "k0:" + "B" * 43 + "="
    DATA_ENCRYPTION_ACTIVE_KEY = "k1"
    LOOKUP_HASH_KEY = "dGVzdGluZy1sb29rdXAtaGFzaC1rZXktdGhhdC1pcy1sb25nLWVub3VnaA=="

    def __init__(self) -> None:
        self.SQLALCHEMY_DATABASE_URI = normalise_db_url(os.environ.get("TEST_DATABASE_URL_EFFECTIVE", "sqlite://"))
        self.REDIS_URL = os.environ.get("TEST_REDIS_URL_EFFECTIVE") or None
        self.UPLOAD_DIR = os.environ.get("TEST_UPLOAD_DIR", "/tmp/fire-test-uploads")


CONFIGS: dict[str, type[BaseConfig]] = {
    "embedded": EmbeddedConfig,
    "development": EmbeddedConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def load(name: str | None = None) -> BaseConfig:
    name = name or os.environ.get("APP_CONFIG", "embedded")
    try:
        return CONFIGS[name]()
    except KeyError as exc:
        raise RuntimeError(f"unknown configuration {name!r}; one of {sorted(CONFIGS)}") from exc
